//! Cards: my card (issue or reset, extra cards, formats), admins' cards of members (single and a
//! zip of printable images), online verification, keys, and the public well-known documents.

use super::extract::{Auth, Json, Path};
use super::{ApiError, AppState, audit, now};
use crate::service::cards::{self, CardFormat, CardOptions, VerifyReport};
use crate::service::{Document, keyring};
use crate::store::CardRow;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
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
        .routes(routes!(list_keys))
        .routes(routes!(rotate_key))
        .routes(routes!(retire_key))
        .routes(routes!(remove_key))
        .routes(routes!(jwks))
        .routes(routes!(revocations))
}

/// An issued card.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CardView {
    pub id: String,
    pub kid: String,
    pub primary: bool,
    pub channel: Option<String>,
    pub one_time: bool,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// The QR text (the payload).
    pub text: String,
}

impl From<CardRow> for CardView {
    fn from(c: CardRow) -> Self {
        Self {
            id: c.id,
            kid: c.kid,
            primary: c.is_primary,
            channel: c.channel,
            one_time: c.one_time,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            revoked_at: c.revoked_at,
            text: c.text,
        }
    }
}

impl From<cards::ServiceError> for ApiError {
    fn from(e: cards::ServiceError) -> Self {
        use cards::ServiceError as E;
        match e {
            E::Store(s) => s.into(),
            E::InvalidCard(c) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_card",
                c.to_string(),
            ),
            E::NoActiveKey => ApiError::new(StatusCode::CONFLICT, "no_active_key", e.to_string()),
            E::Undrawable(text) | E::Render(crate::qr::QrError::Text(text)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                text.code(),
                text.to_string(),
            ),
            E::MemberInactive => ApiError::not_found("member"),
            other => ApiError::internal(&other),
        }
    }
}

impl From<keyring::KeyringError> for ApiError {
    fn from(e: keyring::KeyringError) -> Self {
        match e {
            keyring::KeyringError::Store(s) => s.into(),
            other => ApiError::internal(&other),
        }
    }
}

async fn issue(
    state: &AppState,
    org: i64,
    member: i64,
    options: &CardOptions,
    who: &crate::domain::Principal,
) -> Result<CardRow, ApiError> {
    let action = if options.primary {
        "card.issue"
    } else {
        "card.issue_extra"
    };
    let entry = audit(
        who,
        Some(org),
        action,
        &format!("member/{member}"),
        options.channel.as_deref().unwrap_or(""),
    );
    let ttl = state.card_ttl_secs;
    Ok(cards::issue_member_card(
        &state.keys,
        &*state.store,
        org,
        member,
        options,
        ttl,
        now(),
        Some(&entry),
    )
    .await?)
}

/// Issues (or resets) my primary card; the previous one is revoked at once.
#[utoipa::path(post, path = "/v1/me/card", tag = "cards", responses((status = 201, body = CardView)), security(("bearer" = [])))]
async fn issue_my_card(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<(StatusCode, Json<CardView>), ApiError> {
    let (org, member) = auth.member()?;
    let card = issue(
        &state,
        org,
        member,
        &CardOptions {
            primary: true,
            ..Default::default()
        },
        &auth.0,
    )
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
    let card = state
        .store
        .primary_card(org, member)
        .await?
        .ok_or_else(|| ApiError::not_found("card"))?;
    Ok(Json(card.into()))
}

async fn render(
    state: &AppState,
    org: i64,
    member: i64,
    card: &CardRow,
    format: CardFormat,
) -> Result<Response, ApiError> {
    let o = state.store.get_org(org).await?;
    let m = state.store.get_member(org, member).await?;
    let rendered = cards::render_card(card, format, &m.display_name, m.title.as_deref(), &o.name)?;
    Ok((
        [
            (header::CONTENT_TYPE, rendered.content_type),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        rendered.bytes,
    )
        .into_response())
}

/// The bytes of an image or archive, as the OpenAPI document describes them (`string`,
/// `format: binary`); a schema only, never built.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
struct Binary(#[allow(dead_code)] Vec<u8>);

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
    let card = state
        .store
        .primary_card(org, member)
        .await?
        .ok_or_else(|| ApiError::not_found("card"))?;
    render(&state, org, member, &card, format).await
}

/// An extra card: its own channel tag, expiry or one-time flag.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraCard {
    #[serde(default)]
    pub channel: Option<String>,
    /// Unix seconds; default now + the card lifetime.
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
    let card = issue(&state, org, member, &options, &auth.0).await?;
    Ok((StatusCode::CREATED, Json(card.into())))
}

/// All my cards, newest first.
#[utoipa::path(get, path = "/v1/me/cards", tag = "cards", responses((status = 200, body = Vec<CardView>)), security(("bearer" = [])))]
async fn list_my_cards(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<CardView>>, ApiError> {
    let (org, member) = auth.member()?;
    Ok(Json(
        state
            .store
            .list_cards(org, member)
            .await?
            .into_iter()
            .map(CardView::from)
            .collect(),
    ))
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
    let entry = audit(
        &auth.0,
        Some(org),
        "card.revoke",
        &format!("card/{card}"),
        "",
    );
    state.store.revoke_card(org, member, &card, &entry).await?;
    state.revocations_changed().await;
    Ok(StatusCode::NO_CONTENT)
}

async fn current_or_new(
    state: &AppState,
    org: i64,
    member: i64,
    who: &crate::domain::Principal,
) -> Result<CardRow, ApiError> {
    match state.store.primary_card(org, member).await? {
        Some(card) => Ok(card),
        None => {
            issue(
                state,
                org,
                member,
                &CardOptions {
                    primary: true,
                    ..Default::default()
                },
                who,
            )
            .await
        }
    }
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
    Path((org, member, format)): Path<(i64, i64, CardFormat)>,
) -> Result<Response, ApiError> {
    let who = auth.admin_of(org)?;
    let card = current_or_new(&state, org, member, &who).await?;
    render(&state, org, member, &card, format).await
}

/// Which members' printable cards to bundle.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkCards {
    /// 1 to 500 member ids of the organization.
    pub member_ids: Vec<i64>,
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
    Path(org): Path<i64>,
    Json(body): Json<BulkCards>,
) -> Result<Response, ApiError> {
    let who = auth.admin_of(org)?;
    if body.member_ids.is_empty() || body.member_ids.len() > 500 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "member_ids: 1 to 500 ids",
        ));
    }
    let o = state.store.get_org(org).await?;
    let mut files = Vec::with_capacity(body.member_ids.len());
    for &id in &body.member_ids {
        let m = state.store.get_member(org, id).await?;
        let card = current_or_new(&state, org, id, &who).await?;
        let png = cards::render_card(
            &card,
            CardFormat::Printable,
            &m.display_name,
            m.title.as_deref(),
            &o.name,
        )?;
        files.push((format!("{}.png", m.employee_id), png.bytes));
    }
    let zip = crate::service::cards::zip_files(&files)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cards.zip\"",
            ),
        ],
        zip,
    )
        .into_response())
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
    Json(cards::verify_text(&state.keys, &body.text, now()))
}

/// A signing key, public part only.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct KeyView {
    pub kid: String,
    /// `active` or `retired`.
    pub status: String,
    pub valid_from: i64,
    pub retired_at: Option<i64>,
}

/// Lists the signing keys (operator).
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = Vec<KeyView>)), security(("bearer" = [])))]
async fn list_keys(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    auth.operator()?;
    let keys = state.store.list_keys().await?;
    Ok(Json(
        keys.into_iter()
            .map(|k| KeyView {
                kid: k.kid,
                status: k.status,
                valid_from: k.valid_from,
                retired_at: k.retired_at,
            })
            .collect(),
    ))
}

/// Rotates: a new active key; the previous one is retired (still verifies old cards).
#[utoipa::path(post, path = "/v1/keys/rotate", tag = "keys", responses((status = 201, body = KeyView)), security(("bearer" = [])))]
async fn rotate_key(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<(StatusCode, Json<KeyView>), ApiError> {
    let who = auth.operator()?;
    let t = now();
    let (kid, stored) = keyring::new_stored_key(t)?;
    state
        .store
        .rotate_key(
            &stored,
            &audit(&who, None, "key.rotate", &format!("key/{kid}"), ""),
        )
        .await?;
    state.keys.refresh(t).await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyView {
            kid: kid.to_string(),
            status: "active".into(),
            valid_from: t,
            retired_at: None,
        }),
    ))
}

/// Retires a key: it stops signing, keeps verifying.
#[utoipa::path(post, path = "/v1/keys/{kid}/retire", tag = "keys", params(("kid" = String, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn retire_key(
    State(state): State<AppState>,
    auth: Auth,
    Path(kid): Path<String>,
) -> Result<StatusCode, ApiError> {
    change_key(&state, &auth, &kid, "key.retire").await
}

/// Removes a retired key: cards it signed stop verifying, online and offline.
#[utoipa::path(delete, path = "/v1/keys/{kid}", tag = "keys", params(("kid" = String, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn remove_key(
    State(state): State<AppState>,
    auth: Auth,
    Path(kid): Path<String>,
) -> Result<StatusCode, ApiError> {
    change_key(&state, &auth, &kid, "key.remove").await
}

async fn change_key(
    state: &AppState,
    auth: &Auth,
    kid: &str,
    action: &'static str,
) -> Result<StatusCode, ApiError> {
    let who = auth.operator()?;
    let entry = audit(&who, None, action, &format!("key/{kid}"), "");
    if action == "key.retire" {
        state.store.retire_key(kid, &entry).await?;
    } else {
        state.store.remove_key(kid, &entry).await?;
    }
    state.keys.refresh(now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn cacheable(doc: &Document, headers: &HeaderMap) -> Response {
    let etag =
        HeaderValue::from_str(&doc.etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == doc.etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response();
    }
    let json = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    ([(header::ETAG, etag), cache, json], doc.body.to_string()).into_response()
}

/// The issuer's public keys (JWKS), for offline verifiers. Cacheable, with an ETag.
#[utoipa::path(get, path = "/.well-known/namecard-keys.json", tag = "public", responses((status = 200), (status = 304)))]
async fn jwks(State(state): State<AppState>, headers: HeaderMap) -> Response {
    cacheable(&state.keys.snapshot().jwks, &headers)
}

/// The signed revocation list, for offline verifiers. Cacheable, with an ETag.
#[utoipa::path(get, path = "/.well-known/namecard-revocations.json", tag = "public", responses((status = 200), (status = 304)))]
async fn revocations(State(state): State<AppState>, headers: HeaderMap) -> Response {
    cacheable(&state.keys.snapshot().revocations_doc, &headers)
}
