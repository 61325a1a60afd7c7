//! The HTTP adapter: [`AppState`], [`router()`], [`ApiError`], extractors, the views (the public
//! JSON) and one file per resource, the web app's sessions and pages included.
//!
//! Handlers extract, make one service call and respond; no SQL, crypto or pixel code lives
//! here. Every resource module contributes an `OpenApiRouter`, so the OpenAPI document at
//! `/openapi.json` is generated from the same route table that serves requests. Nothing in the
//! library imports this module but the composition root, `startup`.

mod book;
mod cards;
mod contacts;
#[doc(hidden)]
pub use contacts::read_scan_upload;
mod departments;
mod edge;
mod error;
pub mod extract;
mod keys;
pub mod locale;
mod mail;
mod members;
mod oidc;
mod ops;
mod orgs;
mod pages;
mod scim;
mod sessions;
mod transfers;
pub mod uploads;
pub mod views;
mod ways;

pub use error::{ApiError, Problem, ProblemExtra};
pub use pages::CSP;

use crate::config::MetricsToken;
use crate::service::Services;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use uploads::Uploads;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Arc<Services>,
    /// Photo upload admission.
    pub uploads: Arc<Uploads>,
    /// Renders `/metrics`.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// The token `/metrics` requires, if any.
    pub metrics_token: Option<MetricsToken>,
}

impl AppState {
    /// The state around the services; `/metrics` is open unless `metrics_token` is set.
    pub fn new(
        services: Arc<Services>,
        uploads: Uploads,
        metrics_token: Option<MetricsToken>,
    ) -> Self {
        Self {
            services,
            uploads: Arc::new(uploads),
            metrics: ops::metrics_handle(),
            metrics_token,
        }
    }

    /// The service's public URL, the issuer named in every card.
    fn public_url(&self) -> &str {
        self.services.keys.issuer().as_str()
    }
}

/// The header that carries a request's id, in the answer and in every log line of the request.
const REQUEST_ID: &str = "x-request-id";

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
    // `CardFormat` appears only as a path parameter, which utoipa does not collect by itself.
    components(schemas(Problem, cards::CardFormat))
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

/// Every error answer is `application/problem+json` ([`ApiError`]); routes document their error
/// bodies as `body = Problem`, which utoipa lists as `application/json`. This puts each of them
/// under the type the service really sends, in one place for every route, present and future.
struct ProblemResponses;

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, path::HttpMethod};
        const METHODS: [HttpMethod; 5] = [
            HttpMethod::Get,
            HttpMethod::Post,
            HttpMethod::Put,
            HttpMethod::Patch,
            HttpMethod::Delete,
        ];
        for item in openapi.paths.paths.values_mut() {
            for method in &METHODS {
                let operation = match method {
                    HttpMethod::Get => item.get.as_mut(),
                    HttpMethod::Post => item.post.as_mut(),
                    HttpMethod::Put => item.put.as_mut(),
                    HttpMethod::Patch => item.patch.as_mut(),
                    HttpMethod::Delete => item.delete.as_mut(),
                    _ => None,
                };
                let Some(operation) = operation else { continue };
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if !status.starts_with(['4', '5']) {
                        continue;
                    }
                    if let Some(content) = response.content.shift_remove("application/json") {
                        response
                            .content
                            .insert("application/problem+json".to_owned(), content);
                    }
                }
            }
        }
    }
}

/// The API's OpenAPI document and the router it describes.
fn api(max_upload_bytes: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(orgs::router())
        .merge(members::router())
        .merge(cards::router())
        .merge(keys::router())
        .merge(contacts::router(max_upload_bytes))
        .merge(book::router())
        .merge(transfers::router())
        .merge(departments::router())
        .merge(ways::router())
        .merge(mail::router())
        .merge(ops::router())
        .merge(sessions::router())
        .merge(oidc::router())
        .merge(scim::router())
        .merge(pages::router())
        .split_for_parts();
    // After the routes are in: `ApiDoc`'s own modifiers run before any route is merged.
    utoipa::Modify::modify(&ProblemResponses, &mut doc);
    (router, doc)
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
    let (routes, _) = api(state.uploads.max_bytes);
    let request_id = HeaderName::from_static(REQUEST_ID);
    let middleware = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(edge::drop_unsafe_request_id))
        .layer(SetRequestIdLayer::new(request_id.clone(), RandomRequestId))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", request_id = %id, method = %req.method(), uri = %req.uri())
        }))
        .layer(PropagateRequestIdLayer::new(request_id))
        // Every answer, API and pages alike: its content type is the one to use.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Outside `problems_only`, so the problems it writes for the edge are in the locale too.
        .layer(axum::middleware::from_fn(locale::scoped))
        .layer(axum::middleware::from_fn(error::problems_only))
        .layer(ops::HttpMetricsLayer)
        .layer(axum::middleware::from_fn(edge::refuse_control_characters))
        .layer(axum::middleware::from_fn_with_state(
            limits.request_timeout,
            deadline,
        ))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes));
    routes
        .nest("/scim/v2", scim::protocol())
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            )
            .said("method", &[])
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
        .said("took-too-long", &[("secs", &limit.as_secs())])
        .retry_after(5)
        .into_response(),
    }
}

/// Request ids: random UUIDs (version 4) from the thread-local CSPRNG, where tower-http's
/// `MakeRequestUuid` asks the operating system for 16 bytes (a system call) on every request.
/// An id a client sends in `x-request-id` is kept as it is when it is safe to log
/// ([`edge::drop_unsafe_request_id`]).
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

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

/// A file download.
fn attachment(
    content_type: &'static str,
    filename: String,
    body: impl axum::response::IntoResponse,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Paging through lists: one rule for page sizes and the cursor of the next page.
mod page {
    use super::ApiError;
    use axum::http::StatusCode;

    /// The page size asked for: `default` when absent, refused outside `1..=max`.
    pub(super) fn limit(asked: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
        match asked.unwrap_or(default) {
            n if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("limit: 1 to {max}"),
            )
            .said("ids-range", &[("field", &"limit"), ("max", &max)])),
        }
    }

    /// The cursor of the next page (the last item's id) when this page is full; `None` on the
    /// last page.
    pub(super) fn next<T>(items: &[T], limit: i64, id: impl Fn(&T) -> i64) -> Option<i64> {
        (i64::try_from(items.len()) == Ok(limit))
            .then(|| items.last().map(id))
            .flatten()
    }
}
