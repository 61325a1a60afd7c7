//! What members keep about their external contacts: the organization's tag library, a
//! member's remark, note and tags on a contact, the vCard exports, and the organization's view
//! of every relation its members hold (with its CSV).

use super::extract::{Auth, Json, Path, Query};
use super::views::{BookView, OrgContactView, TagView};
use super::{ApiError, AppState, attachment, page};
use crate::domain::{
    BookPatch, ContactId, ContactQuery, ContactSource, MemberId, NewTag, Note, OrgContactQuery,
    OrgId, Remark, TagId, TagName,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(delete_tag))
        .routes(routes!(update_book))
        .routes(routes!(export_vcards))
        .routes(routes!(contact_vcard))
        .routes(routes!(org_contacts))
        .routes(routes!(org_contacts_csv))
}

/// A tag to add to the library.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    /// The group, 1 to 32 characters, e.g. "Industry".
    pub group: String,
    /// The tag, 1 to 32 characters, e.g. "Retail".
    pub name: String,
}

/// The organization's contact tag library (its members and admins).
#[utoipa::path(get, path = "/v1/orgs/{org}/contact-tags", tag = "contacts",
    params(("org" = i64, Path)), responses((status = 200, body = [TagView])), security(("bearer" = [])))]
async fn list_tags(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
) -> Result<Json<Vec<TagView>>, ApiError> {
    auth.within(org)?;
    let tags = state.services.book.tags(org).await?;
    Ok(Json(tags.into_iter().map(TagView::from).collect()))
}

/// Adds a tag to the organization's library (its admin).
#[utoipa::path(post, path = "/v1/orgs/{org}/contact-tags", tag = "contacts",
    params(("org" = i64, Path)), request_body = TagInput,
    responses((status = 201, body = TagView), (status = 409, description = "duplicate_tag", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn create_tag(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Json(body): Json<TagInput>,
) -> Result<(StatusCode, Json<TagView>), ApiError> {
    let who = auth.admin_of(org)?;
    let tag = NewTag {
        group: TagName::parse(&body.group).map_err(|e| e.on_field("group"))?,
        name: TagName::parse(&body.name)?,
    };
    let created = state
        .services
        .book
        .create_tag(org, &tag, &who.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Deletes a tag from the library, taking it off every contact (its admin).
#[utoipa::path(delete, path = "/v1/orgs/{org}/contact-tags/{tag}", tag = "contacts",
    params(("org" = i64, Path), ("tag" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::http::Problem)), security(("bearer" = [])))]
async fn delete_tag(
    State(state): State<AppState>,
    auth: Auth,
    Path((org, tag)): Path<(OrgId, TagId)>,
) -> Result<StatusCode, ApiError> {
    let who = auth.admin_of(org)?;
    state
        .services
        .book
        .delete_tag(org, tag, &who.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes to what I keep about a contact; absent fields stay, `null` clears `remark` or `note`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookInput {
    /// My own name for the contact, 1 to 64 characters.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub remark: Option<Option<String>>,
    /// A private note, up to 2,000 characters; line breaks are kept.
    #[serde(default, deserialize_with = "super::double_option")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
    /// The contact's tags (ids from my organization's library), replacing the previous ones;
    /// at most 20.
    #[serde(default)]
    pub tags: Option<Vec<i64>>,
}

impl BookInput {
    fn parse(self) -> Result<BookPatch, ApiError> {
        let patch = BookPatch {
            remark: self
                .remark
                .map(|r| r.as_deref().map(Remark::parse).transpose())
                .transpose()?,
            note: self
                .note
                .map(|n| n.as_deref().map(Note::parse).transpose())
                .transpose()?,
            tags: self.tags.map(|t| t.into_iter().map(TagId::new).collect()),
        };
        if patch
            .tags
            .as_ref()
            .is_some_and(|t| t.len() > BookPatch::MAX_TAGS)
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("tags: at most {} per contact", BookPatch::MAX_TAGS),
            )
            .said(
                "at-most",
                &[("field", &"tags"), ("max", &BookPatch::MAX_TAGS)],
            ));
        }
        if patch.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "nothing to change: send remark, note or tags",
            )
            .said("nothing-to-change", &[]));
        }
        Ok(patch)
    }
}

/// Sets my remark, note or tags on one of my external contacts (the other side never sees them).
#[utoipa::path(patch, path = "/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)),
    request_body = BookInput,
    responses((status = 200, body = BookView), (status = 404, description = "contact or tag", body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn update_book(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactId>,
    Json(body): Json<BookInput>,
) -> Result<Json<BookView>, ApiError> {
    let (_, member_id) = auth.member()?;
    let patch = body.parse()?;
    let entry = state
        .services
        .book
        .update(member_id, id, &patch, &auth.0.actor())
        .await?;
    Ok(Json(entry.into()))
}

/// Which of my contacts to export (the filters of `GET /v1/contacts`).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportFilter {
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
    /// Only those whose name or my remark contains this text.
    #[serde(default)]
    pub q: Option<String>,
}

impl ExportFilter {
    /// The query these filters make.
    pub(super) fn query(self) -> Result<ContactQuery, ApiError> {
        Ok(ContactQuery {
            source: source(self.source.as_deref())?,
            channel: self.channel,
            tag: self.tag.map(TagId::new),
            org: self.org.map(OrgId::new),
            text: search_text(self.q)?,
        })
    }
}

/// A `source` filter, parsed.
pub(super) fn source(raw: Option<&str>) -> Result<Option<ContactSource>, ApiError> {
    raw.map(|s| {
        ContactSource::parse(s).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "source: card, team_code, link, phone or transfer",
            )
            .said(
                "one-of",
                &[
                    ("field", &"source"),
                    ("values", &"card, team_code, link, phone, transfer"),
                ],
            )
        })
    })
    .transpose()
}

/// A `q` search text: trimmed, at most 64 characters, no control characters; empty is no filter.
pub(super) fn search_text(raw: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(text) = raw.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > 64 || text.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "q: at most 64 characters, no control characters",
        )
        .said("search-text", &[("max", &64)]));
    }
    Ok(Some(text))
}

/// My external contacts as one vCard 4.0 file, for a phone's or a mail program's address book.
#[utoipa::path(get, path = "/v1/contacts/vcard", tag = "contacts", params(ExportFilter),
    responses((status = 200, content_type = "text/vcard", body = String)), security(("bearer" = [])))]
async fn export_vcards(
    State(state): State<AppState>,
    auth: Auth,
    Query(filter): Query<ExportFilter>,
) -> Result<Response, ApiError> {
    let (_, member_id) = auth.member()?;
    let query = filter.query()?;
    let vcf = state.services.book.vcards(member_id, &query).await?;
    Ok(attachment(
        crate::export::VCARD_TYPE,
        "contacts.vcf".into(),
        vcf,
    ))
}

/// One external contact as a vCard 4.0 file, to add to a phone's address book.
#[utoipa::path(get, path = "/v1/contacts/{id}/vcard", tag = "contacts", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/vcard", body = String), (status = 404, body = crate::http::Problem)),
    security(("bearer" = [])))]
async fn contact_vcard(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<ContactId>,
) -> Result<Response, ApiError> {
    let (_, member_id) = auth.member()?;
    let contact = state.services.book.contact(member_id, id).await?;
    // The file name is the id: a name is the other side's input, and not every client decodes
    // a non-ASCII `filename*`.
    Ok(attachment(
        crate::export::VCARD_TYPE,
        format!("contact-{id}.vcf"),
        crate::export::vcards(std::slice::from_ref(&contact)),
    ))
}

/// Which of the organization's relations to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrgContactFilter {
    /// Only those this member of the organization holds.
    #[serde(default)]
    pub holder: Option<i64>,
    /// Only those made this way: `card`, `team_code`, `link`, `phone` or `transfer`.
    #[serde(default)]
    pub source: Option<String>,
    /// Only those made with this channel tag.
    #[serde(default)]
    pub channel: Option<String>,
    /// Only those their holder tagged with this tag.
    #[serde(default)]
    pub tag: Option<i64>,
    /// `true`: only the unassigned ones, held by members who left and not being transferred.
    #[serde(default)]
    pub unassigned: Option<bool>,
    /// The `next_after` of the previous page.
    #[serde(default)]
    pub after: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

impl OrgContactFilter {
    fn query(&self) -> Result<OrgContactQuery, ApiError> {
        Ok(OrgContactQuery {
            holder: self.holder.map(MemberId::new),
            source: source(self.source.as_deref())?,
            channel: self.channel.clone(),
            tag: self.tag.map(TagId::new),
            unassigned: self.unassigned.unwrap_or(false),
        })
    }
}

/// A page of the organization's external contacts, newest first.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OrgContactPage {
    pub items: Vec<OrgContactView>,
    pub next_after: Option<i64>,
}

/// Every external contact the organization's members hold, those who left included (its admin).
#[utoipa::path(get, path = "/v1/orgs/{org}/external-contacts", tag = "contacts",
    params(("org" = i64, Path), OrgContactFilter), responses((status = 200, body = OrgContactPage)),
    security(("bearer" = [])))]
async fn org_contacts(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Query(filter): Query<OrgContactFilter>,
) -> Result<Json<OrgContactPage>, ApiError> {
    auth.admin_of(org)?;
    let limit = page::limit(filter.limit, 50, 200)?;
    let before = filter.after.filter(|&a| a > 0).map(ContactId::new);
    let query = filter.query()?;
    let items = state
        .services
        .book
        .org_contacts(org, &query, before, limit)
        .await?;
    let next_after = page::next(&items, limit, |c| c.id.get());
    let items = items.into_iter().map(OrgContactView::from).collect();
    Ok(Json(OrgContactPage { items, next_after }))
}

/// The organization's external contacts as CSV, all pages, with the same filters (its admin).
/// Cells a spreadsheet would run as a formula start with an apostrophe.
#[utoipa::path(get, path = "/v1/orgs/{org}/external-contacts/csv", tag = "contacts",
    params(("org" = i64, Path), OrgContactFilter),
    responses((status = 200, content_type = "text/csv", body = String)), security(("bearer" = [])))]
async fn org_contacts_csv(
    State(state): State<AppState>,
    auth: Auth,
    Path(org): Path<OrgId>,
    Query(filter): Query<OrgContactFilter>,
) -> Result<Response, ApiError> {
    auth.admin_of(org)?;
    let query = filter.query()?;
    let csv = state.services.book.org_contacts_csv(org, &query).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("external-contacts-{org}.csv"),
        csv,
    ))
}
