//! Sign-in links and sessions over HTTP: an admin creates a one-time link, the person's browser
//! trades it for a session cookie, the app reads its session (and CSRF token), and signs out.

use super::extract::{Auth, Json, Path, Query, check_origin, session_secret};
use super::views::PendingSigninLinkView;
use super::{ApiError, AppState};
use crate::domain::session;
use crate::domain::{MemberId, OrgId, Principal, Role, SessionInfo, SigninLinkId};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(member_signin_link))
        .routes(routes!(admin_signin_link, pending_signin_links))
        .routes(routes!(cancel_signin_link))
        .routes(routes!(start_session))
        .routes(routes!(current_session, end_session))
}

/// A one-time sign-in link: give `url` to its person; it works once, until `expires_at`.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SigninLink {
    pub url: String,
    pub expires_at: i64,
    /// The queued mail carrying the link to the member (`?email=true`), in `GET
    /// /v1/orgs/{org}/mail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_id: Option<i64>,
}

/// How to hand a member's sign-in link over.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SigninLinkOptions {
    /// Also e-mail the link to the member's address (queued; sent by the mail worker). Refused
    /// with 409 `mail_disabled` when the service has no SMTP server, 422 `no_email_address`
    /// when the member has no address; nothing is made then.
    #[serde(default)]
    pub email: Option<bool>,
}

async fn create_link(
    state: &AppState,
    who: &Principal,
    org: OrgId,
    member: Option<MemberId>,
) -> Result<(StatusCode, Json<SigninLink>), ApiError> {
    let link = state
        .services
        .sessions
        .create_link(who, org, member)
        .await?;
    let view = SigninLink {
        url: link.url,
        expires_at: link.expires_at,
        mail_id: None,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Creates a one-time sign-in link for an active member (the organization's admin, or an
/// operator), and with `?email=true` mails it to them too. Each call makes a new link; earlier
/// unused links keep working until they expire.
#[utoipa::path(post, path = "/v1/orgs/{org}/members/{member}/signin-links", tag = "web",
    params(("org" = i64, Path), ("member" = i64, Path), SigninLinkOptions),
    responses((status = 201, body = SigninLink)), security(("bearer" = [])))]
async fn member_signin_link(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, member)): Path<(OrgId, MemberId)>,
    Query(options): Query<SigninLinkOptions>,
) -> Result<(StatusCode, Json<SigninLink>), ApiError> {
    let who = auth.admin_of(org)?;
    if options.email != Some(true) {
        return create_link(&state, &who, org, Some(member)).await;
    }
    let sessions = &state.services.sessions;
    let (link, mail) = sessions.create_link_by_mail(&who, org, member).await?;
    let view = SigninLink {
        url: link.url,
        expires_at: link.expires_at,
        mail_id: Some(mail.get()),
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Creates a one-time sign-in link for an administrator of the organization (its admin, or an
/// operator): how admins reach the admin pages.
#[utoipa::path(post, path = "/v1/orgs/{org}/signin-links", tag = "web", params(("org" = i64, Path)),
    responses((status = 201, body = SigninLink)), security(("bearer" = [])))]
async fn admin_signin_link(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<(StatusCode, Json<SigninLink>), ApiError> {
    let who = auth.admin_of(org)?;
    create_link(&state, &who, org, None).await
}

/// The organization's sign-in links nobody has used yet (its admin, or an operator).
#[utoipa::path(get, path = "/v1/orgs/{org}/signin-links", tag = "web", params(("org" = i64, Path)),
    responses((status = 200, body = Vec<PendingSigninLinkView>)), security(("bearer" = [])))]
async fn pending_signin_links(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<Vec<PendingSigninLinkView>>, ApiError> {
    auth.admin_of(org)?;
    let links = state.services.sessions.pending_links(org).await?;
    Ok(Json(
        links.into_iter().map(PendingSigninLinkView::from).collect(),
    ))
}

/// Cancels a sign-in link nobody has used yet (its admin, or an operator); 404 for a used one.
#[utoipa::path(delete, path = "/v1/orgs/{org}/signin-links/{link}", tag = "web",
    params(("org" = i64, Path), ("link" = i64, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn cancel_signin_link(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, link)): Path<(OrgId, SigninLinkId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state.services.sessions.cancel_link(&who, org, link).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The secret from a sign-in link (the last segment of its URL).
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartSession {
    pub secret: String,
}

/// The signed-in person, as the web app needs them.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SessionView {
    pub role: Role,
    pub org_id: i64,
    pub org_name: String,
    /// For members.
    pub member_id: Option<i64>,
    /// For members.
    pub member_name: Option<String>,
    /// Send as `X-CSRF-Token` with every request that changes something.
    pub csrf_token: String,
    pub expires_at: i64,
}

async fn view(
    state: &AppState,
    found: &SessionInfo,
    secret: &str,
) -> Result<SessionView, ApiError> {
    let token = &found.token;
    let org_id = token.org_id.ok_or_else(|| ApiError::not_found("session"))?;
    let org = state.services.orgs.get(org_id).await?;
    let member_name = match token.member_id {
        Some(m) => Some(state.services.members.get(org_id, m).await?.display_name),
        None => None,
    };
    Ok(SessionView {
        role: token.role,
        org_id: org_id.get(),
        org_name: org.name,
        member_id: token.member_id.map(MemberId::get),
        member_name,
        csrf_token: session::csrf_token(secret),
        expires_at: found.expires_at,
    })
}

fn set_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Trades a sign-in link's secret for a session cookie (`HttpOnly`, `SameSite=Strict`, `Secure`
/// when the service's public URL is https). 404 `invalid_signin_link` when the link is unknown,
/// already used, expired or its member deactivated.
#[utoipa::path(post, path = "/v1/sessions", tag = "web", request_body = StartSession,
    responses((status = 201, body = SessionView), (status = 404, body = crate::http::Problem)))]
async fn start_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<StartSession>,
) -> Result<Response, ApiError> {
    // No session yet, so no CSRF token: at least refuse sign-ins other sites start.
    check_origin(&headers, &state)?;
    let sessions = &state.services.sessions;
    let started = sessions.start(body.secret.trim()).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "invalid_signin_link",
            "this sign-in link is unknown, already used or expired; ask your admin for a new one",
        )
        .said("signin-link", &[])
    })?;
    let view = view(&state, &started.session, started.secret.expose()).await?;
    let secure = session::cookies_secure(state.public_url());
    let max_age = started.session.expires_at - sessions.now();
    let cookie = session::session_cookie(&started.secret, max_age, secure);
    Ok(set_cookie(
        (StatusCode::CREATED, Json(view)).into_response(),
        &cookie,
    ))
}

/// The session of the browser's cookie, with its CSRF token; 401 when there is none.
#[utoipa::path(get, path = "/v1/session", tag = "web",
    responses((status = 200, body = SessionView), (status = 401, body = crate::http::Problem)))]
async fn current_session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let none = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_session",
            "not signed in; open a sign-in link from your admin",
        )
        .said("no-session", &[])
    };
    let secret = session_secret(&headers).ok_or_else(none)?;
    let found = state
        .services
        .sessions
        .find(&secret)
        .await?
        .ok_or_else(none)?;
    let view = view(&state, &found, &secret).await?;
    let mut response = Json(view).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Signs out: ends the session (with the CSRF token, like every change) and clears the cookie.
#[utoipa::path(delete, path = "/v1/session", tag = "web", responses((status = 204)))]
async fn end_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    _auth: Auth,
) -> Result<Response, ApiError> {
    if let Some(secret) = session_secret(&headers) {
        state.services.sessions.end(&secret).await?;
    }
    let secure = session::cookies_secure(state.public_url());
    Ok(set_cookie(
        StatusCode::NO_CONTENT.into_response(),
        &session::cleared_cookie(secure),
    ))
}
