//! Signing keys at rest: sealed with the key-encryption key (KEK) in the database, never PKCS#8;
//! a restart with the KEK signs, a wrong or missing KEK stops start-up naming its setting, a KEK
//! rotation keeps cards verifying, plaintext keys of earlier versions are sealed at start-up, and
//! the data directory and its files are the owner's only.

use crate::common::{Backend, Instance, TestApp, spawn_app, sqlite_settings};
use namecard::config::RawSettings;
use namecard::seal::Kek;
use namecard::startup::Server;
use namecard::store::PrivateKey;
use serde_json::{Value, json};
use std::path::Path;

/// What plaintext Ed25519 PKCS#8 looks like: its DER prefix, the same in base64 (a PEM body),
/// and the PEM label.
const PLAINTEXT_MARKS: [&[u8]; 3] = [
    &[
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ],
    b"MC4CAQAwBQYDK2VwBCIEI",
    b"PRIVATE KEY",
];

fn holds_plaintext_key(bytes: &[u8]) -> bool {
    PLAINTEXT_MARKS
        .iter()
        .any(|mark| bytes.windows(mark.len()).any(|w| w == *mark))
}

/// The SQLite files of a data directory, as bytes: the database, its WAL and shared memory.
fn sqlite_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["namecard.db", "namecard.db-wal", "namecard.db-shm"]
        .iter()
        .filter_map(|name| Some((name.to_string(), std::fs::read(dir.join(name)).ok()?)))
        .collect()
}

async fn stored_keys(app: &TestApp) -> Vec<namecard::store::StoredKey> {
    let store = namecard::store::connect(&app.database_url)
        .await
        .expect("store");
    store.list_keys().await.expect("keys")
}

/// Asserts that every stored key is sealed under `kek` and no stored byte is plaintext PKCS#8.
async fn assert_sealed_under(app: &TestApp, kek: &Kek, backend: Backend) {
    let keys = stored_keys(app).await;
    assert!(!keys.is_empty());
    for key in &keys {
        let PrivateKey::Sealed(sealed) = &key.private_key else {
            panic!("key {} is stored in plaintext", key.kid);
        };
        assert_eq!(&sealed.kek, kek.id(), "key {}", key.kid);
        assert!(
            !holds_plaintext_key(sealed.text.as_bytes()),
            "{}",
            sealed.text
        );
    }
    if backend == Backend::Sqlite {
        for (name, bytes) in sqlite_files(&app.data_dir) {
            assert!(!holds_plaintext_key(&bytes), "{name} holds a plaintext key");
        }
    }
}

/// A member's card text: `(member token, card text)`.
async fn member_card(app: &TestApp, org_name: &str) -> (String, String) {
    let (org, admin) = app.org_with_admin(org_name).await;
    let (_, token) = app.member_with_token(&admin, org, "Mei Chen", "E-1").await;
    let card = app
        .post("/v1/me/card", Some(&token), json!({}))
        .await
        .expect(201);
    (token, card["text"].as_str().expect("text").to_owned())
}

/// A new active signing key; the one before is retired.
async fn rotate_signing_key(app: &TestApp) {
    app.post("/v1/keys/rotate", Some(&app.operator), json!({}))
        .await
        .expect(201);
}

async fn verify(app: &TestApp, text: &str) -> Value {
    app.post("/v1/verify", None, json!({ "text": text }))
        .await
        .expect(200)
}

async fn assert_verifies(app: &TestApp, text: &str) {
    let report = verify(app, text).await;
    assert_eq!(report["valid"], true, "{report}");
}

/// A start on `app`'s database with `extra`, expected to fail: its message.
async fn refused_start(app: &TestApp, extra: RawSettings) -> String {
    match Server::start(&app.settings_beside(extra)).await {
        Ok(_) => panic!("the server started"),
        Err(e) => e.to_string(),
    }
}

async fn private_keys_are_stored_sealed_under_the_kek_never_as_pkcs8(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    rotate_signing_key(&app).await;
    assert_eq!(stored_keys(&app).await.len(), 2);
    assert_sealed_under(&app, &app.kek(), backend).await;
}

async fn a_restart_with_the_kek_signs_cards_that_verify(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, before) = member_card(&app, "Acme").await;
    let restarted = app.another_instance(RawSettings::default()).await;
    assert_verifies(&restarted, &before).await;
    // A card the new instance signs with the key it opened.
    let extra = restarted
        .post("/v1/me/cards", Some(&token), json!({ "channel": "expo" }))
        .await
        .expect(201);
    let text = extra["text"].as_str().expect("text");
    assert_verifies(&restarted, text).await;
    assert_verifies(&app, text).await;
}

async fn a_wrong_or_missing_kek_stops_start_up_naming_the_setting(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let missing = app.data_dir.join("elsewhere.kek");
    let garbled = app.data_dir.join("garbled.kek");
    std::fs::write(&garbled, "not a key\n").expect("write");
    let sealed_under = format!("sealed under key-encryption key {}", app.kek().id());
    let cases = [
        (
            Some(base64_kek([9; 32])),
            None,
            "`kek`",
            sealed_under.as_str(),
        ),
        (
            None,
            Some(missing.clone()),
            "`kek_file`",
            "restore that file",
        ),
        (None, Some(garbled), "`kek_file`", "32 random bytes"),
    ];
    for (kek, kek_file, setting, says) in cases {
        let extra = RawSettings {
            kek: kek.map(Into::into),
            kek_file,
            ..Default::default()
        };
        let message = refused_start(&app, extra).await;
        assert!(
            message.contains(&format!("invalid setting {setting}")),
            "{message}"
        );
        assert!(message.contains(says), "{message}");
    }
    assert!(
        !missing.exists(),
        "no KEK is generated for a database with sealed keys"
    );
}

fn base64_kek(bytes: [u8; 32]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn rotating_the_kek_keeps_cards_verifying_and_retires_the_old_kek(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (token, card) = member_card(&app, "Acme").await;
    rotate_signing_key(&app).await;
    let old = app.kek();
    let old_text = std::fs::read_to_string(app.data_dir.join("namecard.kek")).expect("kek");
    // A single sign-on client secret is sealed under the KEK too, and rotated with the keys.
    let (sso_org, sso_admin) = app.org_with_admin("SSO").await;
    app.send(
        reqwest::Method::PUT,
        &format!("/v1/orgs/{sso_org}/oidc"),
        Some(&sso_admin),
        Some(json!({"issuer": "https://idp.example.com", "client_id": "nc", "client_secret": "s3cret"})),
    )
    .await
    .expect(200);

    let (rotated, said) = rotate_kek(&app);
    assert!(rotated, "{said}");
    assert!(
        said.contains(
            ", 1 single sign-on client secrets, 0 queued mails' letters and 1 revocation list secrets"
        ),
        "{said}"
    );

    let new = app.kek();
    assert_ne!(new.id(), old.id());
    assert!(said.contains(new.id().as_str()), "{said}");
    assert_sealed_under(&app, &new, backend).await;
    let secret_kek: String =
        crate::common::read_one(&app.database_url, "SELECT kek_id FROM oidc_providers").await;
    assert_eq!(secret_kek, new.id().as_str());
    let restarted = app.another_instance(RawSettings::default()).await;
    assert_verifies(&restarted, &card).await;
    let extra = restarted
        .post("/v1/me/cards", Some(&token), json!({}))
        .await
        .expect(201);
    assert_verifies(&restarted, extra["text"].as_str().expect("text")).await;

    let message = refused_start(
        &app,
        RawSettings {
            kek: Some(old_text.trim().into()),
            ..Default::default()
        },
    )
    .await;
    assert!(message.contains("invalid setting `kek`"), "{message}");
}

/// Runs `namecard kek rotate` on `app`'s database and KEK file: whether it succeeded, and what it
/// said.
pub(crate) fn rotate_kek(app: &TestApp) -> (bool, String) {
    let data_dir = app.data_dir.as_os_str();
    crate::common::run_namecard([
        "kek".as_ref(),
        "rotate".as_ref(),
        "--database-url".as_ref(),
        app.database_url.as_ref(),
        "--data-dir".as_ref(),
        data_dir,
    ])
}

async fn a_kek_rotation_that_cannot_open_every_key_changes_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    rotate_signing_key(&app).await;
    // The retired key sealed under a KEK nobody has.
    crate::common::execute(
        &app.database_url,
        "UPDATE signing_keys SET kek_id = 'AAAAAAAAAAAA' WHERE status = 'retired'",
    )
    .await;
    let before: Vec<_> = stored_keys(&app).await;
    let kek = app.kek();

    let (rotated, said) = rotate_kek(&app);
    assert!(!rotated, "{said}");
    assert!(said.contains("nothing was changed"), "{said}");
    assert!(stored_keys(&app).await == before, "every row as it was");
    assert_eq!(app.kek().id(), kek.id(), "the KEK file is the old one");
}

async fn plaintext_keys_an_earlier_version_stored_are_sealed_at_start_up(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (_, card) = member_card(&app, "Acme").await;
    // The row as versions before migration 0011 wrote it.
    let pem = app.issuer_key().await.to_pkcs8_pem().expect("pem");
    crate::common::execute(
        &app.database_url,
        &format!(
            "UPDATE signing_keys SET private_key = '{}', kek_id = NULL",
            pem.as_str()
        ),
    )
    .await;
    assert!(matches!(
        stored_keys(&app).await[0].private_key,
        PrivateKey::Plaintext(_)
    ));

    let restarted = app.another_instance(RawSettings::default()).await;
    assert_sealed_under(&app, &app.kek(), backend).await;
    assert_verifies(&restarted, &card).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_is_0700_and_the_database_files_and_kek_0600() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    let parent = tempfile::tempdir().expect("tempdir");
    let data = parent.path().join("namecard-data");
    let files = [
        "namecard.db",
        "namecard.db-wal",
        "namecard.db-shm",
        "namecard.kek",
    ];

    let (server, operator) = Instance::start(sqlite_settings(&data)).await;
    let app = TestApp::attach(&server.base, &operator.expect("bootstrap token"));
    member_card(&app, "Acme").await;
    assert_eq!(mode(&data), 0o700);
    for name in files {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    server.stop().await;

    // Files an earlier version made readable by everyone are restricted at the next start.
    for name in files {
        let path = data.join(name);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
    let (server, _) = Instance::start(sqlite_settings(&data)).await;
    for name in ["namecard.db", "namecard.db-wal", "namecard.db-shm"] {
        let path = data.join(name);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
    server.stop().await;
}

on_both_databases!(
    private_keys_are_stored_sealed_under_the_kek_never_as_pkcs8,
    a_restart_with_the_kek_signs_cards_that_verify,
    a_wrong_or_missing_kek_stops_start_up_naming_the_setting,
    rotating_the_kek_keeps_cards_verifying_and_retires_the_old_kek,
    a_kek_rotation_that_cannot_open_every_key_changes_nothing,
    plaintext_keys_an_earlier_version_stored_are_sealed_at_start_up,
);
