//! The one body of SQL behind both databases.
//!
//! [`impl_store!`] expands to `impl Store for $store` over a `pool: sqlx::Pool<$db>` field. The
//! queries use only what SQLite and PostgreSQL share (`$n` placeholders, `RETURNING`,
//! `ON CONFLICT`, `LIKE ... ESCAPE`), so the conformance suite exercises the same text on both.

use super::{Member, Org, StoreError, StoredKey, TokenInfo};
use crate::domain::{ContactPolicy, MemberStatus, Role};

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
    id: i64,
    name: String,
    domain: Option<String>,
    policy: String,
    created_at: i64,
}

impl TryFrom<OrgRow> for Org {
    type Error = StoreError;
    fn try_from(r: OrgRow) -> Result<Self, StoreError> {
        let policy =
            ContactPolicy::parse(&r.policy).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Org {
            id: r.id,
            name: r.name,
            domain: r.domain,
            policy,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    id: i64,
    org_id: i64,
    display_name: String,
    employee_id: String,
    title: Option<String>,
    mobile: Option<String>,
    phone_discoverable: bool,
    status: String,
    created_at: i64,
    deactivated_at: Option<i64>,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Member {
            id: r.id,
            org_id: r.org_id,
            display_name: r.display_name,
            employee_id: r.employee_id,
            title: r.title,
            mobile: r.mobile,
            phone_discoverable: r.phone_discoverable,
            status: MemberStatus::from_stored(&r.status),
            created_at: r.created_at,
            deactivated_at: r.deactivated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    role: String,
    org_id: Option<i64>,
    member_id: Option<i64>,
    label: String,
    created_at: i64,
}

impl TryFrom<TokenRow> for TokenInfo {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self, StoreError> {
        let role = Role::from_stored(&r.role)
            .ok_or_else(|| StoreError::Corrupt(format!("role {}", r.role)))?;
        Ok(TokenInfo {
            id: r.id,
            role,
            org_id: r.org_id,
            member_id: r.member_id,
            label: r.label,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct KeyRow {
    kid: String,
    private_pem: String,
    status: String,
    valid_from: i64,
    retired_at: Option<i64>,
}

impl From<KeyRow> for StoredKey {
    fn from(r: KeyRow) -> Self {
        StoredKey {
            kid: r.kid,
            private_pem: zeroize::Zeroizing::new(r.private_pem),
            status: r.status,
            valid_from: r.valid_from,
            retired_at: r.retired_at,
        }
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside `LIKE ... ESCAPE '\'`.
pub(crate) fn like_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub(crate) const MEMBER_COLUMNS: &str = "id, org_id, display_name, employee_id, title, mobile, phone_discoverable, status, created_at, deactivated_at";
pub(crate) const ORG_COLUMNS: &str = "id, name, domain, policy, created_at";
pub(crate) const CARD_COLUMNS: &str = "id, org_id, member_id, kid, is_primary, channel, one_time, issued_at, expires_at, text, revoked_at";

/// Expands to `impl Store for $store` for a store with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        use $crate::domain::{NewMember, TokenHash};
        use $crate::store::sql::{
            CARD_COLUMNS, KeyRow, MEMBER_COLUMNS, MemberRow, ORG_COLUMNS, OrgRow, TokenRow, like_pattern,
        };
        use $crate::store::{
            Audit, AuditEntry, CardRow, Member, MemberPatch, MemberQuery, NewOrg, NewToken, Org, OrgPatch,
            RevocationSnapshot, Store, StoreError, StoredKey, TokenInfo, conflict_as,
        };

        type Conn = <$db as sqlx::Database>::Connection;

        async fn write_audit(conn: &mut Conn, a: &Audit) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, org_id, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(a.at)
            .bind(&a.actor)
            .bind(a.org_id)
            .bind(a.action)
            .bind(&a.target)
            .bind(&a.detail)
            .execute(conn)
            .await?;
            Ok(())
        }

        async fn fetch_org(conn: &mut Conn, id: i64) -> Result<Org, StoreError> {
            sqlx::query_as::<_, OrgRow>(&format!("SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1"))
                .bind(id)
                .fetch_optional(conn)
                .await?
                .ok_or(StoreError::NotFound("organization"))?
                .try_into()
        }

        async fn fetch_member(conn: &mut Conn, org_id: i64, member_id: i64) -> Result<Member, StoreError> {
            sqlx::query_as::<_, MemberRow>(&format!(
                "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND id = $2"
            ))
            .bind(org_id)
            .bind(member_id)
            .fetch_optional(conn)
            .await?
            .map(Member::from)
            .ok_or(StoreError::NotFound("member"))
        }

        #[async_trait::async_trait]
        impl Store for $store {
            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_bootstrap_token(&self, hash: &TokenHash, now: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO tokens (hash, role, label, created_at) \
                     SELECT $1, 'operator', 'bootstrap', $2 \
                     WHERE NOT EXISTS (SELECT 1 FROM tokens WHERE role = 'operator')",
                )
                .bind(hash.as_str())
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn create_token(&self, token: &NewToken, audit: &Audit) -> Result<TokenInfo, StoreError> {
                let mut tx = self.pool.begin().await?;
                let row = sqlx::query_as::<_, TokenRow>(
                    "INSERT INTO tokens (hash, role, org_id, member_id, label, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     RETURNING id, role, org_id, member_id, label, created_at",
                )
                .bind(token.hash.as_str())
                .bind(token.role.as_str())
                .bind(token.org_id)
                .bind(token.member_id)
                .bind(&token.label)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(conflict_as("token"))?;
                let info = TokenInfo::try_from(row)?;
                let audit = Audit { target: format!("token/{}", info.id), ..audit.clone() };
                write_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(info)
            }

            async fn find_token(&self, hash: &TokenHash) -> Result<Option<TokenInfo>, StoreError> {
                let row = sqlx::query_as::<_, TokenRow>(
                    "SELECT t.id, t.role, t.org_id, t.member_id, t.label, t.created_at FROM tokens t \
                     LEFT JOIN members m ON m.id = t.member_id \
                     WHERE t.hash = $1 AND t.revoked_at IS NULL \
                     AND (t.member_id IS NULL OR m.status = 'active')",
                )
                .bind(hash.as_str())
                .fetch_optional(&self.pool)
                .await?;
                row.map(TokenInfo::try_from).transpose()
            }

            async fn revoke_token(&self, org_id: Option<i64>, token_id: i64, audit: &Audit) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
                     AND ($3 IS NULL OR org_id = $3)",
                )
                .bind(audit.at)
                .bind(token_id)
                .bind(org_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("token"));
                }
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_org(&self, org: &NewOrg, audit: &Audit) -> Result<Org, StoreError> {
                let mut tx = self.pool.begin().await?;
                let row = sqlx::query_as::<_, OrgRow>(&format!(
                    "INSERT INTO organizations (name, domain, policy, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING {ORG_COLUMNS}"
                ))
                .bind(org.name.as_str())
                .bind(org.domain.as_ref().map(|d| d.as_str()))
                .bind(org.policy.as_str())
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(conflict_as("domain"))?;
                let org = Org::try_from(row)?;
                let audit = Audit { org_id: Some(org.id), target: format!("org/{}", org.id), ..audit.clone() };
                write_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(org)
            }

            async fn get_org(&self, id: i64) -> Result<Org, StoreError> {
                let mut conn = self.pool.acquire().await?;
                fetch_org(&mut conn, id).await
            }

            async fn list_orgs(&self) -> Result<Vec<Org>, StoreError> {
                sqlx::query_as::<_, OrgRow>(&format!("SELECT {ORG_COLUMNS} FROM organizations ORDER BY id"))
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(Org::try_from)
                    .collect()
            }

            async fn update_org(&self, id: i64, patch: &OrgPatch, audit: &Audit) -> Result<Org, StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE organizations SET name = COALESCE($2, name), \
                     domain = CASE WHEN $3 THEN $4 ELSE domain END, policy = COALESCE($5, policy) WHERE id = $1",
                )
                .bind(id)
                .bind(patch.name.as_ref().map(|n| n.as_str()))
                .bind(patch.domain.is_some())
                .bind(patch.domain.as_ref().and_then(|d| d.as_ref().map(|d| d.as_str())))
                .bind(patch.policy.map(|p| p.as_str()))
                .execute(&mut *tx)
                .await
                .map_err(conflict_as("domain"))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("organization"));
                }
                write_audit(&mut tx, audit).await?;
                let org = fetch_org(&mut tx, id).await?;
                tx.commit().await?;
                Ok(org)
            }

            async fn add_partner(&self, org_id: i64, partner_id: i64, audit: &Audit) -> Result<(), StoreError> {
                if org_id == partner_id {
                    return Err(StoreError::Conflict("partnership with itself"));
                }
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "INSERT INTO partners (org_id, partner_id, created_at) \
                     SELECT $1, id, $3 FROM organizations WHERE id = $2 ON CONFLICT DO NOTHING",
                )
                .bind(org_id)
                .bind(partner_id)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    // Either already a partner (fine) or no such organization (404).
                    fetch_org(&mut tx, partner_id).await?;
                    return Ok(());
                }
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_partner(&self, org_id: i64, partner_id: i64, audit: &Audit) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query("DELETE FROM partners WHERE org_id = $1 AND partner_id = $2")
                    .bind(org_id)
                    .bind(partner_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("partner"));
                }
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_partners(&self, org_id: i64) -> Result<Vec<Org>, StoreError> {
                sqlx::query_as::<_, OrgRow>(
                    "SELECT o.id, o.name, o.domain, o.policy, o.created_at FROM partners p \
                     JOIN organizations o ON o.id = p.partner_id WHERE p.org_id = $1 ORDER BY o.id",
                )
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Org::try_from)
                .collect()
            }

            async fn create_members(
                &self,
                org_id: i64,
                members: &[NewMember],
                audit: &Audit,
            ) -> Result<Vec<Member>, StoreError> {
                let mut tx = self.pool.begin().await?;
                let mut created = Vec::with_capacity(members.len());
                for m in members {
                    let row = sqlx::query_as::<_, MemberRow>(&format!(
                        "INSERT INTO members (org_id, display_name, name_folded, employee_id, title, mobile, \
                         phone_discoverable, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8) \
                         RETURNING {MEMBER_COLUMNS}"
                    ))
                    .bind(org_id)
                    .bind(m.display_name.as_str())
                    .bind($crate::domain::fold_for_search(m.display_name.as_str()))
                    .bind(m.employee_id.as_str())
                    .bind(m.title.as_ref().map(|t| t.as_str()))
                    .bind(m.mobile.as_ref().map(|t| t.as_str()))
                    .bind(m.phone_discoverable)
                    .bind(audit.at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| match e.as_database_error() {
                        Some(db) if db.is_foreign_key_violation() => StoreError::NotFound("organization"),
                        _ => conflict_as("employee_id")(e),
                    })?;
                    let member = Member::from(row);
                    let entry = Audit {
                        org_id: Some(org_id),
                        target: format!("member/{}", member.id),
                        detail: format!("employee_id={}", member.employee_id),
                        ..audit.clone()
                    };
                    write_audit(&mut tx, &entry).await?;
                    created.push(member);
                }
                tx.commit().await?;
                Ok(created)
            }

            async fn get_member(&self, org_id: i64, member_id: i64) -> Result<Member, StoreError> {
                let mut conn = self.pool.acquire().await?;
                fetch_member(&mut conn, org_id, member_id).await
            }

            async fn update_member(
                &self,
                org_id: i64,
                member_id: i64,
                patch: &MemberPatch,
                audit: &Audit,
            ) -> Result<Member, StoreError> {
                let mut tx = self.pool.begin().await?;
                let name = patch.display_name.as_ref().map(|n| n.as_str());
                let done = sqlx::query(
                    "UPDATE members SET display_name = COALESCE($3, display_name), \
                     name_folded = COALESCE($4, name_folded), \
                     title = CASE WHEN $5 THEN $6 ELSE title END, \
                     mobile = CASE WHEN $7 THEN $8 ELSE mobile END, \
                     phone_discoverable = COALESCE($9, phone_discoverable) \
                     WHERE org_id = $1 AND id = $2 AND status = 'active'",
                )
                .bind(org_id)
                .bind(member_id)
                .bind(name)
                .bind(name.map($crate::domain::fold_for_search))
                .bind(patch.title.is_some())
                .bind(patch.title.as_ref().and_then(|t| t.as_ref().map(|t| t.as_str())))
                .bind(patch.mobile.is_some())
                .bind(patch.mobile.as_ref().and_then(|t| t.as_ref().map(|t| t.as_str())))
                .bind(patch.phone_discoverable)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("member"));
                }
                write_audit(&mut tx, audit).await?;
                let member = fetch_member(&mut tx, org_id, member_id).await?;
                tx.commit().await?;
                Ok(member)
            }

            async fn deactivate_member(
                &self,
                org_id: i64,
                member_id: i64,
                audit: &Audit,
            ) -> Result<Member, StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE members SET status = 'deactivated', deactivated_at = $3 \
                     WHERE org_id = $1 AND id = $2 AND status = 'active'",
                )
                .bind(org_id)
                .bind(member_id)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    sqlx::query("UPDATE cards SET revoked_at = $2 WHERE member_id = $1 AND revoked_at IS NULL")
                        .bind(member_id)
                        .bind(audit.at)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE member_id = $1 AND revoked_at IS NULL")
                        .bind(member_id)
                        .bind(audit.at)
                        .execute(&mut *tx)
                        .await?;
                    write_audit(&mut tx, audit).await?;
                }
                // Deactivating twice is not an error; a member of another organization is 404.
                let member = fetch_member(&mut tx, org_id, member_id).await?;
                tx.commit().await?;
                Ok(member)
            }

            async fn search_members(
                &self,
                org_id: i64,
                query: &MemberQuery,
                after: i64,
                limit: i64,
            ) -> Result<Vec<Member>, StoreError> {
                let (filter, arg) = match query {
                    MemberQuery::All => ("name_folded LIKE $2 ESCAPE '\\'", "%".to_owned()),
                    MemberQuery::NameContains(text) => ("name_folded LIKE $2 ESCAPE '\\'", like_pattern(text)),
                    MemberQuery::EmployeeId(id) => ("employee_id = $2", id.clone()),
                };
                let rows = sqlx::query_as::<_, MemberRow>(&format!(
                    "SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND status = 'active' AND {filter} \
                     AND id > $3 ORDER BY id LIMIT $4"
                ))
                .bind(org_id)
                .bind(arg)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Member::from).collect())
            }

            async fn list_keys(&self) -> Result<Vec<StoredKey>, StoreError> {
                let rows = sqlx::query_as::<_, KeyRow>(
                    "SELECT kid, private_pem, status, valid_from, retired_at FROM signing_keys ORDER BY valid_from, kid",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(StoredKey::from).collect())
            }

            async fn rotate_key(&self, key: &StoredKey, audit: &Audit) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("UPDATE signing_keys SET status = 'retired', retired_at = $1 WHERE status = 'active'")
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO signing_keys (kid, private_pem, status, valid_from) VALUES ($1, $2, 'active', $3)",
                )
                .bind(&key.kid)
                .bind(key.private_pem.as_str())
                .bind(key.valid_from)
                .execute(&mut *tx)
                .await
                .map_err(conflict_as("key"))?;
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_first_key(&self, key: &StoredKey) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO signing_keys (kid, private_pem, status, valid_from) \
                     SELECT $1, $2, 'active', $3 WHERE NOT EXISTS (SELECT 1 FROM signing_keys)",
                )
                .bind(&key.kid)
                .bind(key.private_pem.as_str())
                .bind(key.valid_from)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn retire_key(&self, kid: &str, audit: &Audit) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE signing_keys SET status = 'retired', retired_at = $2 WHERE kid = $1 AND status = 'active'",
                )
                .bind(kid)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("active key"));
                }
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_key(&self, kid: &str, audit: &Audit) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query("DELETE FROM signing_keys WHERE kid = $1 AND status = 'retired'")
                    .bind(kid)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("retired key"));
                }
                sqlx::query("INSERT INTO compromised_keys (kid, removed_at) VALUES ($1, $2)")
                    .bind(kid)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_card(&self, card: &CardRow, audit: Option<&Audit>) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                if card.is_primary {
                    sqlx::query(
                        "UPDATE cards SET revoked_at = $2 WHERE member_id = $1 AND is_primary AND revoked_at IS NULL",
                    )
                    .bind(card.member_id)
                    .bind(card.issued_at)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(&format!(
                    "INSERT INTO cards ({CARD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)"
                ))
                .bind(&card.id)
                .bind(card.org_id)
                .bind(card.member_id)
                .bind(&card.kid)
                .bind(card.is_primary)
                .bind(&card.channel)
                .bind(card.one_time)
                .bind(card.issued_at)
                .bind(card.expires_at)
                .bind(&card.text)
                .execute(&mut *tx)
                .await
                .map_err(conflict_as("card"))?;
                if let Some(audit) = audit {
                    write_audit(&mut tx, audit).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_cards(&self, org_id: i64, member_id: i64) -> Result<Vec<CardRow>, StoreError> {
                Ok(sqlx::query_as::<_, CardRow>(&format!(
                    "SELECT {CARD_COLUMNS} FROM cards WHERE org_id = $1 AND member_id = $2 \
                     ORDER BY issued_at DESC, id"
                ))
                .bind(org_id)
                .bind(member_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn primary_card(&self, org_id: i64, member_id: i64) -> Result<Option<CardRow>, StoreError> {
                Ok(sqlx::query_as::<_, CardRow>(&format!(
                    "SELECT {CARD_COLUMNS} FROM cards WHERE org_id = $1 AND member_id = $2 \
                     AND is_primary AND revoked_at IS NULL ORDER BY issued_at DESC LIMIT 1"
                ))
                .bind(org_id)
                .bind(member_id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn revoke_card(
                &self,
                org_id: i64,
                member_id: i64,
                card_id: &str,
                audit: &Audit,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE cards SET revoked_at = $4 WHERE org_id = $1 AND member_id = $2 AND id = $3 \
                     AND revoked_at IS NULL",
                )
                .bind(org_id)
                .bind(member_id)
                .bind(card_id)
                .bind(audit.at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("card"));
                }
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn revocations(&self, now: i64) -> Result<RevocationSnapshot, StoreError> {
                let cards: Vec<(String,)> = sqlx::query_as(
                    "SELECT id FROM cards WHERE revoked_at IS NOT NULL AND expires_at > $1 ORDER BY id",
                )
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
                let deactivated: Vec<(i64, i64, i64)> = sqlx::query_as(
                    "SELECT org_id, id, COALESCE(deactivated_at, 0) FROM members \
                     WHERE status = 'deactivated' ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                let compromised: Vec<(String,)> =
                    sqlx::query_as("SELECT kid FROM compromised_keys ORDER BY kid")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(RevocationSnapshot {
                    cards: cards.into_iter().map(|(c,)| c).collect(),
                    deactivated,
                    compromised_keys: compromised.into_iter().map(|(k,)| k).collect(),
                })
            }

            async fn list_audit(
                &self,
                org_id: Option<i64>,
                after: i64,
                limit: i64,
            ) -> Result<Vec<AuditEntry>, StoreError> {
                Ok(sqlx::query_as::<_, AuditEntry>(
                    "SELECT id, at, actor, org_id, action, target, detail FROM audit_log \
                     WHERE ($1 IS NULL OR org_id = $1) AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind(org_id)
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn create_signin_link(
                &self,
                link: &$crate::store::NewSigninLink,
                audit: &Audit,
            ) -> Result<i64, StoreError> {
                let mut tx = self.pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO signin_links (hash, role, org_id, member_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(link.hash.as_str())
                .bind(link.role.as_str())
                .bind(link.org_id)
                .bind(link.member_id)
                .bind(audit.at)
                .bind(link.expires_at)
                .fetch_one(&mut *tx)
                .await
                .map_err(conflict_as("signin link"))?;
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn redeem_signin_link(
                &self,
                link: &TokenHash,
                session: &TokenHash,
                now: i64,
            ) -> Result<Option<$crate::store::SessionInfo>, StoreError> {
                let mut tx = self.pool.begin().await?;
                // The conditional update is the single-use guard: of two concurrent redemptions
                // only one sees `used_at IS NULL` (PostgreSQL re-checks it after the row lock,
                // SQLite runs one writer at a time).
                let used: Option<(i64, String, i64, Option<i64>)> = sqlx::query_as(
                    "UPDATE signin_links SET used_at = $2 \
                     WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 \
                     RETURNING id, role, org_id, member_id",
                )
                .bind(link.as_str())
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((link_id, role, org_id, member_id)) = used else {
                    return Ok(None);
                };
                if let Some(member_id) = member_id {
                    if fetch_member(&mut tx, org_id, member_id).await?.status
                        != $crate::domain::MemberStatus::Active
                    {
                        return Ok(None);
                    }
                }
                let role = $crate::domain::Role::from_stored(&role)
                    .ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?;
                // The session's token is never shown to anyone: only the session secret is.
                let unused = $crate::domain::TokenSecret::generate().hash();
                let token = sqlx::query_as::<_, TokenRow>(
                    "INSERT INTO tokens (hash, role, org_id, member_id, label, created_at) \
                     VALUES ($1, $2, $3, $4, 'web session', $5) \
                     RETURNING id, role, org_id, member_id, label, created_at",
                )
                .bind(unused.as_str())
                .bind(role.as_str())
                .bind(org_id)
                .bind(member_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let token = TokenInfo::try_from(token)?;
                let expires_at = now + $crate::domain::session::session_lifetime(role);
                sqlx::query(
                    "INSERT INTO web_sessions (hash, token_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(session.as_str())
                .bind(token.id)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await
                .map_err(conflict_as("session"))?;
                let actor = token
                    .principal()
                    .ok_or_else(|| StoreError::Corrupt(format!("token {}", token.id)))?
                    .actor();
                let audit = Audit {
                    at: now,
                    actor,
                    org_id: Some(org_id),
                    action: "session.start",
                    target: format!("signin_link/{link_id}"),
                    detail: String::new(),
                };
                write_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(Some($crate::store::SessionInfo { token, expires_at }))
            }

            async fn find_session(
                &self,
                session: &TokenHash,
                now: i64,
            ) -> Result<Option<$crate::store::SessionInfo>, StoreError> {
                let row = sqlx::query_as::<_, $crate::store::sql::SessionRow>(
                    "SELECT t.id, t.role, t.org_id, t.member_id, t.label, t.created_at, s.expires_at \
                     FROM web_sessions s JOIN tokens t ON t.id = s.token_id \
                     LEFT JOIN members m ON m.id = t.member_id \
                     WHERE s.hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL \
                     AND (t.member_id IS NULL OR m.status = 'active')",
                )
                .bind(session.as_str())
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                row.map($crate::store::SessionInfo::try_from).transpose()
            }

            async fn end_session(&self, session: &TokenHash, now: i64) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE tokens SET revoked_at = $2 WHERE revoked_at IS NULL \
                     AND id = (SELECT token_id FROM web_sessions WHERE hash = $1)",
                )
                .bind(session.as_str())
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_store;

/// A session joined with its token.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    #[sqlx(flatten)]
    token: TokenRow,
    expires_at: i64,
}

impl TryFrom<SessionRow> for super::SessionInfo {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self, StoreError> {
        Ok(super::SessionInfo {
            token: r.token.try_into()?,
            expires_at: r.expires_at,
        })
    }
}
