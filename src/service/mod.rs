//! The use cases, one struct per area, held by the composition root and by `http`'s state:
//! organizations, tokens, members, cards, keys (the [`Keyring`]), external contacts and what
//! members keep about them ([`Book`]), transfers of relations to a new holder ([`Transfers`]),
//! contact ways (team codes, [`Ways`]), departments, webhooks, e-mail ([`Mail`]), web sessions,
//! single sign-on through organizations' OpenID providers ([`Oidc`]) and the audit log. Every
//! write goes through one of them; each builds its audit
//! entries and webhook payloads and hands them to the store, which writes them in the change's
//! transaction. They hold no SQL (that is `store`) and know no HTTP (that is `http`): inputs arrive
//! parsed into domain types, answers leave as entities that `http` turns into its views.

pub mod access;
pub mod book;
pub mod cards;
pub mod clock;
pub mod contacts;
pub mod departments;
pub mod keyring;
pub mod mail;
pub mod members;
pub mod oidc;
pub mod orgs;
pub mod scim;
pub mod sessions;
pub mod transfers;
pub mod ways;
pub mod webhooks;

pub use access::{Access, AccessError};
pub use book::Book;
pub use cards::{CardFormat, CardOptions, Cards, Rendered, ServiceError};
pub use clock::{Clock, ManualClock, SystemClock};
pub use contacts::{ContactError, ContactSettings, Contacts, Decoder, MAX_CODES_PER_SCAN};
pub use departments::Departments;
pub use keyring::{Checked, Document, Keyring, KeyringError, Snapshot};
pub use mail::{Mail, MailError};
pub use members::Members;
pub use oidc::{Oidc, OidcError};
pub use orgs::Orgs;
pub use scim::Scim;
pub use sessions::Sessions;
pub use transfers::{TransferError, Transfers};
pub use ways::{WayError, Ways, WaysOf};
pub use webhooks::{WebhookError, Webhooks};

use crate::domain::{Audit, OrgId, Principal};
use crate::store::Store;
use std::sync::Arc;

/// Every use case, built once at start-up and shared by the request handlers and the chores.
#[derive(Debug)]
pub struct Services {
    pub orgs: Orgs,
    pub access: Access,
    pub members: Members,
    pub cards: Cards,
    pub keys: Arc<Keyring>,
    pub contacts: Contacts,
    pub departments: Departments,
    pub book: Book,
    pub transfers: Transfers,
    pub ways: Ways,
    pub webhooks: Webhooks,
    pub mail: Arc<Mail>,
    pub sessions: Sessions,
    pub oidc: Oidc,
    pub scim: Scim,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

impl Services {
    /// Whether the database answers and takes a write (what `/healthz` reports).
    ///
    /// # Errors
    /// `Unavailable`, `StorageFull`, or another store failure.
    pub async fn health(&self) -> Result<(), crate::store::StoreError> {
        self.store.ping(self.clock.now()).await
    }
}

/// A webhook body: `{"event", "at", "data"}`.
pub(crate) fn event_body(name: &str, at: i64, data: serde_json::Value) -> String {
    serde_json::json!({ "event": name, "at": at, "data": data }).to_string()
}

/// The audit entry for a change `who` makes at `at`.
pub(crate) fn audit(
    at: i64,
    who: &Principal,
    org_id: Option<OrgId>,
    action: &'static str,
    target: impl Into<String>,
    detail: impl Into<String>,
) -> Audit {
    Audit {
        at,
        actor: who.actor(),
        org_id,
        action,
        target: target.into(),
        detail: detail.into(),
    }
}
