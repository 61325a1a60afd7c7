//! The card credential's tests, one binary: format and signing, strict Ed25519, the published
//! vectors, Wycheproof, QR round trips, the offline command line, and the in-browser verifier.

mod browser;
mod cli_offline;
#[path = "../common/mod.rs"]
mod common;
mod fuzz_corpus;
mod qr;
mod schema;
mod signing;
mod strict_verification;
mod support;
mod vectors;
mod wycheproof;
