//! The composition root: settings -> store -> services -> router and background chores; bind,
//! serve, shut down gracefully. The `serve` command and the integration tests both start the
//! service through [`Server::start`], so the tests run exactly what operators run.

use crate::config::{Database, KekSource, KeySettings, ScanSettings, Settings, StoreSettings};
use crate::domain::TokenSecret;
use crate::http::uploads::Uploads;
use crate::http::{AppState, Limits, router};
use crate::seal::{Kek, SealError};
use crate::service::KeyringError;
use crate::service::{
    Access, Book, Cards, Clock, Contacts, Departments, Keyring, Mail, Members, Orgs, Scim,
    Services, Sessions, SystemClock, Transfers, Ways, Webhooks,
};
use crate::store::{self, PrivateKey, Store, StoreError};
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
    Keys(#[from] KeyringError),
    /// The key-encryption key is missing, malformed, or not the one the signing keys are
    /// sealed with.
    #[error("invalid setting `{setting}`: {message}")]
    Kek {
        setting: &'static str,
        message: String,
    },
    /// The webhook delivery client, or the OpenID providers' client, could not be built.
    #[error("cannot build the outbound HTTP client")]
    Webhooks(#[source] reqwest::Error),
    /// The SMTP client could not be built from the settings.
    #[error("invalid setting `smtp_host`: cannot build the SMTP client")]
    Mail(#[source] lettre::transport::smtp::Error),
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
    connections: ConnectionLimits,
    refresh_interval: Duration,
    bootstrap_token: Option<TokenSecret>,
}

impl Server {
    /// Opens the database (creating and migrating it if needed), creates the bootstrap operator
    /// token if there is no operator yet, and binds the listen address.
    ///
    /// # Errors
    /// See [`StartError`].
    pub async fn start(settings: &Settings) -> Result<Self, StartError> {
        Self::start_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`Server::start`] on a clock of the caller's (tests move time with it).
    ///
    /// # Errors
    /// See [`StartError`].
    pub async fn start_with_clock(
        settings: &Settings,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let store = open_store(&settings.store).await?;
        let kek = load_kek(&settings.keys, &*store).await?;
        let services = Arc::new(build_services(settings, store, clock, kek).await?);
        let bootstrap_token = services.access.bootstrap().await?;
        let refolded = services.members.refold_search_keys().await?;
        if refolded > 0 {
            tracing::info!(
                refolded,
                "recomputed directory search keys for the current folding"
            );
        }
        // Four upload bodies read per decoding slot: decoding, not reading, is the bottleneck.
        // An upload waits for its places at most a third of the request's time and its body
        // must arrive within half of it, so a slow or stuck upload is answered with its own
        // problem (busy, body_too_slow) and frees its place before the request times out.
        let request_timeout = settings.http.request_timeout;
        let uploads = Uploads::new(
            4 * settings.scan.concurrency.max(1),
            request_timeout.min(ScanSettings::QUEUE_TIMEOUT) / 3,
            request_timeout / 2,
            services.contacts.decoder().limits.max_bytes,
        );
        let state = AppState::new(services, uploads, settings.http.metrics_token.clone());
        let listen = settings.http.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: listen,
                source,
            })?;
        let limits = Limits {
            max_body_bytes: settings.http.max_body_bytes,
            request_timeout: settings.http.request_timeout,
        };
        let connections = ConnectionLimits {
            header_read_timeout: settings.http.header_read_timeout,
            max_connections: settings.http.max_connections,
        };
        Ok(Self {
            listener,
            state,
            limits,
            connections,
            refresh_interval: settings.cards.refresh_interval,
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
        let services = &self.state.services;
        let chores = [
            // Picks up keys and revocations changed by other instances sharing the database.
            every(
                self.refresh_interval,
                "refreshing keys and revocations",
                Arc::clone(services),
                |s| async move { s.keys.refresh().await },
            ),
            every(
                Duration::from_secs(30),
                "expiring contact requests",
                Arc::clone(services),
                |s| async move { s.contacts.expire_requests().await },
            ),
            // Transfers whose period to refuse ended take effect; the period is stored with each
            // transfer, so a restart loses none.
            every(
                Duration::from_secs(1),
                "completing contact transfers",
                Arc::clone(services),
                |s| async move { s.transfers.complete_due().await },
            ),
            // Sign-in links and web sessions are useless once expired; nothing else deletes them.
            every(
                Duration::from_secs(3600),
                "purging expired sign-in links and sessions",
                Arc::clone(services),
                |s| async move { s.sessions.purge_expired().await },
            ),
            // Single sign-on attempts nobody finished.
            every(
                Duration::from_secs(600),
                "purging expired single sign-on attempts",
                Arc::clone(services),
                |s| async move { s.oidc.purge_expired().await },
            ),
            // The webhook outbox: every instance delivers, claiming deliveries under a lease.
            every(
                Duration::from_secs(1),
                "delivering webhooks",
                Arc::clone(services),
                |s| async move { s.webhooks.deliver_due().await },
            ),
            // The mail outbox, the same way (nothing to do while e-mail is off).
            every(
                Duration::from_secs(1),
                "sending mails",
                Arc::clone(services),
                |s| async move { s.mail.deliver_due().await },
            ),
        ];
        let app = router(self.state, self.limits);
        let served = serve(self.listener, app, self.connections, shutdown).await;
        for chore in chores {
            chore.abort();
        }
        served
    }
}

/// What the server allows a connection, so that it is safe without a reverse proxy in front.
#[derive(Debug, Clone, Copy)]
struct ConnectionLimits {
    /// Longest wait for a request's complete headers, from the connection's start or its
    /// previous answer (hyper's header-read timer runs while a keep-alive connection idles too).
    header_read_timeout: Duration,
    /// Connections served at once.
    max_connections: usize,
}

/// Serves HTTP/1.1 on `listener` until `shutdown` completes, then stops accepting, lets each
/// connection finish its request in flight and waits for them all.
///
/// What `axum::serve` does, with the two things it lacks: a header-read timeout (a client that
/// trickles its headers, or connects and sends nothing, or idles on a keep-alive connection, is
/// cut off) and a cap on connections (at the cap the server stops accepting and new clients
/// wait in the kernel's listen queue, instead of taking every file descriptor until `accept`
/// fails and `/healthz` cannot be reached).
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let places = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let place = tokio::select! {
            place = Arc::clone(&places).acquire_owned() => match place {
                Ok(place) => place,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // try again shortly rather than spin or stop.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = http.serve_connection(
            TokioIo::new(stream),
            hyper_util::service::TowerToHyperService::new(app.clone()),
        );
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(place);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a place until it ends.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = places.acquire_many(all).await;
    Ok(())
}

/// Every use case, over one store and one clock.
async fn build_services(
    settings: &Settings,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    kek: Arc<Kek>,
) -> Result<Services, StartError> {
    let issuer =
        crate::card::Issuer::parse(&settings.http.public_url).map_err(StartError::Issuer)?;
    let source = &settings.keys.kek;
    let keys = Keyring::load(
        issuer.clone(),
        Arc::clone(&store),
        Arc::clone(&clock),
        Arc::clone(&kek),
    )
    .await
    .map_err(|e| match e {
        KeyringError::Sealed { kid, source: seal } => StartError::Kek {
            setting: source.setting(),
            message: match seal {
                SealError::WrongKek { sealed_with, given } => format!(
                    "the signing keys are sealed under key-encryption key {sealed_with}, but \
                         {} holds {given}: give the key they were sealed with (an interrupted \
                         `namecard kek rotate` is finished by running it again)",
                    source.describe()
                ),
                other => format!("signing key {kid}: {other}"),
            },
        },
        other => StartError::Keys(other),
    })?;
    let keys = Arc::new(keys);
    let oidc = crate::service::Oidc::new(
        Arc::clone(&store),
        Arc::clone(&clock),
        Arc::clone(&kek),
        crate::service::oidc::provider_client(
            settings.oidc.private_addresses,
            settings.oidc.timeout,
        )
        .map_err(StartError::Webhooks)?,
        issuer.as_str(),
    );
    let webhooks = Webhooks::new(
        Arc::clone(&store),
        Arc::clone(&clock),
        settings.webhooks.private_addresses,
        settings
            .webhooks
            .proxy
            .as_ref()
            .map(crate::config::Secret::expose),
    )
    .map_err(StartError::Webhooks)?;
    let mail = Arc::new(
        Mail::new(
            Arc::clone(&store),
            Arc::clone(&clock),
            kek,
            issuer.as_str(),
            settings.mail.smtp.as_ref(),
        )
        .map_err(StartError::Mail)?,
    );
    let scim = Scim::new(
        Arc::clone(&store),
        Arc::clone(&keys),
        Arc::clone(&clock),
        issuer.as_str(),
    );
    Ok(Services {
        orgs: Orgs::new(Arc::clone(&store), Arc::clone(&clock)),
        access: Access::new(Arc::clone(&store), Arc::clone(&clock)),
        members: Members::new(Arc::clone(&store), Arc::clone(&keys), Arc::clone(&clock)),
        cards: Cards::new(
            Arc::clone(&store),
            Arc::clone(&keys),
            Arc::clone(&clock),
            settings.cards.build(),
        ),
        book: Book::new(Arc::clone(&store), Arc::clone(&clock)),
        departments: Departments::new(Arc::clone(&store), Arc::clone(&clock)),
        transfers: Transfers::new(Arc::clone(&store), Arc::clone(&keys), Arc::clone(&clock))
            .with_mail(Arc::clone(&mail)),
        ways: Ways::new(
            Arc::clone(&store),
            Arc::clone(&keys),
            Arc::clone(&clock),
            settings.cards.build().ttl_secs,
        ),
        contacts: Contacts::new(
            Arc::clone(&store),
            Arc::clone(&keys),
            Arc::clone(&clock),
            settings.contacts.build(),
            settings.scan.build(),
        )
        .with_mail(Arc::clone(&mail)),
        sessions: Sessions::new(Arc::clone(&store), Arc::clone(&clock), issuer)
            .with_mail(Arc::clone(&mail)),
        oidc,
        scim,
        webhooks,
        mail,
        keys,
        store,
        clock,
    })
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

/// Opens the store the settings name (creating the data directory, 0700, for SQLite) and
/// applies migrations.
///
/// # Errors
/// `DataDir` or `Store`.
pub async fn open_store(settings: &StoreSettings) -> Result<Arc<dyn Store>, StartError> {
    match &settings.database {
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_data_dir(dir)?;
            }
            Ok(Arc::new(store::SqliteStore::open(path).await?))
        }
        Database::Postgres(url) => Ok(store::connect(url.expose()).await?),
    }
}

/// Creates a directory only the service's user may enter (0700); one that exists is left as it
/// is, with a warning when others may read it.
fn create_data_dir(dir: &std::path::Path) -> Result<(), StartError> {
    crate::files::create_private_dir(dir).map_err(|source| StartError::DataDir {
        path: dir.display().to_string(),
        source,
    })?;
    if crate::files::is_shared(dir) {
        tracing::warn!(
            dir = %dir.display(),
            "the data directory is open to other users; `chmod 700` it (the database and the key-encryption key are in it)"
        );
    }
    Ok(())
}

/// The key-encryption key: the value given, or the file's. A missing file is generated (0600)
/// only while the database holds no sealed key; otherwise start-up stops, naming the setting.
async fn load_kek(settings: &KeySettings, store: &dyn Store) -> Result<Arc<Kek>, StartError> {
    let source = &settings.kek;
    let refused = |message: String| StartError::Kek {
        setting: source.setting(),
        message,
    };
    let path = match source {
        KekSource::Value(kek) => return Ok(Arc::clone(kek)),
        KekSource::File(path) => path,
    };
    let missing = match Kek::read_file(path) {
        Ok(kek) => {
            if crate::files::is_shared(path) {
                tracing::warn!(path = %path.display(), "the key-encryption key file is readable by other users; `chmod 600` it");
            }
            return Ok(Arc::new(kek));
        }
        Err(SealError::Io { source: e, .. }) if e.kind() == std::io::ErrorKind::NotFound => e,
        Err(e) => return Err(refused(e.to_string())),
    };
    let sealed_with = store
        .list_keys()
        .await?
        .into_iter()
        .find_map(|k| match k.private_key {
            PrivateKey::Sealed(s) => Some(s.kek),
            PrivateKey::Plaintext(_) => None,
        });
    if let Some(id) = sealed_with {
        // Another instance starting beside this one may have generated the file (it does so
        // before it seals any key) between the read above and the look at the keys.
        if let Ok(kek) = Kek::read_file(path) {
            return Ok(Arc::new(kek));
        }
        return Err(refused(format!(
            "{}: {missing}; the signing keys are sealed under key-encryption key {id}: restore \
             that file, or give its key in NAMECARD_KEK",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_data_dir(dir)?;
    }
    let kek = Kek::generate_file(path).map_err(|e| refused(e.to_string()))?;
    tracing::warn!(
        path = %path.display(),
        kek_id = %kek.id(),
        "generated the key-encryption key that seals the signing keys: back it up, and keep it \
         apart from the database and its backups (without it the keys cannot be read; with a \
         backup, it gives them away)"
    );
    Ok(Arc::new(kek))
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
