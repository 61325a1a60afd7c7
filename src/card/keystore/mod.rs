//! A key store directory for the command line and for offline issuers.
//!
//! ```text
//! DIR/keyset.json              public JWKS with status and windows (publish this)
//! DIR/revocations.json         the signed revocation list (publish this)
//! DIR/revocations.state.json   what the list is made from: its last number, the revoked cards
//!                              (their texts), the successors table, the compromised keys
//! DIR/private/<kid>.pem        PKCS#8 private keys, mode 0600, in a 0700 directory
//! DIR/private/issued.jsonl     every card issued from this store, one JSON object a line, so
//!                              that a card can be revoked by its id and a member's cards at once
//! DIR/private/list-seed        the secret seed of the list's decoy entries
//! DIR/.lock                    held (an OS file lock) while a command uses the store
//! ```
//!
//! Every change re-signs the list with the next number, so two runs never sign two lists with one
//! number, even within one second; the lock makes concurrent runs take turns. Every write goes to
//! a temporary file that is renamed into place, so a crash leaves either the old or the new file,
//! never half of one.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use super::CardError;
use super::format::CardKind;
use super::ids::{CardId, Issuer, KeyId};
use super::issue::IssuedCard;
use super::keys::{KeyRecord, KeyStatus, Keyset, SigningKey};
use super::revocation::{
    self, Decoys, ListDraft, MAX_LIFETIME, RevocationList, RevokedCard, RevokedState, SignedList,
    Successor,
};

const KEYSET: &str = "keyset.json";
const PRIVATE: &str = "private";
const ISSUED: &str = "issued.jsonl";
const LIST_SEED: &str = "list-seed";
const LOCK: &str = ".lock";
const REVOCATION_STATE: &str = "revocations.state.json";
const REVOCATIONS: &str = "revocations.json";
const STATE_FORMAT: &str = "namecard-keystore-revocations/2";

/// How long a list stays current unless the command says otherwise.
pub const DEFAULT_LIST_LIFETIME: i64 = 7 * 86_400;
/// Entries of cards that expired longer ago than this are dropped from the list: every verifier
/// refuses them as `expired` anyway (this is far above any clock skew).
const EXPIRED_MARGIN: i64 = 86_400;

/// One card this store issued, as `private/issued.jsonl` records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedRecord {
    /// The card id.
    pub card_id: CardId,
    /// A member's card or a team's.
    pub kind: CardKind,
    /// The organization.
    pub org_id: u64,
    /// The member (or team) id.
    pub member_id: u64,
    /// When it was issued.
    pub issued_at: i64,
    /// When it expires.
    pub expires_at: i64,
    /// Its QR text.
    pub text: String,
}

/// One revoked card in the store's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedRecord {
    /// The card.
    #[serde(flatten)]
    pub card: IssuedRecord,
    /// Withdrawn, or its holder left.
    pub state: RevokedState,
    /// When.
    pub at: i64,
    /// Index into the successors table.
    pub successor: Option<u32>,
}

/// What the signed list is made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListState {
    format: String,
    /// The number of the last list signed (0 before the first).
    pub number: u64,
    /// The revoked cards.
    pub revoked: Vec<RevokedRecord>,
    /// The successors table.
    pub successors: Vec<Successor>,
    /// Compromised keys.
    pub compromised_keys: Vec<KeyId>,
}

impl ListState {
    fn empty() -> Self {
        Self {
            format: STATE_FORMAT.to_owned(),
            number: 0,
            revoked: Vec::new(),
            successors: Vec::new(),
            compromised_keys: Vec::new(),
        }
    }
}

/// An opened key store, holding its lock until dropped.
#[derive(Debug)]
pub struct Keystore {
    dir: PathBuf,
    keyset: Keyset,
    state: ListState,
    list_lifetime: i64,
    warnings: Vec<String>,
    _lock: fs::File,
}

impl Keystore {
    /// Creates a store in `dir` (which must not already hold one) with one active key.
    ///
    /// # Errors
    /// [`CardError::Io`] if the directory already holds a key store or cannot be written.
    pub fn create(dir: &Path, issuer: Issuer, now: i64) -> Result<Self, CardError> {
        let keyset_path = dir.join(KEYSET);
        if keyset_path.exists() {
            return Err(CardError::io(
                &keyset_path,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a key store already exists here",
                ),
            ));
        }
        create_private_dir(&dir.join(PRIVATE))?;
        let lock = lock(dir)?;
        let key = SigningKey::generate();
        let mut store = Self {
            dir: dir.to_path_buf(),
            keyset: Keyset::new(issuer, vec![])?,
            state: ListState::empty(),
            list_lifetime: DEFAULT_LIST_LIFETIME,
            warnings: Vec::new(),
            _lock: lock,
        };
        store.write_private_key(&key)?;
        store.keyset = Keyset::new(
            store.keyset.issuer().clone(),
            vec![KeyRecord::active(&key, now)],
        )?;
        store.save(now)?;
        Ok(store)
    }

    /// Opens an existing store (waiting for its lock), re-checking the keyset.
    ///
    /// # Errors
    /// [`CardError::Io`] for unreadable files, [`CardError::Document`] or
    /// [`CardError::InvalidRevocationList`] for inconsistent ones.
    pub fn open(dir: &Path) -> Result<Self, CardError> {
        let lock = lock(dir)?;
        let keyset = Keyset::from_jwks(&read(&dir.join(KEYSET))?)?;
        let state_path = dir.join(REVOCATION_STATE);
        let mut warnings = Vec::new();
        let state = if state_path.exists() {
            read_state(&state_path, &mut warnings)?
        } else {
            ListState::empty()
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            keyset,
            state,
            list_lifetime: DEFAULT_LIST_LIFETIME,
            warnings,
            _lock: lock,
        })
    }

    /// Things the last operation could not do and the user should know (printed by the CLI).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Sets how long the lists signed from now on stay current (1 s to 31 days).
    ///
    /// # Errors
    /// [`CardError::InvalidRevocationList`] outside that range.
    pub fn set_list_lifetime(&mut self, secs: i64) -> Result<(), CardError> {
        if !(1..=MAX_LIFETIME).contains(&secs) {
            return Err(CardError::InvalidRevocationList(format!(
                "a list stays current for 1 s to {} days",
                MAX_LIFETIME / 86_400
            )));
        }
        self.list_lifetime = secs;
        Ok(())
    }

    /// The public keyset.
    pub fn keyset(&self) -> &Keyset {
        &self.keyset
    }

    /// What the revocation list is made from.
    pub fn revocations(&self) -> &ListState {
        &self.state
    }

    /// The signing key: the newest active key (largest `valid_from`).
    ///
    /// # Errors
    /// [`CardError::InvalidKey`] if no key is active or its private file does not match.
    pub fn signer(&self) -> Result<SigningKey, CardError> {
        let record = self
            .keyset
            .keys()
            .iter()
            .filter(|k| k.status == KeyStatus::Active)
            .max_by_key(|k| k.valid_from)
            .ok_or_else(|| {
                CardError::InvalidKey("no active key: run `namecard keys rotate`".into())
            })?;
        self.private_key(&record.kid)
    }

    fn private_key(&self, kid: &KeyId) -> Result<SigningKey, CardError> {
        let path = self.private_path(kid);
        let pem = String::from_utf8(read(&path)?).map_err(|_| {
            CardError::InvalidKey(format!("{}: not an Ed25519 PKCS#8 key", path.display()))
        })?;
        let key = SigningKey::from_pkcs8_pem(&pem).map_err(|_| {
            CardError::InvalidKey(format!("{}: not an Ed25519 PKCS#8 key", path.display()))
        })?;
        if key.kid() != *kid {
            return Err(CardError::InvalidKey(format!(
                "{}: holds key {}, not {kid}",
                path.display(),
                key.kid()
            )));
        }
        Ok(key)
    }

    /// Makes a new key the signer and retires every active one at `now`; returns its id.
    ///
    /// # Errors
    /// [`CardError::Io`] if the files cannot be written.
    pub fn rotate(&mut self, now: i64) -> Result<KeyId, CardError> {
        let key = SigningKey::generate();
        self.write_private_key(&key)?;
        let mut keys: Vec<KeyRecord> = self.keyset.keys().to_vec();
        for k in keys.iter_mut().filter(|k| k.status == KeyStatus::Active) {
            retire(k, now);
        }
        keys.push(KeyRecord::active(&key, now));
        self.keyset = Keyset::new(self.keyset.issuer().clone(), keys)?;
        self.save(now)?;
        Ok(key.kid())
    }

    /// Retires a key: it signs nothing new but keeps verifying what it signed.
    ///
    /// # Errors
    /// [`CardError::InvalidKey`] for an unknown kid; [`CardError::Io`] on write failure.
    pub fn retire(&mut self, kid: &KeyId, now: i64) -> Result<(), CardError> {
        let mut keys = self.keyset.keys().to_vec();
        let k = keys
            .iter_mut()
            .find(|k| k.kid == *kid)
            .ok_or_else(|| CardError::InvalidKey(format!("no key {kid} in this store")))?;
        retire(k, now);
        self.keyset = Keyset::new(self.keyset.issuer().clone(), keys)?;
        self.save(now)
    }

    /// Removes a compromised key: deletes its private file, drops it from the keyset and lists
    /// it in the revocation list, so that everything it signed fails.
    ///
    /// # Errors
    /// [`CardError::InvalidKey`] for an unknown kid; [`CardError::Io`] on write failure.
    pub fn remove(&mut self, kid: &KeyId, now: i64) -> Result<(), CardError> {
        if self.keyset.get(kid).is_none() {
            return Err(CardError::InvalidKey(format!("no key {kid} in this store")));
        }
        let keys = self
            .keyset
            .keys()
            .iter()
            .filter(|k| k.kid != *kid)
            .cloned()
            .collect();
        self.keyset = Keyset::new(self.keyset.issuer().clone(), keys)?;
        if !self.state.compromised_keys.contains(kid) {
            self.state.compromised_keys.push(*kid);
        }
        self.save(now)?;
        let path = self.private_path(kid);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CardError::io(&path, e)),
        }
    }

    /// Records a card issued from this store, so that it can be revoked later.
    ///
    /// # Errors
    /// [`CardError::Io`] when the log cannot be written.
    pub fn record_issued(&self, card: &IssuedCard) -> Result<(), CardError> {
        let c = &card.claims;
        let record = IssuedRecord {
            card_id: c.card_id,
            kind: c.kind,
            org_id: c.org_id,
            member_id: c.member_id,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            text: card.text.clone(),
        };
        let mut line = serde_json::to_string(&record).map_err(|e| CardError::InvalidField {
            field: "card",
            reason: e.to_string(),
        })?;
        line.push('\n');
        let path = self.dir.join(PRIVATE).join(ISSUED);
        let mut options = fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(|e| CardError::io(&path, e))?;
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| CardError::io(&path, e))
    }

    /// Every card this store issued, in issue order.
    ///
    /// # Errors
    /// [`CardError::Io`] or a line that does not parse.
    pub fn issued(&self) -> Result<Vec<IssuedRecord>, CardError> {
        let path = self.dir.join(PRIVATE).join(ISSUED);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CardError::io(&path, e)),
        };
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| {
                    CardError::InvalidRevocationList(format!("{}:{}: {e}", path.display(), i + 1))
                })
            })
            .collect()
    }

    /// Revokes one card this store issued, by its id.
    ///
    /// # Errors
    /// [`CardError::InvalidField`] when the store has no record of it (revoke it by its text
    /// instead); [`CardError::Io`] on write failure.
    pub fn revoke_card(&mut self, card: CardId, now: i64) -> Result<(), CardError> {
        let record = self
            .issued()?
            .into_iter()
            .find(|r| r.card_id == card)
            .ok_or_else(|| {
                CardError::field(
                    "card",
                    format!(
                        "card {card} is not in this key store's record of issued cards; revoke \
                         it by its text (--card-text)"
                    ),
                )
            })?;
        self.list(record, RevokedState::Withdrawn, now, None);
        self.save(now)
    }

    /// Revokes a card given by its QR text (a card this store's keys signed, recorded or not).
    ///
    /// # Errors
    /// [`CardError::InvalidField`] when the text is not a correctly signed card of this issuer.
    pub fn revoke_text(&mut self, text: &str, now: i64) -> Result<CardId, CardError> {
        let claims = super::verify::read_signed_card(text, &self.keyset).map_err(|r| {
            CardError::field(
                "card",
                format!("not a card signed by this store's keys: {r}"),
            )
        })?;
        let record = IssuedRecord {
            card_id: claims.card_id,
            kind: claims.kind,
            org_id: claims.org_id,
            member_id: claims.member_id,
            issued_at: claims.issued_at,
            expires_at: claims.expires_at,
            text: text.to_owned(),
        };
        self.list(record, RevokedState::Withdrawn, now, None);
        self.save(now)?;
        Ok(claims.card_id)
    }

    /// Marks a member as departed at `before`: every recorded member card of theirs issued
    /// at or before then is listed as departed, pointing to `successor` if given. Returns how many
    /// cards were listed.
    ///
    /// # Errors
    /// [`CardError::InvalidField`] for a successor whose name breaks the text rules;
    /// [`CardError::Io`] on write failure.
    pub fn depart_member(
        &mut self,
        org_id: u64,
        member_id: u64,
        before: i64,
        successor: Option<Successor>,
        now: i64,
    ) -> Result<usize, CardError> {
        let successor =
            match successor {
                None => None,
                Some(s) => {
                    s.validate()?;
                    let i = match self.state.successors.iter().position(|x| *x == s) {
                        Some(i) => i,
                        None => {
                            self.state.successors.push(s);
                            self.state.successors.len() - 1
                        }
                    };
                    Some(u32::try_from(i).map_err(|_| {
                        CardError::InvalidRevocationList("too many successors".into())
                    })?)
                }
            };
        let cards: Vec<IssuedRecord> = self
            .issued()?
            .into_iter()
            .filter(|r| {
                r.kind == CardKind::Member
                    && (r.org_id, r.member_id) == (org_id, member_id)
                    && r.issued_at <= before
                    && r.expires_at.saturating_add(EXPIRED_MARGIN) > now
            })
            .collect();
        let count = cards.len();
        for card in cards {
            self.list(card, RevokedState::Departed, before, successor);
        }
        if count == 0 {
            self.warnings.push(format!(
                "this key store has no unexpired card of member {member_id} of organization \
                 {org_id} issued up to {before}: nothing was listed (cards issued elsewhere are \
                 revoked by their text, --card-text)"
            ));
        }
        self.save(now)?;
        Ok(count)
    }

    /// Re-signs the list with the next number (before its `next_update`, to keep it fresh).
    ///
    /// # Errors
    /// [`CardError::Io`] on write failure.
    pub fn refresh(&mut self, now: i64) -> Result<(), CardError> {
        self.save(now)
    }

    /// Adds or updates a card's entry; a departure wins over a withdrawal.
    fn list(&mut self, card: IssuedRecord, state: RevokedState, at: i64, successor: Option<u32>) {
        let entry = RevokedRecord {
            card,
            state,
            at,
            successor,
        };
        match self
            .state
            .revoked
            .iter_mut()
            .find(|r| r.card.card_id == entry.card.card_id)
        {
            Some(r) if r.state == RevokedState::Departed && state == RevokedState::Withdrawn => {}
            Some(r) => *r = entry,
            None => self.state.revoked.push(entry),
        }
    }

    /// Path of the signed revocation list.
    pub fn signed_revocations_path(&self) -> PathBuf {
        self.dir.join(REVOCATIONS)
    }

    /// Path of the public keyset.
    pub fn keyset_path(&self) -> PathBuf {
        self.dir.join(KEYSET)
    }

    fn private_path(&self, kid: &KeyId) -> PathBuf {
        self.dir.join(PRIVATE).join(format!("{kid}.pem"))
    }

    fn write_private_key(&self, key: &SigningKey) -> Result<(), CardError> {
        let path = self.private_path(&key.kid());
        let pem = key.to_pkcs8_pem()?;
        write_private(&path, pem.as_bytes())
    }

    /// The decoy seed, made on first use.
    fn decoys(&self) -> Result<Decoys, CardError> {
        let path = self.dir.join(PRIVATE).join(LIST_SEED);
        match fs::read_to_string(&path) {
            Ok(text) => {
                let mut seed = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| {
                    CardError::InvalidKey(format!("{}: not 64 hex digits", path.display()))
                })?;
                Ok(Decoys::from_seed(seed))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut seed = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut seed);
                write_private(&path, hex::encode(seed).as_bytes())?;
                Ok(Decoys::from_seed(seed))
            }
            Err(e) => Err(CardError::io(&path, e)),
        }
    }

    /// Writes the keyset, the list state and a freshly signed list with the next number.
    fn save(&mut self, now: i64) -> Result<(), CardError> {
        write_atomic(
            &self.dir.join(KEYSET),
            self.keyset.to_jwks_json().as_bytes(),
        )?;
        self.state
            .revoked
            .retain(|r| r.card.expires_at.saturating_add(EXPIRED_MARGIN) > now);
        match self.signer() {
            Ok(signer) => {
                let signed = self.sign_list(&signer, now)?;
                self.write_state()?;
                write_atomic(&self.signed_revocations_path(), signed.document.as_bytes())?;
            }
            Err(e) => {
                self.write_state()?;
                self.warnings.push(format!(
                    "the revocation list was not re-signed: {e}; verifiers keep the last one"
                ));
            }
        }
        Ok(())
    }

    fn sign_list(&mut self, signer: &SigningKey, now: i64) -> Result<SignedList, CardError> {
        // Past both the state's number and the published list's, so that a lost or migrated
        // state never signs a second list with a number already used.
        self.state.number = self.state.number.max(self.published_number()) + 1;
        let issuer = self.keyset.issuer().clone();
        let mut revoked = Vec::with_capacity(self.state.revoked.len());
        for r in &self.state.revoked {
            revoked.push(RevokedCard {
                body: revocation::card_body(&issuer, &r.card.text)?,
                state: r.state,
                at: r.at,
                successor: r.successor,
            });
        }
        let draft = ListDraft {
            issuer,
            number: self.state.number,
            issued_at: now,
            next_update: now.saturating_add(self.list_lifetime),
            revoked,
            successors: self.state.successors.clone(),
            compromised_keys: self.state.compromised_keys.clone(),
            decoys: Some(self.decoys()?),
        };
        draft.sign(signer)
    }

    /// The number of the signed list on disk, if it is one this keyset verifies.
    fn published_number(&self) -> u64 {
        fs::read(self.signed_revocations_path())
            .ok()
            .and_then(|doc| RevocationList::load(&doc, &self.keyset, i64::MAX / 4).ok())
            .map_or(0, |list| list.number())
    }

    fn write_state(&self) -> Result<(), CardError> {
        let state = serde_json::to_string_pretty(&self.state)
            .map_err(|e| CardError::InvalidRevocationList(e.to_string()))?;
        write_atomic(&self.dir.join(REVOCATION_STATE), state.as_bytes())
    }
}

/// Reads the list state, migrating the v1 state (card ids and member cut-offs, which a v2 list
/// cannot express without the cards' texts) with a warning for what it cannot carry over.
fn read_state(path: &Path, warnings: &mut Vec<String>) -> Result<ListState, CardError> {
    let bad = |e: String| CardError::InvalidRevocationList(format!("{}: {e}", path.display()));
    let value: serde_json::Value =
        serde_json::from_slice(&read(path)?).map_err(|e| bad(e.to_string()))?;
    if value.get("format").and_then(|f| f.as_str()) == Some(STATE_FORMAT) {
        return serde_json::from_value(value).map_err(|e| bad(e.to_string()));
    }
    let mut state = ListState::empty();
    if let Some(keys) = value.get("compromised_keys").and_then(|k| k.as_array()) {
        for k in keys {
            let kid: KeyId = k
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("a compromised key id does not parse".into()))?;
            state.compromised_keys.push(kid);
        }
    }
    let count = |name: &str| {
        value
            .get(name)
            .and_then(|v| v.as_array())
            .map_or(0, Vec::len)
    };
    let (cards, members) = (count("cards"), count("members"));
    if cards + members > 0 {
        warnings.push(format!(
            "{}: {cards} card and {members} member revocations of a version 1 list cannot be \
             listed in a version 2 list without the cards' texts: revoke those cards again with \
             --card-text",
            path.display()
        ));
    }
    Ok(state)
}

fn retire(k: &mut KeyRecord, now: i64) {
    k.status = KeyStatus::Retired;
    k.retired_at = Some(k.retired_at.unwrap_or(now));
}

fn read(path: &Path) -> Result<Vec<u8>, CardError> {
    fs::read(path).map_err(|e| CardError::io(path, e))
}

fn lock(dir: &Path) -> Result<fs::File, CardError> {
    let path = dir.join(LOCK);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| CardError::io(&path, e))?;
    // Blocks until no other process holds it; released when the file is closed.
    #[cfg(unix)]
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| CardError::io(&path, e.into()))?;
    Ok(file)
}

fn create_private_dir(path: &Path) -> Result<(), CardError> {
    crate::files::create_private_dir(path).map_err(|e| CardError::io(path, e))
}

/// Creates a file readable by the owner only; fails if it exists.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CardError> {
    crate::files::write_private(path, bytes).map_err(|e| CardError::io(path, e))
}

/// Writes `bytes` to `path` through a temporary file and a rename.
///
/// # Errors
/// [`CardError::Io`] naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CardError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| CardError::io(path, e))
}

#[cfg(test)]
mod tests;
