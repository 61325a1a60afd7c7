//! `namecard backup` and `namecard restore`: a consistent copy of a SQLite service's database,
//! taken while it runs, and putting one back while it is stopped.

use crate::store::backup::{self, BackupFacts};
use anyhow::Context as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The database file in a data directory.
const DATABASE: &str = "namecard.db";

/// The service's data directory; its SQLite database is `namecard.db` there.
#[derive(Debug, Clone, clap::Args)]
pub struct DataDir {
    /// The service's data directory (its SQLite database is `namecard.db` there; a restore
    /// creates it 0700 if missing).
    #[arg(
        long = "data",
        visible_alias = "data-dir",
        env = "NAMECARD_DATA_DIR",
        default_value = "namecard-data"
    )]
    pub dir: PathBuf,
}

impl DataDir {
    fn database(&self) -> PathBuf {
        self.dir.join(DATABASE)
    }
}

/// `namecard backup`: the service may keep running and writing.
#[derive(Debug, Clone, clap::Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// The backup file to write (a new file, readable by the owner only).
    #[arg(long)]
    pub out: PathBuf,
}

/// `namecard restore`: every instance using the data directory must be stopped.
#[derive(Debug, Clone, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub data: DataDir,
    /// The backup file `namecard backup` wrote.
    #[arg(long)]
    pub from: PathBuf,
    /// Replace an existing database: it is moved aside (with its -wal), not deleted.
    #[arg(long)]
    pub replace: bool,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting tokio")
}

fn describe(facts: &BackupFacts) -> String {
    let kek = match facts.kek_ids.as_slice() {
        [] => "no sealed keys".to_owned(),
        ids => format!("keys sealed under key-encryption key {}", ids.join(", ")),
    };
    format!(
        "{} bytes, migration {}, {kek}",
        facts.bytes, facts.migration
    )
}

/// Writes the backup.
///
/// # Errors
/// No database, an existing output file, a copy that does not check.
pub fn backup(args: &BackupArgs) -> anyhow::Result<ExitCode> {
    let database = args.data.database();
    let facts = runtime()?
        .block_on(backup::backup(&database, &args.out))
        .with_context(|| format!("backing up {}", database.display()))?;
    println!("wrote {} ({})", args.out.display(), describe(&facts));
    println!(
        "the key-encryption key is not in the backup: keep it apart, and keep the one its keys \
         are sealed under as long as you keep the backup"
    );
    Ok(ExitCode::SUCCESS)
}

/// Restores the backup.
///
/// # Errors
/// A running service, an existing database without `--replace`, a backup that does not check.
pub fn restore(args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    crate::files::create_private_dir(&args.data.dir)
        .with_context(|| format!("creating {}", args.data.dir.display()))?;
    let database = args.data.database();
    let facts = runtime()?
        .block_on(backup::restore(
            &args.from,
            &database,
            args.replace,
            crate::card::unix_now(),
        ))
        .with_context(|| format!("restoring {}", args.from.display()))?;
    println!(
        "restored {} into {} ({})",
        args.from.display(),
        database.display(),
        describe(&facts)
    );
    if !facts.kek_ids.is_empty() {
        println!(
            "start the service with that key-encryption key (kek_file or NAMECARD_KEK); \
             without it the service refuses to start"
        );
    }
    Ok(ExitCode::SUCCESS)
}
