//! Shared test harness: the real server on a random port with a fresh database per test, on SQLite
//! always and on PostgreSQL when `NAMECARD_TEST_POSTGRES_URL` is set, and a client with a method
//! per endpoint.
#![allow(dead_code)]

pub mod browser;
pub mod oidc;
pub mod rogue_idp;

use namecard::config::{RawSettings, Settings};
use namecard::startup::Server;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Backend)` once per database, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::common::Backend::Postgres).await } )*
        }
    };
}

/// A database URL for a fresh, empty database: a temp SQLite file, or a new PostgreSQL schema,
/// and a data directory for it (the SQLite file's; on PostgreSQL, where the key-encryption key
/// goes). `None` (with the reason printed) when PostgreSQL is asked for but not configured.
pub async fn fresh_database(backend: Backend) -> Option<(String, Option<tempfile::TempDir>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite:{}", dir.path().join("namecard.db").display());
            Some((url, Some(dir)))
        }
        Backend::Postgres => {
            let Ok(base) = std::env::var("NAMECARD_TEST_POSTGRES_URL") else {
                eprintln!("skipping the PostgreSQL half: NAMECARD_TEST_POSTGRES_URL is not set");
                return None;
            };
            let schema = format!("t_{}", hex_id());
            let (mut conn, _) = connect_pg(&base).await;
            sqlx::Executor::execute(&mut conn, format!("CREATE SCHEMA {schema}").as_str())
                .await
                .expect("create schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            Some((
                format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                Some(tempfile::tempdir().expect("tempdir")),
            ))
        }
    }
}

async fn connect_pg(url: &str) -> (sqlx::PgConnection, ()) {
    use sqlx::Connection as _;
    (
        sqlx::PgConnection::connect(url)
            .await
            .expect("connect to NAMECARD_TEST_POSTGRES_URL"),
        (),
    )
}

fn hex_id() -> String {
    use rand::RngCore as _;
    let mut b = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The spawned server and a client for it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// The bootstrap operator token the server printed on first start.
    pub operator: String,
    pub database_url: String,
    /// The data directory: the SQLite file's, and where the key-encryption key was generated.
    pub data_dir: std::path::PathBuf,
    _dir: Option<tempfile::TempDir>,
    _shutdown: Arc<tokio::sync::Notify>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self._shutdown.notify_one();
    }
}

/// Starts the real server on 127.0.0.1:0 with a fresh database.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, RawSettings::default()).await
}

/// Starts the real server with extra settings.
pub async fn spawn_app_with(backend: Backend, extra: RawSettings) -> Option<TestApp> {
    spawn_app_on(backend, extra, Arc::new(namecard::service::SystemClock)).await
}

/// Starts the real server on a clock the test holds (to make a card old or a request expire).
pub async fn spawn_app_at(
    backend: Backend,
    clock: Arc<namecard::service::ManualClock>,
) -> Option<TestApp> {
    spawn_app_on(backend, RawSettings::default(), clock).await
}

/// Starts the real server with extra settings on a clock of the caller's.
pub async fn spawn_app_on(
    backend: Backend,
    extra: RawSettings,
    clock: Arc<dyn namecard::service::Clock>,
) -> Option<TestApp> {
    let (database_url, dir) = fresh_database(backend).await?;
    let data_dir = dir.as_ref().expect("a data directory").path().to_owned();
    let raw = RawSettings {
        database_url: Some(database_url.clone().into()),
        data_dir: Some(data_dir.clone()),
        listen: Some("127.0.0.1:0".into()),
        public_url: Some("https://nc.example.com".into()),
        // Photos decode unoptimized here, while other tests share the cores: the 2 s budget
        // would turn a slow "no code found" into `time_budget_exceeded`, which no test here is
        // about (tests/scan_refusals.rs is).
        scan_time_budget: Some("60s".into()),
        ..Default::default()
    };
    let settings = Settings::resolve(&extra.or(raw)).expect("test settings");
    let mut server = Server::start_with_clock(&settings, clock)
        .await
        .expect("server starts");
    let operator = server
        .take_bootstrap_token()
        .expect("first start prints a bootstrap token")
        .expose()
        .to_owned();
    let base = format!("http://{}", server.local_addr());
    let shutdown = Arc::new(tokio::sync::Notify::new());
    let stop = Arc::clone(&shutdown);
    tokio::spawn(server.run(async move { stop.notified().await }));
    Some(TestApp {
        base,
        // No connection reuse: a refused request body can leave a pooled connection half-closed.
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client"),
        operator,
        database_url,
        data_dir,
        _dir: dir,
        _shutdown: shutdown,
    })
}

impl TestApp {
    /// A client for a server the test started itself at `base` (the test owns and stops it).
    pub fn attach(base: &str, operator: &str) -> TestApp {
        TestApp {
            base: base.to_owned(),
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("client"),
            operator: operator.to_owned(),
            database_url: String::new(),
            data_dir: std::path::PathBuf::new(),
            _dir: None,
            _shutdown: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

/// A response: status, content type and body (JSON when it parses).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
    pub json: Value,
}

impl Answer {
    /// The problem+json `code`, asserting the content type.
    pub fn problem_code(&self) -> &str {
        assert_eq!(
            self.content_type, "application/problem+json",
            "not a problem: {self:?}"
        );
        self.json["code"].as_str().unwrap_or("")
    }

    /// Asserts `status`, printing the body on failure, and returns the JSON body.
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {} {}",
            self.status,
            self.json
        );
        self.json
    }
}

impl TestApp {
    /// Sends any request.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::answer(req.send().await.expect("request")).await
    }

    /// Sends raw bytes with a content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().await.expect("request")).await
    }

    /// Reads a response sent by the test's own client.
    pub async fn read(resp: reqwest::Response) -> Answer {
        Self::answer(resp).await
    }

    async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = resp.bytes().await.expect("body").to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            headers,
            bytes,
            json,
        }
    }

    /// Announces a `len`-byte JSON body but sends only the headers, then reads the answer: the
    /// server must refuse on Content-Length alone (a client that kept writing would see a reset).
    pub async fn post_oversized(&self, path: &str, token: &str, len: usize) -> (u16, String) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let host = self.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send(Method::GET, path, token, None).await
    }

    /// A conditional `GET` with `If-None-Match: etag`, unauthenticated.
    pub async fn get_if_none_match(&self, path: &str, etag: &str) -> Answer {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("if-none-match", etag)
            .send()
            .await
            .expect("request");
        Self::read(resp).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn create_org(&self, token: &str, name: &str) -> Answer {
        self.post("/v1/orgs", Some(token), json!({ "name": name }))
            .await
    }

    pub async fn update_org(&self, token: &str, org: i64, body: Value) -> Answer {
        self.send(
            Method::PATCH,
            &format!("/v1/orgs/{org}"),
            Some(token),
            Some(body),
        )
        .await
    }

    pub async fn create_token(&self, token: &str, org: i64, body: Value) -> Answer {
        self.post(&format!("/v1/orgs/{org}/tokens"), Some(token), body)
            .await
    }

    pub async fn create_member(&self, token: &str, org: i64, body: Value) -> Answer {
        self.post(&format!("/v1/orgs/{org}/members"), Some(token), body)
            .await
    }

    pub async fn import_members(
        &self,
        token: &str,
        org: i64,
        content_type: &str,
        body: &str,
    ) -> Answer {
        let path = format!("/v1/orgs/{org}/members/import");
        self.send_raw(
            Method::POST,
            &path,
            Some(token),
            content_type,
            body.as_bytes().to_vec(),
        )
        .await
    }

    pub async fn deactivate_member(&self, token: &str, org: i64, member: i64) -> Answer {
        self.post(
            &format!("/v1/orgs/{org}/members/{member}/deactivate"),
            Some(token),
            json!({}),
        )
        .await
    }

    pub async fn directory(&self, token: &str, org: i64, query: &str) -> Answer {
        self.get(&format!("/v1/orgs/{org}/directory?{query}"), Some(token))
            .await
    }

    /// `DELETE /v1/me/cards/{card}`.
    pub async fn revoke_my_card(&self, token: &str, card: &str) -> Answer {
        let path = format!("/v1/me/cards/{card}");
        self.send(Method::DELETE, &path, Some(token), None).await
    }

    /// An organization with an admin token; returns `(org_id, admin_token)`.
    pub async fn org_with_admin(&self, name: &str) -> (i64, String) {
        let org = self.create_org(&self.operator, name).await.expect(201)["id"]
            .as_i64()
            .expect("org id");
        let admin = self
            .create_token(&self.operator, org, json!({ "role": "admin" }))
            .await
            .expect(201);
        (org, admin["token"].as_str().expect("token").to_owned())
    }

    /// A member of `org` with a member token; returns `(member_id, member_token)`.
    pub async fn member_with_token(
        &self,
        admin: &str,
        org: i64,
        name: &str,
        employee_id: &str,
    ) -> (i64, String) {
        let body = json!({ "display_name": name, "employee_id": employee_id, "title": "Engineer" });
        let member = self.create_member(admin, org, body).await.expect(201)["id"]
            .as_i64()
            .expect("member id");
        let token = self
            .create_token(admin, org, json!({ "role": "member", "member_id": member }))
            .await
            .expect(201);
        (member, token["token"].as_str().expect("token").to_owned())
    }
}

/// A web session as a browser holds it: the cookie to send and the CSRF token the app sends.
#[derive(Debug, Clone)]
pub struct WebSession {
    /// `nc_session=...`, ready for a `Cookie` header.
    pub cookie: String,
    /// The whole `Set-Cookie` value the sign-in answered with.
    pub set_cookie: String,
    pub csrf: String,
    /// The session view (`GET /v1/session`).
    pub view: Value,
}

/// The secret in a sign-in link (its fragment).
pub fn signin_secret(url: &str) -> &str {
    url.split_once('#').map_or("", |(_, secret)| secret)
}

impl TestApp {
    /// `POST /v1/orgs/{org}/members/{member}/signin-links`.
    pub async fn member_signin_link(&self, admin: &str, org: i64, member: i64) -> Answer {
        let path = format!("/v1/orgs/{org}/members/{member}/signin-links");
        self.send(Method::POST, &path, Some(admin), None).await
    }

    /// `POST /v1/orgs/{org}/signin-links` (a link for an administrator).
    pub async fn admin_signin_link(&self, token: &str, org: i64) -> Answer {
        let path = format!("/v1/orgs/{org}/signin-links");
        self.send(Method::POST, &path, Some(token), None).await
    }

    /// `POST /v1/sessions` with the secret of `url`, as the sign-in page sends it.
    pub async fn start_session(&self, url: &str, origin: Option<&str>) -> Answer {
        let mut req = self
            .client
            .post(format!("{}/v1/sessions", self.base))
            .json(&json!({ "secret": signin_secret(url) }));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        Self::answer(req.send().await.expect("request")).await
    }

    /// Signs in with a sign-in link, asserting success.
    pub async fn sign_in(&self, url: &str) -> WebSession {
        let answer = self.start_session(url, None).await;
        let set_cookie = answer
            .headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("the sign-in sets a cookie")
            .to_owned();
        let view = answer.expect(201);
        let cookie = set_cookie.split(';').next().unwrap_or("").to_owned();
        WebSession {
            cookie,
            set_cookie,
            csrf: view["csrf_token"].as_str().expect("csrf token").to_owned(),
            view,
        }
    }

    /// Sends a request the way the web app does: with the session cookie, and with `csrf` and
    /// `origin` headers when given.
    pub async fn send_with_cookie(
        &self,
        method: Method,
        path: &str,
        cookie: &str,
        csrf: Option<&str>,
        origin: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("cookie", cookie);
        if let Some(c) = csrf {
            req = req.header("x-csrf-token", c);
        }
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::answer(req.send().await.expect("request")).await
    }

    /// A read made with only the session cookie, as a page's `fetch` makes it.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Answer {
        self.send_with_cookie(Method::GET, path, cookie, None, None, None)
            .await
    }

    /// An organization with an admin token and one member with a sign-in link; returns
    /// `(org_id, admin_token, member_id, link_url)`.
    pub async fn org_with_signin_link(
        &self,
        org: &str,
        member: &str,
    ) -> (i64, String, i64, String) {
        let (org_id, admin) = self.org_with_admin(org).await;
        let body = json!({ "display_name": member, "employee_id": "E-1", "title": "Engineer" });
        let member_id = self.create_member(&admin, org_id, body).await.expect(201)["id"]
            .as_i64()
            .expect("member id");
        let link = self
            .member_signin_link(&admin, org_id, member_id)
            .await
            .expect(201);
        let url = link["url"].as_str().expect("url").to_owned();
        (org_id, admin, member_id, url)
    }
}

impl TestApp {
    /// Starts another instance of the service on this app's database (as behind a load
    /// balancer): it shares keys, tokens and revocations, and sees the other's changes at its
    /// periodic refresh. Keep the first app alive while this one runs (it owns a SQLite file).
    pub async fn another_instance(&self, extra: RawSettings) -> TestApp {
        self.another_instance_at(extra, Arc::new(namecard::service::SystemClock))
            .await
    }

    /// [`TestApp::another_instance`] on a clock of the test's (a restart at a later time).
    pub async fn another_instance_at(
        &self,
        extra: RawSettings,
        clock: Arc<dyn namecard::service::Clock>,
    ) -> TestApp {
        let mut server = Server::start_with_clock(&self.settings_beside(extra), clock)
            .await
            .expect("second server starts");
        assert!(
            server.take_bootstrap_token().is_none(),
            "a second instance finds the operator and creates no bootstrap token"
        );
        let base = format!("http://{}", server.local_addr());
        let shutdown = Arc::new(tokio::sync::Notify::new());
        let stop = Arc::clone(&shutdown);
        tokio::spawn(server.run(async move { stop.notified().await }));
        TestApp {
            base,
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .expect("client"),
            operator: self.operator.clone(),
            database_url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
            _dir: None,
            _shutdown: shutdown,
        }
    }

    /// Settings for another instance on this app's database and data directory, `extra` first.
    pub fn settings_beside(&self, extra: RawSettings) -> Settings {
        let raw = RawSettings {
            database_url: Some(self.database_url.clone().into()),
            data_dir: Some(self.data_dir.clone()),
            listen: Some("127.0.0.1:0".into()),
            public_url: Some("https://nc.example.com".into()),
            ..Default::default()
        };
        Settings::resolve(&extra.or(raw)).expect("test settings")
    }

    /// Polls `check` every 50 ms until it holds, for at most `within`; false if it never did.
    pub async fn eventually<F, Fut>(&self, within: std::time::Duration, mut check: F) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if check().await {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl TestApp {
    /// Asserts that a member provisioned now gets a card this server verifies as valid: the
    /// service signs with the key it holds.
    pub async fn assert_a_new_members_card_verifies(
        &self,
        admin: &str,
        org: i64,
        employee_id: &str,
    ) {
        let (_, token) = self
            .member_with_token(admin, org, "Mei Chen", employee_id)
            .await;
        let card = self
            .post("/v1/me/card", Some(&token), json!({}))
            .await
            .expect(201);
        let report = self
            .post("/v1/verify", None, json!({ "text": card["text"] }))
            .await
            .expect(200);
        assert_eq!(report["valid"], true, "{report}");
    }

    /// The key-encryption key the server generated in its data directory.
    pub fn kek(&self) -> namecard::seal::Kek {
        namecard::seal::Kek::read_file(&self.data_dir.join("namecard.kek")).expect("the KEK file")
    }

    /// The service's active signing key, opened with its KEK: for a test that signs what the
    /// service itself would never sign.
    pub async fn issuer_key(&self) -> namecard::card::SigningKey {
        let store = namecard::store::connect(&self.database_url)
            .await
            .expect("the store");
        let active = store
            .list_keys()
            .await
            .expect("keys")
            .into_iter()
            .find(|k| k.status == namecard::card::KeyStatus::Active)
            .expect("an active key");
        namecard::service::keyring::open_key(&self.kek(), &active).expect("the issuer key")
    }
}

/// A server the test starts and stops itself, and the way to stop it.
pub struct Instance {
    pub base: String,
    stop: Arc<tokio::sync::Notify>,
    done: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Instance {
    /// Starts the server with `raw` (on a loopback port, issuer `https://nc.example.com`);
    /// returns it and the bootstrap token, if this start created one.
    pub async fn start(raw: RawSettings) -> (Self, Option<String>) {
        Self::try_start(raw).await.expect("server starts")
    }

    /// [`Instance::start`], for a test of a start that fails.
    pub async fn try_start(
        raw: RawSettings,
    ) -> Result<(Self, Option<String>), namecard::startup::StartError> {
        let settings = Settings::resolve(&raw.or(RawSettings {
            listen: Some("127.0.0.1:0".into()),
            public_url: Some("https://nc.example.com".into()),
            ..Default::default()
        }))
        .expect("settings");
        let mut server = Server::start(&settings).await?;
        let operator = server.take_bootstrap_token().map(|t| t.expose().to_owned());
        let base = format!("http://{}", server.local_addr());
        let stop = Arc::new(tokio::sync::Notify::new());
        let notified = Arc::clone(&stop);
        let done = tokio::spawn(server.run(async move { notified.notified().await }));
        Ok((Self { base, stop, done }, operator))
    }

    /// Stops accepting, finishes the requests in flight and waits until the server is done.
    pub async fn stop(self) {
        self.stop.notify_one();
        let _ = self.done.await;
    }
}

/// Runs the `namecard` binary with `args`: whether it succeeded, and what it said (stdout, then
/// stderr). Blocks: call it from `spawn_blocking` where a server runs on the test's runtime.
pub fn run_namecard<I, S>(args: I) -> (bool, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_namecard"))
        .args(args)
        .output()
        .expect("run namecard");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), said)
}

/// Settings for the SQLite database `namecard.db` in `data`.
pub fn sqlite_settings(data: &std::path::Path) -> RawSettings {
    RawSettings {
        database_url: Some(format!("sqlite:{}", data.join("namecard.db").display()).into()),
        ..Default::default()
    }
}

/// One value from the test's database, read straight from it: what the API does not show.
pub async fn read_one<T>(database_url: &str, sql: &str) -> T
where
    T: Send
        + Unpin
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>,
{
    use sqlx::Connection as _;
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url)
            .await
            .expect("postgres");
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect("one value")
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url)
            .await
            .expect("sqlite");
        sqlx::query_scalar(sql)
            .fetch_one(&mut conn)
            .await
            .expect("one value")
    }
}

/// Runs one statement on the test's database, straight: to set up a state the API cannot make
/// (rows as an earlier version wrote them).
pub async fn execute(database_url: &str, sql: &str) {
    use sqlx::Connection as _;
    if database_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(database_url)
            .await
            .expect("postgres");
        sqlx::query(sql)
            .execute(&mut conn)
            .await
            .expect("statement");
    } else {
        let mut conn = sqlx::SqliteConnection::connect(database_url)
            .await
            .expect("sqlite");
        sqlx::query(sql)
            .execute(&mut conn)
            .await
            .expect("statement");
    }
}
