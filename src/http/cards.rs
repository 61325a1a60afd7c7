//! Cards: my card (issue or reset, extra cards, formats), admins' cards of members (single and a
//! zip of printable images), online verification, keys, and the public well-known documents.

use super::extract::{Auth, Json, Path};
use super::views::{CardView, VerifyReport};
use super::{ApiError, AppState};
use crate::card::CardId;
use crate::domain::{MemberId, OrgId};
use crate::service::{CardOptions, Rendered};
use crate::store::{CardRecord, StoreError};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_my_card, get_my_card))
        .routes(routes!(render_my_card))
        .routes(routes!(issue_extra_card, list_my_cards))
        .routes(routes!(revoke_my_card))
        .routes(routes!(member_card))
        .routes(routes!(bulk_cards))
        .routes(routes!(verify))
}

/// How a card is delivered: the QR code as `png` or `svg`, or a `printable` namecard image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CardFormat {
    /// The QR code as PNG.
    Png,
    /// The QR code as SVG.
    Svg,
    /// A printable namecard image (PNG) with name, title and organization.
    Printable,
}

impl From<CardFormat> for crate::service::CardFormat {
    fn from(f: CardFormat) -> Self {
        match f {
            CardFormat::Png => Self::Png,
            CardFormat::Svg => Self::Svg,
            CardFormat::Printable => Self::Printable,
        }
    }
}

/// A primary card, for `POST /v1/me/card`.
const PRIMARY: CardOptions = CardOptions {
    primary: true,
    channel: None,
    expires_at: None,
    one_time: false,
};

/// Issues (or resets) my primary card; the previous one is revoked at once.
#[utoipa::path(post, path = "/v1/me/card", tag = "cards", responses((status = 201, body = CardView)), security(("bearer" = [])))]
async fn issue_my_card(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<(StatusCode, Json<CardView>), ApiError> {
    let (org, member) = auth.member()?;
    let card = state
        .services
        .cards
        .issue(&auth.0, org, member, &PRIMARY)
        .await?;
    Ok((StatusCode::CREATED, Json(card.into())))
}

/// My current primary card (its payload), 404 before the first issue.
#[utoipa::path(get, path = "/v1/me/card", tag = "cards", responses((status = 200, body = CardView)), security(("bearer" = [])))]
async fn get_my_card(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<CardView>, ApiError> {
    let (org, member) = auth.member()?;
    Ok(Json(
        state.services.cards.primary(org, member).await?.into(),
    ))
}

/// An image or archive, not to be cached by anyone but its reader.
pub(super) fn private(rendered: Rendered) -> Response {
    (
        [
            (header::CONTENT_TYPE, rendered.content_type),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        rendered.bytes,
    )
        .into_response()
}

async fn render(
    state: &AppState,
    card: &CardRecord,
    format: CardFormat,
) -> Result<Response, ApiError> {
    let rendered = state.services.cards.render(card, format.into()).await?;
    Ok(private(rendered))
}

/// The bytes of an image or archive, as the OpenAPI document describes them (`string`,
/// `format: binary`); a schema only, never built.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub(super) struct Binary(#[allow(dead_code)] Vec<u8>);

/// My primary card as `png`, `svg` or `printable` (a namecard image).
#[utoipa::path(get, path = "/v1/me/card/{format}", tag = "cards", params(("format" = CardFormat, Path)),
    responses((status = 200, description = "`png` and `printable`: a PNG image; `svg`: an SVG image",
        content((inline(Binary) = "image/png"), (String = "image/svg+xml")))),
    security(("bearer" = [])))]
async fn render_my_card(
    State(state): State<AppState>,
    auth: Auth,
    Path(format): Path<CardFormat>,
) -> Result<Response, ApiError> {
    let (org, member) = auth.member()?;
    let card = state.services.cards.primary(org, member).await?;
    render(&state, &card, format).await
}

/// An extra card: its own channel tag, expiry or one-time flag.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraCard {
    #[serde(default)]
    pub channel: Option<String>,
    /// Unix seconds; default and at most now + the card lifetime (`--card-ttl`): a later
    /// one is refused with 422 `expiry_beyond_limit`.
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub one_time: bool,
}

/// Issues an extra card (my primary card stays valid).
#[utoipa::path(post, path = "/v1/me/cards", tag = "cards", request_body = ExtraCard,
    responses((status = 201, body = CardView)), security(("bearer" = [])))]
async fn issue_extra_card(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<ExtraCard>,
) -> Result<(StatusCode, Json<CardView>), ApiError> {
    let (org, member) = auth.member()?;
    let options = CardOptions {
        primary: false,
        channel: body.channel,
        expires_at: body.expires_at,
        one_time: body.one_time,
    };
    let card = state
        .services
        .cards
        .issue(&auth.0, org, member, &options)
        .await?;
    Ok((StatusCode::CREATED, Json(card.into())))
}

/// All my cards, newest first.
#[utoipa::path(get, path = "/v1/me/cards", tag = "cards", responses((status = 200, body = Vec<CardView>)), security(("bearer" = [])))]
async fn list_my_cards(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<CardView>>, ApiError> {
    let (org, member) = auth.member()?;
    let cards = state.services.cards.list(org, member).await?;
    Ok(Json(cards.into_iter().map(CardView::from).collect()))
}

/// Revokes one of my cards.
#[utoipa::path(delete, path = "/v1/me/cards/{card}", tag = "cards", params(("card" = String, Path)),
    responses((status = 204)), security(("bearer" = [])))]
async fn revoke_my_card(
    State(state): State<AppState>,
    auth: Auth,
    Path(card): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (org, member) = auth.member()?;
    // An id that does not parse names no card.
    let card: CardId = card
        .parse()
        .map_err(|_| ApiError::from(StoreError::NotFound("card")))?;
    state
        .services
        .cards
        .revoke(&auth.0, org, member, &card)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A member's primary card for an admin (issued if the member has none) as `png`, `svg` or `printable`.
#[utoipa::path(get, path = "/v1/orgs/{org}/members/{member}/card/{format}", tag = "cards",
    params(("org" = i64, Path), ("member" = i64, Path), ("format" = CardFormat, Path)),
    responses((status = 200, description = "`png` and `printable`: a PNG image; `svg`: an SVG image",
        content((inline(Binary) = "image/png"), (String = "image/svg+xml")))),
    security(("bearer" = [])))]
async fn member_card(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, member, format)): Path<(OrgId, MemberId, CardFormat)>,
) -> Result<Response, ApiError> {
    let who = auth.admin_of(org)?;
    let card = state
        .services
        .cards
        .current_or_new(&who, org, member)
        .await?;
    render(&state, &card, format).await
}

/// Which members' printable cards to bundle.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkCards {
    /// 1 to 500 member ids of the organization.
    #[schema(value_type = Vec<i64>)]
    pub member_ids: Vec<MemberId>,
}

/// Printable cards of many members as a zip of PNGs (`<employee_id>.png`); members without a
/// card get one.
#[utoipa::path(post, path = "/v1/orgs/{org}/cards/bulk", tag = "cards", params(("org" = i64, Path)),
    request_body = BulkCards,
    responses((status = 200, description = "a zip archive of PNG images, one per member",
        content((inline(Binary) = "application/zip")))),
    security(("bearer" = [])))]
async fn bulk_cards(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<BulkCards>,
) -> Result<Response, ApiError> {
    let who = auth.admin_of(org)?;
    if body.member_ids.is_empty() || body.member_ids.len() > 500 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "member_ids: 1 to 500 ids",
        )
        .said("ids-range", &[("field", &"member_ids"), ("max", &500)]));
    }
    let cards = &state.services.cards;
    let zip = cards.printable_zip(&who, org, &body.member_ids).await?;
    Ok(super::attachment(
        "application/zip",
        "cards.zip".into(),
        zip,
    ))
}

/// A payload to verify.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The card's QR text.
    pub text: String,
}

/// Verifies a card online: signature, validity and the server-side facts (revoked, member
/// deactivated). Public; answers 200 with `valid: false` and a `reason` for bad cards.
#[utoipa::path(post, path = "/v1/verify", tag = "cards", request_body = VerifyRequest, responses((status = 200, body = VerifyReport)))]
async fn verify(
    State(state): State<AppState>,
    Json(body): Json<VerifyRequest>,
) -> Json<VerifyReport> {
    Json(state.services.keys.check(&body.text).into())
}
