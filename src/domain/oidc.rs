//! Single sign-on with an organization's OpenID provider, as pure rules: the provider's settings
//! (parsed once), the values of one sign-in attempt (PKCE, `state`, `nonce`, the browser cookie),
//! the checks an ID token must pass, and every way a sign-in can fail, each with a stable code.
//!
//! **Where an attempt's secrets live.** Starting a sign-in makes two random secrets: the `state`,
//! which travels through the provider in the redirect, and a browser secret, which stays in an
//! `HttpOnly` cookie (`SameSite=Lax`, so the provider's redirect back carries it; path
//! `/auth/oidc`, ten minutes). The server keeps only the SHA-256 of each, in a row the callback
//! deletes as it reads it: an attempt works once, within [`ATTEMPT_TTL_SECS`], on every instance
//! sharing the database, and only in the browser that started it (a `state` someone else's
//! browser started signs nobody in: login CSRF). The PKCE verifier and the nonce are derived from
//! the browser secret ([`pkce_verifier`], [`nonce`]), so nothing the database holds, and nothing
//! seen in a URL or a log, lets anyone redeem a code. A signed cookie alone could not be used up:
//! single use needs the server to remember, so the server remembers.

use super::{DomainError, MemberId, OrgId};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// How long a started sign-in may take at the provider (login, consent, MFA).
pub const ATTEMPT_TTL_SECS: i64 = 10 * 60;

/// The cookie holding an attempt's browser secret.
pub const ATTEMPT_COOKIE: &str = "nc_oidc";

/// The path the attempt cookie is sent to (the callback is under it).
pub const ATTEMPT_COOKIE_PATH: &str = "/auth/oidc";

/// How far an ID token's `iat` may lie in the future (the two clocks disagree a little).
pub const CLOCK_SKEW_SECS: i64 = 60;

/// The scopes asked for: `openid`, and `email` and `profile` for the claims members are matched by.
pub const SCOPES: &str = "openid email profile";

/// What the associated data of a sealed client secret says it is (with the organization id).
pub const SECRET_PURPOSE: &str = "oidc-client-secret";

/// The provider's issuer identifier: an https URL (http only on a loopback host, for a provider
/// on the same machine), without query or fragment. Kept exactly as given: it must equal the
/// `issuer` of the provider's discovery document and the `iss` of its ID tokens, character for
/// character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer(String);

impl Issuer {
    /// Parses an issuer URL such as `https://login.microsoftonline.com/<tenant>/v2.0`.
    ///
    /// # Errors
    /// `invalid_issuer` when it is not such a URL.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let text = raw.trim();
        let invalid = |why: &str, id: &'static str| {
            DomainError::new(
                "issuer",
                "invalid_issuer",
                format!(
                    "{why}: the issuer is the provider's https URL, e.g. https://login.microsoftonline.com/<tenant id>/v2.0"
                ),
            )
            .because(id, &[])
        };
        let url = url::Url::parse(text).map_err(|_| invalid("not a URL", "issuer-not-a-url"))?;
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(invalid("no query, fragment or user name", "issuer-extras"));
        }
        if url.host().is_none() {
            return Err(invalid("no host", "issuer-no-host"));
        }
        if !secure_or_loopback(&url) {
            return Err(invalid("must be https", "issuer-https"));
        }
        if text.len() > 500 {
            return Err(invalid("at most 500 characters", "issuer-too-long"));
        }
        Ok(Self(text.to_owned()))
    }

    /// The issuer as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the provider's discovery document is (OpenID Connect Discovery 1.0, section 4).
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.0.trim_end_matches('/')
        )
    }
}

/// Whether the service may send people or requests to `url`: https, or http on a loopback host
/// (a provider on the same machine). The issuer and every endpoint its discovery names follow it.
pub fn secure_or_loopback(url: &url::Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    url.scheme() == "https" || (url.scheme() == "http" && loopback)
}

/// Text without whitespace or control characters, 1..=`max` characters: identifiers the provider
/// gives (client id, claim names).
fn token_text(raw: &str, field: &'static str, max: usize) -> Result<String, DomainError> {
    let text = raw.trim();
    if text.is_empty()
        || text.chars().count() > max
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(DomainError::new(
            field,
            "invalid_field",
            format!("must be 1 to {max} characters without spaces"),
        )
        .because("no-spaces", &[("max", &max)]));
    }
    Ok(text.to_owned())
}

/// The client id the provider gave namecard's registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    /// # Errors
    /// `invalid_field` when empty, over 255 characters or with spaces.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        token_text(raw, "client_id", 255).map(Self)
    }

    /// The client id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The client secret: shown nowhere, logged nowhere (`Debug` prints nothing of it), stored only
/// sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(crate::seal::SecretBytes);

impl ClientSecret {
    /// # Errors
    /// `invalid_field` when empty or over 1024 characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let text = raw.trim();
        if text.is_empty() || text.len() > 1024 || text.chars().any(char::is_control) {
            return Err(DomainError::new(
                "client_secret",
                "invalid_field",
                "must be 1 to 1024 characters",
            )
            .because("length", &[("max", &1024)]));
        }
        Ok(Self(crate::seal::SecretBytes::new(
            text.as_bytes().to_vec(),
        )))
    }

    /// Wraps a secret opened from its seal.
    pub fn from_opened(bytes: crate::seal::SecretBytes) -> Self {
        Self(bytes)
    }

    /// The secret's bytes, for sealing.
    pub fn bytes(&self) -> &[u8] {
        self.0.expose()
    }

    /// The secret as text, for the token request (it was text when set).
    pub fn expose(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.0.expose())
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(..)")
    }
}

/// Which member field a claim's value is compared with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchOn {
    /// The member's e-mail address, without regard to case.
    Email,
    /// The member's employee id, exactly.
    EmployeeId,
}

impl MatchOn {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::EmployeeId => "employee_id",
        }
    }

    /// From storage.
    pub fn from_stored(text: &str) -> Option<Self> {
        match text {
            "email" => Some(Self::Email),
            "employee_id" => Some(Self::EmployeeId),
            _ => None,
        }
    }

    /// The claim used when none is named: `email`, or a custom `employee_id` claim.
    pub fn default_claim(self) -> &'static str {
        self.as_str()
    }
}

/// The name of the ID token claim whose value finds the member: `email`, `preferred_username`,
/// `upn`, or a custom claim (`employee_id`, `https://acme.example/claims/eid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimName(String);

impl ClaimName {
    /// # Errors
    /// `invalid_field` when empty, over 200 characters or with spaces.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        token_text(raw, "claim", 200).map(Self)
    }

    /// The claim name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::domain::text_type!(
    /// What the sign-in button says after "Sign in with": `Acme Entra ID`, `Okta`.
    ProviderLabel,
    "label",
    60
);

/// An organization's provider as an admin sets it. Without `client_secret` an update keeps the
/// stored one.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub issuer: Issuer,
    pub client_id: ClientId,
    pub client_secret: Option<ClientSecret>,
    pub match_on: MatchOn,
    pub claim: ClaimName,
    pub label: ProviderLabel,
}

/// An organization's provider as stored (the secret stays sealed, and is never read out here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub org_id: OrgId,
    pub issuer: Issuer,
    pub client_id: ClientId,
    pub match_on: MatchOn,
    pub claim: ClaimName,
    pub label: ProviderLabel,
    pub updated_at: i64,
}

/// The address the provider sends the browser back to; the admin registers it at the provider.
pub fn redirect_uri(public_url: &str) -> String {
    format!("{}/auth/oidc/callback", public_url.trim_end_matches('/'))
}

/// The address that starts a sign-in with an organization's provider (the sign-in page's button;
/// also what an IdP's app tile or "initiate login URI" may point at).
pub fn start_url(public_url: &str, org: OrgId) -> String {
    format!("{}/auth/oidc/{org}/start", public_url.trim_end_matches('/'))
}

fn derived(tag: &str, browser_secret: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"namecard/oidc/")
        .chain_update(tag.as_bytes())
        .chain_update([0])
        .chain_update(browser_secret.as_bytes())
        .finalize();
    URL_SAFE_NO_PAD.encode(digest)
}

/// The PKCE `code_verifier` of an attempt (RFC 7636: 43 characters of base64url), derived from
/// its browser secret, so it is stored nowhere.
pub fn pkce_verifier(browser_secret: &str) -> String {
    derived("pkce", browser_secret)
}

/// The S256 `code_challenge` of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The `nonce` of an attempt, derived from its browser secret; the ID token must carry it.
pub fn nonce(browser_secret: &str) -> String {
    derived("nonce", browser_secret)
}

/// The `Set-Cookie` value that holds an attempt's browser secret. `SameSite=Lax`: the provider's
/// redirect back is a top-level navigation from another site, which a `Strict` cookie would miss.
pub fn attempt_cookie(browser_secret: &str, secure: bool) -> String {
    let path = ATTEMPT_COOKIE_PATH;
    super::session::set_cookie(
        ATTEMPT_COOKIE,
        browser_secret,
        path,
        ATTEMPT_TTL_SECS,
        "Lax",
        secure,
    )
}

/// The `Set-Cookie` value that removes the attempt cookie.
pub fn cleared_attempt_cookie(secure: bool) -> String {
    super::session::set_cookie(ATTEMPT_COOKIE, "", ATTEMPT_COOKIE_PATH, 0, "Lax", secure)
}

/// The attempt cookie's value in a `Cookie` header, if any.
pub fn attempt_from_cookies(cookie_header: &str) -> Option<&str> {
    super::session::cookie_value(cookie_header, ATTEMPT_COOKIE)
}

/// Why an ID token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// Not a JWS of three parts, or a header or payload that is not JSON.
    Malformed,
    /// `alg` is `none`, a MAC (`HS*`) or another algorithm the provider's key cannot make.
    DisallowedAlgorithm,
    /// No key of the provider's JWKS (fetched again once) has the token's `kid`.
    UnknownKey,
    /// The signature does not verify with the provider's key.
    BadSignature,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not name this client, or names others without `azp` naming this one.
    WrongAudience,
    /// `exp` has passed (or is missing).
    Expired,
    /// `iat` is missing or in the future.
    BadIssueTime,
    /// `nonce` is not this attempt's: a token issued for another sign-in, replayed.
    NonceMismatch,
}

/// Why a sign-in through the provider did not sign anyone in. Each has a stable code, shown on
/// the error page and written to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigninFailure {
    /// The organization has no provider (or is unknown).
    NotConfigured,
    /// The callback's `state` is unknown, already used or expired.
    UnknownState,
    /// The callback reached a browser that did not start the attempt (no or another cookie).
    OtherBrowser,
    /// The provider sent back an error (`?error=access_denied`); its code and description.
    ProviderError { error: String },
    /// The provider did not answer in time, or could not be reached.
    ProviderUnreachable,
    /// The provider answered, but not as OpenID Connect says (bad JSON, wrong issuer in its
    /// discovery document, a token endpoint error, no ID token).
    ProviderInvalid { what: String },
    /// The ID token failed a check.
    TokenRejected(TokenRejection),
    /// The token lacks the claim members are matched by (or an e-mail it says is unverified).
    ClaimMissing { claim: String },
    /// No member of the organization has the claim's value.
    UnknownMember,
    /// The member with the claim's value is deactivated.
    MemberInactive { member: MemberId },
    /// Several members have the claim's value (e-mail addresses are not unique).
    AmbiguousMember,
}

impl SigninFailure {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "oidc_not_configured",
            Self::UnknownState => "oidc_unknown_state",
            Self::OtherBrowser => "oidc_other_browser",
            Self::ProviderError { .. } => "oidc_provider_error",
            Self::ProviderUnreachable => "oidc_provider_unreachable",
            Self::ProviderInvalid { .. } => "oidc_provider_invalid",
            Self::TokenRejected(r) => match r {
                TokenRejection::Malformed => "oidc_token_malformed",
                TokenRejection::DisallowedAlgorithm => "oidc_token_algorithm",
                TokenRejection::UnknownKey => "oidc_token_unknown_key",
                TokenRejection::BadSignature => "oidc_token_bad_signature",
                TokenRejection::WrongIssuer => "oidc_token_wrong_issuer",
                TokenRejection::WrongAudience => "oidc_token_wrong_audience",
                TokenRejection::Expired => "oidc_token_expired",
                TokenRejection::BadIssueTime => "oidc_token_issue_time",
                TokenRejection::NonceMismatch => "oidc_token_nonce_mismatch",
            },
            Self::ClaimMissing { .. } => "oidc_claim_missing",
            Self::UnknownMember => "oidc_unknown_member",
            Self::MemberInactive { .. } => "oidc_member_inactive",
            Self::AmbiguousMember => "oidc_ambiguous_member",
        }
    }

    /// The HTTP status of the error page.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotConfigured => 404,
            Self::UnknownState | Self::OtherBrowser => 400,
            Self::ProviderUnreachable => 504,
            Self::ProviderInvalid { .. } => 502,
            Self::ProviderError { .. } | Self::TokenRejected(_) => 401,
            Self::ClaimMissing { .. }
            | Self::UnknownMember
            | Self::MemberInactive { .. }
            | Self::AmbiguousMember => 403,
        }
    }

    /// The catalogue message the person is told (`signin-failed-<code>`; one for every token
    /// check, since which check failed helps an attacker more than the person).
    pub fn message_id(&self) -> String {
        match self {
            Self::TokenRejected(_) => "signin-failed-oidc_token".to_owned(),
            other => format!("signin-failed-{}", other.code()),
        }
    }

    /// The values the message names: the provider's error code or the missing claim's name
    /// (no secrets, nothing else from the token).
    pub fn message_values(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::ProviderError { error } => vec![("error", error.clone())],
            Self::ClaimMissing { claim } => vec![("claim", claim.clone())],
            _ => Vec::new(),
        }
    }

    /// What the audit log and the logs say beyond the code (never a secret or a token).
    pub fn detail(&self) -> String {
        match self {
            Self::ProviderError { error } => error.clone(),
            Self::ProviderInvalid { what } => what.clone(),
            Self::ClaimMissing { claim } => format!("claim {claim}"),
            Self::MemberInactive { member } => format!("member/{member}"),
            _ => String::new(),
        }
    }
}

/// What a verified ID token must show: the configured issuer, this client as its audience, this
/// attempt's nonce, and an unexpired time.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now: i64,
}

/// The checks of OpenID Connect Core 1.0 section 3.1.3.7 that follow the signature's: `iss`,
/// `aud` (and `azp` when there are several audiences, or when present), `exp`, `iat`, `nonce`.
/// `claims` is the payload of a token whose signature verified.
///
/// # Errors
/// The first check that fails.
pub fn check_claims(
    claims: &serde_json::Map<String, serde_json::Value>,
    expected: &Expected<'_>,
) -> Result<(), TokenRejection> {
    use serde_json::Value;
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
        return Err(TokenRejection::WrongIssuer);
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => return Err(TokenRejection::WrongAudience),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(TokenRejection::WrongAudience);
    }
    let azp = claims.get("azp").and_then(Value::as_str);
    if (audiences.len() > 1 && azp.is_none()) || azp.is_some_and(|a| a != expected.client_id) {
        return Err(TokenRejection::WrongAudience);
    }
    let time = |name: &str| claims.get(name).and_then(Value::as_f64).map(|t| t as i64);
    match time("exp") {
        Some(exp) if exp > expected.now => {}
        _ => return Err(TokenRejection::Expired),
    }
    match time("iat") {
        Some(iat) if iat <= expected.now + CLOCK_SKEW_SECS => {}
        _ => return Err(TokenRejection::BadIssueTime),
    }
    let nonce = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
    let same: bool =
        subtle::ConstantTimeEq::ct_eq(nonce.as_bytes(), expected.nonce.as_bytes()).into();
    if !same {
        return Err(TokenRejection::NonceMismatch);
    }
    Ok(())
}

/// The value members are matched by: the claim's text, or why there is none. When matching by
/// e-mail, a token that says `email_verified: false` (or `"false"`) has no usable e-mail.
///
/// # Errors
/// `ClaimMissing` when the claim is absent, not text, or an unverified e-mail.
pub fn claim_value(
    claims: &serde_json::Map<String, serde_json::Value>,
    claim: &ClaimName,
    match_on: MatchOn,
) -> Result<String, SigninFailure> {
    use serde_json::Value;
    let missing = || SigninFailure::ClaimMissing {
        claim: claim.as_str().to_owned(),
    };
    let value = match claims.get(claim.as_str()) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(missing()),
    };
    if match_on == MatchOn::Email && claim.as_str() == "email" {
        let unverified = match claims.get("email_verified") {
            Some(Value::Bool(b)) => !b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("false"),
            _ => false,
        };
        if unverified {
            return Err(missing());
        }
    }
    Ok(value)
}

/// The algorithm a token's header names, read before anything else: `none` and the MAC
/// algorithms (`HS*`, which would take the provider's public key as a shared secret) are refused
/// here, whatever the keys are.
fn signing_algorithm(token: &str) -> Result<jsonwebtoken::Algorithm, TokenRejection> {
    use jsonwebtoken::{Algorithm, AlgorithmFamily};
    let header = token.split('.').next().ok_or(TokenRejection::Malformed)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| TokenRejection::Malformed)?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| TokenRejection::Malformed)?;
    let name = header
        .get("alg")
        .and_then(serde_json::Value::as_str)
        .ok_or(TokenRejection::Malformed)?;
    let alg: Algorithm = name
        .parse()
        .map_err(|_| TokenRejection::DisallowedAlgorithm)?;
    if alg.family() == AlgorithmFamily::Hmac {
        return Err(TokenRejection::DisallowedAlgorithm);
    }
    Ok(alg)
}

/// Whether a key of the provider's JWKS may check a token signed with `alg` and naming `kid`:
/// the same key id (when the token names one), a key type of the algorithm's family, meant for
/// signatures (`use` absent or `sig`) and for this algorithm (`alg` absent or equal).
fn key_fits(key: &jsonwebtoken::jwk::Jwk, alg: jsonwebtoken::Algorithm, kid: Option<&str>) -> bool {
    use jsonwebtoken::AlgorithmFamily;
    use jsonwebtoken::jwk::{AlgorithmParameters, PublicKeyUse};
    let family = match &key.algorithm {
        AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa,
        AlgorithmParameters::EllipticCurve(_) => AlgorithmFamily::Ec,
        AlgorithmParameters::OctetKeyPair(_) => AlgorithmFamily::Ed,
        AlgorithmParameters::OctetKey(_) => return false,
    };
    let common = &key.common;
    family == alg.family()
        && kid.is_none_or(|kid| common.key_id.as_deref() == Some(kid))
        && matches!(common.public_key_use, None | Some(PublicKeyUse::Signature))
        // The two enums name the signature algorithms alike (`RS256`, `EdDSA`, ...).
        && common
            .key_algorithm
            .is_none_or(|ka| format!("{ka:?}") == format!("{alg:?}"))
}

/// The keys of a JWKS document that this service can use; keys of other kinds (encryption keys,
/// curves it does not know) are skipped rather than failing the set.
pub fn parse_jwks(document: &serde_json::Value) -> Option<Vec<jsonwebtoken::jwk::Jwk>> {
    let keys = document.get("keys")?.as_array()?;
    Some(
        keys.iter()
            .filter_map(|k| serde_json::from_value(k.clone()).ok())
            .collect(),
    )
}

/// Verifies an ID token: its signature with a fitting key of the provider's `keys` (RS256 and the
/// other RSA algorithms, ES256/ES384, EdDSA; `none` and `HS*` refused), then [`check_claims`].
/// Returns the verified claims.
///
/// # Errors
/// `UnknownKey` when no key fits (the caller fetches the JWKS again and retries once), or the
/// first check that fails.
pub fn verify_id_token(
    token: &str,
    keys: &[jsonwebtoken::jwk::Jwk],
    expected: &Expected<'_>,
) -> Result<serde_json::Map<String, serde_json::Value>, TokenRejection> {
    let alg = signing_algorithm(token)?;
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRejection::Malformed)?;
    let kid = header.kid.as_deref();
    let mut validation = jsonwebtoken::Validation::new(alg);
    // The claims are checked by `check_claims`, all in one place, after the signature.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let mut fitting = keys.iter().filter(|k| key_fits(k, alg, kid)).peekable();
    if fitting.peek().is_none() {
        return Err(TokenRejection::UnknownKey);
    }
    for key in fitting {
        let Ok(decoding) = jsonwebtoken::DecodingKey::from_jwk(key) else {
            continue;
        };
        match jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token,
            &decoding,
            &validation,
        ) {
            Ok(data) => {
                check_claims(&data.claims, expected)?;
                return Ok(data.claims);
            }
            Err(e) => match e.kind() {
                jsonwebtoken::errors::ErrorKind::Json(_)
                | jsonwebtoken::errors::ErrorKind::Base64(_)
                | jsonwebtoken::errors::ErrorKind::Utf8(_)
                | jsonwebtoken::errors::ErrorKind::InvalidToken => {
                    return Err(TokenRejection::Malformed);
                }
                _ => {}
            },
        }
    }
    Err(TokenRejection::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap()
    }

    const NOW: i64 = 1_800_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuer: "https://idp.example",
            client_id: "nc",
            nonce: "n-1",
            now: NOW,
        }
    }

    fn good() -> serde_json::Value {
        json!({"iss": "https://idp.example", "aud": "nc", "exp": NOW + 60, "iat": NOW, "nonce": "n-1", "sub": "u"})
    }

    fn with(key: &str, value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        let mut c = claims(good());
        c.insert(key.into(), value);
        c
    }

    #[test]
    fn a_token_for_this_client_and_attempt_passes_every_claim_check() {
        assert_eq!(check_claims(&claims(good()), &expected()), Ok(()));
        let several = with("aud", json!(["nc", "other"]));
        let mut with_azp = several.clone();
        with_azp.insert("azp".into(), json!("nc"));
        assert_eq!(check_claims(&with_azp, &expected()), Ok(()));
        assert_eq!(
            check_claims(&several, &expected()),
            Err(TokenRejection::WrongAudience)
        );
    }

    #[test]
    fn each_claim_check_refuses_its_own_fault() {
        let e = expected();
        let cases = [
            (
                with("iss", json!("https://evil.example")),
                TokenRejection::WrongIssuer,
            ),
            (
                with("aud", json!("someone-else")),
                TokenRejection::WrongAudience,
            ),
            (
                with("aud", json!(["a", "b"])),
                TokenRejection::WrongAudience,
            ),
            (
                with("azp", json!("someone-else")),
                TokenRejection::WrongAudience,
            ),
            (with("exp", json!(NOW)), TokenRejection::Expired),
            (with("exp", json!("tomorrow")), TokenRejection::Expired),
            (with("iat", json!(NOW + 3600)), TokenRejection::BadIssueTime),
            (with("nonce", json!("n-2")), TokenRejection::NonceMismatch),
        ];
        for (c, rejection) in cases {
            assert_eq!(check_claims(&c, &e), Err(rejection), "{c:?}");
        }
        let mut no_nonce = claims(good());
        no_nonce.remove("nonce");
        assert_eq!(
            check_claims(&no_nonce, &e),
            Err(TokenRejection::NonceMismatch)
        );
    }

    #[test]
    fn issuers_are_https_urls_or_http_on_loopback() {
        assert!(Issuer::parse("https://login.microsoftonline.com/t/v2.0").is_ok());
        assert!(Issuer::parse("http://127.0.0.1:8080").is_ok());
        assert!(Issuer::parse("http://localhost:8080/realms/acme").is_ok());
        for bad in [
            "http://idp.example",
            "ftp://idp.example",
            "idp.example",
            "https://idp.example/?a=1",
            "",
        ] {
            assert!(Issuer::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Issuer::parse("https://idp.example/")
                .unwrap()
                .discovery_url(),
            "https://idp.example/.well-known/openid-configuration"
        );
    }

    #[test]
    fn the_verifier_and_nonce_come_from_the_browser_secret_and_differ() {
        let v = pkce_verifier("b");
        assert_eq!(v.len(), 43);
        assert_ne!(v, nonce("b"));
        assert_ne!(v, pkce_verifier("c"));
        // RFC 7636 appendix B's example.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn an_unverified_email_is_no_email() {
        let name = ClaimName::parse("email").unwrap();
        let c = claims(json!({"email": "ada@example.com", "email_verified": false}));
        assert!(claim_value(&c, &name, MatchOn::Email).is_err());
        let c = claims(json!({"email": "ada@example.com"}));
        assert_eq!(
            claim_value(&c, &name, MatchOn::Email).unwrap(),
            "ada@example.com"
        );
        let eid = ClaimName::parse("employee_id").unwrap();
        let c = claims(json!({"employee_id": 42}));
        assert_eq!(claim_value(&c, &eid, MatchOn::EmployeeId).unwrap(), "42");
        assert!(claim_value(&c, &name, MatchOn::Email).is_err());
    }

    /// An Ed25519 key as the provider's JWKS has it, and a token it signs.
    fn signer() -> (jsonwebtoken::EncodingKey, jsonwebtoken::jwk::Jwk, [u8; 32]) {
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let der = key.to_pkcs8_der().unwrap();
        let public = key.verifying_key().to_bytes();
        let jwk = serde_json::from_value(json!({
            "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(public),
            "kid": "k1", "use": "sig", "alg": "EdDSA"
        }))
        .unwrap();
        (
            jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
            jwk,
            public,
        )
    }

    fn token(
        alg: jsonwebtoken::Algorithm,
        kid: Option<&str>,
        key: &jsonwebtoken::EncodingKey,
    ) -> String {
        let mut header = jsonwebtoken::Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &good(), key).unwrap()
    }

    #[test]
    fn an_id_token_verifies_only_with_the_providers_key_and_algorithm() {
        use jsonwebtoken::Algorithm;
        let (key, jwk, public) = signer();
        let keys = [jwk];
        let e = expected();
        let good_token = token(Algorithm::EdDSA, Some("k1"), &key);
        assert!(verify_id_token(&good_token, &keys, &e).is_ok());
        // Unsigned, and signed with the public key as an HMAC secret: refused before any key.
        let (h, p) = (
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            good_token.split('.').nth(1).unwrap().to_owned(),
        );
        assert_eq!(
            verify_id_token(&format!("{h}.{p}."), &keys, &e),
            Err(TokenRejection::DisallowedAlgorithm)
        );
        let hs = token(
            Algorithm::HS256,
            Some("k1"),
            &jsonwebtoken::EncodingKey::from_secret(&public),
        );
        assert_eq!(
            verify_id_token(&hs, &keys, &e),
            Err(TokenRejection::DisallowedAlgorithm)
        );
        // A key id the JWKS lacks; a signature that does not verify; garbage.
        assert_eq!(
            verify_id_token(&token(Algorithm::EdDSA, Some("k2"), &key), &keys, &e),
            Err(TokenRejection::UnknownKey)
        );
        let mut forged = good_token.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(
            verify_id_token(&forged, &keys, &e),
            Err(TokenRejection::BadSignature)
        );
        assert_eq!(
            verify_id_token("not a token", &keys, &e),
            Err(TokenRejection::Malformed)
        );
        // The claims are checked after the signature: another client's token is refused.
        let other = Expected {
            client_id: "another",
            ..expected()
        };
        assert_eq!(
            verify_id_token(&good_token, &keys, &other),
            Err(TokenRejection::WrongAudience)
        );
        let later = Expected {
            now: NOW + 61,
            ..expected()
        };
        assert_eq!(
            verify_id_token(&good_token, &keys, &later),
            Err(TokenRejection::Expired)
        );
    }

    #[test]
    fn debug_prints_nothing_of_a_client_secret() {
        let s = ClientSecret::parse("hunter2").unwrap();
        assert_eq!(format!("{s:?}"), "ClientSecret(..)");
    }

    #[test]
    fn the_attempt_cookie_is_lax_http_only_and_scoped_to_the_callback() {
        let c = attempt_cookie("abc", true);
        assert!(c.contains("SameSite=Lax") && c.contains("HttpOnly") && c.contains("Secure"));
        assert!(c.contains("Path=/auth/oidc;"));
        assert_eq!(attempt_from_cookies("a=b; nc_oidc=abc"), Some("abc"));
        assert_eq!(attempt_from_cookies("nc_oidc="), None);
    }
}
