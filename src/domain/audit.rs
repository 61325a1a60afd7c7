//! The audit log: who changed what, written in the same transaction as the change.

use super::{AuditId, OrgId};

/// Every action the log records (a change's audit entry, and each event's): the admin page
/// names each in the reader's language (`audit-action-…` in `app.ftl`), so a new action is
/// added here and to the catalogues, or the write refuses it in debug builds.
pub const ACTIONS: &[&str] = &[
    "card.issue",
    "card.issue_extra",
    "card.revoke",
    "contact.removed",
    "contact.updated",
    "contact_request.accepted",
    "contact_request.cancelled",
    "contact_request.created",
    "contact_request.rejected",
    "contact_tag.created",
    "contact_tag.deleted",
    "contact_way.created",
    "contact_way.deleted",
    "contact_way.updated",
    "department.created",
    "department.deleted",
    "department.members_changed",
    "department.updated",
    "key.remove",
    "key.retire",
    "key.rotate",
    "mail.retry",
    "member.create",
    "member.deactivate",
    "member.departments_set",
    "member.import",
    "member.reactivate",
    "member.scim_delete",
    "member.scim_restore",
    "member.successor",
    "member.update",
    "member.update_self",
    "oidc.delete",
    "oidc.set",
    "oidc.signin_failed",
    "org.create",
    "org.update",
    "partner.add",
    "partner.remove",
    "scim_token.create",
    "scim_token.revoke",
    "session.start",
    "signin_link.cancel",
    "signin_link.create",
    "token.create",
    "token.revoke",
    "transfer.done",
    "transfer.not_possible",
    "transfer.refused",
    "transfer.started",
    "webhook.delete",
    "webhook.set",
];

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
