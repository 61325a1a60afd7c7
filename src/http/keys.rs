//! Signing keys (the operator's), and the public documents offline verifiers fetch: the JWKS
//! and the signed revocation list, cacheable with ETags.

use super::extract::{Auth, Json, Path};
use super::views::KeyView;
use super::{ApiError, AppState};
use crate::card::KeyId;
use crate::service::Document;
use crate::store::StoreError;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys))
        .routes(routes!(rotate_key))
        .routes(routes!(retire_key))
        .routes(routes!(remove_key))
        .routes(routes!(jwks))
        .routes(routes!(revocations))
}

/// Lists the signing keys (operator).
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = Vec<KeyView>)), security(("bearer" = [])))]
async fn list_keys(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    auth.operator()?;
    let keys = state.services.keys.list().await?;
    Ok(Json(keys.iter().map(KeyView::from).collect()))
}

/// Rotates: a new active key; the previous one is retired (still verifies old cards).
#[utoipa::path(post, path = "/v1/keys/rotate", tag = "keys", responses((status = 201, body = KeyView)), security(("bearer" = [])))]
async fn rotate_key(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<(StatusCode, Json<KeyView>), ApiError> {
    let who = auth.operator()?;
    let now = state.services.clock.now();
    let entry = crate::service::audit(now, &who, None, "key.rotate", "key", "");
    let key = state.services.keys.rotate(&entry).await?;
    Ok((StatusCode::CREATED, Json(KeyView::from(&key))))
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
    // An id that does not parse names no key.
    let kid: KeyId = kid.parse().map_err(|_| {
        ApiError::from(StoreError::NotFound(if action == "key.retire" {
            "active key"
        } else {
            "retired key"
        }))
    })?;
    let now = state.services.clock.now();
    let entry = crate::service::audit(now, &who, None, action, format!("key/{kid}"), "");
    let keys = &state.services.keys;
    if action == "key.retire" {
        keys.retire(&kid, &entry).await?;
    } else {
        keys.remove(&kid, &entry).await?;
    }
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
    cacheable(&state.services.keys.snapshot().jwks, &headers)
}

/// The signed revocation list, for offline verifiers. Cacheable, with an ETag.
#[utoipa::path(get, path = "/.well-known/namecard-revocations.json", tag = "public", responses((status = 200), (status = 304)))]
async fn revocations(State(state): State<AppState>, headers: HeaderMap) -> Response {
    cacheable(&state.services.keys.snapshot().revocations_doc, &headers)
}
