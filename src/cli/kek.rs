//! `namecard kek rotate`: seal every signing key (and every single sign-on client secret and
//! queued mail's letter) in the database under a new key-encryption key.

use crate::config::KekSource;
use crate::seal::{Kek, SealError};
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Key-encryption key commands.
#[derive(Debug, clap::Subcommand)]
pub enum KekCommand {
    /// Seal every signing key under a new key-encryption key, in one transaction. With the KEK
    /// in a file and no --new-kek-file, the new KEK replaces that file once the database is
    /// done; an interrupted rotation is finished by running it again.
    Rotate(RotateArgs),
}

/// `namecard kek rotate`: the service's own settings name the database and the current KEK.
#[derive(Debug, Clone, clap::Args)]
pub struct RotateArgs {
    /// Where the new KEK is, or is generated (0600) when the file does not exist; the service
    /// must then be started with it [default: `<current kek_file>.next`, moved over the current
    /// file at the end].
    #[arg(long)]
    pub new_kek_file: Option<PathBuf>,
    /// The service's TOML settings file (flags and environment variables win).
    #[arg(long, env = "NAMECARD_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: crate::config::RawSettings,
}

/// Runs a `kek` command.
///
/// # Errors
/// Bad settings, an unreachable database, a current KEK that does not open the keys.
pub fn run(command: &KekCommand) -> anyhow::Result<ExitCode> {
    match command {
        KekCommand::Rotate(args) => rotate(args),
    }
}

fn rotate(args: &RotateArgs) -> anyhow::Result<ExitCode> {
    let settings = super::serve::resolve(args.config.as_deref(), &args.settings)?;
    let source = &settings.keys.kek;
    let current = match source {
        KekSource::Value(kek) => std::sync::Arc::clone(kek),
        KekSource::File(path) => std::sync::Arc::new(
            Kek::read_file(path).with_context(|| "reading the current KEK (`kek_file`)")?,
        ),
    };
    let (next_path, replaces) = match (&args.new_kek_file, source) {
        (Some(path), _) => (path.clone(), None),
        (None, KekSource::File(path)) => {
            let mut next = path.as_os_str().to_owned();
            next.push(".next");
            (PathBuf::from(next), Some(path.as_path()))
        }
        (None, KekSource::Value(_)) => anyhow::bail!(
            "the current KEK comes from NAMECARD_KEK: give the new one's file with --new-kek-file"
        ),
    };
    let next = read_or_generate(&next_path)?;
    anyhow::ensure!(
        next.id() != current.id(),
        "{} holds the current KEK",
        next_path.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let resealed = runtime.block_on(async {
        let store = crate::startup::open_store(&settings.store)
            .await
            .context("opening the database")?;
        let keys = crate::service::keyring::reseal_keys(&*store, &current, &next)
            .await
            .context("sealing the signing keys under the new KEK (nothing was changed)")?;
        // The organizations' single sign-on client secrets are sealed the same way. Run again
        // after a failure here, the rotation skips what is already sealed under the new KEK.
        let secrets = crate::service::oidc::reseal_secrets(&*store, &current, &next)
            .await
            .context(
                "sealing the single sign-on client secrets under the new KEK (the signing keys \
                 are done: run the rotation again to finish)",
            )?;
        // And the letters of mails still queued, which the mail worker opens with the KEK.
        let letters = crate::service::mail::reseal_letters(&*store, &current, &next)
            .await
            .context(
                "sealing the queued mails' letters under the new KEK (the keys and secrets are \
                 done: run the rotation again to finish)",
            )?;
        // And the revocation lists' decoy seed.
        let list_secrets = crate::service::keyring::reseal_list_secrets(&*store, &current, &next)
            .await
            .context(
                "sealing the revocation lists' decoy seed under the new KEK (the keys, \
                     secrets and letters are done: run the rotation again to finish)",
            )?;
        anyhow::Ok((keys, secrets, letters, list_secrets))
    })?;
    let (resealed, secrets, letters, list_secrets) = resealed;
    let place = match replaces {
        Some(current_path) => {
            std::fs::rename(&next_path, current_path)
                .and_then(|()| crate::files::sync_parent(current_path))
                .with_context(|| {
                    format!(
                        "the keys are sealed under the new KEK, in {}; move it over {}",
                        next_path.display(),
                        current_path.display()
                    )
                })?;
            current_path.display().to_string()
        }
        None => format!(
            "{}; start the service with kek_file set to it",
            next_path.display()
        ),
    };
    println!(
        "sealed {resealed} signing keys, {secrets} single sign-on client secrets, {letters} \
         queued mails' letters and {list_secrets} revocation list secrets under \
         key-encryption key {} ({place})",
        next.id()
    );
    println!(
        "restart every running instance now, before anyone rotates a signing key: instances \
         still holding the old KEK would seal new keys under it. Backups made before hold keys \
         sealed under the old KEK {}: keep it apart as long as you keep them.",
        current.id()
    );
    Ok(ExitCode::SUCCESS)
}

/// The new KEK: the file's, or one generated into it.
fn read_or_generate(path: &Path) -> anyhow::Result<Kek> {
    match Kek::read_file(path) {
        Ok(kek) => Ok(kek),
        Err(SealError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(Kek::generate_file(path)?)
        }
        Err(e) => Err(e).context("reading the new KEK"),
    }
}
