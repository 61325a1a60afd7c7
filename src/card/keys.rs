//! Ed25519 keys, their ids, and the published keyset (JWKS, RFC 7517 with RFC 8037 `OKP`).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use ed25519_dalek::{Signer as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::CardError;
use super::ids::{Issuer, KeyId};
pub use super::strict::StrictKey;

/// The key id of a public key: the first 8 bytes of its RFC 7638 JWK thumbprint, the SHA-256 of
/// `{"crv":"Ed25519","kty":"OKP","x":"<base64url key>"}`.
pub fn key_id(public: &VerifyingKey) -> KeyId {
    let jwk = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        B64URL.encode(public.as_bytes())
    );
    let digest = Sha256::digest(jwk.as_bytes());
    let mut kid = [0u8; KeyId::LEN];
    kid.copy_from_slice(&digest[..KeyId::LEN]);
    KeyId::from_bytes(kid)
}

/// Strict Ed25519 verification of one signature under a key given as bytes.
///
/// The same decision as `ed25519_dalek`'s `verify_strict`: it refuses small-order public keys and
/// `R` values, and non-canonical `S`, so that no card has a second valid signature (no
/// malleability). The key bytes are decoded here too, so a key that is not a valid curve point
/// fails instead of panicking. Keysets keep each key prepared ([`Keyset::entry`], [`StrictKey`]).
pub fn verify_signature(public: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(public) = <[u8; 32]>::try_from(public) else {
        return false;
    };
    let Ok(signature) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&public) else {
        return false;
    };
    StrictKey::new(&key).is_some_and(|key| key.verify_once(message, &signature))
}

/// A private signing key. Its `Debug` shows only the key id; it is never serialised except as
/// PKCS#8 into a zeroized buffer, for a file created with mode 0600 or a protected database row.
#[derive(Clone)]
pub struct SigningKey {
    inner: ed25519_dalek::SigningKey,
    kid: KeyId,
}

impl SigningKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        Self::from_dalek(ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// The key with this 32-byte RFC 8032 seed. For test vectors and imports; new keys come
    /// from [`SigningKey::generate`].
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::from_dalek(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    fn from_dalek(inner: ed25519_dalek::SigningKey) -> Self {
        let kid = key_id(&inner.verifying_key());
        Self { inner, kid }
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`), as `openssl genpkey
    /// -algorithm ed25519` writes.
    ///
    /// # Errors
    /// [`CardError::InvalidKey`] if it is not an Ed25519 PKCS#8 PEM document.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CardError> {
        ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
            .map(Self::from_dalek)
            .map_err(|_| CardError::InvalidKey("not an Ed25519 PKCS#8 PEM private key".into()))
    }

    /// The key as PKCS#8 PEM, in a buffer wiped on drop.
    ///
    /// # Errors
    /// [`CardError::InvalidKey`] if encoding fails (it does not for valid keys).
    pub fn to_pkcs8_pem(&self) -> Result<zeroize::Zeroizing<String>, CardError> {
        self.inner
            .to_pkcs8_pem(Default::default())
            .map_err(|e| CardError::InvalidKey(format!("cannot encode key: {e}")))
    }

    /// The id of this key.
    pub fn kid(&self) -> KeyId {
        self.kid
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.inner.verifying_key()
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.inner.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}, private)", self.kid)
    }
}

/// Where a key stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Signs new cards (the newest active key is the signer) and verifies.
    Active,
    /// Signs nothing new; verifies the cards it signed before `retired_at` until they expire.
    Retired,
}

/// A public key with its validity window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Derived from `public`; checked on load.
    pub kid: KeyId,
    /// The Ed25519 public key.
    pub public: VerifyingKey,
    /// Active or retired.
    pub status: KeyStatus,
    /// Cards issued before this time (less the clock skew) are refused for this key.
    pub valid_from: i64,
    /// For a retired key, cards issued after this time are refused.
    pub retired_at: Option<i64>,
}

impl KeyRecord {
    /// A new active key record valid from `now`.
    pub fn active(key: &SigningKey, now: i64) -> Self {
        Self {
            kid: key.kid(),
            public: key.verifying_key(),
            status: KeyStatus::Active,
            valid_from: now,
            retired_at: None,
        }
    }
}

/// One issuer's public keys, checked and indexed by key id.
///
/// Removing a key from the keyset (after a compromise) makes every card it signed fail with
/// `unknown_key`; listing it in the revocation list's `compromised_keys` makes them fail with
/// `key_compromised` even for verifiers holding an old keyset.
#[derive(Debug, Clone)]
pub struct Keyset {
    issuer: Issuer,
    keys: Vec<KeyRecord>,
    /// `keys[i]` prepared for verification; shared by clones, so a table is built once.
    strict: Vec<Arc<StrictKey>>,
    index: HashMap<KeyId, usize>,
}

impl Keyset {
    /// Builds a keyset, re-deriving every key id.
    ///
    /// # Errors
    /// [`CardError::InvalidKey`] for a kid that does not match its key, a duplicate kid, a weak
    /// (small-order) key, or a retired key without `retired_at`.
    pub fn new(issuer: Issuer, keys: Vec<KeyRecord>) -> Result<Self, CardError> {
        let mut index = HashMap::with_capacity(keys.len());
        let mut strict = Vec::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            if key_id(&k.public) != k.kid {
                return Err(CardError::InvalidKey(format!(
                    "kid {} does not match its key (expected {})",
                    k.kid,
                    key_id(&k.public)
                )));
            }
            let Some(prepared) = StrictKey::new(&k.public) else {
                return Err(CardError::InvalidKey(format!(
                    "key {} is weak (small order)",
                    k.kid
                )));
            };
            strict.push(Arc::new(prepared));
            if k.status == KeyStatus::Retired && k.retired_at.is_none() {
                return Err(CardError::InvalidKey(format!(
                    "retired key {} has no retired_at",
                    k.kid
                )));
            }
            if index.insert(k.kid, i).is_some() {
                return Err(CardError::InvalidKey(format!("duplicate kid {}", k.kid)));
            }
        }
        Ok(Self {
            issuer,
            keys,
            strict,
            index,
        })
    }

    /// The issuer these keys belong to.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// All keys, in publication order.
    pub fn keys(&self) -> &[KeyRecord] {
        &self.keys
    }

    /// The key with this id.
    pub fn get(&self, kid: &KeyId) -> Option<&KeyRecord> {
        self.entry(kid).map(|(record, _)| record)
    }

    /// The key with this id and its prepared verifier, in one lookup (the hot path of card
    /// verification).
    pub fn entry(&self, kid: &KeyId) -> Option<(&KeyRecord, &StrictKey)> {
        self.index
            .get(kid)
            .map(|&i| (&self.keys[i], &*self.strict[i]))
    }

    /// The JWKS document (see `docs/card-format.md`).
    pub fn to_jwks(&self) -> JwksDocument {
        JwksDocument {
            issuer: self.issuer.as_str().to_string(),
            keys: self
                .keys
                .iter()
                .map(|k| Jwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    alg: "EdDSA".into(),
                    key_use: "sig".into(),
                    kid: k.kid.to_string(),
                    x: B64URL.encode(k.public.as_bytes()),
                    status: k.status,
                    valid_from: k.valid_from,
                    retired_at: k.retired_at,
                })
                .collect(),
        }
    }

    /// The JWKS document as pretty JSON.
    pub fn to_jwks_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_jwks()).unwrap_or_default()
    }

    /// Loads and checks a JWKS document.
    ///
    /// # Errors
    /// [`CardError::InvalidKey`] for malformed JSON, an unknown member, a `kty`/`crv`/`alg`/`use`
    /// other than `OKP`/`Ed25519`/`EdDSA`/`sig`, a key that is not 32 bytes or not a curve
    /// point, and everything [`Keyset::new`] refuses.
    pub fn from_jwks_json(json: &str) -> Result<Self, CardError> {
        let doc: JwksDocument = serde_json::from_str(json)
            .map_err(|e| CardError::InvalidKey(format!("JWKS is not valid: {e}")))?;
        let issuer = Issuer::parse(&doc.issuer)?;
        let keys = doc
            .keys
            .into_iter()
            .map(Jwk::into_record)
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(issuer, keys)
    }
}

/// The published JWKS document: the issuer and its keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JwksDocument {
    /// The issuer base URL.
    pub issuer: String,
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// One published key (RFC 8037 `OKP` JWK plus its status and validity window).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub key_use: String,
    /// The key id (base64url of 8 thumbprint bytes).
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
    /// `active` or `retired`.
    pub status: KeyStatus,
    /// Unix seconds from which the key signs.
    pub valid_from: i64,
    /// Unix seconds at which a retired key stopped signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<i64>,
}

impl Jwk {
    fn into_record(self) -> Result<KeyRecord, CardError> {
        let bad = |what: &str| CardError::InvalidKey(format!("key {:?}: {what}", self.kid));
        if (
            self.kty.as_str(),
            self.crv.as_str(),
            self.alg.as_str(),
            self.key_use.as_str(),
        ) != ("OKP", "Ed25519", "EdDSA", "sig")
        {
            return Err(bad(
                "only kty OKP, crv Ed25519, alg EdDSA, use sig are accepted",
            ));
        }
        let kid: KeyId = self.kid.parse().map_err(|_| bad("malformed kid"))?;
        let x = B64URL
            .decode(&self.x)
            .map_err(|_| bad("x is not base64url"))?;
        let x: [u8; 32] = x.try_into().map_err(|_| bad("x is not 32 bytes"))?;
        let public =
            VerifyingKey::from_bytes(&x).map_err(|_| bad("x is not a valid Ed25519 key"))?;
        Ok(KeyRecord {
            kid,
            public,
            status: self.status,
            valid_from: self.valid_from,
            retired_at: self.retired_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> Issuer {
        Issuer::parse("https://nc.example.com").unwrap()
    }

    #[test]
    fn signing_key_debug_output_never_shows_the_private_key() {
        let key = SigningKey::generate();
        let pem = key.to_pkcs8_pem().unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains(&key.kid().to_string()));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!debug.contains(&body));
    }

    #[test]
    fn private_keys_round_trip_through_pkcs8_pem() {
        let key = SigningKey::generate();
        let back = SigningKey::from_pkcs8_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(back.kid(), key.kid());
        assert!(
            SigningKey::from_pkcs8_pem(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
            )
            .is_err()
        );
    }

    #[test]
    fn a_keyset_round_trips_through_its_jwks() {
        let key = SigningKey::generate();
        let set = Keyset::new(issuer(), vec![KeyRecord::active(&key, 100)]).unwrap();
        let back = Keyset::from_jwks_json(&set.to_jwks_json()).unwrap();
        assert_eq!(back.keys(), set.keys());
        assert_eq!(back.issuer(), set.issuer());
    }

    #[test]
    fn a_keyset_rejects_duplicate_and_mismatched_kids() {
        let a = SigningKey::generate();
        let b = SigningKey::generate();
        let dup = Keyset::new(
            issuer(),
            vec![KeyRecord::active(&a, 0), KeyRecord::active(&a, 1)],
        );
        assert!(dup.unwrap_err().to_string().contains("duplicate kid"));
        let mut wrong = KeyRecord::active(&a, 0);
        wrong.kid = b.kid();
        let err = Keyset::new(issuer(), vec![wrong]).unwrap_err();
        assert!(err.to_string().contains("does not match"));
    }

    #[test]
    fn a_jwks_with_a_weak_key_other_algorithm_or_bad_point_is_rejected() {
        let key = SigningKey::generate();
        let good = Keyset::new(issuer(), vec![KeyRecord::active(&key, 0)])
            .unwrap()
            .to_jwks_json();
        let alg = good.replace("\"EdDSA\"", "\"ES256\"");
        assert!(Keyset::from_jwks_json(&alg).is_err());
        // The identity point is a small-order (weak) key; its kid matches so only weakness fails.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = VerifyingKey::from_bytes(&identity).unwrap();
        let record = KeyRecord {
            kid: key_id(&weak),
            public: weak,
            status: KeyStatus::Active,
            valid_from: 0,
            retired_at: None,
        };
        assert!(
            Keyset::new(issuer(), vec![record])
                .unwrap_err()
                .to_string()
                .contains("weak")
        );
        let x = B64URL.encode(key.verifying_key().as_bytes());
        let not_a_point = good.replace(&x, &B64URL.encode([0xffu8; 32]));
        assert!(Keyset::from_jwks_json(&not_a_point).is_err());
        assert!(Keyset::from_jwks_json("{\"issuer\": 1}").is_err());
        assert!(
            Keyset::from_jwks_json(&good.replace("\"keys\"", "\"extra\": 1, \"keys\"")).is_err()
        );
    }
}
