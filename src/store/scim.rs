//! SCIM provisioning: organizations' SCIM tokens, and members and departments as an identity
//! provider sees them (its externalId, the document it sent, deletions it made).
//!
//! Each write is one transaction: the member or department, its SCIM record and the audit
//! entries, so a provider that retries after a failure finds either everything or nothing.

use super::departments::{COLUMNS as DEPARTMENT_COLUMNS, DepartmentRow, MembersChange};
use super::members::{COLUMNS as MEMBER_COLUMNS, MemberRow};
use super::{StoreError, corrupt, for_both_databases, placeholders, qualified};
use crate::domain::{
    Audit, Department, DepartmentId, DepartmentName, DepartmentPatch, Member, MemberId,
    MemberPatch, MemberStatus, NewDepartment, NewMember, OrgId, ScimTokenId, TokenHash,
};
use std::collections::HashMap;

/// An organization's SCIM token as listed (its secret is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimToken {
    pub id: ScimTokenId,
    pub org_id: OrgId,
    pub label: String,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl ScimToken {
    /// How the audit log names a change this token made.
    pub fn actor(&self) -> String {
        format!("scim:token/{}", self.id)
    }
}

/// A member as SCIM sees it.
#[derive(Debug, Clone)]
pub struct ScimUser {
    pub member: Member,
    pub external_id: Option<String>,
    /// The JSON document the identity provider last sent (`None` for members it never wrote).
    pub attributes: Option<String>,
    /// When SCIM last changed the member (its creation for members it never wrote).
    pub updated_at: i64,
    /// The departments the member is directly in, by id, with their names.
    pub groups: Vec<(DepartmentId, String)>,
}

/// A department as SCIM sees it.
#[derive(Debug, Clone)]
pub struct ScimGroup {
    pub department: Department,
    pub external_id: Option<String>,
    pub updated_at: i64,
    /// Its direct members that SCIM sees, by id, with their names (empty unless asked for).
    pub members: Vec<(MemberId, String)>,
}

/// Which members to read.
#[derive(Debug, Clone, Copy)]
pub enum UserLookup<'a> {
    /// A page of all of them, by id.
    Page {
        offset: i64,
        limit: i64,
    },
    /// Every one (to be filtered by the caller).
    All,
    Id(MemberId),
    /// By userName (the employee id), compared without regard to ASCII case.
    UserName(&'a str),
    ExternalId(&'a str),
}

/// Which departments to read.
#[derive(Debug, Clone, Copy)]
pub enum GroupLookup<'a> {
    All,
    Id(DepartmentId),
    DisplayName(&'a str),
    ExternalId(&'a str),
}

/// What SCIM writes beside the member's own columns.
#[derive(Debug, Clone)]
pub struct UserExtra {
    pub active: bool,
    pub external_id: Option<String>,
    /// The JSON document to keep.
    pub attributes: String,
}

/// A check of a resource as it is inside the writing transaction (its row locked), before
/// the write: a conditional request's version (`If-Match`). `false` refuses the write with
/// `Conflict(ScimVersion)`.
pub type Guard<'a, T> = Option<&'a (dyn Fn(&T) -> bool + Send + Sync)>;

/// A change SCIM makes to a department; `None` keeps a part.
#[derive(Debug, Clone, Default)]
pub struct GroupChange {
    pub name: Option<DepartmentName>,
    pub external_id: Option<Option<String>>,
    pub members: Option<MembersChange>,
}

/// SCIM tokens and SCIM's view of members and departments.
#[async_trait::async_trait]
pub trait ScimStore: Send + Sync {
    /// Stores a new token's hash, with its audit entry.
    async fn create_scim_token(
        &self,
        org_id: OrgId,
        hash: &TokenHash,
        label: &str,
        audit: &Audit,
    ) -> Result<ScimToken, StoreError>;
    /// The organization's unrevoked tokens, newest first.
    async fn list_scim_tokens(&self, org_id: OrgId) -> Result<Vec<ScimToken>, StoreError>;
    /// Revokes a token of `org_id`, with its audit entry; `NotFound` for one of another
    /// organization or one already revoked.
    async fn revoke_scim_token(
        &self,
        org_id: OrgId,
        id: ScimTokenId,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// The unrevoked token with this hash, its last use noted (at most once a minute).
    async fn authenticate_scim(
        &self,
        hash: &TokenHash,
        now: i64,
    ) -> Result<Option<ScimToken>, StoreError>;

    /// Members of `org_id` that SCIM sees (all but those it deleted), by id.
    async fn scim_users(
        &self,
        org_id: OrgId,
        lookup: UserLookup<'_>,
    ) -> Result<Vec<ScimUser>, StoreError>;
    /// How many members SCIM sees in `org_id`.
    async fn count_scim_users(&self, org_id: OrgId) -> Result<i64, StoreError>;
    /// Creates a member with its SCIM record (deactivated at once when not `active`).
    /// `Conflict(EmployeeId)` for a taken userName; nothing written.
    async fn scim_create_user(
        &self,
        org_id: OrgId,
        member: &NewMember,
        extra: &UserExtra,
        audit: &Audit,
    ) -> Result<ScimUser, StoreError>;
    /// Changes a member and its SCIM record; reactivates or deactivates it (revoking its cards
    /// and tokens) as `extra.active` says. `NotFound` for one SCIM deleted or of another
    /// organization.
    async fn scim_update_user(
        &self,
        org_id: OrgId,
        id: MemberId,
        patch: &MemberPatch,
        extra: &UserExtra,
        audit: &Audit,
        guard: Guard<'_, ScimUser>,
    ) -> Result<ScimUser, StoreError>;
    /// Deactivates a member (revoking its cards and tokens) and hides it from SCIM.
    async fn scim_delete_user(
        &self,
        org_id: OrgId,
        id: MemberId,
        audit: &Audit,
        guard: Guard<'_, ScimUser>,
    ) -> Result<(), StoreError>;

    /// Departments of `org_id`, by id; with their members when `with_members`.
    async fn scim_groups(
        &self,
        org_id: OrgId,
        lookup: GroupLookup<'_>,
        with_members: bool,
    ) -> Result<Vec<ScimGroup>, StoreError>;
    /// Creates a top-level department with its SCIM record and members.
    async fn scim_create_group(
        &self,
        org_id: OrgId,
        name: &DepartmentName,
        external_id: Option<&str>,
        members: &[MemberId],
        audit: &Audit,
    ) -> Result<ScimGroup, StoreError>;
    /// Renames a department, changes its externalId or its members, in one transaction.
    async fn scim_update_group(
        &self,
        org_id: OrgId,
        id: DepartmentId,
        change: &GroupChange,
        audit: &Audit,
        guard: Guard<'_, ScimGroup>,
    ) -> Result<ScimGroup, StoreError>;
    /// Deletes a department (refused, as in the API, while it has sub-departments or answers a
    /// contact way).
    async fn scim_delete_group(
        &self,
        org_id: OrgId,
        id: DepartmentId,
        audit: &Audit,
        guard: Guard<'_, ScimGroup>,
    ) -> Result<(), StoreError>;
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    org_id: i64,
    label: String,
    created_by: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl From<TokenRow> for ScimToken {
    fn from(r: TokenRow) -> Self {
        Self {
            id: ScimTokenId::new(r.id),
            org_id: OrgId::new(r.org_id),
            label: r.label,
            created_by: r.created_by,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        }
    }
}

const TOKEN_COLUMNS: &str = "id, org_id, label, created_by, created_at, last_used_at";

#[derive(sqlx::FromRow)]
struct UserRow {
    #[sqlx(flatten)]
    member: MemberRow,
    scim_external_id: Option<String>,
    scim_attributes: Option<String>,
    scim_updated_at: Option<i64>,
}

/// The audit entry `base` names, as `action` on `target`.
fn entry(base: &Audit, action: &'static str, target: String, detail: String) -> Audit {
    Audit {
        action,
        target,
        detail,
        ..base.clone()
    }
}

for_both_databases! {
    impl Sql {
        async fn fetch_users(
            conn: &mut Conn,
            org_id: OrgId,
            lookup: UserLookup<'_>,
        ) -> Result<Vec<ScimUser>, StoreError> {
            let (condition, tail) = match lookup {
                UserLookup::Page { .. } => ("TRUE", "LIMIT $2 OFFSET $3"),
                UserLookup::All => ("TRUE", ""),
                UserLookup::Id(_) => ("m.id = $2", ""),
                UserLookup::UserName(_) => ("lower(m.employee_id) = lower($2)", ""),
                UserLookup::ExternalId(_) => ("s.external_id = $2", ""),
            };
            let sql = format!(
                "SELECT {}, s.external_id AS scim_external_id, s.attributes AS scim_attributes, \
                 s.updated_at AS scim_updated_at FROM members m \
                 LEFT JOIN scim_users s ON s.member_id = m.id \
                 WHERE m.org_id = $1 AND s.deleted_at IS NULL AND {condition} ORDER BY m.id {tail}",
                qualified("m", MEMBER_COLUMNS)
            );
            let query = sqlx::query_as::<_, UserRow>(&sql).bind(org_id.get());
            let query = match lookup {
                UserLookup::Page { offset, limit } => query.bind(limit).bind(offset),
                UserLookup::All => query,
                UserLookup::Id(id) => query.bind(id.get()),
                UserLookup::UserName(text) | UserLookup::ExternalId(text) => query.bind(text),
            };
            let rows = query.fetch_all(&mut *conn).await?;
            let ids: Vec<i64> = rows.iter().map(|r| r.member.id).collect();
            let mut groups = Self::groups_of(conn, org_id, &ids).await?;
            rows.into_iter()
                .map(|r| {
                    let member = Member::try_from(r.member)?;
                    Ok(ScimUser {
                        groups: groups.remove(&member.id).unwrap_or_default(),
                        external_id: r.scim_external_id,
                        attributes: r.scim_attributes,
                        updated_at: r.scim_updated_at.unwrap_or(member.created_at),
                        member,
                    })
                })
                .collect()
        }

        /// The departments each of `members` is directly in, with their names.
        async fn groups_of(
            conn: &mut Conn,
            org_id: OrgId,
            members: &[i64],
        ) -> Result<HashMap<MemberId, Vec<(DepartmentId, String)>>, StoreError> {
            let mut by_member: HashMap<MemberId, Vec<(DepartmentId, String)>> = HashMap::new();
            for chunk in members.chunks(500) {
                let sql = format!(
                    "SELECT dm.member_id, d.id, d.name FROM department_members dm \
                     JOIN departments d ON d.id = dm.department_id \
                     WHERE d.org_id = $1 AND dm.member_id IN ({}) ORDER BY dm.member_id, d.id",
                    placeholders(2, chunk.len())
                );
                let mut q = sqlx::query_as::<_, (i64, i64, String)>(&sql).bind(org_id.get());
                for m in chunk {
                    q = q.bind(*m);
                }
                for (m, d, name) in q.fetch_all(&mut *conn).await? {
                    by_member.entry(MemberId::new(m)).or_default().push((DepartmentId::new(d), name));
                }
            }
            Ok(by_member)
        }

        async fn fetch_user(conn: &mut Conn, org_id: OrgId, id: MemberId) -> Result<ScimUser, StoreError> {
            Self::fetch_users(conn, org_id, UserLookup::Id(id))
                .await?
                .pop()
                .ok_or(StoreError::NotFound("member"))
        }

        async fn write_user_record(
            conn: &mut Conn,
            org_id: OrgId,
            id: MemberId,
            extra: &UserExtra,
            at: i64,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO scim_users (member_id, org_id, external_id, attributes, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (member_id) DO UPDATE SET \
                 external_id = excluded.external_id, attributes = excluded.attributes, \
                 updated_at = excluded.updated_at, deleted_at = NULL",
            )
            .bind(id.get())
            .bind(org_id.get())
            .bind(extra.external_id.as_deref())
            .bind(&extra.attributes)
            .bind(at)
            .execute(conn)
            .await?;
            Ok(())
        }

        async fn fetch_groups(
            conn: &mut Conn,
            org_id: OrgId,
            lookup: GroupLookup<'_>,
            with_members: bool,
        ) -> Result<Vec<ScimGroup>, StoreError> {
            let condition = match lookup {
                GroupLookup::All => "TRUE",
                GroupLookup::Id(_) => "d.id = $2",
                GroupLookup::DisplayName(_) => "lower(d.name) = lower($2)",
                GroupLookup::ExternalId(_) => "g.external_id = $2",
            };
            let sql = format!(
                "SELECT {DEPARTMENT_COLUMNS}, g.external_id, g.updated_at AS scim_updated_at \
                 FROM departments d LEFT JOIN scim_groups g ON g.department_id = d.id \
                 WHERE d.org_id = $1 AND {condition} ORDER BY d.id"
            );
            let query = sqlx::query_as::<_, GroupRow>(&sql).bind(org_id.get());
            let query = match lookup {
                GroupLookup::All => query,
                GroupLookup::Id(id) => query.bind(id.get()),
                GroupLookup::DisplayName(text) | GroupLookup::ExternalId(text) => query.bind(text),
            };
            let rows = query.fetch_all(&mut *conn).await?;
            let mut members: HashMap<i64, Vec<(MemberId, String)>> = HashMap::new();
            if with_members && !rows.is_empty() {
                // Every group of the organization, or those the lookup found (a name may be
                // several departments').
                let all = matches!(lookup, GroupLookup::All);
                let ids: Vec<i64> = if all { Vec::new() } else { rows.iter().map(|r| r.department.id).collect() };
                let within = if all {
                    String::new()
                } else {
                    format!("AND dm.department_id IN ({})", placeholders(2, ids.len()))
                };
                let sql = format!(
                    "SELECT dm.department_id, m.id, m.display_name FROM department_members dm \
                     JOIN members m ON m.id = dm.member_id \
                     LEFT JOIN scim_users s ON s.member_id = m.id \
                     WHERE m.org_id = $1 AND s.deleted_at IS NULL {within} ORDER BY dm.department_id, m.id"
                );
                let mut q = sqlx::query_as::<_, (i64, i64, String)>(&sql).bind(org_id.get());
                for id in &ids {
                    q = q.bind(*id);
                }
                for (d, m, name) in q.fetch_all(&mut *conn).await? {
                    members.entry(d).or_default().push((MemberId::new(m), name));
                }
            }
            Ok(rows
                .into_iter()
                .map(|r| {
                    let department = Department::from(r.department);
                    ScimGroup {
                        members: members.remove(&department.id.get()).unwrap_or_default(),
                        external_id: r.external_id,
                        updated_at: r.scim_updated_at.unwrap_or(department.updated_at),
                        department,
                    }
                })
                .collect())
        }

        async fn fetch_group(conn: &mut Conn, org_id: OrgId, id: DepartmentId) -> Result<ScimGroup, StoreError> {
            Self::fetch_groups(conn, org_id, GroupLookup::Id(id), true)
                .await?
                .pop()
                .ok_or(StoreError::NotFound("department"))
        }

        /// The member of `org_id` (other than `except`) whose userName is `user_name` without
        /// regard to ASCII case, and whether SCIM deleted it.
        async fn holder_of(
            conn: &mut Conn,
            org_id: OrgId,
            user_name: &str,
            except: Option<MemberId>,
        ) -> Result<Option<(MemberId, bool)>, StoreError> {
            let row: Option<(i64, bool)> = sqlx::query_as(
                "SELECT m.id, s.deleted_at IS NOT NULL FROM members m \
                 LEFT JOIN scim_users s ON s.member_id = m.id \
                 WHERE m.org_id = $1 AND lower(m.employee_id) = lower($2) AND m.id <> $3 \
                 ORDER BY m.id LIMIT 1",
            )
            .bind(org_id.get())
            .bind(user_name)
            .bind(except.map_or(0, MemberId::get))
            .fetch_optional(conn)
            .await?;
            Ok(row.map(|(id, deleted)| (MemberId::new(id), deleted)))
        }

        /// Writes a SCIM user's fields over member `id` (in the caller's transaction):
        /// reactivated first or deactivated last as `extra.active` says, with the audit entries.
        async fn apply_user(
            conn: &mut Conn,
            org_id: OrgId,
            id: MemberId,
            patch: &MemberPatch,
            extra: &UserExtra,
            audit: &Audit,
        ) -> Result<ScimUser, StoreError> {
            let before = Self::fetch_member(&mut *conn, org_id, id).await?;
            let target = format!("member/{id}");
            if extra.active && before.status == MemberStatus::Deactivated {
                Self::reactivate_in(&mut *conn, org_id, id).await?;
                Self::write_audit(&mut *conn, &entry(audit, "member.reactivate", target.clone(), String::new())).await?;
            }
            Self::patch_member(&mut *conn, org_id, id, patch, true).await?;
            Self::write_audit(&mut *conn, &entry(audit, "member.update", target.clone(), String::new())).await?;
            if !extra.active && Self::deactivate_in(&mut *conn, org_id, id, audit.at).await? {
                Self::write_audit(&mut *conn, &entry(audit, "member.deactivate", target, String::new())).await?;
            }
            Self::write_user_record(&mut *conn, org_id, id, extra, audit.at).await?;
            Self::fetch_user(conn, org_id, id).await
        }

        /// Locks member `id`'s row for the transaction (a write that changes nothing: on
        /// PostgreSQL it holds the row until commit, on SQLite the transaction already holds
        /// the database) and checks `guard` against the user as it is now.
        async fn lock_user(
            conn: &mut Conn,
            org_id: OrgId,
            id: MemberId,
            guard: Guard<'_, ScimUser>,
        ) -> Result<ScimUser, StoreError> {
            sqlx::query("UPDATE members SET status = status WHERE org_id = $1 AND id = $2")
                .bind(org_id.get())
                .bind(id.get())
                .execute(&mut *conn)
                .await?;
            let user = Self::fetch_user(conn, org_id, id).await?;
            if guard.is_some_and(|check| !check(&user)) {
                return Err(StoreError::Conflict(super::Conflict::ScimVersion));
            }
            Ok(user)
        }

        /// Takes the organization's tree lock (which every change to its departments takes
        /// first, so no two wait for each other) and checks `guard`, as [`Self::lock_user`] does.
        async fn lock_group(
            conn: &mut Conn,
            org_id: OrgId,
            id: DepartmentId,
            guard: Guard<'_, ScimGroup>,
        ) -> Result<(), StoreError> {
            Self::lock_tree(&mut *conn, org_id).await?;
            if let Some(check) = guard {
                let group = Self::fetch_group(conn, org_id, id).await?;
                if !check(&group) {
                    return Err(StoreError::Conflict(super::Conflict::ScimVersion));
                }
            }
            Ok(())
        }

        /// Refuses members SCIM deleted: to SCIM they do not exist.
        async fn check_visible(conn: &mut Conn, members: &[MemberId]) -> Result<(), StoreError> {
            for chunk in members.chunks(500) {
                let sql = format!(
                    "SELECT COUNT(*) FROM scim_users WHERE deleted_at IS NOT NULL AND member_id IN ({})",
                    placeholders(1, chunk.len())
                );
                let mut q = sqlx::query_as::<_, (i64,)>(&sql);
                for m in chunk {
                    q = q.bind(m.get());
                }
                if q.fetch_one(&mut *conn).await?.0 > 0 {
                    return Err(StoreError::NotFound("member"));
                }
            }
            Ok(())
        }
    }

    #[async_trait::async_trait]
    impl ScimStore for Sql {
        async fn create_scim_token(
            &self,
            org_id: OrgId,
            hash: &TokenHash,
            label: &str,
            audit: &Audit,
        ) -> Result<ScimToken, StoreError> {
            let mut tx = self.begin_write().await?;
            let row = sqlx::query_as::<_, TokenRow>(&format!(
                "INSERT INTO scim_tokens (org_id, hash, label, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING {TOKEN_COLUMNS}"
            ))
            .bind(org_id.get())
            .bind(hash.as_str())
            .bind(label)
            .bind(&audit.actor)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(super::classify(super::Conflict::Token, "organization"))?;
            let token = ScimToken::from(row);
            Self::write_audit(&mut tx, &entry(audit, audit.action, format!("scim_token/{}", token.id), label.to_owned())).await?;
            tx.commit().await?;
            Ok(token)
        }

        async fn list_scim_tokens(&self, org_id: OrgId) -> Result<Vec<ScimToken>, StoreError> {
            let rows = sqlx::query_as::<_, TokenRow>(&format!(
                "SELECT {TOKEN_COLUMNS} FROM scim_tokens WHERE org_id = $1 AND revoked_at IS NULL ORDER BY id DESC"
            ))
            .bind(org_id.get())
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(ScimToken::from).collect())
        }

        async fn revoke_scim_token(
            &self,
            org_id: OrgId,
            id: ScimTokenId,
            audit: &Audit,
        ) -> Result<(), StoreError> {
            let change = sqlx::query(
                "UPDATE scim_tokens SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL",
            )
            .bind(org_id.get())
            .bind(id.get())
            .bind(audit.at);
            self.change_one(change, audit, "scim token").await
        }

        async fn authenticate_scim(
            &self,
            hash: &TokenHash,
            now: i64,
        ) -> Result<Option<ScimToken>, StoreError> {
            let token = sqlx::query_as::<_, TokenRow>(&format!(
                "SELECT {TOKEN_COLUMNS} FROM scim_tokens WHERE hash = $1 AND revoked_at IS NULL"
            ))
            .bind(hash.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(ScimToken::from);
            if let Some(t) = &token
                && t.last_used_at.is_none_or(|at| at < now - 60)
            {
                sqlx::query("UPDATE scim_tokens SET last_used_at = $2 WHERE id = $1")
                    .bind(t.id.get())
                    .bind(now)
                    .execute(self.writer())
                    .await?;
            }
            Ok(token)
        }

        async fn scim_users(
            &self,
            org_id: OrgId,
            lookup: UserLookup<'_>,
        ) -> Result<Vec<ScimUser>, StoreError> {
            let mut conn = self.pool.acquire().await?;
            Self::fetch_users(&mut conn, org_id, lookup).await
        }

        async fn count_scim_users(&self, org_id: OrgId) -> Result<i64, StoreError> {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM members m LEFT JOIN scim_users s ON s.member_id = m.id \
                 WHERE m.org_id = $1 AND s.deleted_at IS NULL",
            )
            .bind(org_id.get())
            .fetch_one(&self.pool)
            .await?;
            Ok(n)
        }

        async fn scim_create_user(
            &self,
            org_id: OrgId,
            member: &NewMember,
            extra: &UserExtra,
            audit: &Audit,
        ) -> Result<ScimUser, StoreError> {
            let mut tx = self.begin_write().await?;
            // userName is unique without regard to case (RFC 7643 says caseExact false). A
            // member SCIM deleted gives its userName back: creating it again restores that
            // member (its history, contacts and id), as an identity provider that deletes and
            // later re-creates a person expects.
            match Self::holder_of(&mut tx, org_id, member.employee_id.as_str(), None).await? {
                Some((_, false)) => return Err(StoreError::Conflict(super::Conflict::EmployeeId)),
                Some((id, true)) => {
                    let patch = MemberPatch {
                        display_name: Some(member.display_name.clone()),
                        employee_id: Some(member.employee_id.clone()),
                        title: Some(member.title.clone()),
                        mobile: Some(member.mobile.clone()),
                        email: Some(member.email.clone()),
                        ..MemberPatch::default()
                    };
                    Self::write_audit(&mut tx, &entry(audit, "member.scim_restore", format!("member/{id}"), format!("employee_id={}", member.employee_id.as_str()))).await?;
                    let user = Self::apply_user(&mut tx, org_id, id, &patch, extra, audit).await?;
                    tx.commit().await?;
                    return Ok(user);
                }
                None => {}
            }
            let created = Self::insert_member(&mut tx, org_id, member, audit.at).await?;
            let target = format!("member/{}", created.id);
            Self::write_audit(&mut tx, &entry(audit, "member.create", target.clone(), format!("employee_id={}", created.employee_id))).await?;
            if !extra.active {
                Self::deactivate_in(&mut tx, org_id, created.id, audit.at).await?;
                Self::write_audit(&mut tx, &entry(audit, "member.deactivate", target, String::new())).await?;
            }
            Self::write_user_record(&mut tx, org_id, created.id, extra, audit.at).await?;
            let user = Self::fetch_user(&mut tx, org_id, created.id).await?;
            tx.commit().await?;
            Ok(user)
        }

        async fn scim_update_user(
            &self,
            org_id: OrgId,
            id: MemberId,
            patch: &MemberPatch,
            extra: &UserExtra,
            audit: &Audit,
            guard: Guard<'_, ScimUser>,
        ) -> Result<ScimUser, StoreError> {
            let mut tx = self.begin_write().await?;
            // A member SCIM deleted or of another organization is not found.
            Self::lock_user(&mut tx, org_id, id, guard).await?;
            if let Some(name) = &patch.employee_id
                && Self::holder_of(&mut tx, org_id, name.as_str(), Some(id)).await?.is_some()
            {
                return Err(StoreError::Conflict(super::Conflict::EmployeeId));
            }
            let user = Self::apply_user(&mut tx, org_id, id, patch, extra, audit).await?;
            tx.commit().await?;
            Ok(user)
        }

        async fn scim_delete_user(
            &self,
            org_id: OrgId,
            id: MemberId,
            audit: &Audit,
            guard: Guard<'_, ScimUser>,
        ) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            let user = Self::lock_user(&mut tx, org_id, id, guard).await?;
            let target = format!("member/{id}");
            if Self::deactivate_in(&mut tx, org_id, id, audit.at).await? {
                Self::write_audit(&mut tx, &entry(audit, "member.deactivate", target.clone(), String::new())).await?;
            }
            sqlx::query(
                "INSERT INTO scim_users (member_id, org_id, external_id, attributes, updated_at, deleted_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (member_id) DO UPDATE SET \
                 updated_at = excluded.updated_at, deleted_at = excluded.deleted_at",
            )
            .bind(id.get())
            .bind(org_id.get())
            .bind(user.external_id.as_deref())
            .bind(user.attributes.as_deref().unwrap_or("{}"))
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
            Self::write_audit(&mut tx, &entry(audit, "member.scim_delete", target, format!("employee_id={}", user.member.employee_id))).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn scim_groups(
            &self,
            org_id: OrgId,
            lookup: GroupLookup<'_>,
            with_members: bool,
        ) -> Result<Vec<ScimGroup>, StoreError> {
            let mut conn = self.pool.acquire().await?;
            Self::fetch_groups(&mut conn, org_id, lookup, with_members).await
        }

        async fn scim_create_group(
            &self,
            org_id: OrgId,
            name: &DepartmentName,
            external_id: Option<&str>,
            members: &[MemberId],
            audit: &Audit,
        ) -> Result<ScimGroup, StoreError> {
            let mut tx = self.begin_write().await?;
            let department = NewDepartment { org_id, name: name.clone(), parent: None, order: 0 };
            let created = Self::insert_department(&mut tx, &department, audit.at).await?;
            sqlx::query(
                "INSERT INTO scim_groups (department_id, org_id, external_id, updated_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(created.id.get())
            .bind(org_id.get())
            .bind(external_id)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
            let target = format!("department/{}", created.id);
            Self::write_audit(&mut tx, &entry(audit, "department.created", target.clone(), created.name.clone())).await?;
            if !members.is_empty() {
                Self::check_visible(&mut tx, members).await?;
                let change = MembersChange { add: members.to_vec(), ..MembersChange::default() };
                let changed = Self::change_members(&mut tx, org_id, created.id, &change, audit.at).await?;
                Self::write_audit(&mut tx, &entry(audit, "department.members_changed", target, format!("+{} -0", changed.added.len()))).await?;
            }
            let group = Self::fetch_group(&mut tx, org_id, created.id).await?;
            tx.commit().await?;
            Ok(group)
        }

        async fn scim_update_group(
            &self,
            org_id: OrgId,
            id: DepartmentId,
            change: &GroupChange,
            audit: &Audit,
            guard: Guard<'_, ScimGroup>,
        ) -> Result<ScimGroup, StoreError> {
            let mut tx = self.begin_write().await?;
            Self::lock_group(&mut tx, org_id, id, guard).await?;
            let target = format!("department/{id}");
            // Renaming takes the tree lock and checks the department is of `org_id`; without a
            // rename the record's write comes first, then the same check.
            let patch = DepartmentPatch { name: change.name.clone(), ..DepartmentPatch::default() };
            let department = Self::change_department(&mut tx, org_id, id, &patch, audit.at).await?;
            if change.name.is_some() {
                Self::write_audit(&mut tx, &entry(audit, "department.updated", target.clone(), department.name.clone())).await?;
            }
            let external_id = match &change.external_id {
                Some(e) => e.clone(),
                None => Self::fetch_groups(&mut tx, org_id, GroupLookup::Id(id), false)
                    .await?
                    .pop()
                    .and_then(|g| g.external_id),
            };
            sqlx::query(
                "INSERT INTO scim_groups (department_id, org_id, external_id, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (department_id) DO UPDATE SET external_id = excluded.external_id, updated_at = excluded.updated_at",
            )
            .bind(id.get())
            .bind(org_id.get())
            .bind(external_id)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
            if let Some(members) = &change.members {
                Self::check_visible(&mut tx, &members.add).await?;
                let changed = Self::change_members(&mut tx, org_id, id, members, audit.at).await?;
                if !changed.added.is_empty() || !changed.removed.is_empty() {
                    let detail = format!("+{} -{}", changed.added.len(), changed.removed.len());
                    Self::write_audit(&mut tx, &entry(audit, "department.members_changed", target, detail)).await?;
                }
            }
            let group = Self::fetch_group(&mut tx, org_id, id).await?;
            tx.commit().await?;
            Ok(group)
        }

        async fn scim_delete_group(
            &self,
            org_id: OrgId,
            id: DepartmentId,
            audit: &Audit,
            guard: Guard<'_, ScimGroup>,
        ) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            Self::lock_group(&mut tx, org_id, id, guard).await?;
            let department = Self::remove_department(&mut tx, org_id, id).await?;
            Self::write_audit(&mut tx, &entry(audit, "department.deleted", format!("department/{id}"), department.name)).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    #[sqlx(flatten)]
    department: DepartmentRow,
    external_id: Option<String>,
    scim_updated_at: Option<i64>,
}

/// A stored SCIM document that no longer parses as JSON is corrupt, never skipped.
pub(crate) fn parse_attributes(raw: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(raw).map_err(|_| corrupt("scim_users.attributes", "is not JSON"))
}
