//! The service's signing keys: one active key (a unique index), retired keys that still verify,
//! and the ids of keys removed after a compromise.

use super::{Conflict, StoreError, classify, corrupt, first_wins, for_both_databases};
use crate::card::{KeyId, KeyStatus};
use crate::domain::Audit;

/// A signing key as stored: the private key as PKCS#8 PEM, so every instance can sign.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub kid: KeyId,
    pub private_pem: zeroize::Zeroizing<String>,
    pub status: KeyStatus,
    pub valid_from: i64,
    pub retired_at: Option<i64>,
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
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    private_pem: String,
    status: String,
    valid_from: i64,
    retired_at: Option<i64>,
}

impl TryFrom<KeyRow> for StoredKey {
    type Error = StoreError;
    fn try_from(r: KeyRow) -> Result<Self, StoreError> {
        Ok(StoredKey {
            kid: r.kid.parse().map_err(|_| corrupt("key id", &r.kid))?,
            private_pem: zeroize::Zeroizing::new(r.private_pem),
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
                "SELECT kid, private_pem, status, valid_from, retired_at FROM signing_keys ORDER BY valid_from, kid",
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
                let inserted = sqlx::query(
                    "INSERT INTO signing_keys (kid, private_pem, status, valid_from) VALUES ($1, $2, 'active', $3)",
                )
                .bind(key.kid.to_string())
                .bind(key.private_pem.as_str())
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
            let done = sqlx::query(
                "INSERT INTO signing_keys (kid, private_pem, status, valid_from) \
                 SELECT $1, $2, 'active', $3 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)",
            )
            .bind(key.kid.to_string())
            .bind(key.private_pem.as_str())
            .bind(key.valid_from)
            .execute(&self.pool)
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
    }
}
