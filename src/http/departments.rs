//! Departments: the organization's tree (its admins change it, every member reads it), who is in
//! each department, and a member's departments.

use super::extract::{Auth, Json, Path};
use super::{ApiError, AppState};
use crate::domain::{
    Department, DepartmentId, DepartmentName, DepartmentPatch, MemberId, Memberships,
    NewDepartment, OrgId,
};
use crate::store::MembersChange;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_department, list_departments))
        .routes(routes!(
            get_department,
            update_department,
            delete_department
        ))
        .routes(routes!(add_department_member, remove_department_member))
        .routes(routes!(get_member_departments, set_member_departments))
}

/// A department.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DepartmentView {
    pub id: i64,
    pub name: String,
    /// Absent for a top-level department.
    pub parent_id: Option<i64>,
    /// Siblings are shown by this order, then by id.
    pub order: i64,
    /// Members directly in this department, not counting its sub-departments.
    pub member_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Department> for DepartmentView {
    fn from(d: Department) -> Self {
        Self {
            id: d.id.get(),
            name: d.name,
            parent_id: d.parent.map(DepartmentId::get),
            order: d.order,
            member_count: d.members,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// The organization's departments, flat: each names its parent; siblings by `order`, then id.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DepartmentList {
    pub items: Vec<DepartmentView>,
}

/// A department to create.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    /// 1 to 64 characters, unique among its siblings.
    pub name: String,
    /// The parent department; absent: a top-level department.
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub order: Option<i64>,
}

/// A change to a department; absent fields are kept, `"parent_id": null` moves it to the top.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentChange {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    #[serde(default)]
    pub order: Option<i64>,
}

/// Creates a department (the organization's admin).
#[utoipa::path(post, path = "/v1/orgs/{org}/departments", tag = "departments",
    params(("org" = i64, Path)), request_body = DepartmentInput,
    responses((status = 201, body = DepartmentView),
        (status = 409, description = "duplicate_department", body = crate::http::Problem),
        (status = 422, description = "invalid_field, no_parent_department, department_too_deep", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn create_department(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<DepartmentInput>,
) -> Result<(StatusCode, Json<DepartmentView>), ApiError> {
    let who = auth.admin_of(org)?;
    let new = NewDepartment {
        org_id: org,
        name: DepartmentName::parse(&body.name)?,
        parent: body.parent_id.map(DepartmentId::new),
        order: body.order.unwrap_or(0),
    };
    let created = state
        .services
        .departments
        .create(&who.actor(), &new)
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The organization's departments (any member of it).
#[utoipa::path(get, path = "/v1/orgs/{org}/departments", tag = "departments",
    params(("org" = i64, Path)), responses((status = 200, body = DepartmentList)),
    security(("bearer" = [])))]
async fn list_departments(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<DepartmentList>, ApiError> {
    auth.within(org)?;
    let items = state.services.departments.list(org).await?;
    Ok(Json(DepartmentList {
        items: items.into_iter().map(DepartmentView::from).collect(),
    }))
}

/// One department (any member of the organization).
#[utoipa::path(get, path = "/v1/orgs/{org}/departments/{department}", tag = "departments",
    params(("org" = i64, Path), ("department" = i64, Path)),
    responses((status = 200, body = DepartmentView)), security(("bearer" = [])))]
async fn get_department(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, DepartmentId)>,
) -> Result<Json<DepartmentView>, ApiError> {
    auth.within(org)?;
    let d = state.services.departments.get(org, id).await?;
    Ok(Json(d.into()))
}

/// Renames, reorders or moves a department with everything under it (its admin).
#[utoipa::path(patch, path = "/v1/orgs/{org}/departments/{department}", tag = "departments",
    params(("org" = i64, Path), ("department" = i64, Path)), request_body = DepartmentChange,
    responses((status = 200, body = DepartmentView),
        (status = 409, description = "duplicate_department", body = crate::http::Problem),
        (status = 422, description = "department_cycle, department_too_deep, no_parent_department", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn update_department(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, DepartmentId)>,
    Json(body): Json<DepartmentChange>,
) -> Result<Json<DepartmentView>, ApiError> {
    let who = auth.admin_of(org)?;
    let patch = DepartmentPatch {
        name: body
            .name
            .as_deref()
            .map(DepartmentName::parse)
            .transpose()?,
        parent: body.parent_id.map(|p| p.map(DepartmentId::new)),
        order: body.order,
    };
    let d = state
        .services
        .departments
        .update(&who.actor(), org, id, &patch)
        .await?;
    Ok(Json(d.into()))
}

/// Deletes a department that has no sub-departments and answers no contact way (its admin).
/// Its members stay in the organization.
#[utoipa::path(delete, path = "/v1/orgs/{org}/departments/{department}", tag = "departments",
    params(("org" = i64, Path), ("department" = i64, Path)),
    responses((status = 204),
        (status = 409, description = "department_has_children or department_answers_way", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn delete_department(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id)): Path<(OrgId, DepartmentId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state
        .services
        .departments
        .delete(&who.actor(), org, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts a member in a department (its admin); putting them in twice is not an error.
#[utoipa::path(put, path = "/v1/orgs/{org}/departments/{department}/members/{member}", tag = "departments",
    params(("org" = i64, Path), ("department" = i64, Path), ("member" = i64, Path)),
    responses((status = 204)), security(("bearer" = [])))]
async fn add_department_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id, member)): Path<(OrgId, DepartmentId, MemberId)>,
) -> Result<StatusCode, ApiError> {
    let change = MembersChange {
        add: vec![member],
        ..MembersChange::default()
    };
    change_members(&state, &auth, org, id, &change).await
}

/// Takes a member out of a department (its admin); the member stays in the organization.
#[utoipa::path(delete, path = "/v1/orgs/{org}/departments/{department}/members/{member}", tag = "departments",
    params(("org" = i64, Path), ("department" = i64, Path), ("member" = i64, Path)),
    responses((status = 204)), security(("bearer" = [])))]
async fn remove_department_member(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, id, member)): Path<(OrgId, DepartmentId, MemberId)>,
) -> Result<StatusCode, ApiError> {
    let change = MembersChange {
        remove: vec![member],
        ..MembersChange::default()
    };
    change_members(&state, &auth, org, id, &change).await
}

/// One admin's change to who is in a department.
async fn change_members(
    state: &AppState,
    auth: &Auth,
    org: OrgId,
    id: DepartmentId,
    change: &MembersChange,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    let departments = &state.services.departments;
    departments
        .change_members(&who.actor(), org, id, change)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The departments a member is in.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MemberDepartments {
    /// Department ids, ascending; at most 100.
    pub department_ids: Vec<i64>,
}

/// The departments a member is in (any member of the organization).
#[utoipa::path(get, path = "/v1/orgs/{org}/members/{member}/departments", tag = "departments",
    params(("org" = i64, Path), ("member" = i64, Path)),
    responses((status = 200, body = MemberDepartments)), security(("bearer" = [])))]
async fn get_member_departments(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, member)): Path<(OrgId, MemberId)>,
) -> Result<Json<MemberDepartments>, ApiError> {
    auth.within(org)?;
    state.services.members.get(org, member).await?;
    let mut of = state
        .services
        .departments
        .of_members(org, &[member])
        .await?;
    let ids = of.remove(&member).unwrap_or_default();
    Ok(Json(MemberDepartments {
        department_ids: ids.into_iter().map(DepartmentId::get).collect(),
    }))
}

/// Puts a member in exactly these departments (its admin): `[]` takes them out of all.
#[utoipa::path(put, path = "/v1/orgs/{org}/members/{member}/departments", tag = "departments",
    params(("org" = i64, Path), ("member" = i64, Path)), request_body = MemberDepartments,
    responses((status = 200, body = MemberDepartments)), security(("bearer" = [])))]
async fn set_member_departments(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, member)): Path<(OrgId, MemberId)>,
    Json(body): Json<MemberDepartments>,
) -> Result<Json<MemberDepartments>, ApiError> {
    let who = auth.admin_of(org)?;
    let set = Memberships::parse(
        body.department_ids
            .into_iter()
            .map(DepartmentId::new)
            .collect(),
    )?;
    let ids = state
        .services
        .departments
        .set_member_departments(&who.actor(), org, member, &set)
        .await?;
    Ok(Json(MemberDepartments {
        department_ids: ids.into_iter().map(DepartmentId::get).collect(),
    }))
}
