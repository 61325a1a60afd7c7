//! The service's signing keys and revocations, cached in memory.
//!
//! Keys live in the database (so every instance signs with the same active key and verifies
//! with the same keyset); each instance keeps a [`Snapshot`] of them, with the revocation set and
//! the two public documents already rendered. Verification reads only the snapshot: no database
//! round trip per request. The snapshot is rebuilt after every local change and every
//! `refresh_interval`, which is how changes made by other instances arrive.

use crate::card::{
    self, CardId, Issuer, KeyId, KeyRecord, KeyStatus, Keyset, MemberCutoff, RevocationList,
    SigningKey,
};
use crate::store::{RevocationSnapshot, Store, StoreError, StoredKey};
use sha2::{Digest as _, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// Why keys could not be loaded or changed.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored key or the keyset did not parse.
    #[error("invalid key material: {0}")]
    Card(#[from] card::CardError),
}

/// A rendered public document with its ETag.
#[derive(Debug, Clone)]
pub struct Document {
    /// The JSON body.
    pub body: Arc<str>,
    /// A strong ETag (quoted SHA-256 prefix of the body).
    pub etag: Arc<str>,
}

impl Document {
    fn new(body: String) -> Self {
        let digest = Sha256::digest(body.as_bytes());
        Self {
            etag: format!("\"{}\"", hex::encode(&digest[..12])).into(),
            body: body.into(),
        }
    }
}

/// One consistent view of keys and revocations.
pub struct Snapshot {
    /// Every key that still verifies.
    pub keyset: Keyset,
    /// The key new cards are signed with.
    pub signer: Option<SigningKey>,
    /// The revocation list, as verifiers see it.
    pub revocations: RevocationList,
    /// Only the revocation list's compromised keys: online verification refuses their cards like
    /// an offline verifier holding the list, while it reports card and member revocations as
    /// separate server-side facts (with the card's claims).
    pub key_revocations: RevocationList,
    /// Revoked card ids, for reporting the server-side fact.
    pub revoked_cards: HashSet<CardId>,
    /// Deactivated members: `(org_id, member_id) -> deactivated_at`.
    pub deactivated: HashMap<(i64, i64), i64>,
    /// `/.well-known/namecard-keys.json`.
    pub jwks: Document,
    /// `/.well-known/namecard-revocations.json`.
    pub revocations_doc: Document,
    source: (Vec<KeySource>, RevocationSnapshot),
}

/// What a key row contributes to a snapshot: `(kid, status, valid_from, retired_at)`; a change in
/// any of them rebuilds the snapshot.
type KeySource = (String, String, i64, Option<i64>);

/// The keyring: a store and the latest snapshot.
pub struct Keyring {
    issuer: Issuer,
    store: Arc<dyn Store>,
    current: RwLock<Arc<Snapshot>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("issuer", &self.issuer.as_str())
            .finish_non_exhaustive()
    }
}

fn parse_key(stored: &StoredKey) -> Result<(SigningKey, KeyRecord), KeyringError> {
    let key = SigningKey::from_pkcs8_pem(&stored.private_pem)?;
    let status = if stored.status == "active" {
        KeyStatus::Active
    } else {
        KeyStatus::Retired
    };
    let record = KeyRecord {
        kid: key.kid(),
        public: key.verifying_key(),
        status,
        valid_from: stored.valid_from,
        retired_at: stored.retired_at,
    };
    Ok((key, record))
}

/// A freshly generated key, ready to be stored.
///
/// # Errors
/// When the key cannot be encoded as PKCS#8.
pub fn new_stored_key(now: i64) -> Result<(KeyId, StoredKey), KeyringError> {
    let key = SigningKey::generate();
    let stored = StoredKey {
        kid: key.kid().to_string(),
        private_pem: key.to_pkcs8_pem()?,
        status: "active".into(),
        valid_from: now,
        retired_at: None,
    };
    Ok((key.kid(), stored))
}

impl Keyring {
    /// Loads keys (generating the first one on first start) and revocations.
    ///
    /// # Errors
    /// When the store fails or stored keys do not parse.
    pub async fn load(
        issuer: Issuer,
        store: Arc<dyn Store>,
        now: i64,
    ) -> Result<Self, KeyringError> {
        let (_, first) = new_stored_key(now)?;
        if store.create_first_key(&first).await? {
            tracing::info!(kid = %first.kid, "generated the first issuer key");
        }
        let snapshot = build(&issuer, &*store, now).await?;
        Ok(Self {
            issuer,
            store,
            current: RwLock::new(Arc::new(snapshot)),
        })
    }

    /// The issuer named in every card.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Reloads from the store (after a local change, or periodically for other instances' changes).
    ///
    /// # Errors
    /// When the store fails or stored keys do not parse; the previous snapshot stays in use.
    pub async fn refresh(&self, now: i64) -> Result<(), KeyringError> {
        let previous = self.snapshot();
        let mut next = build(&self.issuer, &*self.store, now).await?;
        // Unchanged content keeps the previous documents, so ETags stay stable across refreshes.
        if next.source != previous.source {
            if next.source.0 == previous.source.0 {
                // Only revocations changed: keep the keyset, whose per-key verification tables
                // (built on first use, ~2 ms each) would otherwise be rebuilt on a request.
                next.keyset = previous.keyset.clone();
            }
            match self.current.write() {
                Ok(mut s) => *s = Arc::new(next),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
            }
        }
        Ok(())
    }
}

async fn build(issuer: &Issuer, store: &dyn Store, now: i64) -> Result<Snapshot, KeyringError> {
    let stored = store.list_keys().await?;
    let revoked = store.revocations(now).await?;
    let source_keys: Vec<KeySource> = stored
        .iter()
        .map(|k| (k.kid.clone(), k.status.clone(), k.valid_from, k.retired_at))
        .collect();
    let mut records = Vec::with_capacity(stored.len());
    let mut signer = None;
    for key in &stored {
        let (signing, record) = parse_key(key)?;
        if record.status == KeyStatus::Active {
            signer = Some(signing);
        }
        records.push(record);
    }
    let keyset = Keyset::new(issuer.clone(), records)?;
    let cards: Vec<CardId> = revoked
        .cards
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let compromised_keys: Vec<KeyId> = revoked
        .compromised_keys
        .iter()
        .filter_map(|k| k.parse().ok())
        .collect();
    let members = revoked
        .deactivated
        .iter()
        .map(|&(org, member, at)| MemberCutoff {
            org_id: org as u64,
            member_id: member as u64,
            before: at + 1,
        })
        .collect();
    let key_revocations = RevocationList {
        compromised_keys: compromised_keys.clone(),
        ..RevocationList::empty(issuer.clone(), now)
    };
    let revoked_cards = cards.iter().copied().collect();
    let revocations = RevocationList {
        issuer: issuer.clone(),
        issued_at: now,
        cards,
        members,
        compromised_keys,
    };
    let revocations_doc = match &signer {
        Some(s) => Document::new(revocations.sign(s)),
        None => Document::new(String::from("{}")),
    };
    Ok(Snapshot {
        jwks: Document::new(keyset.to_jwks_json()),
        key_revocations,
        revoked_cards,
        deactivated: revoked
            .deactivated
            .iter()
            .map(|&(o, m, at)| ((o, m), at))
            .collect(),
        keyset,
        signer,
        revocations,
        revocations_doc,
        source: (source_keys, revoked),
    })
}
