//! Errors of the card module, for issuing and for loading keys and revocation lists.
//!
//! Verification failures are not errors of this type: they are [`super::Rejection`]s, each with
//! a stable [`super::Reason`] code, because a rejected card is an expected outcome.

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
