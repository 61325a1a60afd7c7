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
    namecard(
        d,
        &[
            "keygen",
            "--keys",
            "keys",
            "--issuer",
            "https://nc.example.com",
        ],
    );
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
    namecard(
        d,
        &[
            "keygen",
            "--keys",
            "keys",
            "--issuer",
            "https://nc.example.com",
        ],
    );
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
    namecard(
        d,
        &[
            "keygen",
            "--keys",
            "keys",
            "--issuer",
            "https://nc.example.com",
        ],
    );
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
