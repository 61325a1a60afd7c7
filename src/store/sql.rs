//! The one body of SQL behind both databases.
//!
//! [`impl_store!`] expands to `impl Store for $store` over a `pool: sqlx::Pool<$db>` field. The
//! queries use only what SQLite and PostgreSQL share (`$n` placeholders, `RETURNING`,
//! `ON CONFLICT`, `LIKE ... ESCAPE`), so the conformance suite exercises the same text on both.

use super::{
    Contact, ContactRequest, Member, Org, OrgRef, Party, StoreError, StoredKey, TokenInfo,
};
use crate::domain::{ContactPolicy, MemberStatus, RequestStatus, Role, Via};

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

#[derive(sqlx::FromRow)]
pub(crate) struct RequestRow {
    id: i64,
    status: String,
    via: String,
    card_channel: Option<String>,
    created_at: i64,
    expires_at: i64,
    decided_at: Option<i64>,
    requester_id: i64,
    requester_name: String,
    requester_title: Option<String>,
    requester_org_id: i64,
    requester_org_name: String,
    owner_id: i64,
    owner_name: String,
    owner_title: Option<String>,
    owner_org_id: i64,
    owner_org_name: String,
}

impl RequestRow {
    /// The wire form as of `now`: a pending request past its expiry reads as expired.
    pub(crate) fn into_view(self, now: i64) -> Result<ContactRequest, StoreError> {
        let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v}"));
        let mut status =
            RequestStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        if status == RequestStatus::Pending && self.expires_at <= now {
            status = RequestStatus::Expired;
        }
        Ok(ContactRequest {
            id: self.id,
            status,
            via: Via::parse(&self.via).ok_or_else(|| corrupt("via", &self.via))?,
            card_channel: self.card_channel,
            requester: Party {
                member_id: self.requester_id,
                name: self.requester_name,
                title: self.requester_title,
                organization: OrgRef {
                    id: self.requester_org_id,
                    name: self.requester_org_name,
                },
            },
            owner: Party {
                member_id: self.owner_id,
                name: self.owner_name,
                title: self.owner_title,
                organization: OrgRef {
                    id: self.owner_org_id,
                    name: self.owner_org_name,
                },
            },
            created_at: self.created_at,
            expires_at: self.expires_at,
            decided_at: self.decided_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    id: i64,
    since: i64,
    member_id: i64,
    name: String,
    title: Option<String>,
    org_id: i64,
    org_name: String,
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        Contact {
            id: r.id,
            since: r.since,
            contact: Party {
                member_id: r.member_id,
                name: r.name,
                title: r.title,
                organization: OrgRef {
                    id: r.org_id,
                    name: r.org_name,
                },
            },
        }
    }
}

/// A request joined with both parties; filter with `WHERE` on alias `r`.
pub(crate) const REQUEST_SELECT: &str = "SELECT r.id, r.status, r.via, r.card_channel, r.created_at, r.expires_at, \
     r.decided_at, r.requester_id, rm.display_name AS requester_name, rm.title AS requester_title, \
     r.requester_org_id, ro.name AS requester_org_name, r.owner_id, om.display_name AS owner_name, \
     om.title AS owner_title, r.owner_org_id, oo.name AS owner_org_name \
     FROM contact_requests r \
     JOIN members rm ON rm.id = r.requester_id JOIN organizations ro ON ro.id = r.requester_org_id \
     JOIN members om ON om.id = r.owner_id JOIN organizations oo ON oo.id = r.owner_org_id";

/// A relation seen from member `$1`: the other member and organization; filter on alias `c`.
pub(crate) const CONTACT_SELECT: &str = "SELECT c.id, c.created_at AS since, om.id AS member_id, \
     om.display_name AS name, om.title, oo.id AS org_id, oo.name AS org_name \
     FROM external_contacts c \
     JOIN members om ON om.id = CASE WHEN c.member_a = $1 THEN c.member_b ELSE c.member_a END \
     JOIN organizations oo ON oo.id = om.org_id";

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
        use $crate::domain::{Decision, Mobile, RequestStatus};
        use $crate::store::sql::{
            CARD_COLUMNS, CONTACT_SELECT, ContactRow, KeyRow, MEMBER_COLUMNS, MemberRow, ORG_COLUMNS, OrgRow,
            REQUEST_SELECT, RequestRow, TokenRow, like_pattern,
        };
        use $crate::store::{
            Audit, AuditEntry, CardRow, CardState, Contact, ContactRequest, Delivery, DeliveryResult, Direction,
            Member, MemberPatch, MemberQuery, NewContactRequest, NewOrg, NewToken, Org, OrgPatch, RequestCreated,
            RevocationSnapshot, Store, StoreError, StoredKey, TokenInfo, Webhook, conflict_as,
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

        async fn fetch_request(conn: &mut Conn, id: i64, now: i64) -> Result<ContactRequest, StoreError> {
            sqlx::query_as::<_, RequestRow>(&format!("{REQUEST_SELECT} WHERE r.id = $1"))
                .bind(id)
                .fetch_optional(conn)
                .await?
                .ok_or(StoreError::NotFound("contact request"))?
                .into_view(now)
        }

        /// The pair's pending, unexpired request, if any.
        async fn fetch_pending(
            conn: &mut Conn,
            requester_id: i64,
            owner_id: i64,
            now: i64,
        ) -> Result<Option<ContactRequest>, StoreError> {
            sqlx::query_as::<_, RequestRow>(&format!(
                "{REQUEST_SELECT} WHERE r.requester_id = $1 AND r.owner_id = $2 AND r.status = 'pending' \
                 AND r.expires_at > $3"
            ))
            .bind(requester_id)
            .bind(owner_id)
            .bind(now)
            .fetch_optional(conn)
            .await?
            .map(|r| r.into_view(now))
            .transpose()
        }

        async fn fetch_contact(conn: &mut Conn, member_id: i64, other_id: i64) -> Result<Option<Contact>, StoreError> {
            let (a, b) = $crate::domain::contact::relation_pair(member_id, other_id);
            Ok(sqlx::query_as::<_, ContactRow>(&format!(
                "{CONTACT_SELECT} WHERE c.member_a = $2 AND c.member_b = $3"
            ))
            .bind(member_id)
            .bind(a)
            .bind(b)
            .fetch_optional(conn)
            .await?
            .map(Contact::from))
        }

        /// A contact change: its audit entry and webhook event, written once per organization.
        struct Event<'a> {
            orgs: [i64; 2],
            name: &'static str,
            target: String,
            detail: String,
            data: serde_json::Value,
            at: i64,
            actor: &'a str,
        }

        /// Writes the audit entry and queues the webhook event of a contact change, once for each
        /// organization involved.
        async fn contact_event(conn: &mut Conn, e: Event<'_>) -> Result<(), StoreError> {
            let body = serde_json::json!({ "event": e.name, "at": e.at, "data": e.data }).to_string();
            let orgs: &[i64] = if e.orgs[0] == e.orgs[1] { &e.orgs[..1] } else { &e.orgs };
            for &org_id in orgs {
                let entry = Audit {
                    at: e.at,
                    actor: e.actor.to_owned(),
                    org_id: Some(org_id),
                    action: e.name,
                    target: e.target.clone(),
                    detail: e.detail.clone(),
                };
                write_audit(&mut *conn, &entry).await?;
                sqlx::query(
                    "INSERT INTO webhook_deliveries (org_id, event, body, attempts, next_attempt_at, created_at) \
                     SELECT org_id, $2, $3, 0, $4, $4 FROM webhooks WHERE org_id = $1",
                )
                .bind(org_id)
                .bind(e.name)
                .bind(&body)
                .bind(e.at)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        }

        fn request_event_data(r: &ContactRequest) -> (String, String, serde_json::Value) {
            (
                format!("contact_request/{}", r.id),
                format!("requester=member/{} owner=member/{}", r.requester.member_id, r.owner.member_id),
                serde_json::to_value(r).unwrap_or(serde_json::Value::Null),
            )
        }

        #[async_trait::async_trait]
        impl Store for $store {
            async fn ping(&self) -> Result<(), StoreError> {
                // A write, committed: on a full disk a read still answers, this does not.
                let mut tx = self.pool.begin().await?;
                sqlx::query("UPDATE health_probe SET checked_at = $1 WHERE id = 1")
                    .bind(std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
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
                .await;
                // Instances starting together: the unique index lets one of them win.
                match done {
                    Ok(done) => Ok(done.rows_affected() == 1),
                    Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => Ok(false),
                    Err(e) => Err(e.into()),
                }
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
                // At most one active key is a unique index. A concurrent rotation on PostgreSQL
                // commits its new key after this one's retiring update looked: the insert then
                // breaks the index, and the next round retires that key too.
                for _ in 0..5 {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query("UPDATE signing_keys SET status = 'retired', retired_at = $1 WHERE status = 'active'")
                        .bind(audit.at)
                        .execute(&mut *tx)
                        .await?;
                    let inserted = sqlx::query(
                        "INSERT INTO signing_keys (kid, private_pem, status, valid_from) VALUES ($1, $2, 'active', $3)",
                    )
                    .bind(&key.kid)
                    .bind(key.private_pem.as_str())
                    .bind(key.valid_from)
                    .execute(&mut *tx)
                    .await
                    .map_err(conflict_as("key"));
                    match inserted {
                        Err(StoreError::Conflict(_)) => continue,
                        other => other?,
                    };
                    write_audit(&mut tx, audit).await?;
                    tx.commit().await?;
                    return Ok(());
                }
                Err(StoreError::Conflict("key rotation"))
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
                .await;
                // Instances starting together on an empty database: one active key, by the index.
                match done {
                    Ok(done) => Ok(done.rows_affected() == 1),
                    Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => Ok(false),
                    Err(e) => Err(e.into()),
                }
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
                // A write to the member's row first: it takes the row's lock on PostgreSQL (the
                // write lock on SQLite), so two resets of one member run one after the other and
                // the second revokes the first's card; and it refuses a member deactivated
                // meanwhile, whose cards the deactivation has just revoked.
                let member = sqlx::query(
                    "UPDATE members SET status = status WHERE id = $1 AND org_id = $2 AND status = 'active'",
                )
                .bind(card.member_id)
                .bind(card.org_id)
                .execute(&mut *tx)
                .await?;
                if member.rows_affected() == 0 {
                    return Err(StoreError::NotFound("member"));
                }
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

            async fn card_state(&self, card_id: &str) -> Result<Option<CardState>, StoreError> {
                let row: Option<(i64, i64, Option<i64>, bool, Option<i64>)> = sqlx::query_as(
                    "SELECT org_id, member_id, revoked_at, one_time, used_at FROM cards WHERE id = $1",
                )
                .bind(card_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(org_id, member_id, revoked_at, one_time, used_at)| CardState {
                    org_id,
                    member_id,
                    revoked_at,
                    one_time,
                    used_at,
                }))
            }

            async fn create_contact_request(
                &self,
                req: &NewContactRequest,
                actor: &str,
            ) -> Result<RequestCreated, StoreError> {
                // A concurrent creation for the same pair makes the insert a no-op; the retry then
                // finds that request pending.
                for _ in 0..3 {
                    let mut tx = self.pool.begin().await?;
                    // A write first: on SQLite it takes the write lock before anything is read, so
                    // concurrent creations queue instead of failing on a stale snapshot.
                    sqlx::query(
                        "UPDATE contact_requests SET status = 'expired', decided_at = expires_at \
                         WHERE requester_id = $1 AND owner_id = $2 AND status = 'pending' AND expires_at <= $3",
                    )
                    .bind(req.requester_id)
                    .bind(req.owner_id)
                    .bind(req.created_at)
                    .execute(&mut *tx)
                    .await?;
                    if let Some(contact) = fetch_contact(&mut tx, req.requester_id, req.owner_id).await? {
                        return Ok(RequestCreated::AlreadyConnected(contact));
                    }
                    if let Some(pending) = fetch_pending(&mut tx, req.requester_id, req.owner_id, req.created_at).await? {
                        return Ok(RequestCreated::AlreadyPending(pending));
                    }
                    let inserted: Option<(i64,)> = sqlx::query_as(
                        "INSERT INTO contact_requests (requester_org_id, requester_id, owner_org_id, owner_id, via, \
                         card_id, card_channel, status, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9) \
                         ON CONFLICT (requester_id, owner_id) WHERE status = 'pending' DO NOTHING RETURNING id",
                    )
                    .bind(req.requester_org_id)
                    .bind(req.requester_id)
                    .bind(req.owner_org_id)
                    .bind(req.owner_id)
                    .bind(req.via.as_str())
                    .bind(&req.card_id)
                    .bind(&req.card_channel)
                    .bind(req.created_at)
                    .bind(req.expires_at)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((id,)) = inserted else {
                        tx.rollback().await?;
                        continue;
                    };
                    if req.one_time_card {
                        let used = sqlx::query("UPDATE cards SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
                            .bind(&req.card_id)
                            .bind(req.created_at)
                            .execute(&mut *tx)
                            .await?;
                        if used.rows_affected() == 0 {
                            tx.rollback().await?;
                            return Ok(RequestCreated::CardAlreadyUsed);
                        }
                    }
                    let view = fetch_request(&mut tx, id, req.created_at).await?;
                    let (target, detail, data) = request_event_data(&view);
                    let event = Event {
                        orgs: [req.requester_org_id, req.owner_org_id],
                        name: "contact_request.created",
                        target,
                        detail,
                        data,
                        at: req.created_at,
                        actor,
                    };
                    contact_event(&mut tx, event).await?;
                    tx.commit().await?;
                    return Ok(RequestCreated::Created(view));
                }
                Err(StoreError::Conflict("contact request"))
            }

            async fn get_contact_request(&self, id: i64, now: i64) -> Result<ContactRequest, StoreError> {
                let mut conn = self.pool.acquire().await?;
                fetch_request(&mut conn, id, now).await
            }

            async fn decide_contact_request(
                &self,
                id: i64,
                member_id: i64,
                decision: Decision,
                now: i64,
                actor: &str,
            ) -> Result<Option<ContactRequest>, StoreError> {
                let mut tx = self.pool.begin().await?;
                // The conditional update is the decision: of concurrent decisions exactly one
                // finds the request still pending.
                let done = sqlx::query(
                    "UPDATE contact_requests SET status = $2, decided_at = $3 \
                     WHERE id = $1 AND status = 'pending' AND expires_at > $3 \
                     AND (CASE WHEN $4 THEN owner_id ELSE requester_id END) = $5",
                )
                .bind(id)
                .bind(decision.outcome().as_str())
                .bind(now)
                .bind(decision.by_owner())
                .bind(member_id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let view = fetch_request(&mut tx, id, now).await?;
                if decision == Decision::Accept {
                    let (a, b) = $crate::domain::contact::relation_pair(view.requester.member_id, view.owner.member_id);
                    sqlx::query(
                        "INSERT INTO external_contacts (member_a, member_b, request_id, created_at) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (member_a, member_b) DO NOTHING",
                    )
                    .bind(a)
                    .bind(b)
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                let (target, detail, data) = request_event_data(&view);
                let event = Event {
                    orgs: [view.requester.organization.id, view.owner.organization.id],
                    name: decision.event(),
                    target,
                    detail,
                    data,
                    at: now,
                    actor,
                };
                contact_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(Some(view))
            }

            async fn list_contact_requests(
                &self,
                member_id: i64,
                direction: Direction,
                status: Option<RequestStatus>,
                now: i64,
                before: i64,
                limit: i64,
            ) -> Result<Vec<ContactRequest>, StoreError> {
                let side = match direction {
                    Direction::Incoming => "r.owner_id",
                    Direction::Outgoing => "r.requester_id",
                };
                let before = if before <= 0 { i64::MAX } else { before };
                let rows = sqlx::query_as::<_, RequestRow>(&format!(
                    "{REQUEST_SELECT} WHERE {side} = $1 AND r.id < $2 AND ($3 IS NULL OR \
                     (CASE WHEN r.status = 'pending' AND r.expires_at <= $4 THEN 'expired' ELSE r.status END) = $3) \
                     ORDER BY r.id DESC LIMIT $5"
                ))
                .bind(member_id)
                .bind(before)
                .bind(status.map(RequestStatus::as_str))
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(|r| r.into_view(now)).collect()
            }

            async fn expire_contact_requests(&self, now: i64) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE contact_requests SET status = 'expired', decided_at = expires_at \
                     WHERE status = 'pending' AND expires_at <= $1",
                )
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn pending_request(&self, requester_id: i64, owner_id: i64, now: i64) -> Result<Option<ContactRequest>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                fetch_pending(&mut conn, requester_id, owner_id, now).await
            }

            async fn find_contact(&self, member_id: i64, other_id: i64) -> Result<Option<Contact>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                fetch_contact(&mut conn, member_id, other_id).await
            }

            async fn list_contacts(&self, member_id: i64, before: i64, limit: i64) -> Result<Vec<Contact>, StoreError> {
                let before = if before <= 0 { i64::MAX } else { before };
                let rows = sqlx::query_as::<_, ContactRow>(&format!(
                    "{CONTACT_SELECT} JOIN members me ON me.id = $1 JOIN organizations mo ON mo.id = me.org_id \
                     WHERE (c.member_a = $1 OR c.member_b = $1) AND c.id < $2 \
                     AND me.status = 'active' AND om.status = 'active' \
                     AND mo.policy <> 'disabled' AND oo.policy <> 'disabled' \
                     ORDER BY c.id DESC LIMIT $3"
                ))
                .bind(member_id)
                .bind(before)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Contact::from).collect())
            }

            async fn remove_contact(&self, member_id: i64, contact_id: i64, at: i64, actor: &str) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                // Delete first: of two concurrent removals only one finds the row, and on SQLite
                // the transaction holds the write lock before it reads anything.
                let pair: Option<(i64, i64)> = sqlx::query_as(
                    "DELETE FROM external_contacts WHERE id = $2 AND (member_a = $1 OR member_b = $1) \
                     RETURNING member_a, member_b",
                )
                .bind(member_id)
                .bind(contact_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((a, b)) = pair else {
                    return Err(StoreError::NotFound("contact"));
                };
                let other_id = if a == member_id { b } else { a };
                let other: (i64, String, Option<String>, i64, String) = sqlx::query_as(
                    "SELECT m.id, m.display_name, m.title, o.id, o.name FROM members m \
                     JOIN organizations o ON o.id = m.org_id WHERE m.id = $1",
                )
                .bind(other_id)
                .fetch_one(&mut *tx)
                .await?;
                let own_org: (i64,) = sqlx::query_as("SELECT org_id FROM members WHERE id = $1")
                    .bind(member_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let other = $crate::store::Party {
                    member_id: other.0,
                    name: other.1,
                    title: other.2,
                    organization: $crate::store::OrgRef { id: other.3, name: other.4 },
                };
                let event = Event {
                    orgs: [own_org.0, other.organization.id],
                    name: "contact.removed",
                    target: format!("contact/{contact_id}"),
                    detail: format!("member/{member_id} removed member/{other_id}"),
                    data: serde_json::json!({ "contact_id": contact_id, "removed_by": member_id, "other": other }),
                    at,
                    actor,
                };
                contact_event(&mut tx, event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_phone_lookup(&self, member_id: i64, now: i64, window_secs: i64) -> Result<i64, StoreError> {
                let (lookups,): (i64,) = sqlx::query_as(
                    "INSERT INTO phone_lookup_windows (member_id, window_start, lookups) VALUES ($1, $2, 1) \
                     ON CONFLICT (member_id) DO UPDATE SET \
                     lookups = CASE WHEN phone_lookup_windows.window_start <= $2 - $3 THEN 1 \
                               ELSE phone_lookup_windows.lookups + 1 END, \
                     window_start = CASE WHEN phone_lookup_windows.window_start <= $2 - $3 THEN $2 \
                                    ELSE phone_lookup_windows.window_start END \
                     RETURNING lookups",
                )
                .bind(member_id)
                .bind(now)
                .bind(window_secs)
                .fetch_one(&self.pool)
                .await?;
                Ok(lookups)
            }

            async fn find_discoverable_member(
                &self,
                mobile: &Mobile,
                requester_org: i64,
            ) -> Result<Option<Member>, StoreError> {
                // The rules of domain::contact::check_policies, folded into the one lookup.
                let allows = |own: &str, other: &str| {
                    format!(
                        "({own}.policy = 'open' OR ({own}.policy = 'partners_only' AND EXISTS \
                         (SELECT 1 FROM partners p WHERE p.org_id = {own}.id AND p.partner_id = {other}.id)))"
                    )
                };
                Ok(sqlx::query_as::<_, MemberRow>(&format!(
                    "SELECT m.id, m.org_id, m.display_name, m.employee_id, m.title, m.mobile, m.phone_discoverable, \
                     m.status, m.created_at, m.deactivated_at FROM members m \
                     JOIN organizations o ON o.id = m.org_id JOIN organizations r ON r.id = $2 \
                     WHERE m.mobile = $1 AND m.phone_discoverable AND m.status = 'active' \
                     AND (o.id = r.id OR ({} AND {})) ORDER BY m.id LIMIT 1",
                    allows("r", "o"),
                    allows("o", "r"),
                ))
                .bind(mobile.as_str())
                .bind(requester_org)
                .fetch_optional(&self.pool)
                .await?
                .map(Member::from))
            }

            async fn set_webhook(&self, webhook: &Webhook, audit: &Audit) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO webhooks (org_id, url, secret, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (org_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, \
                     created_at = excluded.created_at",
                )
                .bind(webhook.org_id)
                .bind(&webhook.url)
                .bind(&webhook.secret)
                .bind(webhook.created_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| match e.as_database_error() {
                    Some(db) if db.is_foreign_key_violation() => StoreError::NotFound("organization"),
                    _ => StoreError::from(e),
                })?;
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_webhook(&self, org_id: i64) -> Result<Option<Webhook>, StoreError> {
                let row: Option<(i64, String, String, i64)> =
                    sqlx::query_as("SELECT org_id, url, secret, created_at FROM webhooks WHERE org_id = $1")
                        .bind(org_id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(|(org_id, url, secret, created_at)| Webhook { org_id, url, secret, created_at }))
            }

            async fn delete_webhook(&self, org_id: i64, audit: &Audit) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query("DELETE FROM webhooks WHERE org_id = $1")
                    .bind(org_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound("webhook"));
                }
                write_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn claim_deliveries(&self, now: i64, lease_secs: i64, limit: i64) -> Result<Vec<Delivery>, StoreError> {
                // The outer `next_attempt_at <= $1` is re-checked against the latest row version,
                // so two instances claiming at once never both take the same delivery.
                let claimed: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
                    "UPDATE webhook_deliveries SET next_attempt_at = $2 \
                     WHERE next_attempt_at <= $1 AND delivered_at IS NULL AND failed_at IS NULL AND id IN \
                     (SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL \
                      AND next_attempt_at <= $1 ORDER BY id LIMIT $3) \
                     RETURNING id, org_id, event, body, attempts",
                )
                .bind(now)
                .bind(now + lease_secs)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(claimed.len());
                for (id, org_id, event, body, attempts) in claimed {
                    let webhook = self.get_webhook(org_id).await?;
                    out.push(Delivery { id, org_id, event, body, attempts, webhook });
                }
                out.sort_by_key(|d| d.id);
                Ok(out)
            }

            async fn finish_delivery(&self, id: i64, result: &DeliveryResult, now: i64) -> Result<(), StoreError> {
                let query = match result {
                    DeliveryResult::Delivered => sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = $2, last_error = NULL \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now),
                    DeliveryResult::Retry { at, error } => sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(*at)
                    .bind(error.as_str()),
                    DeliveryResult::GiveUp { error } => sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, failed_at = $2, last_error = $3 \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(now)
                    .bind(error.as_str()),
                };
                query.execute(&self.pool).await?;
                Ok(())
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

            async fn purge_expired_signins(&self, now: i64) -> Result<u64, StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "UPDATE tokens SET revoked_at = $1 WHERE revoked_at IS NULL \
                     AND id IN (SELECT token_id FROM web_sessions WHERE expires_at <= $1)",
                )
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let sessions = sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let links = sqlx::query("DELETE FROM signin_links WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(sessions.rows_affected() + links.rows_affected())
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
