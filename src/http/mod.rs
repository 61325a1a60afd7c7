//! The HTTP adapter: [`AppState`], [`router()`], [`ApiError`], extractors and one file per resource.
//!
//! Handlers extract, make one library call and respond; no SQL or crypto lives here. Every
//! resource module contributes an `OpenApiRouter`, so the OpenAPI document at `/openapi.json` is
//! generated from the same route table that serves requests.

mod cards;
mod contacts;
mod error;
pub mod extract;
mod members;
mod ops;
mod orgs;
pub mod server;

pub use error::{ApiError, Problem, ProblemExtra};
pub use members::{DirectoryPage, Imported};
pub use orgs::CreatedToken;

use crate::domain::Principal;
use crate::store::{Audit, Store};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode};
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Signing keys and revocations, cached in memory.
    pub keys: Arc<crate::service::Keyring>,
    /// How long a new card is valid, in seconds.
    pub card_ttl_secs: i64,
    /// Renders `/metrics`.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// External contacts: settings and the photo decoding slots.
    pub contacts: Arc<crate::service::Contacts>,
    /// The token `/metrics` requires, if any.
    pub metrics_token: Option<crate::config::MetricsToken>,
}

impl AppState {
    /// Builds the state around a store and its keyring.
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<crate::service::Keyring>,
        card_ttl_secs: i64,
        contacts: crate::service::Contacts,
    ) -> Self {
        Self {
            store,
            keys,
            card_ttl_secs,
            metrics: ops::metrics_handle(),
            contacts: Arc::new(contacts),
            metrics_token: None,
        }
    }

    /// Requires `token` for `/metrics` (`None`: open).
    pub fn with_metrics_token(self, token: Option<crate::config::MetricsToken>) -> Self {
        Self {
            metrics_token: token,
            ..self
        }
    }

    /// Called after a change that revokes cards, so this instance's caches see it at once (other
    /// instances see it at their next periodic refresh).
    pub async fn revocations_changed(&self) {
        if let Err(e) = self.keys.refresh(now()).await {
            tracing::warn!(error = %e, "refreshing revocations failed; the periodic refresh will retry");
        }
    }
}

/// Request limits applied to every route.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Longest a request may take before it is answered with 503 `request_timeout`.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "namecard", description = "Signed QR namecards for organizations and their members."),
    modifiers(&BearerSecurity),
    components(schemas(Problem))
)]
struct ApiDoc;

struct BearerSecurity;

impl utoipa::Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API's OpenAPI document and the router it describes.
fn api(max_upload_bytes: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(orgs::router())
        .merge(members::router())
        .merge(cards::router())
        .merge(contacts::router(max_upload_bytes))
        .merge(ops::router())
        .merge(crate::web::router())
        .split_for_parts()
}

/// The OpenAPI 3.1 document, as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api(0).1
}

/// The whole service: every route, with request ids, tracing, metrics, body limit and timeout.
///
/// The middleware is composed with one `ServiceBuilder` and applied in one `Router::layer`: each
/// `Router::layer` call boxes every route once more, and axum clones the boxed stack of the
/// matched route on every request, one allocation per box.
pub fn router(state: AppState, limits: Limits) -> Router {
    let uploads = &state.contacts;
    let (routes, _) = api(uploads.scan_limits.max_bytes);
    let request_id = HeaderName::from_static("x-request-id");
    let middleware = tower::ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(request_id.clone(), RandomRequestId))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), uri = %req.uri())
        }))
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(ops::HttpMetricsLayer)
        .layer(axum::middleware::from_fn_with_state(
            limits.request_timeout,
            deadline,
        ))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes));
    routes
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
        })
        .layer(middleware)
        .with_state(state)
}

/// Answers a request that runs past `limit` with 503 problem+json `request_timeout` (dropping
/// its handler, which rolls back an open transaction).
async fn deadline(
    axum::extract::State(limit): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "request_timeout",
            format!("the request took longer than the service's limit of {limit:?}"),
        )
        .retry_after(5)
        .into_response(),
    }
}

/// Request ids: random UUIDs (version 4) from the thread-local CSPRNG, where tower-http's
/// `MakeRequestUuid` asks the operating system for 16 bytes (a system call) on every request.
/// An id a client sends in `x-request-id` is kept as it is.
#[derive(Debug, Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        HeaderValue::from_str(id.hyphenated().encode_lower(&mut text))
            .ok()
            .map(RequestId::new)
    }
}

/// Builds the audit entry for a change `who` makes now.
pub(crate) fn audit(
    who: &Principal,
    org_id: Option<i64>,
    action: &'static str,
    target: &str,
    detail: &str,
) -> Audit {
    Audit {
        at: now(),
        actor: who.actor(),
        org_id,
        action,
        target: target.to_owned(),
        detail: detail.to_owned(),
    }
}

/// The current Unix time in seconds.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}
