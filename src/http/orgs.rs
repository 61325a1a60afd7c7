//! Organizations, their contact policy and partners; tokens for their admins and members.

use super::extract::{Auth, Json, Path};
use super::{ApiError, AppState, audit};
use crate::domain::{ContactPolicy, Domain, OrgName, Role, TokenSecret};
use crate::store::{NewOrg, NewToken, Org, OrgPatch};
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_org, list_orgs))
        .routes(routes!(get_org, update_org))
        .routes(routes!(list_partners))
        .routes(routes!(add_partner, remove_partner))
        .routes(routes!(create_token))
        .routes(routes!(revoke_token))
}

/// A new organization.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrg {
    pub name: String,
    /// The organization's verified domain.
    #[serde(default)]
    pub domain: Option<String>,
    /// Defaults to `partners_only`.
    #[serde(default)]
    pub policy: Option<ContactPolicy>,
}

/// Changes to an organization; absent fields stay as they are, `"domain": null` clears it.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrg {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub domain: Option<Option<String>>,
    #[serde(default)]
    pub policy: Option<ContactPolicy>,
}

/// Creates an organization (operator).
#[utoipa::path(post, path = "/v1/orgs", tag = "organizations", request_body = CreateOrg,
    responses((status = 201, body = Org)), security(("bearer" = [])))]
async fn create_org(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<CreateOrg>,
) -> Result<(StatusCode, Json<Org>), ApiError> {
    let who = auth.operator()?;
    let org = NewOrg {
        name: OrgName::parse(&body.name)?,
        domain: body.domain.as_deref().map(Domain::parse).transpose()?,
        policy: body.policy.unwrap_or(ContactPolicy::PartnersOnly),
    };
    let created = state
        .store
        .create_org(&org, &audit(&who, None, "org.create", "org", &body.name))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Lists all organizations (operator).
#[utoipa::path(get, path = "/v1/orgs", tag = "organizations",
    responses((status = 200, body = Vec<Org>)), security(("bearer" = [])))]
async fn list_orgs(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<Org>>, ApiError> {
    auth.operator()?;
    Ok(Json(state.store.list_orgs().await?))
}

/// Reads an organization (anyone in it, and operators).
#[utoipa::path(get, path = "/v1/orgs/{org}", tag = "organizations", params(("org" = i64, Path)),
    responses((status = 200, body = Org)), security(("bearer" = [])))]
async fn get_org(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
) -> Result<Json<Org>, ApiError> {
    auth.within(org)?;
    Ok(Json(state.store.get_org(org).await?))
}

/// Changes an organization's name, domain or contact policy (its admin, or an operator).
#[utoipa::path(patch, path = "/v1/orgs/{org}", tag = "organizations", params(("org" = i64, Path)),
    request_body = UpdateOrg, responses((status = 200, body = Org)), security(("bearer" = [])))]
async fn update_org(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
    Json(body): Json<UpdateOrg>,
) -> Result<Json<Org>, ApiError> {
    let who = auth.admin_of(org)?;
    let patch = OrgPatch {
        name: body.name.as_deref().map(OrgName::parse).transpose()?,
        domain: body
            .domain
            .map(|d| d.as_deref().map(Domain::parse).transpose())
            .transpose()?,
        policy: body.policy,
    };
    let detail = format!("policy={:?}", patch.policy.map(ContactPolicy::as_str));
    let updated = state
        .store
        .update_org(
            org,
            &patch,
            &audit(&who, Some(org), "org.update", "org", &detail),
        )
        .await?;
    Ok(Json(updated))
}

/// Lists an organization's partners (its admin, or an operator).
#[utoipa::path(get, path = "/v1/orgs/{org}/partners", tag = "organizations", params(("org" = i64, Path)),
    responses((status = 200, body = Vec<Org>)), security(("bearer" = [])))]
async fn list_partners(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
) -> Result<Json<Vec<Org>>, ApiError> {
    auth.admin_of(org)?;
    Ok(Json(state.store.list_partners(org).await?))
}

/// Makes another organization a partner (idempotent).
#[utoipa::path(put, path = "/v1/orgs/{org}/partners/{partner}", tag = "organizations",
    params(("org" = i64, Path), ("partner" = i64, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn add_partner(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, partner)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    let entry = audit(
        &who,
        Some(org),
        "partner.add",
        &format!("org/{partner}"),
        "",
    );
    state.store.add_partner(org, partner, &entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a partnership.
#[utoipa::path(delete, path = "/v1/orgs/{org}/partners/{partner}", tag = "organizations",
    params(("org" = i64, Path), ("partner" = i64, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn remove_partner(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, partner)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    let entry = audit(
        &who,
        Some(org),
        "partner.remove",
        &format!("org/{partner}"),
        "",
    );
    state.store.remove_partner(org, partner, &entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A token to create for an admin or a member of the organization.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// `admin` or `member`.
    pub role: Role,
    /// Required for `member` tokens.
    #[serde(default)]
    pub member_id: Option<i64>,
    /// A note for whoever reads the audit log.
    #[serde(default)]
    pub label: Option<String>,
}

/// A newly created token: the secret is shown here once and never again.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
    pub role: Role,
    pub org_id: i64,
    pub member_id: Option<i64>,
}

/// Creates an admin or member token for the organization (its admin, or an operator).
#[utoipa::path(post, path = "/v1/orgs/{org}/tokens", tag = "tokens", params(("org" = i64, Path)),
    request_body = CreateToken, responses((status = 201, body = CreatedToken)), security(("bearer" = [])))]
async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<i64>,
    Json(body): Json<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let who = auth.admin_of(org)?;
    state.store.get_org(org).await?;
    let member_id = match (body.role, body.member_id) {
        (Role::Member, Some(id)) => {
            let member = state.store.get_member(org, id).await?;
            if member.status != crate::domain::MemberStatus::Active {
                return Err(ApiError::not_found("member"));
            }
            Some(id)
        }
        (Role::Member, None) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "member_id_required",
                "member tokens name a member",
            ));
        }
        (Role::Admin, None) => None,
        (Role::Admin, Some(_)) | (Role::Operator, _) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_role",
                "role must be admin (without member_id) or member (with member_id)",
            ));
        }
    };
    let secret = TokenSecret::generate();
    let label = body.label.unwrap_or_default();
    let token = NewToken {
        hash: secret.hash(),
        role: body.role,
        org_id: Some(org),
        member_id,
        label,
    };
    let entry = audit(&who, Some(org), "token.create", "token", body.role.as_str());
    let info = state.store.create_token(&token, &entry).await?;
    let created = CreatedToken {
        id: info.id,
        token: secret.expose().to_owned(),
        role: info.role,
        org_id: org,
        member_id,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a token of the organization.
#[utoipa::path(delete, path = "/v1/orgs/{org}/tokens/{token}", tag = "tokens",
    params(("org" = i64, Path), ("token" = i64, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, token)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    let entry = audit(
        &who,
        Some(org),
        "token.revoke",
        &format!("token/{token}"),
        "",
    );
    state.store.revoke_token(Some(org), token, &entry).await?;
    Ok(StatusCode::NO_CONTENT)
}
