//! Service settings: from flags, environment variables or a TOML file, in that order of precedence.
//!
//! [`RawSettings`] is what the user wrote (every field optional, the same names as flags and TOML
//! keys); [`Settings::resolve`] checks it once and fails with an error naming the bad setting, so a
//! misconfigured service stops at start-up instead of misbehaving later.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A setting that stopped start-up.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting `{setting}`: {message}")]
pub struct ConfigError {
    /// The flag / TOML key at fault, e.g. `listen`.
    pub setting: &'static str,
    /// What is wrong with it.
    pub message: String,
}

fn bad(setting: &'static str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        setting,
        message: message.to_string(),
    }
}

/// Settings as given, before validation. Each is a `--flag`, a `NAMECARD_*` variable (`DATABASE_URL`
/// for the database) and a key of the TOML file given with `--config`.
#[derive(Debug, Clone, Default, clap::Args, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    /// Directory for the SQLite database [default: ./namecard-data].
    #[arg(long, env = "NAMECARD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite:<path>` or `postgres://...`; default: SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "NAMECARD_LISTEN")]
    pub listen: Option<String>,
    /// The service's public base URL, the issuer named in every card [default: http://<listen>].
    #[arg(long, env = "NAMECARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest request body in bytes [default: 1048576].
    #[arg(long, env = "NAMECARD_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<u64>,
    /// Longest a request may take, e.g. `30s` [default: 30s].
    #[arg(long, env = "NAMECARD_REQUEST_TIMEOUT")]
    pub request_timeout: Option<String>,
    /// How long a member's card is valid, e.g. `365days` [default: 365days].
    #[arg(long, env = "NAMECARD_CARD_TTL")]
    pub card_ttl: Option<String>,
    /// How often each instance reloads keys and revocations from the database [default: 2s].
    #[arg(long, env = "NAMECARD_REFRESH_INTERVAL")]
    pub refresh_interval: Option<String>,
    /// How long a contact request stays pending before it expires, e.g. `14days` [default: 14days].
    #[arg(long, env = "NAMECARD_CONTACT_REQUEST_TTL")]
    pub contact_request_ttl: Option<String>,
    /// Phone-number lookups one member may make per hour [default: 20].
    #[arg(long, env = "NAMECARD_PHONE_LOOKUPS_PER_HOUR")]
    pub phone_lookups_per_hour: Option<u32>,
    /// Photos decoded at once; further uploads wait [default: the number of CPUs].
    #[arg(long, env = "NAMECARD_SCAN_CONCURRENCY")]
    pub scan_concurrency: Option<usize>,
    /// Log lines as `text` (for people) or `json` (one object per line, for collectors) [default: text].
    #[arg(long, env = "NAMECARD_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// A bearer token that `/metrics` requires; without it `/metrics` is open to anyone who can
    /// reach the listen address (by default only this machine).
    #[arg(long, env = "NAMECARD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// `true` lets organizations' webhooks reach loopback, private and link-local addresses
    /// (a webhook receiver inside the operator's own network); by default they reach only
    /// public addresses, so an org admin cannot make the server call internal hosts [default: false].
    #[arg(long, env = "NAMECARD_WEBHOOK_PRIVATE_ADDRESSES")]
    pub webhook_private_addresses: Option<bool>,
}

impl RawSettings {
    /// Reads a TOML settings file.
    ///
    /// # Errors
    /// When it cannot be read or has unknown keys or wrong types.
    pub fn from_toml_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad("config", format!("{}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| bad("config", format!("{}: {e}", path.display())))
    }

    /// Fills every unset field from `fallback` (flags and environment win over the file).
    pub fn or(self, fallback: Self) -> Self {
        Self {
            data_dir: self.data_dir.or(fallback.data_dir),
            database_url: self.database_url.or(fallback.database_url),
            listen: self.listen.or(fallback.listen),
            public_url: self.public_url.or(fallback.public_url),
            max_body_bytes: self.max_body_bytes.or(fallback.max_body_bytes),
            request_timeout: self.request_timeout.or(fallback.request_timeout),
            card_ttl: self.card_ttl.or(fallback.card_ttl),
            refresh_interval: self.refresh_interval.or(fallback.refresh_interval),
            contact_request_ttl: self.contact_request_ttl.or(fallback.contact_request_ttl),
            phone_lookups_per_hour: self
                .phone_lookups_per_hour
                .or(fallback.phone_lookups_per_hour),
            scan_concurrency: self.scan_concurrency.or(fallback.scan_concurrency),
            log_format: self.log_format.or(fallback.log_format),
            metrics_token: self.metrics_token.or(fallback.metrics_token),
            webhook_private_addresses: self
                .webhook_private_addresses
                .or(fallback.webhook_private_addresses),
        }
    }
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (WAL mode).
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines, with the request's span (and its id) before each message.
    #[default]
    Text,
    /// One JSON object per line, with the request's span fields (and its id) in each.
    Json,
}

/// The bearer token `/metrics` requires. Only its SHA-256 digest is kept, compared in constant
/// time; `Debug` prints nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken([u8; 32]);

impl MetricsToken {
    fn new(secret: &str) -> Self {
        use sha2::Digest as _;
        Self(sha2::Sha256::digest(secret.as_bytes()).into())
    }

    /// Whether `presented` is the token (constant time in the digest, which is all an attacker
    /// could probe).
    pub fn matches(&self, presented: &str) -> bool {
        let other = Self::new(presented);
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: Database,
    pub listen: SocketAddr,
    pub public_url: String,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub card_ttl: Duration,
    pub refresh_interval: Duration,
    pub contact_request_ttl: Duration,
    pub phone_lookups_per_hour: u32,
    pub scan_concurrency: usize,
    /// Whether webhooks may reach non-public addresses.
    pub webhook_private_addresses: bool,
    pub log_format: LogFormat,
    /// `None`: `/metrics` is open.
    pub metrics_token: Option<MetricsToken>,
}

fn duration(
    setting: &'static str,
    raw: Option<&str>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match raw {
        None => Ok(default),
        Some(text) => match humantime::parse_duration(text) {
            Ok(d) if !d.is_zero() => Ok(d),
            Ok(_) => Err(bad(setting, "must be longer than zero")),
            Err(e) => Err(bad(
                setting,
                format!("{text:?}: {e} (write e.g. 30s or 365days)"),
            )),
        },
    }
}

impl Settings {
    /// Validates raw settings, filling defaults.
    ///
    /// # Errors
    /// The first bad setting, by name.
    pub fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        let listen_text = raw.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen_text.parse().map_err(|e| {
            bad(
                "listen",
                format!("{listen_text:?}: {e} (write e.g. 127.0.0.1:8080)"),
            )
        })?;
        let database = match raw.database_url.as_deref() {
            None => Database::Sqlite(
                raw.data_dir
                    .clone()
                    .unwrap_or_else(|| "namecard-data".into())
                    .join("namecard.db"),
            ),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(url.to_owned())
            }
            Some(url) => match url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
            {
                Some(path) if !path.is_empty() => Database::Sqlite(path.into()),
                _ => {
                    return Err(bad(
                        "database_url",
                        "must be sqlite:<path> or postgres://...",
                    ));
                }
            },
        };
        let public_url = raw
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"));
        let scheme_ok = public_url.starts_with("https://") || public_url.starts_with("http://");
        if !scheme_ok || public_url.ends_with('/') || public_url.contains(char::is_whitespace) {
            return Err(bad(
                "public_url",
                "must be an http(s) URL without a trailing slash, e.g. https://nc.example.com",
            ));
        }
        let max_body_bytes = match raw.max_body_bytes {
            None => 1024 * 1024,
            Some(n) if (1024..=64 * 1024 * 1024).contains(&n) => n as usize,
            Some(_) => return Err(bad("max_body_bytes", "must be between 1024 and 67108864")),
        };
        let log_format = match raw.log_format.as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(bad(
                    "log_format",
                    format!("{other:?}: must be text or json"),
                ));
            }
        };
        let metrics_token = match raw.metrics_token.as_deref() {
            None => None,
            Some(t) if t.len() >= 16 && t.bytes().all(|b| b.is_ascii_graphic()) => {
                Some(MetricsToken::new(t))
            }
            Some(_) => {
                return Err(bad(
                    "metrics_token",
                    "must be at least 16 printable characters without spaces",
                ));
            }
        };
        Ok(Self {
            database,
            listen,
            public_url,
            max_body_bytes,
            log_format,
            metrics_token,
            request_timeout: duration(
                "request_timeout",
                raw.request_timeout.as_deref(),
                Duration::from_secs(30),
            )?,
            card_ttl: duration(
                "card_ttl",
                raw.card_ttl.as_deref(),
                Duration::from_secs(365 * 86_400),
            )?,
            refresh_interval: duration(
                "refresh_interval",
                raw.refresh_interval.as_deref(),
                Duration::from_secs(2),
            )?,
            contact_request_ttl: duration(
                "contact_request_ttl",
                raw.contact_request_ttl.as_deref(),
                Duration::from_secs(14 * 86_400),
            )?,
            phone_lookups_per_hour: match raw.phone_lookups_per_hour {
                None => 20,
                Some(n) if (1..=10_000).contains(&n) => n,
                Some(_) => {
                    return Err(bad("phone_lookups_per_hour", "must be between 1 and 10000"));
                }
            },
            scan_concurrency: match raw.scan_concurrency {
                None => std::thread::available_parallelism().map_or(2, |n| n.get()),
                Some(n) if (1..=256).contains(&n) => n,
                Some(_) => return Err(bad("scan_concurrency", "must be between 1 and 256")),
            },
            webhook_private_addresses: raw.webhook_private_addresses.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_settings_means_sqlite_in_the_data_directory_on_port_8080() {
        let s = Settings::resolve(&RawSettings::default()).unwrap();
        assert_eq!(
            s.database,
            Database::Sqlite("namecard-data/namecard.db".into())
        );
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn a_bad_setting_is_named_in_the_error() {
        let raw = RawSettings {
            listen: Some("localhost".into()),
            ..Default::default()
        };
        assert_eq!(Settings::resolve(&raw).unwrap_err().setting, "listen");
        let raw = RawSettings {
            database_url: Some("mysql://x".into()),
            ..Default::default()
        };
        assert_eq!(Settings::resolve(&raw).unwrap_err().setting, "database_url");
        let raw = RawSettings {
            request_timeout: Some("soon".into()),
            ..Default::default()
        };
        assert!(
            Settings::resolve(&raw)
                .unwrap_err()
                .to_string()
                .contains("request_timeout")
        );
    }

    #[test]
    fn flags_win_over_the_file() {
        let flags = RawSettings {
            listen: Some("127.0.0.1:9".into()),
            ..Default::default()
        };
        let file: RawSettings =
            toml::from_str("listen = \"0.0.0.0:1\"\ncard_ttl = \"30days\"").unwrap();
        let merged = flags.or(file);
        assert_eq!(merged.listen.as_deref(), Some("127.0.0.1:9"));
        assert_eq!(merged.card_ttl.as_deref(), Some("30days"));
        assert!(toml::from_str::<RawSettings>("lisen = \"x\"").is_err());
    }

    #[test]
    fn the_log_format_and_metrics_token_are_read_from_the_file_and_checked() {
        let file: RawSettings =
            toml::from_str("log_format = \"json\"\nmetrics_token = \"0123456789abcdef-scrape\"")
                .unwrap();
        let s = Settings::resolve(&file).unwrap();
        assert_eq!(s.log_format, LogFormat::Json);
        let token = s.metrics_token.expect("a metrics token");
        assert!(token.matches("0123456789abcdef-scrape"));
        assert!(!token.matches("0123456789abcdef-scrapf"));
        assert_eq!(format!("{token:?}"), "MetricsToken(..)");
        assert_eq!(
            Settings::resolve(&RawSettings::default())
                .unwrap()
                .log_format,
            LogFormat::Text
        );

        let bad_format = RawSettings {
            log_format: Some("xml".into()),
            ..Default::default()
        };
        assert_eq!(
            Settings::resolve(&bad_format).unwrap_err().setting,
            "log_format"
        );
        let short = RawSettings {
            metrics_token: Some("secret".into()),
            ..Default::default()
        };
        assert_eq!(
            Settings::resolve(&short).unwrap_err().setting,
            "metrics_token"
        );
    }
}
