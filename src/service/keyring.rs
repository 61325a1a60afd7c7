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
//! deactivated members' cards; that happens only when revocations change, another instance
//! published a list, or the list is half way to its `next_update`. Lists are stored
//! ([`crate::store::ListStore`]) and numbered by one sequence for all instances: an instance
//! reads the latest stored list *before* the revocations it builds from, and publishes the next
//! number only if nobody took it meanwhile. So a list with a higher number was always built from
//! a later reading than every list below it, and an instance whose reading says what the latest
//! list says adopts that list instead of signing another. The decoy entries' seed is stored too,
//! sealed with the key-encryption key, so it survives key rotations and restarts.

use super::clock::Clock;
use crate::card::{
    self, CardClaims, CardId, Decoys, Issuer, KeyId, KeyRecord, KeyStatus, Keyset, ListDraft,
    Reason, Rejection, RevocationList, RevokedCard, RevokedState, SigningKey, Successor,
    VerifyOptions,
};
use crate::domain::transfer::follow_successors;
use crate::domain::{Audit, MemberId, OrgId};
use crate::seal::{Kek, SealError};
use crate::store::{
    ListSecretReseal, PrivateKey, Reseal, RevocationSnapshot, Store, StoreError, StoredKey,
    StoredList,
};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// How long a served list stays current; it is re-signed when half of that has passed.
pub const LIST_LIFETIME_SECS: i64 = 86_400;

/// How long published lists are kept after they were issued (the latest is always kept).
const LIST_RETENTION_SECS: i64 = 30 * 86_400;

/// How often a refresh reads again after other instances took the list number it meant to
/// publish, before it gives up (the previous snapshot stays; the next refresh tries again).
const PUBLISH_ATTEMPTS: usize = 8;

/// The first stored list's number: now in milliseconds, above every number the versions
/// before stored lists signed (they numbered lists by their build time in milliseconds).
fn first_number(now: i64) -> u64 {
    u64::try_from(now)
        .unwrap_or(0)
        .saturating_mul(1000)
        .clamp(1, card::revocation::MAX_NUMBER)
}

/// The stored name of the decoy seed, and what it is to the sealing.
const DECOY_SECRET: &str = "decoys";
const LIST_SECRET_SEALED_AS: &str = "list-secret";

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
    /// The stored decoy seed does not open with the key-encryption key given.
    #[error("the revocation lists' decoy seed: {0}")]
    ListSecret(SealError),
    /// Other instances kept publishing lists first; the next refresh tries again.
    #[error("other instances kept taking the next revocation list number")]
    ListRace,
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
    source: Source,
}

/// What a snapshot is built from; a change in any of it rebuilds the snapshot.
#[derive(PartialEq)]
struct Source {
    /// The latest published list, read before the rest (see the module's doc).
    latest: Option<StoredList>,
    keys: Vec<KeySource>,
    revoked: RevocationSnapshot,
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
    publisher: Publisher,
    current: RwLock<Arc<Snapshot>>,
    /// Held while a refresh reads the store and swaps the snapshot: of two refreshes racing
    /// (concurrent card resets each trigger one), one that read older state must not replace
    /// the other's newer snapshot, or a revoked card would verify again until the next refresh.
    refreshing: tokio::sync::Mutex<()>,
}

/// What builds snapshots and publishes their lists.
struct Publisher {
    issuer: Issuer,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    kek: Arc<Kek>,
    decoys: Decoys,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("issuer", &self.publisher.issuer.as_str())
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
        let decoys = decoy_seed(&*store, &kek, now).await?;
        let publisher = Publisher {
            issuer,
            store,
            clock,
            kek,
            decoys,
        };
        let first = publisher
            .next_snapshot(None)
            .await?
            .ok_or(KeyringError::ListRace)?;
        Ok(Self {
            publisher,
            current: RwLock::new(Arc::new(first)),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    /// The issuer named in every card.
    pub fn issuer(&self) -> &Issuer {
        &self.publisher.issuer
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
        let previous = self.snapshot();
        let Some(mut next) = self.publisher.next_snapshot(Some(&previous)).await? else {
            return Ok(());
        };
        if next.source.keys == previous.source.keys {
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
            &VerifyOptions::at(self.publisher.clock.now()),
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
        Ok(self.publisher.store.list_keys().await?)
    }

    /// Rotates: a new active key; the previous one is retired (it still verifies old cards).
    ///
    /// # Errors
    /// When the key cannot be made or stored.
    pub async fn rotate(&self, audit: &Audit) -> Result<StoredKey, KeyringError> {
        let (kid, stored) = new_stored_key(&self.publisher.kek, audit.at)?;
        let audit = Audit {
            target: format!("key/{kid}"),
            ..audit.clone()
        };
        self.publisher.store.rotate_key(&stored, &audit).await?;
        self.refresh().await?;
        Ok(stored)
    }

    /// Retires a key: it stops signing, keeps verifying.
    ///
    /// # Errors
    /// `NotFound` for a key that is not active.
    pub async fn retire(&self, kid: &KeyId, audit: &Audit) -> Result<(), KeyringError> {
        self.publisher.store.retire_key(kid, audit).await?;
        self.refresh().await
    }

    /// Removes a retired key: cards it signed stop verifying, online and offline.
    ///
    /// # Errors
    /// `NotFound` for a key that is not retired.
    pub async fn remove(&self, kid: &KeyId, audit: &Audit) -> Result<(), KeyringError> {
        self.publisher.store.remove_key(kid, audit).await?;
        self.refresh().await
    }
}

/// What a snapshot is built from: the latest published list first, then keys and revocations.
async fn read_source(store: &dyn Store, now: i64) -> Result<Source, KeyringError> {
    let latest = store.latest_list().await?;
    let keys = store
        .list_keys()
        .await?
        .iter()
        .map(|k| (k.kid, k.status, k.valid_from, k.retired_at))
        .collect();
    Ok(Source {
        latest,
        keys,
        revoked: store.revocations(now).await?,
    })
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

impl Publisher {
    /// The snapshot to serve after `previous`, or `None` while nothing it was built from changed
    /// and its list is less than half way to its `next_update` (so ETags stay stable across
    /// refreshes). Reads again when another instance took the list number this one meant to
    /// publish.
    async fn next_snapshot(
        &self,
        previous: Option<&Snapshot>,
    ) -> Result<Option<Snapshot>, KeyringError> {
        for _ in 0..PUBLISH_ATTEMPTS {
            let now = self.clock.now();
            let source = read_source(&*self.store, now).await?;
            if let Some(p) = previous {
                let half_life = p.revocations.issued_at() + LIST_LIFETIME_SECS / 2;
                if source == p.source && now < half_life {
                    return Ok(None);
                }
            }
            if let Some(next) = self.build(source, now).await? {
                return Ok(Some(next));
            }
        }
        Err(KeyringError::ListRace)
    }

    /// A snapshot of `source`, with its list: the latest published one when it says the same
    /// and is fresh, otherwise a new list signed and published with the next number. `None`
    /// when another instance published that number first (read again).
    async fn build(&self, mut source: Source, now: i64) -> Result<Option<Snapshot>, KeyringError> {
        let store = &*self.store;
        let stored = store.list_keys().await?;
        let mut records = Vec::with_capacity(stored.len());
        let mut signer = None;
        for key in &stored {
            let (signing, record) = parse_key(&self.kek, key)?;
            if record.status == KeyStatus::Active {
                signer = Some(signing);
            }
            records.push(record);
        }
        let keyset = Keyset::new(self.issuer.clone(), records)?;
        let revoked = &source.revoked;
        // The store has parsed every id (a stored id that does not parse fails the build): a
        // card left off this list would verify as not revoked.
        let compromised_keys: Vec<KeyId> = revoked.compromised_keys.clone();
        let (listed, successors) = revoked_cards(&self.issuer, store, revoked, now).await?;
        let mut draft = ListDraft {
            issuer: self.issuer.clone(),
            number: source.latest.as_ref().map_or(1, |l| l.number),
            issued_at: now,
            next_update: now + LIST_LIFETIME_SECS,
            revoked: listed,
            successors,
            compromised_keys,
            decoys: Some(self.decoys.clone()),
        };
        let (revocations, revocations_doc) = match &signer {
            Some(s) => {
                let digest = hex::encode(draft.content_digest(Some(&s.kid())));
                match adoptable(source.latest.as_ref(), &digest, &keyset, now) {
                    Some((list, document)) => (list, Document::new(document.to_owned())),
                    None => {
                        draft.number = source
                            .latest
                            .as_ref()
                            .map_or_else(|| first_number(now), |l| l.number.saturating_add(1));
                        let signed = draft.sign(s)?;
                        let list = StoredList {
                            number: draft.number,
                            issued_at: draft.issued_at,
                            next_update: draft.next_update,
                            content_digest: digest,
                            document: signed.document,
                        };
                        if !store.publish_list(&list, now - LIST_RETENTION_SECS).await? {
                            return Ok(None);
                        }
                        let document = Document::new(list.document.clone());
                        // Built from what it now publishes: the next refresh finds no change.
                        source.latest = Some(list);
                        (signed.list, document)
                    }
                }
            }
            // No active key (every key retired): nothing is signed or published.
            None => (draft.list()?, Document::new(String::from("{}"))),
        };
        let key_revocations = ListDraft {
            number: revocations.number(),
            issued_at: revocations.issued_at(),
            next_update: revocations.next_update(),
            revoked: Vec::new(),
            decoys: None,
            ..draft
        }
        .list()?;
        let revoked_cards = revoked.cards.iter().copied().collect();
        let deactivated = revoked
            .deactivated
            .iter()
            .map(|&(o, m, at)| ((o, m), at))
            .collect();
        Ok(Some(Snapshot {
            jwks: Document::new(keyset.to_jwks_json()),
            key_revocations,
            revoked_cards,
            deactivated,
            keyset,
            signer,
            revocations,
            revocations_doc,
            source,
        }))
    }
}

/// The latest published list, when it says what `digest` says, is less than half way to its
/// `next_update` and still loads against `keyset` (a list that does not is signed anew).
fn adoptable<'a>(
    latest: Option<&'a StoredList>,
    digest: &str,
    keyset: &Keyset,
    now: i64,
) -> Option<(RevocationList, &'a str)> {
    let latest = latest?;
    if latest.content_digest != digest || now >= latest.issued_at + LIST_LIFETIME_SECS / 2 {
        return None;
    }
    match RevocationList::load(latest.document.as_bytes(), keyset, 0) {
        Ok(list) if list.number() == latest.number => Some((list, &latest.document)),
        Ok(_) => {
            tracing::error!(
                number = latest.number,
                "a stored revocation list carries another number; signing a new one"
            );
            None
        }
        Err(e) => {
            tracing::error!(number = latest.number, error = %e, "a stored revocation list does not load; signing a new one");
            None
        }
    }
}

/// The decoy seed of the lists, made and stored sealed by the first instance that needs it.
async fn decoy_seed(store: &dyn Store, kek: &Kek, now: i64) -> Result<Decoys, KeyringError> {
    if store.list_secret(DECOY_SECRET).await?.is_none() {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut seed[..]);
        let sealed = kek.seal(LIST_SECRET_SEALED_AS, DECOY_SECRET, &seed[..]);
        // Instances starting together: the first one's seed is everyone's.
        store.create_list_secret(DECOY_SECRET, &sealed, now).await?;
    }
    let sealed = store
        .list_secret(DECOY_SECRET)
        .await?
        .ok_or(StoreError::NotFound("decoy seed"))?;
    let opened = kek
        .open(LIST_SECRET_SEALED_AS, DECOY_SECRET, &sealed)
        .map_err(KeyringError::ListSecret)?;
    let seed: [u8; 32] = opened
        .expose()
        .try_into()
        .map_err(|_| KeyringError::ListSecret(SealError::Damaged))?;
    Ok(Decoys::from_seed(seed))
}

/// Seals the lists' stored secrets under `next` (those under `next` already stay), as
/// [`reseal_keys`] does the signing keys. Returns how many were sealed anew.
///
/// # Errors
/// `ListSecret` for a secret that does not open with `current` (nothing is changed).
pub async fn reseal_list_secrets(
    store: &dyn Store,
    current: &Kek,
    next: &Kek,
) -> Result<u64, KeyringError> {
    let mut reseal = Vec::new();
    for (name, sealed) in store.list_secrets().await? {
        if sealed.kek == *next.id() {
            continue;
        }
        let opened = current
            .open(LIST_SECRET_SEALED_AS, &name, &sealed)
            .map_err(KeyringError::ListSecret)?;
        reseal.push(ListSecretReseal {
            sealed: next.seal(LIST_SECRET_SEALED_AS, &name, opened.expose()),
            name,
            was: sealed.kek,
        });
    }
    Ok(store.reseal_list_secrets(&reseal).await?)
}
