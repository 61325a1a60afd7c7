//! The command line: one file per command, each calling the same library functions as the server.
//!
//! Exit codes: 0 success (a valid card), 1 a negative result (an invalid card, a batch with bad
//! rows, a photo without a code), 2 a usage or I/O error or a refused keyset or revocation list,
//! 3 a card whose signature is valid but whose revocation list is past its `next_update`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod backup;
pub mod decode;
pub mod issue;
pub mod kek;
pub mod keys;
pub mod revoke;
pub mod serve;
pub mod verify;

/// Exit code for a negative but well-formed result.
pub const EXIT_INVALID: u8 = 1;
/// Exit code for usage and I/O errors (clap uses it for usage errors too).
pub const EXIT_ERROR: u8 = 2;
/// Exit code for a correctly signed card whose revocation status is stale.
pub const EXIT_STALE: u8 = 3;

/// Signed namecard QR codes: issue, verify offline, and run the service.
#[derive(Debug, Parser)]
#[command(name = "namecard", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a key store with a first signing key.
    Keygen(keys::KeygenArgs),
    /// Manage keys: export the JWKS, list, rotate, retire, remove.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Issue a card (PNG, SVG, printable card or payload), or a batch from CSV.
    Issue(issue::IssueArgs),
    /// Verify a card offline from a photo, an image or its payload text.
    Verify(verify::VerifyArgs),
    /// Revoke a card, mark a member as departed (with a successor), or re-sign the list.
    Revoke(revoke::RevokeArgs),
    /// Print the QR codes found in photos.
    Decode(decode::DecodeArgs),
    /// Run the HTTP service (SQLite in ./namecard-data by default).
    Serve(serve::ServeArgs),
    /// Write a consistent backup of a SQLite service's database, while it runs.
    Backup(backup::BackupArgs),
    /// Put a backup back in place of the database (every instance stopped).
    Restore(backup::RestoreArgs),
    /// Manage the key-encryption key that seals the service's signing keys: rotate.
    #[command(subcommand)]
    Kek(kek::KekCommand),
}

/// Runs the CLI and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    // `serve` sets up its own logging, in the format its settings ask for.
    if !matches!(cli.command, Command::Serve(_)) {
        init_tracing();
    }
    let result = match &cli.command {
        Command::Keygen(args) => keys::keygen(args),
        Command::Keys(cmd) => keys::run(cmd),
        Command::Issue(args) => issue::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Revoke(args) => revoke::run(args),
        Command::Decode(args) => decode::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Kek(cmd) => kek::run(cmd),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`), so stdout stays machine-readable.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Parses a time given as Unix seconds or RFC 3339 (`2026-11-22T10:00:00Z`).
pub fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    humantime::parse_rfc3339_weak(s)
        .map_err(|e| format!("{s:?} is neither Unix seconds nor an RFC 3339 time: {e}"))
        .and_then(|t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .map_err(|_| format!("{s:?} is before 1970"))
        })
}

/// Parses a duration such as `30d`, `12h` or `90s`.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("{s:?} is not a duration like 30d or 12h: {e}"))
        .and_then(|d| i64::try_from(d.as_secs()).map_err(|_| "duration too long".to_string()))
}

pub use crate::domain::format_time;

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::Cli;
    use crate::card::{CardId, KeyId};

    #[test]
    fn ids_that_begin_with_a_hyphen_are_taken_as_ids_not_flags() {
        // base64url encodes 0xf8 as '-': one id in 64 begins with it.
        let kid = KeyId::from_bytes([0xf8; KeyId::LEN]).to_string();
        let card = CardId::from_bytes([0xf8; CardId::LEN]).to_string();
        assert!(kid.starts_with('-') && card.starts_with('-'));
        for args in [
            vec!["namecard", "keys", "remove", "--keys", "k", &kid],
            vec!["namecard", "keys", "retire", "--keys", "k", &kid],
            vec!["namecard", "revoke", "--keys", "k", "--card", &card],
        ] {
            let parsed = Cli::try_parse_from(&args);
            assert!(parsed.is_ok(), "{args:?}: {}", parsed.unwrap_err());
        }
    }
}
