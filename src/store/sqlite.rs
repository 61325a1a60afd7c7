//! The SQLite store: one file in WAL mode, the zero-setup default.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr as _;
use std::time::Duration;

use super::StoreError;

/// The store on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) pool: sqlx::SqlitePool,
    /// The one connection write transactions run on. SQLite has one writer at a time anyway;
    /// queued here, concurrent writers wait their turn in order, where on several connections
    /// they would retry in SQLite's busy handler, which sleeps up to 100 ms between tries (eight
    /// concurrent SCIM creations ran at a quarter of the speed of one). Reads use `pool`.
    write: sqlx::SqlitePool,
    /// A shared lock on `<database>.in-use`, held while the store is open: `namecard restore`
    /// takes it exclusively, so it never replaces a database a service has open, and a service
    /// starting meanwhile waits for the restore to finish.
    _in_use: Option<std::sync::Arc<std::fs::File>>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and applies migrations.
    ///
    /// # Errors
    /// When the file cannot be opened or migrated.
    pub async fn open(path: &std::path::Path) -> Result<Self, StoreError> {
        Self::with_options(SqliteConnectOptions::new().filename(path)).await
    }

    /// Opens a `sqlite:` URL and applies migrations.
    ///
    /// # Errors
    /// When the URL is malformed or the database cannot be opened or migrated.
    pub async fn connect_url(url: &str) -> Result<Self, StoreError> {
        Self::with_options(SqliteConnectOptions::from_str(url)?).await
    }

    async fn with_options(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        // WAL lets readers proceed while one writer commits; the busy timeout makes concurrent
        // writers (several requests at once) wait for each other instead of failing.
        // secure_delete: SQLite zeroes what a change frees instead of leaving it in the file, so
        // a private key sealed at start-up or a removed key leaves no plaintext behind.
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            .pragma("secure_delete", "ON");
        let path = options.get_filename().to_owned();
        let in_use = lock_beside(&path, IN_USE, Lock::Shared).await?;
        restrict_files(&path)?;
        // sqlx takes no lock when migrating SQLite: instances starting together on a new file
        // would each run the first migration. An exclusive lock on a file beside the database
        // lets one open and migrate it while the others wait, then find nothing left to do. The
        // lock is taken before the first connection, whose switch to WAL needs the database to
        // itself: SQLite answers that switch "database is locked" at once, without waiting,
        // while another instance migrates.
        let lock = lock_beside(&path, MIGRATE_LOCK, Lock::Exclusive).await?;
        let pool_of = |connections: u32, acquire: Duration| {
            SqlitePoolOptions::new()
                .max_connections(connections)
                .acquire_timeout(acquire)
                .after_release(|conn, _| {
                    let clean = is_clean(conn);
                    Box::pin(async move { Ok(clean.await) })
                })
        };
        let pool = pool_of(8, super::ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        let migrated = sqlx::migrate!("migrations/sqlite").run(&pool).await;
        drop(lock);
        migrated.map_err(StoreError::Migrate)?;
        // An in-memory database is one per connection: its writes stay on the one pool. A
        // writer waits for its turn as long as it waited for SQLite's lock before.
        let write = if is_in_memory(&path) {
            pool.clone()
        } else {
            pool_of(1, BUSY_TIMEOUT).connect_with(options).await?
        };
        Ok(Self {
            pool,
            write,
            _in_use: in_use.map(std::sync::Arc::new),
        })
    }
}

/// Makes the database file owner-only (0600) before SQLite opens it: a new file is created so,
/// and SQLite gives its `-wal` and `-shm` files the database's mode. Files an earlier version
/// made 0644 are restricted too.
fn restrict_files(database: &std::path::Path) -> Result<(), StoreError> {
    if is_in_memory(database) {
        return Ok(());
    }
    let named = |path: &std::path::Path, result: std::io::Result<()>| {
        result.map_err(|e| {
            StoreError::Files(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", path.display()),
            ))
        })
    };
    named(
        database,
        crate::files::open_private(database, false).map(drop),
    )?;
    for suffix in ["", "-wal", "-shm", MIGRATE_LOCK, IN_USE] {
        let path = beside(database, suffix);
        named(&path, crate::files::restrict(&path))?;
    }
    Ok(())
}

fn is_in_memory(database: &std::path::Path) -> bool {
    database.as_os_str().is_empty() || database.as_os_str() == ":memory:"
}

impl SqliteStore {
    /// Moves committed pages from the WAL into the database file and empties the WAL, so that
    /// (with `secure_delete`) the old versions of rows just rewritten, such as a private key
    /// sealed at start-up, are gone from both files. A checkpoint that readers keep from
    /// finishing is logged; the next one completes it.
    pub(super) async fn scrub(&self) {
        let done: Result<(i64, i64, i64), _> = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await;
        match done {
            Ok((0, _, _)) => {}
            Ok(_) => tracing::warn!("a WAL checkpoint could not finish: readers held it back"),
            Err(e) => tracing::warn!(error = %e, "a WAL checkpoint failed"),
        }
    }

    /// A write transaction, begun `IMMEDIATE`: it takes the write lock first, waiting for other
    /// writers within the busy timeout. A deferred one that reads and then writes fails at once
    /// with "database is locked" when another connection committed in between (WAL mode cannot
    /// move its snapshot forward), and the request would answer 500.
    pub(super) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.write.begin_with("BEGIN IMMEDIATE").await
    }

    /// Where a single-statement write runs: the write connection, in turn with the write
    /// transactions, rather than on a read connection racing them for SQLite's lock.
    pub(super) fn writer(&self) -> &sqlx::SqlitePool {
        &self.write
    }
}

/// How long a writer waits for SQLite's write lock (held by another instance or a writer on the
/// read pool), and for its turn on the write connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The file beside the database that instances migrating it lock exclusively, one at a time.
const MIGRATE_LOCK: &str = ".migrate-lock";
/// The file beside the database that every open store locks shared and a restore exclusively.
pub(super) const IN_USE: &str = ".in-use";

/// How a lock file is held.
#[derive(Debug, Clone, Copy)]
pub(super) enum Lock {
    /// Alone, waiting for other holders.
    Exclusive,
    /// Beside other shared holders, waiting for an exclusive one.
    Shared,
    /// Alone, or not at all: `WouldBlock` at once when another process holds it.
    TryExclusive,
}

/// The path of the file `suffix` names beside `database`.
pub(super) fn beside(database: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// Holds `<database><suffix>` (0600) as `how` says; `None` for an in-memory database, which no
/// other process can open. Released when the file is closed.
pub(super) async fn lock_beside(
    database: &std::path::Path,
    suffix: &str,
    how: Lock,
) -> Result<Option<std::fs::File>, StoreError> {
    if is_in_memory(database) {
        return Ok(None);
    }
    let path = beside(database, suffix);
    let locked = tokio::task::spawn_blocking(move || {
        let file = crate::files::open_private(&path, false)?;
        match how {
            Lock::Exclusive => file.lock()?,
            Lock::Shared => file.lock_shared()?,
            Lock::TryExclusive => file.try_lock().map_err(|e| match e {
                std::fs::TryLockError::WouldBlock => {
                    std::io::Error::from(std::io::ErrorKind::WouldBlock)
                }
                std::fs::TryLockError::Error(e) => e,
            })?,
        }
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|e| StoreError::FileLock(std::io::Error::other(e)))?
    .map_err(StoreError::FileLock)?;
    Ok(Some(locked))
}

/// Whether a connection going back to the pool is outside any transaction, by sqlx's count and
/// by SQLite's own: after a failed `COMMIT` or `ROLLBACK` (a full disk, an I/O error) SQLite
/// can keep the transaction open while the driver's count is off, and the next request's
/// "transaction" on that connection would be a savepoint inside it: acknowledged, never
/// committed, and holding the write lock. Such a connection is closed (which rolls back) instead
/// of being reused. The probe is a deferred `BEGIN`, which SQLite refuses inside a transaction
/// and which takes no lock.
fn is_clean(
    conn: &mut sqlx::SqliteConnection,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + '_>> {
    use sqlx::{Connection as _, Executor as _};
    Box::pin(async move {
        if conn.is_in_transaction() {
            return false;
        }
        if conn.execute("BEGIN").await.is_err() {
            return false;
        }
        conn.execute("ROLLBACK").await.is_ok()
    })
}
