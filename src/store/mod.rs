//! Persistence, one file per aggregate, all SQL of the service.
//!
//! Each aggregate (`orgs`, `members`, `cards`, `keys`, `contacts`, `book`, `transfers`,
//! `ways`, `departments`, `webhooks`, `mail`, `sessions`, `oidc`, `scim`, `lists`, `audit`) has its records, a small trait and its SQL. [`Store`] is their sum, implemented for
//! every type that implements them all, so the service holds one `Arc<dyn Store>`.
//!
//! Both databases run the same SQL text: each aggregate writes its implementation once inside
//! [`for_both_databases!`], which expands it for [`SqliteStore`] and [`PostgresStore`]; the queries
//! use only what SQLite and PostgreSQL share (`$n` placeholders, `RETURNING`, `ON CONFLICT`,
//! `LIKE ... ESCAPE`), so the conformance suite exercises the same text on both. Only the
//! connection set-up and the migration folders differ. Every operation that writes more than one
//! row, or writes an audit entry or event with its change, runs in one transaction: a request that
//! fails halfway writes nothing. Ids are typed on the way out; a stored value that no longer
//! parses is [`StoreError::Corrupt`], never skipped.

pub mod audit;
pub mod backup;
pub mod book;
pub mod cards;
pub mod contacts;
pub mod departments;
pub mod keys;
pub mod lists;
pub mod mail;
pub mod members;
pub mod oidc;
pub mod orgs;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod scim;
pub mod sessions;
pub mod sqlite;
pub mod transfers;
pub mod ways;
pub mod webhooks;

pub use audit::{AuditStore, Event};
pub use book::BookStore;
pub use cards::{CardQuota, CardRecord, CardState, CardStore, QuotaUsed, RevocationSnapshot};
pub use contacts::{ContactStore, Direction, NewContactRequest, RequestCreated};
pub use departments::{DepartmentStore, MembersChange, MembersChanged};
pub use keys::{KeyStore, PrivateKey, Reseal, StoredKey};
pub use lists::{ListSecretReseal, ListStore, StoredList};
pub use mail::{ClaimedMail, LetterReseal, MailStore, NewMail};
pub use members::MemberStore;
pub use oidc::{NewAttempt, OidcStore, SecretReseal, StoredProvider, TakenAttempt};
pub use orgs::OrgStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
pub use scim::{
    GroupChange, GroupLookup, Guard, ScimGroup, ScimStore, ScimToken, ScimUser, UserExtra,
    UserLookup,
};
pub use sessions::{NewSigninLink, NewToken, SessionStore};
pub use sqlite::SqliteStore;
pub use transfers::{StartTransfer, TransferStore};
pub use ways::{WayChange, WayScan, WayStore};
pub use webhooks::{Delivery, DeliveryResult, Webhook, WebhookStore};

/// Declares [`Store`] as the sum of the aggregates' traits, listed once.
macro_rules! store_of {
    ($($part:ident),*) => {
        /// The service's persistence: every aggregate's store. Organization-scoped lookups take
        /// the organization id and answer [`StoreError::NotFound`] for rows of other organizations.
        pub trait Store: $($part +)* Send + Sync + 'static {}

        impl<T> Store for T where T: $($part +)* Send + Sync + 'static {}
    };
}

store_of!(
    OrgStore,
    MemberStore,
    CardStore,
    KeyStore,
    ListStore,
    ContactStore,
    DepartmentStore,
    BookStore,
    TransferStore,
    WayStore,
    WebhookStore,
    MailStore,
    SessionStore,
    OidcStore,
    ScimStore,
    AuditStore
);

impl std::fmt::Debug for dyn Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

/// What can go wrong in the store. Handlers never see sqlx: unique violations arrive as
/// [`StoreError::Conflict`] and missing rows as [`StoreError::NotFound`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or is not visible from the given organization).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken, e.g. a duplicate employee id in one organization.
    #[error("{} already exists", .0.what())]
    Conflict(Conflict),
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
    /// A change to a department tree breaks its rules: nothing was written.
    #[error(transparent)]
    Tree(crate::domain::TreeError),
    /// A member's card quota ([`CardQuota`]) is used up: nothing was written.
    #[error("the member's card quota is used up")]
    CardQuota(QuotaUsed),
    /// Migrations could not be applied.
    #[error("migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// The database's files could not be created or made owner-only.
    #[error("cannot restrict the database's files")]
    Files(#[source] std::io::Error),
    /// A lock file beside the SQLite database (the one that keeps instances from migrating it at
    /// once, or the one a restore takes) could not be taken.
    #[error("cannot lock the database file")]
    FileLock(#[source] std::io::Error),
}

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// An employee id already used in the organization.
    EmployeeId,
    /// A domain another organization has.
    Domain,
    /// An organization made its own partner.
    PartnershipWithItself,
    /// A token hash (or a session's) already stored.
    Token,
    /// A key id already stored.
    Key,
    /// Another rotation kept winning the race for the one active key.
    KeyRotation,
    /// A signing key sealed under another key-encryption key, or not at all.
    KeySealing,
    /// A card id already stored, or a second active primary card.
    Card,
    /// A sign-in link hash already stored.
    SigninLink,
    /// A web session hash already stored.
    Session,
    /// Concurrent creations for one pair kept colliding.
    ContactRequest,
    /// A tag of the same group and name in the organization's library.
    Tag,
    /// A department beside another of the same name.
    Department,
    /// A SCIM resource changed since the version a conditional request (`If-Match`) named.
    ScimVersion,
}

impl Conflict {
    /// What already exists, in words.
    pub fn what(self) -> &'static str {
        match self {
            Self::EmployeeId => "employee_id",
            Self::Domain => "domain",
            Self::PartnershipWithItself => "partnership with itself",
            Self::Token => "token",
            Self::Key => "key",
            Self::KeyRotation => "key rotation",
            Self::KeySealing => "a signing key sealed under another key-encryption key",
            Self::Card => "card",
            Self::SigninLink => "signin link",
            Self::Session => "session",
            Self::ContactRequest => "contact request",
            Self::Tag => "tag",
            Self::Department => "department",
            Self::ScimVersion => "a newer version of the resource",
        }
    }
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

/// Maps a unique violation to [`StoreError::Conflict`], a foreign-key violation to `NotFound`
/// naming `missing` (the row the new one refers to), anything else as [`From<sqlx::Error>`] does.
pub(crate) fn classify(
    conflict: Conflict,
    missing: &'static str,
) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::Conflict(conflict),
        Some(db) if db.is_foreign_key_violation() => StoreError::NotFound(missing),
        _ => StoreError::from(e),
    }
}

/// Maps a foreign-key violation to `NotFound` naming `missing` (the row the new one refers to),
/// anything else as [`From<sqlx::Error>`] does.
pub(crate) fn missing_as(missing: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match e.as_database_error() {
        Some(db) if db.is_foreign_key_violation() => StoreError::NotFound(missing),
        _ => StoreError::from(e),
    }
}

/// Whether an insert that only one of several concurrent writers may make was this writer's:
/// `false` when it inserted nothing or a unique index let another writer win.
pub(crate) fn first_wins(inserted: Result<u64, sqlx::Error>) -> Result<bool, StoreError> {
    match inserted {
        Ok(rows) => Ok(rows == 1),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether `e` is a unique violation (a concurrent writer won).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}

/// A [`StoreError::Corrupt`] naming the column and the value that did not parse.
pub(crate) fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

/// How long a request waits for a database connection before it is answered 503: a few seconds,
/// well under the request timeout, so an outage is reported quickly instead of as a timeout.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// A column list with every column prefixed by a table alias (`o.id, o.name, ...`), so a query
/// joining tables reads the same list the table's own queries use.
pub(crate) fn qualified(alias: &str, columns: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$first, $first+1, ...`: `n` numbered placeholders, for an `IN (...)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
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

/// Writes an aggregate's SQL once for both databases: the items are expanded twice, with `Db`
/// naming the driver, `Sql` the store (`SqliteStore`, `PostgresStore`) and `Conn` its connection.
/// Items are private to each expansion; what other aggregates need is an inherent `impl Sql`.
macro_rules! for_both_databases {
    ($($item:item)*) => {
        const _: () = {
            #[allow(dead_code)]
            type Db = sqlx::Sqlite;
            #[allow(dead_code)]
            type Conn = <sqlx::Sqlite as sqlx::Database>::Connection;
            type Sql = $crate::store::SqliteStore;
            $($item)*
        };
        #[cfg(feature = "postgres")]
        const _: () = {
            #[allow(dead_code)]
            type Db = sqlx::Postgres;
            #[allow(dead_code)]
            type Conn = <sqlx::Postgres as sqlx::Database>::Connection;
            type Sql = $crate::store::PostgresStore;
            $($item)*
        };
    };
}
pub(crate) use for_both_databases;

/// Opens the store a database URL names (`sqlite:` path or `postgres://`), applying migrations.
///
/// # Errors
/// When the URL names another database, or the database cannot be opened or migrated.
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(std::sync::Arc::new(PostgresStore::connect(url).await?));
    }
    Ok(std::sync::Arc::new(SqliteStore::connect_url(url).await?))
}
