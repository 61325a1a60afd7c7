//! namecard: signed, expiring namecard QR codes for exchanging business contacts.
//!
//! Data flows inward from two thin adapters, [`http`] and [`cli`], to pure modules:
//!
//! - [`card`]: the credential itself: the v1 binary format, its QR text encoding, Ed25519 keys
//!   and key ids, issuing, offline verification and the signed revocation list.
//! - [`qr`]: renders a card's text as a QR matrix, PNG, SVG or a printable namecard image.
//! - [`scan`]: photo bytes -> image (with limits) -> the QR texts found in it.
//! - [`domain`]: organizations, members, policies and contact requests, as pure rules.
//! - [`store`]: the `Store` trait with its SQLite and PostgreSQL implementations; all SQL.
//! - [`service`]: use cases joining the store with `card` and `qr`: the in-memory keyring and
//!   revocation set, issuing, rendering and verifying members' cards.
//! - [`http`]: the service's router, problem+json errors and start-up; [`config`] its settings.
//! - [`web`]: the web app for people: sign-in links, cookie sessions and the embedded pages.
//!
//! `card`, `qr`, `scan` and `domain` know nothing of HTTP, SQL or the command line.
#![forbid(unsafe_code)]

pub mod card;
pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod qr;
pub mod scan;
pub mod service;
pub mod store;
pub mod web;
