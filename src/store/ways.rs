//! Contact ways: their rows, their answering members in order, the round robin's cursor and the
//! team card each way carries once its QR is asked for.
//!
//! A way answered by a department keeps no member list (`contact_way_members` is emptied when
//! the department is set, so nothing stale is routed to): its members are read, at each read of
//! the way, as the active members of the department's subtree in member-id order. Setting a
//! department takes the organization's tree lock, so the department cannot be deleted by a
//! concurrent writer between the check that it exists and the commit.
//!
//! A deleted way keeps its row (`deleted_at`), so its id is never reused and its printed code
//! answers "deleted". Routing takes the round robin's next turn in one update, so concurrent
//! scans never share a turn; a one-time way is claimed in the transaction that creates its
//! request (see the contacts store).

use super::contacts::EventFor;
use super::{StoreError, corrupt, for_both_databases, missing_as, placeholders};
use crate::domain::{
    AnsweredBy, Answerer, ChannelStats, ContactWay, ContactWayId, DepartmentId, MemberId,
    MemberStatus, NewContactWay, OrgId, RequestStatus, ScanOutcome, Sharing, WayCounts, WayPatch,
    WayScans, WayStats, way::DaySplit,
};
use std::collections::{BTreeMap, HashMap};

/// One scan of a team code, as it is recorded.
#[derive(Debug, Clone, Copy)]
pub struct WayScan<'a> {
    pub way: ContactWayId,
    /// The way's organization, and its channel at the scan.
    pub org_id: OrgId,
    pub channel: Option<&'a str>,
    pub at: i64,
    pub outcome: ScanOutcome,
}

/// Who changes a way, and when.
#[derive(Debug, Clone, Copy)]
pub struct WayChange<'a> {
    /// As the audit log names them.
    pub actor: &'a str,
    pub now: i64,
}

/// Contact ways.
#[async_trait::async_trait]
pub trait WayStore: Send + Sync {
    /// Creates a way with its members or department, with the event `event` builds, in one
    /// transaction. `NotFound("member")` or `NotFound("department")` (nothing written) when a
    /// member or the department is not one of `way.org_id`'s.
    async fn create_way(
        &self,
        way: &NewContactWay,
        change: WayChange<'_>,
        event: EventFor<'_, ContactWay>,
    ) -> Result<ContactWay, StoreError>;
    /// Reads a way, deleted or not, of any organization (the caller checks whose it is).
    async fn get_way(&self, id: ContactWayId) -> Result<ContactWay, StoreError>;
    /// `org_id`'s ways that are not deleted (only `owner`'s own when given), newest first, ids
    /// below `before`.
    async fn list_ways(
        &self,
        org_id: OrgId,
        owner: Option<MemberId>,
        before: Option<ContactWayId>,
        limit: i64,
    ) -> Result<Vec<ContactWay>, StoreError>;
    /// Changes a way of `org_id` that is not deleted, with its event; a change to what the card
    /// shows drops the card (the next QR is a new one). `NotFound("contact way")`,
    /// `NotFound("member")` or `NotFound("department")`, nothing written.
    async fn update_way(
        &self,
        org_id: OrgId,
        id: ContactWayId,
        patch: &WayPatch,
        change: WayChange<'_>,
        event: EventFor<'_, ContactWay>,
    ) -> Result<ContactWay, StoreError>;
    /// Deletes a way of `org_id` (it is kept as deleted), with its event.
    async fn delete_way(
        &self,
        org_id: OrgId,
        id: ContactWayId,
        change: WayChange<'_>,
        event: EventFor<'_, ContactWay>,
    ) -> Result<(), StoreError>;
    /// Keeps a team card on a way in place of `replacing` (its current card text, `None` when it
    /// has none); the way as it is afterwards, with the card a concurrent caller kept first if
    /// one did.
    async fn set_way_card(
        &self,
        id: ContactWayId,
        card_id: &str,
        text: &str,
        replacing: Option<&str>,
    ) -> Result<ContactWay, StoreError>;
    /// The scans of way `id` in `from..to`, and what the requests made through it in `from..to`
    /// came to as of `now`, in total and per member (in member-id order), in one snapshot. The
    /// whole UTC days of the period are read from the counts by day that the database keeps
    /// (the scans', and the requests' and answers' by member, status and answer-time bucket),
    /// the part days at its ends row by row; a median reads the answers of one bucket.
    async fn way_stats(
        &self,
        id: ContactWayId,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<WayStats, StoreError>;
    /// Records one scan of way `id` at `at` and what came of it (kept one by one and counted by
    /// UTC day, in one transaction): a scan that made no request to the store. One that came to
    /// a request, or found one pending or a contact, is recorded by the request's creation.
    async fn record_scan(&self, scan: &WayScan<'_>) -> Result<(), StoreError>;
    /// The requests made through way `id` in `from..to` by day (24 hours each from `from`): the
    /// day's index, its requests and how many of them were accepted; days without requests are
    /// left out.
    async fn way_days(
        &self,
        id: ContactWayId,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, u64, u64)>, StoreError>;
    /// What the requests `org_id`'s members received in `from..to` came to as of `now`, by the
    /// channel of the card or code they came through (only `channel`'s when given).
    async fn channel_stats(
        &self,
        org_id: OrgId,
        channel: Option<&str>,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<ChannelStats, StoreError>;
    /// How many pending, unexpired requests each of `members` has.
    async fn pending_counts(
        &self,
        members: &[MemberId],
        now: i64,
    ) -> Result<HashMap<MemberId, i64>, StoreError>;
}

/// The columns of a way, in `WayRow`'s order.
const WAY_COLUMNS: &str = "id, org_id, name, channel, department_id, sharing, auto_accept, expires_at, one_time, \
     used_at, welcome, paused, owner_member, card_text, created_by, created_at, updated_at, deleted_at, turns";

#[derive(sqlx::FromRow)]
struct WayRow {
    id: i64,
    org_id: i64,
    name: String,
    channel: Option<String>,
    department_id: Option<i64>,
    sharing: String,
    auto_accept: bool,
    expires_at: Option<i64>,
    one_time: bool,
    used_at: Option<i64>,
    welcome: Option<String>,
    paused: bool,
    owner_member: Option<i64>,
    card_text: Option<String>,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    deleted_at: Option<i64>,
    turns: i64,
}

impl WayRow {
    fn with(self, members: Vec<Answerer>) -> Result<ContactWay, StoreError> {
        Ok(ContactWay {
            id: ContactWayId::new(self.id),
            org_id: OrgId::new(self.org_id),
            name: self.name,
            channel: self.channel,
            department: self.department_id.map(DepartmentId::new),
            members,
            sharing: Sharing::parse(&self.sharing)
                .ok_or_else(|| corrupt("sharing", &self.sharing))?,
            auto_accept: self.auto_accept,
            expires_at: self.expires_at,
            one_time: self.one_time,
            used_at: self.used_at,
            welcome: self.welcome,
            paused: self.paused,
            owner: self.owner_member.map(MemberId::new),
            card_text: self.card_text,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
            turns: u64::try_from(self.turns)
                .map_err(|_| corrupt("turns", self.turns.to_string()))?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AnswererRow {
    way_id: i64,
    member_id: i64,
    name: String,
    status: String,
}

/// A column statistics are grouped by: a member's id, or a channel that may be NULL.
trait StatsKey {
    fn is_null(&self) -> bool;
}

impl StatsKey for i64 {
    fn is_null(&self) -> bool {
        false
    }
}

impl StatsKey for Option<String> {
    fn is_null(&self) -> bool {
        self.is_none()
    }
}

fn bind_error(e: sqlx::error::BoxDynError) -> StoreError {
    StoreError::Database(sqlx::Error::Encode(e))
}

/// The requests a statistics query counts: those created in `from..to` that `filter` (a condition
/// on contact_requests over $4, the scope's id, and $5, its channel) keeps, as of `now`.
/// Counted in the database, over the period's rows alone: a year of a busy way's scans is a
/// million rows, which the service never reads one by one.
struct Scope<'a> {
    filter: &'static str,
    id: i64,
    channel: Option<&'a str>,
    from: i64,
    to: i64,
    now: i64,
}

for_both_databases! {
    /// The answering members of `ways`, by way, each list in the way's order.
    async fn fetch_answerers(
        conn: &mut Conn,
        ways: &[i64],
    ) -> Result<HashMap<i64, Vec<Answerer>>, StoreError> {
        let mut by_way: HashMap<i64, Vec<Answerer>> = HashMap::new();
        if ways.is_empty() {
            return Ok(by_way);
        }
        let sql = format!(
            "SELECT w.way_id, m.id AS member_id, m.display_name AS name, m.status \
             FROM contact_way_members w JOIN members m ON m.id = w.member_id \
             WHERE w.way_id IN ({}) ORDER BY w.way_id, w.position",
            placeholders(1, ways.len())
        );
        let mut query = sqlx::query_as::<_, AnswererRow>(&sql);
        for w in ways {
            query = query.bind(*w);
        }
        for r in query.fetch_all(conn).await? {
            let status = MemberStatus::from_stored(&r.status).ok_or_else(|| corrupt("member status", &r.status))?;
            by_way.entry(r.way_id).or_default().push(Answerer {
                member_id: MemberId::new(r.member_id),
                name: r.name,
                active: status == MemberStatus::Active,
            });
        }
        Ok(by_way)
    }

    /// The active members of `department` (of `org_id`) and of all its sub-departments, each
    /// once, in member-id order.
    async fn department_answerers(
        conn: &mut Conn,
        org_id: i64,
        department: i64,
    ) -> Result<Vec<Answerer>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
            "WITH RECURSIVE {} SELECT m.id, m.display_name FROM members m \
             WHERE m.org_id = $2 AND m.status = 'active' AND m.id IN (SELECT dm.member_id \
             FROM department_members dm JOIN sub ON sub.id = dm.department_id) ORDER BY m.id",
            super::departments::subtree_cte(1, 2)
        ))
        .bind(department)
        .bind(org_id)
        .fetch_all(conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name)| Answerer { member_id: MemberId::new(id), name, active: true })
            .collect())
    }

    /// The ways of `rows` with their answering members: their own lists, or their
    /// departments' as they are now.
    async fn with_answerers(conn: &mut Conn, rows: Vec<WayRow>) -> Result<Vec<ContactWay>, StoreError> {
        let ids: Vec<i64> = rows.iter().filter(|r| r.department_id.is_none()).map(|r| r.id).collect();
        let mut lists = fetch_answerers(&mut *conn, &ids).await?;
        let mut ways = Vec::with_capacity(rows.len());
        for r in rows {
            let members = match r.department_id {
                Some(d) => department_answerers(&mut *conn, r.org_id, d).await?,
                None => lists.remove(&r.id).unwrap_or_default(),
            };
            ways.push(r.with(members)?);
        }
        Ok(ways)
    }

    async fn fetch_way(conn: &mut Conn, id: ContactWayId) -> Result<ContactWay, StoreError> {
        let row = sqlx::query_as::<_, WayRow>(&format!("SELECT {WAY_COLUMNS} FROM contact_ways WHERE id = $1"))
            .bind(id.get())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("contact way"))?;
        with_answerers(conn, vec![row]).await?.pop().ok_or(StoreError::NotFound("contact way"))
    }

    /// Checks that `department` is one of `org_id`'s, holding the organization's tree lock
    /// until the caller's transaction ends; `NotFound("department")` otherwise.
    async fn claim_department(
        conn: &mut Conn,
        org_id: OrgId,
        department: DepartmentId,
    ) -> Result<(), StoreError> {
        let tree = Sql::lock_tree(&mut *conn, org_id).await?;
        if tree.contains(department) {
            Ok(())
        } else {
            Err(StoreError::NotFound("department"))
        }
    }

    /// Replaces a way's members; `NotFound("member")` for one outside `org_id`.
    async fn put_answerers(
        conn: &mut Conn,
        org_id: OrgId,
        way_id: i64,
        members: &[MemberId],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM contact_way_members WHERE way_id = $1")
            .bind(way_id)
            .execute(&mut *conn)
            .await?;
        for (position, member) in members.iter().enumerate() {
            let added = sqlx::query(
                "INSERT INTO contact_way_members (way_id, member_id, position) \
                 SELECT $1, id, $3 FROM members WHERE id = $2 AND org_id = $4",
            )
            .bind(way_id)
            .bind(member.get())
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(org_id.get())
            .execute(&mut *conn)
            .await?;
            if added.rows_affected() == 0 {
                return Err(StoreError::NotFound("member"));
            }
        }
        Ok(())
    }

    /// The binds of a statistics query over `scope`: $1 from, $2 to, $3 now, $4 its id, $5 its
    /// channel (bound whether or not its filter reads it).
    fn scope_args(scope: &Scope<'_>) -> Result<<Db as sqlx::Database>::Arguments<'static>, StoreError> {
        use sqlx::Arguments as _;
        let mut args = <Db as sqlx::Database>::Arguments::default();
        args.add(scope.from).map_err(bind_error)?;
        args.add(scope.to).map_err(bind_error)?;
        args.add(scope.now).map_err(bind_error)?;
        args.add(scope.id).map_err(bind_error)?;
        args.add(scope.channel.map(str::to_owned)).map_err(bind_error)?;
        Ok(args)
    }

    /// The median time to answer of the answered requests of `scope` (only those whose `key`
    /// column is `value`, when given): the lower middle of `answered` of them, read as the row at
    /// that offset in the order of their times, which the way's answers index keeps (so the
    /// database walks half the answers, and sorts nothing).
    async fn median<K>(
        conn: &mut Conn,
        scope: &Scope<'_>,
        key: Option<(&str, K)>,
        answered: u64,
    ) -> Result<Option<i64>, StoreError>
    where
        K: StatsKey + for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db> + Send + 'static,
    {
        use sqlx::Arguments as _;
        if answered == 0 {
            return Ok(None);
        }
        let mut args = scope_args(scope)?;
        let condition = match key {
            Some((column, value)) => {
                // A plain equality, which the member answers index takes (an OR for NULL would
                // not); a channel's key may be NULL.
                let condition = if value.is_null() {
                    format!("AND {column} IS NULL")
                } else {
                    format!("AND {column} = $6")
                };
                args.add(value).map_err(bind_error)?;
                condition
            }
            None => {
                args.add(None::<i64>).map_err(bind_error)?;
                String::new()
            }
        };
        args.add(i64::try_from((answered - 1) / 2).unwrap_or(i64::MAX)).map_err(bind_error)?;
        let sql = format!(
            "SELECT decided_at - created_at FROM contact_requests \
             WHERE {} {condition} AND status IN ('accepted', 'rejected') AND decided_at IS NOT NULL \
             AND created_at >= $1 AND created_at < $2 \
             ORDER BY decided_at - created_at LIMIT 1 OFFSET $7",
            scope.filter
        );
        Ok(sqlx::query_scalar_with::<_, i64, _>(&sql, args).fetch_optional(conn).await?)
    }

    /// A way's scans in the period of `split`: its whole days from their counts, the part days at
    /// its ends scan by scan.
    async fn way_scans(conn: &mut Conn, id: ContactWayId, split: &DaySplit) -> Result<WayScans, StoreError> {
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT outcome, CAST(SUM(n) AS BIGINT) FROM ( \
             SELECT outcome, scans AS n FROM way_scan_days WHERE way_id = $1 AND day >= $2 AND day < $3 \
             UNION ALL SELECT outcome, 1 AS n FROM way_scans WHERE way_id = $1 AND at >= $4 AND at < $5 \
             UNION ALL SELECT outcome, 1 AS n FROM way_scans WHERE way_id = $1 AND at >= $6 AND at < $7 \
             ) s GROUP BY outcome",
        );
        let mut scans = WayScans::default();
        for (outcome, n) in split_binds(rows, id, split).fetch_all(conn).await? {
            let outcome = ScanOutcome::parse(&outcome).ok_or_else(|| corrupt("scan outcome", &outcome))?;
            scans.add(outcome, u64::try_from(n).unwrap_or(0));
        }
        Ok(scans)
    }

    /// Binds way `id` and the days and part days of `split` as $1 to $7.
    fn split_binds<'q, O>(
        query: sqlx::query::QueryAs<'q, Db, O, <Db as sqlx::Database>::Arguments<'q>>,
        id: ContactWayId,
        split: &DaySplit,
    ) -> sqlx::query::QueryAs<'q, Db, O, <Db as sqlx::Database>::Arguments<'q>> {
        query
            .bind(id.get())
            .bind(split.days.0)
            .bind(split.days.1)
            .bind(split.head.0)
            .bind(split.head.1)
            .bind(split.tail.0)
            .bind(split.tail.1)
    }

    /// What the requests made through way `id` in the period of `split` came to as of `now`,
    /// per member in member-id order (those with none left out): the whole days' counts that
    /// the triggers keep, the part days' requests one by one, and the pending ones past their
    /// expiry (few) counted as expired.
    async fn way_request_counts(
        conn: &mut Conn,
        id: ContactWayId,
        split: &DaySplit,
        now: i64,
    ) -> Result<BTreeMap<i64, WayCounts>, StoreError> {
        let rows = sqlx::query_as::<_, (i64, String, i64)>(
            "SELECT owner_id, status, CAST(SUM(n) AS BIGINT) FROM ( \
             SELECT owner_id, status, requests AS n FROM way_request_days WHERE way_id = $1 AND day >= $2 AND day < $3 \
             UNION ALL SELECT owner_id, status, 1 AS n FROM contact_requests WHERE way_id = $1 AND created_at >= $4 AND created_at < $5 \
             UNION ALL SELECT owner_id, status, 1 AS n FROM contact_requests WHERE way_id = $1 AND created_at >= $6 AND created_at < $7 \
             ) s GROUP BY owner_id, status",
        );
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let mut members: BTreeMap<i64, WayCounts> = BTreeMap::new();
        for (owner, status, n) in split_binds(rows, id, split).fetch_all(&mut *conn).await? {
            if n == 0 {
                continue;
            }
            let status = RequestStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?;
            members.entry(owner).or_default().add_status(status, count(n));
        }
        let (from, to) = split.period;
        let overdue = sqlx::query_as::<_, (i64, i64)>(
            "SELECT owner_id, COUNT(*) FROM contact_requests WHERE way_id = $1 AND status = 'pending' \
             AND expires_at <= $2 AND created_at >= $3 AND created_at < $4 GROUP BY owner_id",
        )
        .bind(id.get())
        .bind(now)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
        for (owner, n) in overdue {
            let c = members.get_mut(&owner).ok_or_else(|| corrupt("way request counts of member", owner))?;
            let n = count(n).min(c.pending);
            c.pending -= n;
            c.expired += n;
        }
        Ok(members)
    }

    /// The answers (accepted or rejected) to requests made through way `id` in the period of
    /// `split`, per member: how many in each answer-time bucket, in bucket order.
    async fn way_answer_buckets(
        conn: &mut Conn,
        id: ContactWayId,
        split: &DaySplit,
    ) -> Result<HashMap<i64, Vec<(usize, u64)>>, StoreError> {
        let bucket = crate::domain::way::answer_bucket_sql("(decided_at - created_at)");
        let answered = "status IN ('accepted', 'rejected') AND decided_at IS NOT NULL";
        let sql = format!(
            "SELECT owner_id, bucket, CAST(SUM(n) AS BIGINT) FROM ( \
             SELECT owner_id, bucket, answers AS n FROM way_answer_days WHERE way_id = $1 AND day >= $2 AND day < $3 \
             UNION ALL SELECT owner_id, {bucket} AS bucket, 1 AS n FROM contact_requests \
             WHERE way_id = $1 AND created_at >= $4 AND created_at < $5 AND {answered} \
             UNION ALL SELECT owner_id, {bucket} AS bucket, 1 AS n FROM contact_requests \
             WHERE way_id = $1 AND created_at >= $6 AND created_at < $7 AND {answered} \
             ) s GROUP BY owner_id, bucket ORDER BY owner_id, bucket"
        );
        let rows = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
        let mut by_member: HashMap<i64, Vec<(usize, u64)>> = HashMap::new();
        for (owner, bucket, n) in split_binds(rows, id, split).fetch_all(conn).await? {
            let b = usize::try_from(bucket)
                .ok()
                .filter(|b| *b <= crate::domain::way::ANSWER_BUCKET_ENDS.len())
                .ok_or_else(|| corrupt("answer-time bucket", bucket))?;
            if n > 0 {
                by_member.entry(owner).or_default().push((b, u64::try_from(n).unwrap_or(0)));
            }
        }
        Ok(by_member)
    }

    /// The median time to answer of the answers `histogram` counts (one member's, or the way's
    /// when `owner` is `None`): the bucket that holds the lower middle, then that answer read at
    /// its place among the bucket's answers along the answer-time index (the answers of one
    /// bucket, not half of all). Counts that the answers do not bear out are an error.
    async fn median_answer(
        conn: &mut Conn,
        id: ContactWayId,
        owner: Option<i64>,
        split: &DaySplit,
        histogram: &[(usize, u64)],
    ) -> Result<Option<i64>, StoreError> {
        let Some((bucket, place)) = crate::domain::way::median_place(histogram) else {
            return Ok(None);
        };
        let (start, end) = crate::domain::way::answer_bucket_range(bucket);
        let member = if owner.is_some() { "AND owner_id = $7" } else { "AND $7 IS NULL" };
        let sql = format!(
            "SELECT decided_at - created_at FROM contact_requests \
             WHERE way_id = $1 {member} AND status IN ('accepted', 'rejected') AND decided_at IS NOT NULL \
             AND created_at >= $2 AND created_at < $3 \
             AND decided_at - created_at >= $4 AND decided_at - created_at < $5 \
             ORDER BY decided_at - created_at LIMIT 1 OFFSET $6"
        );
        let (from, to) = split.period;
        let secs = sqlx::query_scalar::<_, i64>(&sql)
            .bind(id.get())
            .bind(from)
            .bind(to)
            .bind(start)
            .bind(end)
            .bind(i64::try_from(place).unwrap_or(i64::MAX))
            .bind(owner)
            .fetch_optional(conn)
            .await?;
        secs.map(Some).ok_or_else(|| corrupt("way answer counts, bucket", bucket))
    }

    /// What the requests of `scope` came to, in total and by `key` (a column of
    /// contact_requests), the groups in the order of their first request.
    async fn grouped_counts<K>(
        conn: &mut Conn,
        key: &str,
        scope: &Scope<'_>,
    ) -> Result<(WayCounts, Vec<(K, WayCounts)>), StoreError>
    where
        K: StatsKey + for<'r> sqlx::Decode<'r, Db> + for<'q> sqlx::Encode<'q, Db> + sqlx::Type<Db>
            + Send + Unpin + PartialEq + Clone + 'static,
    {
        // Grouped by status too, which the way's period index keeps in order (a count per
        // group, no expression per row but the one that finds pending requests past their
        // expiry: those count as expired, as the expiry sweep will write them). Every column
        // read is in that index (the first request is its creation time, not its id).
        let sql = format!(
            "SELECT {key}, status, MIN(created_at), COUNT(*), SUM(CASE WHEN expires_at <= $3 THEN 1 ELSE 0 END) \
             FROM contact_requests WHERE {} AND created_at >= $1 AND created_at < $2 \
             GROUP BY {key}, status",
            scope.filter
        );
        let rows = sqlx::query_as_with::<_, (K, String, i64, i64, i64), _>(&sql, scope_args(scope)?)
            .fetch_all(&mut *conn)
            .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let mut groups: Vec<(K, i64, WayCounts)> = Vec::new();
        for (k, status, first, n, overdue) in rows {
            let at = match groups.iter().position(|(g, _, _)| *g == k) {
                Some(at) => at,
                None => {
                    groups.push((k, first, WayCounts::default()));
                    groups.len() - 1
                }
            };
            let (_, earliest, c) = &mut groups[at];
            *earliest = (*earliest).min(first);
            match RequestStatus::parse(&status).ok_or_else(|| corrupt("status", &status))? {
                // Pending past its expiry: expired, as the sweep will write it.
                RequestStatus::Pending => {
                    c.add_status(RequestStatus::Pending, count(n - overdue));
                    c.add_status(RequestStatus::Expired, count(overdue));
                }
                status => c.add_status(status, count(n)),
            }
        }
        // Stable: groups whose first requests share a second stay in the order of their keys.
        groups.sort_by_key(|(_, first, _)| *first);
        let mut total = WayCounts::default();
        let mut by_key = Vec::with_capacity(groups.len());
        for (k, _, mut c) in groups {
            total.add(&c);
            c.median_answer_secs = median(&mut *conn, scope, Some((key, k.clone())), c.accepted + c.rejected).await?;
            by_key.push((k, c));
        }
        total.median_answer_secs = median::<i64>(&mut *conn, scope, None, total.accepted + total.rejected).await?;
        Ok((total, by_key))
    }

    impl Sql {
        /// Keeps one scan of way `id`, one by one and in its day's count, in the caller's
        /// transaction (a request's, for the scans that come to one).
        pub(crate) async fn insert_scan(conn: &mut Conn, scan: &WayScan<'_>) -> Result<(), StoreError> {
            let WayScan { way: id, org_id, channel, at, outcome } = *scan;
            const SCAN: &str = "INSERT INTO way_scans (way_id, at, outcome, org_id, channel) VALUES ($1, $2, $3, $4, $5)";
            const DAY: &str = "INSERT INTO way_scan_days (way_id, day, outcome, scans) VALUES ($1, $6, $3, 1) \
                 ON CONFLICT (way_id, day, outcome) DO UPDATE SET scans = way_scan_days.scans + 1";
            // PostgreSQL takes both in one statement (one round trip inside a team-code scan's
            // request transaction); SQLite has no data-modifying CTE, and no round trip either.
            let both = format!("WITH scan AS ({SCAN}) {DAY}");
            let statements: &[&str] = if <Db as sqlx::Database>::NAME == "PostgreSQL" { &[&both] } else { &[SCAN, DAY] };
            for sql in statements {
                sqlx::query(sql)
                    .bind(id.get())
                    .bind(at)
                    .bind(outcome.as_str())
                    .bind(org_id.get())
                    .bind(channel)
                    .bind(at.div_euclid(86_400))
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }
    }

    #[async_trait::async_trait]
    impl WayStore for Sql {
        async fn create_way(
            &self,
            way: &NewContactWay,
            change: WayChange<'_>,
            event: EventFor<'_, ContactWay>,
        ) -> Result<ContactWay, StoreError> {
            let mut tx = self.begin_write().await?;
            let department = match &way.answered_by {
                AnsweredBy::Department(d) => {
                    claim_department(&mut tx, way.org_id, *d).await?;
                    Some(d.get())
                }
                AnsweredBy::Members(_) => None,
            };
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO contact_ways (org_id, name, channel, sharing, auto_accept, expires_at, one_time, \
                 welcome, paused, owner_member, created_by, created_at, updated_at, department_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) RETURNING id",
            )
            .bind(way.org_id.get())
            .bind(way.name.as_str())
            .bind(way.channel.as_ref().map(|c| c.as_str()))
            .bind(way.sharing.as_str())
            .bind(way.auto_accept)
            .bind(way.expires_at)
            .bind(way.one_time)
            .bind(way.welcome.as_ref().map(|w| w.as_str()))
            .bind(way.paused)
            .bind(way.owner.map(MemberId::get))
            .bind(change.actor)
            .bind(change.now)
            .bind(department)
            .fetch_one(&mut *tx)
            .await
            .map_err(missing_as("organization"))?;
            if let AnsweredBy::Members(members) = &way.answered_by {
                put_answerers(&mut tx, way.org_id, id, members.as_slice()).await?;
            }
            let created = fetch_way(&mut tx, ContactWayId::new(id)).await?;
            Self::write_event(&mut tx, &event(&created)).await?;
            tx.commit().await?;
            Ok(created)
        }

        async fn get_way(&self, id: ContactWayId) -> Result<ContactWay, StoreError> {
            let mut conn = self.pool.acquire().await?;
            fetch_way(&mut conn, id).await
        }

        async fn list_ways(
            &self,
            org_id: OrgId,
            owner: Option<MemberId>,
            before: Option<ContactWayId>,
            limit: i64,
        ) -> Result<Vec<ContactWay>, StoreError> {
            let mut conn = self.pool.acquire().await?;
            let rows = sqlx::query_as::<_, WayRow>(&format!(
                "SELECT {WAY_COLUMNS} FROM contact_ways WHERE org_id = $1 AND deleted_at IS NULL \
                 AND id < $2 AND ($4 IS NULL OR owner_member = $4) ORDER BY id DESC LIMIT $3"
            ))
            .bind(org_id.get())
            .bind(before.map_or(i64::MAX, ContactWayId::get))
            .bind(limit)
            .bind(owner.map(MemberId::get))
            .fetch_all(&mut *conn)
            .await?;
            with_answerers(&mut conn, rows).await
        }

        async fn update_way(
            &self,
            org_id: OrgId,
            id: ContactWayId,
            patch: &WayPatch,
            change: WayChange<'_>,
            event: EventFor<'_, ContactWay>,
        ) -> Result<ContactWay, StoreError> {
            let mut tx = self.begin_write().await?;
            if let Some(AnsweredBy::Department(d)) = &patch.answered_by {
                claim_department(&mut tx, org_id, *d).await?;
            }
            // Each column is kept unless the patch sets it ($n IS FALSE: keep; the value may
            // then be NULL to clear an optional column).
            let updated = sqlx::query(
                "UPDATE contact_ways SET \
                 name = COALESCE($3, name), \
                 channel = CASE WHEN $4 THEN $5 ELSE channel END, \
                 sharing = COALESCE($6, sharing), \
                 auto_accept = COALESCE($7, auto_accept), \
                 expires_at = CASE WHEN $8 THEN $9 ELSE expires_at END, \
                 one_time = COALESCE($10, one_time), \
                 welcome = CASE WHEN $11 THEN $12 ELSE welcome END, \
                 paused = COALESCE($13, paused), \
                 card_id = CASE WHEN $14 THEN NULL ELSE card_id END, \
                 card_text = CASE WHEN $14 THEN NULL ELSE card_text END, \
                 updated_at = $15, \
                 department_id = CASE WHEN $16 THEN $17 ELSE department_id END \
                 WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL",
            )
            .bind(id.get())
            .bind(org_id.get())
            .bind(patch.name.as_ref().map(|n| n.as_str()))
            .bind(patch.channel.is_some())
            .bind(patch.channel.as_ref().and_then(|c| c.as_ref().map(|c| c.as_str())))
            .bind(patch.sharing.map(Sharing::as_str))
            .bind(patch.auto_accept)
            .bind(patch.expires_at.is_some())
            .bind(patch.expires_at.flatten())
            .bind(patch.one_time)
            .bind(patch.welcome.is_some())
            .bind(patch.welcome.as_ref().and_then(|w| w.as_ref().map(|w| w.as_str())))
            .bind(patch.paused)
            .bind(patch.changes_card())
            .bind(change.now)
            .bind(patch.answered_by.is_some())
            .bind(match &patch.answered_by {
                Some(AnsweredBy::Department(d)) => Some(d.get()),
                _ => None,
            })
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::NotFound("contact way"));
            }
            // A department's way keeps no list of its own.
            match &patch.answered_by {
                None => {}
                Some(AnsweredBy::Members(members)) => {
                    put_answerers(&mut tx, org_id, id.get(), members.as_slice()).await?;
                }
                Some(AnsweredBy::Department(_)) => put_answerers(&mut tx, org_id, id.get(), &[]).await?,
            }
            let way = fetch_way(&mut tx, id).await?;
            Self::write_event(&mut tx, &event(&way)).await?;
            tx.commit().await?;
            Ok(way)
        }

        async fn delete_way(
            &self,
            org_id: OrgId,
            id: ContactWayId,
            change: WayChange<'_>,
            event: EventFor<'_, ContactWay>,
        ) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            let deleted = sqlx::query(
                "UPDATE contact_ways SET deleted_at = $3, updated_at = $3 \
                 WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL",
            )
            .bind(id.get())
            .bind(org_id.get())
            .bind(change.now)
            .execute(&mut *tx)
            .await?;
            if deleted.rows_affected() == 0 {
                return Err(StoreError::NotFound("contact way"));
            }
            let way = fetch_way(&mut tx, id).await?;
            Self::write_event(&mut tx, &event(&way)).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn set_way_card(
            &self,
            id: ContactWayId,
            card_id: &str,
            text: &str,
            replacing: Option<&str>,
        ) -> Result<ContactWay, StoreError> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "UPDATE contact_ways SET card_id = $2, card_text = $3 WHERE id = $1 \
                 AND ((card_text IS NULL AND $4 IS NULL) OR card_text = $4)",
            )
            .bind(id.get())
            .bind(card_id)
            .bind(text)
            .bind(replacing)
            .execute(&mut *tx)
            .await?;
            let way = fetch_way(&mut tx, id).await?;
            tx.commit().await?;
            Ok(way)
        }

        async fn way_stats(
            &self,
            id: ContactWayId,
            from: i64,
            to: i64,
            now: i64,
        ) -> Result<WayStats, StoreError> {
            // One snapshot for every query, so the counts, the buckets and the answers read
            // agree with each other whatever is written meanwhile.
            let split = DaySplit::of(from, to);
            let mut tx = self.pool.begin().await?;
            if <Db as sqlx::Database>::NAME == "PostgreSQL" {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await?;
            }
            let scans = way_scans(&mut tx, id, &split).await?;
            let mut members = way_request_counts(&mut tx, id, &split, now).await?;
            let histograms = way_answer_buckets(&mut tx, id, &split).await?;
            let mut total = WayCounts::default();
            let mut all: BTreeMap<usize, u64> = BTreeMap::new();
            for (owner, counts) in &mut members {
                let histogram = histograms.get(owner).map(Vec::as_slice).unwrap_or_default();
                counts.median_answer_secs = median_answer(&mut tx, id, Some(*owner), &split, histogram).await?;
                total.add(counts);
                for &(bucket, n) in histogram {
                    *all.entry(bucket).or_default() += n;
                }
            }
            let all: Vec<(usize, u64)> = all.into_iter().collect();
            total.median_answer_secs = median_answer(&mut tx, id, None, &split, &all).await?;
            tx.commit().await?;
            Ok(WayStats {
                scans,
                total,
                members: members.into_iter().map(|(m, c)| (MemberId::new(m), c)).collect(),
            })
        }

        async fn record_scan(&self, scan: &WayScan<'_>) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            // As for a round-robin turn, PostgreSQL does not wait for this commit's WAL to reach
            // the disk (a second wait beside the request's own): a crash may forget the last
            // few refusals, never count one twice, and the day counts stay those of the rows kept.
            if <Db as sqlx::Database>::NAME == "PostgreSQL" {
                sqlx::query("SET LOCAL synchronous_commit TO OFF").execute(&mut *tx).await?;
            }
            Sql::insert_scan(&mut tx, scan).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn way_days(
            &self,
            id: ContactWayId,
            from: i64,
            to: i64,
        ) -> Result<Vec<(i64, u64, u64)>, StoreError> {
            // One pass over the way's period index, grouped by day in the database.
            let rows = sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT (created_at - $1) / 86400 AS day, COUNT(*), \
                 SUM(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END) \
                 FROM contact_requests WHERE way_id = $3 AND created_at >= $1 AND created_at < $2 \
                 GROUP BY day ORDER BY day",
            )
            .bind(from)
            .bind(to)
            .bind(id.get())
            .fetch_all(&self.pool)
            .await?;
            let count = |n: i64| u64::try_from(n).unwrap_or(0);
            Ok(rows.into_iter().map(|(day, n, accepted)| (day, count(n), count(accepted))).collect())
        }

        async fn channel_stats(
            &self,
            org_id: OrgId,
            channel: Option<&str>,
            from: i64,
            to: i64,
            now: i64,
        ) -> Result<ChannelStats, StoreError> {
            let scope = Scope {
                filter: "owner_org_id = $4 AND ($5 IS NULL OR card_channel = $5)",
                id: org_id.get(),
                channel,
                from,
                to,
                now,
            };
            let mut conn = self.pool.acquire().await?;
            let (total, channels) = grouped_counts::<Option<String>>(&mut conn, "card_channel", &scope).await?;
            // The team codes' scans of the period by channel (its way's at the scan).
            let rows = sqlx::query_as::<_, (Option<String>, String, i64)>(
                "SELECT channel, outcome, COUNT(*) FROM way_scans WHERE org_id = $1 AND at >= $2 AND at < $3 \
                 AND ($4 IS NULL OR channel = $4) GROUP BY channel, outcome ORDER BY channel, outcome",
            )
            .bind(org_id.get())
            .bind(from)
            .bind(to)
            .bind(channel)
            .fetch_all(&mut *conn)
            .await?;
            let mut scans = WayScans::default();
            let mut channel_scans: Vec<(Option<String>, WayScans)> = Vec::new();
            for (c, outcome, n) in rows {
                let outcome = ScanOutcome::parse(&outcome).ok_or_else(|| corrupt("scan outcome", &outcome))?;
                let n = u64::try_from(n).unwrap_or(0);
                scans.add(outcome, n);
                match channel_scans.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, s)) => s.add(outcome, n),
                    None => {
                        let mut s = WayScans::default();
                        s.add(outcome, n);
                        channel_scans.push((c, s));
                    }
                }
            }
            Ok(ChannelStats { scans, total, channels, channel_scans })
        }

        async fn pending_counts(
            &self,
            members: &[MemberId],
            now: i64,
        ) -> Result<HashMap<MemberId, i64>, StoreError> {
            // In chunks: a department's way may have more members than a query takes binds.
            let mut counts = HashMap::new();
            for chunk in members.chunks(500) {
                let sql = format!(
                    "SELECT owner_id, COUNT(*) FROM contact_requests WHERE status = 'pending' \
                     AND expires_at > $1 AND owner_id IN ({}) GROUP BY owner_id",
                    placeholders(2, chunk.len())
                );
                let mut query = sqlx::query_as::<_, (i64, i64)>(&sql).bind(now);
                for m in chunk {
                    query = query.bind(m.get());
                }
                counts.extend(
                    query.fetch_all(&self.pool).await?.into_iter().map(|(m, n)| (MemberId::new(m), n)),
                );
            }
            Ok(counts)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::way::answer_bucket_sql;

    #[test]
    fn the_migrations_triggers_bucket_answer_times_as_the_statistics_read_them() {
        for (db, sql) in [
            (
                "sqlite",
                include_str!("../../migrations/sqlite/0023_way_counts.sql"),
            ),
            (
                "postgres",
                include_str!("../../migrations/postgres/0023_way_counts.sql"),
            ),
        ] {
            for secs in [
                "(decided_at - created_at)",
                "(NEW.decided_at - NEW.created_at)",
                "(OLD.decided_at - OLD.created_at)",
            ] {
                assert!(
                    sql.contains(&answer_bucket_sql(secs)),
                    "{db}: the buckets of {secs}"
                );
            }
        }
    }
}
