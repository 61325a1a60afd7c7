//! The service's use cases that combine the store with the credential and rendering: keeping
//! keys and revocations in memory, issuing a member's card, rendering it, verifying a payload.
//! HTTP handlers call these; they hold no SQL (that is `store`) and no HTTP (that is `http`).

pub mod cards;
pub mod contacts;
pub mod keyring;
pub mod webhooks;

pub use cards::{CardFormat, CardOptions, Rendered, ServiceError, VerifyReport};
pub use contacts::{ContactError, Contacts};
pub use keyring::{Document, Keyring, KeyringError, Snapshot};
