//! Promises the service keeps when things go wrong: concurrent writes that must leave exactly one
//! of something, a full disk under SQLite, and a PostgreSQL server that goes away and comes back.

use crate::common::{Backend, Instance, TestApp, spawn_app, spawn_app_with, sqlite_settings};
use namecard::config::{RawSettings, Settings};
use namecard::startup::Server;
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An organization with an admin and one member with a token: `(org, admin, member, token)`.
async fn org_with_member(app: &TestApp, name: &str) -> (i64, String, i64, String) {
    let (org, admin) = app.org_with_admin(name).await;
    let (member, token) = app.member_with_token(&admin, org, "Mei Chen", "E-1").await;
    (org, admin, member, token)
}

/// The member's cards that are primary and unrevoked.
async fn active_primary_cards(app: &TestApp, token: &str) -> Vec<Value> {
    let cards = app.get("/v1/me/cards", Some(token)).await.expect(200);
    cards
        .as_array()
        .expect("a list")
        .iter()
        .filter(|c| c["primary"] == true && c["revoked_at"].is_null())
        .cloned()
        .collect()
}

/// Starts `n` concurrent `POST /v1/me/card` (a member double-clicking "reset my card").
/// Settings for the tests that race many card resets: the reset limit is another test's subject.
fn many_resets() -> RawSettings {
    RawSettings {
        card_resets_per_hour: Some(100),
        ..Default::default()
    }
}

fn start_card_resets(
    app: &Arc<TestApp>,
    token: &str,
    n: usize,
) -> Vec<tokio::task::JoinHandle<crate::common::Answer>> {
    (0..n)
        .map(|_| {
            let (app, token) = (Arc::clone(app), token.to_owned());
            tokio::spawn(async move { app.post("/v1/me/card", Some(&token), json!({})).await })
        })
        .collect()
}

async fn twenty_concurrent_card_resets_leave_exactly_one_active_primary_card(backend: Backend) {
    let Some(app) = spawn_app_with(backend, many_resets()).await else {
        return;
    };
    let app = Arc::new(app);
    let (_, _, _, token) = org_with_member(&app, "Acme").await;

    let resets = start_card_resets(&app, &token, 20);
    let mut issued = Vec::new();
    for reset in resets {
        let answer = reset.await.expect("task");
        issued.push(
            answer.expect(201)["text"]
                .as_str()
                .expect("text")
                .to_owned(),
        );
    }

    let active = active_primary_cards(&app, &token).await;
    assert_eq!(
        active.len(),
        1,
        "exactly one active primary card: {active:?}"
    );
    let current = active[0]["text"].as_str().expect("text");
    let mut valid = 0;
    for text in &issued {
        let report = app
            .post("/v1/verify", None, json!({ "text": text }))
            .await
            .expect(200);
        if report["valid"] == true {
            valid += 1;
            assert_eq!(text, current, "only the current card verifies");
        }
    }
    assert_eq!(
        valid, 1,
        "of the 20 issued cards exactly one still verifies"
    );
}

async fn a_card_reset_racing_a_deactivation_leaves_the_member_no_active_card(backend: Backend) {
    let Some(app) = spawn_app_with(backend, many_resets()).await else {
        return;
    };
    let app = Arc::new(app);
    let (org, admin, member, token) = org_with_member(&app, "Acme").await;
    app.post("/v1/me/card", Some(&token), json!({}))
        .await
        .expect(201);

    let resets = start_card_resets(&app, &token, 10);
    app.deactivate_member(&admin, org, member).await.expect(200);
    for reset in resets {
        reset.await.expect("task");
    }

    let cards = app
        .get(&format!("/v1/orgs/{org}/members/{member}"), Some(&admin))
        .await
        .expect(200);
    assert_eq!(cards["status"], "deactivated");
    let unrevoked = count(
        &app.database_url,
        &format!("SELECT COUNT(*) FROM cards WHERE member_id = {member} AND revoked_at IS NULL"),
    )
    .await;
    assert_eq!(
        unrevoked, 0,
        "every card of a deactivated member is revoked"
    );
}

async fn concurrent_key_rotations_leave_exactly_one_active_key(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let app = Arc::new(app);
    let rotations: Vec<_> = (0..10)
        .map(|_| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                app.post("/v1/keys/rotate", Some(&app.operator), json!({}))
                    .await
            })
        })
        .collect();
    for rotation in rotations {
        let answer = rotation.await.expect("task");
        assert!(
            answer.status == 201 || answer.status == 409,
            "a rotation either happens or says it lost a race: {answer:?}"
        );
    }
    let keys = app.get("/v1/keys", Some(&app.operator)).await.expect(200);
    let active = keys
        .as_array()
        .expect("keys")
        .iter()
        .filter(|k| k["status"] == "active")
        .count();
    assert_eq!(active, 1, "exactly one active signing key: {keys}");
}

async fn instances_starting_together_on_an_empty_database_make_one_key_and_one_bootstrap_token(
    backend: Backend,
) {
    let Some((database_url, dir)) = crate::common::fresh_database(backend).await else {
        return;
    };
    let data_dir = dir.as_ref().map(|d| d.path().to_owned());
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let raw = RawSettings {
                database_url: Some(database_url.clone().into()),
                data_dir: data_dir.clone(),
                listen: Some("127.0.0.1:0".into()),
                public_url: Some("https://nc.example.com".into()),
                ..Default::default()
            };
            tokio::spawn(async move {
                let settings = Settings::resolve(&raw).expect("settings");
                let mut server = Server::start(&settings).await.expect("server starts");
                server.take_bootstrap_token().is_some()
            })
        })
        .collect();
    let mut bootstrap_tokens = 0;
    for start in starts {
        bootstrap_tokens += usize::from(start.await.expect("task"));
    }
    assert_eq!(
        bootstrap_tokens, 1,
        "one instance prints the bootstrap token"
    );
    let active_keys: i64 = count(
        &database_url,
        "SELECT COUNT(*) FROM signing_keys WHERE status = 'active'",
    )
    .await;
    assert_eq!(active_keys, 1, "one issuer key");
    let operators: i64 = count(
        &database_url,
        "SELECT COUNT(*) FROM tokens WHERE role = 'operator'",
    )
    .await;
    assert_eq!(operators, 1, "one operator token");
}

/// One number from the test's database, read straight from it.
async fn count(database_url: &str, sql: &str) -> i64 {
    crate::common::read_one(database_url, sql).await
}

on_both_databases!(
    twenty_concurrent_card_resets_leave_exactly_one_active_primary_card,
    a_card_reset_racing_a_deactivation_leaves_the_member_no_active_card,
    concurrent_key_rotations_leave_exactly_one_active_key,
    instances_starting_together_on_an_empty_database_make_one_key_and_one_bootstrap_token,
);

// ---------------------------------------------------------------------------------------------
// SQLite on a full disk

/// A tmpfs of `size` mounted for the test, unmounted when dropped (even when the test fails).
struct SmallDisk {
    mount: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` (with the reason printed) where this process may not mount file systems.
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mount = dir.path().join("disk");
        std::fs::create_dir(&mount).expect("mount point");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mount)
            .stderr(std::process::Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => Some(Self { mount, _dir: dir }),
            _ => {
                eprintln!(
                    "skipping the full-disk test: cannot mount a tmpfs here (needs root, as in CI)"
                );
                None
            }
        }
    }

    /// Fills every free byte with a file, so the next write that needs space fails.
    fn fill(&self) -> PathBuf {
        use std::io::Write as _;
        let path = self.mount.join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).is_ok() {}
        // Whatever is left is smaller than one chunk: take it byte by byte.
        while file.write_all(&[0u8]).is_ok() {}
        let _ = file.flush();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.mount)
            .status();
    }
}

/// A client for a server started with [`Instance`].
fn client_for(base: &str, operator: &str) -> TestApp {
    TestApp::attach(base, operator)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_on_a_full_disk_never_acknowledges_a_write_it_did_not_commit() {
    let Some(disk) = SmallDisk::mount("6m") else {
        return;
    };
    let data = disk.mount.join("data");
    let (server, operator) = Instance::start(sqlite_settings(&data)).await;
    let operator = operator.expect("bootstrap token");
    let app = client_for(&server.base, &operator);

    // Two organizations that may contact each other, 40 members in the first.
    let (org, admin) = app.org_with_admin("Acme").await;
    let (other_org, other_admin) = app.org_with_admin("Globex").await;
    for (o, t) in [(org, &admin), (other_org, &other_admin)] {
        app.update_org(t, o, json!({ "policy": "open" }))
            .await
            .expect(200);
    }
    let mut members = Vec::new();
    for i in 0..40 {
        let (id, token) = app
            .member_with_token(&admin, org, &format!("Member {i}"), &format!("E-{i}"))
            .await;
        let card = app
            .post("/v1/me/card", Some(&token), json!({}))
            .await
            .expect(201);
        members.push((id, token, card["text"].as_str().expect("text").to_owned()));
    }
    let (_, scanner) = app
        .member_with_token(&other_admin, other_org, "Scanner", "S-1")
        .await;

    // The write-ahead log is emptied first (as a checkpoint may find it at any time), so the
    // next writes need new space rather than landing in log pages SQLite reuses; then the disk
    // fills up.
    {
        use sqlx::Connection as _;
        let url = format!("sqlite:{}", data.join("namecard.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await
            .expect("checkpoint");
        conn.close().await.expect("close");
    }
    let filler = disk.fill();
    // Each member starts with the title `member_with_token` gave it.
    let mut acknowledged_titles: Vec<Option<String>> = vec![Some("Engineer".into()); members.len()];
    let mut acknowledged_requests = Vec::new();
    let mut refused = 0;
    let round = |label: &'static str| label;
    for phase in [round("full"), round("freed")] {
        if phase == "freed" {
            std::fs::remove_file(&filler).expect("free the disk");
            let healthy = app
                .eventually(Duration::from_secs(20), || async {
                    app.get("/healthz", None).await.status == 200
                })
                .await;
            assert!(healthy, "/healthz recovers by itself once space is back");
        }
        let writes = members.iter().enumerate().map(|(i, (id, _, text))| {
            let (app, admin, scanner) = (&app, admin.clone(), scanner.clone());
            let title = format!("{phase} title {i}");
            async move {
                let path = format!("/v1/orgs/{org}/members/{id}");
                let update = app
                    .send(
                        Method::PATCH,
                        &path,
                        Some(&admin),
                        Some(json!({ "title": title })),
                    )
                    .await;
                let scan = app
                    .post("/v1/scans", Some(&scanner), json!({ "text": text }))
                    .await;
                (i, title, update, scan)
            }
        });
        for (i, title, update, scan) in futures::future::join_all(writes).await {
            for answer in [&update, &scan] {
                if !answer.status.is_success() {
                    refused += 1;
                    assert_eq!(
                        answer.status, 507,
                        "a write that cannot be stored says so, never 500: {answer:?}"
                    );
                    assert_eq!(answer.problem_code(), "storage_full");
                }
            }
            if update.status.is_success() {
                acknowledged_titles[i] = Some(title);
            }
            if scan.status.is_success() {
                acknowledged_requests.push(scan.json["request"]["id"].as_i64().expect("id"));
            }
        }
        if phase == "full" {
            // Writes may still land in room the database files already have (SQLite reuses its
            // WAL after a checkpoint); once the disk has refused one, /healthz says so too.
            assert!(refused > 0, "the full disk refused some writes");
            let health = app.get("/healthz", None).await;
            assert_eq!(health.status, 503, "/healthz says the disk is full");
            assert_eq!(health.problem_code(), "storage_full");
        }
        if phase == "freed" {
            assert!(
                acknowledged_titles
                    .iter()
                    .all(|t| t.as_deref().is_some_and(|t| t.starts_with("freed"))),
                "once space is back every write goes through"
            );
        }
    }
    assert!(refused > 0, "the full disk refused some writes");

    // After a restart, everything acknowledged is there.
    server.stop().await;
    let (server, _) = Instance::start(sqlite_settings(&data)).await;
    let app = client_for(&server.base, &operator);
    for ((id, _, _), title) in members.iter().zip(&acknowledged_titles) {
        let member = app
            .get(&format!("/v1/orgs/{org}/members/{id}"), Some(&admin))
            .await
            .expect(200);
        assert_eq!(member["title"].as_str(), title.as_deref(), "member {id}");
    }
    let outgoing = app
        .get(
            "/v1/contact-requests?direction=outgoing&limit=200",
            Some(&scanner),
        )
        .await
        .expect(200);
    let stored: Vec<i64> = outgoing["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    for id in &acknowledged_requests {
        assert!(
            stored.contains(id),
            "acknowledged request {id} survived the restart"
        );
    }
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL going away

/// A PostgreSQL server of the test's own, in a temporary directory on a free port.
struct OwnPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl OwnPostgres {
    /// `None` (with the reason printed) where PostgreSQL's server programs are not installed.
    fn init() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists());
        let Some(bin) = bin else {
            eprintln!("skipping the outage test: PostgreSQL's initdb is not installed");
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        // initdb refuses to run as root: run the server as `postgres` then.
        let as_postgres = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if as_postgres {
            let chown = std::process::Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(chown.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let pg = Self {
            bin,
            data,
            port,
            as_postgres,
            _dir: dir,
        };
        let init = pg.run("initdb", &["-A", "trust", "-U", "postgres", "-D"], true);
        assert!(init, "initdb");
        Some(pg)
    }

    fn run(&self, program: &str, args: &[&str], with_data: bool) -> bool {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            std::process::Command::new(program)
        };
        command.args(args);
        if with_data {
            command.arg(&self.data);
        }
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            self.port,
            self.data.display()
        );
        assert!(
            self.run("pg_ctl", &["-w", "-o", &options, "start", "-D"], true),
            "pg_ctl start"
        );
    }

    fn stop(&self) {
        assert!(
            self.run("pg_ctl", &["-w", "-m", "immediate", "stop", "-D"], true),
            "pg_ctl stop"
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.run("pg_ctl", &["-m", "immediate", "stop", "-D"], true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_outage_answers_quick_503_problems_and_recovers_without_a_restart() {
    let Some(pg) = OwnPostgres::init() else {
        return;
    };
    pg.start();
    let data = tempfile::tempdir().expect("tempdir");
    let (server, operator) = Instance::start(RawSettings {
        database_url: Some(pg.url().into()),
        data_dir: Some(data.path().to_owned()),
        ..Default::default()
    })
    .await;
    let app = client_for(&server.base, &operator.expect("bootstrap token"));
    let (_, _, _, token) = org_with_member(&app, "Acme").await;
    let card = app
        .post("/v1/me/card", Some(&token), json!({}))
        .await
        .expect(201);
    let text = card["text"].as_str().expect("text").to_owned();

    pg.stop();

    // A request that needs the database: a problem document well before the request timeout.
    let started = Instant::now();
    let answer = app.get("/v1/me/card", Some(&token)).await;
    let waited = started.elapsed();
    assert_eq!(answer.status, 503, "{answer:?}");
    assert_eq!(answer.problem_code(), "database_unavailable");
    assert!(answer.headers.contains_key("retry-after"));
    assert!(
        waited < Duration::from_secs(15),
        "answered within the pool's short wait, not the 30 s request timeout ({waited:?})"
    );

    // The health check answers 503 within its own deadline.
    let started = Instant::now();
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status, 503);
    assert_eq!(health.problem_code(), "database_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );

    // Verification needs no database.
    let report = app
        .post("/v1/verify", None, json!({ "text": text }))
        .await
        .expect(200);
    assert_eq!(report["valid"], true);

    pg.start();
    let recovered = app
        .eventually(Duration::from_secs(30), || async {
            app.get("/healthz", None).await.status == 200
        })
        .await;
    assert!(recovered, "/healthz recovers without a restart");
    let again = app.get("/v1/me/card", Some(&token)).await.expect(200);
    assert_eq!(again["text"], text.as_str());
    server.stop().await;
}
