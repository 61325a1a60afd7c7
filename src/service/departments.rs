//! Departments: an organization's tree, kept by its admins (or its identity provider through
//! SCIM), and who is in each department. Every change is an event in the organization's audit
//! log and webhook: `department.created`, `.updated`, `.deleted`, `.members_changed`, and
//! `member.departments_set`.

use super::clock::Clock;
use super::event_body;
use crate::domain::{
    Department, DepartmentId, DepartmentPatch, MemberId, Memberships, NewDepartment, OrgId,
};
use crate::store::{Event, MembersChange, MembersChanged, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// Departments and their members.
#[derive(Debug)]
pub struct Departments {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Departments {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Creates a department on behalf of `actor` (as the audit log names them: an admin's
    /// token, or a SCIM token).
    ///
    /// # Errors
    /// `Tree` (missing parent, too deep, too many), `Conflict(Department)` for a sibling's name.
    pub async fn create(
        &self,
        actor: &str,
        department: &NewDepartment,
    ) -> Result<Department, StoreError> {
        let now = self.clock.now();
        let event = |d: &Department| department_event("department.created", d, now, actor);
        self.store.create_department(department, now, &event).await
    }

    /// A department of `org_id`.
    ///
    /// # Errors
    /// `NotFound("department")`.
    pub async fn get(&self, org_id: OrgId, id: DepartmentId) -> Result<Department, StoreError> {
        self.store.get_department(org_id, id).await
    }

    /// All of `org_id`'s departments, parents before their children's siblings, by order.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(&self, org_id: OrgId) -> Result<Vec<Department>, StoreError> {
        self.store.list_departments(org_id).await
    }

    /// Renames, reorders or moves a department.
    ///
    /// # Errors
    /// `NotFound`, `Tree` (cycle, too deep, missing parent), `Conflict(Department)`.
    pub async fn update(
        &self,
        actor: &str,
        org_id: OrgId,
        id: DepartmentId,
        patch: &DepartmentPatch,
    ) -> Result<Department, StoreError> {
        let now = self.clock.now();
        let event = |d: &Department| department_event("department.updated", d, now, actor);
        self.store
            .update_department(org_id, id, patch, now, &event)
            .await
    }

    /// Deletes a department without sub-departments that answers no contact way; its members
    /// stay in the organization.
    ///
    /// # Errors
    /// `NotFound`, `Tree(HasChildren)`, `Tree(AnswersWay)`.
    pub async fn delete(
        &self,
        actor: &str,
        org_id: OrgId,
        id: DepartmentId,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let event = |d: &Department| department_event("department.deleted", d, now, actor);
        self.store.delete_department(org_id, id, &event).await
    }

    /// Adds and removes members of a department.
    ///
    /// # Errors
    /// `NotFound("department")`, or `NotFound("member")` for one outside the organization.
    pub async fn change_members(
        &self,
        actor: &str,
        org_id: OrgId,
        id: DepartmentId,
        change: &MembersChange,
    ) -> Result<MembersChanged, StoreError> {
        let now = self.clock.now();
        let event = |c: &MembersChanged| Event {
            at: now,
            actor: actor.to_owned(),
            orgs: vec![c.org_id],
            name: "department.members_changed",
            target: format!("department/{}", c.department),
            detail: format!("+{} -{}", c.added.len(), c.removed.len()),
            payload: event_body(
                "department.members_changed",
                now,
                serde_json::json!({
                    "id": c.department,
                    "added": c.added,
                    "removed": c.removed,
                }),
            ),
        };
        self.store
            .change_department_members(org_id, id, change, now, &event)
            .await
    }

    /// Puts a member in exactly these departments.
    ///
    /// # Errors
    /// `NotFound("member")` or `NotFound("department")`, nothing written.
    pub async fn set_member_departments(
        &self,
        actor: &str,
        org_id: OrgId,
        member: MemberId,
        departments: &Memberships,
    ) -> Result<Vec<DepartmentId>, StoreError> {
        let now = self.clock.now();
        let event = |set: &Vec<DepartmentId>| Event {
            at: now,
            actor: actor.to_owned(),
            orgs: vec![org_id],
            name: "member.departments_set",
            target: format!("member/{member}"),
            detail: format!("{} departments", set.len()),
            payload: event_body(
                "member.departments_set",
                now,
                serde_json::json!({ "member_id": member, "department_ids": set }),
            ),
        };
        self.store
            .set_member_departments(org_id, member, departments.as_slice(), now, &event)
            .await
    }

    /// The departments each of `members` is in.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn of_members(
        &self,
        org_id: OrgId,
        members: &[MemberId],
    ) -> Result<HashMap<MemberId, Vec<DepartmentId>>, StoreError> {
        self.store.member_departments(org_id, members).await
    }
}

fn department_event(name: &'static str, d: &Department, at: i64, actor: &str) -> Event {
    Event {
        at,
        actor: actor.to_owned(),
        orgs: vec![d.org_id],
        name,
        target: format!("department/{}", d.id),
        detail: d.name.clone(),
        payload: event_body(
            name,
            at,
            serde_json::json!({
                "id": d.id,
                "name": d.name,
                "parent_id": d.parent,
                "order": d.order,
            }),
        ),
    }
}
