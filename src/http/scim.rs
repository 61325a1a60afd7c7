//! SCIM 2.0 over HTTP: `/scim/v2` for identity providers (bearer SCIM token, answers and errors
//! in `application/scim+json` as RFC 7644 §3.12 shapes them), and the admin API that creates and
//! revokes an organization's SCIM tokens.

use super::extract::{Auth, Json, Path};
use super::{ApiError, AppState};
use crate::domain::scim::ScimError;
use crate::domain::{OrgId, ScimTokenId, TokenLabel};
use crate::service::scim::{Kind, ListQuery, Resource, Scim, ScimFailure, project};
use crate::store::{ScimToken, StoreError};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

/// SCIM's media type (RFC 7644 §8.1).
const SCIM_JSON: &str = "application/scim+json";

/// The admin API of SCIM tokens.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}

/// The SCIM endpoints, nested at `/scim/v2`; an unknown path there is a SCIM 404.
pub(super) fn protocol() -> Router<AppState> {
    Router::new()
        .route("/{endpoint}", get(list_resources).post(create_resource))
        .route("/{endpoint}/.search", axum::routing::post(search_resources))
        .route(
            "/{endpoint}/{id}",
            get(get_resource)
                .put(replace_resource)
                .patch(patch_resource)
                .delete(delete_resource),
        )
        .route(
            "/.search",
            axum::routing::post(|| async {
                scim_error(&ScimError {
                    status: 501,
                    scim_type: None,
                    detail:
                        "search one resource type at a time: POST /Users/.search or /Groups/.search"
                            .into(),
                })
            }),
        )
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .fallback(|| async { scim_error(&ScimError::not_found("no such SCIM endpoint")) })
        .method_not_allowed_fallback(|| async {
            scim_error(&ScimError {
                status: 405,
                scim_type: None,
                detail: "method not allowed on this SCIM endpoint".into(),
            })
        })
}

/// A SCIM token as listed.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ScimToken)]
pub struct ScimTokenView {
    pub id: i64,
    pub label: String,
    /// Who created it, as the audit log names them.
    pub created_by: String,
    pub created_at: i64,
    /// When an identity provider last used it (to the minute).
    pub last_used_at: Option<i64>,
}

impl From<ScimToken> for ScimTokenView {
    fn from(t: ScimToken) -> Self {
        Self {
            id: t.id.get(),
            label: t.label,
            created_by: t.created_by,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// A new SCIM token.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateScimToken {
    /// A note for the token list, e.g. "Entra ID".
    pub label: String,
}

/// A created SCIM token: its secret is shown this once.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CreatedScimToken {
    #[serde(flatten)]
    pub token: ScimTokenView,
    /// The bearer token to paste into the identity provider ("Secret Token" in Entra ID,
    /// "API Token" in Okta).
    pub secret: String,
    /// The SCIM base URL to paste beside it ("Tenant URL" in Entra ID, "SCIM connector base
    /// URL" in Okta).
    pub scim_base_url: String,
}

/// The organization's SCIM tokens (an admin, or an operator).
#[utoipa::path(get, path = "/v1/orgs/{org}/scim/tokens", tag = "scim",
    params(("org" = i64, Path)), responses((status = 200, body = Vec<ScimTokenView>)),
    security(("bearer" = [])))]
async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<Vec<ScimTokenView>>, ApiError> {
    auth.admin_of(org)?;
    let tokens = state.services.scim.tokens(org).await?;
    Ok(Json(tokens.into_iter().map(Into::into).collect()))
}

/// Creates a SCIM token for the organization's identity provider.
#[utoipa::path(post, path = "/v1/orgs/{org}/scim/tokens", tag = "scim",
    params(("org" = i64, Path)), request_body = CreateScimToken,
    responses((status = 201, body = CreatedScimToken)), security(("bearer" = [])))]
async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<CreateScimToken>,
) -> Result<(StatusCode, Json<CreatedScimToken>), ApiError> {
    let who = auth.admin_of(org)?;
    let label = TokenLabel::parse(&body.label)?;
    let scim = &state.services.scim;
    let (token, secret) = scim.create_token(&who, org, &label).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedScimToken {
            token: token.into(),
            secret: secret.expose().to_owned(),
            scim_base_url: scim.base_url().to_owned(),
        }),
    ))
}

/// Revokes a SCIM token: its identity provider is refused from the next request on.
#[utoipa::path(delete, path = "/v1/orgs/{org}/scim/tokens/{token}", tag = "scim",
    params(("org" = i64, Path), ("token" = i64, Path)),
    responses((status = 204)), security(("bearer" = [])))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, token)): Path<(OrgId, ScimTokenId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state.services.scim.revoke_token(&who, org, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- the protocol ------------------------------------------------------------------------

/// A SCIM answer, or the failure it answers in SCIM's error shape.
type Answer = Result<Response, ScimFailure>;

impl IntoResponse for ScimFailure {
    fn into_response(self) -> Response {
        failure(self)
    }
}

fn scim_error(e: &ScimError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, e.to_json().to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scim\""),
        );
    }
    response
}

fn failure(f: ScimFailure) -> Response {
    match f {
        ScimFailure::Scim(e) => scim_error(&e),
        ScimFailure::Store(e) => store_error(e),
    }
}

fn store_error(e: StoreError) -> Response {
    let (status, detail) = match &e {
        StoreError::NotFound(what) => (404, format!("{what} not found")),
        StoreError::Conflict(c) => (409, format!("{} already exists", c.what())),
        StoreError::Unavailable(_) => (503, "the database is unavailable; try again".to_owned()),
        StoreError::StorageFull(_) => (507, "the database's storage is full".to_owned()),
        StoreError::Tree(t) => (409, t.to_string()),
        _ => {
            tracing::error!(error = %e, "SCIM request failed in the store");
            (500, "internal error".to_owned())
        }
    };
    let scim_type = matches!(e, StoreError::Conflict(_)).then_some("uniqueness");
    let mut response = scim_error(&ScimError {
        status,
        scim_type,
        detail,
    });
    if status == 503 {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

/// A resource with its ETag (and, when created, its Location).
fn resource(status: StatusCode, r: &Resource, params: &Params) -> Response {
    let body = project(
        &r.body,
        params.attributes.as_deref(),
        params.excluded.as_deref(),
    );
    let mut response = scim_json(status, &body);
    if let Ok(v) = HeaderValue::from_str(&r.version) {
        response.headers_mut().insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Some(location) = r.body.pointer("/meta/location").and_then(Value::as_str)
        && let Ok(v) = HeaderValue::from_str(location)
    {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// The caller's SCIM token, or a SCIM 401.
async fn token(state: &AppState, headers: &HeaderMap) -> Result<ScimToken, ScimFailure> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty());
    let unauthorized = || {
        ScimFailure::Scim(ScimError {
            status: 401,
            scim_type: None,
            detail: "a valid SCIM bearer token is required".into(),
        })
    };
    let Some(presented) = presented else {
        return Err(unauthorized());
    };
    match state.services.scim.authenticate(presented).await {
        Ok(Some(t)) => Ok(t),
        Ok(None) => Err(unauthorized()),
        Err(e) => Err(ScimFailure::Store(e)),
    }
}

/// The JSON body, or a SCIM 400.
fn body(bytes: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ScimError::invalid_syntax(format!("the body is not JSON: {e}")))
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}

/// The query parameters SCIM defines (RFC 7644 §3.4.2, §3.9); others are refused.
#[derive(Debug, Default)]
struct Params {
    list: ListQuery,
    attributes: Option<Vec<String>>,
    excluded: Option<Vec<String>>,
}

fn params(raw: &HashMap<String, String>) -> Result<Params, ScimError> {
    let mut p = Params::default();
    let number = |name: &str, v: &str| {
        v.trim()
            .parse::<i64>()
            .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer")))
    };
    let names = |v: &str| {
        v.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    for (key, value) in raw {
        match key.as_str() {
            "filter" => p.list.filter = Some(value.clone()),
            "startIndex" => p.list.start_index = Some(number(key, value)?),
            "count" => p.list.count = Some(number(key, value)?),
            "attributes" => p.attributes = Some(names(value)),
            "excludedAttributes" => p.excluded = Some(names(value)),
            // Sorting is not offered (ServiceProviderConfig says so); asking is not an error.
            "sortBy" | "sortOrder" => {}
            other => {
                return Err(ScimError::invalid_value(format!(
                    "unknown query parameter {}",
                    other.escape_debug()
                )));
            }
        }
    }
    p.list.without_members = p
        .excluded
        .as_ref()
        .is_some_and(|e| e.iter().any(|a| a.eq_ignore_ascii_case("members")))
        || p.attributes.as_ref().is_some_and(|a| {
            !a.iter()
                .any(|a| a.to_ascii_lowercase().starts_with("members"))
        });
    Ok(p)
}

/// The parameters of a `POST .search` body (RFC 7644 §3.4.3), as those of a query.
fn search_params(bytes: &Bytes) -> Result<Params, ScimError> {
    const SEARCH_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
    let doc = body(bytes)?;
    let bad = |what: &str| ScimError::invalid_value(what.to_owned());
    let Value::Object(map) = doc else {
        return Err(ScimError::invalid_syntax(
            "the body must be a SearchRequest object",
        ));
    };
    let names_it = map
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(SEARCH_URN)));
    if !names_it {
        return Err(ScimError::invalid_syntax(format!(
            "schemas must include {SEARCH_URN}"
        )));
    }
    let mut raw = HashMap::new();
    for (key, value) in &map {
        let text = match (key.as_str(), value) {
            ("schemas", _) | (_, Value::Null) => continue,
            ("attributes" | "excludedAttributes", Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad("attribute names are strings"))
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            ("startIndex" | "count", Value::Number(n)) => n.to_string(),
            (_, Value::String(s)) => s.clone(),
            (key, _) => return Err(bad(&format!("{} has the wrong type", key.escape_debug()))),
        };
        raw.insert(key.clone(), text);
    }
    params(&raw)
}

fn list(body: &Value, p: &Params) -> Response {
    let mut body = body.clone();
    if let Some(Value::Array(items)) = body.get_mut("Resources") {
        for item in items.iter_mut() {
            *item = project(item, p.attributes.as_deref(), p.excluded.as_deref());
        }
    }
    scim_json(StatusCode::OK, &body)
}

fn scim(state: &AppState) -> &Scim {
    &state.services.scim
}

/// The kind of resource the path's endpoint (`Users`, `Groups`) serves, or a SCIM 404: taken
/// before the caller, so an unknown endpoint is 404 whoever asks.
struct Endpoint(Kind);

impl axum::extract::FromRequestParts<AppState> for Endpoint {
    type Rejection = ScimFailure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let first = parts
            .uri
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        Kind::from_endpoint(first)
            .map(Endpoint)
            .ok_or_else(|| ScimError::not_found("no such SCIM endpoint").into())
    }
}

/// Who asks (their SCIM token), the query's parameters and `If-Match`: what every resource
/// handler takes, read once here.
struct Caller {
    state: AppState,
    token: ScimToken,
    params: Params,
    if_match: Option<String>,
}

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = ScimFailure;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = token(state, &parts.headers).await?;
        let raw: HashMap<String, String> = parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            state: state.clone(),
            token,
            params: params(&raw)?,
            if_match: if_match(&parts.headers).map(str::to_owned),
        })
    }
}

impl Caller {
    fn scim(&self) -> &Scim {
        scim(&self.state)
    }
}

type Id = axum::extract::Path<(String, String)>;

async fn list_resources(Endpoint(kind): Endpoint, c: Caller) -> Answer {
    let page = c.scim().list(&c.token, kind, &c.params.list).await?;
    Ok(list(&page, &c.params))
}

async fn search_resources(Endpoint(kind): Endpoint, c: Caller, bytes: Bytes) -> Answer {
    let p = search_params(&bytes)?;
    Ok(list(&c.scim().list(&c.token, kind, &p.list).await?, &p))
}

async fn create_resource(Endpoint(kind): Endpoint, c: Caller, bytes: Bytes) -> Answer {
    let r = c.scim().create(&c.token, kind, body(&bytes)?).await?;
    Ok(resource(StatusCode::CREATED, &r, &c.params))
}

async fn get_resource(
    Endpoint(kind): Endpoint,
    c: Caller,
    axum::extract::Path((_, id)): Id,
) -> Answer {
    let r = c.scim().get(&c.token, kind, &id).await?;
    Ok(resource(StatusCode::OK, &r, &c.params))
}

async fn replace_resource(
    Endpoint(kind): Endpoint,
    c: Caller,
    axum::extract::Path((_, id)): Id,
    bytes: Bytes,
) -> Answer {
    let r = c
        .scim()
        .replace(&c.token, kind, &id, body(&bytes)?, c.if_match.as_deref())
        .await?;
    Ok(resource(StatusCode::OK, &r, &c.params))
}

async fn patch_resource(
    Endpoint(kind): Endpoint,
    c: Caller,
    axum::extract::Path((_, id)): Id,
    bytes: Bytes,
) -> Answer {
    let r = c
        .scim()
        .patch(&c.token, kind, &id, &body(&bytes)?, c.if_match.as_deref())
        .await?;
    Ok(resource(StatusCode::OK, &r, &c.params))
}

async fn delete_resource(
    Endpoint(kind): Endpoint,
    c: Caller,
    axum::extract::Path((_, id)): Id,
) -> Answer {
    c.scim()
        .delete(&c.token, kind, &id, c.if_match.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn service_provider_config(State(state): State<AppState>, headers: HeaderMap) -> Answer {
    token(&state, &headers).await?;
    Ok(scim_json(
        StatusCode::OK,
        &scim(&state).service_provider_config(),
    ))
}

async fn resource_types(State(state): State<AppState>, headers: HeaderMap) -> Answer {
    token(&state, &headers).await?;
    Ok(scim_json(
        StatusCode::OK,
        &Scim::list_of(scim(&state).resource_types()),
    ))
}

async fn resource_type(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Answer {
    token(&state, &headers).await?;
    one_of(scim(&state).resource_types(), &id, "ResourceType")
}

async fn schemas(State(state): State<AppState>, headers: HeaderMap) -> Answer {
    token(&state, &headers).await?;
    Ok(scim_json(
        StatusCode::OK,
        &Scim::list_of(scim(&state).schemas()),
    ))
}

async fn schema(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Answer {
    token(&state, &headers).await?;
    one_of(scim(&state).schemas(), &id, "Schema")
}

fn one_of(docs: Vec<Value>, id: &str, kind: &str) -> Answer {
    docs.into_iter()
        .find(|d| d.get("id").and_then(Value::as_str) == Some(id))
        .map(|d| scim_json(StatusCode::OK, &d))
        .ok_or_else(|| ScimError::not_found(format!("no {kind} {}", id.escape_debug())).into())
}
