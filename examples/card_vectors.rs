//! Writes the card test vectors in `fixtures/cards/` (run: `cargo run --example card_vectors`).
//!
//! Deterministic: fixed test-only seeds, card ids and times, and Ed25519 signatures are
//! deterministic, so running it again reproduces the committed files byte for byte.

use std::path::Path;

use namecard::card::format::{decode_text, encode_text};
use namecard::card::{
    CardClaims, CardId, Issuer, KeyRecord, KeyStatus, Keyset, MemberCutoff, RevocationList,
    SigningKey, sign_claims,
};
use serde_json::{Value, json};

const T0: i64 = 1_763_800_000;
const DAY: i64 = 86_400;

fn main() -> anyhow::Result<()> {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cards");
    std::fs::create_dir_all(&out)?;
    let issuer = Issuer::parse("https://nc.example.com")?;
    let active = SigningKey::from_seed(&[0x11; 32]);
    let retired = SigningKey::from_seed(&[0x22; 32]);
    let compromised = SigningKey::from_seed(&[0x33; 32]);
    let stranger = SigningKey::from_seed(&[0x44; 32]);

    let keyset = Keyset::new(
        issuer.clone(),
        vec![
            KeyRecord {
                kid: retired.kid(),
                public: retired.verifying_key(),
                status: KeyStatus::Retired,
                valid_from: T0 - 400 * DAY,
                retired_at: Some(T0 - 10 * DAY),
            },
            KeyRecord {
                kid: compromised.kid(),
                public: compromised.verifying_key(),
                status: KeyStatus::Retired,
                valid_from: T0 - 400 * DAY,
                retired_at: Some(T0 - 200 * DAY),
            },
            KeyRecord {
                kid: active.kid(),
                public: active.verifying_key(),
                status: KeyStatus::Active,
                valid_from: T0 - 10 * DAY,
                retired_at: None,
            },
        ],
    )?;

    let base = |card_id: u8, key: &SigningKey| CardClaims {
        kid: key.kid(),
        card_id: CardId::from_bytes([card_id; 12]),
        org_id: 42,
        org_name: "深圳华星光电技术有限公司".into(),
        member_id: 7,
        member_name: "张伟明".into(),
        title: Some("销售总监".into()),
        issued_at: T0,
        not_before: T0,
        expires_at: T0 + 30 * DAY,
        one_time: false,
        channel: Some("expo-2026".into()),
    };
    let sign = |claims: CardClaims, key: &SigningKey| sign_claims(&issuer, key, claims).text;

    let revoked_card = CardId::from_bytes([0x0a; 12]);
    let revocations = RevocationList {
        issuer: issuer.clone(),
        issued_at: T0 + DAY,
        cards: vec![revoked_card],
        members: vec![MemberCutoff {
            org_id: 42,
            member_id: 99,
            before: T0 + DAY,
        }],
        compromised_keys: vec![compromised.kid()],
    };

    let valid = sign(base(1, &active), &active);
    let mut cases: Vec<Value> = Vec::new();
    let mut case = |name: &str, text: String, now: i64, expected: &str, use_list: bool| {
        cases.push(json!({ "name": name, "text": text, "now": now, "skew": 300, "revocations": use_list, "expected": expected }));
    };
    case("valid", valid.clone(), T0 + DAY, "valid", true);
    let mut retired_claims = base(2, &retired);
    retired_claims.issued_at = T0 - 20 * DAY;
    retired_claims.not_before = T0 - 20 * DAY;
    case(
        "valid_retired_key",
        sign(retired_claims, &retired),
        T0 + DAY,
        "valid",
        true,
    );
    case(
        "malformed_truncated",
        valid[..valid.len() - 6].to_string(),
        T0 + DAY,
        "malformed",
        false,
    );
    let prefix = issuer.card_prefix();
    let mut body = decode_text(&valid[prefix.len()..]).expect("own card decodes");
    body[0] = 2;
    case(
        "unsupported_version",
        format!("{prefix}{}", encode_text(&body)),
        T0 + DAY,
        "unsupported_version",
        false,
    );
    let other_issuer = Issuer::parse("https://evil.example.net")?;
    case(
        "wrong_issuer",
        sign_claims(&other_issuer, &active, base(3, &active)).text,
        T0 + DAY,
        "wrong_issuer",
        false,
    );
    case(
        "unknown_key",
        sign(base(4, &stranger), &stranger),
        T0 + DAY,
        "unknown_key",
        false,
    );
    let mut forged = decode_text(&valid[prefix.len()..]).expect("own card decodes");
    let last = forged.len() - 1;
    forged[last] ^= 0x01;
    case(
        "bad_signature",
        format!("{prefix}{}", encode_text(&forged)),
        T0 + DAY,
        "bad_signature",
        false,
    );
    case(
        "key_not_valid",
        sign(base(5, &retired), &retired),
        T0 + DAY,
        "key_not_valid",
        false,
    );
    let mut c = base(6, &compromised);
    c.issued_at = T0 - 300 * DAY;
    c.not_before = T0 - 300 * DAY;
    c.expires_at = T0 + 300 * DAY;
    case(
        "key_compromised",
        sign(c, &compromised),
        T0 + DAY,
        "key_compromised",
        true,
    );
    let mut c = base(7, &active);
    c.not_before = T0 + 5 * DAY;
    c.expires_at = T0 + 10 * DAY;
    case(
        "not_yet_valid",
        sign(c, &active),
        T0 + DAY,
        "not_yet_valid",
        false,
    );
    case(
        "expired",
        sign(base(8, &active), &active),
        T0 + 31 * DAY,
        "expired",
        false,
    );
    case(
        "revoked_card",
        sign(base(0x0a, &active), &active),
        T0 + DAY,
        "revoked",
        true,
    );
    let mut c = base(9, &active);
    c.member_id = 99;
    case(
        "revoked_member",
        sign(c, &active),
        T0 + DAY,
        "revoked",
        true,
    );

    let seeds = json!({
        "warning": "test keys only: these seeds are public",
        "seeds_hex": {
            active.kid().to_string(): "11".repeat(32),
            retired.kid().to_string(): "22".repeat(32),
            compromised.kid().to_string(): "33".repeat(32),
            stranger.kid().to_string(): "44".repeat(32),
        }
    });
    let write = |name: &str, text: String| std::fs::write(out.join(name), text + "\n");
    write("keyset.json", keyset.to_jwks_json())?;
    write("revocations.json", revocations.sign(&active))?;
    write("private-seeds.json", serde_json::to_string_pretty(&seeds)?)?;
    write(
        "vectors.json",
        serde_json::to_string_pretty(&json!({ "issuer": issuer.as_str(), "cases": cases }))?,
    )?;
    println!("wrote {} vectors to {}", cases.len(), out.display());
    Ok(())
}
