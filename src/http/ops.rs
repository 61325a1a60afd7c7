//! Operations: `/healthz` (checks the database), `/metrics` (Prometheus, optionally behind a
//! bearer token) and `/openapi.json` (this API's OpenAPI 3.1 document).

use super::{ApiError, AppState};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::{Layer, Service};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(metrics))
        .routes(routes!(openapi_json))
}

/// The process-wide Prometheus recorder (installed once; every app in a test process shares it).
pub(super) fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ];
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed; then this handle renders nothing.
            let _ = metrics::set_global_recorder(recorder);
            // Latencies are buffered per sample until upkeep folds them into the buckets: without
            // it a service nobody scrapes would hold every sample it ever took.
            let upkeep = handle.clone();
            let _ = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_secs(5));
                        upkeep.run_upkeep();
                    }
                });
            handle
        })
        .clone()
}

/// Counts every request and records its latency, by method, route template and status.
///
/// `Router::layer` gives every route its own copy of this layer's service, so each route keeps
/// the few metric handles it has used (one per method and status seen) and finds them again
/// with a short scan: no label strings built and no registry lookup on every request.
#[derive(Debug, Clone, Copy)]
pub(super) struct HttpMetricsLayer;

impl<S> Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpMetrics {
            inner,
            seen: Arc::default(),
        }
    }
}

/// The service of [`HttpMetricsLayer`].
#[derive(Debug, Clone)]
pub(super) struct HttpMetrics<S> {
    inner: S,
    seen: Arc<RwLock<Vec<Series>>>,
}

/// The handles of one `(method, route, status)` series.
#[derive(Debug)]
struct Series {
    method: &'static str,
    route: Box<str>,
    status: StatusCode,
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

/// The method as a label: the standard ones by name, any other as `OTHER`, so a client
/// cannot create series at will.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    const NAMES: [&str; 9] = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN
        .iter()
        .position(|m| m == method)
        .map_or("OTHER", |i| NAMES[i])
}

fn record(
    seen: &RwLock<Vec<Series>>,
    method: &'static str,
    route: &str,
    status: StatusCode,
    elapsed: f64,
) {
    let matches = |s: &Series| s.status == status && s.method == method && &*s.route == route;
    {
        let series = seen.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = series.iter().find(|s| matches(s)) {
            s.requests.increment(1);
            s.duration.record(elapsed);
            return;
        }
    }
    // First request of this series: register it (rare; at most one per method and status).
    let mut series = seen.write().unwrap_or_else(PoisonError::into_inner);
    let i = series.iter().position(matches).unwrap_or_else(|| {
        let labels = [
            ("method", method.to_owned()),
            ("route", route.to_owned()),
            ("status", status.as_u16().to_string()),
        ];
        series.push(Series {
            method,
            route: route.into(),
            status,
            requests: metrics::counter!("http_requests_total", &labels),
            duration: metrics::histogram!("http_request_duration_seconds", &labels),
        });
        series.len() - 1
    });
    series[i].requests.increment(1);
    series[i].duration.record(elapsed);
}

impl<S> Service<Request> for HttpMetrics<S>
where
    S: Service<Request, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let start = Instant::now();
        let method = method_label(request.method());
        let route = request.extensions().get::<MatchedPath>().cloned();
        let seen = Arc::clone(&self.seen);
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
            let elapsed = start.elapsed().as_secs_f64();
            record(&seen, method, route, response.status(), elapsed);
            Ok(response)
        })
    }
}

/// How long `/healthz` waits for the database: shorter than the pool's wait for a connection, so
/// a load balancer's probe gets its 503 in time instead of timing out itself.
const HEALTH_DEADLINE: Duration = Duration::from_secs(2);

/// Health: 200 when the database answers and accepts a write within 2 s; 503 otherwise, with
/// `database_unavailable` or `storage_full`.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200),
    (status = 503, body = super::Problem, content_type = "application/problem+json")))]
async fn healthz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    match tokio::time::timeout(HEALTH_DEADLINE, state.services.health()).await {
        Ok(Ok(())) => Ok("ok\n"),
        Ok(Err(crate::store::StoreError::StorageFull(e))) => {
            tracing::warn!(error = %e, "health check: storage full");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_full",
                "the database's storage is full: writes fail until space is freed",
            )
            .said("storage-full-now", &[]))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check failed");
            Err(ApiError::database_unavailable())
        }
        Err(_) => {
            tracing::warn!("health check: the database did not answer within {HEALTH_DEADLINE:?}");
            Err(ApiError::database_unavailable())
        }
    }
}

/// Prometheus metrics: requests, latency histograms, cards issued, verifications by result.
/// With the `metrics_token` setting, only for `Authorization: Bearer <metrics_token>`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain"), (status = 401, body = super::Problem, content_type = "application/problem+json")),
    security((), ("bearer" = [])))]
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(token) = &state.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "));
        match presented {
            None => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "missing_token",
                    "send Authorization: Bearer <metrics_token>",
                )
                .said("send-metrics-token", &[]));
            }
            Some(t) if !token.matches(t.trim()) => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "not the metrics token",
                )
                .said("not-metrics-token", &[]));
            }
            Some(_) => {}
        }
    }
    state.metrics.run_upkeep();
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
        .into_response())
}

/// This API's OpenAPI 3.1 document, generated from the same route table that serves requests.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, content_type = "application/json")))]
async fn openapi_json() -> impl IntoResponse {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| super::openapi().to_pretty_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str())
}
