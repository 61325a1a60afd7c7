//! A key store directory for the command line and for offline issuers.
//!
//! ```text
//! DIR/keyset.json              public JWKS with status and windows (publish this)
//! DIR/private/<kid>.pem        PKCS#8 private keys, mode 0600, in a 0700 directory
//! DIR/revocations.state.json   the unsigned revocation list being maintained
//! DIR/revocations.json         the signed revocation list (publish this)
//! ```
//! Every write goes to a temporary file that is renamed into place, so a crash leaves either
//! the old or the new file, never half of one.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::CardError;
use super::ids::{CardId, Issuer, KeyId};
use super::keys::{KeyRecord, KeyStatus, Keyset, SigningKey};
use super::revocation::{MemberCutoff, RevocationList};

const KEYSET: &str = "keyset.json";
const PRIVATE: &str = "private";
const REVOCATION_STATE: &str = "revocations.state.json";
const REVOCATIONS: &str = "revocations.json";

/// An opened key store.
#[derive(Debug)]
pub struct Keystore {
    dir: PathBuf,
    keyset: Keyset,
    revocations: RevocationList,
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
        let key = SigningKey::generate();
        let mut store = Self {
            dir: dir.to_path_buf(),
            keyset: Keyset::new(issuer.clone(), vec![])?,
            revocations: RevocationList::empty(issuer, now),
        };
        store.write_private_key(&key)?;
        store.keyset = Keyset::new(
            store.keyset.issuer().clone(),
            vec![KeyRecord::active(&key, now)],
        )?;
        store.save()?;
        Ok(store)
    }

    /// Opens an existing store, re-checking every key id and that each private key matches its
    /// public record.
    ///
    /// # Errors
    /// [`CardError::Io`] for unreadable files, [`CardError::InvalidKey`] for inconsistent ones.
    pub fn open(dir: &Path) -> Result<Self, CardError> {
        let keyset = Keyset::from_jwks_json(&read(&dir.join(KEYSET))?)?;
        let state_path = dir.join(REVOCATION_STATE);
        let revocations = if state_path.exists() {
            serde_json::from_str(&read(&state_path)?).map_err(|e| {
                CardError::InvalidRevocationList(format!("{}: {e}", state_path.display()))
            })?
        } else {
            RevocationList::empty(keyset.issuer().clone(), 0)
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            keyset,
            revocations,
        })
    }

    /// The public keyset.
    pub fn keyset(&self) -> &Keyset {
        &self.keyset
    }

    /// The unsigned revocation list.
    pub fn revocations(&self) -> &RevocationList {
        &self.revocations
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
        let key = SigningKey::from_pkcs8_pem(&read(&path)?).map_err(|_| {
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
        self.save()?;
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
        self.save()
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
        if !self.revocations.compromised_keys.contains(kid) {
            self.revocations.compromised_keys.push(*kid);
        }
        self.revocations.issued_at = now;
        self.save()?;
        let path = self.private_path(kid);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CardError::io(&path, e)),
        }
    }

    /// Revokes one card.
    ///
    /// # Errors
    /// [`CardError::Io`] on write failure, or no active key to sign the list.
    pub fn revoke_card(&mut self, card: CardId, now: i64) -> Result<(), CardError> {
        if !self.revocations.cards.contains(&card) {
            self.revocations.cards.push(card);
        }
        self.revocations.issued_at = now;
        self.save()
    }

    /// Revokes every card of a member issued before `before`.
    ///
    /// # Errors
    /// [`CardError::Io`] on write failure, or no active key to sign the list.
    pub fn revoke_member(
        &mut self,
        org_id: u64,
        member_id: u64,
        before: i64,
        now: i64,
    ) -> Result<(), CardError> {
        let list = &mut self.revocations.members;
        match list
            .iter_mut()
            .find(|m| m.org_id == org_id && m.member_id == member_id)
        {
            Some(m) => m.before = m.before.max(before),
            None => list.push(MemberCutoff {
                org_id,
                member_id,
                before,
            }),
        }
        self.revocations.issued_at = now;
        self.save()
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
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(|e| CardError::io(&path, e))?;
        file.write_all(pem.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| CardError::io(&path, e))
    }

    /// Writes the keyset, the revocation state and a freshly signed revocation list.
    fn save(&self) -> Result<(), CardError> {
        write_atomic(
            &self.dir.join(KEYSET),
            self.keyset.to_jwks_json().as_bytes(),
        )?;
        let state = serde_json::to_string_pretty(&self.revocations).unwrap_or_default();
        write_atomic(&self.dir.join(REVOCATION_STATE), state.as_bytes())?;
        if let Ok(signer) = self.signer() {
            write_atomic(
                &self.signed_revocations_path(),
                self.revocations.sign(&signer).as_bytes(),
            )?;
        }
        Ok(())
    }
}

fn retire(k: &mut KeyRecord, now: i64) {
    k.status = KeyStatus::Retired;
    k.retired_at = Some(k.retired_at.unwrap_or(now));
}

fn read(path: &Path) -> Result<String, CardError> {
    fs::read_to_string(path).map_err(|e| CardError::io(path, e))
}

fn create_private_dir(path: &Path) -> Result<(), CardError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path).map_err(|e| CardError::io(path, e))
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CardError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| CardError::io(path, e))
}
