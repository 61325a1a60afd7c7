//! The signed namecard credential, usable with no server at all.
//!
//! - [`format`]: card format v1, the signed binary body and its QR text form.
//! - [`keys`]: Ed25519 keys, key ids (JWK thumbprints) and the published keyset (JWKS);
//!   signatures are checked strictly, with a precomputed table per keyset key (`strict`).
//! - [`issue_card`] signs claims into a card's QR text; [`verify_card`] checks one offline,
//!   returning verified claims or a [`Rejection`] with a stable [`Reason`] code.
//! - [`revocation`]: the signed revocation list offline verifiers load from a file.
//! - [`keystore`]: a directory of key files for the command line.
//!
//! `docs/card-format.md` specifies the format precisely enough for an independent verifier.

mod error;
pub mod format;
mod ids;
mod issue;
pub mod keys;
pub mod keystore;
pub mod revocation;
mod strict;
mod verify;

pub use error::CardError;
pub use format::CardClaims;
pub use ids::{CardId, Issuer, KeyId};
pub use issue::{CardRequest, IssuedCard, issue_card, sign_claims};
pub use keys::{JwksDocument, KeyRecord, KeyStatus, Keyset, SigningKey};
pub use revocation::{MemberCutoff, RevocationList};
pub use verify::{
    DEFAULT_SKEW_SECS, Reason, Rejection, VerifiedCard, VerifyOptions, unix_now, verify_card,
};
