//! Persistence: the [`Store`] trait and its SQLite and PostgreSQL implementations. All SQL lives here.
//!
//! Both implementations are generated from one body of runtime queries ([`sql`]) written in the
//! dialect the two databases share (`$1` placeholders, `RETURNING`, `ON CONFLICT`); only the
//! connection set-up and the migration folders differ. Every operation that writes more than one
//! row, or writes an audit entry with its change, runs in one transaction: a request that fails
//! halfway writes nothing.

use crate::domain::{
    ContactPolicy, DisplayName, Domain, MemberStatus, Mobile, NewMember, OrgName, Role, Title,
    TokenHash,
};

#[cfg(feature = "postgres")]
pub mod postgres;
mod sql;
pub mod sqlite;

pub use sqlite::SqliteStore;

/// What can go wrong in the store. Handlers never see sqlx: unique violations arrive as
/// [`StoreError::Conflict`] and missing rows as [`StoreError::NotFound`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or is not visible from the given organization).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken, e.g. a duplicate employee id in one organization.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A stored value no longer parses; the database was changed behind the service's back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database failed or could not be reached.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Migrations could not be applied.
    #[error("migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

/// Maps a unique violation to [`StoreError::Conflict`] naming `what`, anything else to `Database`.
pub(crate) fn conflict_as(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

/// An organization (also its wire form).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Org {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub policy: ContactPolicy,
    pub created_at: i64,
}

/// A new organization.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub name: OrgName,
    pub domain: Option<Domain>,
    pub policy: ContactPolicy,
}

/// Changes to an organization; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrgPatch {
    pub name: Option<OrgName>,
    pub domain: Option<Option<Domain>>,
    pub policy: Option<ContactPolicy>,
}

/// A member of an organization, as admins and the member see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Member {
    pub id: i64,
    pub org_id: i64,
    pub display_name: String,
    pub employee_id: String,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub phone_discoverable: bool,
    pub status: MemberStatus,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
}

/// Changes to a member; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct MemberPatch {
    pub display_name: Option<DisplayName>,
    pub title: Option<Option<Title>>,
    pub mobile: Option<Option<Mobile>>,
    pub phone_discoverable: Option<bool>,
}

/// How the directory is searched. Only active members are ever returned.
#[derive(Debug, Clone)]
pub enum MemberQuery {
    /// Every active member.
    All,
    /// Display name contains this text, compared after [`crate::domain::fold_for_search`].
    NameContains(String),
    /// Exactly this employee id.
    EmployeeId(String),
}

/// A token to be stored (only its hash).
#[derive(Debug, Clone)]
pub struct NewToken {
    pub hash: TokenHash,
    pub role: Role,
    pub org_id: Option<i64>,
    pub member_id: Option<i64>,
    pub label: String,
}

/// A stored, unrevoked token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub role: Role,
    pub org_id: Option<i64>,
    pub member_id: Option<i64>,
    pub label: String,
    pub created_at: i64,
}

/// A signing key as stored: the private key as PKCS#8 PEM, so every instance can sign.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub kid: String,
    pub private_pem: zeroize::Zeroizing<String>,
    /// `active` or `retired`.
    pub status: String,
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

/// An issued card.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CardRow {
    pub id: String,
    pub org_id: i64,
    pub member_id: i64,
    pub kid: String,
    pub is_primary: bool,
    pub channel: Option<String>,
    pub one_time: bool,
    pub issued_at: i64,
    pub expires_at: i64,
    pub text: String,
    pub revoked_at: Option<i64>,
}

/// Everything a verifier needs to know beyond signatures: revoked cards and deactivated members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationSnapshot {
    /// Revoked card ids that have not yet expired.
    pub cards: Vec<String>,
    /// `(org_id, member_id, deactivated_at)` of every deactivated member.
    pub deactivated: Vec<(i64, i64, i64)>,
    /// Ids of keys removed after a compromise.
    pub compromised_keys: Vec<String>,
}

/// One change made by an admin or operator, written in the same transaction as the change.
#[derive(Debug, Clone)]
pub struct Audit {
    pub at: i64,
    pub actor: String,
    pub org_id: Option<i64>,
    pub action: &'static str,
    pub target: String,
    pub detail: String,
}

/// A stored audit log entry.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    sqlx::FromRow,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub org_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// A one-time sign-in link to be stored (only its hash): for an admin of `org_id`, or for the
/// member `member_id` of it.
#[derive(Debug, Clone)]
pub struct NewSigninLink {
    pub hash: TokenHash,
    pub role: Role,
    pub org_id: i64,
    pub member_id: Option<i64>,
    pub expires_at: i64,
}

/// A live web session: the token it acts through, and when it ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub token: TokenInfo,
    pub expires_at: i64,
}

/// The service's persistence. Organization-scoped lookups take the organization id and answer
/// [`StoreError::NotFound`] for rows of other organizations.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Stores an operator token with `hash` unless an operator token already exists; returns
    /// whether it was stored. This is how the one-time bootstrap token is created.
    async fn create_bootstrap_token(&self, hash: &TokenHash, now: i64) -> Result<bool, StoreError>;
    /// Stores a token.
    async fn create_token(&self, token: &NewToken, audit: &Audit) -> Result<TokenInfo, StoreError>;
    /// Finds an unrevoked token by hash; member tokens of deactivated members are not found.
    async fn find_token(&self, hash: &TokenHash) -> Result<Option<TokenInfo>, StoreError>;
    /// Revokes a token; with `org_id`, only a token of that organization.
    async fn revoke_token(
        &self,
        org_id: Option<i64>,
        token_id: i64,
        audit: &Audit,
    ) -> Result<(), StoreError>;

    /// Creates an organization.
    async fn create_org(&self, org: &NewOrg, audit: &Audit) -> Result<Org, StoreError>;
    /// Reads an organization.
    async fn get_org(&self, id: i64) -> Result<Org, StoreError>;
    /// Lists all organizations.
    async fn list_orgs(&self) -> Result<Vec<Org>, StoreError>;
    /// Changes an organization.
    async fn update_org(&self, id: i64, patch: &OrgPatch, audit: &Audit)
    -> Result<Org, StoreError>;
    /// Makes `partner_id` a partner of `org_id` (idempotent).
    async fn add_partner(
        &self,
        org_id: i64,
        partner_id: i64,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Removes a partnership.
    async fn remove_partner(
        &self,
        org_id: i64,
        partner_id: i64,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Lists an organization's partners.
    async fn list_partners(&self, org_id: i64) -> Result<Vec<Org>, StoreError>;

    /// Provisions members, all or none: a duplicate employee id fails the whole batch.
    async fn create_members(
        &self,
        org_id: i64,
        members: &[NewMember],
        audit: &Audit,
    ) -> Result<Vec<Member>, StoreError>;
    /// Reads a member of `org_id`.
    async fn get_member(&self, org_id: i64, member_id: i64) -> Result<Member, StoreError>;
    /// Changes a member of `org_id`.
    async fn update_member(
        &self,
        org_id: i64,
        member_id: i64,
        patch: &MemberPatch,
        audit: &Audit,
    ) -> Result<Member, StoreError>;
    /// Deactivates a member and, in the same transaction, revokes their cards and tokens.
    async fn deactivate_member(
        &self,
        org_id: i64,
        member_id: i64,
        audit: &Audit,
    ) -> Result<Member, StoreError>;
    /// Searches the active members of `org_id`, ordered by id, after id `after`, at most `limit`.
    async fn search_members(
        &self,
        org_id: i64,
        query: &MemberQuery,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Member>, StoreError>;

    /// Lists every signing key.
    async fn list_keys(&self) -> Result<Vec<StoredKey>, StoreError>;
    /// Stores `key` as the active key and retires every other active key, in one transaction.
    async fn rotate_key(&self, key: &StoredKey, audit: &Audit) -> Result<(), StoreError>;
    /// Stores the first key if there is none yet; returns whether it was stored.
    async fn create_first_key(&self, key: &StoredKey) -> Result<bool, StoreError>;
    /// Retires a key: it stops signing but keeps verifying.
    async fn retire_key(&self, kid: &str, audit: &Audit) -> Result<(), StoreError>;
    /// Deletes a retired key: cards it signed stop verifying.
    async fn remove_key(&self, kid: &str, audit: &Audit) -> Result<(), StoreError>;

    /// Stores a card; a new primary card revokes the member's previous primary card.
    async fn insert_card(&self, card: &CardRow, audit: Option<&Audit>) -> Result<(), StoreError>;
    /// Lists a member's cards, newest first.
    async fn list_cards(&self, org_id: i64, member_id: i64) -> Result<Vec<CardRow>, StoreError>;
    /// The member's current (unrevoked) primary card, if any.
    async fn primary_card(
        &self,
        org_id: i64,
        member_id: i64,
    ) -> Result<Option<CardRow>, StoreError>;
    /// Revokes one card of a member.
    async fn revoke_card(
        &self,
        org_id: i64,
        member_id: i64,
        card_id: &str,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Revoked-and-unexpired cards and deactivated members, as of `now`.
    async fn revocations(&self, now: i64) -> Result<RevocationSnapshot, StoreError>;

    /// Reads the audit log (of one organization, or all of it), oldest first, after id `after`.
    async fn list_audit(
        &self,
        org_id: Option<i64>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Stores a one-time sign-in link (only its hash); returns its id.
    async fn create_signin_link(
        &self,
        link: &NewSigninLink,
        audit: &Audit,
    ) -> Result<i64, StoreError>;
    /// Uses up the sign-in link with hash `link` and, in the same transaction, starts a session
    /// stored under `session` (a new `web session` token, lasting
    /// [`crate::domain::session::session_lifetime`]). `None` when the link is unknown, used,
    /// expired or names a deactivated member: a link works once, even under concurrent use.
    async fn redeem_signin_link(
        &self,
        link: &TokenHash,
        session: &TokenHash,
        now: i64,
    ) -> Result<Option<SessionInfo>, StoreError>;
    /// The live session with hash `session`: unexpired, its token unrevoked, its member active.
    async fn find_session(
        &self,
        session: &TokenHash,
        now: i64,
    ) -> Result<Option<SessionInfo>, StoreError>;
    /// Ends a session by revoking its token; unknown or ended sessions are left alone.
    async fn end_session(&self, session: &TokenHash, now: i64) -> Result<(), StoreError>;
}

impl TokenInfo {
    /// Who acts with this token; `None` for a row that breaks the role rules (an admin token
    /// without an organization, a member token without a member).
    pub fn principal(&self) -> Option<crate::domain::Principal> {
        use crate::domain::Principal;
        match (self.role, self.org_id, self.member_id) {
            (Role::Operator, _, _) => Some(Principal::Operator { token_id: self.id }),
            (Role::Admin, Some(org_id), _) => Some(Principal::Admin {
                token_id: self.id,
                org_id,
            }),
            (Role::Member, Some(org_id), Some(member_id)) => Some(Principal::Member {
                token_id: self.id,
                org_id,
                member_id,
            }),
            _ => None,
        }
    }
}

/// Opens the store a database URL names (`sqlite:` path or `postgres://`), applying migrations.
///
/// # Errors
/// When the URL names another database, or the database cannot be opened or migrated.
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(std::sync::Arc::new(
            postgres::PostgresStore::connect(url).await?,
        ));
    }
    Ok(std::sync::Arc::new(SqliteStore::connect_url(url).await?))
}
