//! Service settings: from flags, environment variables or a TOML file, in that order of precedence.
//!
//! [`RawSettings`] is what the user wrote (every field optional, the same names as flags and TOML
//! keys); [`Settings::resolve`] checks it once, per component, and fails with an error naming the
//! bad setting, so a misconfigured service stops at start-up instead of misbehaving later. Each
//! group of [`Settings`] builds its component. Secrets (the metrics token, a database URL that
//! may hold a password, the key-encryption key, the SMTP password) are [`Secret`]s, whose `Debug` prints nothing of
//! them.

use crate::service::contacts::{ContactSettings, Decoder};
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

/// A setting's value that must not reach a log: `Debug` prints `Secret(..)`.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The value itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// Settings as given, before validation. Each is a `--flag`, a `NAMECARD_*` variable (`DATABASE_URL`
/// for the database) and a key of the TOML file given with `--config`.
#[derive(Debug, Clone, Default, clap::Args, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    /// Directory for the SQLite database [default: ./namecard-data].
    #[arg(long, env = "NAMECARD_DATA_DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite:<path>` or `postgres://...`; default: SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<Secret>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "NAMECARD_LISTEN")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// The service's public base URL, the issuer named in every card [default: http://<listen>].
    #[arg(long, env = "NAMECARD_PUBLIC_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Largest request body in bytes [default: 1048576].
    #[arg(long, env = "NAMECARD_MAX_BODY_BYTES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
    /// Longest a request may take, e.g. `30s` [default: 30s].
    #[arg(long, env = "NAMECARD_REQUEST_TIMEOUT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_timeout: Option<String>,
    /// How long a client may take to send a request's headers, counted from when it connected or
    /// got its previous answer: a connection that trickles its headers, or idles between
    /// requests, for longer is closed, e.g. `10s` [default: 10s].
    #[arg(long, env = "NAMECARD_HEADER_READ_TIMEOUT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_read_timeout: Option<String>,
    /// Connections served at once; further clients wait in the listen queue until one closes.
    /// Keep it below the process's open-file limit (`ulimit -n`) less the database's
    /// connections [default: 512].
    #[arg(long, env = "NAMECARD_MAX_CONNECTIONS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
    /// How long a member's card is valid, e.g. `365days`; no card is issued for longer [default: 365days].
    #[arg(long, env = "NAMECARD_CARD_TTL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_ttl: Option<String>,
    /// Times a member may reset (re-issue) their primary card per hour; each reset adds the
    /// old card to the public revocation list until it would have expired [default: 10].
    #[arg(long, env = "NAMECARD_CARD_RESETS_PER_HOUR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_resets_per_hour: Option<u32>,
    /// Extra cards (beside the primary card) a member may hold unrevoked and unexpired at once
    /// [default: 20].
    #[arg(long, env = "NAMECARD_MAX_EXTRA_CARDS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_extra_cards: Option<u32>,
    /// How often each instance reloads keys and revocations from the database [default: 2s].
    #[arg(long, env = "NAMECARD_REFRESH_INTERVAL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<String>,
    /// How long a contact request stays pending before it expires, e.g. `14days` [default: 14days].
    #[arg(long, env = "NAMECARD_CONTACT_REQUEST_TTL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_request_ttl: Option<String>,
    /// Phone-number lookups one member may make per hour [default: 20].
    #[arg(long, env = "NAMECARD_PHONE_LOOKUPS_PER_HOUR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_lookups_per_hour: Option<u32>,
    /// Phone-number lookups the members of one organization may make together per hour
    /// [default: 200].
    #[arg(long, env = "NAMECARD_ORG_PHONE_LOOKUPS_PER_HOUR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_phone_lookups_per_hour: Option<u32>,
    /// Photos decoded at once; further uploads wait [default: the number of CPUs].
    #[arg(long, env = "NAMECARD_SCAN_CONCURRENCY")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_concurrency: Option<usize>,
    /// Wall-clock time one photo may take to decode before it is answered
    /// `time_budget_exceeded`, e.g. `2s`; raise it on slow machines [default: 2s].
    #[arg(long, env = "NAMECARD_SCAN_TIME_BUDGET")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_time_budget: Option<String>,
    /// Log lines as `text` (for people) or `json` (one object per line, for collectors) [default: text].
    #[arg(long, env = "NAMECARD_LOG_FORMAT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// A bearer token that `/metrics` requires; without it `/metrics` is open to anyone who can
    /// reach the listen address (by default only this machine).
    #[arg(long, env = "NAMECARD_METRICS_TOKEN", hide_env_values = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<Secret>,
    /// `true` lets organizations' webhooks reach loopback, private and link-local addresses
    /// (a webhook receiver inside the operator's own network); by default they reach only
    /// public addresses, so an org admin cannot make the server call internal hosts [default: false].
    #[arg(long, env = "NAMECARD_WEBHOOK_PRIVATE_ADDRESSES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_private_addresses: Option<bool>,
    /// A file holding the key-encryption key that seals the signing keys in the database
    /// (base64 of 32 random bytes); keep it apart from the database and its backups [default:
    /// namecard.kek in the data directory, generated on the first start].
    #[arg(long, env = "NAMECARD_KEK_FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kek_file: Option<PathBuf>,
    /// The key-encryption key itself (base64 of 32 random bytes), instead of `kek_file`; give it
    /// in the environment, where other users' `ps` does not show it.
    #[arg(long, env = "NAMECARD_KEK", hide_env_values = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kek: Option<Secret>,
    /// An HTTP(S) proxy every webhook delivery goes through, e.g. `http://proxy.internal:3128`.
    /// The environment's `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` are never used for webhooks:
    /// through a proxy the service cannot check the address a webhook reaches, so this proxy
    /// must refuse internal addresses itself [default: none, deliveries connect directly].
    #[arg(long, env = "NAMECARD_WEBHOOK_PROXY", hide_env_values = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_proxy: Option<Secret>,
    /// `true` lets organizations' OpenID providers (single sign-on) be on loopback, private and
    /// link-local addresses (a Keycloak inside the operator's own network); by default only
    /// public addresses are reached, as for webhooks [default: false].
    #[arg(long, env = "NAMECARD_OIDC_PRIVATE_ADDRESSES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc_private_addresses: Option<bool>,
    /// How long each call to an OpenID provider (discovery, keys, token) may take, connecting
    /// included, before the sign-in fails with `oidc_provider_unreachable` [default: 5s].
    #[arg(long, env = "NAMECARD_OIDC_TIMEOUT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc_timeout: Option<String>,
    /// The SMTP server mails go through, e.g. `smtp.example.com`; without it e-mail is off and
    /// nothing is queued [default: none].
    #[arg(long, env = "NAMECARD_SMTP_HOST")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_host: Option<String>,
    /// The SMTP server's port [default: 587 for starttls, 465 for tls, 25 for none].
    #[arg(long, env = "NAMECARD_SMTP_PORT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_port: Option<u16>,
    /// `starttls` (upgrade a plain connection, required), `tls` (TLS from the start, "SMTPS")
    /// or `none` (plain text: only for a relay on this machine or a private network)
    /// [default: starttls].
    #[arg(long, env = "NAMECARD_SMTP_TLS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_tls: Option<String>,
    /// The user name to authenticate with, if the server asks for one.
    #[arg(long, env = "NAMECARD_SMTP_USER")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_user: Option<String>,
    /// The password of `smtp_user`; give it in the environment, where other users' `ps` does
    /// not show it.
    #[arg(long, env = "NAMECARD_SMTP_PASSWORD", hide_env_values = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_password: Option<Secret>,
    /// The sender of every mail, e.g. `namecard <namecard@example.com>` (required with
    /// `smtp_host`). Links in mails point at `public_url`.
    #[arg(long, env = "NAMECARD_MAIL_FROM")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_from: Option<String>,
}

impl RawSettings {
    /// Reads a TOML settings file.
    ///
    /// # Errors
    /// When it cannot be read or has unknown keys or wrong types.
    pub fn from_toml_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad("config", format!("{}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| {
            // toml's Display quotes the offending line, which may hold the database password:
            // only its message and position are repeated.
            let at = e.span().map_or(String::new(), |span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!(" at line {line}, column {column}")
            });
            bad(
                "config",
                format!("{}{at}: {}", path.display(), e.message().trim_end()),
            )
        })
    }

    /// Fills every unset field from `fallback` (flags and environment win over the file). The
    /// two are merged as documents, key by key, so a new setting needs no line here.
    pub fn or(self, fallback: Self) -> Self {
        let as_map = |s: &Self| match serde_json::to_value(s) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let mut merged = as_map(&fallback);
        merged.extend(as_map(&self));
        // Both sides are RawSettings, so their union deserializes; `self` is the fallback's
        // fallback should that ever fail.
        serde_json::from_value(serde_json::Value::Object(merged)).unwrap_or(self)
    }
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (WAL mode).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (it may hold a password).
    Postgres(Secret),
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
        use subtle::ConstantTimeEq as _;
        self.0.ct_eq(&Self::new(presented).0).into()
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

/// The database.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub database: Database,
    /// The data directory: `data_dir`, else the SQLite file's directory, else `namecard-data`.
    pub data_dir: PathBuf,
}

/// Where the key-encryption key comes from.
#[derive(Debug, Clone)]
pub enum KekSource {
    /// `kek` (`NAMECARD_KEK`), already parsed.
    Value(std::sync::Arc<crate::seal::Kek>),
    /// A file: `kek_file`, or `namecard.kek` in the data directory. Generated when missing on a
    /// database that holds no sealed key yet.
    File(PathBuf),
}

impl KekSource {
    /// The setting that gives the KEK, for messages.
    pub fn setting(&self) -> &'static str {
        match self {
            Self::Value(_) => "kek",
            Self::File(_) => "kek_file",
        }
    }

    /// Where the KEK is, in words (never the KEK itself).
    pub fn describe(&self) -> String {
        match self {
            Self::Value(_) => "NAMECARD_KEK".to_owned(),
            Self::File(path) => path.display().to_string(),
        }
    }
}

/// Signing keys at rest.
#[derive(Debug, Clone)]
pub struct KeySettings {
    pub kek: KekSource,
}

/// The HTTP server.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub listen: SocketAddr,
    /// The issuer named in every card.
    pub public_url: String,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// Longest wait for a request's headers, on a new or an idle keep-alive connection.
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// `None`: `/metrics` is open.
    pub metrics_token: Option<MetricsToken>,
}

/// Cards and keys.
#[derive(Debug, Clone)]
pub struct CardSettings {
    pub card_ttl: Duration,
    /// Primary-card issues per member per hour.
    pub resets_per_hour: u32,
    /// Live extra cards per member.
    pub max_extra_cards: u32,
    /// How often keys and revocations are reloaded (other instances' changes).
    pub refresh_interval: Duration,
}

/// External contacts.
#[derive(Debug, Clone)]
pub struct ContactsSettings {
    pub request_ttl: Duration,
    pub phone_lookups_per_hour: u32,
    pub org_phone_lookups_per_hour: u32,
}

/// Photo decoding.
#[derive(Debug, Clone)]
pub struct ScanSettings {
    /// Photos decoded at once.
    pub concurrency: usize,
    /// Decoding time one photo may take.
    pub time_budget: Duration,
}

/// Webhook deliveries.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Whether webhooks may reach non-public addresses.
    pub private_addresses: bool,
    /// The proxy deliveries go through, if any (its URL may hold a password).
    pub proxy: Option<Secret>,
}

/// Single sign-on through organizations' OpenID providers.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// Whether providers may be on non-public addresses.
    pub private_addresses: bool,
    /// The longest one call to a provider may take.
    pub timeout: Duration,
}

impl OidcSettings {
    fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        let timeout = duration(
            "oidc_timeout",
            raw.oidc_timeout.as_deref(),
            Duration::from_secs(5),
        )?;
        if timeout > Duration::from_secs(20) {
            // Three calls must fit well inside the request timeout.
            return Err(bad("oidc_timeout", "must be at most 20s"));
        }
        Ok(Self {
            private_addresses: raw.oidc_private_addresses.unwrap_or(false),
            timeout,
        })
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on this machine or a private network).
    None,
    /// A plain connection upgraded with STARTTLS, which the server must offer.
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Implicit,
}

impl SmtpTls {
    /// The setting's value, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::StartTls => "starttls",
            Self::Implicit => "tls",
        }
    }
}

/// The SMTP server and the sender of every mail.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// The `From` of every mail.
    pub from: lettre::message::Mailbox,
}

/// E-mail: on with an SMTP server, off without one.
#[derive(Debug, Clone, Default)]
pub struct MailSettings {
    pub smtp: Option<SmtpSettings>,
}

impl MailSettings {
    fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        let Some(host) = raw.smtp_host.as_deref() else {
            let others = [
                ("smtp_port", raw.smtp_port.is_some()),
                ("smtp_tls", raw.smtp_tls.is_some()),
                ("smtp_user", raw.smtp_user.is_some()),
                ("smtp_password", raw.smtp_password.is_some()),
                ("mail_from", raw.mail_from.is_some()),
            ];
            if let Some((setting, _)) = others.into_iter().find(|(_, set)| *set) {
                return Err(bad(
                    setting,
                    "is set but smtp_host is not: set smtp_host to turn e-mail on",
                ));
            }
            return Ok(Self { smtp: None });
        };
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
        if !host_ok {
            return Err(bad(
                "smtp_host",
                format!("{host:?}: must be a host name or IP address, e.g. smtp.example.com"),
            ));
        }
        let tls = match raw.smtp_tls.as_deref() {
            None | Some("starttls") => SmtpTls::StartTls,
            Some("tls") => SmtpTls::Implicit,
            Some("none") => SmtpTls::None,
            Some(other) => {
                return Err(bad(
                    "smtp_tls",
                    format!("{other:?}: must be starttls, tls or none"),
                ));
            }
        };
        let port = match raw.smtp_port {
            None => match tls {
                SmtpTls::StartTls => 587,
                SmtpTls::Implicit => 465,
                SmtpTls::None => 25,
            },
            Some(0) => return Err(bad("smtp_port", "must be between 1 and 65535")),
            Some(p) => p,
        };
        let user = raw.smtp_user.clone().filter(|u| !u.is_empty());
        match (&user, &raw.smtp_password) {
            (None, Some(_)) => {
                return Err(bad("smtp_password", "is set but smtp_user is not"));
            }
            (Some(_), None) => {
                return Err(bad(
                    "smtp_password",
                    "smtp_user is set but smtp_password is not",
                ));
            }
            (Some(_), Some(_)) if tls == SmtpTls::None => {
                return Err(bad(
                    "smtp_tls",
                    "none would send smtp_password in plain text: use starttls or tls",
                ));
            }
            _ => {}
        }
        let from = match raw.mail_from.as_deref() {
            None => {
                return Err(bad(
                    "mail_from",
                    "must be set with smtp_host: the sender, e.g. \"namecard <namecard@example.com>\"",
                ));
            }
            Some(text) => text.parse::<lettre::message::Mailbox>().map_err(|e| {
                bad(
                    "mail_from",
                    format!("{text:?}: {e} (write e.g. \"namecard <namecard@example.com>\")"),
                )
            })?,
        };
        Ok(Self {
            smtp: Some(SmtpSettings {
                host: host.to_owned(),
                port,
                tls,
                user,
                password: raw.smtp_password.clone(),
                from,
            }),
        })
    }

    /// E-mail's state, for the start-up line (never the password).
    pub fn describe(&self) -> String {
        match &self.smtp {
            None => "e-mail is off (no smtp_host set): no mail is queued or sent".to_owned(),
            Some(s) => format!(
                "e-mail through {}:{} ({}{}) from {}",
                s.host,
                s.port,
                s.tls.as_str(),
                s.user
                    .as_deref()
                    .map_or(String::new(), |u| format!(", as {u}")),
                s.from
            ),
        }
    }
}

/// Validated settings, one group per component.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store: StoreSettings,
    pub http: HttpSettings,
    pub cards: CardSettings,
    pub contacts: ContactsSettings,
    pub scan: ScanSettings,
    pub webhooks: WebhookSettings,
    pub oidc: OidcSettings,
    pub mail: MailSettings,
    pub keys: KeySettings,
    pub log_format: LogFormat,
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

/// A rate per hour: `default` when unset, refused outside `1..=max`.
fn per_hour(
    setting: &'static str,
    raw: Option<u32>,
    default: u32,
    max: u32,
) -> Result<u32, ConfigError> {
    match raw {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(bad(setting, format!("must be between 1 and {max}"))),
    }
}

/// Whole seconds of a duration, as the store counts time.
fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)
}

impl StoreSettings {
    fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        let database = match raw.database_url.as_ref().map(Secret::expose) {
            None => Database::Sqlite(
                raw.data_dir
                    .clone()
                    .unwrap_or_else(|| "namecard-data".into())
                    .join("namecard.db"),
            ),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(url.into())
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
        let data_dir = match (&raw.data_dir, &database) {
            (Some(dir), _) => dir.clone(),
            (None, Database::Sqlite(path)) => match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
                _ => ".".into(),
            },
            (None, Database::Postgres(_)) => "namecard-data".into(),
        };
        Ok(Self { database, data_dir })
    }

    /// Where the data is, for the start-up line: the URL of a PostgreSQL database may hold a
    /// password, so only the kind is named.
    pub fn describe(&self) -> String {
        match &self.database {
            Database::Sqlite(path) => format!("SQLite {}", path.display()),
            Database::Postgres(_) => "PostgreSQL".to_owned(),
        }
    }
}

impl HttpSettings {
    fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        let listen_text = raw.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen: SocketAddr = listen_text.parse().map_err(|e| {
            bad(
                "listen",
                format!("{listen_text:?}: {e} (write e.g. 127.0.0.1:8080)"),
            )
        })?;
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
        let metrics_token = match raw.metrics_token.as_ref().map(Secret::expose) {
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
            listen,
            public_url,
            max_body_bytes,
            metrics_token,
            request_timeout: duration(
                "request_timeout",
                raw.request_timeout.as_deref(),
                Duration::from_secs(30),
            )?,
            header_read_timeout: duration(
                "header_read_timeout",
                raw.header_read_timeout.as_deref(),
                Duration::from_secs(10),
            )?,
            max_connections: match raw.max_connections {
                None => 512,
                Some(n) if (1..=1_000_000).contains(&n) => n,
                Some(_) => return Err(bad("max_connections", "must be between 1 and 1000000")),
            },
        })
    }
}

impl CardSettings {
    fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        Ok(Self {
            card_ttl: duration(
                "card_ttl",
                raw.card_ttl.as_deref(),
                Duration::from_secs(365 * 86_400),
            )?,
            resets_per_hour: per_hour("card_resets_per_hour", raw.card_resets_per_hour, 10, 1000)?,
            max_extra_cards: match raw.max_extra_cards {
                None => 20,
                Some(n) if n <= 10_000 => n,
                Some(_) => return Err(bad("max_extra_cards", "must be between 0 and 10000")),
            },
            refresh_interval: duration(
                "refresh_interval",
                raw.refresh_interval.as_deref(),
                Duration::from_secs(2),
            )?,
        })
    }

    /// The limits the cards service applies.
    pub fn build(&self) -> crate::service::cards::CardLimits {
        crate::service::cards::CardLimits {
            ttl_secs: secs(self.card_ttl),
            resets_per_hour: self.resets_per_hour,
            max_extra_cards: self.max_extra_cards,
        }
    }
}

impl KeySettings {
    /// The KEK file's name in the data directory, when no setting names the KEK.
    pub const DEFAULT_KEK_FILE: &str = "namecard.kek";

    fn resolve(raw: &RawSettings, store: &StoreSettings) -> Result<Self, ConfigError> {
        let kek = match (&raw.kek, &raw.kek_file) {
            (Some(_), Some(_)) => return Err(bad("kek", "give either kek or kek_file, not both")),
            (Some(text), None) => KekSource::Value(std::sync::Arc::new(
                crate::seal::Kek::parse(text.expose()).map_err(|e| bad("kek", e))?,
            )),
            (None, Some(path)) => KekSource::File(path.clone()),
            (None, None) => KekSource::File(store.data_dir.join(Self::DEFAULT_KEK_FILE)),
        };
        Ok(Self { kek })
    }
}

impl ContactsSettings {
    fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        Ok(Self {
            request_ttl: duration(
                "contact_request_ttl",
                raw.contact_request_ttl.as_deref(),
                Duration::from_secs(14 * 86_400),
            )?,
            phone_lookups_per_hour: per_hour(
                "phone_lookups_per_hour",
                raw.phone_lookups_per_hour,
                20,
                10_000,
            )?,
            org_phone_lookups_per_hour: per_hour(
                "org_phone_lookups_per_hour",
                raw.org_phone_lookups_per_hour,
                200,
                1_000_000,
            )?,
        })
    }

    /// The contacts feature's settings.
    pub fn build(&self) -> ContactSettings {
        ContactSettings {
            request_ttl_secs: secs(self.request_ttl),
            phone_lookups_per_window: i64::from(self.phone_lookups_per_hour),
            org_phone_lookups_per_window: i64::from(self.org_phone_lookups_per_hour),
            phone_window_secs: 3600,
        }
    }
}

impl ScanSettings {
    /// How long a photo may wait for a decoding slot, or an upload for its place.
    pub const QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

    fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        Ok(Self {
            concurrency: match raw.scan_concurrency {
                None => std::thread::available_parallelism().map_or(2, |n| n.get()),
                Some(n) if (1..=256).contains(&n) => n,
                Some(_) => return Err(bad("scan_concurrency", "must be between 1 and 256")),
            },
            time_budget: duration(
                "scan_time_budget",
                raw.scan_time_budget.as_deref(),
                crate::scan::ScanLimits::default().time_budget,
            )?,
        })
    }

    /// The photo decoder: default limits, `concurrency` photos at once.
    pub fn build(&self) -> Decoder {
        Decoder::new(
            crate::scan::ScanLimits {
                time_budget: self.time_budget,
                ..crate::scan::ScanLimits::default()
            },
            self.concurrency,
            Self::QUEUE_TIMEOUT,
        )
    }
}

impl WebhookSettings {
    fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
        let proxy = match &raw.webhook_proxy {
            None => None,
            Some(secret) => {
                let ok = url::Url::parse(secret.expose()).is_ok_and(|u| {
                    matches!(u.scheme(), "http" | "https") && u.host_str().is_some()
                });
                if !ok {
                    // The URL may hold a password: not repeated here.
                    return Err(bad(
                        "webhook_proxy",
                        "must be an http(s) URL such as http://proxy.internal:3128",
                    ));
                }
                Some(secret.clone())
            }
        };
        Ok(Self {
            private_addresses: raw.webhook_private_addresses.unwrap_or(false),
            proxy,
        })
    }
}

impl Settings {
    /// Validates raw settings, filling defaults.
    ///
    /// # Errors
    /// The first bad setting, by name.
    pub fn resolve(raw: &RawSettings) -> Result<Self, ConfigError> {
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
        let store = StoreSettings::resolve(raw)?;
        Ok(Self {
            http: HttpSettings::resolve(raw)?,
            keys: KeySettings::resolve(raw, &store)?,
            store,
            cards: CardSettings::resolve(raw)?,
            contacts: ContactsSettings::resolve(raw)?,
            scan: ScanSettings::resolve(raw)?,
            webhooks: WebhookSettings::resolve(raw)?,
            oidc: OidcSettings::resolve(raw)?,
            mail: MailSettings::resolve(raw)?,
            log_format,
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
            s.store.database,
            Database::Sqlite("namecard-data/namecard.db".into())
        );
        assert_eq!(s.http.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.http.public_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn a_toml_error_names_the_line_but_does_not_repeat_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("namecard.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:8080\"\ndatabase_url = \"postgres://nc:hunter2@db/nc\n",
        )
        .unwrap();

        let refused = RawSettings::from_toml_file(&path).unwrap_err().to_string();

        assert!(!refused.contains("hunter2"), "{refused}");
        assert!(refused.contains("line 2"), "{refused}");
        assert!(refused.contains("invalid setting `config`"), "{refused}");
    }

    #[test]
    fn a_webhook_proxy_must_be_an_http_url_and_is_not_repeated_in_the_error() {
        let raw = RawSettings {
            webhook_proxy: Some("socks5://user:hunter2@proxy:1080".into()),
            ..Default::default()
        };
        let refused = Settings::resolve(&raw).unwrap_err();
        assert_eq!(refused.setting, "webhook_proxy");
        assert!(!refused.to_string().contains("hunter2"), "{refused}");
        let raw = RawSettings {
            webhook_proxy: Some("http://user:hunter2@proxy.internal:3128".into()),
            ..Default::default()
        };
        let proxy = Settings::resolve(&raw).unwrap().webhooks.proxy;
        assert_eq!(
            proxy.as_ref().map(Secret::expose),
            Some("http://user:hunter2@proxy.internal:3128")
        );
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
    fn the_scan_time_budget_defaults_to_two_seconds_and_reaches_the_decoder() {
        let s = Settings::resolve(&RawSettings::default()).unwrap();
        assert_eq!(s.scan.time_budget, Duration::from_secs(2));
        let slow_machine: RawSettings = toml::from_str("scan_time_budget = \"5s\"").unwrap();
        let s = Settings::resolve(&slow_machine).unwrap();
        assert_eq!(s.scan.build().limits.time_budget, Duration::from_secs(5));
        let zero = RawSettings {
            scan_time_budget: Some("0s".into()),
            ..Default::default()
        };
        assert_eq!(
            Settings::resolve(&zero).unwrap_err().setting,
            "scan_time_budget"
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
        let token = s.http.metrics_token.expect("a metrics token");
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

    #[test]
    fn secrets_never_reach_a_debug_print() {
        let kek = "c2NyYXBlc2NyYXBlc2NyYXBlc2NyYXBlc2NyYXBlMTI=";
        let raw = RawSettings {
            database_url: Some("postgres://app:hunter2@db/namecard".into()),
            metrics_token: Some("0123456789abcdef-scrape".into()),
            kek: Some(kek.into()),
            ..Default::default()
        };
        let settings = Settings::resolve(&raw).unwrap();
        for printed in [format!("{raw:?}"), format!("{settings:?}")] {
            assert!(!printed.contains("hunter2"), "{printed}");
            assert!(!printed.contains("scrape"), "{printed}");
            assert!(!printed.contains(kek), "{printed}");
        }
    }

    #[test]
    fn the_kek_file_defaults_to_the_data_directory_and_a_bad_kek_is_named() {
        let s = Settings::resolve(&RawSettings::default()).unwrap();
        assert_eq!(s.store.data_dir, PathBuf::from("namecard-data"));
        assert!(
            matches!(&s.keys.kek, KekSource::File(p) if p == Path::new("namecard-data/namecard.kek"))
        );
        let beside: RawSettings = toml::from_str("database_url = \"sqlite:/srv/nc/x.db\"").unwrap();
        let s = Settings::resolve(&beside).unwrap();
        assert!(
            matches!(&s.keys.kek, KekSource::File(p) if p == Path::new("/srv/nc/namecard.kek"))
        );
        let short = RawSettings {
            kek: Some("c2hvcnQ=".into()),
            ..Default::default()
        };
        let e = Settings::resolve(&short).unwrap_err();
        assert_eq!(e.setting, "kek");
        assert!(e.to_string().contains("32 random bytes"), "{e}");
        let both = RawSettings {
            kek: Some("c2hvcnQ=".into()),
            kek_file: Some("k".into()),
            ..Default::default()
        };
        assert_eq!(Settings::resolve(&both).unwrap_err().setting, "kek");
    }
}
