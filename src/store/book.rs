//! What members keep about their external contacts (remarks, notes, tags from their
//! organization's library) and the organization's view of every relation its members hold.

use std::collections::HashMap;

use super::contacts::{EventFor, party};
use super::{
    Conflict, StoreError, classify, corrupt, for_both_databases, missing_as, placeholders,
};
use crate::domain::{
    BookChange, BookEntry, BookPatch, ContactId, ContactSource, MemberId, MemberStatus, NewTag,
    OrgContact, OrgContactQuery, OrgId, Tag, TagId, fold_for_search,
};

/// Tags, and what members keep about their contacts.
#[async_trait::async_trait]
pub trait BookStore: Send + Sync {
    /// Adds a tag to `org_id`'s library; a tag of the same group and name is a conflict.
    async fn create_tag(
        &self,
        org_id: OrgId,
        tag: &NewTag,
        now: i64,
        event: EventFor<'_, Tag>,
    ) -> Result<Tag, StoreError>;
    /// `org_id`'s library, by group and name.
    async fn list_tags(&self, org_id: OrgId) -> Result<Vec<Tag>, StoreError>;
    /// Deletes a tag of `org_id` and takes it off every contact.
    async fn delete_tag(
        &self,
        org_id: OrgId,
        tag_id: TagId,
        event: EventFor<'_, Tag>,
    ) -> Result<(), StoreError>;
    /// Changes what `member_id` keeps about a relation they are part of, with the event `event`
    /// builds. `NotFound("contact")` for another member's relation, `NotFound("tag")` for a tag
    /// outside the member's organization's library; nothing is written then.
    async fn update_book(
        &self,
        member_id: MemberId,
        contact_id: ContactId,
        patch: &BookPatch,
        now: i64,
        event: EventFor<'_, BookChange>,
    ) -> Result<BookEntry, StoreError>;
    /// What `member_id` keeps about each of `contacts` (absent: nothing kept).
    async fn book_entries(
        &self,
        member_id: MemberId,
        contacts: &[ContactId],
    ) -> Result<HashMap<ContactId, BookEntry>, StoreError>;
    /// The relations `org_id`'s members hold (active or not) matching `query`, newest first,
    /// ids below `before`, at most `limit`.
    async fn org_contacts(
        &self,
        org_id: OrgId,
        query: &OrgContactQuery,
        before: Option<ContactId>,
        limit: i64,
    ) -> Result<Vec<OrgContact>, StoreError>;
}

const TAG_COLUMNS: &str = "id, org_id, group_name, name, created_at";

#[derive(sqlx::FromRow)]
struct TagRow {
    id: i64,
    org_id: i64,
    group_name: String,
    name: String,
    created_at: i64,
}

impl From<TagRow> for Tag {
    fn from(r: TagRow) -> Self {
        Tag {
            id: TagId::new(r.id),
            org_id: OrgId::new(r.org_id),
            group: r.group_name,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    contact_id: i64,
    #[sqlx(flatten)]
    tag: TagRow,
}

#[derive(sqlx::FromRow)]
struct OrgContactRow {
    id: i64,
    since: i64,
    source: String,
    channel: Option<String>,
    holder_id: i64,
    holder_name: String,
    holder_title: Option<String>,
    holder_status: String,
    holder_org_name: String,
    member_id: i64,
    name: String,
    title: Option<String>,
    org_id: i64,
    org_name: String,
}

/// Whose tags to read: one member's (a member links only their organization's tags), or those
/// of every member of an organization (its library's).
#[derive(Clone, Copy)]
enum TagsOf {
    Member(MemberId),
    Org(OrgId),
}

impl OrgContactRow {
    fn into_contact(self, org_id: OrgId) -> Result<OrgContact, StoreError> {
        Ok(OrgContact {
            id: ContactId::new(self.id),
            since: self.since,
            holder_status: MemberStatus::from_stored(&self.holder_status)
                .ok_or_else(|| corrupt("member status", &self.holder_status))?,
            holder: party(
                self.holder_id,
                self.holder_name,
                self.holder_title,
                org_id.get(),
                self.holder_org_name,
            ),
            contact: party(
                self.member_id,
                self.name,
                self.title,
                self.org_id,
                self.org_name,
            ),
            source: ContactSource::parse(&self.source)
                .ok_or_else(|| corrupt("source", &self.source))?,
            channel: self.channel,
            tags: Vec::new(),
        })
    }
}

for_both_databases! {
    /// The tags on `contacts` that `whose` put there, by contact, each list by group and name.
    async fn fetch_tags(
        conn: &mut Conn,
        whose: TagsOf,
        contacts: &[ContactId],
    ) -> Result<HashMap<ContactId, Vec<Tag>>, StoreError> {
        let mut tags: HashMap<ContactId, Vec<Tag>> = HashMap::new();
        if contacts.is_empty() {
            return Ok(tags);
        }
        let (column, id) = match whose {
            TagsOf::Member(m) => ("l.member_id", m.get()),
            TagsOf::Org(o) => ("t.org_id", o.get()),
        };
        let sql = format!(
            "SELECT l.contact_id, t.id, t.org_id, t.group_name, t.name, t.created_at \
             FROM contact_tag_links l JOIN contact_tags t ON t.id = l.tag_id \
             WHERE {column} = $1 AND l.contact_id IN ({}) ORDER BY t.group_name, t.name",
            placeholders(2, contacts.len())
        );
        let mut query = sqlx::query_as::<_, LinkRow>(&sql).bind(id);
        for c in contacts {
            query = query.bind(c.get());
        }
        for row in query.fetch_all(&mut *conn).await? {
            tags.entry(ContactId::new(row.contact_id)).or_default().push(row.tag.into());
        }
        Ok(tags)
    }

    async fn fetch_entries(
        conn: &mut Conn,
        member_id: MemberId,
        contacts: &[ContactId],
    ) -> Result<HashMap<ContactId, BookEntry>, StoreError> {
        let mut entries: HashMap<ContactId, BookEntry> = HashMap::new();
        if contacts.is_empty() {
            return Ok(entries);
        }
        let sql = format!(
            "SELECT contact_id, remark, note FROM contact_notes WHERE member_id = $1 AND contact_id IN ({})",
            placeholders(2, contacts.len())
        );
        let mut query = sqlx::query_as::<_, (i64, Option<String>, Option<String>)>(&sql)
            .bind(member_id.get());
        for c in contacts {
            query = query.bind(c.get());
        }
        for (id, remark, note) in query.fetch_all(&mut *conn).await? {
            let entry = entries.entry(ContactId::new(id)).or_default();
            entry.remark = remark;
            entry.note = note;
        }
        for (id, tags) in fetch_tags(&mut *conn, TagsOf::Member(member_id), contacts).await? {
            entries.entry(id).or_default().tags = tags;
        }
        Ok(entries)
    }

    #[async_trait::async_trait]
    impl BookStore for Sql {
        async fn create_tag(
            &self,
            org_id: OrgId,
            tag: &NewTag,
            now: i64,
            event: EventFor<'_, Tag>,
        ) -> Result<Tag, StoreError> {
            let mut tx = self.begin_write().await?;
            let row = sqlx::query_as::<_, TagRow>(&format!(
                "INSERT INTO contact_tags (org_id, group_name, name, created_at) VALUES ($1, $2, $3, $4) \
                 RETURNING {TAG_COLUMNS}"
            ))
            .bind(org_id.get())
            .bind(tag.group.as_str())
            .bind(tag.name.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(classify(Conflict::Tag, "organization"))?;
            let tag = Tag::from(row);
            Self::write_event(&mut tx, &event(&tag)).await?;
            tx.commit().await?;
            Ok(tag)
        }

        async fn list_tags(&self, org_id: OrgId) -> Result<Vec<Tag>, StoreError> {
            let rows = sqlx::query_as::<_, TagRow>(&format!(
                "SELECT {TAG_COLUMNS} FROM contact_tags WHERE org_id = $1 ORDER BY group_name, name"
            ))
            .bind(org_id.get())
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(Tag::from).collect())
        }

        async fn delete_tag(
            &self,
            org_id: OrgId,
            tag_id: TagId,
            event: EventFor<'_, Tag>,
        ) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            // The links first (a write, so SQLite's lock is held before anything is read), then
            // the tag; a foreign key would refuse the other order on a database without cascades.
            sqlx::query(
                "DELETE FROM contact_tag_links WHERE tag_id IN \
                 (SELECT id FROM contact_tags WHERE id = $1 AND org_id = $2)",
            )
            .bind(tag_id.get())
            .bind(org_id.get())
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query_as::<_, TagRow>(&format!(
                "DELETE FROM contact_tags WHERE id = $1 AND org_id = $2 RETURNING {TAG_COLUMNS}"
            ))
            .bind(tag_id.get())
            .bind(org_id.get())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("tag"))?;
            Self::write_event(&mut tx, &event(&Tag::from(row))).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn update_book(
            &self,
            member_id: MemberId,
            contact_id: ContactId,
            patch: &BookPatch,
            now: i64,
            event: EventFor<'_, BookChange>,
        ) -> Result<BookEntry, StoreError> {
            let mut tx = self.begin_write().await?;
            let held: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM external_contacts WHERE id = $1 AND (member_a = $2 OR member_b = $2)",
            )
            .bind(contact_id.get())
            .bind(member_id.get())
            .fetch_optional(&mut *tx)
            .await?;
            if held.is_none() {
                return Err(StoreError::NotFound("contact"));
            }
            let (org_id,): (i64,) = sqlx::query_as("SELECT org_id FROM members WHERE id = $1")
                .bind(member_id.get())
                .fetch_one(&mut *tx)
                .await?;
            // The member's row first, always: an upsert locks it, so concurrent changes to one
            // member's entry take turns (PostgreSQL; SQLite's write lock does it anyway), and
            // the tag replacement below cannot interleave into a set nobody asked for.
            let remark = patch.remark.clone().flatten();
            let note = patch.note.clone().flatten();
            sqlx::query(
                "INSERT INTO contact_notes (contact_id, member_id, remark, remark_folded, note, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (contact_id, member_id) DO UPDATE SET \
                 remark = CASE WHEN $7 THEN excluded.remark ELSE contact_notes.remark END, \
                 remark_folded = CASE WHEN $7 THEN excluded.remark_folded ELSE contact_notes.remark_folded END, \
                 note = CASE WHEN $8 THEN excluded.note ELSE contact_notes.note END, \
                 updated_at = excluded.updated_at",
            )
            .bind(contact_id.get())
            .bind(member_id.get())
            .bind(remark.as_ref().map(|r| r.as_str()))
            .bind(remark.as_ref().map(|r| fold_for_search(r.as_str())))
            .bind(note.as_ref().map(|n| n.as_str()))
            .bind(now)
            .bind(patch.remark.is_some())
            .bind(patch.note.is_some())
            .execute(&mut *tx)
            .await
            .map_err(missing_as("contact"))?;
            if let Some(tags) = &patch.tags {
                let mut wanted: Vec<i64> = tags.iter().map(|t| t.get()).collect();
                wanted.sort_unstable();
                wanted.dedup();
                if !wanted.is_empty() {
                    let sql = format!(
                        "SELECT COUNT(*) FROM contact_tags WHERE org_id = $1 AND id IN ({})",
                        placeholders(2, wanted.len())
                    );
                    let mut count = sqlx::query_as::<_, (i64,)>(&sql).bind(org_id);
                    for t in &wanted {
                        count = count.bind(*t);
                    }
                    let (found,) = count.fetch_one(&mut *tx).await?;
                    if usize::try_from(found).ok() != Some(wanted.len()) {
                        return Err(StoreError::NotFound("tag"));
                    }
                }
                sqlx::query("DELETE FROM contact_tag_links WHERE contact_id = $1 AND member_id = $2")
                    .bind(contact_id.get())
                    .bind(member_id.get())
                    .execute(&mut *tx)
                    .await?;
                for t in wanted {
                    sqlx::query(
                        "INSERT INTO contact_tag_links (contact_id, member_id, tag_id) VALUES ($1, $2, $3)",
                    )
                    .bind(contact_id.get())
                    .bind(member_id.get())
                    .bind(t)
                    .execute(&mut *tx)
                    .await
                    .map_err(missing_as("tag"))?;
                }
            }
            let entry = fetch_entries(&mut tx, member_id, &[contact_id])
                .await?
                .remove(&contact_id)
                .unwrap_or_default();
            let change = BookChange {
                contact_id,
                member_id,
                org_id: OrgId::new(org_id),
                entry,
            };
            Self::write_event(&mut tx, &event(&change)).await?;
            tx.commit().await?;
            Ok(change.entry)
        }

        async fn book_entries(
            &self,
            member_id: MemberId,
            contacts: &[ContactId],
        ) -> Result<HashMap<ContactId, BookEntry>, StoreError> {
            let mut conn = self.pool.acquire().await?;
            fetch_entries(&mut conn, member_id, contacts).await
        }

        async fn org_contacts(
            &self,
            org_id: OrgId,
            query: &OrgContactQuery,
            before: Option<ContactId>,
            limit: i64,
        ) -> Result<Vec<OrgContact>, StoreError> {
            let mut conn = self.pool.acquire().await?;
            let rows = sqlx::query_as::<_, OrgContactRow>(
                "SELECT c.id, c.created_at AS since, c.source, c.channel, h.id AS holder_id, \
                 h.display_name AS holder_name, h.title AS holder_title, h.status AS holder_status, \
                 ho.name AS holder_org_name, om.id AS member_id, om.display_name AS name, om.title, \
                 oo.id AS org_id, oo.name AS org_name \
                 FROM external_contacts c \
                 JOIN members h ON (h.id = c.member_a OR h.id = c.member_b) AND h.org_id = $1 \
                 JOIN organizations ho ON ho.id = h.org_id \
                 JOIN members om ON om.id = CASE WHEN c.member_a = h.id THEN c.member_b ELSE c.member_a END \
                 JOIN organizations oo ON oo.id = om.org_id \
                 WHERE c.id < $2 AND ($4 IS NULL OR h.id = $4) AND ($5 IS NULL OR c.source = $5) \
                 AND ($6 IS NULL OR c.channel = $6) \
                 AND ($7 IS NULL OR EXISTS (SELECT 1 FROM contact_tag_links l \
                     WHERE l.contact_id = c.id AND l.member_id = h.id AND l.tag_id = $7)) \
                 AND (NOT $8 OR (h.status = 'deactivated' AND NOT EXISTS (SELECT 1 FROM contact_transfers x \
                     WHERE x.contact_id = c.id AND x.status = 'waiting'))) \
                 ORDER BY c.id DESC LIMIT $3",
            )
            .bind(org_id.get())
            .bind(before.map_or(i64::MAX, ContactId::get))
            .bind(limit)
            .bind(query.holder.map(MemberId::get))
            .bind(query.source.map(ContactSource::as_str))
            .bind(query.channel.as_deref())
            .bind(query.tag.map(TagId::get))
            .bind(query.unassigned)
            .fetch_all(&mut *conn)
            .await?;
            let mut contacts = rows
                .into_iter()
                .map(|r| r.into_contact(org_id))
                .collect::<Result<Vec<_>, _>>()?;
            let ids: Vec<ContactId> = contacts.iter().map(|c| c.id).collect();
            let mut tags = fetch_tags(&mut conn, TagsOf::Org(org_id), &ids).await?;
            for c in &mut contacts {
                c.tags = tags.remove(&c.id).unwrap_or_default();
            }
            Ok(contacts)
        }
    }
}
