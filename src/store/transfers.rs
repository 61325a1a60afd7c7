//! Transfers of relations to a new holder, and departed members' successors.
//!
//! Each relation's transfer is one row, `waiting` until it is refused or its period ends. A
//! unique index allows one waiting transfer per relation, and every decision is one conditional
//! update of that row (`... WHERE status = 'waiting'`), so of a refusal and the end of the period
//! racing, or two transfers of the same contact, exactly one wins.

use super::contacts::{EventFor, party};
use super::mail::NewMail;
use super::{StoreError, corrupt, for_both_databases};
use crate::domain::contact::relation_pair;
use crate::domain::{
    Audit, ContactId, MailKind, MemberId, MemberStatus, NewTransfer, NotPossible, OrgId, Party,
    Transfer, TransferId, TransferKind, TransferQuery, TransferStatus,
};
use crate::qr::Lang;
use std::collections::HashSet;

/// A transfer to start, with what the service decided about it. Its kind follows from whether
/// `from` is still active, as the store reads them in the transaction.
#[derive(Debug, Clone)]
pub struct StartTransfer<'a> {
    pub transfer: &'a NewTransfer,
    /// Who starts it, as the audit log names them.
    pub actor: &'a str,
    pub now: i64,
    /// When the transfers take effect unless refused.
    pub effective_at: i64,
}

/// Transfers and successors.
/// Builds the mails that tell of transfers just started, queued in their transaction.
pub type NoticesFor<'a> = Option<&'a (dyn Fn(&[Transfer]) -> Vec<NewMail> + Send + Sync)>;

#[async_trait::async_trait]
pub trait TransferStore: Send + Sync {
    /// Starts the transfer of every relation `start.transfer` names that `from` holds: a waiting
    /// transfer each, or a `not_possible` one saying why, with the event `event` builds for
    /// each, all in one transaction. `NotFound("contact")` (nothing written) when a named
    /// relation is not one `from` holds.
    async fn start_transfers(
        &self,
        start: &StartTransfer<'_>,
        event: EventFor<'_, Transfer>,
        notices: NoticesFor<'_>,
    ) -> Result<(Vec<Transfer>, Vec<MailKind>), StoreError>;
    /// Makes up to `limit` waiting transfers whose period ended by `now` take effect (or end as
    /// not possible), each with its event; how many were decided.
    async fn complete_due_transfers(
        &self,
        now: i64,
        limit: i64,
        event: EventFor<'_, Transfer>,
    ) -> Result<u64, StoreError>;
    /// The contact `member_id` refuses a waiting transfer within its period: the relation ends,
    /// with the event. `None` (nothing written) when the transfer is not theirs or no longer
    /// waiting, or its period is over.
    async fn refuse_transfer(
        &self,
        id: TransferId,
        member_id: MemberId,
        now: i64,
        event: EventFor<'_, Transfer>,
    ) -> Result<Option<Transfer>, StoreError>;
    /// Reads a transfer.
    async fn get_transfer(&self, id: TransferId) -> Result<Transfer, StoreError>;
    /// `org_id`'s transfers matching `query`, newest first, ids below `before`.
    async fn list_transfers(
        &self,
        org_id: OrgId,
        query: &TransferQuery,
        before: Option<TransferId>,
        limit: i64,
    ) -> Result<Vec<Transfer>, StoreError>;
    /// The transfers of relations `member_id` is the other side of (what they were told),
    /// newest first, ids below `before`.
    async fn transfer_notices(
        &self,
        member_id: MemberId,
        before: Option<TransferId>,
        limit: i64,
    ) -> Result<Vec<Transfer>, StoreError>;
    /// Names (or with `None` clears) the successor of a member of `org_id`, with its audit
    /// entry. `NotFound("member")` or `NotFound("successor")` for members outside `org_id`.
    async fn set_successor(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        successor: Option<MemberId>,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// A member's successor, if one was named.
    async fn successor_of(&self, member_id: MemberId) -> Result<Option<MemberId>, StoreError>;
    /// Every successor named in `org_id`: `(member, successor, whether the successor is active)`.
    async fn successor_links(
        &self,
        org_id: OrgId,
    ) -> Result<Vec<(MemberId, MemberId, bool)>, StoreError>;
}

#[derive(sqlx::FromRow)]
struct TransferRow {
    id: i64,
    org_id: i64,
    contact_id: i64,
    kind: String,
    message: Option<String>,
    status: String,
    reason: Option<String>,
    created_by: String,
    created_at: i64,
    effective_at: i64,
    decided_at: Option<i64>,
    org_name: String,
    from_id: i64,
    from_name: String,
    from_title: Option<String>,
    to_id: i64,
    to_name: String,
    to_title: Option<String>,
    other_id: i64,
    other_name: String,
    other_title: Option<String>,
    other_org_id: i64,
    other_org_name: String,
    other_org_lang: String,
}

impl TryFrom<TransferRow> for Transfer {
    type Error = StoreError;
    fn try_from(r: TransferRow) -> Result<Self, StoreError> {
        let reason = r
            .reason
            .as_deref()
            .map(|raw| NotPossible::parse(raw).ok_or_else(|| corrupt("transfer reason", raw)))
            .transpose()?;
        Ok(Transfer {
            id: TransferId::new(r.id),
            org_id: OrgId::new(r.org_id),
            contact_id: ContactId::new(r.contact_id),
            kind: TransferKind::parse(&r.kind).ok_or_else(|| corrupt("transfer kind", &r.kind))?,
            from: party(
                r.from_id,
                r.from_name,
                r.from_title,
                r.org_id,
                r.org_name.clone(),
            ),
            to: party(r.to_id, r.to_name, r.to_title, r.org_id, r.org_name),
            contact: party(
                r.other_id,
                r.other_name,
                r.other_title,
                r.other_org_id,
                r.other_org_name,
            ),
            contact_lang: org_lang(&r.other_org_lang)?,
            message: r.message,
            status: TransferStatus::parse(&r.status)
                .ok_or_else(|| corrupt("transfer status", &r.status))?,
            reason,
            created_by: r.created_by,
            created_at: r.created_at,
            effective_at: r.effective_at,
            decided_at: r.decided_at,
        })
    }
}

/// A transfer joined with its three members; filter with `WHERE` on alias `x`.
const TRANSFER_SELECT: &str = "SELECT x.id, x.org_id, x.contact_id, x.kind, x.message, x.status, \
     x.reason, x.created_by, x.created_at, x.effective_at, x.decided_at, ho.name AS org_name, \
     f.id AS from_id, f.display_name AS from_name, f.title AS from_title, \
     t.id AS to_id, t.display_name AS to_name, t.title AS to_title, \
     o.id AS other_id, o.display_name AS other_name, o.title AS other_title, \
     oo.id AS other_org_id, oo.name AS other_org_name, oo.lang AS other_org_lang \
     FROM contact_transfers x JOIN organizations ho ON ho.id = x.org_id \
     JOIN members f ON f.id = x.from_member JOIN members t ON t.id = x.to_member \
     JOIN members o ON o.id = x.other_member JOIN organizations oo ON oo.id = o.org_id";

/// The insert of one transfer row, for `concat!` with its conflict clause.
macro_rules! insert_transfer {
    () => {
        "INSERT INTO contact_transfers (org_id, contact_id, kind, from_member, to_member, \
         other_member, message, status, reason, created_by, created_at, effective_at, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    };
}

/// Whose transfers to list.
#[derive(Clone, Copy)]
enum ListOf<'a> {
    Org(OrgId, &'a TransferQuery),
    Contact(MemberId),
}

/// A member joined with their organization, as the other side sees them.
#[derive(sqlx::FromRow)]
struct PartyRow {
    id: i64,
    name: String,
    title: Option<String>,
    org_id: i64,
    org_name: String,
}

impl From<PartyRow> for Party {
    fn from(r: PartyRow) -> Self {
        party(r.id, r.name, r.title, r.org_id, r.org_name)
    }
}

/// A relation `from` holds, with its other side and their organization's language.
#[derive(sqlx::FromRow)]
struct HeldRow {
    contact_id: i64,
    #[sqlx(flatten)]
    other: PartyRow,
    org_lang: String,
}

/// An organization's stored language, parsed.
fn org_lang(raw: &str) -> Result<Lang, StoreError> {
    Lang::parse(raw).map_err(|_| corrupt("language", raw))
}

for_both_databases! {
    async fn fetch_transfer(conn: &mut Conn, id: TransferId) -> Result<Transfer, StoreError> {
        sqlx::query_as::<_, TransferRow>(&format!("{TRANSFER_SELECT} WHERE x.id = $1"))
            .bind(id.get())
            .fetch_optional(conn)
            .await?
            .ok_or(StoreError::NotFound("transfer"))?
            .try_into()
    }

    /// An active or deactivated member of `org_id`, with their status.
    async fn fetch_member(
        conn: &mut Conn,
        org_id: OrgId,
        member_id: MemberId,
        missing: &'static str,
    ) -> Result<(Party, MemberStatus), StoreError> {
        let row: Option<(i64, String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT m.id, m.display_name, m.title, m.status, o.name FROM members m \
             JOIN organizations o ON o.id = m.org_id WHERE m.id = $1 AND m.org_id = $2",
        )
        .bind(member_id.get())
        .bind(org_id.get())
        .fetch_optional(conn)
        .await?;
        let (id, name, title, status, org_name) = row.ok_or(StoreError::NotFound(missing))?;
        let status = MemberStatus::from_stored(&status).ok_or_else(|| corrupt("member status", &status))?;
        Ok((party(id, name, title, org_id.get(), org_name), status))
    }

    /// Decides one due transfer: it takes effect, or ends as not possible. `None` when another
    /// writer (a refusal) decided it first.
    async fn complete_one(conn: &mut Conn, id: TransferId, now: i64) -> Result<Option<Transfer>, StoreError> {
        let mut t = fetch_transfer(&mut *conn, id).await?;
        if t.status != TransferStatus::Waiting {
            return Ok(None);
        }
        let (from, to, other) = (t.from.member_id, t.to.member_id, t.contact.member_id);
        let (a, b) = relation_pair(to, other);
        // One round trip: whether the new holder is still active and already has the contact.
        let (to_active, connected): (bool, bool) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM members WHERE id = $1 AND status = 'active'), \
             EXISTS (SELECT 1 FROM external_contacts WHERE member_a = $2 AND member_b = $3)",
        )
        .bind(to.get())
        .bind(a.get())
        .bind(b.get())
        .fetch_one(&mut *conn)
        .await?;
        let mut reason = if !to_active {
            Some(NotPossible::SuccessorInactive)
        } else if connected {
            Some(NotPossible::AlreadyConnected)
        } else {
            None
        };
        let status = |reason: Option<NotPossible>| {
            if reason.is_some() { TransferStatus::NotPossible } else { TransferStatus::Done }
        };
        // The claim: of this and a concurrent refusal, one finds the row still waiting.
        let claimed = sqlx::query(
            "UPDATE contact_transfers SET status = $2, reason = $3, decided_at = $4 \
             WHERE id = $1 AND status = 'waiting'",
        )
        .bind(id.get())
        .bind(status(reason).as_str())
        .bind(reason.map(NotPossible::as_str))
        .bind(now)
        .execute(&mut *conn)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(None);
        }
        if reason.is_none() {
            let moved = sqlx::query(
                "UPDATE external_contacts SET member_a = $2, member_b = $3, source = 'transfer' \
                 WHERE id = $1 AND (member_a = $4 OR member_b = $4)",
            )
            .bind(t.contact_id.get())
            .bind(a.get())
            .bind(b.get())
            .bind(from.get())
            .execute(&mut *conn)
            .await?;
            if moved.rows_affected() == 0 {
                reason = Some(NotPossible::RelationGone);
                sqlx::query("UPDATE contact_transfers SET status = 'not_possible', reason = $2 WHERE id = $1")
                    .bind(id.get())
                    .bind(NotPossible::RelationGone.as_str())
                    .execute(&mut *conn)
                    .await?;
            } else {
                // What the old holder kept about the contact (the organization's tags, remark,
                // note) goes with the relation.
                for table in ["contact_notes", "contact_tag_links"] {
                    sqlx::query(&format!(
                        "UPDATE {table} SET member_id = $3 WHERE contact_id = $1 AND member_id = $2"
                    ))
                    .bind(t.contact_id.get())
                    .bind(from.get())
                    .bind(to.get())
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        // The row as written, without reading it back.
        let status = status(reason);
        t.status = status;
        t.reason = reason;
        t.decided_at = Some(now);
        Ok(Some(t))
    }

    /// Transfers newest first, ids below `before`: an organization's matching a query, or
    /// those a contact was told of (transfers that were not possible never reached them).
    async fn list_where(
        pool: &sqlx::Pool<Db>,
        of: ListOf<'_>,
        before: Option<TransferId>,
        limit: i64,
    ) -> Result<Vec<Transfer>, StoreError> {
        let none = TransferQuery::default();
        let (org, contact, query) = match of {
            ListOf::Org(org, query) => (Some(org.get()), None, query),
            ListOf::Contact(member) => (None, Some(member.get()), &none),
        };
        let rows = sqlx::query_as::<_, TransferRow>(&format!(
            "{TRANSFER_SELECT} WHERE ($1 IS NULL OR x.org_id = $1) \
             AND ($2 IS NULL OR (x.other_member = $2 AND x.status <> 'not_possible')) \
             AND x.id < $3 AND ($5 IS NULL OR x.status = $5) \
             AND ($6 IS NULL OR x.from_member = $6) AND ($7 IS NULL OR x.to_member = $7) \
             ORDER BY x.id DESC LIMIT $4"
        ))
        .bind(org)
        .bind(contact)
        .bind(before.map_or(i64::MAX, TransferId::get))
        .bind(limit)
        .bind(query.status.map(TransferStatus::as_str))
        .bind(query.from.map(MemberId::get))
        .bind(query.to.map(MemberId::get))
        .fetch_all(pool)
        .await?;
        rows.into_iter().map(Transfer::try_from).collect()
    }

    #[async_trait::async_trait]
    impl TransferStore for Sql {
        async fn start_transfers(
            &self,
            start: &StartTransfer<'_>,
            event: EventFor<'_, Transfer>,
            notices: NoticesFor<'_>,
        ) -> Result<(Vec<Transfer>, Vec<MailKind>), StoreError> {
            let new = start.transfer;
            let mut tx = self.begin_write().await?;
            let (from, from_status) = fetch_member(&mut tx, new.org_id, new.from, "member").await?;
            let kind = match from_status {
                MemberStatus::Active => TransferKind::Handover,
                MemberStatus::Deactivated => TransferKind::Departure,
            };
            let (to, _) = fetch_member(&mut tx, new.org_id, new.to, "successor").await?;
            let held: Vec<HeldRow> = sqlx::query_as(
                "SELECT c.id AS contact_id, m.id, m.display_name AS name, m.title, o.id AS org_id, \
                 o.name AS org_name, o.lang AS org_lang FROM external_contacts c \
                 JOIN members m ON m.id = CASE WHEN c.member_a = $1 THEN c.member_b ELSE c.member_a END \
                 JOIN organizations o ON o.id = m.org_id \
                 WHERE c.member_a = $1 OR c.member_b = $1 ORDER BY c.id",
            )
            .bind(new.from.get())
            .fetch_all(&mut *tx)
            .await?;
            let held = match &new.contacts {
                None => held,
                Some(wanted) => {
                    let wanted: HashSet<i64> = wanted.iter().map(|c| c.get()).collect();
                    let held: Vec<HeldRow> =
                        held.into_iter().filter(|h| wanted.contains(&h.contact_id)).collect();
                    if held.len() != wanted.len() {
                        return Err(StoreError::NotFound("contact"));
                    }
                    held
                }
            };
            // Whom the new holder already has: those relations cannot be handed to them.
            let theirs: HashSet<i64> = sqlx::query_as::<_, (i64,)>(
                "SELECT CASE WHEN member_a = $1 THEN member_b ELSE member_a END FROM external_contacts \
                 WHERE member_a = $1 OR member_b = $1",
            )
            .bind(new.to.get())
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(m,)| m)
            .collect();
            let message = new.message.as_ref().map(|m| m.as_str());
            let mut started = Vec::with_capacity(held.len());
            for h in held {
                let contact_lang = org_lang(&h.org_lang)?;
                let other: Party = h.other.into();
                let mut reason = theirs
                    .contains(&other.member_id.get())
                    .then_some(NotPossible::AlreadyConnected);
                let insert = |status: TransferStatus, reason: Option<NotPossible>| {
                    let sql = if status == TransferStatus::Waiting {
                        concat!(insert_transfer!(), " ON CONFLICT (contact_id) WHERE status = 'waiting' DO NOTHING RETURNING id")
                    } else {
                        concat!(insert_transfer!(), " RETURNING id")
                    };
                    sqlx::query_as::<_, (i64,)>(sql)
                    .bind(new.org_id.get())
                    .bind(h.contact_id)
                    .bind(kind.as_str())
                    .bind(new.from.get())
                    .bind(new.to.get())
                    .bind(other.member_id.get())
                    .bind(message)
                    .bind(status.as_str())
                    .bind(reason.map(NotPossible::as_str))
                    .bind(start.actor)
                    .bind(start.now)
                    .bind(start.effective_at)
                    .bind((status != TransferStatus::Waiting).then_some(start.now))
                };
                let mut id = None;
                if reason.is_none() {
                    id = insert(TransferStatus::Waiting, None).fetch_optional(&mut *tx).await?;
                    if id.is_none() {
                        reason = Some(NotPossible::AlreadyTransferring);
                    }
                }
                let (id,) = match id {
                    Some(id) => id,
                    None => insert(TransferStatus::NotPossible, reason).fetch_one(&mut *tx).await?,
                };
                let transfer = Transfer {
                    id: TransferId::new(id),
                    org_id: new.org_id,
                    contact_id: ContactId::new(h.contact_id),
                    kind,
                    from: from.clone(),
                    to: to.clone(),
                    contact: other,
                    contact_lang,
                    message: message.map(str::to_owned),
                    status: if reason.is_some() { TransferStatus::NotPossible } else { TransferStatus::Waiting },
                    reason,
                    created_by: start.actor.to_owned(),
                    created_at: start.now,
                    effective_at: start.effective_at,
                    decided_at: reason.map(|_| start.now),
                };
                Self::write_event(&mut tx, &event(&transfer)).await?;
                started.push(transfer);
            }
            // The notices by e-mail go with the transfers, in their transaction.
            let mut queued = Vec::new();
            for mail in notices.map(|build| build(&started)).unwrap_or_default() {
                if Self::insert_mail(&mut tx, &mail).await?.is_some() {
                    queued.push(mail.kind);
                }
            }
            tx.commit().await?;
            Ok((started, queued))
        }

        async fn complete_due_transfers(
            &self,
            now: i64,
            limit: i64,
            event: EventFor<'_, Transfer>,
        ) -> Result<u64, StoreError> {
            let mut tx = self.begin_write().await?;
            let due: Vec<(i64,)> = sqlx::query_as(
                "SELECT id FROM contact_transfers WHERE status = 'waiting' AND effective_at <= $1 \
                 ORDER BY id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            let mut decided = 0;
            for (id,) in due {
                if let Some(t) = complete_one(&mut tx, TransferId::new(id), now).await? {
                    Self::write_event(&mut tx, &event(&t)).await?;
                    decided += 1;
                }
            }
            tx.commit().await?;
            Ok(decided)
        }

        async fn refuse_transfer(
            &self,
            id: TransferId,
            member_id: MemberId,
            now: i64,
            event: EventFor<'_, Transfer>,
        ) -> Result<Option<Transfer>, StoreError> {
            let mut tx = self.begin_write().await?;
            let refused = sqlx::query(
                "UPDATE contact_transfers SET status = 'refused', decided_at = $3 \
                 WHERE id = $1 AND other_member = $2 AND status = 'waiting' AND effective_at > $3",
            )
            .bind(id.get())
            .bind(member_id.get())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if refused.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(None);
            }
            let t = fetch_transfer(&mut tx, id).await?;
            // A refusal ends the relationship: the relation goes, and what both sides kept with
            // it (their foreign keys cascade, as for a removed contact).
            sqlx::query("DELETE FROM external_contacts WHERE id = $1")
                .bind(t.contact_id.get())
                .execute(&mut *tx)
                .await?;
            Self::write_event(&mut tx, &event(&t)).await?;
            tx.commit().await?;
            Ok(Some(t))
        }

        async fn get_transfer(&self, id: TransferId) -> Result<Transfer, StoreError> {
            let mut conn = self.pool.acquire().await?;
            fetch_transfer(&mut conn, id).await
        }

        async fn list_transfers(
            &self,
            org_id: OrgId,
            query: &TransferQuery,
            before: Option<TransferId>,
            limit: i64,
        ) -> Result<Vec<Transfer>, StoreError> {
            list_where(&self.pool, ListOf::Org(org_id, query), before, limit).await
        }

        async fn transfer_notices(
            &self,
            member_id: MemberId,
            before: Option<TransferId>,
            limit: i64,
        ) -> Result<Vec<Transfer>, StoreError> {
            list_where(&self.pool, ListOf::Contact(member_id), before, limit).await
        }

        async fn set_successor(
            &self,
            org_id: OrgId,
            member_id: MemberId,
            successor: Option<MemberId>,
            audit: &Audit,
        ) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            fetch_member(&mut tx, org_id, member_id, "member").await?;
            match successor {
                None => {
                    sqlx::query("DELETE FROM member_successors WHERE member_id = $1")
                        .bind(member_id.get())
                        .execute(&mut *tx)
                        .await?;
                }
                Some(s) => {
                    fetch_member(&mut tx, org_id, s, "successor").await?;
                    sqlx::query(
                        "INSERT INTO member_successors (member_id, successor_id, set_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (member_id) DO UPDATE SET successor_id = excluded.successor_id, \
                         set_at = excluded.set_at",
                    )
                    .bind(member_id.get())
                    .bind(s.get())
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn successor_of(&self, member_id: MemberId) -> Result<Option<MemberId>, StoreError> {
            let row: Option<(i64,)> =
                sqlx::query_as("SELECT successor_id FROM member_successors WHERE member_id = $1")
                    .bind(member_id.get())
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(row.map(|(s,)| MemberId::new(s)))
        }

        async fn successor_links(
            &self,
            org_id: OrgId,
        ) -> Result<Vec<(MemberId, MemberId, bool)>, StoreError> {
            let rows: Vec<(i64, i64, String)> = sqlx::query_as(
                "SELECT s.member_id, s.successor_id, t.status FROM member_successors s \
                 JOIN members m ON m.id = s.member_id JOIN members t ON t.id = s.successor_id \
                 WHERE m.org_id = $1",
            )
            .bind(org_id.get())
            .fetch_all(&self.pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(m, s, status)| {
                    (MemberId::new(m), MemberId::new(s), status == MemberStatus::Active.as_str())
                })
                .collect())
        }
    }
}
