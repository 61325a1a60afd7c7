//! The audit log: who changed what, written in the same transaction as the change.

use super::{AuditId, OrgId};

/// One change made by someone, to be written with the change.
#[derive(Debug, Clone)]
pub struct Audit {
    pub at: i64,
    /// How the log names who acted, e.g. `admin:token/7` ([`super::Principal::actor`]).
    pub actor: String,
    pub org_id: Option<OrgId>,
    pub action: &'static str,
    pub target: String,
    pub detail: String,
}

/// A stored audit log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: i64,
    pub actor: String,
    pub org_id: Option<OrgId>,
    pub action: String,
    pub target: String,
    pub detail: String,
}
