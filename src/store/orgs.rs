//! Organizations and their partner lists.

use super::{Conflict, StoreError, classify, corrupt, for_both_databases, missing_as};
use crate::domain::{Audit, ContactPolicy, NewOrg, Org, OrgId, OrgPatch, Partner, TransferPeriod};
use crate::qr::Lang;

/// Organizations and partnerships.
#[async_trait::async_trait]
pub trait OrgStore: Send + Sync {
    /// Creates an organization.
    async fn create_org(&self, org: &NewOrg, audit: &Audit) -> Result<Org, StoreError>;
    /// Reads an organization.
    async fn get_org(&self, id: OrgId) -> Result<Org, StoreError>;
    /// Lists all organizations.
    async fn list_orgs(&self) -> Result<Vec<Org>, StoreError>;
    /// Changes an organization.
    async fn update_org(
        &self,
        id: OrgId,
        patch: &OrgPatch,
        audit: &Audit,
    ) -> Result<Org, StoreError>;
    /// Makes `partner_id` a partner of `org_id` (idempotent), whether or not an organization has
    /// that id.
    async fn add_partner(
        &self,
        org_id: OrgId,
        partner_id: OrgId,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Removes a partnership.
    async fn remove_partner(
        &self,
        org_id: OrgId,
        partner_id: OrgId,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Lists an organization's partners, by id; see [`Partner`].
    async fn list_partners(&self, org_id: OrgId) -> Result<Vec<Partner>, StoreError>;
}

/// The columns of [`OrgRow`], for `SELECT` and `RETURNING`.
const COLUMNS: &str =
    "id, name, domain, policy, created_at, transfer_period_secs, successor_routing, lang";

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    id: i64,
    name: String,
    domain: Option<String>,
    policy: String,
    created_at: i64,
    transfer_period_secs: i64,
    successor_routing: bool,
    lang: String,
}

impl TryFrom<OrgRow> for Org {
    type Error = StoreError;
    fn try_from(r: OrgRow) -> Result<Self, StoreError> {
        Ok(Org {
            id: OrgId::new(r.id),
            policy: ContactPolicy::parse(&r.policy).map_err(|_| corrupt("policy", &r.policy))?,
            name: r.name,
            domain: r.domain,
            created_at: r.created_at,
            transfer_period: TransferPeriod::from_secs(r.transfer_period_secs)
                .map_err(|_| corrupt("transfer period", r.transfer_period_secs))?,
            successor_routing: r.successor_routing,
            lang: Lang::parse(&r.lang).map_err(|_| corrupt("language", &r.lang))?,
        })
    }
}

for_both_databases! {
    impl Sql {
        /// Reads an organization (in the caller's connection or transaction).
        pub(crate) async fn fetch_org(conn: &mut Conn, id: OrgId) -> Result<Org, StoreError> {
            sqlx::query_as::<_, OrgRow>(&format!("SELECT {COLUMNS} FROM organizations WHERE id = $1"))
                .bind(id.get())
                .fetch_optional(conn)
                .await?
                .ok_or(StoreError::NotFound("organization"))?
                .try_into()
        }
    }

    #[async_trait::async_trait]
    impl OrgStore for Sql {
        async fn create_org(&self, org: &NewOrg, audit: &Audit) -> Result<Org, StoreError> {
            let mut tx = self.begin_write().await?;
            let row = sqlx::query_as::<_, OrgRow>(&format!(
                "INSERT INTO organizations (name, domain, policy, created_at, lang) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
            ))
            .bind(org.name.as_str())
            .bind(org.domain.as_ref().map(|d| d.as_str()))
            .bind(org.policy.as_str())
            .bind(audit.at)
            .bind(org.lang.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(classify(Conflict::Domain, "organization"))?;
            let org = Org::try_from(row)?;
            let audit = Audit {
                org_id: Some(org.id),
                target: format!("org/{}", org.id),
                ..audit.clone()
            };
            Self::write_audit(&mut tx, &audit).await?;
            tx.commit().await?;
            Ok(org)
        }

        async fn get_org(&self, id: OrgId) -> Result<Org, StoreError> {
            let mut conn = self.pool.acquire().await?;
            Self::fetch_org(&mut conn, id).await
        }

        async fn list_orgs(&self) -> Result<Vec<Org>, StoreError> {
            sqlx::query_as::<_, OrgRow>(&format!("SELECT {COLUMNS} FROM organizations ORDER BY id"))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Org::try_from)
                .collect()
        }

        async fn update_org(&self, id: OrgId, patch: &OrgPatch, audit: &Audit) -> Result<Org, StoreError> {
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "UPDATE organizations SET name = COALESCE($2, name), \
                 domain = CASE WHEN $3 THEN $4 ELSE domain END, policy = COALESCE($5, policy), \
                 transfer_period_secs = COALESCE($6, transfer_period_secs), \
                 successor_routing = COALESCE($7, successor_routing), \
                 lang = COALESCE($8, lang) WHERE id = $1",
            )
            .bind(id.get())
            .bind(patch.name.as_ref().map(|n| n.as_str()))
            .bind(patch.domain.is_some())
            .bind(patch.domain.as_ref().and_then(|d| d.as_ref().map(|d| d.as_str())))
            .bind(patch.policy.map(|p| p.as_str()))
            .bind(patch.transfer_period.map(TransferPeriod::secs))
            .bind(patch.successor_routing)
            .bind(patch.lang.as_ref().map(Lang::as_str))
            .execute(&mut *tx)
            .await
            .map_err(classify(Conflict::Domain, "organization"))?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("organization"));
            }
            Self::write_audit(&mut tx, audit).await?;
            let org = Self::fetch_org(&mut tx, id).await?;
            tx.commit().await?;
            Ok(org)
        }

        async fn add_partner(&self, org_id: OrgId, partner_id: OrgId, audit: &Audit) -> Result<(), StoreError> {
            if org_id == partner_id {
                return Err(StoreError::Conflict(Conflict::PartnershipWithItself));
            }
            let mut tx = self.begin_write().await?;
            let done = sqlx::query(
                "INSERT INTO partners (org_id, partner_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(org_id.get())
            .bind(partner_id.get())
            .bind(audit.at)
            .execute(&mut *tx)
            .await
            .map_err(missing_as("organization"))?;
            if done.rows_affected() == 0 {
                // Already a partner.
                return Ok(());
            }
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn remove_partner(&self, org_id: OrgId, partner_id: OrgId, audit: &Audit) -> Result<(), StoreError> {
            let remove = sqlx::query("DELETE FROM partners WHERE org_id = $1 AND partner_id = $2")
                .bind(org_id.get())
                .bind(partner_id.get());
            self.change_one(remove, audit, "partner").await
        }

        async fn list_partners(&self, org_id: OrgId) -> Result<Vec<Partner>, StoreError> {
            // The name comes through the other side's own listing: only an organization that
            // lists `org_id` back is named.
            let rows: Vec<(i64, Option<String>, i64)> = sqlx::query_as(
                "SELECT p.partner_id, o.name, p.created_at FROM partners p \
                 LEFT JOIN partners back ON back.org_id = p.partner_id AND back.partner_id = p.org_id \
                 LEFT JOIN organizations o ON o.id = back.org_id \
                 WHERE p.org_id = $1 ORDER BY p.partner_id",
            )
            .bind(org_id.get())
            .fetch_all(&self.pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(id, name, since)| Partner { id: OrgId::new(id), name, since })
                .collect())
        }
    }
}
