//! Start-up: open the database, create the bootstrap token on first start, bind, serve, shut down
//! gracefully. The `serve` command and the integration tests both start the service through
//! [`Server::start`], so the tests run exactly what operators run.

use super::{AppState, Limits, router};
use crate::config::{Database, Settings};
use crate::domain::TokenSecret;
use crate::service::Keyring;
use crate::store::{self, Store, StoreError};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error("cannot open the database")]
    Store(#[from] StoreError),
    /// The public URL is not a valid issuer.
    #[error("invalid setting `public_url`")]
    Issuer(#[source] crate::card::CardError),
    /// Keys could not be loaded or created.
    #[error("cannot load the signing keys")]
    Keys(#[from] crate::service::KeyringError),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound, not yet serving, service.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: AppState,
    limits: Limits,
    refresh_interval: std::time::Duration,
    bootstrap_token: Option<TokenSecret>,
}

impl Server {
    /// Opens the database (creating and migrating it if needed), creates the bootstrap operator
    /// token if there is no operator yet, and binds the listen address.
    ///
    /// # Errors
    /// See [`StartError`].
    pub async fn start(settings: &Settings) -> Result<Self, StartError> {
        let store = open_store(&settings.database).await?;
        let bootstrap = TokenSecret::generate();
        let bootstrap_token = store
            .create_bootstrap_token(&bootstrap.hash(), super::now())
            .await?
            .then_some(bootstrap);
        let issuer =
            crate::card::Issuer::parse(&settings.public_url).map_err(StartError::Issuer)?;
        let keys = Arc::new(Keyring::load(issuer, Arc::clone(&store), super::now()).await?);
        let ttl = i64::try_from(settings.card_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        let mut contacts = crate::service::Contacts::new(
            i64::try_from(settings.contact_request_ttl.as_secs()).unwrap_or(i64::MAX / 2),
            i64::from(settings.phone_lookups_per_hour),
            3600,
            settings.scan_concurrency,
        );
        contacts.webhook_private_addresses = settings.webhook_private_addresses;
        let state = AppState::new(store, keys, ttl, contacts)
            .with_metrics_token(settings.metrics_token.clone());
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: settings.listen,
                source,
            })?;
        let limits = Limits {
            max_body_bytes: settings.max_body_bytes,
            request_timeout: settings.request_timeout,
        };
        Ok(Self {
            listener,
            state,
            limits,
            refresh_interval: settings.refresh_interval,
            bootstrap_token,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The one-time operator token, when this start created it; shown once, only its hash is stored.
    pub fn take_bootstrap_token(&mut self) -> Option<TokenSecret> {
        self.bootstrap_token.take()
    }

    /// Serves until `shutdown` completes, then stops accepting and finishes in-flight requests.
    ///
    /// # Errors
    /// When the listener fails.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (keys, store) = (&self.state.keys, &self.state.store);
        let chores = [
            // Picks up keys and revocations changed by other instances sharing the database.
            every(
                self.refresh_interval,
                "refreshing keys and revocations",
                Arc::clone(keys),
                |keys| async move { keys.refresh(super::now()).await },
            ),
            every(
                Duration::from_secs(30),
                "expiring contact requests",
                Arc::clone(store),
                |store| async move { store.expire_contact_requests(super::now()).await },
            ),
            // Sign-in links and web sessions are useless once expired; nothing else deletes them.
            every(
                Duration::from_secs(3600),
                "purging expired sign-in links and sessions",
                Arc::clone(store),
                |store| async move { store.purge_expired_signins(super::now()).await },
            ),
        ];
        let deliveries = crate::service::webhooks::spawn_deliveries(
            Arc::clone(&self.state.store),
            Duration::from_secs(1),
            self.state.contacts.webhook_private_addresses,
        );
        let app = router(self.state, self.limits);
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        for chore in chores {
            chore.abort();
        }
        deliveries.abort();
        served
    }
}

/// Runs `chore` on `on` every `period` until aborted; a failure is logged (saying `what`
/// failed) and the next round tries again.
fn every<S, Fut, T, E>(
    period: Duration,
    what: &'static str,
    on: S,
    chore: fn(S) -> Fut,
) -> tokio::task::JoinHandle<()>
where
    S: Clone + Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    E: std::fmt::Display,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            if let Err(e) = chore(on.clone()).await {
                tracing::warn!(error = %e, "{what} failed; will retry");
            }
        }
    })
}

async fn open_store(database: &Database) -> Result<Arc<dyn Store>, StartError> {
    match database {
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| StartError::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            Ok(Arc::new(store::SqliteStore::open(path).await?))
        }
        Database::Postgres(url) => Ok(store::connect(url).await?),
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
