//! Persistence: the [`Store`] trait and its SQLite and PostgreSQL implementations. All SQL lives here.
//!
//! Both implementations are generated from one body of runtime queries ([`sql`]) written in the
//! dialect the two databases share (`$1` placeholders, `RETURNING`, `ON CONFLICT`); only the
//! connection set-up and the migration folders differ. Every operation that writes more than one
//! row, or writes an audit entry with its change, runs in one transaction: a request that fails
//! halfway writes nothing.

use crate::domain::{
    ContactPolicy, Decision, DisplayName, Domain, MemberStatus, Mobile, NewMember, OrgName,
    RequestStatus, Role, Title, TokenHash, Via,
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
    /// The database could not be reached in time (down, restarting, or every connection busy):
    /// nothing was written, and trying again later may succeed.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// The database's storage is full: nothing was written. Writes succeed again once space is
    /// freed; connections that saw the error are discarded, never reused mid-transaction.
    #[error("the database's storage is full")]
    StorageFull(#[source] sqlx::Error),
    /// The database failed.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Migrations could not be applied.
    #[error("migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// The lock that keeps instances from migrating one SQLite file at once could not be taken.
    #[error("cannot lock the database file for migrations")]
    MigrationLock(#[source] std::io::Error),
}

impl From<sqlx::Error> for StoreError {
    /// Sorts a driver error into what the caller can act on: an unreachable database and a full
    /// disk are their own answers (503 and 507), not an internal error.
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            Self::Unavailable(e)
        } else if is_storage_full(&e) {
            Self::StorageFull(e)
        } else {
            Self::Database(e)
        }
    }
}

/// No connection could be had, or the one in use broke: the database is down or unreachable.
fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed
    ) || e
        .as_database_error()
        .and_then(|db| db.code())
        // PostgreSQL: 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now) and the
        // connection exceptions of class 08.
        .is_some_and(|code| code.starts_with("57P0") || code.starts_with("08"))
}

/// SQLite's SQLITE_FULL (13, with its extended codes) or PostgreSQL's `disk_full` (53100).
fn is_storage_full(e: &sqlx::Error) -> bool {
    let Some(code) = e.as_database_error().and_then(|db| db.code()) else {
        return false;
    };
    code == "53100" || code.parse::<i64>().is_ok_and(|c| c & 0xff == 13)
}

/// Maps a unique violation to [`StoreError::Conflict`] naming `what`, anything else as
/// [`From<sqlx::Error>`] does.
pub(crate) fn conflict_as(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::from(e),
    }
}

/// How long a request waits for a database connection before it is answered 503: a few seconds,
/// well under the request timeout, so an outage is reported quickly instead of as a timeout.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

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

/// An organization as the other side of an external contact sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
}

/// A person in a contact request or relation, as the other side sees them (current directory
/// values, not what an old card said).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Party {
    pub member_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub organization: OrgRef,
}

/// An external-contact request (also its wire form).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ContactRequest {
    pub id: i64,
    /// A pending request past `expires_at` reads as `expired`.
    pub status: RequestStatus,
    pub via: Via,
    /// The channel tag of the card that was scanned, if it carried one.
    pub card_channel: Option<String>,
    pub requester: Party,
    pub owner: Party,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
}

/// An external contact as one of its two members sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Contact {
    pub id: i64,
    /// When the request was accepted.
    pub since: i64,
    /// The other member.
    pub contact: Party,
}

/// A request to be created.
#[derive(Debug, Clone)]
pub struct NewContactRequest {
    pub requester_org_id: i64,
    pub requester_id: i64,
    pub owner_org_id: i64,
    pub owner_id: i64,
    pub via: Via,
    /// The scanned card; a one-time card is consumed in the same transaction.
    pub card_id: Option<String>,
    pub card_channel: Option<String>,
    pub one_time_card: bool,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What creating a request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestCreated {
    /// A new pending request.
    Created(ContactRequest),
    /// The requester already has a pending request to this owner: nothing new was written.
    AlreadyPending(ContactRequest),
    /// The two are already external contacts.
    AlreadyConnected(Contact),
    /// The one-time card was used by an earlier request.
    CardAlreadyUsed,
}

/// Which requests of a member to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Requests to the member (their inbox).
    Incoming,
    /// Requests the member made.
    Outgoing,
}

/// What the server knows about an issued card beyond its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardState {
    pub org_id: i64,
    pub member_id: i64,
    pub revoked_at: Option<i64>,
    pub one_time: bool,
    pub used_at: Option<i64>,
}

/// An organization's webhook. The secret signs deliveries, so it is stored as given.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    pub org_id: i64,
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
    pub id: i64,
    pub org_id: i64,
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
    /// Checks that the database answers and accepts a write (a full disk fails this, a read
    /// would not notice).
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

    /// The server-side state of an issued card, `None` for an id this service never issued.
    async fn card_state(&self, card_id: &str) -> Result<Option<CardState>, StoreError>;

    /// Creates a pending request, or reports why not (already pending, already connected, one-time
    /// card used), in one transaction with its audit entries and webhook events. Concurrent calls
    /// for the same pair create one request.
    async fn create_contact_request(
        &self,
        request: &NewContactRequest,
        actor: &str,
    ) -> Result<RequestCreated, StoreError>;
    /// Reads a request as of `now` (a pending request past its expiry reads as expired).
    async fn get_contact_request(&self, id: i64, now: i64) -> Result<ContactRequest, StoreError>;
    /// Decides a pending, unexpired request by the party `decision` belongs to; an accept creates
    /// the relation in the same transaction. `None` when it was no longer pending (nothing written).
    async fn decide_contact_request(
        &self,
        id: i64,
        member_id: i64,
        decision: Decision,
        now: i64,
        actor: &str,
    ) -> Result<Option<ContactRequest>, StoreError>;
    /// Lists a member's requests, newest first, with ids below `before` (0: from the newest).
    async fn list_contact_requests(
        &self,
        member_id: i64,
        direction: Direction,
        status: Option<RequestStatus>,
        now: i64,
        before: i64,
        limit: i64,
    ) -> Result<Vec<ContactRequest>, StoreError>;
    /// Marks pending requests past their expiry as expired; returns how many.
    async fn expire_contact_requests(&self, now: i64) -> Result<u64, StoreError>;

    /// The requester's pending, unexpired request to this owner, if any.
    async fn pending_request(
        &self,
        requester_id: i64,
        owner_id: i64,
        now: i64,
    ) -> Result<Option<ContactRequest>, StoreError>;

    /// The relation between two members, as `member_id` sees it, if any (hidden or not).
    async fn find_contact(
        &self,
        member_id: i64,
        other_id: i64,
    ) -> Result<Option<Contact>, StoreError>;
    /// A member's visible external contacts, newest first, ids below `before` (0: from the newest).
    /// Relations with a deactivated member, or with an organization whose policy is `disabled`,
    /// are kept but not shown.
    async fn list_contacts(
        &self,
        member_id: i64,
        before: i64,
        limit: i64,
    ) -> Result<Vec<Contact>, StoreError>;
    /// Removes a relation `member_id` is part of.
    async fn remove_contact(
        &self,
        member_id: i64,
        contact_id: i64,
        at: i64,
        actor: &str,
    ) -> Result<(), StoreError>;

    /// Counts one phone lookup by `member_id` and returns how many it made in the current
    /// `window_secs`-long window (this one included), atomically.
    async fn record_phone_lookup(
        &self,
        member_id: i64,
        now: i64,
        window_secs: i64,
    ) -> Result<i64, StoreError>;
    /// The active member with this mobile number who allows phone discovery and whom a member of
    /// `requester_org` may ask: a colleague, or a member of an organization whose policy and the
    /// requester's both allow it. One query whatever the answer, so a number that exists but may
    /// not be asked costs the same as one that does not exist.
    async fn find_discoverable_member(
        &self,
        mobile: &Mobile,
        requester_org: i64,
    ) -> Result<Option<Member>, StoreError>;

    /// Sets (or replaces) an organization's webhook.
    async fn set_webhook(&self, webhook: &Webhook, audit: &Audit) -> Result<(), StoreError>;
    /// Reads an organization's webhook.
    async fn get_webhook(&self, org_id: i64) -> Result<Option<Webhook>, StoreError>;
    /// Removes an organization's webhook; queued events for it will be given up.
    async fn delete_webhook(&self, org_id: i64, audit: &Audit) -> Result<(), StoreError>;
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
        id: i64,
        result: &DeliveryResult,
        now: i64,
    ) -> Result<(), StoreError>;

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
    /// Deletes sign-in links and sessions that expired by `now`, revoking the sessions' tokens
    /// (kept, so the audit log still names them), in one transaction; returns the rows deleted.
    async fn purge_expired_signins(&self, now: i64) -> Result<u64, StoreError>;
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
