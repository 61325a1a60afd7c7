//! What members keep about their external contacts (remarks, private notes, their
//! organization's tags), the organization's view of every relation its members hold, and the
//! exports: a member's contacts as vCard, the organization's view as CSV.

use std::sync::Arc;

use super::{Clock, event_body};
use crate::domain::{
    BookChange, BookEntry, BookPatch, Contact, ContactId, ContactQuery, MemberId, NewTag,
    OrgContact, OrgContactQuery, OrgId, Tag, TagId,
};
use crate::store::{Event, Store, StoreError};

/// Tags, remarks, notes, the organization's view and the exports.
#[derive(Debug)]
pub struct Book {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

/// Rows read per query when an export walks a whole list.
const EXPORT_PAGE: i64 = 200;

impl Book {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Adds a tag to `org_id`'s library.
    ///
    /// # Errors
    /// `Conflict(Tag)` for a tag of the same group and name.
    pub async fn create_tag(
        &self,
        org_id: OrgId,
        tag: &NewTag,
        actor: &str,
    ) -> Result<Tag, StoreError> {
        let at = self.clock.now();
        let event = |t: &Tag| tag_event("contact_tag.created", t, at, actor);
        self.store.create_tag(org_id, tag, at, &event).await
    }

    /// `org_id`'s tag library.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn tags(&self, org_id: OrgId) -> Result<Vec<Tag>, StoreError> {
        self.store.list_tags(org_id).await
    }

    /// Deletes a tag of `org_id`, taking it off every contact.
    ///
    /// # Errors
    /// `NotFound` for a tag of another organization or none.
    pub async fn delete_tag(
        &self,
        org_id: OrgId,
        tag_id: TagId,
        actor: &str,
    ) -> Result<(), StoreError> {
        let at = self.clock.now();
        let event = |t: &Tag| tag_event("contact_tag.deleted", t, at, actor);
        self.store.delete_tag(org_id, tag_id, &event).await
    }

    /// Changes what `member_id` keeps about one of their contacts.
    ///
    /// # Errors
    /// `NotFound` for a relation the member is not part of, or a tag outside their
    /// organization's library.
    pub async fn update(
        &self,
        member_id: MemberId,
        contact_id: ContactId,
        patch: &BookPatch,
        actor: &str,
    ) -> Result<BookEntry, StoreError> {
        let at = self.clock.now();
        let event = |c: &BookChange| Event {
            at,
            actor: actor.to_owned(),
            orgs: vec![c.org_id],
            name: "contact.updated",
            target: format!("contact/{}", c.contact_id),
            detail: format!("member/{} tags={}", c.member_id, c.entry.tags.len()),
            // The note stays private to its member: the organization's receivers get the remark
            // and the tags.
            payload: event_body(
                "contact.updated",
                at,
                serde_json::json!({
                    "contact_id": c.contact_id,
                    "member_id": c.member_id,
                    "remark": c.entry.remark,
                    "tags": c.entry.tags.iter().map(tag_payload).collect::<Vec<_>>(),
                }),
            ),
        };
        self.store
            .update_book(member_id, contact_id, patch, at, &event)
            .await
    }

    /// A member's visible contacts matching `query`, newest first, with what the member keeps
    /// about each.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn contacts(
        &self,
        member_id: MemberId,
        query: &ContactQuery,
        before: Option<ContactId>,
        limit: i64,
    ) -> Result<Vec<Contact>, StoreError> {
        let mut contacts = self
            .store
            .list_contacts(member_id, query, before, limit)
            .await?;
        let ids: Vec<ContactId> = contacts.iter().map(|c| c.id).collect();
        let mut entries = self.store.book_entries(member_id, &ids).await?;
        for c in &mut contacts {
            c.book = Some(entries.remove(&c.id).unwrap_or_default());
        }
        Ok(contacts)
    }

    /// One visible contact of the member, with what they keep about it.
    ///
    /// # Errors
    /// `NotFound` for a relation the member is not part of or does not see.
    pub async fn contact(
        &self,
        member_id: MemberId,
        contact_id: ContactId,
    ) -> Result<Contact, StoreError> {
        // The newest visible contact with an id up to this one: this one, if the member sees it.
        let before = ContactId::new(contact_id.get().saturating_add(1));
        self.contacts(member_id, &ContactQuery::default(), Some(before), 1)
            .await?
            .into_iter()
            .find(|c| c.id == contact_id)
            .ok_or(StoreError::NotFound("contact"))
    }

    /// Every visible contact of the member matching `query`, as a vCard stream.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn vcards(
        &self,
        member_id: MemberId,
        query: &ContactQuery,
    ) -> Result<String, StoreError> {
        let all = every_page(
            |before| self.contacts(member_id, query, before, EXPORT_PAGE),
            |c: &Contact| c.id,
        )
        .await?;
        Ok(crate::export::vcards(&all))
    }

    /// The relations `org_id`'s members hold, matching `query`, newest first.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn org_contacts(
        &self,
        org_id: OrgId,
        query: &OrgContactQuery,
        before: Option<ContactId>,
        limit: i64,
    ) -> Result<Vec<OrgContact>, StoreError> {
        self.store.org_contacts(org_id, query, before, limit).await
    }

    /// Every relation `org_id`'s members hold matching `query`, as CSV.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn org_contacts_csv(
        &self,
        org_id: OrgId,
        query: &OrgContactQuery,
    ) -> Result<Vec<u8>, StoreError> {
        let all = every_page(
            |before| self.org_contacts(org_id, query, before, EXPORT_PAGE),
            |c: &OrgContact| c.id,
        )
        .await?;
        crate::export::org_contacts_csv(&all)
            .map_err(|e| StoreError::Corrupt(format!("csv export: {e}")))
    }
}

/// Every row of a list read newest first in pages of [`EXPORT_PAGE`], each page after the
/// last id of the one before.
async fn every_page<T, F, Fut>(mut page: F, id: fn(&T) -> ContactId) -> Result<Vec<T>, StoreError>
where
    F: FnMut(Option<ContactId>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, StoreError>>,
{
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let rows = page(before).await?;
        let full = i64::try_from(rows.len()) == Ok(EXPORT_PAGE);
        before = rows.last().map(id);
        all.extend(rows);
        if !full {
            return Ok(all);
        }
    }
}

fn tag_payload(t: &Tag) -> serde_json::Value {
    serde_json::json!({ "id": t.id, "group": t.group, "name": t.name })
}

fn tag_event(name: &'static str, t: &Tag, at: i64, actor: &str) -> Event {
    Event {
        at,
        actor: actor.to_owned(),
        orgs: vec![t.org_id],
        name,
        target: format!("contact_tag/{}", t.id),
        detail: format!("{}: {}", t.group, t.name),
        payload: event_body(name, at, tag_payload(t)),
    }
}
