//! Who may act: bearer tokens (stored as hashes), one-time sign-in links and the web sessions
//! they turn into. A session acts through a token row of its own, so revoking that token,
//! deactivating its member or signing out ends it.

use super::{Conflict, StoreError, classify, corrupt, first_wins, for_both_databases, qualified};
use crate::domain::session::session_lifetime;
use crate::domain::{
    Audit, MemberId, MemberStatus, OrgId, PendingSigninLink, Role, SessionInfo, SigninLinkId,
    TokenHash, TokenId, TokenInfo, TokenSecret,
};

/// A token to be stored (only its hash).
#[derive(Debug, Clone)]
pub struct NewToken {
    pub hash: TokenHash,
    pub role: Role,
    pub org_id: Option<OrgId>,
    pub member_id: Option<MemberId>,
    pub label: String,
}

/// A one-time sign-in link to be stored (only its hash): for an admin of `org_id`, or for the
/// member `member_id` of it.
#[derive(Debug, Clone)]
pub struct NewSigninLink {
    pub hash: TokenHash,
    pub role: Role,
    pub org_id: OrgId,
    pub member_id: Option<MemberId>,
    pub expires_at: i64,
    /// The token the link is made with: revoking it kills the link and the session it starts.
    pub created_by: TokenId,
}

/// Tokens, sign-in links and sessions.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores an operator token with `hash` unless an operator token already exists; returns
    /// whether it was stored. This is how the one-time bootstrap token is created.
    async fn create_bootstrap_token(&self, hash: &TokenHash, now: i64) -> Result<bool, StoreError>;
    /// Stores a token.
    async fn create_token(&self, token: &NewToken, audit: &Audit) -> Result<TokenInfo, StoreError>;
    /// Finds an unrevoked token by hash; member tokens of deactivated members are not found.
    async fn find_token(&self, hash: &TokenHash) -> Result<Option<TokenInfo>, StoreError>;
    /// Revokes a token; with `org_id`, only a token of that organization. In the same
    /// transaction, the sessions started from links the token made are ended and its unused
    /// links deleted, and so on for the links those sessions made.
    async fn revoke_token(
        &self,
        org_id: Option<OrgId>,
        token_id: TokenId,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// The organization's unrevoked tokens (web sessions' included), oldest first.
    async fn list_tokens(&self, org_id: OrgId) -> Result<Vec<TokenInfo>, StoreError>;
    /// The organization's sign-in links that are unused and unexpired at `now`, oldest first.
    async fn list_signin_links(
        &self,
        org_id: OrgId,
        now: i64,
    ) -> Result<Vec<PendingSigninLink>, StoreError>;
    /// Deletes a sign-in link of `org_id` that nobody has used yet; `NotFound` otherwise.
    async fn cancel_signin_link(
        &self,
        org_id: OrgId,
        link_id: SigninLinkId,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Stores a one-time sign-in link (only its hash); returns its id.
    async fn create_signin_link(
        &self,
        link: &NewSigninLink,
        audit: &Audit,
    ) -> Result<SigninLinkId, StoreError>;
    /// Uses up the sign-in link with hash `link` and, in the same transaction, starts a session
    /// stored under `session` (a new `web session` token, lasting [`session_lifetime`]). `None`
    /// when the link is unknown, used, expired or names a deactivated member: a link works once,
    /// even under concurrent use.
    async fn redeem_signin_link(
        &self,
        link: &TokenHash,
        session: &TokenHash,
        now: i64,
    ) -> Result<Option<SessionInfo>, StoreError>;
    /// Starts a member's session stored under `session` without a link (a sign-in through the
    /// organization's identity provider), with the audit entry `session.start` naming `via`.
    /// `None` when the member is not active.
    async fn start_member_session(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        session: &TokenHash,
        now: i64,
        via: &str,
    ) -> Result<Option<SessionInfo>, StoreError>;
    /// The live session with hash `session`: unexpired, its token unrevoked, its member active.
    async fn find_session(
        &self,
        session: &TokenHash,
        now: i64,
    ) -> Result<Option<SessionInfo>, StoreError>;
    /// Ends a session by revoking its token; unknown or ended sessions are left alone.
    async fn end_session(&self, session: &TokenHash, now: i64) -> Result<(), StoreError>;
    /// Deletes sign-in links and sessions that expired by `now`, revoking the sessions' tokens
    /// (kept, so the audit log still names them), in one transaction; returns the rows deleted.
    async fn purge_expired_signins(&self, now: i64) -> Result<u64, StoreError>;
}

/// `made`: the token `$1` and the tokens of every session started from a link it made, and from
/// a link one of those made, and so on (a session's `created_by` is its link's maker).
const MADE_BY_TOKEN: &str = "WITH RECURSIVE made (id) AS (SELECT CAST($1 AS BIGINT) \
     UNION SELECT s.token_id FROM web_sessions s JOIN made ON s.created_by = made.id)";

/// The columns of [`TokenRow`], for `SELECT` and `RETURNING`.
const COLUMNS: &str = "id, role, org_id, member_id, label, created_at";

#[derive(sqlx::FromRow)]
struct TokenRow {
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
        Ok(TokenInfo {
            id: TokenId::new(r.id),
            role: Role::from_stored(&r.role).ok_or_else(|| corrupt("role", &r.role))?,
            org_id: r.org_id.map(OrgId::new),
            member_id: r.member_id.map(MemberId::new),
            label: r.label,
            created_at: r.created_at,
        })
    }
}

/// A session joined with its token.
#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    token: TokenRow,
    expires_at: i64,
}

impl TryFrom<SessionRow> for SessionInfo {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self, StoreError> {
        Ok(SessionInfo {
            token: r.token.try_into()?,
            expires_at: r.expires_at,
        })
    }
}

/// A session about to start: for whom, made by which token's link (none for a sign-in through
/// the identity provider), and how, for the audit log.
struct Opening {
    role: Role,
    org_id: OrgId,
    member_id: Option<MemberId>,
    created_by: Option<i64>,
    via: String,
}

for_both_databases! {
    impl Sql {
        /// Starts a session in the caller's transaction: a new `web session` token (never shown
        /// to anyone: only the session secret is), the session row lasting [`session_lifetime`],
        /// and the audit entry `session.start`.
        async fn open_session(
            tx: &mut Conn,
            opened: &Opening,
            session: &TokenHash,
            now: i64,
        ) -> Result<SessionInfo, StoreError> {
            let unused = TokenSecret::generate().hash();
            let token = sqlx::query_as::<_, TokenRow>(&format!(
                "INSERT INTO tokens (hash, role, org_id, member_id, label, created_at) \
                 VALUES ($1, $2, $3, $4, 'web session', $5) RETURNING {COLUMNS}"
            ))
            .bind(unused.as_str())
            .bind(opened.role.as_str())
            .bind(opened.org_id.get())
            .bind(opened.member_id.map(MemberId::get))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let token = TokenInfo::try_from(token)?;
            let expires_at = now + session_lifetime(opened.role);
            sqlx::query(
                "INSERT INTO web_sessions (hash, token_id, created_at, expires_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(session.as_str())
            .bind(token.id.get())
            .bind(now)
            .bind(expires_at)
            .bind(opened.created_by)
            .execute(&mut *tx)
            .await
            .map_err(classify(Conflict::Session, "token"))?;
            let actor = token
                .principal()
                .ok_or_else(|| corrupt("token", token.id))?
                .actor();
            let audit = Audit {
                at: now,
                actor,
                org_id: Some(opened.org_id),
                action: "session.start",
                target: opened.via.clone(),
                detail: String::new(),
            };
            Self::write_audit(&mut *tx, &audit).await?;
            Ok(SessionInfo { token, expires_at })
        }
    }

    #[async_trait::async_trait]
    impl SessionStore for Sql {
        async fn create_bootstrap_token(&self, hash: &TokenHash, now: i64) -> Result<bool, StoreError> {
            let done = sqlx::query(
                "INSERT INTO tokens (hash, role, label, created_at) \
                 SELECT $1, 'operator', 'bootstrap', $2 \
                 WHERE NOT EXISTS (SELECT 1 FROM tokens WHERE role = 'operator')",
            )
            .bind(hash.as_str())
            .bind(now)
            .execute(self.writer())
            .await;
            // Instances starting together: the unique index lets one of them win.
            first_wins(done.map(|d| d.rows_affected()))
        }

        async fn create_token(&self, token: &NewToken, audit: &Audit) -> Result<TokenInfo, StoreError> {
            let mut tx = self.begin_write().await?;
            let row = sqlx::query_as::<_, TokenRow>(&format!(
                "INSERT INTO tokens (hash, role, org_id, member_id, label, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ))
            .bind(token.hash.as_str())
            .bind(token.role.as_str())
            .bind(token.org_id.map(OrgId::get))
            .bind(token.member_id.map(MemberId::get))
            .bind(&token.label)
            .bind(audit.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(classify(Conflict::Token, "member"))?;
            let info = TokenInfo::try_from(row)?;
            let audit = Audit { target: format!("token/{}", info.id), ..audit.clone() };
            Self::write_audit(&mut tx, &audit).await?;
            tx.commit().await?;
            Ok(info)
        }

        async fn find_token(&self, hash: &TokenHash) -> Result<Option<TokenInfo>, StoreError> {
            sqlx::query_as::<_, TokenRow>(&format!(
                "SELECT {} FROM tokens t LEFT JOIN members m ON m.id = t.member_id \
                 WHERE t.hash = $1 AND t.revoked_at IS NULL \
                 AND (t.member_id IS NULL OR m.status = 'active')",
                qualified("t", COLUMNS)
            ))
            .bind(hash.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(TokenInfo::try_from)
            .transpose()
        }

        async fn revoke_token(&self, org_id: Option<OrgId>, token_id: TokenId, audit: &Audit) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            let revoked = sqlx::query(
                "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
                 AND ($3 IS NULL OR org_id = $3)",
            )
            .bind(audit.at)
            .bind(token_id.get())
            .bind(org_id.map(OrgId::get))
            .execute(&mut *tx)
            .await?;
            if revoked.rows_affected() == 0 {
                return Err(StoreError::NotFound("token"));
            }
            sqlx::query(&format!(
                "{MADE_BY_TOKEN} UPDATE tokens SET revoked_at = $2 \
                 WHERE revoked_at IS NULL AND id IN (SELECT id FROM made)"
            ))
            .bind(token_id.get())
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(&format!(
                "{MADE_BY_TOKEN} DELETE FROM signin_links \
                 WHERE used_at IS NULL AND created_by IN (SELECT id FROM made)"
            ))
            .bind(token_id.get())
            .execute(&mut *tx)
            .await?;
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(())
        }

        async fn list_tokens(&self, org_id: OrgId) -> Result<Vec<TokenInfo>, StoreError> {
            sqlx::query_as::<_, TokenRow>(&format!(
                "SELECT {COLUMNS} FROM tokens WHERE org_id = $1 AND revoked_at IS NULL ORDER BY id"
            ))
            .bind(org_id.get())
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(TokenInfo::try_from)
            .collect()
        }

        async fn list_signin_links(&self, org_id: OrgId, now: i64) -> Result<Vec<PendingSigninLink>, StoreError> {
            let rows: Vec<(i64, String, Option<i64>, i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT id, role, member_id, created_at, expires_at, created_by FROM signin_links \
                 WHERE org_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY id",
            )
            .bind(org_id.get())
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter()
                .map(|(id, role, member_id, created_at, expires_at, created_by)| {
                    Ok(PendingSigninLink {
                        id: SigninLinkId::new(id),
                        role: Role::from_stored(&role).ok_or_else(|| corrupt("role", &role))?,
                        member_id: member_id.map(MemberId::new),
                        created_at,
                        expires_at,
                        created_by: created_by.map(TokenId::new),
                    })
                })
                .collect()
        }

        async fn cancel_signin_link(&self, org_id: OrgId, link_id: SigninLinkId, audit: &Audit) -> Result<(), StoreError> {
            let cancel = sqlx::query(
                "DELETE FROM signin_links WHERE id = $1 AND org_id = $2 AND used_at IS NULL",
            )
            .bind(link_id.get())
            .bind(org_id.get());
            self.change_one(cancel, audit, "sign-in link").await
        }

        async fn create_signin_link(&self, link: &NewSigninLink, audit: &Audit) -> Result<SigninLinkId, StoreError> {
            let mut tx = self.begin_write().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO signin_links (hash, role, org_id, member_id, created_at, expires_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(link.hash.as_str())
            .bind(link.role.as_str())
            .bind(link.org_id.get())
            .bind(link.member_id.map(MemberId::get))
            .bind(audit.at)
            .bind(link.expires_at)
            .bind(link.created_by.get())
            .fetch_one(&mut *tx)
            .await
            .map_err(classify(Conflict::SigninLink, "member"))?;
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(SigninLinkId::new(id))
        }

        async fn redeem_signin_link(
            &self,
            link: &TokenHash,
            session: &TokenHash,
            now: i64,
        ) -> Result<Option<SessionInfo>, StoreError> {
            let mut tx = self.begin_write().await?;
            // The conditional update is the single-use guard: of two concurrent redemptions
            // only one sees `used_at IS NULL` (PostgreSQL re-checks it after the row lock,
            // SQLite runs one writer at a time).
            let used: Option<(i64, String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
                "UPDATE signin_links SET used_at = $2 \
                 WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 \
                 RETURNING id, role, org_id, member_id, created_by",
            )
            .bind(link.as_str())
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((link_id, role, org_id, member_id, created_by)) = used else {
                return Ok(None);
            };
            let (org_id, member_id) = (OrgId::new(org_id), member_id.map(MemberId::new));
            if let Some(member_id) = member_id
                && Self::fetch_member(&mut tx, org_id, member_id).await?.status != MemberStatus::Active
            {
                return Ok(None);
            }
            let role = Role::from_stored(&role).ok_or_else(|| corrupt("role", &role))?;
            let opened = Opening { role, org_id, member_id, created_by, via: format!("signin_link/{link_id}") };
            let info = Self::open_session(&mut tx, &opened, session, now).await?;
            tx.commit().await?;
            Ok(Some(info))
        }

        async fn start_member_session(
            &self,
            org_id: OrgId,
            member_id: MemberId,
            session: &TokenHash,
            now: i64,
            via: &str,
        ) -> Result<Option<SessionInfo>, StoreError> {
            let mut tx = self.begin_write().await?;
            if Self::fetch_member(&mut tx, org_id, member_id).await?.status != MemberStatus::Active {
                return Ok(None);
            }
            let opened = Opening { role: Role::Member, org_id, member_id: Some(member_id), created_by: None, via: via.to_owned() };
            let info = Self::open_session(&mut tx, &opened, session, now).await?;
            tx.commit().await?;
            Ok(Some(info))
        }

        async fn find_session(&self, session: &TokenHash, now: i64) -> Result<Option<SessionInfo>, StoreError> {
            sqlx::query_as::<_, SessionRow>(&format!(
                "SELECT {}, s.expires_at FROM web_sessions s JOIN tokens t ON t.id = s.token_id \
                 LEFT JOIN members m ON m.id = t.member_id \
                 WHERE s.hash = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL \
                 AND (t.member_id IS NULL OR m.status = 'active')",
                qualified("t", COLUMNS)
            ))
            .bind(session.as_str())
            .bind(now)
            .fetch_optional(&self.pool)
            .await?
            .map(SessionInfo::try_from)
            .transpose()
        }

        async fn end_session(&self, session: &TokenHash, now: i64) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE tokens SET revoked_at = $2 WHERE revoked_at IS NULL \
                 AND id = (SELECT token_id FROM web_sessions WHERE hash = $1)",
            )
            .bind(session.as_str())
            .bind(now)
            .execute(self.writer())
            .await?;
            Ok(())
        }

        async fn purge_expired_signins(&self, now: i64) -> Result<u64, StoreError> {
            let mut tx = self.begin_write().await?;
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
}
