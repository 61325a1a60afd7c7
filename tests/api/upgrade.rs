//! Upgrades: a database made by the migrations of an earlier commit (`fixtures/upgrade/`), filled
//! as that version wrote its rows, is migrated forward by today's service with its data intact,
//! on both databases.

use crate::common::{Backend, Instance, TestApp, fresh_database};
use namecard::card::{CardRequest, Issuer, SigningKey, issue_card};
use namecard::config::RawSettings;
use namecard::domain::TokenHash;
use namecard::store::PrivateKey;
use serde_json::json;
use std::path::{Path, PathBuf};

/// The earlier commit whose migrations the fixture holds.
const COMMIT: &str = "97de1518244f5698c98dcc1c1109ab8a2834032d";

fn fixture(backend: Backend) -> PathBuf {
    let db = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/upgrade")
        .join(&COMMIT[..7])
        .join(db)
}

/// Runs statements on `url`, one at a time.
async fn execute_all(url: &str, statements: &[String]) {
    for sql in statements {
        crate::common::execute(url, sql).await;
    }
}

/// Applies the earlier commit's migrations, as that version did at its start.
async fn migrate_as_before(url: &str, backend: Backend) {
    let migrator = sqlx::migrate::Migrator::new(fixture(backend))
        .await
        .expect("the fixture's migrations");
    match backend {
        Backend::Sqlite => {
            let options = url
                .parse::<sqlx::sqlite::SqliteConnectOptions>()
                .expect("url")
                .create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(options)
                .await
                .expect("sqlite");
            migrator.run(&pool).await.expect("the old migrations");
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.expect("postgres");
            migrator.run(&pool).await.expect("the old migrations");
            pool.close().await;
        }
    }
}

/// What the old version stored: two organizations and their members (one named in Traditional
/// Chinese, searched under the old folding), member tokens, a plaintext signing key, a card
/// signed with it, and an accepted phone request with its external contact.
struct OldData {
    statements: Vec<String>,
    card_text: String,
    kid: String,
}

fn old_data(now: i64) -> OldData {
    let key = SigningKey::generate();
    let pem = key.to_pkcs8_pem().expect("pem");
    let issuer = Issuer::parse("https://nc.example.com").expect("issuer");
    let card = issue_card(
        &issuer,
        &key,
        &CardRequest {
            org_id: 1,
            org_name: "Acme".into(),
            member_id: 1,
            member_name: "張偉明".into(),
            title: Some("銷售總監".into()),
            not_before: None,
            expires_at: now + 86_400,
            one_time: false,
            channel: None,
        },
        now - 60,
    )
    .expect("a card");
    let t = now - 3600;
    let statements = vec![
        format!(
            "INSERT INTO organizations (name, domain, policy, created_at) VALUES \
             ('Acme', 'acme.example', 'open', {t}), ('Globex', NULL, 'partners_only', {t})"
        ),
        format!("INSERT INTO partners (org_id, partner_id, created_at) VALUES (2, 1, {t})"),
        format!(
            "INSERT INTO members (org_id, display_name, name_folded, employee_id, title, mobile, \
             phone_discoverable, status, created_at) VALUES \
             (1, '張偉明', '張偉明', 'E-1', '銷售總監', '+8613800138000', TRUE, 'active', {t}), \
             (2, 'Bob Li', 'bob li', 'G-7', 'Buyer', NULL, FALSE, 'active', {t})"
        ),
        format!(
            "INSERT INTO tokens (hash, role, org_id, member_id, label, created_at) VALUES \
             ('{}', 'operator', NULL, NULL, 'bootstrap', {t}), \
             ('{}', 'member', 1, 1, 'zhang', {t}), ('{}', 'member', 2, 2, 'bob', {t})",
            TokenHash::of("nc_old_operator").as_str(),
            TokenHash::of("nc_old_zhang").as_str(),
            TokenHash::of("nc_old_bob").as_str(),
        ),
        format!(
            "INSERT INTO signing_keys (kid, private_pem, status, valid_from) \
             VALUES ('{}', '{}', 'active', {t})",
            key.kid(),
            pem.as_str()
        ),
        format!(
            "INSERT INTO cards (id, org_id, member_id, kid, is_primary, channel, one_time, \
             issued_at, expires_at, text) VALUES ('{}', 1, 1, '{}', TRUE, NULL, FALSE, {}, {}, '{}')",
            card.claims.card_id,
            key.kid(),
            now - 60,
            now + 86_400,
            card.text
        ),
        format!(
            "INSERT INTO contact_requests (requester_org_id, requester_id, owner_org_id, owner_id, \
             via, status, created_at, expires_at, decided_at) \
             VALUES (2, 2, 1, 1, 'phone', 'accepted', {t}, {}, {t})",
            t + 86_400
        ),
        format!(
            "INSERT INTO external_contacts (member_a, member_b, request_id, created_at) \
             VALUES (1, 2, 1, {t})"
        ),
        format!(
            "INSERT INTO audit_log (at, actor, org_id, action, target, detail) \
             VALUES ({t}, 'operator', 1, 'org.create', 'org/1', '{{}}')"
        ),
    ];
    OldData {
        statements,
        card_text: card.text,
        kid: key.kid().to_string(),
    }
}

async fn a_database_of_an_earlier_version_migrates_forward_with_its_data_intact(backend: Backend) {
    let Some((url, dir)) = fresh_database(backend).await else {
        return;
    };
    let data_dir = dir.as_ref().expect("a data directory").path().to_owned();
    migrate_as_before(&url, backend).await;
    let now = namecard::card::unix_now();
    let old = old_data(now);
    execute_all(&url, &old.statements).await;

    let (server, operator) = Instance::start(RawSettings {
        database_url: Some(url.clone().into()),
        data_dir: Some(data_dir.clone()),
        ..Default::default()
    })
    .await;
    assert!(operator.is_none(), "the old operator token is kept");
    let app = TestApp::attach(&server.base, "nc_old_operator");

    // The old tokens, the key and the card: the member's card is the one it had, and verifies.
    let keys = app
        .get("/v1/keys", Some("nc_old_operator"))
        .await
        .expect(200);
    assert_eq!(keys[0]["kid"], old.kid.as_str(), "{keys}");
    let card = app
        .get("/v1/me/card", Some("nc_old_zhang"))
        .await
        .expect(200);
    assert_eq!(card["text"], old.card_text.as_str());
    let report = app
        .post("/v1/verify", None, json!({ "text": old.card_text }))
        .await
        .expect(200);
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["card"]["member_name"], "張偉明", "{report}");

    // The plaintext key is sealed under the KEK generated beside the data.
    let store = namecard::store::connect(&url).await.expect("store");
    let kek = namecard::seal::Kek::read_file(&data_dir.join("namecard.kek")).expect("kek");
    for key in store.list_keys().await.expect("keys") {
        assert!(
            matches!(&key.private_key, PrivateKey::Sealed(s) if s.kek == *kek.id()),
            "key {} is sealed",
            key.kid
        );
    }

    // The old search key was refolded: Simplified Chinese finds the Traditional name.
    let found = app
        .get("/v1/orgs/1/directory?q=张伟", Some("nc_old_zhang"))
        .await
        .expect(200);
    assert_eq!(found["items"][0]["display_name"], "張偉明", "{found}");

    // The contact made by phone keeps its source (filled in by migration 0007) on both sides.
    for token in ["nc_old_zhang", "nc_old_bob"] {
        let contacts = app.get("/v1/contacts", Some(token)).await.expect(200);
        assert_eq!(contacts["items"][0]["source"], "phone", "{contacts}");
    }
    let partners = app
        .get("/v1/orgs/2/partners", Some("nc_old_operator"))
        .await;
    // Listed by id; Acme is named only once it lists org 2 back (issue 19, finding 10).
    assert_eq!(partners.json[0]["id"], 1, "{:?}", partners);

    // And it keeps working: a new member gets a card that verifies.
    app.assert_a_new_members_card_verifies("nc_old_operator", 1, "E-2")
        .await;
    server.stop().await;
}

on_both_databases!(a_database_of_an_earlier_version_migrates_forward_with_its_data_intact);

/// The fixture is what the commit shipped, whenever git history is at hand to say so.
#[test]
fn the_upgrade_fixture_holds_the_migrations_of_its_commit() {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| o.stdout)
    };
    if git(&["cat-file", "-e", &format!("{COMMIT}^{{commit}}")]).is_none() {
        eprintln!(
            "skipping the fixture check: commit {COMMIT} is not in this clone's history \
             (a shallow clone, or no git); the upgrade test still runs from fixtures/upgrade/"
        );
        return;
    }
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let dir = fixture(backend);
        let db = dir.file_name().and_then(|n| n.to_str()).expect("name");
        let listed = git(&[
            "ls-tree",
            "--name-only",
            &format!("{COMMIT}:migrations/{db}/"),
        ])
        .expect("ls-tree");
        let names: Vec<String> = String::from_utf8_lossy(&listed)
            .lines()
            .map(str::to_owned)
            .collect();
        let mut copied: Vec<String> = std::fs::read_dir(&dir)
            .expect("fixture")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        copied.sort();
        assert_eq!(
            copied, names,
            "{db}: the fixture has the commit's migrations"
        );
        for name in names {
            let shipped =
                git(&["show", &format!("{COMMIT}:migrations/{db}/{name}")]).expect("git show");
            let copy = std::fs::read(dir.join(&name)).expect("fixture file");
            assert!(copy == shipped, "{db}/{name} differs from {COMMIT}");
        }
    }
}
