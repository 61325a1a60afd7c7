//! The audit log and the events written with a change (an audit entry per organization it
//! concerns, and for organizations with a webhook a queued delivery), plus the health probe.

use super::{StoreError, corrupt, for_both_databases};
use crate::domain::{Audit, AuditEntry, AuditId, OrgId};

/// A change as it is recorded: the service builds it (its audit text and webhook payload), the
/// store writes it in the change's own transaction.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: i64,
    pub actor: String,
    /// The organizations it concerns; each gets an audit entry (once, even when listed twice).
    pub orgs: Vec<OrgId>,
    /// The audit action, also the webhook event name, e.g. `contact_request.created`.
    pub name: &'static str,
    pub target: String,
    pub detail: String,
    /// The webhook body (JSON), queued for each of `orgs` that has a webhook.
    pub payload: String,
}

/// Reading the audit log, and checking that the database takes writes.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Checks that the database answers and accepts a write (a full disk fails this, a read
    /// would not notice).
    async fn ping(&self, now: i64) -> Result<(), StoreError>;
    /// Reads the audit log (of one organization, or all of it), oldest first, after id `after`.
    async fn list_audit(
        &self,
        org_id: Option<OrgId>,
        after: AuditId,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError>;
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    actor: String,
    org_id: Option<i64>,
    action: String,
    target: String,
    detail: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: AuditId::new(r.id),
            at: r.at,
            actor: r.actor,
            org_id: r.org_id.map(OrgId::new),
            action: r.action,
            target: r.target,
            detail: r.detail,
        }
    }
}

/// Checks an event's organizations before anything is written.
fn distinct_orgs(event: &Event) -> Result<Vec<OrgId>, StoreError> {
    let mut orgs = event.orgs.clone();
    orgs.dedup();
    if orgs.is_empty() {
        return Err(corrupt("event without organization", event.name));
    }
    Ok(orgs)
}

for_both_databases! {
    impl Sql {
        /// Runs one changing statement and writes `audit` with it, in one transaction;
        /// `NotFound(missing)`, with nothing written, when the statement changed no row.
        pub(crate) async fn change_one<'q>(
            &self,
            change: sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>,
            audit: &Audit,
            missing: &'static str,
        ) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            if change.execute(&mut *tx).await?.rows_affected() == 0 {
                return Err(StoreError::NotFound(missing));
            }
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Writes one audit entry (in the caller's transaction).
        pub(crate) async fn write_audit(conn: &mut Conn, a: &Audit) -> Result<(), StoreError> {
            debug_assert!(
                crate::domain::audit::ACTIONS.contains(&a.action),
                "audit action {} is not in domain::audit::ACTIONS (nor its labels in app.ftl)",
                a.action
            );
            sqlx::query(
                "INSERT INTO audit_log (at, actor, org_id, action, target, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(a.at)
            .bind(&a.actor)
            .bind(a.org_id.map(OrgId::get))
            .bind(a.action)
            .bind(&a.target)
            .bind(&a.detail)
            .execute(conn)
            .await?;
            Ok(())
        }

        /// Writes an event: its audit entry in each organization and, where the organization has
        /// a webhook, a queued delivery (the outbox), in the caller's transaction.
        pub(crate) async fn write_event(conn: &mut Conn, e: &Event) -> Result<(), StoreError> {
            for org_id in distinct_orgs(e)? {
                let entry = Audit {
                    at: e.at,
                    actor: e.actor.clone(),
                    org_id: Some(org_id),
                    action: e.name,
                    target: e.target.clone(),
                    detail: e.detail.clone(),
                };
                Self::write_audit(&mut *conn, &entry).await?;
                sqlx::query(
                    "INSERT INTO webhook_deliveries (org_id, event, body, attempts, next_attempt_at, created_at) \
                     SELECT org_id, $2, $3, 0, $4, $4 FROM webhooks WHERE org_id = $1",
                )
                .bind(org_id.get())
                .bind(e.name)
                .bind(&e.payload)
                .bind(e.at)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        }
    }

    #[async_trait::async_trait]
    impl AuditStore for Sql {
        async fn ping(&self, now: i64) -> Result<(), StoreError> {
            // A write, committed: on a full disk a read still answers, this does not.
            let mut tx = self.begin_write().await?;
            sqlx::query("UPDATE health_probe SET checked_at = $1 WHERE id = 1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }

        async fn list_audit(
            &self,
            org_id: Option<OrgId>,
            after: AuditId,
            limit: i64,
        ) -> Result<Vec<AuditEntry>, StoreError> {
            let rows = sqlx::query_as::<_, AuditRow>(
                "SELECT id, at, actor, org_id, action, target, detail FROM audit_log \
                 WHERE ($1 IS NULL OR org_id = $1) AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(org_id.map(OrgId::get))
            .bind(after.get())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            Ok(rows.into_iter().map(AuditEntry::from).collect())
        }
    }
}
