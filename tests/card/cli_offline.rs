//! The offline CLI round trip exactly as README.md shows it, and batch issuing.

use std::path::Path;
use std::process::{Command, Output};

fn namecard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_namecard"))
        .args(args)
        .current_dir(dir)
        .env_remove("NAMECARD_KEYS")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn keygen_issue_verify_retire_and_remove_work_as_the_readme_shows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(
        code(&namecard(
            d,
            &[
                "keygen",
                "--keys",
                "keys",
                "--issuer",
                "https://nc.example.com"
            ]
        )),
        0
    );
    let issue = namecard(
        d,
        &[
            "issue",
            "--keys",
            "keys",
            "--org-id",
            "42",
            "--org-name",
            "深圳华星光电技术有限公司",
            "--member-id",
            "7",
            "--name",
            "张伟明",
            "--title",
            "销售总监",
            "--expires",
            "30d",
            "--format",
            "printable",
            "--out",
            "card.png",
        ],
    );
    assert_eq!(
        code(&issue),
        0,
        "{}",
        String::from_utf8_lossy(&issue.stderr)
    );
    assert_eq!(
        code(&namecard(
            d,
            &["keys", "export", "--keys", "keys", "--out", "jwks.json"]
        )),
        0
    );

    let valid = namecard(d, &["verify", "card.png", "--keys", "jwks.json"]);
    assert_eq!(code(&valid), 0, "{}", stdout(&valid));
    assert!(stdout(&valid).contains("张伟明"));

    let kid = stdout(&namecard(d, &["keys", "list", "--keys", "keys"]))
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(code(&namecard(d, &["keys", "rotate", "--keys", "keys"])), 0);
    assert_eq!(
        code(&namecard(
            d,
            &["keys", "export", "--keys", "keys", "--out", "jwks.json"]
        )),
        0
    );
    let after_retire = namecard(d, &["verify", "card.png", "--keys", "jwks.json", "--json"]);
    assert_eq!(
        code(&after_retire),
        0,
        "a retired key still verifies its cards"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&after_retire)).unwrap();
    assert_eq!(json["card"]["member_name"], "张伟明");

    assert_eq!(
        code(&namecard(d, &["keys", "remove", "--keys", "keys", &kid])),
        0
    );
    assert_eq!(
        code(&namecard(
            d,
            &["keys", "export", "--keys", "keys", "--out", "jwks.json"]
        )),
        0
    );
    let removed = namecard(d, &["verify", "card.png", "--keys", "jwks.json", "--json"]);
    assert_eq!(code(&removed), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&removed)).unwrap();
    assert_eq!(json["reason"], "unknown_key");
    let with_list = namecard(
        d,
        &[
            "verify",
            "card.png",
            "--keys",
            "jwks.json",
            "--revocations",
            "keys/revocations.json",
        ],
    );
    assert_eq!(code(&with_list), 1);
    assert!(stdout(&with_list).contains("key_compromised"));
}

#[test]
fn verify_exits_2_for_unreadable_keys_and_1_for_an_invalid_payload() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(
        code(&namecard(
            d,
            &["verify", "HTTPS://X/C/00", "--keys", "missing.json"]
        )),
        2
    );
    std::fs::write(d.join("bad.json"), "{not json").unwrap();
    assert_eq!(
        code(&namecard(
            d,
            &["verify", "HTTPS://X/C/00", "--keys", "bad.json"]
        )),
        2
    );
    keygen(d);
    let out = namecard(
        d,
        &[
            "verify",
            "HTTPS://NC.EXAMPLE.COM/C/0",
            "--keys",
            "keys",
            "--json",
        ],
    );
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("malformed"));
    assert_eq!(
        code(&namecard(d, &["issue", "--bogus"])),
        2,
        "usage errors exit 2"
    );
}

#[test]
fn revoking_a_card_makes_offline_verification_with_the_list_fail() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    let issued = namecard(
        d,
        &[
            "issue",
            "--keys",
            "keys",
            "--org-id",
            "1",
            "--org-name",
            "Acme",
            "--member-id",
            "2",
            "--name",
            "Ada",
            "--format",
            "payload",
            "--json",
        ],
    );
    let text = stdout(&issued);
    let payload = text.lines().next().unwrap().to_string();
    let json: serde_json::Value = serde_json::from_str(&text[payload.len()..]).unwrap();
    let card_id = json["card"]["card_id"].as_str().unwrap();
    assert_eq!(
        code(&namecard(
            d,
            &[
                "verify",
                &payload,
                "--keys",
                "keys",
                "--revocations",
                "keys/revocations.json"
            ]
        )),
        0
    );
    assert_eq!(
        code(&namecard(
            d,
            &[
                "revoke",
                "--keys",
                "keys",
                "--card",
                card_id,
                "--out",
                "revoked.json"
            ]
        )),
        0
    );
    let out = namecard(
        d,
        &[
            "verify",
            &payload,
            "--keys",
            "keys",
            "--revocations",
            "revoked.json",
        ],
    );
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("revoked"));
}

#[test]
fn a_batch_issues_every_good_row_and_reports_each_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    std::fs::write(
        d.join("members.csv"),
        "org_id,org_name,member_id,name,title,channel\n\
         1,Acme,10,Ada Lovelace,Engineer,\n\
         1,Acme,11,,Nameless,\n\
         1,Acme,12,李雷,经理,expo\n\
         x,Acme,13,Bad Org Id,,\n\
         1,Acme,14,Grace Hopper,,bad channel\n",
    )
    .unwrap();
    let out = namecard(
        d,
        &[
            "issue",
            "--keys",
            "keys",
            "--batch",
            "members.csv",
            "--out",
            "cards",
            "--format",
            "png",
        ],
    );
    assert_eq!(code(&out), 1, "some rows failed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in [":3:", ":5:", ":6:"] {
        assert!(stderr.contains(line), "no error for line {line}: {stderr}");
    }
    assert!(stdout(&out).contains("issued 2 cards"));
    assert!(d.join("cards/1-10.png").exists() && d.join("cards/1-12.png").exists());
    let verify = namecard(d, &["verify", "cards/1-12.png", "--keys", "keys"]);
    assert_eq!(code(&verify), 0);
    assert!(stdout(&verify).contains("channel:      expo"));
}

fn keygen(d: &Path) {
    let out = namecard(
        d,
        &[
            "keygen",
            "--keys",
            "keys",
            "--issuer",
            "https://nc.example.com",
        ],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
}

/// Issues a payload card and returns its text and card id.
fn issue_payload(d: &Path, extra: &[&str]) -> (String, String) {
    let mut args = vec![
        "issue",
        "--keys",
        "keys",
        "--org-id",
        "1",
        "--org-name",
        "Acme Robotics",
        "--format",
        "payload",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = namecard(d, &args);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let payload = text.lines().next().unwrap().to_string();
    let json: serde_json::Value = serde_json::from_str(&text[payload.len()..]).unwrap();
    (
        payload,
        json["card"]["card_id"].as_str().unwrap().to_owned(),
    )
}

fn verify_json(d: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = namecard(d, &all);
    let json =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (code(&out), json)
}

#[test]
fn three_revoke_runs_in_one_second_sign_three_increasing_list_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let out = namecard(d, &["revoke", "--keys", "keys", "--refresh"]);
        assert_eq!(code(&out), 0);
        let doc = std::fs::read(d.join("keys/revocations.json")).unwrap();
        let keyset =
            namecard::card::Keyset::from_jwks(&std::fs::read(d.join("keys/keyset.json")).unwrap())
                .unwrap();
        numbers.push(
            namecard::card::RevocationList::load(&doc, &keyset, 300)
                .unwrap()
                .number(),
        );
    }
    assert_eq!(numbers, [2, 3, 4], "keygen signs list 1");
}

#[test]
fn verify_json_reports_every_body_field_and_the_list_it_checked_against() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    let (text, card_id) = issue_payload(
        d,
        &["--member-id", "7", "--name", "Ada", "--channel", "expo"],
    );
    let (exit, out) = verify_json(
        d,
        &[
            &text,
            "--keys",
            "keys",
            "--revocations",
            "keys/revocations.json",
        ],
    );
    assert_eq!(exit, 0, "{out}");
    assert_eq!(out["spec"], "1.1");
    assert_eq!(out["result"], "valid");
    assert_eq!(out["card"]["version"], 1);
    assert_eq!(out["card"]["kind"], "member");
    assert_eq!(out["card"]["card_id"], card_id.as_str());
    assert_eq!(out["card"]["channel"], "expo");
    assert_eq!(out["card"]["title"], serde_json::Value::Null);
    assert_eq!(out["key"]["status"], "active");
    assert_eq!(out["list"]["number"], 1);
    assert_eq!(out["list"]["stale"], false);

    let (exit, out) = verify_json(d, &[&format!("{text} "), "--keys", "keys"]);
    assert_eq!((exit, &out["reason"]), (1, &serde_json::json!("malformed")));
    let (exit, out) = verify_json(
        d,
        &[
            &text,
            "--keys",
            "keys",
            "--revocations",
            "keys/revocations.json",
            "--at",
            "2100-01-01T00:00:00Z",
        ],
    );
    assert_eq!((exit, &out["reason"]), (1, &serde_json::json!("expired")));
}

#[test]
fn a_list_past_its_next_update_answers_stale_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    let (text, _) = issue_payload(
        d,
        &["--member-id", "7", "--name", "Ada", "--expires", "30d"],
    );
    assert_eq!(
        code(&namecard(
            d,
            &[
                "revoke",
                "--keys",
                "keys",
                "--refresh",
                "--list-lifetime",
                "1h"
            ]
        )),
        0
    );
    let in_two_hours = (namecard::card::unix_now() + 7_200).to_string();
    let (exit, out) = verify_json(
        d,
        &[
            &text,
            "--keys",
            "keys",
            "--revocations",
            "keys/revocations.json",
            "--at",
            &in_two_hours,
        ],
    );
    assert_eq!(exit, 3, "{out}");
    assert_eq!(out["result"], "stale");
    assert_eq!(out["reason"], serde_json::Value::Null);
    assert_eq!(out["card"]["member_name"], "Ada");
    assert_eq!(out["list"]["stale"], true);
}

#[test]
fn a_refused_list_is_a_document_error_distinct_from_any_card_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    let (text, _) = issue_payload(d, &["--member-id", "7", "--name", "Ada"]);
    let list = std::fs::read_to_string(d.join("keys/revocations.json")).unwrap();
    std::fs::write(
        d.join("dup.json"),
        list.replacen("{", "{\"kid\": \"AAAAAAAAAAA\",", 1),
    )
    .unwrap();
    let (exit, out) = verify_json(d, &[&text, "--keys", "keys", "--revocations", "dup.json"]);
    assert_eq!(exit, 2);
    assert_eq!(out["result"], "document_error");
    assert_eq!(out["document"], "revocation_list");
    assert_eq!(out["error"], "malformed");
    let jwks = std::fs::read_to_string(d.join("keys/keyset.json")).unwrap();
    std::fs::write(
        d.join("upper.json"),
        jwks.replace("https://nc.example.com", "https://NC.example.com"),
    )
    .unwrap();
    let (exit, out) = verify_json(d, &[&text, "--keys", "upper.json"]);
    assert_eq!(
        (exit, &out["document"], &out["error"]),
        (
            2,
            &serde_json::json!("keyset"),
            &serde_json::json!("malformed")
        )
    );
}

#[test]
fn issue_refuses_a_card_that_verify_would_refuse_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    let out = namecard(
        d,
        &[
            "issue",
            "--keys",
            "keys",
            "--org-id",
            "1",
            "--org-name",
            &"组".repeat(64),
            "--member-id",
            "2",
            "--name",
            &"名".repeat(64),
            "--title",
            &"职".repeat(64),
            "--channel",
            &"c".repeat(30),
            "--format",
            "payload",
            "--out",
            "card.txt",
        ],
    );
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("600"), "{stderr}");
    assert!(!d.join("card.txt").exists());
}

#[test]
fn a_team_card_verifies_as_the_organization_and_team_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    let (text, _) = issue_payload(d, &["--team-id", "3", "--team", "Sales team"]);
    let out = namecard(d, &["verify", &text, "--keys", "keys"]);
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).contains("Acme Robotics — Sales team"),
        "{}",
        stdout(&out)
    );
    let (_, json) = verify_json(d, &[&text, "--keys", "keys"]);
    assert_eq!(json["card"]["version"], 2);
    assert_eq!(json["card"]["kind"], "team");
    assert_eq!(json["card"]["team_name"], "Sales team");
    assert_eq!(json["card"]["team_id"], 3);
    assert!(json["card"].get("member_name").is_none());
}

#[test]
fn a_departed_members_old_card_says_whom_to_contact_now() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    keygen(d);
    let (text, _) = issue_payload(d, &["--member-id", "7", "--name", "Bob Li"]);
    let out = namecard(
        d,
        &[
            "revoke",
            "--keys",
            "keys",
            "--member",
            "1:7",
            "--successor",
            "Alice Wang",
            "--successor-title",
            "Sales Director",
        ],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let list = std::fs::read_to_string(d.join("keys/revocations.json")).unwrap();
    let out = namecard(
        d,
        &[
            "verify",
            &text,
            "--keys",
            "keys",
            "--revocations",
            "keys/revocations.json",
        ],
    );
    assert_eq!(code(&out), 1);
    let shown = stdout(&out);
    assert!(shown.contains("Bob Li left Acme Robotics on"), "{shown}");
    assert!(
        shown.contains("contact Alice Wang (Sales Director) now"),
        "{shown}"
    );
    let (_, json) = verify_json(
        d,
        &[
            &text,
            "--keys",
            "keys",
            "--revocations",
            "keys/revocations.json",
        ],
    );
    assert_eq!(json["revocation"]["state"], "departed");
    assert_eq!(json["revocation"]["successor"]["name"], "Alice Wang");
    // The public list names neither the member nor the card.
    let payload = serde_json::from_str::<serde_json::Value>(&list).unwrap()["payload"]
        .as_str()
        .unwrap()
        .to_owned();
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let payload = String::from_utf8(payload).unwrap();
    assert!(
        !payload.contains("Bob") && !payload.contains("\"member"),
        "{payload}"
    );
}
