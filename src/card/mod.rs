//! The signed namecard credential, usable with no server at all.
//!
//! - [`format`]: the signed binary body (version 1 for members, 2 for team cards) and its QR
//!   text form.
//! - [`keys`]: Ed25519 keys, key ids (JWK thumbprints) and the published keyset (JWKS);
//!   signatures are checked strictly, with a precomputed table per keyset key (`strict`).
//! - [`issue_card`] and [`issue_team_card`] sign claims into a card's QR text; [`verify_card`]
//!   checks one offline, returning verified claims or a [`Rejection`] with a stable [`Reason`].
//! - [`revocation`]: the signed, numbered, private revocation list offline verifiers load.
//! - [`report`]: the verification result as JSON, as `namecard verify --json` prints it.
//! - [`keystore`]: a directory of key files, issued cards and revocations for the command line.
//! - `json`: the strict JSON reading both published documents share (no duplicate members).
//!
//! `docs/card-format.md` specifies the format precisely enough for an independent verifier;
//! `fixtures/cards/` holds its test vectors.

mod error;
pub mod format;
mod ids;
mod issue;
mod json;
pub mod keys;
pub mod keystore;
pub mod report;
pub mod revocation;
mod strict;
mod verify;

pub use error::{CardError, DocumentCode, DocumentError, DocumentKind};
pub use format::{CardClaims, CardKind};
pub use ids::{CardId, Issuer, KeyId};
pub use issue::{
    CardRequest, IssuedCard, TeamCardRequest, issue_card, issue_team_card, sign_claims,
};
pub use keys::{JwksDocument, KeyRecord, KeyStatus, Keyset, SigningKey};
pub use revocation::{
    Decoys, ListDraft, Revocation, RevocationList, RevokedCard, RevokedState, SignedList,
    Successor, Update,
};
pub use verify::{
    DEFAULT_SKEW_SECS, ListInfo, Reason, Rejection, VerifiedCard, VerifyOptions, read_signed_card,
    unix_now, verify_card,
};
