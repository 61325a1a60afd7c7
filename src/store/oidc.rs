//! Organizations' OpenID providers (the client secret sealed, never open here) and the sign-ins
//! started with them, kept as hashes until their callback uses them up.

use super::{StoreError, corrupt, for_both_databases, missing_as};
use crate::domain::oidc::{ClaimName, ClientId, Issuer, MatchOn, Provider, ProviderLabel};
use crate::domain::{Audit, MemberId, MemberStatus, OrgId, TokenHash};
use crate::seal::{KekId, Sealed};

/// A provider as stored, with its sealed client secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProvider {
    pub provider: Provider,
    pub secret: Sealed,
}

/// A sign-in attempt to be stored: only the hashes of its two secrets.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub state: TokenHash,
    pub browser: TokenHash,
    pub org_id: OrgId,
    pub expires_at: i64,
}

/// An attempt the callback took (and so deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenAttempt {
    pub org_id: OrgId,
    /// The hex SHA-256 of the browser secret.
    pub browser: String,
    pub expires_at: i64,
}

/// One organization's client secret sealed anew, replacing the seal made with `was`.
#[derive(Debug, Clone)]
pub struct SecretReseal {
    pub org_id: OrgId,
    pub was: KekId,
    pub sealed: Sealed,
}

/// OpenID providers and sign-in attempts.
#[async_trait::async_trait]
pub trait OidcStore: Send + Sync {
    /// The organization's provider, if it has one.
    async fn get_oidc_provider(&self, org_id: OrgId) -> Result<Option<StoredProvider>, StoreError>;
    /// Sets the organization's provider. Without `secret` the stored secret is kept, and an
    /// organization without a provider yet is `NotFound("client_secret")`.
    async fn put_oidc_provider(
        &self,
        provider: &Provider,
        secret: Option<&Sealed>,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Removes the organization's provider; `NotFound` when it has none.
    async fn delete_oidc_provider(&self, org_id: OrgId, audit: &Audit) -> Result<(), StoreError>;
    /// The organization with this (lowercased) domain, when it has a provider.
    async fn oidc_org_by_domain(&self, domain: &str) -> Result<Option<OrgId>, StoreError>;
    /// Every stored client secret, for a KEK rotation.
    async fn oidc_secrets(&self) -> Result<Vec<(OrgId, Sealed)>, StoreError>;
    /// Replaces client secrets with their new seals, in one transaction; a row sealed otherwise
    /// since it was read is left alone. Returns how many were replaced.
    async fn reseal_oidc_secrets(&self, secrets: &[SecretReseal]) -> Result<u64, StoreError>;
    /// Stores a started sign-in.
    async fn create_oidc_attempt(&self, attempt: &NewAttempt, now: i64) -> Result<(), StoreError>;
    /// Deletes and returns the attempt with this state hash: of two callbacks with one `state`,
    /// only one gets it. Expired attempts are returned too (the caller refuses them).
    async fn take_oidc_attempt(
        &self,
        state: &TokenHash,
    ) -> Result<Option<TakenAttempt>, StoreError>;
    /// Deletes attempts that expired by `now`; returns how many.
    async fn purge_oidc_attempts(&self, now: i64) -> Result<u64, StoreError>;
    /// The members of `org_id` whose e-mail (without regard to case) or employee id is `value`,
    /// active ones first (at most a few).
    async fn members_matching(
        &self,
        org_id: OrgId,
        match_on: MatchOn,
        value: &str,
    ) -> Result<Vec<(MemberId, MemberStatus)>, StoreError>;
    /// Writes an audit entry of its own (a failed sign-in, which changes nothing else).
    async fn record_audit(&self, audit: &Audit) -> Result<(), StoreError>;
}

const COLUMNS: &str =
    "org_id, issuer, client_id, client_secret, kek_id, match_on, claim, label, updated_at";

#[derive(sqlx::FromRow)]
struct ProviderRow {
    org_id: i64,
    issuer: String,
    client_id: String,
    client_secret: String,
    kek_id: String,
    match_on: String,
    claim: String,
    label: String,
    updated_at: i64,
}

impl TryFrom<ProviderRow> for StoredProvider {
    type Error = StoreError;
    fn try_from(r: ProviderRow) -> Result<Self, StoreError> {
        let bad = |what: &str, value: &str| corrupt(what, value);
        Ok(StoredProvider {
            provider: Provider {
                org_id: OrgId::new(r.org_id),
                issuer: Issuer::parse(&r.issuer).map_err(|_| bad("issuer", &r.issuer))?,
                client_id: ClientId::parse(&r.client_id)
                    .map_err(|_| bad("client id", &r.client_id))?,
                match_on: MatchOn::from_stored(&r.match_on)
                    .ok_or_else(|| bad("match_on", &r.match_on))?,
                claim: ClaimName::parse(&r.claim).map_err(|_| bad("claim", &r.claim))?,
                label: ProviderLabel::parse(&r.label).map_err(|_| bad("label", &r.label))?,
                updated_at: r.updated_at,
            },
            secret: Sealed {
                kek: KekId::parse(&r.kek_id)
                    .map_err(|_| bad("key-encryption key id", &r.kek_id))?,
                text: r.client_secret,
            },
        })
    }
}

for_both_databases! {
    #[async_trait::async_trait]
    impl OidcStore for Sql {
        async fn get_oidc_provider(&self, org_id: OrgId) -> Result<Option<StoredProvider>, StoreError> {
            sqlx::query_as::<_, ProviderRow>(&format!(
                "SELECT {COLUMNS} FROM oidc_providers WHERE org_id = $1"
            ))
            .bind(org_id.get())
            .fetch_optional(&self.pool)
            .await?
            .map(StoredProvider::try_from)
            .transpose()
        }

        async fn put_oidc_provider(&self, p: &Provider, secret: Option<&Sealed>, audit: &Audit) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            let written = match secret {
                Some(sealed) => sqlx::query(&format!(
                    "INSERT INTO oidc_providers ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, \
                     client_id = excluded.client_id, client_secret = excluded.client_secret, \
                     kek_id = excluded.kek_id, match_on = excluded.match_on, claim = excluded.claim, \
                     label = excluded.label, updated_at = excluded.updated_at"
                ))
                .bind(p.org_id.get())
                .bind(p.issuer.as_str())
                .bind(p.client_id.as_str())
                .bind(&sealed.text)
                .bind(sealed.kek.as_str())
                .bind(p.match_on.as_str())
                .bind(p.claim.as_str())
                .bind(p.label.as_str())
                .bind(p.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(missing_as("organization"))?,
                None => sqlx::query(
                    "UPDATE oidc_providers SET issuer = $2, client_id = $3, match_on = $4, \
                     claim = $5, label = $6, updated_at = $7 WHERE org_id = $1",
                )
                .bind(p.org_id.get())
                .bind(p.issuer.as_str())
                .bind(p.client_id.as_str())
                .bind(p.match_on.as_str())
                .bind(p.claim.as_str())
                .bind(p.label.as_str())
                .bind(p.updated_at)
                .execute(&mut *tx)
                .await?,
            };
            if written.rows_affected() == 0 {
                return Err(StoreError::NotFound("client_secret"));
            }
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn delete_oidc_provider(&self, org_id: OrgId, audit: &Audit) -> Result<(), StoreError> {
            let delete = sqlx::query("DELETE FROM oidc_providers WHERE org_id = $1").bind(org_id.get());
            self.change_one(delete, audit, "oidc provider").await
        }

        async fn oidc_org_by_domain(&self, domain: &str) -> Result<Option<OrgId>, StoreError> {
            let row: Option<(i64,)> = sqlx::query_as(
                "SELECT o.id FROM organizations o JOIN oidc_providers p ON p.org_id = o.id \
                 WHERE o.domain = $1",
            )
            .bind(domain)
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|(id,)| OrgId::new(id)))
        }

        async fn oidc_secrets(&self) -> Result<Vec<(OrgId, Sealed)>, StoreError> {
            let rows: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT org_id, client_secret, kek_id FROM oidc_providers ORDER BY org_id",
            )
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter()
                .map(|(org, text, kek)| {
                    let kek = KekId::parse(&kek).map_err(|_| corrupt("key-encryption key id", &kek))?;
                    Ok((OrgId::new(org), Sealed { kek, text }))
                })
                .collect()
        }

        async fn reseal_oidc_secrets(&self, secrets: &[SecretReseal]) -> Result<u64, StoreError> {
            let mut tx = self.begin_write().await?;
            let mut resealed = 0;
            for s in secrets {
                resealed += sqlx::query(
                    "UPDATE oidc_providers SET client_secret = $2, kek_id = $3 \
                     WHERE org_id = $1 AND kek_id = $4",
                )
                .bind(s.org_id.get())
                .bind(&s.sealed.text)
                .bind(s.sealed.kek.as_str())
                .bind(s.was.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            Ok(resealed)
        }

        async fn create_oidc_attempt(&self, a: &NewAttempt, now: i64) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO oidc_attempts (state_hash, browser_hash, org_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(a.state.as_str())
            .bind(a.browser.as_str())
            .bind(a.org_id.get())
            .bind(now)
            .bind(a.expires_at)
            .execute(self.writer())
            .await
            .map_err(missing_as("organization"))?;
            Ok(())
        }

        async fn take_oidc_attempt(&self, state: &TokenHash) -> Result<Option<TakenAttempt>, StoreError> {
            // The delete is the single-use guard: of two concurrent callbacks only one deletes
            // the row and sees it returned.
            let row: Option<(i64, String, i64)> = sqlx::query_as(
                "DELETE FROM oidc_attempts WHERE state_hash = $1 \
                 RETURNING org_id, browser_hash, expires_at",
            )
            .bind(state.as_str())
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|(org_id, browser, expires_at)| TakenAttempt {
                org_id: OrgId::new(org_id),
                browser,
                expires_at,
            }))
        }

        async fn purge_oidc_attempts(&self, now: i64) -> Result<u64, StoreError> {
            let done = sqlx::query("DELETE FROM oidc_attempts WHERE expires_at <= $1")
                .bind(now)
                .execute(self.writer())
                .await?;
            Ok(done.rows_affected())
        }

        async fn members_matching(&self, org_id: OrgId, match_on: MatchOn, value: &str) -> Result<Vec<(MemberId, MemberStatus)>, StoreError> {
            let filter = match match_on {
                MatchOn::Email => "lower(email) = lower($2)",
                MatchOn::EmployeeId => "employee_id = $2",
            };
            let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT id, status FROM members WHERE org_id = $1 AND {filter} \
                 ORDER BY CASE status WHEN 'active' THEN 0 ELSE 1 END, id LIMIT 3"
            ))
            .bind(org_id.get())
            .bind(value)
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter()
                .map(|(id, status)| {
                    let status = MemberStatus::from_stored(&status).ok_or_else(|| corrupt("member status", &status))?;
                    Ok((MemberId::new(id), status))
                })
                .collect()
        }

        async fn record_audit(&self, audit: &Audit) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }
    }
}
