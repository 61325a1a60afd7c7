//! Organizations' webhooks and the outbox of deliveries the events queue.

use super::{StoreError, for_both_databases, missing_as};
use crate::domain::{Audit, DeliveryId, OrgId};

/// An organization's webhook. The secret signs deliveries, so it is stored as given.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    pub org_id: OrgId,
    pub url: String,
    pub secret: String,
    pub created_at: i64,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("org_id", &self.org_id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A queued webhook event, claimed for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: DeliveryId,
    pub org_id: OrgId,
    pub event: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// Where to deliver, `None` when the webhook was removed since.
    pub webhook: Option<Webhook>,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    /// The receiver answered 2xx.
    Delivered,
    /// Failed; try again at `at`.
    Retry { at: i64, error: String },
    /// Failed for the last time.
    GiveUp { error: String },
}

/// Webhooks and their deliveries.
#[async_trait::async_trait]
pub trait WebhookStore: Send + Sync {
    /// Sets (or replaces) an organization's webhook.
    async fn set_webhook(&self, webhook: &Webhook, audit: &Audit) -> Result<(), StoreError>;
    /// Reads an organization's webhook.
    async fn get_webhook(&self, org_id: OrgId) -> Result<Option<Webhook>, StoreError>;
    /// Removes an organization's webhook; queued events for it will be given up.
    async fn delete_webhook(&self, org_id: OrgId, audit: &Audit) -> Result<(), StoreError>;
    /// Claims up to `limit` due deliveries for `lease_secs` (other instances skip them meanwhile).
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError>;
    /// Records how a delivery attempt ended.
    async fn finish_delivery(
        &self,
        id: DeliveryId,
        result: &DeliveryResult,
        now: i64,
    ) -> Result<(), StoreError>;
}

for_both_databases! {
    impl Sql {
        /// Claims up to `limit` due rows of an outbox table (`webhook_deliveries`, `mail_outbox`:
        /// both have `attempts`, `next_attempt_at`, `delivered_at`, `failed_at` and `last_error`)
        /// for `lease_secs`, returning the `returning` columns of each.
        pub(crate) async fn claim_due<R>(
            &self,
            table: &'static str,
            returning: &'static str,
            now: i64,
            lease_secs: i64,
            limit: i64,
        ) -> Result<Vec<R>, StoreError>
        where
            R: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
        {
            // The outer `next_attempt_at <= $1` is re-checked against the latest row version,
            // so two instances claiming at once never both take the same row.
            Ok(sqlx::query_as(&format!(
                "UPDATE {table} SET next_attempt_at = $2 \
                 WHERE next_attempt_at <= $1 AND delivered_at IS NULL AND failed_at IS NULL AND id IN \
                 (SELECT id FROM {table} WHERE delivered_at IS NULL AND failed_at IS NULL \
                  AND next_attempt_at <= $1 ORDER BY id LIMIT $3) \
                 RETURNING {returning}"
            ))
            .bind(now)
            .bind(now + lease_secs)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
        }

        /// Records how an attempt at a row of an outbox table ended (see [`Self::claim_due`]), in
        /// one update; `on_delivery` adds `SET` clauses for a delivered row (`, col = NULL`).
        pub(crate) async fn finish_attempt(
            &self,
            table: &'static str,
            id: i64,
            result: &DeliveryResult,
            now: i64,
            on_delivery: &'static str,
        ) -> Result<(), StoreError> {
            let (set, at, error) = match result {
                DeliveryResult::Delivered => ("delivered_at = $2, last_error = NULL", now, None),
                DeliveryResult::Retry { at, error } => ("next_attempt_at = $2, last_error = $3", *at, Some(error.as_str())),
                DeliveryResult::GiveUp { error } => ("failed_at = $2, last_error = $3", now, Some(error.as_str())),
            };
            let extra = if error.is_none() { on_delivery } else { "" };
            let sql = format!("UPDATE {table} SET attempts = attempts + 1, {set}{extra} WHERE id = $1");
            let query = sqlx::query(&sql).bind(id).bind(at);
            let query = match error {
                Some(e) => query.bind(e),
                None => query,
            };
            query.execute(self.writer()).await?;
            Ok(())
        }
    }

    #[async_trait::async_trait]
    impl WebhookStore for Sql {
        async fn set_webhook(&self, webhook: &Webhook, audit: &Audit) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "INSERT INTO webhooks (org_id, url, secret, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (org_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, \
                 created_at = excluded.created_at",
            )
            .bind(webhook.org_id.get())
            .bind(&webhook.url)
            .bind(&webhook.secret)
            .bind(webhook.created_at)
            .execute(&mut *tx)
            .await
            .map_err(missing_as("organization"))?;
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn get_webhook(&self, org_id: OrgId) -> Result<Option<Webhook>, StoreError> {
            let row: Option<(i64, String, String, i64)> =
                sqlx::query_as("SELECT org_id, url, secret, created_at FROM webhooks WHERE org_id = $1")
                    .bind(org_id.get())
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(row.map(|(org_id, url, secret, created_at)| Webhook {
                org_id: OrgId::new(org_id),
                url,
                secret,
                created_at,
            }))
        }

        async fn delete_webhook(&self, org_id: OrgId, audit: &Audit) -> Result<(), StoreError> {
            let delete = sqlx::query("DELETE FROM webhooks WHERE org_id = $1").bind(org_id.get());
            self.change_one(delete, audit, "webhook").await
        }

        async fn claim_deliveries(&self, now: i64, lease_secs: i64, limit: i64) -> Result<Vec<Delivery>, StoreError> {
            let claimed: Vec<(i64, i64, String, String, i64)> = self
                .claim_due("webhook_deliveries", "id, org_id, event, body, attempts", now, lease_secs, limit)
                .await?;
            let mut out = Vec::with_capacity(claimed.len());
            for (id, org_id, event, body, attempts) in claimed {
                let org_id = OrgId::new(org_id);
                let webhook = self.get_webhook(org_id).await?;
                out.push(Delivery { id: DeliveryId::new(id), org_id, event, body, attempts, webhook });
            }
            out.sort_by_key(|d| d.id);
            Ok(out)
        }

        async fn finish_delivery(&self, id: DeliveryId, result: &DeliveryResult, now: i64) -> Result<(), StoreError> {
            self.finish_attempt("webhook_deliveries", id.get(), result, now, "").await
        }
    }
}
