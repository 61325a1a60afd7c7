//! Departments: each organization's tree and who is in each department.
//!
//! Every change to a tree starts by bumping its organization's `department_rev` (the first write
//! of the transaction), so changes to one organization's tree run one after the other on both
//! databases and each is checked against the tree as it is (no two concurrent moves can make a
//! cycle). Membership changes do not touch the tree and do not take that lock.

use super::contacts::EventFor;
use super::{Conflict, StoreError, classify, for_both_databases, placeholders};
use crate::domain::{
    Department, DepartmentId, DepartmentPatch, MemberId, NewDepartment, OrgId, Tree, TreeError,
};
use std::collections::HashMap;

/// A change to who is in one department: `add` first, then `remove`; with `replace`, everyone
/// not in `add` is removed.
#[derive(Debug, Clone, Default)]
pub struct MembersChange {
    pub add: Vec<MemberId>,
    pub remove: Vec<MemberId>,
    pub replace: bool,
}

/// What a membership change did: the members it added and removed (those already in, or not
/// in, are left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembersChanged {
    pub department: DepartmentId,
    pub org_id: OrgId,
    pub added: Vec<MemberId>,
    pub removed: Vec<MemberId>,
}

/// Departments of organizations.
#[async_trait::async_trait]
pub trait DepartmentStore: Send + Sync {
    /// Creates a department, with its event. `Tree` when the parent is missing or too deep,
    /// `Conflict(Department)` for a sibling of the same name; nothing written.
    async fn create_department(
        &self,
        department: &NewDepartment,
        now: i64,
        event: EventFor<'_, Department>,
    ) -> Result<Department, StoreError>;
    /// Reads a department of `org_id`.
    async fn get_department(
        &self,
        org_id: OrgId,
        id: DepartmentId,
    ) -> Result<Department, StoreError>;
    /// All of `org_id`'s departments, by parent, order and id.
    async fn list_departments(&self, org_id: OrgId) -> Result<Vec<Department>, StoreError>;
    /// Renames, reorders or moves a department of `org_id`, with its event. `Tree` for a move
    /// under itself, a descendant, a missing parent or too deep; nothing written.
    async fn update_department(
        &self,
        org_id: OrgId,
        id: DepartmentId,
        patch: &DepartmentPatch,
        now: i64,
        event: EventFor<'_, Department>,
    ) -> Result<Department, StoreError>;
    /// Deletes a department of `org_id` that has no sub-department and answers no contact way;
    /// its members stay in the organization. With its event.
    async fn delete_department(
        &self,
        org_id: OrgId,
        id: DepartmentId,
        event: EventFor<'_, Department>,
    ) -> Result<(), StoreError>;
    /// Adds and removes members of a department, with the event (only when something changed).
    /// `NotFound("member")` for a member (to add or remove) outside `org_id`, nothing written.
    async fn change_department_members(
        &self,
        org_id: OrgId,
        id: DepartmentId,
        change: &MembersChange,
        now: i64,
        event: EventFor<'_, MembersChanged>,
    ) -> Result<MembersChanged, StoreError>;
    /// Puts a member of `org_id` in exactly these departments, with the event.
    /// `NotFound("department")` for one outside `org_id`, nothing written.
    async fn set_member_departments(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        departments: &[DepartmentId],
        now: i64,
        event: EventFor<'_, Vec<DepartmentId>>,
    ) -> Result<Vec<DepartmentId>, StoreError>;
    /// The departments each of `members` (of `org_id`) is in, by id.
    async fn member_departments(
        &self,
        org_id: OrgId,
        members: &[MemberId],
    ) -> Result<HashMap<MemberId, Vec<DepartmentId>>, StoreError>;
}

pub(crate) const COLUMNS: &str = "d.id, d.org_id, d.name, d.parent_id, d.sort_order, d.created_at, d.updated_at, \
     (SELECT COUNT(*) FROM department_members dm WHERE dm.department_id = d.id) AS members";

#[derive(sqlx::FromRow)]
pub(crate) struct DepartmentRow {
    pub(crate) id: i64,
    org_id: i64,
    name: String,
    parent_id: Option<i64>,
    sort_order: i64,
    created_at: i64,
    updated_at: i64,
    members: i64,
}

impl From<DepartmentRow> for Department {
    fn from(r: DepartmentRow) -> Self {
        Self {
            id: DepartmentId::new(r.id),
            org_id: OrgId::new(r.org_id),
            name: r.name,
            parent: r.parent_id.map(DepartmentId::new),
            order: r.sort_order,
            members: r.members,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The SQL of a department's subtree as `sub(id)`, with the department's id as `$n` and its
/// organization as `$m`: the recursive part is bounded by the tree's depth limit.
pub(crate) fn subtree_cte(department: usize, org: usize) -> String {
    format!(
        "sub(id, depth) AS (SELECT id, 1 FROM departments WHERE id = ${department} AND org_id = ${org} \
         UNION ALL SELECT d.id, sub.depth + 1 FROM departments d JOIN sub ON d.parent_id = sub.id \
         WHERE sub.depth < {})",
        crate::domain::department::MAX_DEPTH
    )
}

for_both_databases! {
    impl Sql {
        /// Takes the organization's tree lock (see the module) and reads its tree. A contact way
        /// given a department takes it too, so the department cannot be deleted meanwhile.
        pub(crate) async fn lock_tree(conn: &mut Conn, org_id: OrgId) -> Result<Tree, StoreError> {
            let bumped = sqlx::query(
                "UPDATE organizations SET department_rev = department_rev + 1 WHERE id = $1",
            )
            .bind(org_id.get())
            .execute(&mut *conn)
            .await?;
            if bumped.rows_affected() == 0 {
                return Err(StoreError::NotFound("organization"));
            }
            let links: Vec<(i64, Option<i64>)> =
                sqlx::query_as("SELECT id, parent_id FROM departments WHERE org_id = $1")
                    .bind(org_id.get())
                    .fetch_all(&mut *conn)
                    .await?;
            Ok(Tree::new(links.into_iter().map(|(id, parent)| {
                (DepartmentId::new(id), parent.map(DepartmentId::new))
            })))
        }

        async fn fetch_department(
            conn: &mut Conn,
            org_id: OrgId,
            id: DepartmentId,
        ) -> Result<Department, StoreError> {
            sqlx::query_as::<_, DepartmentRow>(&format!(
                "SELECT {COLUMNS} FROM departments d WHERE d.org_id = $1 AND d.id = $2"
            ))
            .bind(org_id.get())
            .bind(id.get())
            .fetch_optional(conn)
            .await?
            .map(Department::from)
            .ok_or(StoreError::NotFound("department"))
        }

        /// Which of `members` are members of `org_id`; `NotFound("member")` unless all are.
        async fn check_members(
            conn: &mut Conn,
            org_id: OrgId,
            members: &[MemberId],
        ) -> Result<(), StoreError> {
            for chunk in members.chunks(500) {
                let sql = format!(
                    "SELECT COUNT(*) FROM members WHERE org_id = $1 AND id IN ({})",
                    placeholders(2, chunk.len())
                );
                let mut q = sqlx::query_as::<_, (i64,)>(&sql).bind(org_id.get());
                for m in chunk {
                    q = q.bind(m.get());
                }
                let (found,) = q.fetch_one(&mut *conn).await?;
                if usize::try_from(found).ok() != Some(chunk.len()) {
                    return Err(StoreError::NotFound("member"));
                }
            }
            Ok(())
        }

        async fn direct_member_ids(
            conn: &mut Conn,
            id: DepartmentId,
        ) -> Result<Vec<MemberId>, StoreError> {
            let rows: Vec<(i64,)> = sqlx::query_as(
                "SELECT member_id FROM department_members WHERE department_id = $1 ORDER BY member_id",
            )
            .bind(id.get())
            .fetch_all(conn)
            .await?;
            Ok(rows.into_iter().map(|(m,)| MemberId::new(m)).collect())
        }
        /// Creates a department (in the caller's transaction, taking the tree lock).
        pub(crate) async fn insert_department(
            conn: &mut Conn,
            department: &NewDepartment,
            now: i64,
        ) -> Result<Department, StoreError> {
            let tree = Self::lock_tree(&mut *conn, department.org_id).await?;
            tree.check_create(department.parent).map_err(StoreError::Tree)?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO departments (org_id, name, parent_id, sort_order, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(department.org_id.get())
            .bind(department.name.as_str())
            .bind(department.parent.map(DepartmentId::get))
            .bind(department.order)
            .bind(now)
            .fetch_one(&mut *conn)
            .await
            .map_err(classify(Conflict::Department, "department"))?;
            Self::fetch_department(&mut *conn, department.org_id, DepartmentId::new(id)).await
        }

        /// Renames, reorders or moves a department (in the caller's transaction, taking the tree
        /// lock).
        pub(crate) async fn change_department(
            conn: &mut Conn,
            org_id: OrgId,
            id: DepartmentId,
            patch: &DepartmentPatch,
            now: i64,
        ) -> Result<Department, StoreError> {
            let tree = Self::lock_tree(&mut *conn, org_id).await?;
            Self::fetch_department(&mut *conn, org_id, id).await?;
            if let Some(parent) = patch.parent {
                tree.check_move(id, parent).map_err(StoreError::Tree)?;
            }
            sqlx::query(
                "UPDATE departments SET name = COALESCE($3, name), \
                 parent_id = CASE WHEN $4 THEN $5 ELSE parent_id END, \
                 sort_order = COALESCE($6, sort_order), updated_at = $7 \
                 WHERE org_id = $1 AND id = $2",
            )
            .bind(org_id.get())
            .bind(id.get())
            .bind(patch.name.as_ref().map(|n| n.as_str()))
            .bind(patch.parent.is_some())
            .bind(patch.parent.flatten().map(DepartmentId::get))
            .bind(patch.order)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(classify(Conflict::Department, "department"))?;
            Self::fetch_department(&mut *conn, org_id, id).await
        }

        /// Deletes a department without sub-departments or live contact ways (in the caller's
        /// transaction, taking the tree lock); the department as it was.
        pub(crate) async fn remove_department(
            conn: &mut Conn,
            org_id: OrgId,
            id: DepartmentId,
        ) -> Result<Department, StoreError> {
            Self::lock_tree(&mut *conn, org_id).await?;
            let department = Self::fetch_department(&mut *conn, org_id, id).await?;
            let (children, ways): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM departments WHERE parent_id = $1), \
                 (SELECT COUNT(*) FROM contact_ways WHERE department_id = $1 AND deleted_at IS NULL)",
            )
            .bind(id.get())
            .fetch_one(&mut *conn)
            .await?;
            if children > 0 {
                return Err(StoreError::Tree(TreeError::HasChildren));
            }
            if ways > 0 {
                return Err(StoreError::Tree(TreeError::AnswersWay));
            }
            sqlx::query("DELETE FROM departments WHERE org_id = $1 AND id = $2")
                .bind(org_id.get())
                .bind(id.get())
                .execute(&mut *conn)
                .await?;
            Ok(department)
        }

        /// Adds and removes members of a department (in the caller's transaction).
        pub(crate) async fn change_members(
            conn: &mut Conn,
            org_id: OrgId,
            id: DepartmentId,
            change: &MembersChange,
            now: i64,
        ) -> Result<MembersChanged, StoreError> {
            // The write first, so SQLite holds its lock before anything is read; a department
            // of another organization (or none) is 404.
            let touched = sqlx::query("UPDATE departments SET updated_at = $3 WHERE org_id = $1 AND id = $2")
                .bind(org_id.get())
                .bind(id.get())
                .bind(now)
                .execute(&mut *conn)
                .await?;
            if touched.rows_affected() == 0 {
                return Err(StoreError::NotFound("department"));
            }
            Self::check_members(&mut *conn, org_id, &change.add).await?;
            Self::check_members(&mut *conn, org_id, &change.remove).await?;
            let before = Self::direct_member_ids(&mut *conn, id).await?;
            let mut added = Vec::new();
            for m in &change.add {
                let inserted = sqlx::query(
                    "INSERT INTO department_members (department_id, member_id, added_at) \
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(id.get())
                .bind(m.get())
                .bind(now)
                .execute(&mut *conn)
                .await?;
                if inserted.rows_affected() == 1 {
                    added.push(*m);
                }
            }
            let leaving: Vec<MemberId> = if change.replace {
                before.into_iter().filter(|m| !change.add.contains(m)).collect()
            } else {
                change.remove.iter().copied().filter(|m| !change.add.contains(m)).collect()
            };
            let mut removed = Vec::new();
            for m in leaving {
                let deleted = sqlx::query(
                    "DELETE FROM department_members WHERE department_id = $1 AND member_id = $2",
                )
                .bind(id.get())
                .bind(m.get())
                .execute(&mut *conn)
                .await?;
                if deleted.rows_affected() == 1 {
                    removed.push(m);
                }
            }
            Ok(MembersChanged { department: id, org_id, added, removed })
        }
    }

    #[async_trait::async_trait]
    impl DepartmentStore for Sql {
        async fn create_department(
            &self,
            department: &NewDepartment,
            now: i64,
            event: EventFor<'_, Department>,
        ) -> Result<Department, StoreError> {
            let mut tx = self.begin_write().await?;
            let created = Self::insert_department(&mut tx, department, now).await?;
            Self::write_event(&mut tx, &event(&created)).await?;
            tx.commit().await?;
            Ok(created)
        }

        async fn get_department(
            &self,
            org_id: OrgId,
            id: DepartmentId,
        ) -> Result<Department, StoreError> {
            let mut conn = self.pool.acquire().await?;
            Self::fetch_department(&mut conn, org_id, id).await
        }

        async fn list_departments(&self, org_id: OrgId) -> Result<Vec<Department>, StoreError> {
            let rows = sqlx::query_as::<_, DepartmentRow>(&format!(
                "SELECT {COLUMNS} FROM departments d WHERE d.org_id = $1 \
                 ORDER BY COALESCE(d.parent_id, 0), d.sort_order, d.id"
            ))
            .bind(org_id.get())
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(Department::from).collect())
        }

        async fn update_department(
            &self,
            org_id: OrgId,
            id: DepartmentId,
            patch: &DepartmentPatch,
            now: i64,
            event: EventFor<'_, Department>,
        ) -> Result<Department, StoreError> {
            let mut tx = self.begin_write().await?;
            let updated = Self::change_department(&mut tx, org_id, id, patch, now).await?;
            Self::write_event(&mut tx, &event(&updated)).await?;
            tx.commit().await?;
            Ok(updated)
        }

        async fn delete_department(
            &self,
            org_id: OrgId,
            id: DepartmentId,
            event: EventFor<'_, Department>,
        ) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            let department = Self::remove_department(&mut tx, org_id, id).await?;
            Self::write_event(&mut tx, &event(&department)).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn change_department_members(
            &self,
            org_id: OrgId,
            id: DepartmentId,
            change: &MembersChange,
            now: i64,
            event: EventFor<'_, MembersChanged>,
        ) -> Result<MembersChanged, StoreError> {
            let mut tx = self.begin_write().await?;
            let changed = Self::change_members(&mut tx, org_id, id, change, now).await?;
            if !changed.added.is_empty() || !changed.removed.is_empty() {
                Self::write_event(&mut tx, &event(&changed)).await?;
            }
            tx.commit().await?;
            Ok(changed)
        }

        async fn set_member_departments(
            &self,
            org_id: OrgId,
            member_id: MemberId,
            departments: &[DepartmentId],
            now: i64,
            event: EventFor<'_, Vec<DepartmentId>>,
        ) -> Result<Vec<DepartmentId>, StoreError> {
            let mut tx = self.begin_write().await?;
            // The write first (SQLite's lock); a member of another organization deletes nothing
            // and is refused by the check that follows, which rolls it back.
            sqlx::query(
                "DELETE FROM department_members WHERE member_id = $1 \
                 AND member_id IN (SELECT id FROM members WHERE org_id = $2)",
            )
            .bind(member_id.get())
            .bind(org_id.get())
            .execute(&mut *tx)
            .await?;
            Self::check_members(&mut tx, org_id, &[member_id]).await?;
            for d in departments {
                let inserted = sqlx::query(
                    "INSERT INTO department_members (department_id, member_id, added_at) \
                     SELECT id, $2, $3 FROM departments WHERE id = $1 AND org_id = $4",
                )
                .bind(d.get())
                .bind(member_id.get())
                .bind(now)
                .bind(org_id.get())
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Err(StoreError::NotFound("department"));
                }
            }
            let set = departments.to_vec();
            Self::write_event(&mut tx, &event(&set)).await?;
            tx.commit().await?;
            Ok(set)
        }

        async fn member_departments(
            &self,
            org_id: OrgId,
            members: &[MemberId],
        ) -> Result<HashMap<MemberId, Vec<DepartmentId>>, StoreError> {
            let mut by_member: HashMap<MemberId, Vec<DepartmentId>> = HashMap::new();
            for chunk in members.chunks(500) {
                let sql = format!(
                    "SELECT dm.member_id, dm.department_id FROM department_members dm \
                     JOIN departments d ON d.id = dm.department_id \
                     WHERE d.org_id = $1 AND dm.member_id IN ({}) ORDER BY dm.member_id, dm.department_id",
                    placeholders(2, chunk.len())
                );
                let mut q = sqlx::query_as::<_, (i64, i64)>(&sql).bind(org_id.get());
                for m in chunk {
                    q = q.bind(m.get());
                }
                for (m, d) in q.fetch_all(&self.pool).await? {
                    by_member.entry(MemberId::new(m)).or_default().push(DepartmentId::new(d));
                }
            }
            Ok(by_member)
        }
    }
}
