//! namecard: signed, expiring namecard QR codes for exchanging business contacts.
//!
//! Data flows inward from two thin adapters, [`http`] and [`cli`], to pure modules:
//!
//! - [`card`]: the credential itself: the v1 binary format, its QR text encoding, Ed25519 keys
//!   and key ids, issuing, offline verification and the signed revocation list.
//! - [`qr`]: renders a card's text as a QR matrix, PNG, SVG or a printable namecard image.
//! - [`scan`]: photo bytes -> image (with limits) -> the QR texts found in it.
//! - [`domain`]: organizations, members, policies and contact requests, as pure rules.
//! - [`export`]: contacts as files for elsewhere (vCard 4.0, CSV), every field escaped.
//! - [`seal`]: secrets at rest (the signing keys' private halves), sealed with the operator's
//!   key-encryption key; [`files`]: the owner-only modes of the data directory and its files.
//! - [`store`]: persistence, one file per aggregate (orgs, members, cards, keys, contacts,
//!   webhooks, sessions, audit), each with its records, a small trait and its SQL; `Store` is
//!   their sum, implemented on SQLite and PostgreSQL from one SQL text. All SQL lives here.
//! - [`service`]: the use cases as structs (orgs, access, members, cards, the keyring, contacts,
//!   webhooks, sessions): every write goes through one; they build audit entries and webhook
//!   payloads, and read one injected clock.
//! - [`http`]: the router, problem+json errors, extractors, the views (the public JSON) and one
//!   file per resource, the web app's sessions and pages included. A leaf: only [`startup`]
//!   uses it.
//! - [`config`]: settings per component; [`startup`]: the composition root (settings -> store ->
//!   services -> router and background chores); [`cli`]: the commands, `serve` among them.
//!
//! `card`, `qr`, `scan`, `domain`, `export` and `seal` know nothing of HTTP, SQL or the command line; `service`
//! knows no HTTP; only `store` writes SQL.
#![forbid(unsafe_code)]

pub mod card;
pub mod cli;
pub mod config;
pub mod domain;
pub mod export;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod l10n;
pub mod qr;
pub mod scan;
pub mod seal;
pub mod service;
pub mod startup;
pub mod store;
