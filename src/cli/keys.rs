//! `namecard keygen` and `namecard keys ...`: the key store on disk.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use crate::card::keystore::Keystore;
use crate::card::{Issuer, KeyId, KeyStatus, unix_now};

/// Where the key store lives.
#[derive(Debug, Args)]
pub struct StoreArg {
    /// Key store directory.
    #[arg(long = "keys", env = "NAMECARD_KEYS", default_value = "namecard-keys")]
    pub dir: PathBuf,
}

impl StoreArg {
    /// Opens the store, saying which directory failed.
    pub fn open(&self) -> anyhow::Result<Keystore> {
        Keystore::open(&self.dir)
            .with_context(|| format!("cannot open key store {}", self.dir.display()))
    }
}

/// `namecard keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    #[command(flatten)]
    store: StoreArg,
    /// The issuer's base URL, which every card's QR text starts with.
    #[arg(long, env = "NAMECARD_ISSUER")]
    issuer: Issuer,
}

/// `namecard keys <command>`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print the public keyset (JWKS) for verifiers, or write it to a file.
    Export {
        #[command(flatten)]
        store: StoreArg,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List keys with their status.
    List {
        #[command(flatten)]
        store: StoreArg,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Make a new key the signer; the current one is retired and keeps verifying its cards.
    Rotate {
        #[command(flatten)]
        store: StoreArg,
    },
    /// Retire a key: it signs nothing new, its cards stay valid until they expire.
    Retire {
        #[command(flatten)]
        store: StoreArg,
        /// The key id. It may begin with `-` (base64url), which is taken as the id, not a flag.
        #[arg(allow_hyphen_values = true)]
        kid: KeyId,
    },
    /// Remove a compromised key: everything it signed fails verification.
    Remove {
        #[command(flatten)]
        store: StoreArg,
        /// The key id. It may begin with `-` (base64url), which is taken as the id, not a flag.
        #[arg(allow_hyphen_values = true)]
        kid: KeyId,
    },
}

/// Runs `keygen`.
pub fn keygen(args: &KeygenArgs) -> anyhow::Result<ExitCode> {
    let store = Keystore::create(&args.store.dir, args.issuer.clone(), unix_now())
        .with_context(|| format!("cannot create key store {}", args.store.dir.display()))?;
    let kid = store.signer()?.kid();
    println!(
        "created key store {} for {}",
        args.store.dir.display(),
        args.issuer
    );
    println!(
        "signing key {kid}; publish {}",
        store.keyset_path().display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints what the store could not do (e.g. re-sign the list without an active key).
fn warn(store: &Keystore) {
    for warning in store.warnings() {
        eprintln!("warning: {warning}");
    }
}

/// Runs a `keys` subcommand.
pub fn run(cmd: &KeysCommand) -> anyhow::Result<ExitCode> {
    let now = unix_now();
    match cmd {
        KeysCommand::Export { store, out } => {
            let json = store.open()?.keyset().to_jwks_json();
            match out {
                Some(path) => crate::card::keystore::write_atomic(path, json.as_bytes())?,
                None => println!("{json}"),
            }
        }
        KeysCommand::List { store, json } => {
            let store = store.open()?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&store.keyset().to_jwks())?
                );
            } else {
                for k in store.keyset().keys() {
                    let status = match k.status {
                        KeyStatus::Active => "active ".to_string(),
                        KeyStatus::Retired => format!(
                            "retired {}",
                            super::format_time(k.retired_at.unwrap_or_default())
                        ),
                    };
                    println!(
                        "{}  {status}  valid from {}",
                        k.kid,
                        super::format_time(k.valid_from)
                    );
                }
            }
        }
        KeysCommand::Rotate { store } => {
            let mut store = store.open()?;
            let kid = store.rotate(now)?;
            println!("new signing key {kid}; previous keys retired");
            warn(&store);
        }
        KeysCommand::Retire { store, kid } => {
            let mut store = store.open()?;
            store.retire(kid, now)?;
            println!("retired {kid}");
            warn(&store);
        }
        KeysCommand::Remove { store, kid } => {
            let mut store = store.open()?;
            store.remove(kid, now)?;
            println!("removed {kid}; it is listed as compromised in the revocation list");
            warn(&store);
        }
    }
    Ok(ExitCode::SUCCESS)
}
