//! The signed revocation list that offline verifiers load from a file.
//!
//! The document carries the list's JSON as base64url bytes beside a signature over exactly
//! those bytes, so nobody has to canonicalise JSON to check it (the JWS approach).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};

use super::CardError;
use super::format::CardClaims;
use super::ids::{CardId, Issuer, KeyId};
use super::keys::{Keyset, SigningKey};

/// Domain separation for revocation-list signatures.
pub const REVOCATION_CONTEXT: &[u8] = b"namecard/revocations/v1\0";
/// The `format` member of a signed revocation document.
pub const REVOCATION_FORMAT: &str = "namecard-revocations/v1";
/// Largest document accepted, bounding work on hostile input.
pub const MAX_DOCUMENT_LEN: usize = 16 * 1024 * 1024;

/// Every card issued to a member before `before` is revoked (a reset, a deactivation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberCutoff {
    /// Organization id.
    pub org_id: u64,
    /// Member id.
    pub member_id: u64,
    /// Cards with `issued_at < before` are revoked.
    pub before: i64,
}

/// What an issuer has revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationList {
    /// The issuer whose cards these are.
    pub issuer: Issuer,
    /// When this list was made; verifiers keep the newest they have seen.
    pub issued_at: i64,
    /// Revoked card ids.
    #[serde(default)]
    pub cards: Vec<CardId>,
    /// Member cut-offs.
    #[serde(default)]
    pub members: Vec<MemberCutoff>,
    /// Keys whose every card is refused.
    #[serde(default)]
    pub compromised_keys: Vec<KeyId>,
}

impl Serialize for Issuer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Issuer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Issuer::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The signed document as published.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedDocument {
    format: String,
    kid: KeyId,
    payload: String,
    signature: String,
}

impl RevocationList {
    /// An empty list.
    pub fn empty(issuer: Issuer, issued_at: i64) -> Self {
        Self {
            issuer,
            issued_at,
            cards: Vec::new(),
            members: Vec::new(),
            compromised_keys: Vec::new(),
        }
    }

    /// Why these claims are revoked, if they are.
    pub fn revocation_of(&self, claims: &CardClaims) -> Option<String> {
        if self.cards.contains(&claims.card_id) {
            return Some(format!("card {} is revoked", claims.card_id));
        }
        self.members
            .iter()
            .find(|m| {
                m.org_id == claims.org_id
                    && m.member_id == claims.member_id
                    && claims.issued_at < m.before
            })
            .map(|m| {
                format!(
                    "cards of this member issued before {} are revoked",
                    m.before
                )
            })
    }

    /// Signs the list with `key` into its published JSON document.
    pub fn sign(&self, key: &SigningKey) -> String {
        let payload = serde_json::to_vec(self).unwrap_or_default();
        let mut msg = REVOCATION_CONTEXT.to_vec();
        msg.extend_from_slice(&payload);
        let doc = SignedDocument {
            format: REVOCATION_FORMAT.to_string(),
            kid: key.kid(),
            payload: B64URL.encode(&payload),
            signature: B64URL.encode(key.sign(&msg)),
        };
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// Checks a signed document against the issuer's keyset and returns the list.
    ///
    /// # Errors
    /// [`CardError::InvalidRevocationList`] when the document is malformed or too large, signed
    /// by a key outside the keyset or listed as compromised in it, its signature fails, or it
    /// names another issuer.
    pub fn load(json: &str, keyset: &Keyset) -> Result<Self, CardError> {
        let bad = |m: String| CardError::InvalidRevocationList(m);
        if json.len() > MAX_DOCUMENT_LEN {
            return Err(bad("document too large".into()));
        }
        let doc: SignedDocument = serde_json::from_str(json)
            .map_err(|e| bad(format!("not a revocation document: {e}")))?;
        if doc.format != REVOCATION_FORMAT {
            return Err(bad(format!(
                "unsupported format {:?}",
                doc.format.chars().take(40).collect::<String>()
            )));
        }
        let (_, key) = keyset.entry(&doc.kid).ok_or_else(|| {
            bad(format!(
                "signed by key {} which is not in the keyset",
                doc.kid
            ))
        })?;
        let payload = B64URL
            .decode(&doc.payload)
            .map_err(|_| bad("payload is not base64url".into()))?;
        let signature = B64URL
            .decode(&doc.signature)
            .map_err(|_| bad("signature is not base64url".into()))?;
        let mut msg = REVOCATION_CONTEXT.to_vec();
        msg.extend_from_slice(&payload);
        // Checked once per document, so without building the key's table.
        let signed = <[u8; 64]>::try_from(signature.as_slice())
            .is_ok_and(|signature| key.verify_once(&msg, &signature));
        if !signed {
            return Err(bad("signature does not verify".into()));
        }
        let list: RevocationList =
            serde_json::from_slice(&payload).map_err(|e| bad(format!("payload: {e}")))?;
        if list.issuer != *keyset.issuer() {
            return Err(bad(format!(
                "list is for {}, not {}",
                list.issuer,
                keyset.issuer()
            )));
        }
        if list.compromised_keys.contains(&doc.kid) {
            return Err(bad(format!("signed by compromised key {}", doc.kid)));
        }
        Ok(list)
    }
}
