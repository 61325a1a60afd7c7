//! Organizations, their contact policy and partners; tokens for their admins and members.

use super::extract::{Auth, Json, Path};
use super::views::{CreatedToken, OrgView, PartnerView, TokenView};
use super::{ApiError, AppState};
use crate::domain::{
    ContactPolicy, Domain, MemberId, NewOrg, OrgId, OrgName, OrgPatch, Role, TokenId, TokenLabel,
    TransferPeriod, default_org_lang, parse_org_lang,
};
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_org, list_orgs))
        .routes(routes!(get_org, update_org))
        .routes(routes!(list_partners))
        .routes(routes!(add_partner, remove_partner))
        .routes(routes!(create_token, list_tokens))
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
    /// The language its cards are drawn in, a BCP 47 tag; defaults to `zh-Hans`.
    #[serde(default)]
    pub lang: Option<String>,
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
    /// How long a contact may refuse a transfer: 0 to 2,592,000 seconds (30 days).
    #[serde(default)]
    pub transfer_period_secs: Option<i64>,
    /// Whether requests made with a departed member's cards go to their successor.
    #[serde(default)]
    pub successor_routing: Option<bool>,
    /// The language its cards and posters are drawn in, a BCP 47 tag such as `zh-Hans`,
    /// `zh-Hant-TW`, `zh-Hant-HK`, `ja`, `ko` or `en`: their regional glyph forms and footer.
    #[serde(default)]
    pub lang: Option<String>,
}

/// Creates an organization (operator).
#[utoipa::path(post, path = "/v1/orgs", tag = "organizations", request_body = CreateOrg,
    responses((status = 201, body = OrgView)), security(("bearer" = [])))]
async fn create_org(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<CreateOrg>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let who = auth.operator()?;
    let org = NewOrg {
        name: OrgName::parse(&body.name)?,
        domain: body.domain.as_deref().map(Domain::parse).transpose()?,
        policy: body.policy.unwrap_or(ContactPolicy::PartnersOnly),
        lang: match body.lang.as_deref() {
            Some(tag) => parse_org_lang(tag)?,
            None => default_org_lang(),
        },
    };
    let created = state.services.orgs.create(&who, &org).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Lists all organizations (operator).
#[utoipa::path(get, path = "/v1/orgs", tag = "organizations",
    responses((status = 200, body = Vec<OrgView>)), security(("bearer" = [])))]
async fn list_orgs(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<OrgView>>, ApiError> {
    auth.operator()?;
    let orgs = state.services.orgs.list().await?;
    Ok(Json(orgs.into_iter().map(OrgView::from).collect()))
}

/// Reads an organization (anyone in it, and operators).
#[utoipa::path(get, path = "/v1/orgs/{org}", tag = "organizations", params(("org" = i64, Path)),
    responses((status = 200, body = OrgView)), security(("bearer" = [])))]
async fn get_org(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<OrgView>, ApiError> {
    auth.within(org)?;
    Ok(Json(state.services.orgs.get(org).await?.into()))
}

/// Changes an organization's name, domain, contact policy or language (its admin, or an
/// operator).
#[utoipa::path(patch, path = "/v1/orgs/{org}", tag = "organizations", params(("org" = i64, Path)),
    request_body = UpdateOrg, responses((status = 200, body = OrgView)), security(("bearer" = [])))]
async fn update_org(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<UpdateOrg>,
) -> Result<Json<OrgView>, ApiError> {
    let who = auth.admin_of(org)?;
    let patch = OrgPatch {
        name: body.name.as_deref().map(OrgName::parse).transpose()?,
        domain: body
            .domain
            .map(|d| d.as_deref().map(Domain::parse).transpose())
            .transpose()?,
        policy: body.policy,
        transfer_period: body
            .transfer_period_secs
            .map(TransferPeriod::from_secs)
            .transpose()?,
        successor_routing: body.successor_routing,
        lang: body.lang.as_deref().map(parse_org_lang).transpose()?,
    };
    Ok(Json(
        state.services.orgs.update(&who, org, &patch).await?.into(),
    ))
}

/// Lists an organization's partners (its admin, or an operator): each listed id, and the other
/// organization's name once it lists this one back.
#[utoipa::path(get, path = "/v1/orgs/{org}/partners", tag = "organizations", params(("org" = i64, Path)),
    responses((status = 200, body = Vec<PartnerView>)), security(("bearer" = [])))]
async fn list_partners(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<Vec<PartnerView>>, ApiError> {
    auth.admin_of(org)?;
    let partners = state.services.orgs.partners(org).await?;
    Ok(Json(partners.into_iter().map(PartnerView::from).collect()))
}

/// Makes another organization a partner (idempotent). Any id is listed with the same answer,
/// whether or not an organization has it: partnering tells nothing about other organizations.
#[utoipa::path(put, path = "/v1/orgs/{org}/partners/{partner}", tag = "organizations",
    params(("org" = i64, Path), ("partner" = i64, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn add_partner(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, partner)): Path<(OrgId, OrgId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state.services.orgs.add_partner(&who, org, partner).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a partnership.
#[utoipa::path(delete, path = "/v1/orgs/{org}/partners/{partner}", tag = "organizations",
    params(("org" = i64, Path), ("partner" = i64, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn remove_partner(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, partner)): Path<(OrgId, OrgId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state
        .services
        .orgs
        .remove_partner(&who, org, partner)
        .await?;
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
    #[schema(value_type = Option<i64>)]
    pub member_id: Option<MemberId>,
    /// A note for whoever reads the audit log, at most 100 characters.
    #[serde(default)]
    pub label: Option<String>,
}

/// Creates an admin or member token for the organization (its admin, or an operator).
#[utoipa::path(post, path = "/v1/orgs/{org}/tokens", tag = "tokens", params(("org" = i64, Path)),
    request_body = CreateToken, responses((status = 201, body = CreatedToken)), security(("bearer" = [])))]
async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let who = auth.admin_of(org)?;
    let label = match body.label.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(TokenLabel::parse(text)?),
    };
    let (info, secret) = state
        .services
        .access
        .create_token(&who, org, body.role, body.member_id, label.as_ref())
        .await?;
    let created = CreatedToken {
        id: info.id.get(),
        token: secret.expose().to_owned(),
        role: info.role,
        org_id: org.get(),
        member_id: info.member_id.map(MemberId::get),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// The organization's unrevoked tokens (its admin, or an operator): ids, roles and labels, never
/// secrets. Revoking one also ends the sign-in links it made and the sessions they started.
#[utoipa::path(get, path = "/v1/orgs/{org}/tokens", tag = "tokens", params(("org" = i64, Path)),
    responses((status = 200, body = Vec<TokenView>)), security(("bearer" = [])))]
async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    auth.admin_of(org)?;
    let tokens = state.services.access.tokens(org).await?;
    Ok(Json(tokens.into_iter().map(TokenView::from).collect()))
}

/// Revokes a token of the organization.
#[utoipa::path(delete, path = "/v1/orgs/{org}/tokens/{token}", tag = "tokens",
    params(("org" = i64, Path), ("token" = i64, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, token)): Path<(OrgId, TokenId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state.services.access.revoke_token(&who, org, token).await?;
    Ok(StatusCode::NO_CONTENT)
}
