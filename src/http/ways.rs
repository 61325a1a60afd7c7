//! Contact ways (team codes): an organization's admin manages its ways, a member their own
//! (which they alone answer); each way's QR is its signed team card.

use super::cards::{Binary, private};
use super::extract::{Auth, Json, Path, Query};
use super::views::{ChannelStatsView, ContactWayView, WayDaysView, WayLinkView, WayStatsView};
use super::{ApiError, AppState, page};
use crate::domain::{
    AnsweredBy, Answerers, Channel, ContactWay, ContactWayId, DepartmentId, MemberId,
    NewContactWay, OrgId, Principal, Sharing, WayName, WayPatch, WelcomeMessage,
};
use crate::service::{CardFormat, WayError, WaysOf};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_ways, create_way))
        .routes(routes!(get_way, update_way, delete_way))
        .routes(routes!(way_qr_png))
        .routes(routes!(way_qr_svg))
        .routes(routes!(way_poster))
        .routes(routes!(way_link))
        .routes(routes!(way_stats))
        .routes(routes!(way_days))
        .routes(routes!(channel_stats))
        .routes(routes!(list_my_ways, create_my_way))
        .routes(routes!(get_my_way, update_my_way, delete_my_way))
        .routes(routes!(my_way_qr_png))
        .routes(routes!(my_way_qr_svg))
        .routes(routes!(my_way_poster))
        .routes(routes!(my_way_link))
}

/// A contact way to create.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WayInput {
    /// The team's display name, shown by its code: 1 to 64 characters, e.g. "Sales team".
    pub name: String,
    /// A channel tag (like WeCom's `state`), 1 to 30 characters of `A-Z a-z 0-9 . _ -`.
    #[serde(default)]
    pub channel: Option<String>,
    /// The members who answer it, 1 to 100, in the round robin's order. An organization's way
    /// takes this or `department_id`; a member's own way, which they alone answer, neither.
    #[serde(default)]
    pub members: Option<Vec<i64>>,
    /// The department that answers it instead of a list: at each scan, the active members of
    /// the department and of all its sub-departments, in member-id order.
    #[serde(default)]
    pub department_id: Option<i64>,
    /// `round_robin` (the default) or `fewest_pending`.
    #[serde(default)]
    pub sharing: Option<Sharing>,
    /// Accept requests at once instead of letting the routed member decide (default false).
    #[serde(default)]
    pub auto_accept: bool,
    /// When the way stops taking scans, Unix seconds.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The way makes one request only (default false).
    #[serde(default)]
    pub one_time: bool,
    /// Sent to the requester when accepted, up to 500 characters; `{requester}` and `{member}`
    /// are replaced by the two names.
    #[serde(default)]
    pub welcome: Option<String>,
    /// Created paused (default false: live).
    #[serde(default)]
    pub paused: bool,
}

/// Changes to a way; absent fields stay, `null` clears `channel`, `expires_at` or `welcome`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WayPatchInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub channel: Option<Option<String>>,
    /// Replaces what answers the way by these members (not on a member's own way); a way
    /// answered by a department is then answered by them instead.
    #[serde(default)]
    pub members: Option<Vec<i64>>,
    /// Replaces what answers the way by this department and everything under it (not on a
    /// member's own way); the way's own member list is dropped.
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default)]
    pub sharing: Option<Sharing>,
    #[serde(default)]
    pub auto_accept: Option<bool>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<i64>)]
    pub expires_at: Option<Option<i64>>,
    #[serde(default)]
    pub one_time: Option<bool>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub welcome: Option<Option<String>>,
    /// Pauses (`true`) or resumes (`false`) the way.
    #[serde(default)]
    pub paused: Option<bool>,
}

/// A page of ways, newest first.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WayPage {
    pub items: Vec<ContactWayView>,
    pub next_after: Option<i64>,
}

/// A page.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WayFilter {
    /// The `next_after` of the previous page.
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A member's own way may not name other members.
fn own_way_members() -> ApiError {
    WayError::OwnWayMembers.into()
}

/// A way is answered by a list of members or by a department, not both.
fn members_and_department() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "members_and_department",
        "members, department_id: a contact way is answered by members or by a department, not both",
    )
    .said("members-or-department", &[])
}

/// What answers a way, from the body's `members` and `department_id` (`None`: neither given).
fn answered_by(
    members: Option<Vec<i64>>,
    department: Option<i64>,
) -> Result<Option<AnsweredBy>, ApiError> {
    match (members, department) {
        (Some(_), Some(_)) => Err(members_and_department()),
        (Some(ids), None) => Ok(Some(AnsweredBy::Members(answerers(ids)?))),
        (None, Some(d)) => Ok(Some(AnsweredBy::Department(DepartmentId::new(d)))),
        (None, None) => Ok(None),
    }
}

impl From<WayError> for ApiError {
    fn from(e: WayError) -> Self {
        match e {
            WayError::OwnWayMembers => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                e.to_string(),
            ),
            WayError::Store(s) => s.into(),
        }
    }
}

fn answerers(ids: Vec<i64>) -> Result<Answerers, ApiError> {
    Ok(Answerers::parse(
        ids.into_iter().map(MemberId::new).collect(),
    )?)
}

fn optional<T, E>(raw: Option<&str>, parse: impl Fn(&str) -> Result<T, E>) -> Result<Option<T>, E> {
    raw.map(parse).transpose()
}

impl WayInput {
    fn parse(self, org_id: OrgId, owner: Option<MemberId>) -> Result<NewContactWay, ApiError> {
        let answered_by = match (owner, answered_by(self.members, self.department_id)?) {
            (Some(_), Some(_)) => return Err(own_way_members()),
            (Some(me), None) => AnsweredBy::Members(Answerers::parse(vec![me])?),
            (None, Some(by)) => by,
            // Neither: the list's own refusal (a way needs an answering member).
            (None, None) => AnsweredBy::Members(answerers(Vec::new())?),
        };
        Ok(NewContactWay {
            org_id,
            name: WayName::parse(&self.name)?,
            channel: optional(self.channel.as_deref(), Channel::parse)?,
            answered_by,
            sharing: self.sharing.unwrap_or(Sharing::RoundRobin),
            auto_accept: self.auto_accept,
            expires_at: self.expires_at,
            one_time: self.one_time,
            welcome: optional(self.welcome.as_deref(), WelcomeMessage::parse)?,
            paused: self.paused,
            owner,
        })
    }
}

impl WayPatchInput {
    fn parse(self, own: bool) -> Result<WayPatch, ApiError> {
        let answered_by = answered_by(self.members, self.department_id)?;
        if own && answered_by.is_some() {
            return Err(own_way_members());
        }
        Ok(WayPatch {
            name: optional(self.name.as_deref(), WayName::parse)?,
            channel: self
                .channel
                .map(|c| optional(c.as_deref(), Channel::parse))
                .transpose()?,
            answered_by,
            sharing: self.sharing,
            auto_accept: self.auto_accept,
            expires_at: self.expires_at,
            one_time: self.one_time,
            welcome: self
                .welcome
                .map(|w| optional(w.as_deref(), WelcomeMessage::parse))
                .transpose()?,
            paused: self.paused,
        })
    }
}

fn view(state: &AppState, way: ContactWay) -> ContactWayView {
    ContactWayView::at(way, state.services.clock.now())
}

async fn list(
    state: &AppState,
    org: OrgId,
    of: WaysOf,
    filter: WayFilter,
) -> Result<Json<WayPage>, ApiError> {
    let limit = page::limit(filter.limit, 50, 200)?;
    let before = filter.after.filter(|&a| a > 0).map(ContactWayId::new);
    let ways = state.services.ways.list(org, of, before, limit).await?;
    let next_after = page::next(&ways, limit, |w| w.id.get());
    let items = ways.into_iter().map(|w| view(state, w)).collect();
    Ok(Json(WayPage { items, next_after }))
}

async fn create(
    state: &AppState,
    who: &Principal,
    new: NewContactWay,
) -> Result<(StatusCode, Json<ContactWayView>), ApiError> {
    let way = state.services.ways.create(who, &new).await?;
    Ok((StatusCode::CREATED, Json(view(state, way))))
}

async fn qr(
    state: &AppState,
    org: OrgId,
    of: WaysOf,
    id: ContactWayId,
    format: CardFormat,
) -> Result<Response, ApiError> {
    let rendered = state.services.ways.qr(org, of, id, format).await?;
    Ok(private(rendered))
}

/// The organization's contact ways (its admin), members' own included.
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways", tag = "contact-ways",
    params(("org" = i64, Path), WayFilter), responses((status = 200, body = WayPage)),
    security(("bearer" = [])))]
async fn list_ways(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Query(filter): Query<WayFilter>,
) -> Result<Json<WayPage>, ApiError> {
    auth.admin_of(org)?;
    list(&state, org, WaysOf::Org, filter).await
}

/// Creates a contact way answered by some of the organization's members, or by a department and
/// everything under it (its admin). The organization's audit log and webhook get
/// `contact_way.created`.
#[utoipa::path(post, path = "/v1/orgs/{org}/contact-ways", tag = "contact-ways",
    params(("org" = i64, Path)), request_body = WayInput,
    responses((status = 201, body = ContactWayView),
        (status = 400, description = "members_and_department: both given", body = crate::http::Problem),
        (status = 404, description = "a member or the department outside the organization", body = crate::http::Problem),
        (status = 422, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn create_way(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<WayInput>,
) -> Result<(StatusCode, Json<ContactWayView>), ApiError> {
    let who = auth.admin_of(org)?;
    create(&state, &who, body.parse(org, None)?).await
}

/// One contact way (its organization's admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways/{id}", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = ContactWayView), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn get_way(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
) -> Result<Json<ContactWayView>, ApiError> {
    auth.admin_of(org)?;
    let way = state.services.ways.get(org, WaysOf::Org, id).await?;
    Ok(Json(view(&state, way)))
}

/// Changes a contact way: its members or department, sharing, approval, expiry, welcome, pause
/// (its organization's admin). `contact_way.updated` in the audit log and webhook.
#[utoipa::path(patch, path = "/v1/orgs/{org}/contact-ways/{id}", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path)), request_body = WayPatchInput,
    responses((status = 200, body = ContactWayView),
        (status = 400, description = "members_and_department: both given", body = crate::http::Problem),
        (status = 404, description = "the way, a member or the department", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn update_way(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
    Json(body): Json<WayPatchInput>,
) -> Result<Json<ContactWayView>, ApiError> {
    let who = auth.admin_of(org)?;
    let patch = body.parse(false)?;
    let way = state
        .services
        .ways
        .update(&who, org, WaysOf::Org, id, &patch)
        .await?;
    Ok(Json(view(&state, way)))
}

/// Deletes a contact way; its code answers `contact_way_deleted` from then on (its
/// organization's admin). `contact_way.deleted` in the audit log and webhook.
#[utoipa::path(delete, path = "/v1/orgs/{org}/contact-ways/{id}", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn delete_way(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state
        .services
        .ways
        .delete(&who, org, WaysOf::Org, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The way's QR code as PNG: its team card, signed like a member's (its organization's admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways/{id}/qr.png", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, description = "a PNG image", content((inline(Binary) = "image/png"))),
        (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn way_qr_png(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
) -> Result<Response, ApiError> {
    auth.admin_of(org)?;
    qr(&state, org, WaysOf::Org, id, CardFormat::Png).await
}

/// The way's QR code as SVG (its organization's admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways/{id}/qr.svg", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, description = "an SVG image", content((String = "image/svg+xml"))),
        (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn way_qr_svg(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
) -> Result<Response, ApiError> {
    auth.admin_of(org)?;
    qr(&state, org, WaysOf::Org, id, CardFormat::Svg).await
}

/// My own contact ways, which I answer.
#[utoipa::path(get, path = "/v1/me/contact-ways", tag = "contact-ways", params(WayFilter),
    responses((status = 200, body = WayPage)), security(("bearer" = [])))]
async fn list_my_ways(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<WayFilter>,
) -> Result<Json<WayPage>, ApiError> {
    let (org, me) = auth.member()?;
    list(&state, org, WaysOf::Member(me), filter).await
}

/// Creates a contact way of my own, answered by me (neither `members` nor `department_id` is
/// taken).
#[utoipa::path(post, path = "/v1/me/contact-ways", tag = "contact-ways", request_body = WayInput,
    responses((status = 201, body = ContactWayView), (status = 422, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn create_my_way(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<WayInput>,
) -> Result<(StatusCode, Json<ContactWayView>), ApiError> {
    let (org, me) = auth.member()?;
    create(&state, &auth.0, body.parse(org, Some(me))?).await
}

/// One of my contact ways.
#[utoipa::path(get, path = "/v1/me/contact-ways/{id}", tag = "contact-ways",
    params(("id" = i64, Path)),
    responses((status = 200, body = ContactWayView), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn get_my_way(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactWayId>,
) -> Result<Json<ContactWayView>, ApiError> {
    let (org, me) = auth.member()?;
    let way = state.services.ways.get(org, WaysOf::Member(me), id).await?;
    Ok(Json(view(&state, way)))
}

/// Changes one of my contact ways (neither `members` nor `department_id` is taken).
#[utoipa::path(patch, path = "/v1/me/contact-ways/{id}", tag = "contact-ways",
    params(("id" = i64, Path)), request_body = WayPatchInput,
    responses((status = 200, body = ContactWayView), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn update_my_way(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactWayId>,
    Json(body): Json<WayPatchInput>,
) -> Result<Json<ContactWayView>, ApiError> {
    let (org, me) = auth.member()?;
    let patch = body.parse(true)?;
    let way = state
        .services
        .ways
        .update(&auth.0, org, WaysOf::Member(me), id, &patch)
        .await?;
    Ok(Json(view(&state, way)))
}

/// Deletes one of my contact ways.
#[utoipa::path(delete, path = "/v1/me/contact-ways/{id}", tag = "contact-ways",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn delete_my_way(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactWayId>,
) -> Result<StatusCode, ApiError> {
    let (org, me) = auth.member()?;
    state
        .services
        .ways
        .delete(&auth.0, org, WaysOf::Member(me), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The QR code of one of my contact ways, as PNG.
#[utoipa::path(get, path = "/v1/me/contact-ways/{id}/qr.png", tag = "contact-ways",
    params(("id" = i64, Path)),
    responses((status = 200, description = "a PNG image", content((inline(Binary) = "image/png"))),
        (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn my_way_qr_png(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactWayId>,
) -> Result<Response, ApiError> {
    let (org, me) = auth.member()?;
    qr(&state, org, WaysOf::Member(me), id, CardFormat::Png).await
}

/// The QR code of one of my contact ways, as SVG.
#[utoipa::path(get, path = "/v1/me/contact-ways/{id}/qr.svg", tag = "contact-ways",
    params(("id" = i64, Path)),
    responses((status = 200, description = "an SVG image", content((String = "image/svg+xml"))),
        (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn my_way_qr_svg(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactWayId>,
) -> Result<Response, ApiError> {
    let (org, me) = auth.member()?;
    qr(&state, org, WaysOf::Member(me), id, CardFormat::Svg).await
}

/// A printable poster of the way (PNG): its QR code with the way's and the organization's names
/// (its organization's admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways/{id}/poster.png", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, description = "a PNG image", content((inline(Binary) = "image/png"))),
        (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn way_poster(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
) -> Result<Response, ApiError> {
    auth.admin_of(org)?;
    qr(&state, org, WaysOf::Org, id, CardFormat::Printable).await
}

/// A printable poster of one of my contact ways (PNG).
#[utoipa::path(get, path = "/v1/me/contact-ways/{id}/poster.png", tag = "contact-ways",
    params(("id" = i64, Path)),
    responses((status = 200, description = "a PNG image", content((inline(Binary) = "image/png"))),
        (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn my_way_poster(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactWayId>,
) -> Result<Response, ApiError> {
    let (org, me) = auth.member()?;
    qr(&state, org, WaysOf::Member(me), id, CardFormat::Printable).await
}

/// The way's code as text: what its QR holds, and the plain link that opens it in a browser
/// (its organization's admin). The same signed text as the QR, issued or renewed the same way.
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways/{id}/link", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, body = WayLinkView), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn way_link(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
) -> Result<Json<WayLinkView>, ApiError> {
    auth.admin_of(org)?;
    link(&state, org, WaysOf::Org, id).await
}

/// One of my contact ways' code as text and plain link.
#[utoipa::path(get, path = "/v1/me/contact-ways/{id}/link", tag = "contact-ways",
    params(("id" = i64, Path)),
    responses((status = 200, body = WayLinkView), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn my_way_link(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactWayId>,
) -> Result<Json<WayLinkView>, ApiError> {
    let (org, me) = auth.member()?;
    link(&state, org, WaysOf::Member(me), id).await
}

async fn link(
    state: &AppState,
    org: OrgId,
    of: WaysOf,
    id: ContactWayId,
) -> Result<Json<WayLinkView>, ApiError> {
    let text = state.services.ways.card_text(org, of, id).await?;
    Ok(Json(WayLinkView::of(text)))
}

/// The period of a way's statistics.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsPeriod {
    /// Requests created at or after this time, Unix seconds (default: the beginning).
    #[serde(default)]
    pub from: Option<i64>,
    /// ...and before this time (default: no end).
    #[serde(default)]
    pub to: Option<i64>,
}

impl StatsPeriod {
    /// `from..to`, with their defaults; 400 when it is empty or backwards.
    fn bounds(&self) -> Result<(i64, i64), ApiError> {
        let (from, to) = (self.from.unwrap_or(0), self.to.unwrap_or(i64::MAX));
        if from >= to {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "from: must be before to",
            )
            .said("from-before-to", &[]));
        }
        Ok((from, to))
    }
}

/// The period and channel of an organization's per-channel statistics.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChannelStatsQuery {
    /// Requests created at or after this time, Unix seconds (default: the beginning).
    #[serde(default)]
    pub from: Option<i64>,
    /// ...and before this time (default: no end).
    #[serde(default)]
    pub to: Option<i64>,
    /// Only this channel's requests (default: every channel, and those without one).
    #[serde(default)]
    pub channel: Option<String>,
}

/// What the requests the organization's members received in a period came to, by the channel
/// of the card or team code they came through: its members' personal cards (and their extra
/// cards' channels) and its contact ways alike, requests made without a channel under
/// `"channel": null` (its admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways/stats", tag = "contact-ways",
    params(("org" = i64, Path), ChannelStatsQuery),
    responses((status = 200, body = ChannelStatsView), (status = 400, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn channel_stats(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Query(query): Query<ChannelStatsQuery>,
) -> Result<Json<ChannelStatsView>, ApiError> {
    auth.admin_of(org)?;
    let period = StatsPeriod {
        from: query.from,
        to: query.to,
    };
    let (from, to) = period.bounds()?;
    let stats = state
        .services
        .ways
        .channel_stats(org, query.channel.as_deref(), (from, to))
        .await?;
    Ok(Json(ChannelStatsView::over(stats, from, to)))
}

/// What the requests made through a way in a period came to: requests, pending, accepted,
/// rejected, cancelled, expired and the median time to answer, in total and per member (its
/// organization's admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways/{id}/stats", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path), StatsPeriod),
    responses((status = 200, body = WayStatsView), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn way_stats(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
    Query(period): Query<StatsPeriod>,
) -> Result<Json<WayStatsView>, ApiError> {
    auth.admin_of(org)?;
    let (from, to) = period.bounds()?;
    let stats = state
        .services
        .ways
        .stats(org, WaysOf::Org, id, (from, to))
        .await?;
    Ok(Json(WayStatsView::over(stats, from, to)))
}

/// The period of a way's day-by-day counts: both ends given, at most 366 days.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DaysPeriod {
    /// The first day's start, Unix seconds: a local midnight counts local days (each day is the
    /// 24 hours after the one before, so a day that a clock change shortens or lengthens is
    /// counted an hour off).
    pub from: i64,
    /// The end of the period, Unix seconds; the last day is cut there.
    pub to: i64,
}

/// Each day of a period with the requests made through the way on it and how many of them were
/// accepted, days without any included with zeros: what the admin page's chart draws
/// (its organization's admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-ways/{id}/stats/days", tag = "contact-ways",
    params(("org" = i64, Path), ("id" = i64, Path), DaysPeriod),
    responses((status = 200, body = WayDaysView), (status = 400, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn way_days(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, ContactWayId)>,
    Query(period): Query<DaysPeriod>,
) -> Result<Json<WayDaysView>, ApiError> {
    auth.admin_of(org)?;
    let (from, to) = StatsPeriod {
        from: Some(period.from),
        to: Some(period.to),
    }
    .bounds()?;
    let max = crate::domain::way::MAX_STATS_DAYS;
    if to.saturating_sub(from) > max * 86_400 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("to: the period is at most {max} days"),
        )
        .said("days-period", &[("max", &max)]));
    }
    let days = state
        .services
        .ways
        .days(org, WaysOf::Org, id, (from, to))
        .await?;
    Ok(Json(WayDaysView {
        from,
        to,
        days: days.into_iter().map(Into::into).collect(),
    }))
}
