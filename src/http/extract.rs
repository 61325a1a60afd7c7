//! Extractors whose rejections are problem+json, and the bearer-token [`Auth`] extractor.

use super::{ApiError, AppState};
use crate::domain::{Principal, Role, TokenHash};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{StatusCode, header, request::Parts};
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

/// The authenticated caller, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone, Copy)]
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "send Authorization: Bearer <token>",
            )
        })?;
        let invalid = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the token is unknown or revoked",
            )
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(invalid)?;
        let info = state
            .store
            .find_token(&TokenHash::of(token))
            .await?
            .ok_or_else(invalid)?;
        let principal = match (info.role, info.org_id, info.member_id) {
            (Role::Operator, _, _) => Principal::Operator { token_id: info.id },
            (Role::Admin, Some(org_id), _) => Principal::Admin {
                token_id: info.id,
                org_id,
            },
            (Role::Member, Some(org_id), Some(member_id)) => Principal::Member {
                token_id: info.id,
                org_id,
                member_id,
            },
            _ => return Err(invalid()),
        };
        Ok(Self(principal))
    }
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
            Err(ApiError::forbidden("operator token required"))
        }
    }

    /// Passes an admin of `org_id` or an operator; a member of `org_id` gets 403, anyone else 404.
    ///
    /// # Errors
    /// 403 or 404 as above.
    pub fn admin_of(&self, org_id: i64) -> Result<Principal, ApiError> {
        if self.0.administers(org_id) {
            Ok(self.0)
        } else if self.0.belongs_to(org_id) {
            Err(ApiError::forbidden("admin token required"))
        } else {
            Err(ApiError::not_found("organization"))
        }
    }

    /// Passes anyone belonging to `org_id` (and operators); anyone else gets 404.
    ///
    /// # Errors
    /// 404 as above.
    pub fn within(&self, org_id: i64) -> Result<Principal, ApiError> {
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
    pub fn member(&self) -> Result<(i64, i64), ApiError> {
        match self.0 {
            Principal::Member {
                org_id, member_id, ..
            } => Ok((org_id, member_id)),
            _ => Err(ApiError::forbidden("member token required")),
        }
    }
}
