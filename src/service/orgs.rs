//! Organizations: creation by the operator, their name, domain and contact policy, partners,
//! and their audit log.

use super::clock::Clock;
use crate::domain::{
    AuditEntry, AuditId, ContactPolicy, NewOrg, Org, OrgId, OrgPatch, Partner, Principal,
};
use crate::store::{Store, StoreError};
use std::sync::Arc;

/// Organizations and partnerships.
#[derive(Debug)]
pub struct Orgs {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Orgs {
    /// The organization use cases.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Creates an organization.
    ///
    /// # Errors
    /// `Conflict(Domain)` when another organization has the domain.
    pub async fn create(&self, who: &Principal, org: &NewOrg) -> Result<Org, StoreError> {
        let entry = super::audit(
            self.clock.now(),
            who,
            None,
            "org.create",
            "org",
            org.name.as_str(),
        );
        self.store.create_org(org, &entry).await
    }

    /// An organization.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn get(&self, id: OrgId) -> Result<Org, StoreError> {
        self.store.get_org(id).await
    }

    /// Every organization.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(&self) -> Result<Vec<Org>, StoreError> {
        self.store.list_orgs().await
    }

    /// Changes an organization's name, domain, policy or language.
    ///
    /// # Errors
    /// `NotFound`, or `Conflict(Domain)`.
    pub async fn update(
        &self,
        who: &Principal,
        id: OrgId,
        patch: &OrgPatch,
    ) -> Result<Org, StoreError> {
        let detail = format!(
            "policy={:?} transfer_period_secs={:?} successor_routing={:?} lang={:?}",
            patch.policy.map(ContactPolicy::as_str),
            patch.transfer_period.map(|p| p.secs()),
            patch.successor_routing,
            patch.lang.as_ref().map(crate::qr::Lang::as_str)
        );
        let entry = super::audit(self.clock.now(), who, Some(id), "org.update", "org", detail);
        self.store.update_org(id, patch, &entry).await
    }

    /// An organization's partner list (see [`Partner`] for what it shows).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn partners(&self, id: OrgId) -> Result<Vec<Partner>, StoreError> {
        self.store.list_partners(id).await
    }

    /// Makes `partner` a partner of `org` (idempotent). An id no organization has is listed
    /// too, with the same answer: the answer must not tell which organizations exist.
    ///
    /// # Errors
    /// `Conflict(PartnershipWithItself)`.
    pub async fn add_partner(
        &self,
        who: &Principal,
        org: OrgId,
        partner: OrgId,
    ) -> Result<(), StoreError> {
        let target = format!("org/{partner}");
        let entry = super::audit(self.clock.now(), who, Some(org), "partner.add", target, "");
        self.store.add_partner(org, partner, &entry).await
    }

    /// Ends a partnership.
    ///
    /// # Errors
    /// `NotFound` when there is none.
    pub async fn remove_partner(
        &self,
        who: &Principal,
        org: OrgId,
        partner: OrgId,
    ) -> Result<(), StoreError> {
        let target = format!("org/{partner}");
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org),
            "partner.remove",
            target,
            "",
        );
        self.store.remove_partner(org, partner, &entry).await
    }

    /// The audit log of one organization (or, with `None`, all of it), oldest first.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn audit_log(
        &self,
        org: Option<OrgId>,
        after: AuditId,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.store.list_audit(org, after, limit).await
    }
}
