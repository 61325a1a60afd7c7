//! `namecard serve`: run the HTTP service.

use crate::config::{LogFormat, RawSettings, Settings};
use crate::startup::{Server, shutdown_signal};
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
    let settings = resolve(args.config.as_deref(), &args.settings)?;
    init_logging(settings.log_format);
    if settings.http.metrics_token.is_none() && !settings.http.listen.ip().is_loopback() {
        tracing::warn!(
            listen = %settings.http.listen,
            "/metrics is open to anyone who can reach the listen address; set metrics_token to protect it"
        );
    }
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
        let database = settings.store.describe();
        let mail = settings.mail.describe();
        match settings.log_format {
            LogFormat::Text => println!(
                "namecard listening on http://{} (database: {database})\n{mail}",
                server.local_addr()
            ),
            LogFormat::Json => tracing::info!(
                address = %server.local_addr(),
                database,
                mail,
                "namecard listening"
            ),
        }
        server.run(shutdown_signal()).await.context("serving")
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The settings from `flags`, then the TOML file `config`, then the defaults.
///
/// # Errors
/// A file that cannot be read or parsed, or a bad setting (named).
pub fn resolve(config: Option<&std::path::Path>, flags: &RawSettings) -> anyhow::Result<Settings> {
    let file = match config {
        Some(path) => RawSettings::from_toml_file(path)?,
        None => RawSettings::default(),
    };
    Ok(Settings::resolve(&flags.clone().or(file))?)
}

/// Logs to stderr (stdout has only the start-up lines) as text or JSON lines, filtered by
/// `RUST_LOG` (default `info`). Every line
/// written while a request is handled carries that request's span, and with it its id: in text
/// as `request{request_id=..}:` before the message, in JSON in the `span` and `spans` fields.
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal, never escape codes in a log file or collector.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    // Fails only when a subscriber is already set (a second start in one process).
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
}
