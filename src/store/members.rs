//! Members: provisioning, changes, deactivation (which revokes cards and tokens with it), the
//! directory search and the phone-discovery lookup.

use super::{Conflict, StoreError, classify, corrupt, for_both_databases, like_pattern, qualified};
use crate::domain::{
    Audit, DepartmentId, FOLD_VERSION, Member, MemberId, MemberPatch, MemberQuery, MemberStatus,
    Mobile, NewMember, OrgId, fold_for_search,
};

/// Members of organizations.
#[async_trait::async_trait]
pub trait MemberStore: Send + Sync {
    /// Provisions members, all or none: a duplicate employee id fails the whole batch.
    async fn create_members(
        &self,
        org_id: OrgId,
        members: &[NewMember],
        audit: &Audit,
    ) -> Result<Vec<Member>, StoreError>;
    /// Reads a member of `org_id`.
    async fn get_member(&self, org_id: OrgId, member_id: MemberId) -> Result<Member, StoreError>;
    /// Changes an active member of `org_id`.
    async fn update_member(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        patch: &MemberPatch,
        audit: &Audit,
    ) -> Result<Member, StoreError>;
    /// Deactivates a member and, in the same transaction, revokes their cards and tokens.
    async fn deactivate_member(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        audit: &Audit,
    ) -> Result<Member, StoreError>;
    /// Searches the active members of `org_id` (`within` a department and its sub-departments
    /// when given), ordered by id, after id `after`, at most `limit`.
    async fn search_members(
        &self,
        org_id: OrgId,
        query: &MemberQuery,
        within: Option<DepartmentId>,
        after: MemberId,
        limit: i64,
    ) -> Result<Vec<Member>, StoreError>;
    /// The active member with this mobile number who allows phone discovery and whom a member of
    /// `requester_org` may ask: a colleague, or a member of an organization whose policy and the
    /// requester's both allow it. One query whatever the answer, so a number that exists but may
    /// not be asked costs the same as one that does not exist.
    async fn find_discoverable_member(
        &self,
        mobile: &Mobile,
        requester_org: OrgId,
    ) -> Result<Option<Member>, StoreError>;
    /// Recomputes every member's search key when the stored keys were made by an older
    /// [`FOLD_VERSION`]; how many changed. Of instances starting together, one does the work.
    async fn refold_search_keys(&self) -> Result<u64, StoreError>;
}

/// The columns of [`MemberRow`], for `SELECT` and `RETURNING`.
pub(crate) const COLUMNS: &str = "id, org_id, display_name, employee_id, title, mobile, phone_discoverable, share_mobile, email_notices, email, status, created_at, deactivated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    pub(crate) id: i64,
    org_id: i64,
    display_name: String,
    employee_id: String,
    title: Option<String>,
    mobile: Option<String>,
    phone_discoverable: bool,
    share_mobile: bool,
    email_notices: bool,
    email: Option<String>,
    status: String,
    created_at: i64,
    deactivated_at: Option<i64>,
}

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;
    fn try_from(r: MemberRow) -> Result<Self, StoreError> {
        Ok(Member {
            id: MemberId::new(r.id),
            org_id: OrgId::new(r.org_id),
            status: MemberStatus::from_stored(&r.status)
                .ok_or_else(|| corrupt("status", &r.status))?,
            display_name: r.display_name,
            employee_id: r.employee_id,
            title: r.title,
            mobile: r.mobile,
            phone_discoverable: r.phone_discoverable,
            share_mobile: r.share_mobile,
            email_notices: r.email_notices,
            email: r.email,
            created_at: r.created_at,
            deactivated_at: r.deactivated_at,
        })
    }
}

fn members(rows: Vec<MemberRow>) -> Result<Vec<Member>, StoreError> {
    rows.into_iter().map(Member::try_from).collect()
}

for_both_databases! {
    impl Sql {
        /// Reads a member of `org_id` (in the caller's connection or transaction).
        pub(crate) async fn fetch_member(
            conn: &mut Conn,
            org_id: OrgId,
            member_id: MemberId,
        ) -> Result<Member, StoreError> {
            sqlx::query_as::<_, MemberRow>(&format!(
                "SELECT {COLUMNS} FROM members WHERE org_id = $1 AND id = $2"
            ))
            .bind(org_id.get())
            .bind(member_id.get())
            .fetch_optional(conn)
            .await?
            .ok_or(StoreError::NotFound("member"))?
            .try_into()
        }

        /// Inserts an active member of `org_id` (in the caller's transaction). `Conflict(EmployeeId)`
        /// when the employee id is taken.
        pub(crate) async fn insert_member(
            conn: &mut Conn,
            org_id: OrgId,
            m: &NewMember,
            at: i64,
        ) -> Result<Member, StoreError> {
            sqlx::query_as::<_, MemberRow>(&format!(
                "INSERT INTO members (org_id, display_name, name_folded, employee_id, title, mobile, \
                 phone_discoverable, email, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $9, 'active', $8) RETURNING {COLUMNS}"
            ))
            .bind(org_id.get())
            .bind(m.display_name.as_str())
            .bind(fold_for_search(m.display_name.as_str()))
            .bind(m.employee_id.as_str())
            .bind(m.title.as_ref().map(|t| t.as_str()))
            .bind(m.mobile.as_ref().map(|t| t.as_str()))
            .bind(m.phone_discoverable)
            .bind(at)
            .bind(m.email.as_ref().map(|e| e.as_str()))
            .fetch_one(conn)
            .await
            .map_err(classify(Conflict::EmployeeId, "organization"))?
            .try_into()
        }

        /// Applies `patch` to a member of `org_id` (in the caller's transaction): to an active one
        /// only, unless `any_status`. Whether a member was changed.
        pub(crate) async fn patch_member(
            conn: &mut Conn,
            org_id: OrgId,
            member_id: MemberId,
            patch: &MemberPatch,
            any_status: bool,
        ) -> Result<bool, StoreError> {
            let name = patch.display_name.as_ref().map(|n| n.as_str());
            let done = sqlx::query(
                "UPDATE members SET display_name = COALESCE($3, display_name), \
                 name_folded = COALESCE($4, name_folded), \
                 title = CASE WHEN $5 THEN $6 ELSE title END, \
                 mobile = CASE WHEN $7 THEN $8 ELSE mobile END, \
                 phone_discoverable = COALESCE($9, phone_discoverable), \
                 email = CASE WHEN $10 THEN $11 ELSE email END, \
                 share_mobile = COALESCE($12, share_mobile), \
                 email_notices = COALESCE($13, email_notices), \
                 employee_id = COALESCE($15, employee_id) \
                 WHERE org_id = $1 AND id = $2 AND (status = 'active' OR $14)",
            )
            .bind(org_id.get())
            .bind(member_id.get())
            .bind(name)
            .bind(name.map(fold_for_search))
            .bind(patch.title.is_some())
            .bind(patch.title.as_ref().and_then(|t| t.as_ref().map(|t| t.as_str())))
            .bind(patch.mobile.is_some())
            .bind(patch.mobile.as_ref().and_then(|t| t.as_ref().map(|t| t.as_str())))
            .bind(patch.phone_discoverable)
            .bind(patch.email.is_some())
            .bind(patch.email.as_ref().and_then(|e| e.as_ref().map(|e| e.as_str())))
            .bind(patch.share_mobile)
            .bind(patch.email_notices)
            .bind(any_status)
            .bind(patch.employee_id.as_ref().map(|e| e.as_str()))
            .execute(conn)
            .await
            .map_err(classify(Conflict::EmployeeId, "organization"))?;
            Ok(done.rows_affected() == 1)
        }

        /// Deactivates an active member of `org_id` and revokes their cards and tokens (in the
        /// caller's transaction); whether the member was active.
        pub(crate) async fn deactivate_in(
            conn: &mut Conn,
            org_id: OrgId,
            member_id: MemberId,
            at: i64,
        ) -> Result<bool, StoreError> {
            let done = sqlx::query(
                "UPDATE members SET status = 'deactivated', deactivated_at = $3 \
                 WHERE org_id = $1 AND id = $2 AND status = 'active'",
            )
            .bind(org_id.get())
            .bind(member_id.get())
            .bind(at)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            for table in ["cards", "tokens"] {
                sqlx::query(&format!(
                    "UPDATE {table} SET revoked_at = $2 WHERE member_id = $1 AND revoked_at IS NULL"
                ))
                .bind(member_id.get())
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
            Ok(true)
        }

        /// Makes a deactivated member of `org_id` active again (in the caller's transaction):
        /// listed in the directory, able to hold new cards; the cards and tokens revoked when
        /// they left stay revoked. Whether the member was deactivated.
        pub(crate) async fn reactivate_in(
            conn: &mut Conn,
            org_id: OrgId,
            member_id: MemberId,
        ) -> Result<bool, StoreError> {
            let done = sqlx::query(
                "UPDATE members SET status = 'active', deactivated_at = NULL \
                 WHERE org_id = $1 AND id = $2 AND status = 'deactivated'",
            )
            .bind(org_id.get())
            .bind(member_id.get())
            .execute(conn)
            .await?;
            Ok(done.rows_affected() == 1)
        }
    }

    #[async_trait::async_trait]
    impl MemberStore for Sql {
        async fn create_members(
            &self,
            org_id: OrgId,
            members: &[NewMember],
            audit: &Audit,
        ) -> Result<Vec<Member>, StoreError> {
            let mut tx = self.begin_write().await?;
            let mut created = Vec::with_capacity(members.len());
            for m in members {
                let member = Self::insert_member(&mut tx, org_id, m, audit.at).await?;
                let entry = Audit {
                    org_id: Some(org_id),
                    target: format!("member/{}", member.id),
                    detail: format!("employee_id={}", member.employee_id),
                    ..audit.clone()
                };
                Self::write_audit(&mut tx, &entry).await?;
                created.push(member);
            }
            tx.commit().await?;
            Ok(created)
        }

        async fn refold_search_keys(&self) -> Result<u64, StoreError> {
            let mut tx = self.begin_write().await?;
            // A write first: it takes the lock, so an instance starting at the same time waits
            // and then finds the version already raised.
            let claimed = sqlx::query("UPDATE search_fold SET version = $1 WHERE id = 1 AND version < $1")
                .bind(FOLD_VERSION)
                .execute(&mut *tx)
                .await?;
            if claimed.rows_affected() == 0 {
                return Ok(0);
            }
            let names: Vec<(i64, String, String)> =
                sqlx::query_as("SELECT id, display_name, name_folded FROM members")
                    .fetch_all(&mut *tx)
                    .await?;
            let mut changed = 0;
            for (id, name, stored) in names {
                let folded = fold_for_search(&name);
                if folded != stored {
                    sqlx::query("UPDATE members SET name_folded = $2 WHERE id = $1")
                        .bind(id)
                        .bind(folded)
                        .execute(&mut *tx)
                        .await?;
                    changed += 1;
                }
            }
            tx.commit().await?;
            Ok(changed)
        }

        async fn get_member(&self, org_id: OrgId, member_id: MemberId) -> Result<Member, StoreError> {
            let mut conn = self.pool.acquire().await?;
            Self::fetch_member(&mut conn, org_id, member_id).await
        }

        async fn update_member(
            &self,
            org_id: OrgId,
            member_id: MemberId,
            patch: &MemberPatch,
            audit: &Audit,
        ) -> Result<Member, StoreError> {
            let mut tx = self.begin_write().await?;
            if !Self::patch_member(&mut tx, org_id, member_id, patch, false).await? {
                return Err(StoreError::NotFound("member"));
            }
            Self::write_audit(&mut tx, audit).await?;
            let member = Self::fetch_member(&mut tx, org_id, member_id).await?;
            tx.commit().await?;
            Ok(member)
        }

        async fn deactivate_member(
            &self,
            org_id: OrgId,
            member_id: MemberId,
            audit: &Audit,
        ) -> Result<Member, StoreError> {
            let mut tx = self.begin_write().await?;
            if Self::deactivate_in(&mut tx, org_id, member_id, audit.at).await? {
                Self::write_audit(&mut tx, audit).await?;
            }
            // Deactivating twice is not an error; a member of another organization is 404.
            let member = Self::fetch_member(&mut tx, org_id, member_id).await?;
            tx.commit().await?;
            Ok(member)
        }

        async fn search_members(
            &self,
            org_id: OrgId,
            query: &MemberQuery,
            within: Option<DepartmentId>,
            after: MemberId,
            limit: i64,
        ) -> Result<Vec<Member>, StoreError> {
            let (filter, arg) = match query {
                MemberQuery::All => ("name_folded LIKE $2 ESCAPE '\\'", "%".to_owned()),
                MemberQuery::NameContains(text) => ("name_folded LIKE $2 ESCAPE '\\'", like_pattern(text)),
                MemberQuery::EmployeeId(id) => ("employee_id = $2", id.clone()),
            };
            // Within a department: its members and those of everything under it (a member in
            // two of those departments is listed once).
            let rows = sqlx::query_as::<_, MemberRow>(&format!(
                "WITH RECURSIVE {} \
                 SELECT {COLUMNS} FROM members WHERE org_id = $1 AND status = 'active' AND {filter} \
                 AND id > $3 AND ($5 IS NULL OR id IN (SELECT dm.member_id FROM department_members dm \
                 JOIN sub ON sub.id = dm.department_id)) ORDER BY id LIMIT $4",
                super::departments::subtree_cte(5, 1)
            ))
            .bind(org_id.get())
            .bind(arg)
            .bind(after.get())
            .bind(limit)
            .bind(within.map(DepartmentId::get))
            .fetch_all(&self.pool)
            .await?;
            members(rows)
        }

        async fn find_discoverable_member(
            &self,
            mobile: &Mobile,
            requester_org: OrgId,
        ) -> Result<Option<Member>, StoreError> {
            // The rules of domain::contact::check_policies, folded into the one lookup.
            let allows = |own: &str, other: &str| {
                format!(
                    "({own}.policy = 'open' OR ({own}.policy = 'partners_only' AND EXISTS \
                     (SELECT 1 FROM partners p WHERE p.org_id = {own}.id AND p.partner_id = {other}.id)))"
                )
            };
            sqlx::query_as::<_, MemberRow>(&format!(
                "SELECT {} FROM members m \
                 JOIN organizations o ON o.id = m.org_id JOIN organizations r ON r.id = $2 \
                 WHERE m.mobile = $1 AND m.phone_discoverable AND m.status = 'active' \
                 AND (o.id = r.id OR ({} AND {})) ORDER BY m.id LIMIT 1",
                qualified("m", COLUMNS),
                allows("r", "o"),
                allows("o", "r"),
            ))
            .bind(mobile.as_str())
            .bind(requester_org.get())
            .fetch_optional(&self.pool)
            .await?
            .map(Member::try_from)
            .transpose()
        }
    }
}
