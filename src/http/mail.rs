//! The mail outbox over HTTP: an organization's admin (or an operator) lists the mails to its
//! members, with their status, attempts and last error (never a letter: a sign-in link's
//! secret is in it), and retries a failed one.

use super::extract::{Auth, Json, Path, Query};
use super::{ApiError, AppState, page};
use crate::domain::{MailId, MailKind, MailStatus, OrgId, OutboxMail};
use crate::service::MailError;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mail))
        .routes(routes!(retry_mail))
}

/// A mail in the outbox.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Mail)]
pub struct MailView {
    pub id: i64,
    /// The recipient, a member of the organization.
    pub member_id: i64,
    pub kind: MailKind,
    /// The address it was queued for.
    pub to: String,
    pub subject: String,
    pub status: MailStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// Why the last attempt failed (the mail server's answer), if it did.
    pub last_error: Option<String>,
    pub created_at: i64,
    /// When the next attempt is due, for a queued mail.
    pub next_attempt_at: Option<i64>,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
}

impl From<OutboxMail> for MailView {
    fn from(m: OutboxMail) -> Self {
        Self {
            id: m.id.get(),
            member_id: m.member_id.get(),
            kind: m.kind,
            to: m.to,
            subject: m.subject,
            next_attempt_at: (m.status == MailStatus::Queued).then_some(m.next_attempt_at),
            status: m.status,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
            failed_at: m.failed_at,
        }
    }
}

/// Which mails to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MailFilter {
    /// `queued`, `sent` or `failed`.
    #[serde(default)]
    pub status: Option<String>,
    /// The `next_after` of the previous page.
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of mails, newest first.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MailPage {
    pub items: Vec<MailView>,
    pub next_after: Option<i64>,
}

/// The mails sent, queued or failed to the organization's members, newest first (its admin, or
/// an operator).
#[utoipa::path(get, path = "/v1/orgs/{org}/mail", tag = "mail",
    params(("org" = i64, Path), MailFilter), responses((status = 200, body = MailPage)),
    security(("bearer" = [])))]
async fn list_mail(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Query(filter): Query<MailFilter>,
) -> Result<Json<MailPage>, ApiError> {
    auth.admin_of(org)?;
    let limit = page::limit(filter.limit, 50, 200)?;
    let before = filter.after.filter(|&a| a > 0).map(MailId::new);
    let status = filter
        .status
        .as_deref()
        .map(|s| {
            MailStatus::parse(s).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "status: queued, sent or failed",
                )
                .said(
                    "one-of",
                    &[("field", &"status"), ("values", &"queued, sent, failed")],
                )
            })
        })
        .transpose()?;
    let items = state.services.mail.list(org, status, before, limit).await?;
    let next_after = page::next(&items, limit, |m| m.id.get());
    let items = items.into_iter().map(MailView::from).collect();
    Ok(Json(MailPage { items, next_after }))
}

/// Queues a failed mail for one more attempt now (its organization's admin, or an operator);
/// 409 `mail_not_failed` for one that is queued or sent.
#[utoipa::path(post, path = "/v1/orgs/{org}/mail/{id}/retry", tag = "mail",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = MailView), (status = 409, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn retry_mail(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, MailId)>,
) -> Result<Json<MailView>, ApiError> {
    let who = auth.admin_of(org)?;
    Ok(Json(state.services.mail.retry(&who, org, id).await?.into()))
}

impl From<MailError> for ApiError {
    fn from(e: MailError) -> Self {
        let detail = e.to_string();
        match e {
            MailError::Disabled => Self::new(StatusCode::CONFLICT, "mail_disabled", detail),
            MailError::NoAddress => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "no_email_address", detail)
            }
            MailError::NotFailed(_) => Self::new(StatusCode::CONFLICT, "mail_not_failed", detail),
            MailError::Store(s) => s.into(),
        }
    }
}
