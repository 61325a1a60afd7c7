//! Members: provision one or many, update, deactivate; the directory; the audit log.

use super::extract::{Auth, Json, Path, Query};
use super::views::{AuditView, MemberView};
use super::{ApiError, AppState, page};
use crate::domain::import::{self, RowError};
use crate::domain::{
    AuditId, DepartmentId, DisplayName, Email, EmployeeId, MemberFields, MemberId, MemberPatch,
    MemberQuery, Mobile, NewMember, OrgId, Title, fold_for_search,
};
use crate::service::members::ChangedBy;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_member))
        .routes(routes!(import_members))
        .routes(routes!(get_member, update_member))
        .routes(routes!(deactivate_member))
        .routes(routes!(search_directory))
        .routes(routes!(org_audit))
        .routes(routes!(all_audit))
        .routes(routes!(get_me, update_me))
}

/// Provisions one member (the organization's admin, or an operator).
#[utoipa::path(post, path = "/v1/orgs/{org}/members", tag = "members", params(("org" = i64, Path)),
    request_body = MemberFields, responses((status = 201, body = MemberView)), security(("bearer" = [])))]
async fn create_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<MemberFields>,
) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    let who = auth.admin_of(org)?;
    let member = NewMember::parse(&body)?;
    let created = state
        .services
        .members
        .create(&who, org, std::slice::from_ref(&member), "member.create")
        .await?;
    let member = created
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("member"))?;
    Ok((StatusCode::CREATED, Json(member.into())))
}

/// The result of a bulk import.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Imported {
    /// How many members were created.
    pub created: usize,
    /// The created members, in input order.
    pub members: Vec<MemberView>,
}

/// Provisions many members from `text/csv` (header line: `display_name,employee_id,title,mobile,
/// phone_discoverable,email`) or a JSON array. All or nothing: every bad row is reported (422
/// `invalid_rows`) and nothing is written unless every row is good; an employee id already taken
/// in the organization fails the whole import with 409 `duplicate_employee_id`.
#[utoipa::path(post, path = "/v1/orgs/{org}/members/import", tag = "members", params(("org" = i64, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = Imported), (status = 422, body = super::error::Problem)), security(("bearer" = [])))]
async fn import_members(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    let who = auth.admin_of(org)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parsed: Result<Vec<NewMember>, Vec<RowError>> = if content_type.starts_with("text/csv") {
        import::parse_csv(&body)
    } else if content_type.starts_with("application/json") {
        import::parse_json(&body)
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send text/csv or application/json",
        )
        .said("csv-or-json", &[]));
    };
    let members = parsed.map_err(ApiError::invalid_rows)?;
    let created = state
        .services
        .members
        .create(&who, org, &members, "member.import")
        .await?;
    let imported = Imported {
        created: created.len(),
        members: created.into_iter().map(MemberView::from).collect(),
    };
    Ok((StatusCode::CREATED, Json(imported)))
}

/// Reads a member (the organization's admin, or an operator).
#[utoipa::path(get, path = "/v1/orgs/{org}/members/{member}", tag = "members",
    params(("org" = i64, Path), ("member" = i64, Path)), responses((status = 200, body = MemberView)), security(("bearer" = [])))]
async fn get_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, member)): Path<(OrgId, MemberId)>,
) -> Result<Json<MemberView>, ApiError> {
    auth.admin_of(org)?;
    Ok(Json(state.services.members.get(org, member).await?.into()))
}

/// Changes to a member; absent fields stay, `null` clears `title` or `mobile`.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub mobile: Option<Option<String>>,
    #[serde(default)]
    pub phone_discoverable: Option<bool>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
}

impl UpdateMember {
    fn parse(self) -> Result<MemberPatch, ApiError> {
        Ok(MemberPatch {
            display_name: self
                .display_name
                .as_deref()
                .map(DisplayName::parse)
                .transpose()?,
            title: self
                .title
                .map(|t| t.as_deref().map(Title::parse).transpose())
                .transpose()?,
            mobile: self
                .mobile
                .map(|m| m.as_deref().map(Mobile::parse).transpose())
                .transpose()?,
            phone_discoverable: self.phone_discoverable,
            email: self
                .email
                .map(|e| e.as_deref().map(Email::parse).transpose())
                .transpose()?,
            employee_id: None,
            share_mobile: None,
            email_notices: None,
        })
    }
}

/// Updates a member (the organization's admin, or an operator).
#[utoipa::path(patch, path = "/v1/orgs/{org}/members/{member}", tag = "members",
    params(("org" = i64, Path), ("member" = i64, Path)), request_body = UpdateMember,
    responses((status = 200, body = MemberView)), security(("bearer" = [])))]
async fn update_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, member)): Path<(OrgId, MemberId)>,
    Json(body): Json<UpdateMember>,
) -> Result<Json<MemberView>, ApiError> {
    let who = auth.admin_of(org)?;
    let patch = body.parse()?;
    let members = &state.services.members;
    let updated = members
        .update(&who, org, member, &patch, ChangedBy::Admin)
        .await?;
    Ok(Json(updated.into()))
}

/// Deactivates a member: their cards are revoked at once, their tokens stop working and they
/// disappear from the directory.
#[utoipa::path(post, path = "/v1/orgs/{org}/members/{member}/deactivate", tag = "members",
    params(("org" = i64, Path), ("member" = i64, Path)), responses((status = 200, body = MemberView)), security(("bearer" = [])))]
async fn deactivate_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, member)): Path<(OrgId, MemberId)>,
) -> Result<Json<MemberView>, ApiError> {
    let who = auth.admin_of(org)?;
    let member = state.services.members.deactivate(&who, org, member).await?;
    Ok(Json(member.into()))
}

/// Directory search parameters: `q` (name substring) or `employee_id` (exact), then paging.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DirectoryQuery {
    /// Name contains this text (case- and width-insensitive; CJK by plain substring), at most
    /// 64 characters.
    #[serde(default)]
    pub q: Option<String>,
    /// Exactly this employee id.
    #[serde(default)]
    pub employee_id: Option<String>,
    /// Only members of this department and of the departments under it.
    #[serde(default)]
    pub department: Option<i64>,
    /// Return members after this id (the previous page's `next_after`).
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A directory entry: what colleagues may see of each other.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DirectoryEntry {
    pub id: i64,
    pub display_name: String,
    pub employee_id: String,
    pub title: Option<String>,
    /// Only for members who chose phone discovery.
    pub mobile: Option<String>,
}

/// A page of the directory.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DirectoryPage {
    pub items: Vec<DirectoryEntry>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// Searches the active members of one's own organization.
#[utoipa::path(get, path = "/v1/orgs/{org}/directory", tag = "members",
    params(("org" = i64, Path), DirectoryQuery), responses((status = 200, body = DirectoryPage)), security(("bearer" = [])))]
async fn search_directory(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Json<DirectoryPage>, ApiError> {
    auth.within(org)?;
    let limit = page::limit(query.limit, 20, 100)?;
    let search = match (super::book::search_text(query.q)?, query.employee_id) {
        (Some(q), None) => MemberQuery::NameContains(fold_for_search(&q)),
        (_, Some(id)) => {
            let id = EmployeeId::parse(&id).map_err(ApiError::in_query)?;
            MemberQuery::EmployeeId(id.as_str().to_owned())
        }
        _ => MemberQuery::All,
    };
    let after = MemberId::new(query.after.unwrap_or(0));
    let members = state
        .services
        .members
        .directory(
            org,
            &search,
            query.department.map(DepartmentId::new),
            after,
            limit,
        )
        .await?;
    let next_after = page::next(&members, limit, |m| m.id.get());
    let items = members
        .into_iter()
        .map(|m| DirectoryEntry {
            id: m.id.get(),
            display_name: m.display_name,
            employee_id: m.employee_id,
            title: m.title,
            mobile: if m.phone_discoverable { m.mobile } else { None },
        })
        .collect();
    Ok(Json(DirectoryPage { items, next_after }))
}

/// Audit paging parameters.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default)]
    pub after: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

async fn read_audit(
    state: &AppState,
    org: Option<OrgId>,
    q: AuditQuery,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    // The audit log is read in large pages; sizes outside 1..=1000 are clamped, not refused.
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let after = AuditId::new(q.after.unwrap_or(0));
    let entries = state.services.orgs.audit_log(org, after, limit).await?;
    Ok(Json(entries.into_iter().map(AuditView::from).collect()))
}

/// Reads an organization's audit log (its admin, or an operator).
#[utoipa::path(get, path = "/v1/orgs/{org}/audit", tag = "audit", params(("org" = i64, Path), AuditQuery),
    responses((status = 200, body = Vec<AuditView>)), security(("bearer" = [])))]
async fn org_audit(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    auth.admin_of(org)?;
    read_audit(&state, Some(org), q).await
}

/// Reads the whole audit log (operator).
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditView>)), security(("bearer" = [])))]
async fn all_audit(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    auth.operator()?;
    read_audit(&state, None, q).await
}

/// The calling member's own profile.
#[utoipa::path(get, path = "/v1/me", tag = "me", responses((status = 200, body = MemberView)), security(("bearer" = [])))]
async fn get_me(State(state): State<AppState>, auth: Auth) -> Result<Json<MemberView>, ApiError> {
    let (org, member) = auth.member()?;
    Ok(Json(state.services.members.get(org, member).await?.into()))
}

/// What a member may change about themselves.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub mobile: Option<Option<String>>,
    #[serde(default)]
    pub phone_discoverable: Option<bool>,
    /// Show my mobile number to my external contacts (in their lists and vCard exports).
    #[serde(default)]
    pub share_mobile: Option<bool>,
    /// Get notices (new contact requests, transfers of my contacts) by e-mail at my address.
    #[serde(default)]
    pub email_notices: Option<bool>,
}

/// Updates the calling member's own title, mobile, phone discovery, mobile sharing or e-mail
/// notices.
#[utoipa::path(patch, path = "/v1/me", tag = "me", request_body = UpdateMe,
    responses((status = 200, body = MemberView)), security(("bearer" = [])))]
async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<UpdateMe>,
) -> Result<Json<MemberView>, ApiError> {
    let (org, member) = auth.member()?;
    let patch = UpdateMember {
        display_name: None,
        title: body.title,
        mobile: body.mobile,
        phone_discoverable: body.phone_discoverable,
        email: None,
    }
    .parse()?;
    let patch = MemberPatch {
        share_mobile: body.share_mobile,
        email_notices: body.email_notices,
        ..patch
    };
    let members = &state.services.members;
    let updated = members
        .update(&auth.0, org, member, &patch, ChangedBy::Themselves)
        .await?;
    Ok(Json(updated.into()))
}
