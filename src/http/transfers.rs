//! Transfers of external contacts to a new holder (an organization's admin), what each contact
//! is told and their refusal (the contact), and departed members' successors.

use super::extract::{Auth, Json, Path, Query};
use super::views::TransferView;
use super::{ApiError, AppState, page};
use crate::domain::{
    ContactId, MemberId, NewTransfer, OrgId, TransferId, TransferMessage, TransferQuery,
    TransferStatus,
};
use crate::service::TransferError;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_transfer, list_transfers))
        .routes(routes!(get_transfer))
        .routes(routes!(get_successor, set_successor, clear_successor))
        .routes(routes!(my_notices))
        .routes(routes!(refuse_transfer))
}

/// A transfer to start.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    /// The member whose contacts are handed over (active: a handover; deactivated: a departure).
    pub from: i64,
    /// The colleague who takes them, an active member of the organization.
    pub to: i64,
    /// The relations to hand over (ids from the organization's external contacts); absent:
    /// every relation `from` holds. At most 10,000.
    #[serde(default)]
    pub contacts: Option<Vec<i64>>,
    /// The message each contact is sent with the notice, up to 500 characters.
    #[serde(default)]
    pub message: Option<String>,
}

/// The transfer of each relation, in the order of the relations' ids.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TransferList {
    pub items: Vec<TransferView>,
}

/// Hands some or all of a member's external contacts to a colleague (its admin). Each contact
/// is told and may refuse within the organization's `transfer_period_secs`; after it the
/// transfer takes effect. Relations that cannot be handed over (the colleague already has the
/// contact, another transfer of it is waiting) come back `not_possible` with their `reason`.
#[utoipa::path(post, path = "/v1/orgs/{org}/transfers", tag = "transfers",
    params(("org" = i64, Path)), request_body = TransferInput,
    responses((status = 201, body = TransferList),
        (status = 404, description = "member, successor_not_found or contact", body = crate::http::Problem),
        (status = 422, description = "transfer_to_self or successor_inactive", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn start_transfer(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<TransferInput>,
) -> Result<(StatusCode, Json<TransferList>), ApiError> {
    let who = auth.admin_of(org)?;
    if body.contacts.as_ref().is_some_and(|c| c.len() > 10_000) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "contacts: at most 10,000 per transfer",
        )
        .said("at-most", &[("field", &"contacts"), ("max", &10_000)]));
    }
    let new = NewTransfer {
        org_id: org,
        from: MemberId::new(body.from),
        to: MemberId::new(body.to),
        contacts: body
            .contacts
            .map(|c| c.into_iter().map(ContactId::new).collect()),
        message: body
            .message
            .as_deref()
            .map(TransferMessage::parse)
            .transpose()?,
    };
    let started = state.services.transfers.start(&who, &new).await?;
    let items = started.into_iter().map(TransferView::from).collect();
    Ok((StatusCode::CREATED, Json(TransferList { items })))
}

/// Which transfers to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TransferFilter {
    /// `waiting`, `done`, `refused` or `not_possible`.
    #[serde(default)]
    pub status: Option<String>,
    /// Only those handed over by this member.
    #[serde(default)]
    pub from: Option<i64>,
    /// Only those handed to this member.
    #[serde(default)]
    pub to: Option<i64>,
    /// The `next_after` of the previous page.
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of transfers, newest first.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TransferPage {
    pub items: Vec<TransferView>,
    pub next_after: Option<i64>,
}

/// The organization's transfers, one per relation, newest first (its admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/transfers", tag = "transfers",
    params(("org" = i64, Path), TransferFilter), responses((status = 200, body = TransferPage)),
    security(("bearer" = [])))]
async fn list_transfers(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Query(filter): Query<TransferFilter>,
) -> Result<Json<TransferPage>, ApiError> {
    auth.admin_of(org)?;
    let limit = page::limit(filter.limit, 50, 200)?;
    let before = filter.after.filter(|&a| a > 0).map(TransferId::new);
    let status = filter
        .status
        .as_deref()
        .map(|s| {
            TransferStatus::parse(s).ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "status: waiting, done, refused or not_possible",
                )
                .said(
                    "one-of",
                    &[
                        ("field", &"status"),
                        ("values", &"waiting, done, refused, not_possible"),
                    ],
                )
            })
        })
        .transpose()?;
    let query = TransferQuery {
        status,
        from: filter.from.map(MemberId::new),
        to: filter.to.map(MemberId::new),
    };
    let items = state
        .services
        .transfers
        .list(org, &query, before, limit)
        .await?;
    Ok(Json(transfer_page(items, limit)))
}

fn transfer_page(items: Vec<crate::domain::Transfer>, limit: i64) -> TransferPage {
    let next_after = page::next(&items, limit, |t| t.id.get());
    let items = items.into_iter().map(TransferView::from).collect();
    TransferPage { items, next_after }
}

/// One transfer (its organization's admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/transfers/{id}", tag = "transfers",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = TransferView), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn get_transfer(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, TransferId)>,
) -> Result<Json<TransferView>, ApiError> {
    auth.admin_of(org)?;
    Ok(Json(state.services.transfers.get(org, id).await?.into()))
}

/// The colleague who answers for a member who left.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuccessorInput {
    /// An active member of the same organization.
    pub successor_id: i64,
}

/// A member's successor, if named.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SuccessorView {
    pub successor_id: Option<i64>,
}

/// Who answers for this member once they left (its admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/members/{id}/successor", tag = "transfers",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = SuccessorView), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn get_successor(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, MemberId)>,
) -> Result<Json<SuccessorView>, ApiError> {
    auth.admin_of(org)?;
    let successor = state.services.transfers.successor_of(org, id).await?;
    Ok(Json(SuccessorView {
        successor_id: successor.map(MemberId::get),
    }))
}

/// Names the successor of a member (its admin): once the member left, scans of their old cards
/// create requests for the successor, unless the organization's `successor_routing` is off.
#[utoipa::path(put, path = "/v1/orgs/{org}/members/{id}/successor", tag = "transfers",
    params(("org" = i64, Path), ("id" = i64, Path)), request_body = SuccessorInput,
    responses((status = 204), (status = 404, body = crate::http::Problem),
        (status = 422, description = "transfer_to_self or successor_inactive", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn set_successor(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, MemberId)>,
    Json(body): Json<SuccessorInput>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    let successor = MemberId::new(body.successor_id);
    state
        .services
        .transfers
        .set_successor(&who, org, id, Some(successor))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Clears a member's successor (its admin).
#[utoipa::path(delete, path = "/v1/orgs/{org}/members/{id}/successor", tag = "transfers",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::http::Problem)), security(("bearer" = [])))]
async fn clear_successor(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, MemberId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state
        .services
        .transfers
        .set_successor(&who, org, id, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of notices.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoticeFilter {
    /// The `next_after` of the previous page.
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// What I was told about my external contacts being handed to someone else at their
/// organization, newest first; `waiting` ones I may still refuse.
#[utoipa::path(get, path = "/v1/me/transfers", tag = "transfers", params(NoticeFilter),
    responses((status = 200, body = TransferPage)), security(("bearer" = [])))]
async fn my_notices(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<NoticeFilter>,
) -> Result<Json<TransferPage>, ApiError> {
    let (_, member_id) = auth.member()?;
    let limit = page::limit(filter.limit, 50, 200)?;
    let before = filter.after.filter(|&a| a > 0).map(TransferId::new);
    let items = state
        .services
        .transfers
        .notices(member_id, before, limit)
        .await?;
    Ok(Json(transfer_page(items, limit)))
}

/// Refuses a waiting transfer of one of my contacts: the relationship with that organization
/// ends (the contact leaves both lists).
#[utoipa::path(post, path = "/v1/me/transfers/{id}/refuse", tag = "transfers",
    params(("id" = i64, Path)),
    responses((status = 200, body = TransferView), (status = 404, body = crate::http::Problem),
        (status = 409, description = "transfer_decided or transfer_period_over", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn refuse_transfer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<TransferId>,
) -> Result<Json<TransferView>, ApiError> {
    let (_, member_id) = auth.member()?;
    let refused = state
        .services
        .transfers
        .refuse(member_id, id, &auth.0.actor())
        .await?;
    Ok(Json(refused.into()))
}

impl From<TransferError> for ApiError {
    fn from(e: TransferError) -> Self {
        let detail = e.to_string();
        match e {
            TransferError::ToSelf => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "transfer_to_self", detail)
            }
            TransferError::SuccessorNotFound => {
                Self::new(StatusCode::NOT_FOUND, "successor_not_found", detail)
            }
            TransferError::SuccessorInactive => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "successor_inactive",
                detail,
            ),
            TransferError::AlreadyDecided(_) => {
                Self::new(StatusCode::CONFLICT, "transfer_decided", detail)
            }
            TransferError::PeriodOver(_) => {
                Self::new(StatusCode::CONFLICT, "transfer_period_over", detail)
            }
            TransferError::Store(s) => s.into(),
        }
    }
}
