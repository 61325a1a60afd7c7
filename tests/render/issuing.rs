//! Issuing refuses, before anything is signed, a card whose text cannot be drawn: from the CLI
//! and over HTTP.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::json;

#[path = "../common/mod.rs"]
mod common;

use crate::support::decode_png;

fn namecard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_namecard"))
        .args(args)
        .current_dir(dir)
        .env_remove("NAMECARD_KEYS")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn keygen(dir: &Path) {
    let out = namecard(
        dir,
        &[
            "keygen",
            "--keys",
            "keys",
            "--issuer",
            "https://nc.example.com",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn issue(dir: &Path, name: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "issue",
        "--keys",
        "keys",
        "--org-id",
        "42",
        "--org-name",
        "臺灣積體電路製造股份有限公司",
        "--member-id",
        "7",
        "--name",
        name,
        "--title",
        "資深工程師",
        "--out",
        "card.png",
    ];
    args.extend_from_slice(extra);
    namecard(dir, &args)
}

#[test]
fn the_cli_issues_the_traditional_chinese_example_in_its_language() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path());

    let out = issue(dir.path(), "王喆 陳昇", &["--lang", "zh-Hant-TW"]);

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(dir.path().join("card.png")).expect("written");
    let texts = decode_png(&png);
    assert_eq!(texts.len(), 1);
}

#[test]
fn the_cli_refuses_an_undrawable_name_on_a_printable_card_and_signs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path());

    let out = issue(dir.path(), "王\u{E000}", &[]);

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("undrawable_characters"), "{stderr}");
    assert!(
        stderr.contains("U+E000") && stderr.contains("member_name"),
        "{stderr}"
    );
    assert!(!dir.path().join("card.png").exists());

    // A bare QR code draws no text: the same name is issued in it.
    let out = issue(dir.path(), "王\u{E000}", &["--format", "png"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let texts = decode_png(&std::fs::read(dir.path().join("card.png")).expect("written"));
    assert_eq!(texts.len(), 1);
}

#[test]
fn the_cli_refuses_an_unknown_language_tag() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path());

    let out = issue(dir.path(), "王喆", &["--lang", "not a tag"]);

    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("card.png").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_to_issue_a_card_it_cannot_draw_with_422_undrawable_characters() {
    let Some(app) = common::spawn_app(common::Backend::Sqlite).await else {
        return;
    };
    let (org, admin) = app.org_with_admin("Acme").await;
    let (_, token) = app
        .member_with_token(&admin, org, "王\u{E000}明", "E-1")
        .await;

    let answer = app.post("/v1/me/card", Some(&token), json!({})).await;

    assert_eq!(answer.status.as_u16(), 422, "{}", answer.json);
    assert_eq!(answer.problem_code(), "undrawable_characters");
    assert!(
        answer.json.to_string().contains("U+E000"),
        "{}",
        answer.json
    );
    let cards = app.get("/v1/me/cards", Some(&token)).await.expect(200);
    assert_eq!(cards, json!([]));
}
