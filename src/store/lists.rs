//! Published revocation lists and the secret their decoys come from.
//!
//! Every instance serves the stored list with the highest number. A new list takes the next
//! number, and the primary key lets only one instance take it: the others read again and adopt
//! the winner or sign on top of it. The decoy seed is sealed with the key-encryption key, like
//! the signing keys, and made once by the first instance that needs it.

use super::{StoreError, corrupt, first_wins, for_both_databases};
use crate::seal::{KekId, Sealed};

/// A signed revocation list as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredList {
    /// One more than the number of the list before it.
    pub number: u64,
    pub issued_at: i64,
    pub next_update: i64,
    /// SHA-256 (hex) of what the list says, without its number, time or decoys.
    pub content_digest: String,
    /// The signed JSON document.
    pub document: String,
}

/// One list secret sealed anew: replaced only while it is still sealed under `was`.
#[derive(Debug, Clone)]
pub struct ListSecretReseal {
    pub name: String,
    pub was: KekId,
    pub sealed: Sealed,
}

/// Revocation lists and their secrets.
#[async_trait::async_trait]
pub trait ListStore: Send + Sync {
    /// The list with the highest number, if any was published.
    async fn latest_list(&self) -> Result<Option<StoredList>, StoreError>;
    /// Publishes `list` if no list has its number yet; returns whether it did (`false`: another
    /// instance published that number first). Lists issued before `prune_before` are deleted
    /// with it, except the new one.
    async fn publish_list(&self, list: &StoredList, prune_before: i64) -> Result<bool, StoreError>;
    /// The sealed secret called `name`.
    async fn list_secret(&self, name: &str) -> Result<Option<Sealed>, StoreError>;
    /// Stores the secret `name` unless one is stored already; returns whether this one was.
    async fn create_list_secret(
        &self,
        name: &str,
        sealed: &Sealed,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Every stored list secret, sealed, by name (for `namecard kek rotate`).
    async fn list_secrets(&self) -> Result<Vec<(String, Sealed)>, StoreError>;
    /// Replaces secrets with their new seals, in one transaction; returns how many were.
    async fn reseal_list_secrets(&self, secrets: &[ListSecretReseal]) -> Result<u64, StoreError>;
}

#[derive(sqlx::FromRow)]
struct ListRow {
    number: i64,
    issued_at: i64,
    next_update: i64,
    content_digest: String,
    document: String,
}

impl TryFrom<ListRow> for StoredList {
    type Error = StoreError;
    fn try_from(r: ListRow) -> Result<Self, StoreError> {
        Ok(StoredList {
            number: u64::try_from(r.number).map_err(|_| corrupt("list number", r.number))?,
            issued_at: r.issued_at,
            next_update: r.next_update,
            content_digest: r.content_digest,
            document: r.document,
        })
    }
}

fn sealed_of(kek: &str, text: String) -> Result<Sealed, StoreError> {
    Ok(Sealed {
        kek: KekId::parse(kek).map_err(|_| corrupt("key-encryption key id", kek))?,
        text,
    })
}

for_both_databases! {
    #[async_trait::async_trait]
    impl ListStore for Sql {
        async fn latest_list(&self) -> Result<Option<StoredList>, StoreError> {
            sqlx::query_as::<_, ListRow>(
                "SELECT number, issued_at, next_update, content_digest, document \
                 FROM revocation_lists ORDER BY number DESC LIMIT 1",
            )
            .fetch_optional(&self.pool)
            .await?
            .map(StoredList::try_from)
            .transpose()
        }

        async fn publish_list(
            &self,
            list: &StoredList,
            prune_before: i64,
        ) -> Result<bool, StoreError> {
            let number = i64::try_from(list.number)
                .map_err(|_| StoreError::Corrupt(format!("list number {}", list.number)))?;
            let mut tx = self.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO revocation_lists (number, issued_at, next_update, content_digest, document) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(number)
            .bind(list.issued_at)
            .bind(list.next_update)
            .bind(&list.content_digest)
            .bind(&list.document)
            .execute(&mut *tx)
            .await;
            if !first_wins(inserted.map(|d| d.rows_affected()))? {
                return Ok(false);
            }
            sqlx::query("DELETE FROM revocation_lists WHERE issued_at < $1 AND number < $2")
                .bind(prune_before)
                .bind(number)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(true)
        }

        async fn list_secret(&self, name: &str) -> Result<Option<Sealed>, StoreError> {
            let row: Option<(String, String)> =
                sqlx::query_as("SELECT sealed, kek_id FROM list_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
            row.map(|(text, kek)| sealed_of(&kek, text)).transpose()
        }

        async fn create_list_secret(
            &self,
            name: &str,
            sealed: &Sealed,
            now: i64,
        ) -> Result<bool, StoreError> {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "INSERT INTO list_secrets (name, sealed, kek_id, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&sealed.text)
            .bind(sealed.kek.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await;
            let created = first_wins(done.map(|d| d.rows_affected()))?;
            tx.commit().await?;
            Ok(created)
        }

        async fn list_secrets(&self) -> Result<Vec<(String, Sealed)>, StoreError> {
            let rows: Vec<(String, String, String)> =
                sqlx::query_as("SELECT name, sealed, kek_id FROM list_secrets ORDER BY name")
                    .fetch_all(&self.pool)
                    .await?;
            rows.into_iter()
                .map(|(name, text, kek)| Ok((name, sealed_of(&kek, text)?)))
                .collect()
        }

        async fn reseal_list_secrets(
            &self,
            secrets: &[ListSecretReseal],
        ) -> Result<u64, StoreError> {
            let mut tx = self.begin_write().await?;
            let mut resealed = 0;
            for s in secrets {
                resealed += sqlx::query(
                    "UPDATE list_secrets SET sealed = $2, kek_id = $3 WHERE name = $1 AND kek_id = $4",
                )
                .bind(&s.name)
                .bind(&s.sealed.text)
                .bind(s.sealed.kek.as_str())
                .bind(s.was.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            if resealed > 0 {
                self.scrub().await;
            }
            Ok(resealed)
        }
    }
}
