//! Extractors whose rejections are problem+json, and the [`Auth`] extractor (bearer token or
//! web session cookie).

use super::{ApiError, AppState};
use crate::domain::{MemberId, OrgId, Principal, session};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};

/// `axum::Json` with problem+json rejections; also the JSON response type.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` with problem+json rejections (a malformed id is 404).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with problem+json rejections.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// The authenticated caller: from `Authorization: Bearer <token>`, or else from the web app's
/// session cookie. A request made with the cookie that would change anything must also carry the
/// session's CSRF token (and, when the browser sends `Origin`, come from this service): see
/// [`crate::domain::session`]. A bearer token wins over a cookie, so API clients are unaffected.
#[derive(Debug, Clone, Copy)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the token is unknown or revoked",
            )
            .said("unknown-token", &[])
        };
        let Some(header) = parts.headers.get(header::AUTHORIZATION) else {
            return match session_secret(&parts.headers) {
                Some(secret) => from_session(parts, state, secret).await.map(Self),
                None => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "missing_token",
                    "send Authorization: Bearer <token>",
                )
                .said("send-token", &[])),
            };
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(invalid)?;
        state
            .services
            .access
            .authenticate(token)
            .await?
            .map(Self)
            .ok_or_else(invalid)
    }
}

/// The session secret in the request's cookies, if any.
pub(crate) fn session_secret(headers: &HeaderMap) -> Option<String> {
    cookie(headers, session::session_from_cookies)
}

/// The first value `find` reads from the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, find: fn(&str) -> Option<&str>) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(find)
        .map(str::to_owned)
}

/// Refuses a state-changing request from another origin: its `Origin`, when the browser sends
/// one, must be this service.
///
/// # Errors
/// 403 `csrf_failed`.
pub(crate) fn check_origin(headers: &HeaderMap, state: &AppState) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let ours = origin
        .to_str()
        .is_ok_and(|o| session::origin_is_ours(o, host, state.public_url()));
    if ours {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "the request came from another site",
        )
        .said("other-site", &[]))
    }
}

async fn from_session(
    parts: &Parts,
    state: &AppState,
    secret: String,
) -> Result<Principal, ApiError> {
    let expired = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "session_expired",
            "the session has ended; open a new sign-in link",
        )
        .said("session-ended", &[])
    };
    let found = state
        .services
        .sessions
        .find(&secret)
        .await?
        .ok_or_else(expired)?;
    if !session::is_safe_method(parts.method.as_str()) {
        check_origin(&parts.headers, state)?;
        let presented = parts
            .headers
            .get(session::CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !session::csrf_matches(&secret, presented) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "send the session's CSRF token in X-CSRF-Token",
            )
            .said("send-csrf", &[]));
        }
    }
    found.token.principal().ok_or_else(expired)
}

impl Auth {
    /// Passes operators only (403 otherwise: operator routes hold no organization's ids).
    ///
    /// # Errors
    /// 403 for every other role.
    pub fn operator(&self) -> Result<Principal, ApiError> {
        if self.0.is_operator() {
            Ok(self.0)
        } else {
            Err(ApiError::forbidden(
                "operator token required",
                "operator-required",
            ))
        }
    }

    /// Passes an admin of `org_id` or an operator; a member of `org_id` gets 403, anyone else 404.
    ///
    /// # Errors
    /// 403 or 404 as above.
    pub fn admin_of(&self, org_id: OrgId) -> Result<Principal, ApiError> {
        if self.0.administers(org_id) {
            Ok(self.0)
        } else if self.0.belongs_to(org_id) {
            Err(ApiError::forbidden(
                "admin token required",
                "admin-required",
            ))
        } else {
            Err(ApiError::not_found("organization"))
        }
    }

    /// Passes anyone belonging to `org_id` (and operators); anyone else gets 404.
    ///
    /// # Errors
    /// 404 as above.
    pub fn within(&self, org_id: OrgId) -> Result<Principal, ApiError> {
        if self.0.belongs_to(org_id) {
            Ok(self.0)
        } else {
            Err(ApiError::not_found("organization"))
        }
    }

    /// Passes a member token, returning `(org_id, member_id)`.
    ///
    /// # Errors
    /// 403 for operators and admins.
    pub fn member(&self) -> Result<(OrgId, MemberId), ApiError> {
        match self.0 {
            Principal::Member {
                org_id, member_id, ..
            } => Ok((org_id, member_id)),
            _ => Err(ApiError::forbidden(
                "member token required",
                "member-required",
            )),
        }
    }
}
