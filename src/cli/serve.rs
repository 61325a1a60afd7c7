//! `namecard serve`: run the HTTP service.

use crate::config::{RawSettings, Settings};
use crate::http::server::{Server, shutdown_signal};
use anyhow::Context as _;
use std::process::ExitCode;

/// Run the service: with no flags, SQLite in ./namecard-data on http://127.0.0.1:8080.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// A TOML file with any of the settings below (flags and environment variables win).
    #[arg(long, env = "NAMECARD_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub settings: RawSettings,
}

/// Runs the service until Ctrl-C or SIGTERM, then finishes in-flight requests.
///
/// # Errors
/// A bad setting (named), or a database or address that cannot be opened.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let file = match &args.config {
        Some(path) => RawSettings::from_toml_file(path)?,
        None => RawSettings::default(),
    };
    let settings = Settings::resolve(&args.settings.clone().or(file))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(async {
        let mut server = Server::start(&settings)
            .await
            .context("starting the service")?;
        if let Some(token) = server.take_bootstrap_token() {
            println!(
                "Bootstrap operator token (shown once; only its hash is stored):\n\n    {}\n",
                token.expose()
            );
        }
        println!(
            "namecard listening on http://{} (database: {:?})",
            server.local_addr(),
            settings.database
        );
        server.run(shutdown_signal()).await.context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}
