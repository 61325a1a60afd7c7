//! Web sign-in as pure rules: one-time sign-in links, cookie sessions, and the CSRF checks that
//! every state-changing request made with a session cookie must pass.
//!
//! Members and admins have no passwords. An admin creates a one-time sign-in link for a person
//! (its secret is a [`TokenSecret`], stored only hashed, usable once, within
//! [`SIGNIN_LINK_TTL_SECS`]); opening it trades the secret for a session secret held in an
//! `HttpOnly`, `SameSite=Strict` cookie (also stored only hashed). A browser sends that cookie on
//! its own, so a cookie alone never authorizes a change: the page must also send
//! [`CSRF_HEADER`] with the token [`csrf_token`] derives from the session secret (which a page
//! on another origin cannot read), and an `Origin` header, when present, must be this service.
//! Bearer-token clients send no cookie and are unaffected.

use super::{Role, TokenInfo, TokenSecret};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// How long a sign-in link stays usable: long enough to pass a link on, short enough that a
/// forgotten one in a chat history is dead.
pub const SIGNIN_LINK_TTL_SECS: i64 = 60 * 60;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "nc_session";

/// The request header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How long a session lasts from sign-in. Members carry the app on their phone for weeks;
/// administrators change other people's data, so their sessions are short.
pub fn session_lifetime(role: Role) -> i64 {
    match role {
        Role::Member => 30 * 24 * 60 * 60,
        Role::Admin | Role::Operator => 12 * 60 * 60,
    }
}

/// The CSRF token of a session: derived from the session secret, so nothing more is stored and
/// it lives and dies with the session. Knowing it does not reveal the secret (SHA-256 is one-way).
pub fn csrf_token(session_secret: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"namecard csrf v1\0");
    hash.update(session_secret.as_bytes());
    URL_SAFE_NO_PAD.encode(hash.finalize())
}

/// Whether `presented` is the session's CSRF token (compared in constant time).
pub fn csrf_matches(session_secret: &str, presented: &str) -> bool {
    csrf_token(session_secret)
        .as_bytes()
        .ct_eq(presented.as_bytes())
        .into()
}

/// Methods that change nothing and so need no CSRF token.
pub fn is_safe_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Whether a request's `Origin` names this service: either the host the request was sent to
/// (`Host` header) or the configured public URL. `null` and anything else is foreign.
pub fn origin_is_ours(origin: &str, host: Option<&str>, public_url: &str) -> bool {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    if origin == public_url.trim_end_matches('/').to_ascii_lowercase() {
        return true;
    }
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((authority, host), (Some(a), Some(h)) if a == h.trim().to_ascii_lowercase())
}

/// The `Set-Cookie` value that starts a session. `Secure` when the service is served over
/// https, so the cookie never travels in clear; `SameSite=Strict` so other sites' requests never
/// carry it; `HttpOnly` so page scripts never read it.
pub fn session_cookie(secret: &TokenSecret, max_age_secs: i64, secure: bool) -> String {
    cookie(secret.expose(), max_age_secs, secure)
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn cleared_cookie(secure: bool) -> String {
    cookie("", 0, secure)
}

fn cookie(value: &str, max_age_secs: i64, secure: bool) -> String {
    set_cookie(SESSION_COOKIE, value, "/", max_age_secs, "Strict", secure)
}

/// A `Set-Cookie` value for an `HttpOnly` cookie of the service (`Secure` when `secure`).
pub fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age_secs: i64,
    same_site: &str,
    secure: bool,
) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite={same_site}{secure}"
    )
}

/// The session secret in a `Cookie` header, if any (the first non-empty `nc_session`).
pub fn session_from_cookies(cookie_header: &str) -> Option<&str> {
    cookie_value(cookie_header, SESSION_COOKIE)
}

/// The first non-empty value of the cookie `name` in a `Cookie` header, if any.
pub fn cookie_value<'a>(cookie_header: &'a str, name: &str) -> Option<&'a str> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, value)| *n == name && !value.is_empty())
        .map(|(_, value)| value)
}

/// Whether cookies must be `Secure`: the service's public URL is https.
pub fn cookies_secure(public_url: &str) -> bool {
    public_url.to_ascii_lowercase().starts_with("https://")
}

/// The address a person opens to sign in. The secret is in the fragment, which browsers never
/// send: it stays out of the server's request log, proxies' logs and `Referer` headers.
pub fn signin_url(public_url: &str, secret: &TokenSecret) -> String {
    format!(
        "{}/signin#{}",
        public_url.trim_end_matches('/'),
        secret.expose()
    )
}

/// A sign-in link nobody has used yet (its secret is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSigninLink {
    pub id: super::SigninLinkId,
    pub role: super::Role,
    /// The member it signs in, for a member's link.
    pub member_id: Option<super::MemberId>,
    pub created_at: i64,
    pub expires_at: i64,
    /// The token it was made with (`None` for links from before makers were recorded).
    pub created_by: Option<super::TokenId>,
}

/// A live web session: the token it acts through, and when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub token: TokenInfo,
    pub expires_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_belongs_to_one_session_only() {
        let (a, b) = (TokenSecret::generate(), TokenSecret::generate());
        let token = csrf_token(a.expose());
        assert!(csrf_matches(a.expose(), &token));
        assert!(!csrf_matches(b.expose(), &token));
        assert!(!csrf_matches(a.expose(), ""));
        assert!(!csrf_matches(a.expose(), &token[1..]));
        assert_ne!(token, a.expose(), "the token is not the secret");
    }

    #[test]
    fn only_this_services_origin_passes() {
        let public = "https://nc.example.com";
        assert!(origin_is_ours("https://nc.example.com", None, public));
        assert!(origin_is_ours("HTTPS://NC.example.com/", None, public));
        assert!(origin_is_ours(
            "http://127.0.0.1:8080",
            Some("127.0.0.1:8080"),
            public
        ));
        assert!(!origin_is_ours(
            "http://127.0.0.1:8081",
            Some("127.0.0.1:8080"),
            public
        ));
        assert!(!origin_is_ours(
            "https://evil.example",
            Some("nc.example.com"),
            public
        ));
        assert!(!origin_is_ours("null", Some("nc.example.com"), public));
        assert!(!origin_is_ours(
            "https://nc.example.com.evil.example",
            None,
            public
        ));
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_and_secure_over_https() {
        let secret = TokenSecret::generate();
        let over_tls = session_cookie(&secret, 60, cookies_secure("https://nc.example.com"));
        assert!(over_tls.starts_with(&format!("nc_session={}; ", secret.expose())));
        for attribute in [
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/",
            "Max-Age=60",
        ] {
            assert!(over_tls.contains(attribute), "{over_tls} lacks {attribute}");
        }
        let plain = session_cookie(&secret, 60, cookies_secure("http://127.0.0.1:8080"));
        assert!(!plain.contains("Secure"));
        assert!(cleared_cookie(false).starts_with("nc_session=; Path=/; Max-Age=0"));
    }

    #[test]
    fn the_session_is_found_among_other_cookies() {
        assert_eq!(
            session_from_cookies("a=1; nc_session=nc_abc; b=2"),
            Some("nc_abc")
        );
        assert_eq!(session_from_cookies("nc_session=; nc_session=x"), Some("x"));
        assert_eq!(session_from_cookies("nc_sessionx=1; other=2"), None);
        assert_eq!(session_from_cookies(""), None);
    }

    #[test]
    fn only_reads_skip_the_csrf_check() {
        for m in ["GET", "HEAD", "OPTIONS"] {
            assert!(is_safe_method(m));
        }
        for m in ["POST", "PUT", "PATCH", "DELETE", "get"] {
            assert!(!is_safe_method(m));
        }
    }

    #[test]
    fn administrators_sessions_are_shorter_than_members() {
        assert!(session_lifetime(Role::Admin) < session_lifetime(Role::Member));
        let secret = TokenSecret::generate();
        assert_eq!(
            signin_url("https://nc.example.com/", &secret),
            format!("https://nc.example.com/signin#{}", secret.expose())
        );
    }
}
