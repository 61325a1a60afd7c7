//! [`ApiError`]: the one type that becomes an error response, as RFC 7807 `application/problem+json`
//! with a stable `code`. 4xx answers say what is wrong; 5xx answers say only "internal error" while
//! the full error chain is logged once, here.

use super::locale;
use crate::domain::import::RowError;
use crate::domain::{DomainError, Why};
use crate::store::{Conflict, StoreError};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    field: Option<&'static str>,
    rows: Vec<RowError>,
    extra: Option<Box<ProblemExtra>>,
    /// Seconds for a `Retry-After` header.
    retry_after: Option<u32>,
    /// The detail as a catalogue message, said in the reader's language; `detail` is its
    /// English, for logs and for a catalogue that lacks it.
    said: Option<Box<Said>>,
}

/// A detail's catalogue message, after the name of the field it is about when it has one
/// (`mobile: 必须是 E.164 号码`).
#[derive(Debug)]
struct Said {
    field: Option<&'static str>,
    why: Why,
}

/// Fields some problems add to say more than their code: why a card failed, whose policy
/// blocked a request, the request that was already decided.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProblemExtra {
    /// `invalid_card`: the verification reason (`bad_signature`, `unknown_key`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `policy_blocked`: `requester_organization` or `owner_organization`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    /// `policy_blocked`: `external_contacts_disabled` or `not_a_partner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_reason: Option<String>,
    /// `policy_blocked`: the organization whose policy refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<super::views::OrgRefView>,
    /// `already_decided`: the request as it stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<super::views::RequestView>,
    /// A scan of a photo with several codes none of which went through: every card in the order
    /// they were found, each with its own problem, except the first, whose problem is this
    /// document (its entry has its text, corners and status).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub cards: Vec<super::contacts::CardAnswer>,
}

/// The problem document (RFC 7807) every error answer carries.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:namecard:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem's kind in the reader's language (`Accept-Language`).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, safe to show.
    pub detail: String,
    /// Stable machine-readable code, e.g. `duplicate_employee_id`.
    pub code: String,
    /// The rejected input field, when one is to blame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every bad row of a bulk import.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RowError>,
    /// Problem-specific details.
    #[serde(flatten)]
    pub extra: ProblemExtra,
}

impl ApiError {
    /// An error with its status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            field: None,
            rows: Vec::new(),
            extra: None,
            retry_after: None,
            said: None,
        }
    }

    /// Says the detail with catalogue message `detail-<id>` of `problems.ftl` and `args` in the
    /// reader's language.
    pub fn said(self, id: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> Self {
        Self {
            said: Some(Box::new(Said {
                field: None,
                why: Why::new(id, args),
            })),
            ..self
        }
    }

    /// Adds `Retry-After: secs`: the condition is expected to pass.
    pub fn retry_after(self, secs: u32) -> Self {
        Self {
            retry_after: Some(secs),
            ..self
        }
    }

    /// 503: the database cannot be reached right now; nothing was written.
    pub fn database_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database cannot be reached right now; nothing was changed, try again shortly",
        )
        .retry_after(5)
    }

    /// 507: the database's storage is full; nothing was written.
    pub fn storage_full() -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            "storage_full",
            "the service's storage is full; nothing was changed, try again later",
        )
        .retry_after(60)
    }

    /// Adds problem-specific fields.
    pub fn with_extra(self, extra: ProblemExtra) -> Self {
        Self {
            extra: Some(Box::new(extra)),
            ..self
        }
    }

    /// The same problem, with every card of a scan of several codes ([`ProblemExtra::cards`]).
    pub fn with_cards(mut self, cards: Vec<super::contacts::CardAnswer>) -> Self {
        self.extra.get_or_insert_with(Box::default).cards = cards;
        self
    }

    /// 404: the thing does not exist, or exists where the caller may not see it.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
        .said(
            "not-found",
            &[("what", &what), ("thing", &what.replace(' ', "_"))],
        )
    }

    /// 403: the caller's role may not do this (never used across organizations: that is 404);
    /// `id` names the detail's catalogue message ([`Self::said`]).
    pub fn forbidden(detail: &str, id: &'static str) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail).said(id, &[])
    }

    /// 422 listing every bad row of an import.
    pub fn invalid_rows(rows: Vec<RowError>) -> Self {
        let detail = format!("{} row(s) are invalid; nothing was imported", rows.len());
        let count = rows.len();
        Self {
            rows,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_rows", detail)
                .said("invalid-rows", &[("count", &count)])
        }
    }

    /// 500, logging the error chain once.
    pub fn internal(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = error.to_string();
        let mut source = error.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// 400 `invalid_query`: a query parameter that fails the domain's rule for its value.
    pub fn in_query(e: DomainError) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_query",
            ..Self::from(e)
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<ApiError> for Problem {
    /// The document the error is answered with (a scan's per-card problems carry it inside an
    /// answer), its `title` in the request's language ([`locale::current`]), and its `detail`
    /// too where that is always the same words; a detail that names what went wrong (a field, a
    /// value the caller sent) is kept as written, never put into a translated sentence. The
    /// `code` is the same in every language.
    fn from(e: ApiError) -> Self {
        let locale = locale::current();
        Self {
            kind: format!("urn:namecard:problem:{}", e.code),
            title: locale::problem_title(locale, e.code, e.status.as_u16()),
            status: e.status.as_u16(),
            detail: e
                .said
                .as_ref()
                .and_then(|said| {
                    let words = locale::detail(locale, &said.why)?;
                    Some(match said.field {
                        Some(field) => format!("{field}: {words}"),
                        None => words,
                    })
                })
                .or_else(|| locale::problem_detail(locale, e.code))
                .unwrap_or(e.detail),
            code: e.code.to_owned(),
            field: e.field.map(str::to_owned),
            errors: e.rows,
            extra: e.extra.map(|e| *e).unwrap_or_default(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, retry_after) = (self.status, self.retry_after);
        let problem = Problem::from(self);
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Makes every error answer problem+json, also those no handler wrote: the plain-text rejections
/// of axum's own extractors (a 413 for a body over the limit read as raw bytes, a 400 for a body
/// that broke off) and the empty ones of any middleware (a 408). Their text is kept as the
/// detail (axum's say what was wrong and nothing more), their headers (`Allow`, `Retry-After`)
/// too; the code follows the status.
pub(super) async fn problems_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let scim = request.uri().path().starts_with("/scim/");
    let response = next.run(request).await;
    let status = response.status();
    // A page written for people (the sign-in error page) is an answer of its own, kept as is,
    // and so is a SCIM error, shaped as RFC 7644 says.
    let (problem, is_answer) = {
        let content_type = |prefix: &[u8]| {
            response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(prefix))
        };
        let problem = content_type(b"application/problem+json");
        let is_answer = if scim {
            content_type(b"application/scim+json")
        } else {
            problem || content_type(b"text/html")
        };
        (problem, is_answer)
    };
    if is_answer || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    // A problem (from the edge's own refusals) turned into a SCIM error keeps its detail.
    let text = match serde_json::from_slice::<serde_json::Value>(&text) {
        Ok(v) if problem => v["detail"].as_str().unwrap_or_default().to_owned(),
        _ => String::from_utf8_lossy(&text).into_owned(),
    };
    let detail = match text.trim() {
        "" => status.canonical_reason().unwrap_or("error").to_lowercase(),
        text => text.to_owned(),
    };
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    if scim {
        // A SCIM client reads errors in SCIM's shape (RFC 7644 §3.12) only.
        let detail = if status.is_server_error() {
            tracing::error!(%status, detail, "a SCIM error answer that was not SCIM's");
            "internal error".to_owned()
        } else {
            detail
        };
        let mut error = crate::domain::scim::ScimError::invalid_syntax(detail);
        error.status = status.as_u16();
        if status != StatusCode::BAD_REQUEST {
            error.scim_type = None;
        }
        let mut answer = (status, error.to_json().to_string()).into_response();
        answer.headers_mut().insert(
            header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/scim+json"),
        );
        return answer;
    }
    let problem = if status.is_server_error() {
        tracing::error!(%status, detail, "an error answer that was not problem+json");
        ApiError::new(status, code, "internal error")
    } else {
        ApiError::new(status, code, detail)
    };
    let mut answer = problem.into_response();
    let ours: Vec<_> = answer.headers().keys().cloned().collect();
    for (name, value) in &parts.headers {
        if !ours.contains(name) {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Conflict(Conflict::EmployeeId) => Self::new(
                StatusCode::CONFLICT,
                "duplicate_employee_id",
                "a member with this employee id already exists in the organization; nothing was written",
            ),
            StoreError::Conflict(Conflict::Domain) => Self::new(
                StatusCode::CONFLICT,
                "duplicate_domain",
                "another organization has this domain",
            ),
            StoreError::Conflict(Conflict::Tag) => Self::new(
                StatusCode::CONFLICT,
                "duplicate_tag",
                "the organization's library already has a tag of this name in this group",
            ),
            StoreError::Conflict(Conflict::Department) => Self::new(
                StatusCode::CONFLICT,
                "duplicate_department",
                "a department of this name is already beside it; nothing was written",
            ),
            StoreError::Tree(e) => {
                use crate::domain::TreeError as T;
                let (status, code) = match e {
                    T::Cycle => (StatusCode::UNPROCESSABLE_ENTITY, "department_cycle"),
                    T::TooDeep => (StatusCode::UNPROCESSABLE_ENTITY, "department_too_deep"),
                    T::NoParent => (StatusCode::UNPROCESSABLE_ENTITY, "no_parent_department"),
                    T::TooMany => (StatusCode::UNPROCESSABLE_ENTITY, "too_many_departments"),
                    T::HasChildren => (StatusCode::CONFLICT, "department_has_children"),
                    T::AnswersWay => (StatusCode::CONFLICT, "department_answers_way"),
                };
                Self::new(status, code, e.to_string())
            }
            StoreError::Conflict(what) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{} already exists", what.what()),
            )
            .said("exists", &[("what", &what.what())]),
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::database_unavailable()
            }
            StoreError::StorageFull(e) => {
                tracing::error!(error = %e, "database storage full");
                Self::storage_full()
            }
            other => Self::internal(&other),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self {
            field: Some(e.field),
            said: e.why.map(|why| {
                Box::new(Said {
                    field: Some(e.field),
                    why,
                })
            }),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.code,
                format!("{}: {}", e.field, e.message),
            )
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let (status, code) = match &r {
            JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
            JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            JsonRejection::MissingJsonContentType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
            }
            _ => (StatusCode::BAD_REQUEST, "bad_request"),
        };
        let error = r.body_text();
        Self::new(status, code, &error).said("body", &[("error", &error)])
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        // A malformed id cannot name anything that exists.
        let error = r.body_text();
        Self::new(StatusCode::NOT_FOUND, "not_found", &error).said("path", &[("error", &error)])
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let error = r.body_text();
        Self::new(StatusCode::BAD_REQUEST, "invalid_query", &error)
            .said("query", &[("error", &error)])
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(r: axum::extract::rejection::BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                r.body_text(),
            )
            .said("body-over-limit", &[])
        } else {
            let error = r.body_text();
            Self::new(StatusCode::BAD_REQUEST, "bad_request", &error)
                .said("body", &[("error", &error)])
        }
    }
}

impl From<crate::service::ServiceError> for ApiError {
    fn from(e: crate::service::ServiceError) -> Self {
        use crate::service::ServiceError as E;
        match e {
            E::Store(s) => s.into(),
            E::Keyring(k) => k.into(),
            E::InvalidCard(c) => {
                let error = c.to_string();
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_card", &error)
                    .said("card-fields", &[("error", &error)])
            }
            E::NoActiveKey => Self::new(StatusCode::CONFLICT, "no_active_key", e.to_string()),
            E::Undrawable(text) | E::Render(crate::qr::QrError::Text(text)) => {
                let e = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    text.code(),
                    text.to_string(),
                );
                match &text {
                    crate::qr::CardTextError::Undrawable(fields) => {
                        let chars = crate::qr::describe_characters(fields);
                        e.said("undrawable", &[("chars", &chars)])
                    }
                    crate::qr::CardTextError::DoesNotFit(field) => {
                        e.said("does-not-fit", &[("field", field)])
                    }
                }
            }
            E::MemberInactive => Self::not_found("member"),
            E::ResetsRateLimited { retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.to_string())
                    .retry_after(u32::try_from(retry_after_secs).unwrap_or(u32::MAX))
                    .said("resets", &[("secs", &retry_after_secs)])
            }
            E::TooManyCards { max } => {
                Self::new(StatusCode::CONFLICT, "too_many_cards", e.to_string())
                    .said("too-many-cards", &[("max", &max)])
            }
            E::ExpiryBeyondLimit { latest } => Self {
                field: Some("expires_at"),
                ..Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "expiry_beyond_limit",
                    e.to_string(),
                )
                .said(
                    "expiry-limit",
                    &[("latest", &crate::domain::format_time(latest))],
                )
            },
            other => Self::internal(&other),
        }
    }
}

impl From<crate::service::KeyringError> for ApiError {
    fn from(e: crate::service::KeyringError) -> Self {
        match e {
            crate::service::KeyringError::Store(s) => s.into(),
            other => Self::internal(&other),
        }
    }
}

impl From<crate::service::AccessError> for ApiError {
    fn from(e: crate::service::AccessError) -> Self {
        use crate::service::AccessError as E;
        let detail = e.to_string();
        match e {
            E::Store(s) => s.into(),
            E::MemberIdRequired => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "member_id_required",
                detail,
            ),
            E::InvalidRole => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_role", detail),
        }
    }
}

impl From<crate::service::WebhookError> for ApiError {
    fn from(e: crate::service::WebhookError) -> Self {
        match e {
            crate::service::WebhookError::Address(d) => d.into(),
            crate::service::WebhookError::Store(s) => s.into(),
        }
    }
}

impl From<crate::scan::ScanError> for ApiError {
    fn from(e: crate::scan::ScanError) -> Self {
        use crate::scan::ScanError;
        let status = match e {
            ScanError::TooManyBytes { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ScanError::UnsupportedFormat { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let detail = e.to_string();
        let said = Self::new(status, e.code(), detail);
        match e {
            ScanError::TooManyBytes { size, limit } => {
                said.said("too-many-bytes", &[("size", &size), ("limit", &limit)])
            }
            ScanError::UnsupportedFormat { format } => {
                said.said("unsupported-format", &[("format", &format)])
            }
            ScanError::ImageTooLarge { width, height } => {
                said.said("image-too-large", &[("width", &width), ("height", &height)])
            }
            // The others always say the same words: their code's `.detail`.
            _ => said,
        }
    }
}

impl From<crate::service::ContactError> for ApiError {
    fn from(e: crate::service::ContactError) -> Self {
        use crate::service::ContactError as E;
        let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
        let detail = e.to_string();
        match e {
            E::Scan(s) => s.into(),
            E::Store(s) => s.into(),
            E::Busy => Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", detail),
            E::InvalidCard { reason, .. } => Self::new(unprocessable, "invalid_card", detail)
                .said("invalid-card", &[("reason", &reason.as_str())])
                .with_extra(ProblemExtra {
                    reason: Some(reason.as_str().to_owned()),
                    ..Default::default()
                }),
            E::CardExpired => Self::new(unprocessable, "card_expired", detail),
            E::CardRevoked => Self::new(unprocessable, "card_revoked", detail),
            E::OwnerInactive => Self::new(unprocessable, "owner_inactive", detail),
            E::SelfScan => Self::new(unprocessable, "self_scan", detail),
            E::RequesterInactive => Self::new(unprocessable, "requester_inactive", detail),
            E::CardAlreadyUsed => Self::new(StatusCode::CONFLICT, "card_already_used", detail),
            E::TooManyCodes { max } => Self::new(unprocessable, "too_many_codes", detail)
                .said("too-many-codes", &[("max", &max)]),
            E::WayPaused => Self::new(unprocessable, "contact_way_paused", detail),
            E::WayExpired => Self::new(unprocessable, "contact_way_expired", detail),
            E::WayDeleted => Self::new(unprocessable, "contact_way_deleted", detail),
            E::WayUsedUp => Self::new(StatusCode::CONFLICT, "contact_way_used", detail),
            E::NoOneAvailable => Self::new(unprocessable, "no_one_available", detail),
            E::PolicyBlocked {
                block,
                organization,
                why,
                ..
            } => Self {
                said: Some(Box::new(Said { field: None, why })),
                ..Self::new(StatusCode::FORBIDDEN, "policy_blocked", detail)
            }
            .with_extra(ProblemExtra {
                blocked_by: serde_json::to_value(block.blocked_by)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned)),
                policy_reason: serde_json::to_value(block.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned)),
                organization: Some(organization.into()),
                ..Default::default()
            }),
            E::NotFound(what) => Self::not_found(what),
            E::RateLimited { retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
                    .retry_after(u32::try_from(retry_after_secs).unwrap_or(u32::MAX))
                    .said("phone-lookups", &[])
            }
            E::NotYourDecision(who) => Self::forbidden(
                &detail,
                match who {
                    crate::service::contacts::Decider::Owner => "only-owner-decides",
                    crate::service::contacts::Decider::Requester => "only-requester-cancels",
                },
            ),
            E::AlreadyDecided(request) => {
                let status = request.status.as_str();
                Self::new(StatusCode::CONFLICT, "already_decided", detail)
                    .said("already-decided", &[("status", &status)])
                    .with_extra(ProblemExtra {
                        request: Some((*request).into()),
                        ..Default::default()
                    })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{Request, StatusCode, header};
    use tower::ServiceExt as _;

    #[tokio::test]
    async fn an_empty_408_from_any_layer_becomes_a_problem() {
        let app = axum::Router::new()
            .route(
                "/slow",
                axum::routing::get(|| async {
                    (StatusCode::REQUEST_TIMEOUT, [(header::RETRY_AFTER, "5")])
                }),
            )
            .layer(axum::middleware::from_fn(super::problems_only));

        let answer = app
            .oneshot(
                Request::get("/slow")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();

        assert_eq!(answer.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(
            answer.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(answer.headers()[header::RETRY_AFTER], "5");
        let body = axum::body::to_bytes(answer.into_body(), 4096)
            .await
            .unwrap();
        let problem: super::Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (problem.code.as_str(), problem.status),
            ("request_timeout", 408)
        );
    }
}
