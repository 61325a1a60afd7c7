//! Single sign-on over HTTP: the admin's provider settings (`/v1/orgs/{org}/oidc`), the sign-in
//! page's lookup by domain, and the two browser routes of the flow, `GET /auth/oidc/{org}/start`
//! (to the provider) and `GET /auth/oidc/callback` (back, to a session cookie exactly as a
//! sign-in link makes one). A sign-in that fails answers an HTML page with the failure's stable
//! code, never a half-made session.

use super::extract::{Auth, Json, Path, Query};
use super::locale::{self, Locale};
use super::pages::MessagePage;
use super::{ApiError, AppState};
use crate::domain::oidc::{
    self, ClaimName, ClientId, ClientSecret, Issuer, MatchOn, Provider, ProviderLabel,
    ProviderSettings,
};
use crate::domain::{Domain, OrgId, session};
use crate::service::OidcError;
use crate::service::oidc::Callback;
use crate::store::StoreError;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fluent_bundle::FluentArgs;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_provider, set_provider, delete_provider))
        .routes(routes!(find_provider))
        .route("/auth/oidc/{org}/start", get(start))
        .route("/auth/oidc/callback", get(callback))
}

/// An organization's OpenID provider; the client secret is never shown.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OidcProviderView {
    pub issuer: String,
    pub client_id: String,
    /// Always true: a provider cannot be set without one.
    pub client_secret_set: bool,
    pub match_on: MatchOn,
    /// The ID token claim compared with the member's e-mail or employee id.
    pub claim: String,
    /// What the sign-in button says after "Sign in with".
    pub label: String,
    /// Register this at the provider as the redirect (reply) URI.
    pub redirect_uri: String,
    /// Opening this starts a sign-in (for an IdP's app tile or "initiate login URI").
    pub start_url: String,
    pub updated_at: i64,
}

fn view(state: &AppState, p: Provider) -> OidcProviderView {
    let oidc = &state.services.oidc;
    OidcProviderView {
        redirect_uri: oidc.redirect_uri(),
        start_url: oidc.start_url(p.org_id),
        issuer: p.issuer.as_str().to_owned(),
        client_id: p.client_id.as_str().to_owned(),
        client_secret_set: true,
        match_on: p.match_on,
        claim: p.claim.as_str().to_owned(),
        label: p.label.as_str().to_owned(),
        updated_at: p.updated_at,
    }
}

/// The provider settings an admin sends. Without `client_secret`, an update keeps the stored one;
/// `match_on` defaults to `email`, `claim` to `email` (or `employee_id`), `label` to
/// "single sign-on".
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetOidcProvider {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub match_on: Option<MatchOn>,
    pub claim: Option<String>,
    pub label: Option<String>,
}

impl SetOidcProvider {
    fn parse(self) -> Result<ProviderSettings, ApiError> {
        let match_on = self.match_on.unwrap_or(MatchOn::Email);
        Ok(ProviderSettings {
            issuer: Issuer::parse(&self.issuer)?,
            client_id: ClientId::parse(&self.client_id)?,
            client_secret: self
                .client_secret
                .as_deref()
                .map(ClientSecret::parse)
                .transpose()?,
            claim: ClaimName::parse(
                self.claim
                    .as_deref()
                    .unwrap_or_else(|| match_on.default_claim()),
            )?,
            label: ProviderLabel::parse(self.label.as_deref().unwrap_or("single sign-on"))?,
            match_on,
        })
    }
}

/// The organization's OpenID provider (its admin, or an operator); 404 when it has none.
#[utoipa::path(get, path = "/v1/orgs/{org}/oidc", tag = "web", params(("org" = i64, Path)),
    responses((status = 200, body = OidcProviderView), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn get_provider(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<OidcProviderView>, ApiError> {
    auth.admin_of(org)?;
    let provider = state.services.oidc.get(org).await?;
    Ok(Json(view(&state, provider)))
}

/// Sets the organization's OpenID provider (its admin, or an operator). Members whose e-mail or
/// employee id the claim names can then sign in through it; sign-in links keep working.
/// 422 `client_secret_required` for a first setting without a secret.
#[utoipa::path(put, path = "/v1/orgs/{org}/oidc", tag = "web", params(("org" = i64, Path)),
    request_body = SetOidcProvider,
    responses((status = 200, body = OidcProviderView), (status = 422, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn set_provider(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<SetOidcProvider>,
) -> Result<Json<OidcProviderView>, ApiError> {
    let who = auth.admin_of(org)?;
    let settings = body.parse()?;
    let provider = state
        .services
        .oidc
        .set(&who, org, settings)
        .await
        .map_err(|e| match e {
            StoreError::NotFound("client_secret") => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "client_secret_required",
                "client_secret: the first setting of a provider needs the client secret",
            )
            .said("first-secret", &[]),
            other => other.into(),
        })?;
    Ok(Json(view(&state, provider)))
}

/// Removes the organization's OpenID provider (its admin, or an operator): members sign in with
/// links again. Started sign-ins fail with `oidc_not_configured`.
#[utoipa::path(delete, path = "/v1/orgs/{org}/oidc", tag = "web", params(("org" = i64, Path)),
    responses((status = 204)), security(("bearer" = [])))]
async fn delete_provider(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state.services.oidc.delete(&who, org).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct FindProvider {
    /// The organization's domain, or a work e-mail address (its domain is used).
    pub domain: String,
}

/// Where the sign-in page sends a person of an organization with single sign-on.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OidcSigninView {
    pub org_id: i64,
    pub org_name: String,
    pub label: String,
    pub start_url: String,
}

/// The single sign-on of the organization with this domain (or a work e-mail's), for the
/// sign-in page; open to anyone. 404 `oidc_not_configured` when no organization with the domain
/// has a provider.
#[utoipa::path(get, path = "/v1/oidc/providers", tag = "web", params(FindProvider),
    responses((status = 200, body = OidcSigninView), (status = 404, body = crate::http::Problem)))]
async fn find_provider(
    State(state): State<AppState>,
    Query(query): Query<FindProvider>,
) -> Result<Json<OidcSigninView>, ApiError> {
    let not_configured = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "oidc_not_configured",
            "no organization with this domain has single sign-on; ask your admin for a sign-in link",
        ).said("no-sso", &[])
    };
    let text = query.domain.trim();
    let domain = text.rsplit_once('@').map_or(text, |(_, d)| d);
    let domain = Domain::parse(domain).map_err(|_| not_configured())?;
    let (org, provider) = state
        .services
        .oidc
        .find_by_domain(&domain)
        .await?
        .ok_or_else(not_configured)?;
    Ok(Json(OidcSigninView {
        org_id: org.id.get(),
        org_name: org.name,
        label: provider.label.as_str().to_owned(),
        start_url: state.services.oidc.start_url(org.id),
    }))
}

/// Sends the browser to the organization's provider, with the attempt's cookie.
async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(org): Path<OrgId>,
) -> Response {
    let oidc = &state.services.oidc;
    match oidc.start(org).await {
        Ok(started) => {
            let cookie =
                oidc::attempt_cookie(started.browser_secret.expose(), oidc.cookies_secure());
            let mut response = see_other(&started.redirect);
            append_cookie(&mut response, &cookie);
            response
        }
        Err(e) => failure_page(e, &headers),
    }
}

/// The provider's redirect back: a session cookie and the app, or the error page.
async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<Callback>,
) -> Response {
    let browser = super::extract::cookie(&headers, oidc::attempt_from_cookies);
    let services = &state.services;
    let secure = services.oidc.cookies_secure();
    let mut response = match services.oidc.finish(&query, browser.as_deref()).await {
        Ok(started) => {
            let max_age = started.session.expires_at - services.sessions.now();
            let cookie = session::session_cookie(&started.secret, max_age, secure);
            // The shell reads its session with a same-origin request, which carries the
            // `SameSite=Strict` cookie even after this cross-site redirect.
            let mut response = see_other("/");
            append_cookie(&mut response, &cookie);
            response
        }
        Err(e) => failure_page(e, &headers),
    };
    append_cookie(&mut response, &oidc::cleared_attempt_cookie(secure));
    response
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The sign-in error page: what happened, in words, and its stable code.
fn failure_page(error: OidcError, headers: &HeaderMap) -> Response {
    let locale = Locale::of_page(headers);
    let text = |id: &str, args: Option<&FluentArgs<'_>>| {
        locale::message(locale, id, args).unwrap_or_else(|| id.to_owned())
    };
    let (status, code, message) = match error {
        OidcError::Failure(f) => (
            StatusCode::from_u16(f.status()).unwrap_or(StatusCode::BAD_REQUEST),
            f.code(),
            failure_message(locale, &f).unwrap_or_else(|| f.message_id()),
        ),
        OidcError::Store(e) => {
            let api = ApiError::from(e);
            (
                api.status(),
                api.code(),
                text("signin-failed-unavailable", None),
            )
        }
    };
    let page = MessagePage {
        locale,
        title: &text("signin-failed-title", None),
        code,
        message: &message,
        code_label: &text("signin-failed-code", None),
        back: &text("signin-failed-back", None),
    };
    super::pages::message_page(status, &page)
}

/// What the page tells the person about `failure`, in `locale`; `None` if the catalogue lacks
/// its message (a build whose tests did not pass).
fn failure_message(locale: Locale, failure: &oidc::SigninFailure) -> Option<String> {
    let mut args = FluentArgs::new();
    for (name, value) in failure.message_values() {
        args.set(name, value);
    }
    locale::message(locale, &failure.message_id(), Some(&args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MemberId;
    use crate::domain::oidc::{SigninFailure, TokenRejection};

    #[test]
    fn every_sign_in_failure_has_its_words_in_every_language() {
        let failures = [
            SigninFailure::NotConfigured,
            SigninFailure::UnknownState,
            SigninFailure::OtherBrowser,
            SigninFailure::ProviderError {
                error: "access_denied".into(),
            },
            SigninFailure::ProviderUnreachable,
            SigninFailure::ProviderInvalid {
                what: "json".into(),
            },
            SigninFailure::TokenRejected(TokenRejection::Expired),
            SigninFailure::ClaimMissing {
                claim: "email".into(),
            },
            SigninFailure::UnknownMember,
            SigninFailure::MemberInactive {
                member: MemberId::new(1),
            },
            SigninFailure::AmbiguousMember,
        ];
        for locale in Locale::ALL {
            for failure in &failures {
                let text = failure_message(locale, failure)
                    .unwrap_or_else(|| panic!("{} in {}", failure.code(), locale.tag()));
                for (_, value) in failure.message_values() {
                    assert!(text.contains(&value), "{text} names {value}");
                }
            }
        }
    }
}
