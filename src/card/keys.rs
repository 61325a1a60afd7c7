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
use super::error::{DocumentCode, DocumentError, DocumentKind};
use super::ids::{Issuer, KeyId};
use super::json::{self, Object};
use super::revocation::MAX_TIME;
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

    /// A secret derived from this key for `context`: HMAC-SHA-256 keyed with the private seed.
    /// The seed itself never leaves the key.
    pub fn derive_secret(&self, context: &[u8]) -> [u8; 32] {
        use hmac::Mac as _;
        let seed = zeroize::Zeroizing::new(self.inner.to_bytes());
        let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(&seed[..]) else {
            unreachable!("HMAC accepts every key length")
        };
        mac.update(context);
        mac.finalize().into_bytes().into()
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
    /// Whether something issued at `issued_at` falls in this key's window, with `skew` seconds
    /// of allowance on each side: `issued_at + skew >= valid_from`, and for a retired key
    /// `issued_at <= retired_at + skew` (exact arithmetic). Cards and lists share the rule.
    pub fn covers(&self, issued_at: i64, skew: i64) -> bool {
        let (issued, skew) = (i128::from(issued_at), i128::from(skew));
        let retired_at = match self.status {
            KeyStatus::Active => None,
            KeyStatus::Retired => self.retired_at,
        };
        issued + skew >= i128::from(self.valid_from)
            && retired_at.is_none_or(|r| issued <= i128::from(r) + skew)
    }

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

    /// Loads and checks a JWKS document given as text; see [`Keyset::from_jwks`].
    ///
    /// # Errors
    /// As [`Keyset::from_jwks`].
    pub fn from_jwks_json(json: &str) -> Result<Self, DocumentError> {
        Self::from_jwks(json.as_bytes())
    }

    /// Loads and checks a JWKS document in the order of `docs/card-format.md` §4.2: the document
    /// as a whole (size, strict JSON, exactly `issuer` and `keys`), then each key in turn
    /// (members, algorithm, encodings, ranges, the point, its thumbprint, a repeated `kid`).
    ///
    /// # Errors
    /// A [`DocumentError`] with the first failed step's code.
    pub fn from_jwks(document: &[u8]) -> Result<Self, DocumentError> {
        let err = |code, detail: String| DocumentError::new(DocumentKind::Keyset, code, detail);
        let malformed = |detail: String| err(DocumentCode::Malformed, detail);
        if document.len() > Self::MAX_DOCUMENT_LEN {
            return Err(malformed(format!(
                "the document is {} bytes, over the limit of {}",
                document.len(),
                Self::MAX_DOCUMENT_LEN
            )));
        }
        let mut top = json::parse(document)
            .and_then(|v| Object::new("the keyset", v))
            .map_err(malformed)?;
        let issuer = top.string("issuer").map_err(malformed)?;
        let keys = top.array("keys", Self::MAX_KEYS).map_err(malformed)?;
        top.finish().map_err(malformed)?;
        let issuer = Issuer::parse_canonical(&issuer).map_err(|_| {
            malformed(format!(
                "issuer {:?} is not a canonical issuer",
                json::truncate(&issuer)
            ))
        })?;
        let mut records: Vec<KeyRecord> = Vec::with_capacity(keys.len());
        for (i, key) in keys.into_iter().enumerate() {
            let record = parse_jwk(i, key)?;
            if records.iter().any(|r| r.kid == record.kid) {
                return Err(err(
                    DocumentCode::DuplicateKid,
                    format!("keys[{i}]: kid {} is used twice", record.kid),
                ));
            }
            records.push(record);
        }
        Self::new(issuer, records).map_err(|e| err(DocumentCode::BadKey, e.to_string()))
    }

    /// Largest keyset document accepted.
    pub const MAX_DOCUMENT_LEN: usize = 64 * 1024;
    /// Most keys in a keyset.
    pub const MAX_KEYS: usize = 64;
}

/// One key of a JWKS document, steps a-f of §4.2.
fn parse_jwk(i: usize, value: json::Value) -> Result<KeyRecord, DocumentError> {
    let what = format!("keys[{i}]");
    let err = |code, detail: String| DocumentError::new(DocumentKind::Keyset, code, detail);
    let malformed = |detail: String| err(DocumentCode::Malformed, detail);
    let mut o = Object::new(&what, value).map_err(malformed)?;
    let mut text = |name: &str| o.string(name).map_err(malformed);
    let (kty, crv, alg, key_use) = (text("kty")?, text("crv")?, text("alg")?, text("use")?);
    let (kid, x, status) = (text("kid")?, text("x")?, text("status")?);
    let valid_from = o.int("valid_from", 0..=u64::MAX).map_err(malformed)?;
    let retired_at = match o.take("retired_at") {
        None => None,
        Some(json::Value::Int(t)) => Some(t),
        Some(other) => {
            return Err(malformed(format!(
                "{what}.retired_at must be an integer, not {}",
                other.kind()
            )));
        }
    };
    o.finish().map_err(malformed)?;
    if (kty.as_str(), crv.as_str(), alg.as_str(), key_use.as_str())
        != ("OKP", "Ed25519", "EdDSA", "sig")
    {
        return Err(err(
            DocumentCode::UnsupportedKey,
            format!("{what}: only kty OKP, crv Ed25519, alg EdDSA and use sig are read"),
        ));
    }
    let kid: KeyId = kid
        .parse()
        .map_err(|_| malformed(format!("{what}.kid is not the base64url of 8 bytes")))?;
    let x: [u8; 32] = super::revocation::decode_b64url(&x)
        .and_then(|x| x.try_into().ok())
        .ok_or_else(|| malformed(format!("{what}.x is not the base64url of 32 bytes")))?;
    let status = match status.as_str() {
        "active" => KeyStatus::Active,
        "retired" => KeyStatus::Retired,
        other => {
            return Err(malformed(format!(
                "{what}.status {:?} is neither active nor retired",
                json::truncate(other)
            )));
        }
    };
    let max = MAX_TIME as u64;
    let times_ok = valid_from <= max
        && match (status, retired_at) {
            (KeyStatus::Active, None) => true,
            (KeyStatus::Retired, Some(r)) => (valid_from..=max).contains(&r),
            _ => false,
        };
    if !times_ok {
        return Err(malformed(format!(
            "{what}: valid_from must be 0 to {MAX_TIME}, and retired_at present exactly when \
             retired, from valid_from to {MAX_TIME}"
        )));
    }
    let public = VerifyingKey::from_bytes(&x)
        .ok()
        .filter(|k| k.to_edwards().compress().to_bytes() == x)
        .filter(|k| !k.is_weak())
        .ok_or_else(|| {
            err(
                DocumentCode::BadKey,
                format!("{what}.x is not the canonical encoding of a point of large order"),
            )
        })?;
    if key_id(&public) != kid {
        return Err(err(
            DocumentCode::BadKey,
            format!(
                "{what}: kid {kid} is not the thumbprint of x ({})",
                key_id(&public)
            ),
        ));
    }
    // Both bounded by MAX_TIME above.
    Ok(KeyRecord {
        kid,
        public,
        status,
        valid_from: valid_from as i64,
        retired_at: retired_at.map(|r| r as i64),
    })
}

/// The published JWKS document: the issuer and its keys.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JwksDocument {
    /// The issuer base URL.
    pub issuer: String,
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// One published key (RFC 8037 `OKP` JWK plus its status and validity window).
#[derive(Debug, Clone, Serialize, PartialEq)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<i64>,
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
        let dup = good.replacen("\"status\"", "\"status\": \"retired\", \"status\"", 1);
        assert_eq!(
            Keyset::from_jwks_json(&dup).unwrap_err().code,
            DocumentCode::Malformed,
            "a repeated member is refused, not the last one taken"
        );
        assert!(
            Keyset::from_jwks_json(&good.replace("\"keys\"", "\"extra\": 1, \"keys\"")).is_err()
        );
    }
}
