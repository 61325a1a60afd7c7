//! Backup and restore of a SQLite service: a backup taken while members are being written holds
//! every write acknowledged before it began, and restores into a service that signs with the
//! key-encryption key kept apart; a restore never replaces a running service's database, nor an
//! existing one unless asked.

use crate::common::{Instance, TestApp, run_namecard, sqlite_settings};
use serde_json::json;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Every employee id in the SQLite database in `data`.
async fn employee_ids(data: &Path) -> Vec<String> {
    use sqlx::Connection as _;
    let url = format!("sqlite:{}", data.join("namecard.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlite");
    sqlx::query_scalar("SELECT employee_id FROM members")
        .fetch_all(&mut conn)
        .await
        .expect("members")
}

/// Runs the binary off the test's runtime, where the server runs.
async fn namecard(args: Vec<std::ffi::OsString>) -> (bool, String) {
    tokio::task::spawn_blocking(move || run_namecard(args))
        .await
        .expect("task")
}

fn args(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<std::ffi::OsString> {
    parts.iter().map(|p| p.as_ref().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_concurrent_writes_holds_every_write_acknowledged_before_it_began() {
    let dir = tempfile::tempdir().expect("tempdir");
    let live = dir.path().join("live");
    let (server, operator) = Instance::start(sqlite_settings(&live)).await;
    let app = Arc::new(TestApp::attach(&server.base, &operator.expect("token")));
    let (org, admin) = app.org_with_admin("Acme").await;

    // Two writers add members until told to stop; each id is recorded once answered 201.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (app, admin, acked, stop) = (
                Arc::clone(&app),
                admin.clone(),
                Arc::clone(&acked),
                Arc::clone(&stop),
            );
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let id = format!("W{w}-{i}");
                    let body =
                        json!({ "display_name": format!("Writer {w} #{i}"), "employee_id": id });
                    app.create_member(&admin, org, body).await.expect(201);
                    acked.lock().expect("lock").push(id);
                    i += 1;
                }
            })
        })
        .collect();
    let wait_for = |n: usize| {
        let acked = Arc::clone(&acked);
        async move {
            while acked.lock().expect("lock").len() < n {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    };
    wait_for(20).await;

    let before: Vec<String> = acked.lock().expect("lock").clone();
    let file = dir.path().join("namecard.backup");
    let (ok, said) = namecard(args(&[&"backup", &"--data", &live, &"--out", &file])).await;
    assert!(ok, "{said}");
    assert!(
        said.contains("key-encryption key is not in the backup"),
        "{said}"
    );
    wait_for(before.len() + 10).await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.expect("writer");
    }

    // Never under the running service, not even with --replace.
    let (ok, said) = namecard(args(&[
        &"restore",
        &"--data",
        &live,
        &"--from",
        &file,
        &"--replace",
    ]))
    .await;
    assert!(!ok, "{said}");
    assert!(said.contains("stop every instance"), "{said}");

    // On another machine: the backup, and the KEK kept apart.
    let restored = dir.path().join("restored");
    let (ok, said) = namecard(args(&[&"restore", &"--data", &restored, &"--from", &file])).await;
    assert!(ok, "{said}");
    std::fs::copy(live.join("namecard.kek"), restored.join("namecard.kek")).expect("the KEK");
    server.stop().await;

    let ids = employee_ids(&restored).await;
    let missing: Vec<_> = before.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, missing: {missing:?}"
    );
    let all = acked.lock().expect("lock").clone();
    assert!(ids.iter().all(|id| all.contains(id)), "{ids:?}");

    let (server, operator) = Instance::start(sqlite_settings(&restored)).await;
    assert!(operator.is_none(), "the restored database has its operator");
    let app = TestApp::attach(&server.base, "");
    app.assert_a_new_members_card_verifies(&admin, org, "E-after")
        .await;
    server.stop().await;

    // An existing database is replaced only when asked, and kept aside.
    let (ok, said) = namecard(args(&[&"restore", &"--data", &restored, &"--from", &file])).await;
    assert!(!ok && said.contains("--replace"), "{said}");
    let (ok, said) = namecard(args(&[
        &"restore",
        &"--data",
        &restored,
        &"--from",
        &file,
        &"--replace",
    ]))
    .await;
    assert!(ok, "{said}");
    let aside = std::fs::read_dir(&restored)
        .expect("dir")
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("namecard.db.before-restore-")
        });
    assert!(aside, "the replaced database is kept aside");
    assert!(
        !employee_ids(&restored)
            .await
            .contains(&"E-after".to_owned())
    );
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file_and_a_restore_refuses_what_is_not_a_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let live = dir.path().join("live");
    let (server, _) = Instance::start(sqlite_settings(&live)).await;
    server.stop().await;
    let taken = dir.path().join("taken");
    std::fs::write(&taken, "precious").expect("write");
    let (ok, said) = namecard(args(&[&"backup", &"--data", &live, &"--out", &taken])).await;
    assert!(!ok && said.contains("exists"), "{said}");
    assert_eq!(std::fs::read_to_string(&taken).expect("read"), "precious");

    let (ok, said) = namecard(args(&[
        &"restore",
        &"--data",
        &dir.path().join("new"),
        &"--from",
        &taken,
    ]))
    .await;
    assert!(
        !ok && said.contains("not an intact namecard database"),
        "{said}"
    );

    let (ok, said) = namecard(args(&[
        &"backup",
        &"--data",
        &dir.path().join("none"),
        &"--out",
        &dir.path().join("b"),
    ]))
    .await;
    assert!(!ok && said.contains("no database"), "{said}");
}
