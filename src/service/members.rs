//! Members: provisioning one or many, changes by an admin or by the member, deactivation
//! (which revokes their cards at once), and the directory.

use super::clock::Clock;
use super::keyring::Keyring;
use crate::domain::{
    DepartmentId, Member, MemberId, MemberPatch, MemberQuery, NewMember, OrgId, Principal,
};
use crate::store::{Store, StoreError};
use std::sync::Arc;

/// Who changes a member: an admin, or the member themselves (logged apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedBy {
    Admin,
    Themselves,
}

/// The members of organizations.
#[derive(Debug)]
pub struct Members {
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
}

impl Members {
    /// The members use cases.
    pub fn new(store: Arc<dyn Store>, keys: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self { store, keys, clock }
    }

    /// Provisions members, all or none (`action`: `member.create` or `member.import`).
    ///
    /// # Errors
    /// `Conflict(EmployeeId)` when an employee id is taken; nothing is written then.
    pub async fn create(
        &self,
        who: &Principal,
        org_id: OrgId,
        members: &[NewMember],
        action: &'static str,
    ) -> Result<Vec<Member>, StoreError> {
        let entry = super::audit(self.clock.now(), who, Some(org_id), action, "member", "");
        self.store.create_members(org_id, members, &entry).await
    }

    /// A member of `org_id`.
    ///
    /// # Errors
    /// `NotFound` for a member of another organization.
    pub async fn get(&self, org_id: OrgId, member_id: MemberId) -> Result<Member, StoreError> {
        self.store.get_member(org_id, member_id).await
    }

    /// Changes an active member.
    ///
    /// # Errors
    /// `NotFound` for a deactivated member or one of another organization.
    pub async fn update(
        &self,
        who: &Principal,
        org_id: OrgId,
        member_id: MemberId,
        patch: &MemberPatch,
        by: ChangedBy,
    ) -> Result<Member, StoreError> {
        let action = match by {
            ChangedBy::Admin => "member.update",
            ChangedBy::Themselves => "member.update_self",
        };
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org_id),
            action,
            format!("member/{member_id}"),
            "",
        );
        self.store
            .update_member(org_id, member_id, patch, &entry)
            .await
    }

    /// Deactivates a member: their cards are revoked at once (this instance's revocation list
    /// sees it immediately), their tokens stop working, they leave the directory.
    ///
    /// # Errors
    /// `NotFound` for a member of another organization.
    pub async fn deactivate(
        &self,
        who: &Principal,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Member, StoreError> {
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org_id),
            "member.deactivate",
            format!("member/{member_id}"),
            "",
        );
        let member = self
            .store
            .deactivate_member(org_id, member_id, &entry)
            .await?;
        self.keys.revocations_changed().await;
        Ok(member)
    }

    /// Active members of `org_id` matching `query` (`within` a department and everything under
    /// it), by id, after `after`.
    ///
    /// # Errors
    /// `NotFound("department")` for a department not of `org_id`; when the store fails.
    pub async fn directory(
        &self,
        org_id: OrgId,
        query: &MemberQuery,
        within: Option<DepartmentId>,
        after: MemberId,
        limit: i64,
    ) -> Result<Vec<Member>, StoreError> {
        if let Some(d) = within {
            self.store.get_department(org_id, d).await?;
        }
        self.store
            .search_members(org_id, query, within, after, limit)
            .await
    }

    /// Brings the directory's search keys up to the current folding (at start-up), so names
    /// stored before a change to it are still found; how many keys changed.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn refold_search_keys(&self) -> Result<u64, StoreError> {
        self.store.refold_search_keys().await
    }
}
