//! The service's signing keys and revocations, cached in memory.
//!
//! Keys live in the database (so every instance signs with the same active key and verifies
//! with the same keyset), their private halves sealed with the key-encryption key
//! ([`crate::seal`]), which only the instances hold; each instance keeps a [`Snapshot`] of them, with the revocation set and
//! the two public documents already rendered. Verification reads only the snapshot: no database
//! round trip per request. The snapshot is rebuilt after every local change and every
//! `refresh_interval`, which is how changes made by other instances arrive.
//!
//! The revocation list (format v2, `docs/card-format.md` §5) lists each revoked card by the
//! revocation id of its text, so building it reads the texts of the revoked cards and of
//! deactivated members' cards; that happens only when revocations change or the list is half way
//! to its `next_update`. Interim numbering, until lists are stored in the database: a list's
//! number is the build time in milliseconds, bumped past the last number this process signed,
//! so one instance never signs two lists with one number and later lists have larger ones.

use super::clock::Clock;
use crate::card::{
    self, CardClaims, CardId, Decoys, Issuer, KeyId, KeyRecord, KeyStatus, Keyset, ListDraft,
    Reason, Rejection, RevocationList, RevokedCard, RevokedState, SigningKey, Successor,
    VerifyOptions,
};
use crate::domain::transfer::follow_successors;
use crate::domain::{Audit, MemberId, OrgId};
use crate::seal::{Kek, SealError};
use crate::store::{PrivateKey, Reseal, RevocationSnapshot, Store, StoreError, StoredKey};
use sha2::{Digest as _, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// How long a served list stays current; it is re-signed when half of that has passed.
pub const LIST_LIFETIME_SECS: i64 = 86_400;

/// The last list number this process signed.
static LAST_NUMBER: AtomicU64 = AtomicU64::new(0);

/// The next list number: now in milliseconds, or one past the last, whichever is larger.
fn next_number(now: i64) -> u64 {
    let ms = u64::try_from(now).unwrap_or(0).saturating_mul(1000);
    let previous = LAST_NUMBER
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(last.saturating_add(1).max(ms))
        })
        .unwrap_or(0);
    previous
        .saturating_add(1)
        .max(ms)
        .min(card::revocation::MAX_NUMBER)
}

/// Why keys could not be loaded or changed.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored key or the keyset did not parse.
    #[error("invalid key material: {0}")]
    Card(#[from] card::CardError),
    /// A stored key's id is not the id its public key derives.
    #[error("stored key {stored} holds the key {derived}")]
    KidMismatch { stored: KeyId, derived: KeyId },
    /// A stored private key does not open with the key-encryption key given.
    #[error("signing key {kid}: {source}")]
    Sealed { kid: KeyId, source: SealError },
}

/// What a signing key's private half is, to the sealing (its associated data, with the key id).
const SEALED_AS: &str = "signing-key";

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
    pub deactivated: HashMap<(OrgId, MemberId), i64>,
    /// `/.well-known/namecard-keys.json`.
    pub jwks: Document,
    /// `/.well-known/namecard-revocations.json`.
    pub revocations_doc: Document,
    source: (Vec<KeySource>, RevocationSnapshot),
}

/// What a key row contributes to a snapshot: `(kid, status, valid_from, retired_at)`; a change in
/// any of them rebuilds the snapshot.
type KeySource = (KeyId, KeyStatus, i64, Option<i64>);

/// A card checked against the in-memory keys and revocations: the signature, key and validity
/// held; whether the card or its member is revoked is said beside the claims.
#[derive(Debug, Clone)]
pub struct Checked {
    pub claims: CardClaims,
    /// The card is on the revocation list (withdrawn, reset, or its member deactivated).
    pub revoked: bool,
    /// The card's member has been deactivated.
    pub member_deactivated: bool,
}

/// The keyring: a store and the latest snapshot.
pub struct Keyring {
    issuer: Issuer,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    kek: Arc<Kek>,
    current: RwLock<Arc<Snapshot>>,
    /// Held while a refresh reads the store and swaps the snapshot: of two refreshes racing
    /// (concurrent card resets each trigger one), one that read older state must not replace
    /// the other's newer snapshot, or a revoked card would verify again until the next refresh.
    refreshing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("issuer", &self.issuer.as_str())
            .finish_non_exhaustive()
    }
}

/// Opens a stored private key (sealed, or plaintext from an earlier version).
///
/// # Errors
/// `Sealed` when it does not open with `kek`; `Card` when it is no Ed25519 PKCS#8 key.
pub fn open_key(kek: &Kek, stored: &StoredKey) -> Result<SigningKey, KeyringError> {
    match &stored.private_key {
        PrivateKey::Plaintext(pem) => Ok(SigningKey::from_pkcs8_pem(pem)?),
        PrivateKey::Sealed(sealed) => {
            let sealed_error = |source| KeyringError::Sealed {
                kid: stored.kid,
                source,
            };
            let pem = kek
                .open(SEALED_AS, &stored.kid.to_string(), sealed)
                .map_err(sealed_error)?;
            let pem =
                std::str::from_utf8(pem.expose()).map_err(|_| sealed_error(SealError::Damaged))?;
            Ok(SigningKey::from_pkcs8_pem(pem)?)
        }
    }
}

/// A private key sealed for storage.
fn seal_key(kek: &Kek, key: &SigningKey) -> Result<PrivateKey, KeyringError> {
    let pem = key.to_pkcs8_pem()?;
    Ok(PrivateKey::Sealed(kek.seal(
        SEALED_AS,
        &key.kid().to_string(),
        pem.as_bytes(),
    )))
}

fn parse_key(kek: &Kek, stored: &StoredKey) -> Result<(SigningKey, KeyRecord), KeyringError> {
    let key = open_key(kek, stored)?;
    if key.kid() != stored.kid {
        return Err(KeyringError::KidMismatch {
            stored: stored.kid,
            derived: key.kid(),
        });
    }
    let record = KeyRecord {
        kid: key.kid(),
        public: key.verifying_key(),
        status: stored.status,
        valid_from: stored.valid_from,
        retired_at: stored.retired_at,
    };
    Ok((key, record))
}

/// Seals every stored private key under `next`, in one transaction: keys sealed under `current`
/// are opened and sealed again, plaintext keys from an earlier version are sealed, keys already
/// under `next` stay. With `current` and `next` the same KEK this seals the plaintext keys and
/// checks that every other key is sealed under it. Returns how many keys were sealed anew.
///
/// # Errors
/// `Sealed` naming a key that neither KEK opens (nothing is changed); the store's errors, with
/// `Conflict(KeySealing)` when a key was added or sealed otherwise meanwhile.
pub async fn reseal_keys(
    store: &dyn Store,
    current: &Kek,
    next: &Kek,
) -> Result<u64, KeyringError> {
    let mut reseal = Vec::new();
    for stored in store.list_keys().await? {
        let was = match &stored.private_key {
            PrivateKey::Sealed(s) if s.kek == *next.id() => continue,
            PrivateKey::Sealed(s) => Some(s.kek.clone()),
            PrivateKey::Plaintext(_) => None,
        };
        let key = open_key(current, &stored)?;
        let PrivateKey::Sealed(sealed) = seal_key(next, &key)? else {
            continue;
        };
        reseal.push(Reseal {
            kid: stored.kid,
            was,
            sealed,
        });
    }
    Ok(store.reseal_keys(&reseal, next.id()).await?)
}

/// A freshly generated key, sealed with `kek`, ready to be stored.
///
/// # Errors
/// When the key cannot be encoded as PKCS#8.
pub fn new_stored_key(kek: &Kek, now: i64) -> Result<(KeyId, StoredKey), KeyringError> {
    let key = SigningKey::generate();
    let stored = StoredKey {
        kid: key.kid(),
        private_key: seal_key(kek, &key)?,
        status: KeyStatus::Active,
        valid_from: now,
        retired_at: None,
    };
    Ok((key.kid(), stored))
}

impl Keyring {
    /// Loads keys (generating the first one on first start) and revocations. Keys an earlier
    /// version stored in plaintext are sealed with `kek` first, once.
    ///
    /// # Errors
    /// When the store fails, a stored key does not open with `kek` or does not parse.
    pub async fn load(
        issuer: Issuer,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        kek: Arc<Kek>,
    ) -> Result<Self, KeyringError> {
        let now = clock.now();
        let sealed = reseal_keys(&*store, &kek, &kek).await?;
        if sealed > 0 {
            tracing::info!(
                sealed,
                "sealed signing keys an earlier version stored in plaintext"
            );
        }
        let (_, first) = new_stored_key(&kek, now)?;
        if store.create_first_key(&first).await? {
            tracing::info!(kid = %first.kid, "generated the first issuer key");
        }
        let source = read_source(&*store, now).await?;
        let snapshot = build(&issuer, &*store, &kek, source, now).await?;
        Ok(Self {
            issuer,
            store,
            clock,
            kek,
            current: RwLock::new(Arc::new(snapshot)),
            refreshing: tokio::sync::Mutex::new(()),
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
    pub async fn refresh(&self) -> Result<(), KeyringError> {
        let _turn = self.refreshing.lock().await;
        let now = self.clock.now();
        let previous = self.snapshot();
        let source = read_source(&*self.store, now).await?;
        let half_life = previous.revocations.issued_at() + LIST_LIFETIME_SECS / 2;
        // Unchanged content keeps the previous documents, so ETags stay stable across refreshes.
        if source == previous.source && now < half_life {
            return Ok(());
        }
        let mut next = build(&self.issuer, &*self.store, &self.kek, source, now).await?;
        if next.source.0 == previous.source.0 {
            // Only revocations changed: keep the keyset, whose per-key verification tables
            // (built on first use, ~2 ms each) would otherwise be rebuilt on a request.
            next.keyset = previous.keyset.clone();
        }
        match self.current.write() {
            Ok(mut s) => *s = Arc::new(next),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
        }
        Ok(())
    }

    /// Refreshes after a local change that revoked cards, so this instance sees it at once
    /// (others see it at their next periodic refresh). A failure is logged, not returned: the
    /// change is committed, and the periodic refresh will pick it up.
    pub async fn revocations_changed(&self) {
        if let Err(e) = self.refresh().await {
            tracing::warn!(error = %e, "refreshing revocations failed; the periodic refresh will retry");
        }
    }

    /// Checks card text against the in-memory keyset and revocations: no database round trip.
    ///
    /// A card signed by a removed (compromised) key is refused as `key_compromised`, as an
    /// offline verifier holding the published revocation list would; card and member revocations
    /// are checked after the signature, so the answer says both what the card claims and that
    /// it is revoked. The one check every online verification makes (`POST /v1/verify`, scans).
    ///
    /// # Errors
    /// The [`Rejection`] of a card whose signature, key, format or validity fails.
    pub fn check(&self, text: &str) -> Result<Checked, Rejection> {
        let snapshot = self.snapshot();
        let verified = card::verify_card(
            text,
            &snapshot.keyset,
            Some(&snapshot.key_revocations),
            &VerifyOptions::at(self.clock.now()),
        );
        let checked = verified.map(|v| {
            let c = &v.claims;
            // Hash lookups, not the list's linear scan: this runs on every verification.
            let ids = (
                i64::try_from(c.org_id).map(OrgId::new),
                i64::try_from(c.member_id).map(MemberId::new),
            );
            let member_deactivated = match ids {
                (Ok(org), Ok(member)) => snapshot.deactivated.contains_key(&(org, member)),
                _ => false,
            };
            let revoked = member_deactivated || snapshot.revoked_cards.contains(&c.card_id);
            Checked {
                claims: v.claims,
                revoked,
                member_deactivated,
            }
        });
        let result = match &checked {
            Ok(c) if c.revoked => Reason::Revoked.as_str(),
            Ok(_) => "valid",
            Err(rejection) => rejection.reason.as_str(),
        };
        metrics::counter!("verifications_total", "result" => result).increment(1);
        checked
    }

    /// Every signing key, public facts only.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(&self) -> Result<Vec<StoredKey>, KeyringError> {
        Ok(self.store.list_keys().await?)
    }

    /// Rotates: a new active key; the previous one is retired (it still verifies old cards).
    ///
    /// # Errors
    /// When the key cannot be made or stored.
    pub async fn rotate(&self, audit: &Audit) -> Result<StoredKey, KeyringError> {
        let (kid, stored) = new_stored_key(&self.kek, audit.at)?;
        let audit = Audit {
            target: format!("key/{kid}"),
            ..audit.clone()
        };
        self.store.rotate_key(&stored, &audit).await?;
        self.refresh().await?;
        Ok(stored)
    }

    /// Retires a key: it stops signing, keeps verifying.
    ///
    /// # Errors
    /// `NotFound` for a key that is not active.
    pub async fn retire(&self, kid: &KeyId, audit: &Audit) -> Result<(), KeyringError> {
        self.store.retire_key(kid, audit).await?;
        self.refresh().await
    }

    /// Removes a retired key: cards it signed stop verifying, online and offline.
    ///
    /// # Errors
    /// `NotFound` for a key that is not retired.
    pub async fn remove(&self, kid: &KeyId, audit: &Audit) -> Result<(), KeyringError> {
        self.store.remove_key(kid, audit).await?;
        self.refresh().await
    }
}

/// What a snapshot is built from, read in two queries; a change in it rebuilds the snapshot.
async fn read_source(
    store: &dyn Store,
    now: i64,
) -> Result<(Vec<KeySource>, RevocationSnapshot), KeyringError> {
    let keys = store
        .list_keys()
        .await?
        .iter()
        .map(|k| (k.kid, k.status, k.valid_from, k.retired_at))
        .collect();
    Ok((keys, store.revocations(now).await?))
}

/// The revoked cards with their texts: each revoked card (withdrawn), and every unexpired card
/// of a deactivated member (departed at the deactivation, pointing into the returned successors
/// table when someone answers for them). One card query per affected member.
async fn revoked_cards(
    issuer: &Issuer,
    store: &dyn Store,
    revoked: &RevocationSnapshot,
    now: i64,
) -> Result<(Vec<RevokedCard>, Vec<Successor>), KeyringError> {
    let departed: HashMap<(OrgId, MemberId), i64> = revoked
        .deactivated
        .iter()
        .map(|&(org, member, at)| ((org, member), at))
        .collect();
    let mut members: Vec<(OrgId, MemberId)> = departed.keys().copied().collect();
    let withdrawn: HashSet<CardId> = revoked.cards.iter().copied().collect();
    for id in &revoked.cards {
        if let Some(state) = store.card_state(id).await? {
            members.push((state.org_id, state.member_id));
        }
    }
    members.sort_unstable();
    members.dedup();
    let mut successors = SuccessorTable {
        links: revoked.successors.iter().copied().collect(),
        ..SuccessorTable::default()
    };
    let mut out = Vec::new();
    for (org, member) in members {
        let successor = match departed.contains_key(&(org, member)) {
            true => {
                successors
                    .answering(store, revoked, &departed, org, member)
                    .await?
            }
            false => None,
        };
        for row in store.list_cards(org, member).await? {
            if row.expires_at <= now {
                continue;
            }
            let (state, at) = match departed.get(&(org, member)) {
                Some(&at) => (RevokedState::Departed, at.max(0)),
                None if withdrawn.contains(&row.id) => (
                    RevokedState::Withdrawn,
                    row.revoked_at.unwrap_or(now).max(0),
                ),
                None => continue,
            };
            // A stored text that is not our card cannot be listed: the snapshot is not built
            // (the previous one stays), rather than a revoked card silently left off the list.
            let body = card::revocation::card_body(issuer, &row.text).map_err(|e| {
                tracing::error!(card = %row.id, error = %e, "a revoked card's stored text does not parse");
                KeyringError::Card(e)
            })?;
            out.push(RevokedCard {
                body,
                state,
                at,
                successor: if state == RevokedState::Departed {
                    successor
                } else {
                    None
                },
            });
        }
    }
    // The team cards of deleted contact ways, until they expire.
    for (text, deleted_at) in &revoked.deleted_way_cards {
        let body = card::revocation::card_body(issuer, text).map_err(|e| {
            tracing::error!(error = %e, "a deleted way's stored card text does not parse");
            KeyringError::Card(e)
        })?;
        let live = card::format::parse_body(&body).is_ok_and(|p| p.claims.expires_at > now);
        if live {
            out.push(RevokedCard {
                body,
                state: RevokedState::Withdrawn,
                at: (*deleted_at).max(0),
                successor: None,
            });
        }
    }
    Ok((out, successors.table))
}

/// The public successors table of a list being built: each successor once, by first use.
#[derive(Default)]
struct SuccessorTable {
    table: Vec<Successor>,
    index: HashMap<MemberId, u32>,
    /// Each member's named successor (the snapshot's pairs, looked up once per step).
    links: HashMap<MemberId, MemberId>,
}

impl SuccessorTable {
    /// The index of whoever answers for departed `member` ([`follow_successors`], the rule the
    /// online scan routing follows), adding them to the table; `None` when nobody does or the
    /// organization turned successor routing off.
    async fn answering(
        &mut self,
        store: &dyn Store,
        revoked: &RevocationSnapshot,
        departed: &HashMap<(OrgId, MemberId), i64>,
        org: OrgId,
        member: MemberId,
    ) -> Result<Option<u32>, KeyringError> {
        if revoked.routing_off.contains(&org) {
            return Ok(None);
        }
        let links = &self.links;
        let Some(next) = follow_successors(member, |at| {
            links
                .get(&at)
                .map(|&s| (s, !departed.contains_key(&(org, s))))
        }) else {
            return Ok(None);
        };
        if let Some(&i) = self.index.get(&next) {
            return Ok(Some(i));
        }
        let m = store.get_member(org, next).await?;
        let entry = Successor {
            name: m.display_name,
            title: m.title,
        };
        // A name the card rules refuse cannot be published; the card is listed as departed
        // without a pointer, and the operator is told.
        if let Err(e) = entry.validate() {
            tracing::error!(member = %next, error = %e, "a successor's name cannot go on the revocation list");
            return Ok(None);
        }
        let Ok(i) = u32::try_from(self.table.len()) else {
            return Ok(None);
        };
        self.table.push(entry);
        self.index.insert(next, i);
        Ok(Some(i))
    }
}

async fn build(
    issuer: &Issuer,
    store: &dyn Store,
    kek: &Kek,
    source: (Vec<KeySource>, RevocationSnapshot),
    now: i64,
) -> Result<Snapshot, KeyringError> {
    let stored = store.list_keys().await?;
    let revoked = &source.1;
    let mut records = Vec::with_capacity(stored.len());
    let mut signer = None;
    for key in &stored {
        let (signing, record) = parse_key(kek, key)?;
        if record.status == KeyStatus::Active {
            signer = Some(signing);
        }
        records.push(record);
    }
    let keyset = Keyset::new(issuer.clone(), records)?;
    // The store has parsed every id (a stored id that does not parse fails the build): a card
    // left off this list would verify as not revoked.
    let compromised_keys: Vec<KeyId> = revoked.compromised_keys.clone();
    let (listed, successors) = revoked_cards(issuer, store, revoked, now).await?;
    let draft = ListDraft {
        issuer: issuer.clone(),
        number: next_number(now),
        issued_at: now,
        next_update: now + LIST_LIFETIME_SECS,
        revoked: listed,
        successors,
        compromised_keys,
        // Until lists are stored: the decoys' secret comes from the active key (so every
        // instance has the same).
        decoys: signer
            .as_ref()
            .map(|s| Decoys::from_seed(s.derive_secret(b"namecard/decoys/v1"))),
    };
    let key_revocations = ListDraft {
        revoked: Vec::new(),
        decoys: None,
        ..draft.clone()
    }
    .list()?;
    let revoked_cards = revoked.cards.iter().copied().collect();
    let deactivated = revoked
        .deactivated
        .iter()
        .map(|&(o, m, at)| ((o, m), at))
        .collect();
    let (revocations, revocations_doc) = match &signer {
        Some(s) => {
            let signed = draft.sign(s)?;
            (signed.list, Document::new(signed.document))
        }
        None => (draft.list()?, Document::new(String::from("{}"))),
    };
    Ok(Snapshot {
        jwks: Document::new(keyset.to_jwks_json()),
        key_revocations,
        revoked_cards,
        deactivated,
        keyset,
        signer,
        revocations,
        revocations_doc,
        source,
    })
}
