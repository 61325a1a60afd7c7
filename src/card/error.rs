//! Errors of the card module: issuing, key material, and refused documents.
//!
//! Verification failures are not errors of this type: they are [`super::Rejection`]s, each with
//! a stable [`super::Reason`] code, because a rejected card is an expected outcome. A keyset or
//! revocation list that a verifier refuses is a [`DocumentError`], with its own stable codes
//! (`docs/card-format.md` §7): it says nothing about any card.

use std::fmt;

/// Why issuing a card, or loading or storing key material, failed.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// A field given for a new card breaks the format's rules.
    #[error("invalid card field {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    /// The issuer base URL is not of the form `https://host[:port]`.
    #[error("invalid issuer {0:?}: expected https://host[:port] (lowercase host, no path)")]
    InvalidIssuer(String),
    /// A key id or card id is not the base64url text of the right number of bytes.
    #[error("invalid {kind}: {value:?}")]
    InvalidId { kind: &'static str, value: String },
    /// A key, keyset (JWKS) or key file is malformed, weak or inconsistent.
    #[error("invalid key material: {0}")]
    InvalidKey(String),
    /// A revocation list document is malformed or its signature does not verify.
    #[error("invalid revocation list: {0}")]
    InvalidRevocationList(String),
    /// A keyset or revocation list was refused.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// Reading or writing a key store file failed.
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl CardError {
    pub(crate) fn field(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidField {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Which published document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The issuer's keyset (JWKS), §4.
    Keyset,
    /// The signed revocation list, §5.
    RevocationList,
}

impl DocumentKind {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keyset => "keyset",
            Self::RevocationList => "revocation_list",
        }
    }
}

/// Why a document was refused: the stable codes of `docs/card-format.md` §7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentCode {
    /// Not a well-formed document of its kind: bytes, JSON, members, types, ranges, encodings.
    Malformed,
    /// A revocation list `format` this verifier does not read.
    UnsupportedFormat,
    /// A keyset key whose `kty`, `crv`, `alg` or `use` is not Ed25519 signing.
    UnsupportedKey,
    /// A keyset key that is not a canonical, non-small-order point, or whose `kid` is not its
    /// thumbprint.
    BadKey,
    /// Two keyset keys with one `kid`.
    DuplicateKid,
    /// A list signed by a key the keyset does not hold.
    UnknownSigner,
    /// A list whose signature does not verify.
    BadSignature,
    /// A list for another issuer than the keyset's.
    WrongIssuer,
    /// A list signed by a key it lists as compromised.
    SignerCompromised,
    /// A list issued outside its signing key's validity window.
    SignerNotValid,
    /// A list older (smaller number) than the one the verifier holds.
    OlderList,
    /// A list with the number of the held one but other content.
    ConflictingList,
}

impl DocumentCode {
    /// The stable snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnsupportedFormat => "unsupported_format",
            Self::UnsupportedKey => "unsupported_key",
            Self::BadKey => "bad_key",
            Self::DuplicateKid => "duplicate_kid",
            Self::UnknownSigner => "unknown_signer",
            Self::BadSignature => "bad_signature",
            Self::WrongIssuer => "wrong_issuer",
            Self::SignerCompromised => "signer_compromised",
            Self::SignerNotValid => "signer_not_valid",
            Self::OlderList => "older_list",
            Self::ConflictingList => "conflicting_list",
        }
    }
}

/// A refused keyset or revocation list: which, the stable code, and a readable detail (which
/// never echoes more than a bounded prefix of the document).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DocumentError {
    /// Which document.
    pub document: DocumentKind,
    /// The stable code.
    pub code: DocumentCode,
    /// What exactly is wrong.
    pub detail: String,
}

impl DocumentError {
    pub(crate) fn new(
        document: DocumentKind,
        code: DocumentCode,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            document,
            code,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} refused ({}): {}",
            self.document.as_str(),
            self.code.as_str(),
            self.detail
        )
    }
}
