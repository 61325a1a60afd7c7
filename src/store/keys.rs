//! The service's signing keys: one active key (a unique index), retired keys that still verify,
//! and the ids of keys removed after a compromise. Private keys are stored sealed with the
//! key-encryption key (`crate::seal`), the KEK's id beside each; the store never sees them open.

use super::{Conflict, StoreError, classify, corrupt, first_wins, for_both_databases};
use crate::card::{KeyId, KeyStatus};
use crate::domain::Audit;
use crate::seal::{KekId, Sealed};

/// A signing key as stored: its private half sealed, so every instance holding the KEK can sign.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub kid: KeyId,
    pub private_key: PrivateKey,
    pub status: KeyStatus,
    pub valid_from: i64,
    pub retired_at: Option<i64>,
}

/// A signing key's private half as stored.
#[derive(Clone, PartialEq, Eq)]
pub enum PrivateKey {
    /// Sealed with the key-encryption key: every key this version writes.
    Sealed(Sealed),
    /// PKCS#8 PEM in plaintext, as versions before migration 0011 wrote it; start-up seals it.
    Plaintext(zeroize::Zeroizing<String>),
}

/// One key's private half sealed anew: replaced only while the row is still as it was read
/// (`was`: the KEK that sealed it, `None` for plaintext).
#[derive(Debug, Clone)]
pub struct Reseal {
    pub kid: KeyId,
    pub was: Option<KekId>,
    pub sealed: Sealed,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Signing keys.
#[async_trait::async_trait]
pub trait KeyStore: Send + Sync {
    /// Lists every signing key.
    async fn list_keys(&self) -> Result<Vec<StoredKey>, StoreError>;
    /// Stores `key` as the active key and retires every other active key, in one transaction.
    async fn rotate_key(&self, key: &StoredKey, audit: &Audit) -> Result<(), StoreError>;
    /// Stores the first key if there is none yet; returns whether it was stored.
    async fn create_first_key(&self, key: &StoredKey) -> Result<bool, StoreError>;
    /// Retires a key: it stops signing but keeps verifying.
    async fn retire_key(&self, kid: &KeyId, audit: &Audit) -> Result<(), StoreError>;
    /// Deletes a retired key and lists it as compromised: cards it signed stop verifying.
    async fn remove_key(&self, kid: &KeyId, audit: &Audit) -> Result<(), StoreError>;
    /// Replaces private keys with their new seals, in one transaction, after which every key is
    /// sealed under `under`: a row changed since it was read is left alone (another instance
    /// sealed it), and if any key is then sealed otherwise (or not at all), nothing is changed
    /// and the answer is [`Conflict::KeySealing`]. Returns how many rows were replaced.
    async fn reseal_keys(&self, keys: &[Reseal], under: &KekId) -> Result<u64, StoreError>;
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    private_key: String,
    kek_id: Option<String>,
    status: String,
    valid_from: i64,
    retired_at: Option<i64>,
}

impl TryFrom<KeyRow> for StoredKey {
    type Error = StoreError;
    fn try_from(r: KeyRow) -> Result<Self, StoreError> {
        Ok(StoredKey {
            kid: r.kid.parse().map_err(|_| corrupt("key id", &r.kid))?,
            private_key: match r.kek_id {
                None => PrivateKey::Plaintext(zeroize::Zeroizing::new(r.private_key)),
                Some(kek) => PrivateKey::Sealed(Sealed {
                    kek: KekId::parse(&kek).map_err(|_| corrupt("key-encryption key id", &kek))?,
                    text: r.private_key,
                }),
            },
            status: match r.status.as_str() {
                "active" => KeyStatus::Active,
                "retired" => KeyStatus::Retired,
                other => return Err(corrupt("key status", other)),
            },
            valid_from: r.valid_from,
            retired_at: r.retired_at,
        })
    }
}

for_both_databases! {
    #[async_trait::async_trait]
    impl KeyStore for Sql {
        async fn list_keys(&self) -> Result<Vec<StoredKey>, StoreError> {
            sqlx::query_as::<_, KeyRow>(
                "SELECT kid, private_key, kek_id, status, valid_from, retired_at FROM signing_keys ORDER BY valid_from, kid",
            )
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(StoredKey::try_from)
            .collect()
        }

        async fn rotate_key(&self, key: &StoredKey, audit: &Audit) -> Result<(), StoreError> {
            // At most one active key is a unique index. A concurrent rotation on PostgreSQL
            // commits its new key after this one's retiring update looked: the insert then
            // breaks the index, and the next round retires that key too.
            for _ in 0..5 {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE signing_keys SET status = 'retired', retired_at = $1 WHERE status = 'active'")
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                let (private_key, kek_id) = columns(&key.private_key);
                let inserted = sqlx::query(
                    "INSERT INTO signing_keys (kid, private_key, kek_id, status, valid_from) \
                     VALUES ($1, $2, $3, 'active', $4)",
                )
                .bind(key.kid.to_string())
                .bind(private_key)
                .bind(kek_id)
                .bind(key.valid_from)
                .execute(&mut *tx)
                .await
                .map_err(classify(Conflict::Key, "key"));
                match inserted {
                    Err(StoreError::Conflict(_)) => continue,
                    other => other?,
                };
                Self::write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                return Ok(());
            }
            Err(StoreError::Conflict(Conflict::KeyRotation))
        }

        async fn create_first_key(&self, key: &StoredKey) -> Result<bool, StoreError> {
            let (private_key, kek_id) = columns(&key.private_key);
            let done = sqlx::query(
                "INSERT INTO signing_keys (kid, private_key, kek_id, status, valid_from) \
                 SELECT $1, $2, $3, 'active', $4 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)",
            )
            .bind(key.kid.to_string())
            .bind(private_key)
            .bind(kek_id)
            .bind(key.valid_from)
            .execute(self.writer())
            .await;
            // Instances starting together on an empty database: one active key, by the index.
            first_wins(done.map(|d| d.rows_affected()))
        }

        async fn retire_key(&self, kid: &KeyId, audit: &Audit) -> Result<(), StoreError> {
            let retire = sqlx::query(
                "UPDATE signing_keys SET status = 'retired', retired_at = $2 WHERE kid = $1 AND status = 'active'",
            )
            .bind(kid.to_string())
            .bind(audit.at);
            self.change_one(retire, audit, "active key").await
        }

        async fn remove_key(&self, kid: &KeyId, audit: &Audit) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query("DELETE FROM signing_keys WHERE kid = $1 AND status = 'retired'")
                .bind(kid.to_string())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("retired key"));
            }
            sqlx::query("INSERT INTO compromised_keys (kid, removed_at) VALUES ($1, $2)")
                .bind(kid.to_string())
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn reseal_keys(&self, keys: &[Reseal], under: &KekId) -> Result<u64, StoreError> {
            let mut tx = self.begin_write().await?;
            let mut replaced = 0;
            for key in keys {
                let was = key.was.as_ref().map(KekId::as_str);
                let done = sqlx::query(
                    "UPDATE signing_keys SET private_key = $2, kek_id = $3 \
                     WHERE kid = $1 AND (kek_id = $4 OR (kek_id IS NULL AND $5))",
                )
                .bind(key.kid.to_string())
                .bind(&key.sealed.text)
                .bind(key.sealed.kek.as_str())
                .bind(was)
                .bind(was.is_none())
                .execute(&mut *tx)
                .await?;
                replaced += done.rows_affected();
            }
            let others: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM signing_keys WHERE kek_id IS NULL OR kek_id <> $1",
            )
            .bind(under.as_str())
            .fetch_one(&mut *tx)
            .await?;
            if others > 0 {
                return Err(StoreError::Conflict(Conflict::KeySealing));
            }
            tx.commit().await?;
            if replaced > 0 {
                self.scrub().await;
            }
            Ok(replaced)
        }
    }
}

/// The `private_key` and `kek_id` columns of a key.
fn columns(key: &PrivateKey) -> (&str, Option<&str>) {
    match key {
        PrivateKey::Sealed(s) => (&s.text, Some(s.kek.as_str())),
        PrivateKey::Plaintext(pem) => (pem.as_str(), None),
    }
}
