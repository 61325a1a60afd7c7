//! External contacts: requests (one pending per pair, a unique index), decisions (one
//! conditional update each), the mutual relations accepted requests create, and the phone
//! lookup counter. Every change writes the event the service built for it, in its transaction.

use super::mail::NewMail;
use super::{Conflict, Event, StoreError, corrupt, for_both_databases, like_pattern, placeholders};
use crate::card::CardId;
use crate::domain::contact::relation_pair;
use crate::domain::{
    Contact, ContactId, ContactQuery, ContactRequest, ContactSource, ContactWayId, Decision,
    MemberId, OrgId, OrgRef, Party, RequestId, RequestStatus, ScanOutcome, TagId, Via,
    fold_for_search,
};

/// A request to be created.
#[derive(Debug, Clone)]
pub struct NewContactRequest {
    pub requester_org_id: OrgId,
    pub requester_id: MemberId,
    pub owner_org_id: OrgId,
    pub owner_id: MemberId,
    pub via: Via,
    pub source: ContactSource,
    /// The scanned card; a one-time card is consumed in the same transaction.
    pub card_id: Option<CardId>,
    pub card_channel: Option<String>,
    pub one_time_card: bool,
    /// The contact way scanned; a one-time way is claimed in the same transaction, and the scan
    /// is recorded on the way with what came of it (a request, one pending, a contact).
    pub way: Option<ContactWayId>,
    pub one_time_way: bool,
    /// The round-robin turn of `way` this request was routed by: claimed in the same
    /// transaction (so a team-code scan commits once), or [`RequestCreated::TurnTaken`] when a
    /// concurrent scan claimed it first.
    pub turn: Option<u64>,
    pub created_at: i64,
    pub expires_at: i64,
}

impl NewContactRequest {
    /// The scan of `way` that made this request, or found one pending or a contact.
    fn scan_of(&self, way: ContactWayId, outcome: ScanOutcome) -> super::ways::WayScan<'_> {
        super::ways::WayScan {
            way,
            org_id: self.owner_org_id,
            channel: self.card_channel.as_deref(),
            at: self.created_at,
            outcome,
        }
    }
}

/// What creating a request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestCreated {
    /// A new pending request, and whether the owner's notice by e-mail was queued with it.
    Created(ContactRequest, bool),
    /// The requester already has a pending request to this owner: nothing new was written.
    AlreadyPending(ContactRequest),
    /// The two are already external contacts.
    AlreadyConnected(Contact),
    /// The one-time card was used by an earlier request.
    CardAlreadyUsed,
    /// The one-time contact way was used by an earlier request.
    WayAlreadyUsed,
    /// A concurrent scan claimed the round-robin turn first: nothing was written, route again.
    TurnTaken,
}

/// Which requests of a member to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Requests to the member (their inbox).
    Incoming,
    /// Requests the member made.
    Outgoing,
}

/// A relation just removed, for its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedContact {
    pub id: ContactId,
    /// The member who removed it, and their organization.
    pub by: MemberId,
    pub by_org: OrgId,
    /// The other member.
    pub other: Party,
}

/// Builds the event of a change from the row the change produced (known only inside the
/// transaction, which the event is written in).
pub type EventFor<'a, T> = &'a (dyn Fn(&T) -> Event + Send + Sync);

/// Builds the mail that tells of a new request (`None`: no mail), queued in the request's
/// transaction, so the request and its notice are written together or not at all.
pub type NoticeFor<'a> = Option<&'a (dyn Fn(&ContactRequest) -> Option<NewMail> + Send + Sync)>;

/// Contact requests and relations.
#[async_trait::async_trait]
pub trait ContactStore: Send + Sync {
    /// Creates a pending request, or reports why not (already pending, already connected, one-time
    /// card used), in one transaction with the event `event` builds. Concurrent calls for the same
    /// pair create one request.
    async fn create_contact_request(
        &self,
        request: &NewContactRequest,
        event: EventFor<'_, ContactRequest>,
        notice: NoticeFor<'_>,
    ) -> Result<RequestCreated, StoreError>;
    /// Reads a request as of `now` (a pending request past its expiry reads as expired).
    async fn get_contact_request(
        &self,
        id: RequestId,
        now: i64,
    ) -> Result<ContactRequest, StoreError>;
    /// Decides a pending, unexpired request by the party `decision` belongs to; an accept creates
    /// the relation in the same transaction. `None` when it was no longer pending (nothing written).
    async fn decide_contact_request(
        &self,
        id: RequestId,
        member_id: MemberId,
        decision: Decision,
        now: i64,
        event: EventFor<'_, ContactRequest>,
    ) -> Result<Option<ContactRequest>, StoreError>;
    /// Lists a member's requests, newest first, with ids below `before` (`None`: from the newest).
    async fn list_contact_requests(
        &self,
        member_id: MemberId,
        direction: Direction,
        status: Option<RequestStatus>,
        now: i64,
        before: Option<RequestId>,
        limit: i64,
    ) -> Result<Vec<ContactRequest>, StoreError>;
    /// Marks pending requests past their expiry as expired; returns how many.
    async fn expire_contact_requests(&self, now: i64) -> Result<u64, StoreError>;
    /// The requester's pending, unexpired request to this owner, if any.
    async fn pending_request(
        &self,
        requester_id: MemberId,
        owner_id: MemberId,
        now: i64,
    ) -> Result<Option<ContactRequest>, StoreError>;
    /// The first of `members` (in their order) the requester already has a relation with (hidden
    /// or not) or a pending, unexpired request to; `None` when none. A few queries for any
    /// number of members (a department's way may have thousands).
    async fn first_connected(
        &self,
        requester_id: MemberId,
        members: &[MemberId],
        now: i64,
    ) -> Result<Option<MemberId>, StoreError>;
    /// The relation between two members, as `member_id` sees it, if any (hidden or not).
    async fn find_contact(
        &self,
        member_id: MemberId,
        other_id: MemberId,
    ) -> Result<Option<Contact>, StoreError>;
    /// A member's visible external contacts matching `query`, newest first, ids below `before`
    /// (`None`: from the newest). Relations with a deactivated member, or with an organization
    /// whose policy is `disabled`, are kept but not shown.
    async fn list_contacts(
        &self,
        member_id: MemberId,
        query: &ContactQuery,
        before: Option<ContactId>,
        limit: i64,
    ) -> Result<Vec<Contact>, StoreError>;
    /// Removes a relation `member_id` is part of, with the event `event` builds.
    async fn remove_contact(
        &self,
        member_id: MemberId,
        contact_id: ContactId,
        event: EventFor<'_, RemovedContact>,
    ) -> Result<(), StoreError>;
    /// Counts one phone lookup by `member_id` and returns how many it made in the current
    /// `window_secs`-long window (this one included), atomically.
    async fn record_phone_lookup(
        &self,
        member_id: MemberId,
        now: i64,
        window_secs: i64,
    ) -> Result<i64, StoreError>;
    /// The same count for the members of `org_id` together.
    async fn record_org_phone_lookup(
        &self,
        org_id: OrgId,
        now: i64,
        window_secs: i64,
    ) -> Result<i64, StoreError>;
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    status: String,
    via: String,
    source: String,
    card_channel: Option<String>,
    created_at: i64,
    expires_at: i64,
    decided_at: Option<i64>,
    requester_id: i64,
    requester_name: String,
    requester_title: Option<String>,
    requester_org_id: i64,
    requester_org_name: String,
    owner_id: i64,
    owner_name: String,
    owner_title: Option<String>,
    owner_org_id: i64,
    owner_org_name: String,
    way_id: Option<i64>,
    welcome: Option<String>,
}

pub(super) fn party(
    member: i64,
    name: String,
    title: Option<String>,
    org: i64,
    org_name: String,
) -> Party {
    Party {
        member_id: MemberId::new(member),
        name,
        title,
        organization: OrgRef {
            id: OrgId::new(org),
            name: org_name,
        },
    }
}

impl RequestRow {
    /// The request as of `now`: a pending request past its expiry reads as expired.
    fn at(self, now: i64) -> Result<ContactRequest, StoreError> {
        let mut status =
            RequestStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        if status == RequestStatus::Pending && self.expires_at <= now {
            status = RequestStatus::Expired;
        }
        let welcome = self
            .welcome
            .filter(|_| status == RequestStatus::Accepted)
            .map(|w| crate::domain::way::welcome_text(&w, &self.requester_name, &self.owner_name));
        Ok(ContactRequest {
            id: RequestId::new(self.id),
            status,
            via: Via::parse(&self.via).ok_or_else(|| corrupt("via", &self.via))?,
            source: ContactSource::parse(&self.source)
                .ok_or_else(|| corrupt("source", &self.source))?,
            card_channel: self.card_channel,
            requester: party(
                self.requester_id,
                self.requester_name,
                self.requester_title,
                self.requester_org_id,
                self.requester_org_name,
            ),
            owner: party(
                self.owner_id,
                self.owner_name,
                self.owner_title,
                self.owner_org_id,
                self.owner_org_name,
            ),
            created_at: self.created_at,
            expires_at: self.expires_at,
            decided_at: self.decided_at,
            way: self.way_id.map(ContactWayId::new),
            welcome,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: i64,
    since: i64,
    source: String,
    channel: Option<String>,
    member_id: i64,
    name: String,
    title: Option<String>,
    org_id: i64,
    org_name: String,
    mobile: Option<String>,
    card_url: Option<String>,
}

impl TryFrom<ContactRow> for Contact {
    type Error = StoreError;
    fn try_from(r: ContactRow) -> Result<Self, StoreError> {
        Ok(Contact {
            id: ContactId::new(r.id),
            since: r.since,
            source: ContactSource::parse(&r.source).ok_or_else(|| corrupt("source", &r.source))?,
            channel: r.channel,
            contact: party(r.member_id, r.name, r.title, r.org_id, r.org_name),
            mobile: r.mobile,
            card_url: r.card_url,
            book: None,
        })
    }
}

/// A request joined with both parties; filter with `WHERE` on alias `r`.
const REQUEST_SELECT: &str = "SELECT r.id, r.status, r.via, r.source, r.card_channel, r.created_at, r.expires_at, \
     r.decided_at, r.requester_id, rm.display_name AS requester_name, rm.title AS requester_title, \
     r.requester_org_id, ro.name AS requester_org_name, r.owner_id, om.display_name AS owner_name, \
     om.title AS owner_title, r.owner_org_id, oo.name AS owner_org_name, r.way_id, w.welcome \
     FROM contact_requests r \
     JOIN members rm ON rm.id = r.requester_id JOIN organizations ro ON ro.id = r.requester_org_id \
     JOIN members om ON om.id = r.owner_id JOIN organizations oo ON oo.id = r.owner_org_id \
     LEFT JOIN contact_ways w ON w.id = r.way_id";

/// A relation seen from member `$1`: the other member and organization; filter on alias `c`.
const CONTACT_SELECT: &str = "SELECT c.id, c.created_at AS since, c.source, c.channel, om.id AS member_id, \
     om.display_name AS name, om.title, oo.id AS org_id, oo.name AS org_name, \
     CASE WHEN om.share_mobile THEN om.mobile END AS mobile, \
     (SELECT k.text FROM cards k WHERE k.member_id = om.id AND k.is_primary AND k.revoked_at IS NULL \
      ORDER BY k.issued_at DESC LIMIT 1) AS card_url \
     FROM external_contacts c \
     JOIN members om ON om.id = CASE WHEN c.member_a = $1 THEN c.member_b ELSE c.member_a END \
     JOIN organizations oo ON oo.id = om.org_id";

for_both_databases! {
    async fn fetch_request(conn: &mut Conn, id: RequestId, now: i64) -> Result<ContactRequest, StoreError> {
        sqlx::query_as::<_, RequestRow>(&format!("{REQUEST_SELECT} WHERE r.id = $1"))
            .bind(id.get())
            .fetch_optional(conn)
            .await?
            .ok_or(StoreError::NotFound("contact request"))?
            .at(now)
    }

    /// The pair's pending, unexpired request, if any.
    async fn fetch_pending(
        conn: &mut Conn,
        requester_id: MemberId,
        owner_id: MemberId,
        now: i64,
    ) -> Result<Option<ContactRequest>, StoreError> {
        sqlx::query_as::<_, RequestRow>(&format!(
            "{REQUEST_SELECT} WHERE r.requester_id = $1 AND r.owner_id = $2 AND r.status = 'pending' \
             AND r.expires_at > $3"
        ))
        .bind(requester_id.get())
        .bind(owner_id.get())
        .bind(now)
        .fetch_optional(conn)
        .await?
        .map(|r| r.at(now))
        .transpose()
    }

    async fn fetch_contact(conn: &mut Conn, member_id: MemberId, other_id: MemberId) -> Result<Option<Contact>, StoreError> {
        let (a, b) = relation_pair(member_id, other_id);
        sqlx::query_as::<_, ContactRow>(&format!(
            "{CONTACT_SELECT} WHERE c.member_a = $2 AND c.member_b = $3"
        ))
        .bind(member_id.get())
        .bind(a.get())
        .bind(b.get())
        .fetch_optional(conn)
        .await?
        .map(Contact::try_from)
        .transpose()
    }

    #[async_trait::async_trait]
    impl ContactStore for Sql {
        async fn create_contact_request(
            &self,
            req: &NewContactRequest,
            event: EventFor<'_, ContactRequest>,
            notice: NoticeFor<'_>,
        ) -> Result<RequestCreated, StoreError> {
            // A concurrent creation for the same pair makes the insert a no-op; the retry then
            // finds that request pending.
            for _ in 0..3 {
                let mut tx = self.begin_write().await?;
                // A write first: on SQLite it takes the write lock before anything is read, so
                // concurrent creations queue instead of failing on a stale snapshot.
                sqlx::query(
                    "UPDATE contact_requests SET status = 'expired', decided_at = expires_at \
                     WHERE requester_id = $1 AND owner_id = $2 AND status = 'pending' AND expires_at <= $3",
                )
                .bind(req.requester_id.get())
                .bind(req.owner_id.get())
                .bind(req.created_at)
                .execute(&mut *tx)
                .await?;
                if let (Some(way), Some(turn)) = (req.way, req.turn) {
                    // The claim: of concurrent scans routed by the same turn, one finds it free
                    // (on PostgreSQL the others wait for its row lock, then find it moved on).
                    let claimed = sqlx::query("UPDATE contact_ways SET turns = turns + 1 WHERE id = $1 AND turns = $2")
                        .bind(way.get())
                        .bind(i64::try_from(turn).unwrap_or(i64::MAX))
                        .execute(&mut *tx)
                        .await?;
                    if claimed.rows_affected() == 0 {
                        tx.rollback().await?;
                        return Ok(RequestCreated::TurnTaken);
                    }
                }
                if let Some(contact) = fetch_contact(&mut tx, req.requester_id, req.owner_id).await? {
                    if let Some(way) = req.way {
                        Sql::insert_scan(&mut tx, &req.scan_of(way, ScanOutcome::AlreadyConnected)).await?;
                        tx.commit().await?;
                    }
                    return Ok(RequestCreated::AlreadyConnected(contact));
                }
                if let Some(pending) = fetch_pending(&mut tx, req.requester_id, req.owner_id, req.created_at).await? {
                    if let Some(way) = req.way {
                        Sql::insert_scan(&mut tx, &req.scan_of(way, ScanOutcome::AlreadyPending)).await?;
                        tx.commit().await?;
                    }
                    return Ok(RequestCreated::AlreadyPending(pending));
                }
                let card_id = req.card_id.map(|c| c.to_string());
                let inserted: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO contact_requests (requester_org_id, requester_id, owner_org_id, owner_id, via, \
                     card_id, card_channel, status, created_at, expires_at, source, way_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10, $11) \
                     ON CONFLICT (requester_id, owner_id) WHERE status = 'pending' DO NOTHING RETURNING id",
                )
                .bind(req.requester_org_id.get())
                .bind(req.requester_id.get())
                .bind(req.owner_org_id.get())
                .bind(req.owner_id.get())
                .bind(req.via.as_str())
                .bind(&card_id)
                .bind(&req.card_channel)
                .bind(req.created_at)
                .bind(req.expires_at)
                .bind(req.source.as_str())
                .bind(req.way.map(ContactWayId::get))
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id,)) = inserted else {
                    tx.rollback().await?;
                    continue;
                };
                if req.one_time_card {
                    let used = sqlx::query("UPDATE cards SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                        .bind(&card_id)
                        .bind(req.created_at)
                        .execute(&mut *tx)
                        .await?;
                    if used.rows_affected() == 0 {
                        tx.rollback().await?;
                        return Ok(RequestCreated::CardAlreadyUsed);
                    }
                }
                if let (Some(way), true) = (req.way, req.one_time_way) {
                    // The claim: of concurrent first scans of a one-time way, one finds it unused.
                    let used = sqlx::query("UPDATE contact_ways SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                        .bind(way.get())
                        .bind(req.created_at)
                        .execute(&mut *tx)
                        .await?;
                    if used.rows_affected() == 0 {
                        tx.rollback().await?;
                        return Ok(RequestCreated::WayAlreadyUsed);
                    }
                }
                if let Some(way) = req.way {
                    Sql::insert_scan(&mut tx, &req.scan_of(way, ScanOutcome::Requested)).await?;
                }
                let view = fetch_request(&mut tx, RequestId::new(id), req.created_at).await?;
                Self::write_event(&mut tx, &event(&view)).await?;
                let mail = notice.and_then(|build| build(&view));
                let queued = match mail {
                    Some(m) => Self::insert_mail(&mut tx, &m).await?.is_some(),
                    None => false,
                };
                tx.commit().await?;
                return Ok(RequestCreated::Created(view, queued));
            }
            Err(StoreError::Conflict(Conflict::ContactRequest))
        }

        async fn get_contact_request(&self, id: RequestId, now: i64) -> Result<ContactRequest, StoreError> {
            let mut conn = self.pool.acquire().await?;
            fetch_request(&mut conn, id, now).await
        }

        async fn decide_contact_request(
            &self,
            id: RequestId,
            member_id: MemberId,
            decision: Decision,
            now: i64,
            event: EventFor<'_, ContactRequest>,
        ) -> Result<Option<ContactRequest>, StoreError> {
            let mut tx = self.begin_write().await?;
            // The conditional update is the decision: of concurrent decisions exactly one
            // finds the request still pending.
            let done = sqlx::query(
                "UPDATE contact_requests SET status = $2, decided_at = $3 \
                 WHERE id = $1 AND status = 'pending' AND expires_at > $3 \
                 AND (CASE WHEN $4 THEN owner_id ELSE requester_id END) = $5",
            )
            .bind(id.get())
            .bind(decision.outcome().as_str())
            .bind(now)
            .bind(decision.by_owner())
            .bind(member_id.get())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(None);
            }
            let view = fetch_request(&mut tx, id, now).await?;
            if decision == Decision::Accept {
                let (a, b) = relation_pair(view.requester.member_id, view.owner.member_id);
                // The relation keeps where it came from: the request's source and channel.
                sqlx::query(
                    "INSERT INTO external_contacts (member_a, member_b, request_id, created_at, source, channel) \
                     SELECT $1, $2, id, $4, source, card_channel FROM contact_requests WHERE id = $3 \
                     ON CONFLICT (member_a, member_b) DO NOTHING",
                )
                .bind(a.get())
                .bind(b.get())
                .bind(id.get())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            Self::write_event(&mut tx, &event(&view)).await?;
            tx.commit().await?;
            Ok(Some(view))
        }

        async fn list_contact_requests(
            &self,
            member_id: MemberId,
            direction: Direction,
            status: Option<RequestStatus>,
            now: i64,
            before: Option<RequestId>,
            limit: i64,
        ) -> Result<Vec<ContactRequest>, StoreError> {
            let side = match direction {
                Direction::Incoming => "r.owner_id",
                Direction::Outgoing => "r.requester_id",
            };
            let rows = sqlx::query_as::<_, RequestRow>(&format!(
                "{REQUEST_SELECT} WHERE {side} = $1 AND r.id < $2 AND ($3 IS NULL OR \
                 (CASE WHEN r.status = 'pending' AND r.expires_at <= $4 THEN 'expired' ELSE r.status END) = $3) \
                 ORDER BY r.id DESC LIMIT $5"
            ))
            .bind(member_id.get())
            .bind(before.map_or(i64::MAX, RequestId::get))
            .bind(status.map(RequestStatus::as_str))
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter().map(|r| r.at(now)).collect()
        }

        async fn expire_contact_requests(&self, now: i64) -> Result<u64, StoreError> {
            let done = sqlx::query(
                "UPDATE contact_requests SET status = 'expired', decided_at = expires_at \
                 WHERE status = 'pending' AND expires_at <= $1",
            )
            .bind(now)
            .execute(self.writer())
            .await?;
            Ok(done.rows_affected())
        }

        async fn pending_request(&self, requester_id: MemberId, owner_id: MemberId, now: i64) -> Result<Option<ContactRequest>, StoreError> {
            let mut conn = self.pool.acquire().await?;
            fetch_pending(&mut conn, requester_id, owner_id, now).await
        }

        async fn first_connected(
            &self,
            requester_id: MemberId,
            members: &[MemberId],
            now: i64,
        ) -> Result<Option<MemberId>, StoreError> {
            let mut connected = std::collections::HashSet::new();
            for chunk in members.chunks(500) {
                let list = placeholders(3, chunk.len());
                let sql = format!(
                    "SELECT CASE WHEN member_a = $1 THEN member_b ELSE member_a END FROM external_contacts \
                     WHERE (member_a = $1 AND member_b IN ({list})) OR (member_b = $1 AND member_a IN ({list})) \
                     UNION SELECT owner_id FROM contact_requests WHERE requester_id = $1 \
                     AND status = 'pending' AND expires_at > $2 AND owner_id IN ({list})"
                );
                let mut query = sqlx::query_as::<_, (i64,)>(&sql).bind(requester_id.get()).bind(now);
                for m in chunk {
                    query = query.bind(m.get());
                }
                connected.extend(query.fetch_all(&self.pool).await?.into_iter().map(|(m,)| m));
            }
            Ok(members.iter().copied().find(|m| connected.contains(&m.get())))
        }

        async fn find_contact(&self, member_id: MemberId, other_id: MemberId) -> Result<Option<Contact>, StoreError> {
            let mut conn = self.pool.acquire().await?;
            fetch_contact(&mut conn, member_id, other_id).await
        }

        async fn list_contacts(
            &self,
            member_id: MemberId,
            query: &ContactQuery,
            before: Option<ContactId>,
            limit: i64,
        ) -> Result<Vec<Contact>, StoreError> {
            let rows = sqlx::query_as::<_, ContactRow>(&format!(
                "{CONTACT_SELECT} JOIN members me ON me.id = $1 JOIN organizations mo ON mo.id = me.org_id \
                 LEFT JOIN contact_notes n ON n.contact_id = c.id AND n.member_id = $1 \
                 WHERE (c.member_a = $1 OR c.member_b = $1) AND c.id < $2 \
                 AND me.status = 'active' AND om.status = 'active' \
                 AND mo.policy <> 'disabled' AND oo.policy <> 'disabled' \
                 AND ($4 IS NULL OR c.source = $4) AND ($5 IS NULL OR c.channel = $5) \
                 AND ($6 IS NULL OR EXISTS (SELECT 1 FROM contact_tag_links l \
                     WHERE l.contact_id = c.id AND l.member_id = $1 AND l.tag_id = $6)) \
                 AND ($7 IS NULL OR oo.id = $7) \
                 AND ($8 IS NULL OR om.name_folded LIKE $8 ESCAPE '\\' OR n.remark_folded LIKE $8 ESCAPE '\\') \
                 ORDER BY c.id DESC LIMIT $3"
            ))
            .bind(member_id.get())
            .bind(before.map_or(i64::MAX, ContactId::get))
            .bind(limit)
            .bind(query.source.map(ContactSource::as_str))
            .bind(query.channel.as_deref())
            .bind(query.tag.map(TagId::get))
            .bind(query.org.map(OrgId::get))
            .bind(query.text.as_deref().map(|t| like_pattern(&fold_for_search(t))))
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter().map(Contact::try_from).collect()
        }

        async fn remove_contact(
            &self,
            member_id: MemberId,
            contact_id: ContactId,
            event: EventFor<'_, RemovedContact>,
        ) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            // Delete first: of two concurrent removals only one finds the row, and on SQLite
            // the transaction holds the write lock before it reads anything.
            let pair: Option<(i64, i64)> = sqlx::query_as(
                "DELETE FROM external_contacts WHERE id = $2 AND (member_a = $1 OR member_b = $1) \
                 RETURNING member_a, member_b",
            )
            .bind(member_id.get())
            .bind(contact_id.get())
            .fetch_optional(&mut *tx)
            .await?;
            let Some((a, b)) = pair else {
                return Err(StoreError::NotFound("contact"));
            };
            let other_id = if a == member_id.get() { b } else { a };
            let (id, name, title, org, org_name): (i64, String, Option<String>, i64, String) = sqlx::query_as(
                "SELECT m.id, m.display_name, m.title, o.id, o.name FROM members m \
                 JOIN organizations o ON o.id = m.org_id WHERE m.id = $1",
            )
            .bind(other_id)
            .fetch_one(&mut *tx)
            .await?;
            let (own_org,): (i64,) = sqlx::query_as("SELECT org_id FROM members WHERE id = $1")
                .bind(member_id.get())
                .fetch_one(&mut *tx)
                .await?;
            let removed = RemovedContact {
                id: contact_id,
                by: member_id,
                by_org: OrgId::new(own_org),
                other: party(id, name, title, org, org_name),
            };
            Self::write_event(&mut tx, &event(&removed)).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn record_phone_lookup(&self, member_id: MemberId, now: i64, window_secs: i64) -> Result<i64, StoreError> {
            self.count_in_window("phone_lookup_windows", "member_id", member_id.get(), now, window_secs).await
        }

        async fn record_org_phone_lookup(&self, org_id: OrgId, now: i64, window_secs: i64) -> Result<i64, StoreError> {
            self.count_in_window("org_phone_lookup_windows", "org_id", org_id.get(), now, window_secs).await
        }
    }

    impl Sql {
        /// Counts one event for the row `key = id` of a fixed-window counter table and returns
        /// the count in the current `window_secs`-long window (this one included), atomically.
        async fn count_in_window(
            &self,
            table: &'static str,
            key: &'static str,
            id: i64,
            now: i64,
            window_secs: i64,
        ) -> Result<i64, StoreError> {
            let (lookups,): (i64,) = sqlx::query_as(&format!(
                "INSERT INTO {table} ({key}, window_start, lookups) VALUES ($1, $2, 1) \
                 ON CONFLICT ({key}) DO UPDATE SET \
                 lookups = CASE WHEN {table}.window_start <= $2 - $3 THEN 1 \
                           ELSE {table}.lookups + 1 END, \
                 window_start = CASE WHEN {table}.window_start <= $2 - $3 THEN $2 \
                                ELSE {table}.window_start END \
                 RETURNING lookups"
            ))
            .bind(id)
            .bind(now)
            .bind(window_secs)
            .fetch_one(&self.pool)
            .await?;
            Ok(lookups)
        }
    }
}
