//! External contacts: scan uploads, requests by phone, the inbox and outbox, decisions, the
//! external contacts list, and organizations' webhooks.

use super::extract::{Auth, Json, Path, Query};
use super::views::{ContactView, PartyView, RequestView};
use super::{ApiError, AppState, locale, page};
use crate::domain::{
    ContactId, ContactWayId, Decision, Mobile, OrgId, Party, RequestId, RequestStatus, WebhookUrl,
};
use crate::scan::ScanError;
use crate::service::contacts::{CardScan, Outcome, Requester, ScanInput, Scanned, Would};
use crate::store::{Direction, Webhook};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The contact routes. Uploads get their own body limit (a 12 MP photo is several MB; multipart
/// framing adds a little). Their bodies are read only after the caller is known to be a member and
/// admitted ([`super::uploads::Uploads::admit`]): a bounded number at once, so memory stays
/// bounded, and at most two per member, so one member's slow uploads cannot hold every slot.
pub(super) fn router(max_upload_bytes: usize) -> OpenApiRouter<AppState> {
    let limit = max_upload_bytes + 64 * 1024;
    let uploads = OpenApiRouter::new()
        .routes(routes!(scan))
        .routes(routes!(preview_scan))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| refuse_announced_oversize(limit, req, next),
        ));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(request_by_phone, list_requests))
        .routes(routes!(accept_request))
        .routes(routes!(reject_request))
        .routes(routes!(cancel_request))
        .routes(routes!(list_contacts))
        .routes(routes!(remove_contact))
        .routes(routes!(set_webhook, get_webhook, delete_webhook))
}

/// Answers 413 at once when `Content-Length` announces more than `limit`, instead of reading a
/// body that will be refused anyway (or waiting for one a client never sends).
async fn refuse_announced_oversize(limit: usize, req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body may be at most {limit} bytes"),
        )
        .said("body-at-most", &[("limit", &limit)])
        .into_response();
    }
    next.run(req).await
}

/// What a scan or phone request did.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ScanAnswer {
    /// What the scan did.
    pub outcome: ScanOutcome,
    /// For a preview: the outcome sending the card would have (`request_created`,
    /// `already_pending` or `already_connected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub would: Option<ScanOutcome>,
    /// The card's QR text (send it as `{"text"}` to act on a preview).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Who answers the card, as the directory knows them: its owner, or the successor of an
    /// owner who left (then `routed_from` is set).
    pub owner: PartyView,
    /// The card's owner, who left the organization: the request goes to `owner` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routed_from: Option<PartyView>,
    /// A team code's contact way, whose routing chose `owner` to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_way: Option<WayRefView>,
    /// A sentence for the scanner when the request was routed: "X has left Acme; your request
    /// goes to Y."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// The request, for `request_created` and `already_pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestView>,
    /// The relation, for `already_connected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactView>,
    /// Every code of the scan, one per card for a photo of several (issuer's cards first),
    /// each with its corners and its own answer or problem; the fields above repeat the first
    /// card that went through. One entry for a text; absent inside an entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<CardAnswer>,
}

/// One code of a scan and what scanning it did: an answer, or a problem with its own `code`.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CardAnswer {
    /// The code's text.
    pub text: String,
    /// Where the code lies in the upright photo: four `[x, y]` points in pixels, clockwise from
    /// the one nearest the photo's top-left. Absent for a text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corners: Option<[[f32; 2]; 4]>,
    /// The HTTP status this card alone would have been answered with.
    pub status: u16,
    /// What scanning this card did, when it went through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub answer: Option<Box<ScanAnswer>>,
    /// Why this card did not go through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::http::Problem>,
}

/// A team code's contact way, as the scanner sees it.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WayRefView {
    pub id: i64,
    /// The team's display name.
    pub name: String,
}

/// What a scan or phone request did, or for a preview (`would`) what it would do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ScanOutcome {
    /// A new pending request (201).
    RequestCreated,
    /// The requester's earlier request to this owner is still pending.
    AlreadyPending,
    /// The two are already external contacts.
    AlreadyConnected,
    /// The owner is a colleague: no external request.
    SameOrganization,
    /// Nothing was written; `would` says what sending the card would do.
    Preview,
}

impl From<&Outcome> for ScanOutcome {
    fn from(outcome: &Outcome) -> Self {
        match outcome {
            Outcome::RequestCreated(_) => Self::RequestCreated,
            Outcome::AlreadyPending(_) => Self::AlreadyPending,
            Outcome::AlreadyConnected(_) => Self::AlreadyConnected,
            Outcome::SameOrganization => Self::SameOrganization,
            Outcome::Preview { .. } => Self::Preview,
        }
    }
}

impl From<Would> for ScanOutcome {
    fn from(would: Would) -> Self {
        match would {
            Would::RequestCreated => Self::RequestCreated,
            Would::AlreadyPending => Self::AlreadyPending,
            Would::AlreadyConnected => Self::AlreadyConnected,
        }
    }
}

fn answer(
    text: Option<String>,
    owner: Party,
    routed_from: Option<Party>,
    way: Option<(ContactWayId, String)>,
    outcome: Outcome,
) -> (StatusCode, Json<ScanAnswer>) {
    let (status, a) = card_answer(text, owner, routed_from, way, outcome);
    (status, Json(a))
}

fn card_answer(
    text: Option<String>,
    owner: Party,
    routed_from: Option<Party>,
    way: Option<(ContactWayId, String)>,
    outcome: Outcome,
) -> (StatusCode, ScanAnswer) {
    let notice = match (&routed_from, &way) {
        (Some(left), _) => Some(locale::say(
            "notice-routed",
            &[
                ("left", &left.name),
                ("org", &left.organization.name),
                ("owner", &owner.name),
            ],
        )),
        (None, Some((_, team))) => Some(locale::say(
            "notice-team",
            &[
                ("owner", &owner.name),
                ("org", &owner.organization.name),
                ("team", team),
            ],
        )),
        (None, None) => None,
    };
    let mut a = ScanAnswer {
        outcome: ScanOutcome::from(&outcome),
        would: None,
        text,
        owner: owner.into(),
        routed_from: routed_from.map(PartyView::from),
        contact_way: way.map(|(id, name)| WayRefView { id: id.get(), name }),
        notice,
        request: None,
        contact: None,
        cards: Vec::new(),
    };
    let status = match outcome {
        Outcome::RequestCreated(r) => {
            a.request = Some(r.into());
            StatusCode::CREATED
        }
        Outcome::AlreadyPending(r) => {
            a.request = Some(r.into());
            StatusCode::OK
        }
        Outcome::AlreadyConnected(c) => {
            a.contact = Some(c.into());
            StatusCode::OK
        }
        Outcome::Preview { would } => {
            a.would = Some(would.into());
            StatusCode::OK
        }
        Outcome::SameOrganization => StatusCode::OK,
    };
    (status, a)
}

/// The answer to a scan of one or several codes: the first card that went through at the top
/// level with every card in `cards`; when none did, the first card's problem, and with several
/// codes every card's problem in its `cards`.
fn scan_answer(scans: Vec<CardScan>) -> Result<(StatusCode, Json<ScanAnswer>), ApiError> {
    let scanned_answer =
        |s: Scanned| card_answer(Some(s.text), s.owner, s.routed_from, s.way, s.outcome);
    let first_through = scans
        .iter()
        .find_map(|scan| scan.result.as_ref().ok().cloned());
    let results: Vec<_> = scans
        .into_iter()
        .map(|scan| {
            let corners = scan.corners.map(|c| c.map(|(x, y)| [x, y]));
            let result = scan.result.map(scanned_answer).map_err(ApiError::from);
            (scan.text, corners, result)
        })
        .collect();
    let Some(first) = first_through else {
        let several = results.len() > 1;
        let mut cards = results.into_iter();
        let Some((text, corners, Err(first_error))) = cards.next() else {
            return Err(ScanError::NoQrFound.into());
        };
        if !several {
            return Err(first_error);
        }
        // The first card's problem is the document itself; its entry says where it is.
        let first = CardAnswer {
            text,
            corners,
            status: first_error.status().as_u16(),
            answer: None,
            problem: None,
        };
        let every = std::iter::once(first).chain(cards.map(card_of)).collect();
        return Err(first_error.with_cards(every));
    };
    let (status, mut top) = scanned_answer(first);
    top.cards = results.into_iter().map(card_of).collect();
    Ok((status, Json(top)))
}

/// A code of a scan: its text, where it lies, and what scanning it did.
type ScannedCode = (
    String,
    Option<[[f32; 2]; 4]>,
    Result<(StatusCode, ScanAnswer), ApiError>,
);

/// One card of a scan's `cards`: its answer, or its problem.
fn card_of((text, corners, result): ScannedCode) -> CardAnswer {
    match result {
        Ok((status, answer)) => CardAnswer {
            text,
            corners,
            status: status.as_u16(),
            answer: Some(Box::new(answer)),
            problem: None,
        },
        Err(e) => {
            let problem = crate::http::Problem::from(e);
            CardAnswer {
                text,
                corners,
                status: problem.status,
                answer: None,
                problem: Some(problem),
            }
        }
    }
}

/// A scan: a photo (multipart field `photo`, or a raw `image/*` body) or `{"text": payload}`.
pub struct ScanBody(ScanPayload);

enum ScanPayload {
    Photo(Bytes),
    Text(String),
}

/// A card payload, as JSON.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanText {
    /// The card's QR text.
    pub text: String,
}

impl<S: Send + Sync> FromRequest<S> for ScanBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let mut form = Multipart::from_request(req, state).await.map_err(|r| {
                let error = r.body_text();
                ApiError::new(r.status(), "bad_request", &error).said("body", &[("error", &error)])
            })?;
            while let Some(field) = form.next_field().await.map_err(multipart_error)? {
                if field.name() == Some("photo") {
                    return Ok(Self(ScanPayload::Photo(
                        field.bytes().await.map_err(multipart_error)?,
                    )));
                }
            }
            Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "the form has no `photo` file field",
            )
            .said("no-photo-field", &[]))
        } else if content_type.starts_with("image/")
            || content_type.starts_with("application/octet-stream")
        {
            let bytes = Bytes::from_request(req, state).await?;
            Ok(Self(ScanPayload::Photo(bytes)))
        } else {
            let Json(body) = Json::<ScanText>::from_request(req, state).await?;
            Ok(Self(ScanPayload::Text(body.text)))
        }
    }
}

/// Reads a scan upload's body as `POST /v1/scans` does, with no service behind it: for
/// [`crate::fuzzing::scan_upload`]. Whether it was accepted.
#[doc(hidden)]
pub async fn read_scan_upload(content_type: &str, body: Vec<u8>) -> bool {
    let Ok(req) = Request::builder()
        .method("POST")
        .uri("/v1/scans")
        .header(header::CONTENT_TYPE, content_type)
        .body(axum::body::Body::from(body))
    else {
        return false;
    };
    ScanBody::from_request(req, &()).await.is_ok()
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let status = e.status();
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "body_too_large"
    } else {
        "bad_request"
    };
    let error = e.body_text();
    ApiError::new(status, code, &error).said("body", &[("error", &error)])
}

/// Admits the upload, then reads its body and scans it: the body is not read before the caller
/// is known to be a member and has a place.
async fn run_scan(
    state: &AppState,
    auth: &Auth,
    req: Request,
    preview: bool,
) -> Result<(StatusCode, Json<ScanAnswer>), ApiError> {
    let (org_id, member_id) = auth.member()?;
    let _admitted = state
        .uploads
        .admit(org_id, member_id)
        .await
        .ok_or_else(busy)?;
    // A body that trickles in would hold its places until the request timed out.
    let limit = state.uploads.body_timeout;
    let body = tokio::time::timeout(limit, ScanBody::from_request(req, state))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_too_slow",
                format!("the upload's body did not arrive within {limit:?}"),
            )
            .said("body-too-slow", &[("secs", &limit.as_secs())])
        })??;
    let actor = auth.0.actor();
    let who = Requester {
        org_id,
        member_id,
        actor: &actor,
    };
    let input = match &body.0 {
        ScanPayload::Photo(bytes) => ScanInput::Photo(bytes.clone()),
        ScanPayload::Text(text) => ScanInput::Text(text),
    };
    let scans = state.services.contacts.scan(who, input, preview).await?;
    scan_answer(scans)
}

/// 503 `busy`: no upload place freed up in time.
fn busy() -> ApiError {
    ApiError::from(crate::service::ContactError::Busy)
}

/// Scans a card (photo or payload) and asks its owner to become an external contact.
///
/// Verifies the card offline and online, checks both organizations' policies, and creates one
/// pending request (scanning again, or concurrently, answers the same request). A photo of
/// several cards scans each: `cards` lists every code with its corners and its own answer or
/// problem, and the top level is the first card that went through (or, when none did, the first
/// card's problem).
#[utoipa::path(post, path = "/v1/scans", tag = "contacts",
    request_body(content(
        (ScanText = "application/json"),
        (Vec<u8> = "multipart/form-data"),
        (Vec<u8> = "image/jpeg"),
    )),
    responses(
        (status = 201, description = "request_created", body = ScanAnswer),
        (status = 200, description = "already_pending, already_connected or same_organization", body = ScanAnswer),
        (status = 403, description = "policy_blocked", body = crate::http::Problem),
        (status = 409, description = "card_already_used, contact_way_used", body = crate::http::Problem),
        (status = 422, description = "invalid_card, card_expired, card_revoked, self_scan, owner_inactive, contact_way_paused, contact_way_expired, contact_way_deleted, no_one_available, no_qr_found, image errors", body = crate::http::Problem),
    ),
    security(("bearer" = [])))]
async fn scan(
    State(state): State<AppState>,
    auth: Auth,
    req: Request,
) -> Result<(StatusCode, Json<ScanAnswer>), ApiError> {
    run_scan(&state, &auth, req, false).await
}

/// Like `POST /v1/scans` but writes nothing: shows the verified owner and what sending would do.
#[utoipa::path(post, path = "/v1/scans/preview", tag = "contacts",
    request_body(content(
        (ScanText = "application/json"),
        (Vec<u8> = "multipart/form-data"),
    )),
    responses((status = 200, body = ScanAnswer), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn preview_scan(
    State(state): State<AppState>,
    auth: Auth,
    req: Request,
) -> Result<(StatusCode, Json<ScanAnswer>), ApiError> {
    run_scan(&state, &auth, req, true).await
}

/// A request by phone number.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneRequest {
    /// An E.164 number, e.g. `+4915112345678`.
    pub phone: String,
}

/// Asks the member with this mobile number to become an external contact. Unknown and
/// undiscoverable numbers answer the same `not_found`; lookups are rate-limited per member.
#[utoipa::path(post, path = "/v1/contact-requests", tag = "contacts", request_body = PhoneRequest,
    responses((status = 201, body = ScanAnswer), (status = 200, body = ScanAnswer),
        (status = 404, body = crate::http::Problem), (status = 429, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn request_by_phone(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<PhoneRequest>,
) -> Result<(StatusCode, Json<ScanAnswer>), ApiError> {
    let (org_id, member_id) = auth.member()?;
    let mobile = Mobile::parse(&body.phone)?;
    let actor = auth.0.actor();
    let who = Requester {
        org_id,
        member_id,
        actor: &actor,
    };
    let (owner, outcome) = state
        .services
        .contacts
        .request_by_phone(who, &mobile)
        .await?;
    Ok(answer(None, owner, None, None, outcome))
}

/// Which requests to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RequestFilter {
    /// `incoming` (default: requests to me) or `outgoing` (requests I made).
    #[serde(default)]
    pub direction: Option<String>,
    /// `pending`, `accepted`, `rejected`, `cancelled` or `expired`.
    #[serde(default)]
    pub status: Option<String>,
    /// The `next_after` of the previous page.
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of requests, newest first.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RequestPage {
    pub items: Vec<RequestView>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// My incoming (default) or outgoing requests, newest first.
#[utoipa::path(get, path = "/v1/contact-requests", tag = "contacts", params(RequestFilter),
    responses((status = 200, body = RequestPage)), security(("bearer" = [])))]
async fn list_requests(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<RequestFilter>,
) -> Result<Json<RequestPage>, ApiError> {
    let (_, member_id) = auth.member()?;
    let bad = |field: &'static str, values: &'static str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("{field}: {values}"),
        )
        .said("one-of", &[("field", &field), ("values", &values)])
    };
    let direction = match filter.direction.as_deref() {
        None | Some("incoming") => Direction::Incoming,
        Some("outgoing") => Direction::Outgoing,
        Some(_) => return Err(bad("direction", "incoming, outgoing")),
    };
    let status = match filter.status.as_deref() {
        None => None,
        Some(s) => Some(
            RequestStatus::parse(s)
                .ok_or_else(|| bad("status", "pending, accepted, rejected, cancelled, expired"))?,
        ),
    };
    let limit = page::limit(filter.limit, 50, 200)?;
    let before = filter.after.filter(|&a| a > 0).map(RequestId::new);
    let items = state
        .services
        .contacts
        .requests(member_id, direction, status, before, limit)
        .await?;
    let next_after = page::next(&items, limit, |r| r.id.get());
    let items = items.into_iter().map(RequestView::from).collect();
    Ok(Json(RequestPage { items, next_after }))
}

async fn decide(
    state: &AppState,
    auth: &Auth,
    id: RequestId,
    decision: Decision,
) -> Result<Json<RequestView>, ApiError> {
    let (_, member_id) = auth.member()?;
    let actor = auth.0.actor();
    let contacts = &state.services.contacts;
    let decided = contacts.decide(member_id, id, decision, &actor).await?;
    Ok(Json(decided.into()))
}

/// Accepts a request to me: we become external contacts.
#[utoipa::path(post, path = "/v1/contact-requests/{id}/accept", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 409, description = "already_decided", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn accept_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<RequestId>,
) -> Result<Json<RequestView>, ApiError> {
    decide(&state, &auth, id, Decision::Accept).await
}

/// Rejects a request to me.
#[utoipa::path(post, path = "/v1/contact-requests/{id}/reject", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 409, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn reject_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<RequestId>,
) -> Result<Json<RequestView>, ApiError> {
    decide(&state, &auth, id, Decision::Reject).await
}

/// Cancels a request I made.
#[utoipa::path(post, path = "/v1/contact-requests/{id}/cancel", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 409, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn cancel_request(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<RequestId>,
) -> Result<Json<RequestView>, ApiError> {
    decide(&state, &auth, id, Decision::Cancel).await
}

/// Which of my external contacts to list, and paging.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ContactFilter {
    /// Only those made this way: `card`, `team_code`, `link`, `phone` or `transfer`.
    #[serde(default)]
    pub source: Option<String>,
    /// Only those made with this channel tag.
    #[serde(default)]
    pub channel: Option<String>,
    /// Only those I tagged with this tag.
    #[serde(default)]
    pub tag: Option<i64>,
    /// Only those of this organization.
    #[serde(default)]
    pub org: Option<i64>,
    /// Only those whose name or my remark contains this text (as the directory matches names).
    #[serde(default)]
    pub q: Option<String>,
    /// The `next_after` of the previous page.
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of external contacts, newest first.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ContactPage {
    pub items: Vec<ContactView>,
    pub next_after: Option<i64>,
}

/// My external contacts (separate from the internal directory).
#[utoipa::path(get, path = "/v1/contacts", tag = "contacts", params(ContactFilter),
    responses((status = 200, body = ContactPage)), security(("bearer" = [])))]
async fn list_contacts(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<ContactFilter>,
) -> Result<Json<ContactPage>, ApiError> {
    let (_, member_id) = auth.member()?;
    let limit = page::limit(filter.limit, 50, 200)?;
    let before = filter.after.filter(|&a| a > 0).map(ContactId::new);
    let query = super::book::ExportFilter {
        source: filter.source,
        channel: filter.channel,
        tag: filter.tag,
        org: filter.org,
        q: filter.q,
    }
    .query()?;
    let items = state
        .services
        .book
        .contacts(member_id, &query, before, limit)
        .await?;
    let next_after = page::next(&items, limit, |c| c.id.get());
    let items = items.into_iter().map(ContactView::from).collect();
    Ok(Json(ContactPage { items, next_after }))
}

/// Removes an external contact (for both sides).
#[utoipa::path(delete, path = "/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::http::Problem)), security(("bearer" = [])))]
async fn remove_contact(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactId>,
) -> Result<StatusCode, ApiError> {
    let (_, member_id) = auth.member()?;
    let actor = auth.0.actor();
    state
        .services
        .contacts
        .remove(member_id, id, &actor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where an organization's contact events are delivered.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// An `https://` (or `http://`) URL.
    pub url: String,
}

/// An organization's webhook. The secret is shown only when it is set.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub url: String,
    /// HMAC-SHA256 key for the `Namecard-Signature` header; only in the answer to `PUT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: i64,
}

impl std::fmt::Debug for WebhookView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookView")
            .field("url", &self.url)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// Sets the organization's webhook (a new secret each time) for contact events.
#[utoipa::path(put, path = "/v1/orgs/{org}/webhook", tag = "contacts", params(("org" = i64, Path)),
    request_body = WebhookBody, responses((status = 200, body = WebhookView)), security(("bearer" = [])))]
async fn set_webhook(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<WebhookBody>,
) -> Result<Json<WebhookView>, ApiError> {
    let who = auth.admin_of(org)?;
    let url = WebhookUrl::parse(&body.url)?;
    let hook = state.services.webhooks.set(&who, org, &url).await?;
    Ok(Json(WebhookView::shown(hook)))
}

impl WebhookView {
    /// The view with its secret, only in the answer that set it.
    fn shown(hook: Webhook) -> Self {
        Self {
            url: hook.url,
            secret: Some(hook.secret),
            created_at: hook.created_at,
        }
    }

    /// The view without its secret.
    fn hidden(hook: Webhook) -> Self {
        Self {
            secret: None,
            ..Self::shown(hook)
        }
    }
}

/// The organization's webhook (without its secret).
#[utoipa::path(get, path = "/v1/orgs/{org}/webhook", tag = "contacts", params(("org" = i64, Path)),
    responses((status = 200, body = WebhookView)), security(("bearer" = [])))]
async fn get_webhook(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<WebhookView>, ApiError> {
    auth.admin_of(org)?;
    let hook = state.services.webhooks.get(org).await?;
    Ok(Json(WebhookView::hidden(hook)))
}

/// Removes the organization's webhook; undelivered events are given up.
#[utoipa::path(delete, path = "/v1/orgs/{org}/webhook", tag = "contacts", params(("org" = i64, Path)),
    responses((status = 204)), security(("bearer" = [])))]
async fn delete_webhook(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state.services.webhooks.delete(&who, org).await?;
    Ok(StatusCode::NO_CONTENT)
}
