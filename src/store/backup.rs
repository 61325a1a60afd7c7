//! Backups of the SQLite database, and putting one back.
//!
//! [`backup`] writes a consistent snapshot of the database while services keep writing to it:
//! `VACUUM INTO` reads inside one transaction, so the copy holds exactly the commits made before
//! it began (WAL lets the writers go on meanwhile), compacted into a single file. [`restore`]
//! checks a backup (its integrity, and that this version knows every migration it has) and puts
//! it in place of the database, never under a running service: every open store holds a shared
//! lock on `<database>.in-use`, which a restore takes exclusively. The key-encryption key is not
//! in a backup, by design: it is kept apart, and a restored database needs the KEK its keys were
//! sealed with. PostgreSQL has its own tools (`pg_dump`, `pg_restore`; see README).

use super::sqlite::{IN_USE, Lock, beside, lock_beside};
use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// There is no database to back up.
    #[error("no database at {0}")]
    NoDatabase(PathBuf),
    /// The backup file exists already: a backup never overwrites one.
    #[error("{0} exists; a backup is written to a new file")]
    OutputExists(PathBuf),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] sqlx::Error),
    /// The file is not an intact namecard database.
    #[error("{path} is not an intact namecard database: {reason}")]
    NotABackup { path: PathBuf, reason: String },
    /// The backup has migrations this version does not know: a newer version made it.
    #[error(
        "{path} was made by a newer version of namecard (migration {version}); restore it with that version"
    )]
    Newer { path: PathBuf, version: i64 },
    /// A service has the database open.
    #[error("a namecard service has {0} open: stop every instance first")]
    InUse(PathBuf),
    /// A database is there already and replacing it was not asked for.
    #[error(
        "{0} exists; --replace moves it aside (with its -wal) and puts the backup in its place"
    )]
    Exists(PathBuf),
    /// The lock beside the database could not be taken.
    #[error(transparent)]
    Store(#[from] super::StoreError),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a backup holds, as far as restoring it goes.
#[derive(Debug, Clone)]
pub struct BackupFacts {
    /// The newest migration applied.
    pub migration: i64,
    /// The ids of the key-encryption keys its signing keys are sealed under: the service
    /// started from it needs that KEK.
    pub kek_ids: Vec<String>,
    /// The backup's size in bytes.
    pub bytes: u64,
}

async fn connect(path: &Path, read_only: bool) -> Result<SqliteConnection, BackupError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(10));
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// Writes a consistent snapshot of the database at `database` into `out` (a new file, 0600),
/// while services may go on writing, and checks it.
///
/// # Errors
/// `NoDatabase`, `OutputExists`, `Io`, `Sqlite`, or `NotABackup` when the copy does not check.
pub async fn backup(database: &Path, out: &Path) -> Result<BackupFacts, BackupError> {
    if !database.exists() {
        return Err(BackupError::NoDatabase(database.to_owned()));
    }
    // VACUUM INTO writes into an empty file: made here, owner-only, so the copy never is
    // readable by others, and an existing file is never overwritten.
    match crate::files::open_private(out, true) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(BackupError::OutputExists(out.to_owned()));
        }
        Err(e) => return Err(io(out)(e)),
    }
    let written = async {
        let mut conn = connect(database, false).await?;
        let target = out.to_str().ok_or_else(|| BackupError::Io {
            path: out.to_owned(),
            source: std::io::Error::other("the path is not UTF-8"),
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        std::fs::File::open(out)
            .and_then(|f| f.sync_all())
            .and_then(|()| crate::files::sync_parent(out))
            .map_err(io(out))?;
        check(out).await
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(out);
    }
    written
}

/// Checks that `path` is an intact namecard database this version can migrate.
///
/// # Errors
/// `NotABackup`, `Newer`, `Sqlite`.
pub async fn check(path: &Path) -> Result<BackupFacts, BackupError> {
    let not_a_backup = |reason: String| BackupError::NotABackup {
        path: path.to_owned(),
        reason,
    };
    let mut conn = connect(path, true)
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    if integrity != "ok" {
        return Err(not_a_backup(integrity));
    }
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .map_err(|_| not_a_backup("no migrations table".into()))?;
    let known: Vec<i64> = sqlx::migrate!("migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .collect();
    if let Some(&version) = versions.iter().find(|v| !known.contains(v)) {
        return Err(BackupError::Newer {
            path: path.to_owned(),
            version,
        });
    }
    // Before migration 0011 keys were stored in plaintext: there is no KEK to name.
    let kek_ids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT kek_id FROM signing_keys WHERE kek_id IS NOT NULL")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    conn.close().await?;
    Ok(BackupFacts {
        migration: versions.last().copied().unwrap_or(0),
        kek_ids,
        bytes: std::fs::metadata(path).map_err(io(path))?.len(),
    })
}

/// Puts the backup `from` in place of the database at `database`: checked first, copied beside
/// it (0600) and renamed into place. Refused while a service has the database open; an existing
/// database is refused unless `replace`, which moves it and its `-wal` aside as
/// `<name>.before-restore-<unix time>` (nothing is deleted). Services starting meanwhile wait.
///
/// # Errors
/// `InUse`, `Exists`, the errors of [`check`], `Io`.
pub async fn restore(
    from: &Path,
    database: &Path,
    replace: bool,
    now: i64,
) -> Result<BackupFacts, BackupError> {
    let facts = check(from).await?;
    let _alone = match lock_beside(database, IN_USE, Lock::TryExclusive).await {
        Err(super::StoreError::FileLock(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
            return Err(BackupError::InUse(database.to_owned()));
        }
        other => other?,
    };
    if database.exists() {
        if !replace {
            return Err(BackupError::Exists(database.to_owned()));
        }
        for suffix in ["", "-wal", "-shm"] {
            let path = beside(database, suffix);
            if path.exists() {
                let aside = beside(database, &format!(".before-restore-{now}{suffix}"));
                std::fs::rename(&path, &aside).map_err(io(&path))?;
            }
        }
    }
    let incoming = beside(database, ".restoring");
    let _ = std::fs::remove_file(&incoming);
    if let Err(e) = crate::files::copy_private(from, &incoming).map_err(io(&incoming)) {
        let _ = std::fs::remove_file(&incoming);
        return Err(e);
    }
    std::fs::rename(&incoming, database)
        .and_then(|()| crate::files::sync_parent(database))
        .map_err(io(database))?;
    Ok(facts)
}
