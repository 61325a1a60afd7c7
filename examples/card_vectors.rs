//! Writes the card test vectors in `fixtures/cards/` (run: `cargo run --example card_vectors`).
//!
//! Deterministic: fixed test-only seeds, card ids and times; Ed25519 signatures are
//! deterministic and the decoys come from a fixed seed, so running it again reproduces the
//! committed files byte for byte. Each case states the answer `docs/card-format.md` gives; the
//! generator stops if the library answers otherwise, and records the library's full output
//! (less `detail`) as the expected result.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::Signer as _;
use namecard::card::format::{CARD_CONTEXT, decode_text, encode_text};
use namecard::card::keys::key_id;
use namecard::card::report::{ListSummary, VerifyOutput};
use namecard::card::revocation::LIST_CONTEXT;
use namecard::card::{
    CardClaims, CardId, CardKind, Decoys, DocumentError, Issuer, KeyId, KeyRecord, KeyStatus,
    Keyset, ListDraft, RevocationList, RevokedCard, RevokedState, SigningKey, Successor,
    VerifyOptions, sign_claims, verify_card,
};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha512};

const T0: i64 = 1_763_800_000;
const DAY: i64 = 86_400;
const SKEW: i64 = 300;
/// When the card vectors are checked, unless a case says otherwise.
const NOW: i64 = T0 + DAY;
/// The fresh list's times.
const LIST_ISSUED: i64 = T0 + DAY - 3_600;
const LIST_NEXT: i64 = LIST_ISSUED + 7 * DAY;
const PREFIX: &str = "HTTPS://NC.EXAMPLE.COM/C/";

/// The test keys: a 32-byte seed each.
struct Keys {
    active: [u8; 32],
    retired: [u8; 32],
    compromised: [u8; 32],
    stranger: [u8; 32],
}

const KEYS: Keys = Keys {
    active: [0x11; 32],
    retired: [0x22; 32],
    compromised: [0x33; 32],
    stranger: [0x44; 32],
};

fn key(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_seed(seed)
}

/// The RFC 8032 secret scalar of a seed (for crafting signatures by hand).
fn secret_scalar(seed: &[u8; 32]) -> Scalar {
    let h = Sha512::digest(seed);
    let mut a = [0u8; 32];
    a.copy_from_slice(&h[..32]);
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    Scalar::from_bytes_mod_order(a)
}

fn challenge(r: &[u8; 32], a: &[u8; 32], message: &[u8]) -> Scalar {
    Scalar::from_hash(
        Sha512::new()
            .chain_update(r)
            .chain_update(a)
            .chain_update(message),
    )
}

fn issuer() -> Issuer {
    Issuer::parse("https://nc.example.com").expect("issuer")
}

fn base(card_id: u8, seed: &[u8; 32]) -> CardClaims {
    CardClaims {
        kind: CardKind::Member,
        kid: key(seed).kid(),
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
    }
}

fn sign(claims: CardClaims, seed: &[u8; 32]) -> String {
    sign_claims(&issuer(), &key(seed), claims).text
}

fn body_of(text: &str) -> Vec<u8> {
    decode_text(&text[PREFIX.len()..]).expect("own card decodes")
}

fn text_of(body: &[u8]) -> String {
    format!("{PREFIX}{}", encode_text(body))
}

/// Signs raw unsigned body bytes as a card of `issuer` (for bodies that break the rules).
fn sign_raw_body(unsigned: &[u8], seed: &[u8; 32], issuer: &str) -> Vec<u8> {
    let mut msg = CARD_CONTEXT.to_vec();
    msg.push(issuer.len() as u8);
    msg.extend_from_slice(issuer.as_bytes());
    msg.extend_from_slice(unsigned);
    let sig = ed25519_dalek::SigningKey::from_bytes(seed)
        .sign(&msg)
        .to_bytes();
    let mut body = unsigned.to_vec();
    body.extend_from_slice(&sig);
    body
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// An unsigned body written field by field, so that a case can break exactly one rule.
struct RawBody {
    head: Vec<u8>,
    times: [u64; 3],
    ids: [u64; 2],
    texts: [Vec<u8>; 4],
    tail: Vec<u8>,
}

impl RawBody {
    fn new(card_id: u8) -> Self {
        let mut head = vec![1, 0];
        head.extend_from_slice(key(&KEYS.active).kid().as_bytes());
        head.extend_from_slice(&[card_id; 12]);
        Self {
            head,
            times: [T0 as u64, 0, 30 * DAY as u64],
            ids: [42, 7],
            texts: [
                "Acme Robotics".as_bytes().to_vec(),
                b"Ada Lovelace".to_vec(),
                Vec::new(),
                Vec::new(),
            ],
            tail: Vec::new(),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = self.head.clone();
        for t in self.times {
            varint(&mut out, t);
        }
        for i in self.ids {
            varint(&mut out, i);
        }
        for t in &self.texts {
            varint(&mut out, t.len() as u64);
            out.extend_from_slice(t);
        }
        out.extend_from_slice(&self.tail);
        out
    }

    fn signed_text(&self) -> String {
        text_of(&sign_raw_body(
            &self.encode(),
            &KEYS.active,
            "https://nc.example.com",
        ))
    }
}

struct Generator {
    keyset: Keyset,
    mixed: Keyset,
    lists: Vec<(&'static str, RevocationList)>,
    cards: Vec<Value>,
}

impl Generator {
    /// Records a card case after checking the library gives `expected` ("valid", "stale" or a
    /// reason code). The arguments are the columns of a vector, in order.
    #[allow(clippy::too_many_arguments)]
    fn card(
        &mut self,
        name: &str,
        rule: &str,
        text: String,
        now: i64,
        keyset: &'static str,
        list: Option<&'static str>,
        expected: &str,
    ) {
        let ks = if keyset == "keyset.json" {
            &self.keyset
        } else {
            &self.mixed
        };
        let list_ref = list.map(|name| {
            &self
                .lists
                .iter()
                .find(|(n, _)| *n == name)
                .expect("known list")
                .1
        });
        let opts = VerifyOptions {
            now,
            skew_secs: SKEW,
        };
        let result = verify_card(&text, ks, list_ref, &opts);
        let mut output = serde_json::to_value(VerifyOutput::of(&result)).expect("output");
        let got = match (&output["result"], &output["reason"]) {
            (Value::String(r), Value::Null) => r.clone(),
            (_, Value::String(reason)) => reason.clone(),
            other => panic!("{name}: odd output {other:?}"),
        };
        assert_eq!(got, expected, "vector {name}: {output}");
        if let Some(o) = output.as_object_mut() {
            o.remove("detail");
        }
        self.cards.push(json!({
            "name": name,
            "rule": rule,
            "text": text,
            "now": now,
            "skew": SKEW,
            "keyset": keyset,
            "revocations": list,
            "expected": output,
        }));
    }
}

fn document_field(bytes: &[u8]) -> (&'static str, Value) {
    match std::str::from_utf8(bytes) {
        Ok(text) => ("document", Value::String(text.to_owned())),
        Err(_) => ("document_base64", Value::String(B64.encode(bytes))),
    }
}

fn expect_doc(name: &str, result: Result<(), DocumentError>, expected: &str) -> Value {
    let got = match &result {
        Ok(()) => "ok",
        Err(e) => e.code.as_str(),
    };
    assert_eq!(got, expected, "document vector {name}: {result:?}");
    match result {
        Ok(()) => json!({ "result": "ok" }),
        Err(e) => json!({
            "result": "document_error",
            "document": e.document.as_str(),
            "error": e.code.as_str(),
        }),
    }
}

/// A signed list envelope around arbitrary payload bytes.
fn envelope(payload: &[u8], seed: &[u8; 32]) -> String {
    let mut msg = LIST_CONTEXT.to_vec();
    msg.extend_from_slice(payload);
    let sig = ed25519_dalek::SigningKey::from_bytes(seed)
        .sign(&msg)
        .to_bytes();
    format!(
        "{{\n  \"format\": \"namecard-revocations/v2\",\n  \"kid\": \"{}\",\n  \"payload\": \"{}\",\n  \"signature\": \"{}\"\n}}",
        key(seed).kid(),
        B64URL.encode(payload),
        B64URL.encode(sig)
    )
}

fn main() -> anyhow::Result<()> {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cards");
    std::fs::create_dir_all(&out)?;
    let issuer = issuer();
    let (active, retired, compromised, stranger) = (
        key(&KEYS.active),
        key(&KEYS.retired),
        key(&KEYS.compromised),
        key(&KEYS.stranger),
    );

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

    // A mixed-order key: a*B plus a point of order 8. No honest key generation makes one; it is
    // accepted (it is not of small order) and checked with the same cofactorless equation.
    let mixed_a = secret_scalar(&[0x66; 32]);
    let mixed_point = ED25519_BASEPOINT_POINT * mixed_a + EIGHT_TORSION[1];
    let mixed_bytes = mixed_point.compress().to_bytes();
    let mixed_public = ed25519_dalek::VerifyingKey::from_bytes(&mixed_bytes)?;
    let mixed_kid = key_id(&mixed_public);
    let mixed = Keyset::new(
        issuer.clone(),
        vec![KeyRecord {
            kid: mixed_kid,
            public: mixed_public,
            status: KeyStatus::Active,
            valid_from: T0 - 10 * DAY,
            retired_at: None,
        }],
    )?;

    // The cards the fresh list revokes.
    let withdrawn = sign(base(0x0a, &KEYS.active), &KEYS.active);
    let departed_with_successor = {
        let mut c = base(0x0b, &KEYS.active);
        c.member_id = 99;
        c.member_name = "李雷".into();
        sign(c, &KEYS.active)
    };
    let departed_alone = {
        let mut c = base(0x0c, &KEYS.active);
        c.member_id = 98;
        c.member_name = "韩梅梅".into();
        sign(c, &KEYS.active)
    };
    let team = CardClaims {
        kind: CardKind::Team,
        member_id: 3,
        member_name: "Sales team".into(),
        org_name: "Acme Robotics".into(),
        title: Some("Booth 3A".into()),
        channel: Some("expo-2026".into()),
        ..base(0x20, &KEYS.active)
    };
    let team_text = sign(team.clone(), &KEYS.active);
    let withdrawn_team = sign(
        CardClaims {
            card_id: CardId::from_bytes([0x21; 12]),
            ..team.clone()
        },
        &KEYS.active,
    );
    let successor = Successor {
        name: "王芳".into(),
        title: Some("销售经理".into()),
    };
    let revoked_cards = vec![
        RevokedCard {
            body: body_of(&withdrawn),
            state: RevokedState::Withdrawn,
            at: T0 + DAY - 7_200,
            successor: None,
        },
        RevokedCard {
            body: body_of(&departed_with_successor),
            state: RevokedState::Departed,
            at: T0 + DAY / 2,
            successor: Some(0),
        },
        RevokedCard {
            body: body_of(&departed_alone),
            state: RevokedState::Departed,
            at: T0 + DAY / 3,
            successor: None,
        },
        RevokedCard {
            body: body_of(&withdrawn_team),
            state: RevokedState::Withdrawn,
            at: T0 + DAY / 4,
            successor: None,
        },
    ];
    let fresh = ListDraft {
        issuer: issuer.clone(),
        number: 3,
        issued_at: LIST_ISSUED,
        next_update: LIST_NEXT,
        revoked: revoked_cards.clone(),
        successors: vec![successor.clone()],
        compromised_keys: vec![compromised.kid()],
        decoys: Some(Decoys::from_seed([0x55; 32])),
    };
    let fresh_signed = fresh.sign(&active)?;

    // A list whose record for one card does not unseal to a well-formed one: the card is still
    // revoked, with no details. Built by hand: its sealed half is all zero bytes.
    let unreadable_card = sign(base(0x0d, &KEYS.active), &KEYS.active);
    let unreadable_doc = {
        let mut entry =
            namecard::card::revocation::revocation_id(&body_of(&unreadable_card)).to_vec();
        entry.extend_from_slice(&[0u8; 16]);
        let payload = format!(
            r#"{{"issuer":"https://nc.example.com","number":4,"issued_at":{LIST_ISSUED},"next_update":{LIST_NEXT},"entries":"{}","successors":[],"compromised_keys":[]}}"#,
            B64URL.encode(&entry)
        );
        envelope(payload.as_bytes(), &KEYS.active)
    };
    let unreadable = RevocationList::load(unreadable_doc.as_bytes(), &keyset, SKEW)?;

    let mut g = Generator {
        keyset: keyset.clone(),
        mixed: mixed.clone(),
        lists: vec![
            ("revocations.json", fresh_signed.list.clone()),
            ("revocations-unreadable.json", unreadable),
        ],
        cards: Vec::new(),
    };
    let list = Some("revocations.json");
    let ks = "keyset.json";
    let valid = sign(base(1, &KEYS.active), &KEYS.active);

    // §6: valid cards.
    g.card(
        "valid",
        "a member card, checked against a fresh list",
        valid.clone(),
        NOW,
        ks,
        list,
        "valid",
    );
    g.card(
        "valid_without_list",
        "no list given: status not checked",
        valid.clone(),
        NOW,
        ks,
        None,
        "valid",
    );
    let mut c = base(2, &KEYS.retired);
    c.issued_at = T0 - 20 * DAY;
    c.not_before = T0 - 20 * DAY;
    g.card(
        "valid_retired_key",
        "a retired key verifies what it signed before retired_at",
        sign(c, &KEYS.retired),
        NOW,
        ks,
        list,
        "valid",
    );
    g.card(
        "valid_team_card",
        "version 2, kind 1: a team card",
        team_text.clone(),
        NOW,
        ks,
        list,
        "valid",
    );
    let mut c = base(3, &KEYS.active);
    c.one_time = true;
    c.title = None;
    c.channel = None;
    g.card(
        "valid_one_time_no_title_no_channel",
        "flag bit 0; empty title and channel are none",
        sign(c, &KEYS.active),
        NOW,
        ks,
        list,
        "valid",
    );
    let mut c = base(4, &KEYS.active);
    c.member_name = "龍".repeat(64);
    c.org_name = "Ω".repeat(64);
    g.card(
        "valid_64_character_names",
        "64 Unicode scalar values of 3 and 2 bytes",
        sign(c, &KEYS.active),
        NOW,
        ks,
        list,
        "valid",
    );
    let mut c = base(5, &KEYS.active);
    c.member_name = "张\u{00A0}伟".into();
    g.card(
        "valid_inner_white_space",
        "white space inside a text is allowed",
        sign(c, &KEYS.active),
        NOW,
        ks,
        list,
        "valid",
    );
    // The longest body: 64 + 64 CJK characters, a CJK title and a channel filling it to 600.
    let longest = |extra: usize| {
        (0..=64usize)
            .flat_map(|t| (0..=30usize).map(move |c| (t, c)))
            .find_map(|(t, c)| {
                let mut raw = RawBody::new(6);
                raw.texts[0] = "组".repeat(64).into_bytes();
                raw.texts[1] = "名".repeat(64).into_bytes();
                raw.texts[2] = "职".repeat(t).into_bytes();
                raw.texts[3] = b"c".repeat(c);
                (raw.encode().len() + 64 == 600 + extra).then_some(raw)
            })
            .expect("a combination of exactly that length")
    };
    g.card(
        "valid_600_byte_body",
        "§2: a body of exactly 600 bytes",
        longest(0).signed_text(),
        NOW,
        ks,
        None,
        "valid",
    );
    g.card(
        "malformed_601_byte_body",
        "§2: a body over 600 bytes",
        longest(1).signed_text(),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut raw = RawBody::new(6);
    raw.texts[0] = "组".repeat(64).into_bytes();
    raw.texts[1] = "名".repeat(64).into_bytes();
    raw.texts[2] = "职".repeat(64).into_bytes();
    raw.texts[3] = b"a".repeat(30);
    assert!(raw.encode().len() + 64 > 700);
    g.card(
        "malformed_body_64_64_64_cjk_and_30_channel",
        "§2: within every field limit but over 600 bytes",
        raw.signed_text(),
        NOW,
        ks,
        None,
        "malformed",
    );

    // §1: the text.
    g.card(
        "malformed_empty_text",
        "§6 step 1: 1 to 1200 bytes",
        String::new(),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut long = valid.clone();
    while long.len() < 1201 {
        long.push('0');
    }
    g.card(
        "malformed_text_over_1200_bytes",
        "§6 step 1",
        long,
        NOW,
        ks,
        None,
        "malformed",
    );
    for (name, text) in [
        ("malformed_leading_space", format!(" {valid}")),
        ("malformed_trailing_space", format!("{valid} ")),
        ("malformed_trailing_lf", format!("{valid}\n")),
        ("malformed_trailing_crlf", format!("{valid}\r\n")),
        ("malformed_trailing_nbsp", format!("{valid}\u{00A0}")),
        (
            "malformed_padded_with_spaces",
            format!("{valid}{}", " ".repeat(300)),
        ),
        ("malformed_lowercase_text", valid.to_ascii_lowercase()),
        ("malformed_nul_byte", format!("{valid}\u{0}")),
    ] {
        g.card(
            name,
            "§6 step 1: only 0-9 A-Z $ * + - . / : (white space is not part of a card text)",
            text,
            NOW,
            ks,
            None,
            "malformed",
        );
    }
    g.card(
        "malformed_no_scheme_separator",
        "§6 step 2: no \"://\"",
        valid["HTTPS://".len()..].to_string(),
        NOW,
        ks,
        None,
        "malformed",
    );
    g.card(
        "malformed_no_card_marker",
        "§6 step 2: no \"/C/\" after \"://\"",
        valid.replacen("/C/", "/X/", 1),
        NOW,
        ks,
        None,
        "malformed",
    );
    g.card(
        "wrong_issuer",
        "§6 step 3: another issuer's card",
        sign_claims(
            &Issuer::parse("https://evil.example.net")?,
            &active,
            base(3, &KEYS.active),
        )
        .text,
        NOW,
        ks,
        None,
        "wrong_issuer",
    );
    for (name, text) in [
        (
            "wrong_issuer_http_scheme",
            valid.replacen("HTTPS://", "HTTP://", 1),
        ),
        (
            "wrong_issuer_default_port",
            valid.replacen("COM/C/", "COM:443/C/", 1),
        ),
        ("wrong_issuer_extra_path", valid.replacen("/C/", "/X/C/", 1)),
        ("wrong_issuer_marker_before_scheme", format!("/C/{valid}")),
        (
            "wrong_issuer_trailing_dot",
            valid.replacen("COM/C/", "COM./C/", 1),
        ),
    ] {
        g.card(name, "§6 step 3: the text up to the first \"/C/\" after \"://\" is exactly uppercase(issuer) \"/C/\"", text, NOW, ks, None, "wrong_issuer");
    }
    g.card(
        "malformed_body_length_1_mod_3",
        "§1.2",
        valid[..valid.len() - 1].to_string() + "00",
        NOW,
        ks,
        None,
        "malformed",
    );
    g.card(
        "malformed_truncated",
        "§1.2 / §2",
        valid[..valid.len() - 6].to_string(),
        NOW,
        ks,
        None,
        "malformed",
    );
    g.card(
        "malformed_group_over_65535",
        "§1.2: three digits over 65535",
        format!("{PREFIX}:::"),
        NOW,
        ks,
        None,
        "malformed",
    );
    g.card(
        "malformed_pair_over_255",
        "§1.2: two digits over 255",
        format!("{PREFIX}::"),
        NOW,
        ks,
        None,
        "malformed",
    );
    g.card(
        "malformed_dot_in_body",
        "§1.2: '.' and '/' are not body digits",
        format!("{}.00", &valid[..valid.len() - 3]),
        NOW,
        ks,
        None,
        "malformed",
    );

    // §2: the body.
    for (name, version, expected) in [
        ("unsupported_version_0", 0u8, "unsupported_version"),
        ("unsupported_version_3", 3, "unsupported_version"),
    ] {
        let mut body = body_of(&valid);
        body[0] = version;
        g.card(
            name,
            "§6 step 5: versions 1 and 2 only",
            text_of(&body),
            NOW,
            ks,
            None,
            expected,
        );
    }
    let team_body = body_of(&team_text);
    let mut kind0 = team_body.clone();
    kind0[2] = 0;
    g.card(
        "malformed_version_2_kind_0",
        "§2.1: a member card is written as version 1",
        text_of(&kind0),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut kind2 = team_body.clone();
    kind2[2] = 2;
    g.card(
        "unsupported_version_2_kind_2",
        "§6 step 5: unknown kinds",
        text_of(&kind2),
        NOW,
        ks,
        None,
        "unsupported_version",
    );
    g.card(
        "malformed_version_2_too_short",
        "§2.1: no kind byte",
        text_of(&[2, 0]),
        NOW,
        ks,
        None,
        "malformed",
    );
    g.card(
        "malformed_empty_body",
        "§2",
        PREFIX.to_string(),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut raw = RawBody::new(7);
    raw.head[1] = 0b10;
    g.card(
        "malformed_reserved_flag",
        "§2: flag bits 1-7 are zero (signed)",
        raw.signed_text(),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut raw = RawBody::new(7);
    raw.head.truncate(22);
    let mut body = raw.encode();
    // issued_at written in 6 bytes instead of 5: the last one is 0x00.
    let mut overlong = Vec::new();
    varint(&mut overlong, T0 as u64);
    let at = 22;
    assert_eq!(&body[at..at + overlong.len()], &overlong[..]);
    let mut padded = overlong.clone();
    let last = padded.len() - 1;
    padded[last] |= 0x80;
    padded.push(0);
    body.splice(at..at + overlong.len(), padded);
    g.card(
        "malformed_non_minimal_varint",
        "§2.1: LEB128 in its shortest form (signed)",
        text_of(&sign_raw_body(&body, &KEYS.active, issuer.as_str())),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut raw = RawBody::new(7);
    raw.ids[0] = 0;
    let mut body = raw.encode();
    let at = body.len() - raw.texts.iter().map(|t| t.len() + 1).sum::<usize>() - 2;
    body.splice(
        at..at + 1,
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02],
    );
    g.card(
        "malformed_varint_over_64_bits",
        "§2.1: fits 64 bits (signed)",
        text_of(&sign_raw_body(&body, &KEYS.active, issuer.as_str())),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut raw = RawBody::new(7);
    raw.times = [i64::MAX as u64, 1, 1];
    g.card(
        "malformed_time_over_i64",
        "§2.1: not_before fits a signed 64-bit integer (signed)",
        raw.signed_text(),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut raw = RawBody::new(7);
    raw.times = [1 << 63, 0, 1];
    g.card(
        "malformed_issued_at_over_i64",
        "§2.1 (signed)",
        raw.signed_text(),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut raw = RawBody::new(7);
    raw.times[2] = 0;
    g.card(
        "malformed_lifetime_0",
        "§2: lifetime >= 1 (signed)",
        raw.signed_text(),
        NOW,
        ks,
        None,
        "malformed",
    );
    let mut raw = RawBody::new(7);
    raw.tail = vec![0];
    g.card(
        "malformed_trailing_byte",
        "§2: nothing after the channel (signed)",
        raw.signed_text(),
        NOW,
        ks,
        None,
        "malformed",
    );
    type Texts = [Vec<u8>; 4];
    type TextCase = (&'static str, &'static str, Box<dyn Fn(&mut Texts)>);
    let text_cases: Vec<TextCase> = vec![
        (
            "malformed_empty_org_name",
            "§2.2: org_name not empty",
            Box::new(|t| t[0].clear()),
        ),
        (
            "malformed_empty_member_name",
            "§2.2: member_name not empty",
            Box::new(|t| t[1].clear()),
        ),
        (
            "malformed_leading_space_in_name",
            "§2.2",
            Box::new(|t| t[1] = b" Ada".to_vec()),
        ),
        (
            "malformed_trailing_ideographic_space",
            "§2.2: U+3000 is white space",
            Box::new(|t| t[1] = "Ada\u{3000}".as_bytes().to_vec()),
        ),
        (
            "malformed_trailing_nbsp_in_title",
            "§2.2: U+00A0 is white space",
            Box::new(|t| t[2] = "CEO\u{00A0}".as_bytes().to_vec()),
        ),
        (
            "malformed_control_character",
            "§2.2: U+0007",
            Box::new(|t| t[1] = b"Ada\x07".to_vec()),
        ),
        (
            "malformed_c1_control_character",
            "§2.2: U+0085",
            Box::new(|t| t[1] = "A\u{0085}da".as_bytes().to_vec()),
        ),
        (
            "malformed_bidi_override",
            "§2.2: U+202E",
            Box::new(|t| t[1] = "Eve\u{202E}gnp".as_bytes().to_vec()),
        ),
        (
            "malformed_zero_width_space",
            "§2.2: U+200B",
            Box::new(|t| t[1] = "A\u{200B}da".as_bytes().to_vec()),
        ),
        (
            "malformed_bom_character",
            "§2.2: U+FEFF",
            Box::new(|t| t[0] = "\u{FEFF}Acme".as_bytes().to_vec()),
        ),
        (
            "malformed_name_65_characters",
            "§2: 1-64 characters",
            Box::new(|t| t[1] = "x".repeat(65).into_bytes()),
        ),
        (
            "malformed_channel_31_characters",
            "§2: channel 0-30",
            Box::new(|t| t[3] = b"c".repeat(31)),
        ),
        (
            "malformed_channel_space",
            "§2: channel of [A-Za-z0-9._-]",
            Box::new(|t| t[3] = b"expo 2026".to_vec()),
        ),
        (
            "malformed_channel_non_ascii",
            "§2: channel of [A-Za-z0-9._-]",
            Box::new(|t| t[3] = "展会".as_bytes().to_vec()),
        ),
        (
            "malformed_invalid_utf8",
            "§2.2: UTF-8",
            Box::new(|t| t[1] = vec![b'A', 0xff]),
        ),
        (
            "malformed_overlong_utf8",
            "§2.2: UTF-8 (no overlong forms)",
            Box::new(|t| t[1] = vec![b'A', 0xc0, 0x80]),
        ),
        (
            "malformed_utf8_surrogate",
            "§2.2: UTF-8 (no surrogates)",
            Box::new(|t| t[1] = vec![b'A', 0xed, 0xa0, 0x80]),
        ),
    ];
    for (name, rule, mutate) in text_cases {
        let mut raw = RawBody::new(8);
        mutate(&mut raw.texts);
        g.card(
            name,
            &format!("{rule} (signed)"),
            raw.signed_text(),
            NOW,
            ks,
            None,
            "malformed",
        );
    }
    let mut raw = RawBody::new(8);
    raw.texts[3] = b"c".repeat(30);
    raw.texts[1] = "x".repeat(64).into_bytes();
    g.card(
        "valid_channel_30_name_64",
        "§2: the upper limits",
        raw.signed_text(),
        NOW,
        ks,
        None,
        "valid",
    );

    // §3, §4: keys and the signature.
    let mut c = base(6, &KEYS.compromised);
    c.issued_at = T0 - 300 * DAY;
    c.not_before = T0 - 300 * DAY;
    c.expires_at = T0 + 300 * DAY;
    let compromised_card = sign(c, &KEYS.compromised);
    g.card(
        "key_compromised",
        "§6 step 7",
        compromised_card.clone(),
        NOW,
        ks,
        list,
        "key_compromised",
    );
    g.card(
        "compromised_key_without_list",
        "only the list knows the key is compromised",
        compromised_card,
        NOW,
        ks,
        None,
        "valid",
    );
    g.card(
        "unknown_key",
        "§6 step 8",
        sign(base(4, &KEYS.stranger), &KEYS.stranger),
        NOW,
        ks,
        None,
        "unknown_key",
    );
    let mut forged = body_of(&valid);
    let last = forged.len() - 1;
    forged[last] ^= 0x01;
    g.card(
        "bad_signature_flipped_bit",
        "§6 step 9",
        text_of(&forged),
        NOW,
        ks,
        None,
        "bad_signature",
    );
    let mut big_s = body_of(&valid);
    let n = big_s.len();
    let l_bytes = Scalar::ZERO - Scalar::ONE; // l - 1
    let mut carry = 1u16; // add l = (l - 1) + 1
    for (b, l) in big_s[n - 32..].iter_mut().zip(l_bytes.as_bytes()) {
        let sum = u16::from(*b) + u16::from(*l) + carry;
        *b = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    g.card(
        "bad_signature_s_not_below_l",
        "§3: S < L (S + L satisfies the equation)",
        text_of(&big_s),
        NOW,
        ks,
        None,
        "bad_signature",
    );
    {
        let claims = base(9, &KEYS.active);
        let unsigned = &body_of(&sign(claims, &KEYS.active))[..];
        let unsigned = &unsigned[..unsigned.len() - 64];
        let mut msg = CARD_CONTEXT.to_vec();
        msg.push(issuer.as_str().len() as u8);
        msg.extend_from_slice(issuer.as_str().as_bytes());
        msg.extend_from_slice(unsigned);
        let identity = EdwardsPoint::default().compress().to_bytes();
        let a_bytes = active.verifying_key().to_bytes();
        let k = challenge(&identity, &a_bytes, &msg);
        let s = k * secret_scalar(&KEYS.active);
        let mut body = unsigned.to_vec();
        body.extend_from_slice(&identity);
        body.extend_from_slice(s.as_bytes());
        g.card(
            "bad_signature_small_order_r",
            "§3: R of small order is refused even when [S]B = R + [k]A",
            text_of(&body),
            NOW,
            ks,
            None,
            "bad_signature",
        );
    }
    g.card(
        "bad_signature_signed_for_another_issuer",
        "§3: the issuer is in the signed message",
        {
            let other = sign_claims(
                &Issuer::parse("https://evil.example.net")?,
                &active,
                base(1, &KEYS.active),
            )
            .text;
            text_of(&decode_text(&other["HTTPS://EVIL.EXAMPLE.NET/C/".len()..]).expect("decodes"))
        },
        NOW,
        ks,
        None,
        "bad_signature",
    );
    // The mixed-order key: a signature for which the cofactorless equation holds (k divisible
    // by 8, so [k]T vanishes), and one for which only the cofactored equation holds.
    let mixed_card = |card_id: u8, want_k_divisible: bool| {
        let mut claims = base(card_id, &KEYS.active);
        claims.kid = mixed_kid;
        let unsigned = &body_of(&sign(claims, &KEYS.active))[..];
        let unsigned = &unsigned[..unsigned.len() - 64];
        let mut msg = CARD_CONTEXT.to_vec();
        msg.push(issuer.as_str().len() as u8);
        msg.extend_from_slice(issuer.as_str().as_bytes());
        msg.extend_from_slice(unsigned);
        for counter in 0u64.. {
            let r = Scalar::from_hash(
                Sha512::new()
                    .chain_update(counter.to_le_bytes())
                    .chain_update(&msg),
            );
            let big_r = (ED25519_BASEPOINT_POINT * r).compress().to_bytes();
            let k = challenge(&big_r, &mixed_bytes, &msg);
            let divisible = k.as_bytes()[0].is_multiple_of(8);
            if divisible == want_k_divisible {
                let s = r + k * mixed_a;
                let mut body = unsigned.to_vec();
                body.extend_from_slice(&big_r);
                body.extend_from_slice(s.as_bytes());
                return text_of(&body);
            }
        }
        unreachable!()
    };
    g.card(
        "valid_mixed_order_key",
        "§3: a mixed-order key verifies what satisfies the cofactorless equation",
        mixed_card(0x30, true),
        NOW,
        "keyset-mixed-order.json",
        None,
        "valid",
    );
    g.card(
        "bad_signature_cofactored_only",
        "§3: the cofactored equation is not used",
        mixed_card(0x31, false),
        NOW,
        "keyset-mixed-order.json",
        None,
        "bad_signature",
    );
    let window = |card_id: u8, seed: &[u8; 32], issued_at: i64| {
        let mut c = base(card_id, seed);
        c.issued_at = issued_at;
        c.not_before = issued_at;
        c.expires_at = NOW + 10 * DAY;
        sign(c, seed)
    };
    g.card(
        "key_not_valid_before_valid_from",
        "§6 step 10: issued_at + skew >= valid_from",
        window(0x40, &KEYS.active, T0 - 10 * DAY - SKEW - 1),
        NOW,
        ks,
        None,
        "key_not_valid",
    );
    g.card(
        "valid_at_valid_from_less_skew",
        "§6 step 10 edge",
        window(0x41, &KEYS.active, T0 - 10 * DAY - SKEW),
        NOW,
        ks,
        None,
        "valid",
    );
    g.card(
        "key_not_valid_after_retired_at",
        "§6 step 10: issued_at <= retired_at + skew",
        window(0x42, &KEYS.retired, T0 - 10 * DAY + SKEW + 1),
        NOW,
        ks,
        None,
        "key_not_valid",
    );
    g.card(
        "valid_at_retired_at_plus_skew",
        "§6 step 10 edge",
        window(0x43, &KEYS.retired, T0 - 10 * DAY + SKEW),
        NOW,
        ks,
        None,
        "valid",
    );

    // §6: dates.
    let mut c = base(0x50, &KEYS.active);
    c.not_before = T0 + 5 * DAY;
    c.expires_at = T0 + 10 * DAY;
    let later = sign(c, &KEYS.active);
    g.card(
        "not_yet_valid",
        "§6 step 11: now + skew >= not_before",
        later.clone(),
        T0 + 5 * DAY - SKEW - 1,
        ks,
        None,
        "not_yet_valid",
    );
    g.card(
        "valid_at_not_before_less_skew",
        "§6 step 11 edge",
        later,
        T0 + 5 * DAY - SKEW,
        ks,
        None,
        "valid",
    );
    let expiring = sign(base(0x51, &KEYS.active), &KEYS.active);
    g.card(
        "expired",
        "§6 step 12: now - skew < expires_at",
        expiring.clone(),
        T0 + 30 * DAY + SKEW,
        ks,
        None,
        "expired",
    );
    g.card(
        "valid_a_second_before_expiry",
        "§6 step 12 edge",
        expiring,
        T0 + 30 * DAY + SKEW - 1,
        ks,
        None,
        "valid",
    );

    // §5, §6: revocation and freshness.
    g.card(
        "revoked_withdrawn",
        "§6 step 13: listed, withdrawn",
        withdrawn.clone(),
        NOW,
        ks,
        list,
        "revoked",
    );
    g.card(
        "revoked_departed_with_successor",
        "§6 step 13: listed, departed, with a successor",
        departed_with_successor.clone(),
        NOW,
        ks,
        list,
        "revoked",
    );
    g.card(
        "revoked_departed_without_successor",
        "§6 step 13",
        departed_alone,
        NOW,
        ks,
        list,
        "revoked",
    );
    g.card(
        "revoked_team_card",
        "§6 step 13: a team card",
        withdrawn_team,
        NOW,
        ks,
        list,
        "revoked",
    );
    g.card(
        "revoked_unreadable_record",
        "§5.3: a record that does not unseal is still revoked, without details",
        unreadable_card,
        NOW,
        ks,
        Some("revocations-unreadable.json"),
        "revoked",
    );
    g.card(
        "revoked_not_checked_without_list",
        "no list: not revoked as far as this verifier knows",
        withdrawn.clone(),
        NOW,
        ks,
        None,
        "valid",
    );
    g.card(
        "expired_before_revoked",
        "§6: dates come before the list",
        withdrawn.clone(),
        T0 + 31 * DAY,
        ks,
        list,
        "expired",
    );
    g.card(
        "stale",
        "§6 step 14: now - skew >= next_update",
        valid.clone(),
        LIST_NEXT + SKEW,
        ks,
        list,
        "stale",
    );
    g.card(
        "valid_a_second_before_stale",
        "§6 step 14 edge",
        valid.clone(),
        LIST_NEXT + SKEW - 1,
        ks,
        list,
        "valid",
    );
    g.card(
        "revoked_in_a_stale_list",
        "§6: a stale list still revokes",
        departed_with_successor,
        LIST_NEXT + DAY,
        ks,
        list,
        "revoked",
    );
    let mut c = base(6, &KEYS.compromised);
    c.card_id = CardId::from_bytes([0x60; 12]);
    c.issued_at = T0 - 300 * DAY;
    c.not_before = T0 - 300 * DAY;
    c.expires_at = T0 + 300 * DAY;
    g.card(
        "key_compromised_in_a_stale_list",
        "§6: a stale list still names compromised keys",
        sign(c, &KEYS.compromised),
        LIST_NEXT + DAY,
        ks,
        list,
        "key_compromised",
    );

    // §4: keyset documents.
    let keyset_json = keyset.to_jwks_json();
    let mixed_json = mixed.to_jwks_json();
    let mut keysets = Vec::new();
    let mut keyset_case = |name: &str, rule: &str, doc: Vec<u8>, expected: &str| {
        let result = Keyset::from_jwks(&doc).map(|_| ());
        let (field, value) = document_field(&doc);
        keysets.push(json!({ "name": name, "rule": rule, field: value, "expected": expect_doc(name, result, expected) }));
    };
    let active_x = B64URL.encode(active.verifying_key().as_bytes());
    let one_key =
        |members: &str| format!(r#"{{"issuer":"https://nc.example.com","keys":[{{{members}}}]}}"#);
    let good_members = format!(
        r#""kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"{}","x":"{active_x}","status":"active","valid_from":1763000000"#,
        active.kid()
    );
    keyset_case("keyset_valid", "§4", keyset_json.clone().into_bytes(), "ok");
    keyset_case(
        "keyset_mixed_order_key",
        "§3: a mixed-order key is not of small order",
        mixed_json.clone().into_bytes(),
        "ok",
    );
    keyset_case(
        "keyset_one_key",
        "§4",
        one_key(&good_members).into_bytes(),
        "ok",
    );
    keyset_case(
        "keyset_no_keys",
        "§4: an empty keys array verifies nothing",
        br#"{"issuer":"https://nc.example.com","keys":[]}"#.to_vec(),
        "ok",
    );
    keyset_case(
        "keyset_white_space_around",
        "§4.1: JSON white space around the value",
        format!(" \n{}\n ", one_key(&good_members)).into_bytes(),
        "ok",
    );
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(one_key(&good_members).as_bytes());
    keyset_case("keyset_bom", "§4.1: no byte order mark", bom, "malformed");
    keyset_case(
        "keyset_not_utf8",
        "§4.1: UTF-8",
        {
            let mut d = one_key(&good_members).into_bytes();
            d.insert(3, 0xff);
            d
        },
        "malformed",
    );
    keyset_case(
        "keyset_trailing_data",
        "§4.1: one JSON value",
        format!("{}{{}}", one_key(&good_members)).into_bytes(),
        "malformed",
    );
    keyset_case("keyset_duplicate_top_member", "§4.1: no duplicate member names", format!(r#"{{"issuer":"https://evil.example.net","issuer":"https://nc.example.com","keys":[{{{good_members}}}]}}"#).into_bytes(), "malformed");
    keyset_case(
        "keyset_duplicate_key_member",
        "§4.1: no duplicate member names",
        one_key(&format!(r#"{good_members},"status":"retired""#)).into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_duplicate_escaped_member",
        "§4.1: names compare after unescaping",
        one_key(&format!(r#"{good_members},"st\u0061tus":"active""#)).into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_unknown_top_member",
        "§4.2: no unknown members",
        format!(r#"{{"issuer":"https://nc.example.com","keys":[{{{good_members}}}],"extra":1}}"#)
            .into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_unknown_key_member",
        "§4.2",
        one_key(&format!(r#"{good_members},"d":"secret""#)).into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_missing_kid",
        "§4.2: required members",
        one_key(&good_members.replacen(&format!(r#""kid":"{}","#, active.kid()), "", 1))
            .into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_top_level_array",
        "§4.2",
        b"[]".to_vec(),
        "malformed",
    );
    keyset_case("keyset_empty_document", "§4.1", Vec::new(), "malformed");
    keyset_case(
        "keyset_lone_surrogate",
        "§4.1: strings of Unicode scalar values",
        one_key(&format!(r#"{good_members},"x2":"\ud800""#)).into_bytes(),
        "malformed",
    );
    for (name, from, to) in [
        ("keyset_negative_valid_from", "1763000000", "-1"),
        ("keyset_negative_zero_valid_from", "1763000000", "-0"),
        ("keyset_fraction_valid_from", "1763000000", "1763000000.0"),
        ("keyset_exponent_valid_from", "1763000000", "1.763e9"),
        ("keyset_valid_from_after_9999", "1763000000", "253402300800"),
        ("keyset_string_valid_from", "1763000000", "\"1763000000\""),
    ] {
        keyset_case(
            name,
            "§4.2: valid_from is an integer 0 to 253402300799 in plain digits",
            one_key(&good_members.replacen(from, to, 1)).into_bytes(),
            "malformed",
        );
    }
    keyset_case(
        "keyset_valid_from_9999",
        "§4.2 edge",
        one_key(&good_members.replacen("1763000000", "253402300799", 1)).into_bytes(),
        "ok",
    );
    keyset_case(
        "keyset_retired_without_retired_at",
        "§4.2",
        one_key(&good_members.replacen("\"active\"", "\"retired\"", 1)).into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_active_with_retired_at",
        "§4.2: retired_at exactly when retired",
        one_key(&format!(r#"{good_members},"retired_at":1763000001"#)).into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_retired_before_valid_from",
        "§4.2: valid_from <= retired_at",
        one_key(&format!(
            r#"{},"retired_at":1762999999"#,
            good_members.replacen("\"active\"", "\"retired\"", 1)
        ))
        .into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_retired",
        "§4.2",
        one_key(&format!(
            r#"{},"retired_at":1763000000"#,
            good_members.replacen("\"active\"", "\"retired\"", 1)
        ))
        .into_bytes(),
        "ok",
    );
    keyset_case(
        "keyset_negative_retired_at",
        "§4.2",
        one_key(&format!(
            r#"{},"retired_at":-5"#,
            good_members.replacen("\"active\"", "\"retired\"", 1)
        ))
        .into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_unknown_status",
        "§4.2",
        one_key(&good_members.replacen("\"active\"", "\"revoked\"", 1)).into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_rsa_key",
        "§4.2: kty OKP only",
        one_key(&good_members.replacen("\"OKP\"", "\"RSA\"", 1)).into_bytes(),
        "unsupported_key",
    );
    keyset_case(
        "keyset_other_curve",
        "§4.2: crv Ed25519 only",
        one_key(&good_members.replacen("\"Ed25519\"", "\"Ed448\"", 1)).into_bytes(),
        "unsupported_key",
    );
    keyset_case(
        "keyset_encryption_key",
        "§4.2: use sig only",
        one_key(&good_members.replacen("\"sig\"", "\"enc\"", 1)).into_bytes(),
        "unsupported_key",
    );
    keyset_case(
        "keyset_x_with_padding",
        "§4.2: canonical base64url",
        one_key(&good_members.replacen(&active_x, &format!("{active_x}="), 1)).into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_x_31_bytes",
        "§4.2",
        one_key(&good_members.replacen(&active_x, &B64URL.encode([7u8; 31]), 1)).into_bytes(),
        "malformed",
    );
    let mut trailing_bits = active_x.clone().into_bytes();
    let last = trailing_bits.len() - 1;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let pos = alphabet
        .iter()
        .position(|&c| c == trailing_bits[last])
        .expect("b64 char");
    trailing_bits[last] = alphabet[pos ^ 1];
    keyset_case(
        "keyset_x_trailing_bits",
        "§4.2: canonical base64url (unused bits zero)",
        one_key(&good_members.replacen(&active_x, &String::from_utf8(trailing_bits)?, 1))
            .into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_kid_wrong_length",
        "§4.2",
        one_key(&good_members.replacen(&active.kid().to_string(), "AAAA", 1)).into_bytes(),
        "malformed",
    );
    let identity = {
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    };
    let small = |bytes: [u8; 32]| {
        let public = ed25519_dalek::VerifyingKey::from_bytes(&bytes).expect("decodes");
        one_key(&format!(
            r#""kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"{}","x":"{}","status":"active","valid_from":1763000000"#,
            key_id(&public),
            B64URL.encode(bytes)
        ))
    };
    keyset_case(
        "keyset_small_order_key",
        "§4.2: not of small order (the identity)",
        small(identity).into_bytes(),
        "bad_key",
    );
    keyset_case(
        "keyset_order_8_key",
        "§4.2: not of small order",
        small(EIGHT_TORSION[1].compress().to_bytes()).into_bytes(),
        "bad_key",
    );
    // A non-canonical encoding of a point of large order: y + p for some y < 19.
    let non_canonical = (2u8..19)
        .find_map(|y| {
            let mut canonical = [0u8; 32];
            canonical[0] = y;
            let point = CompressedEdwardsY(canonical).decompress()?;
            if point.is_small_order() {
                return None;
            }
            // y + p, p = 2^255 - 19: low byte y - 19 + 256 with a borrow, 0xff..., top 0x7f.
            let mut b = [0xffu8; 32];
            b[0] = y.wrapping_sub(19);
            b[31] = 0x7f;
            Some(b)
        })
        .expect("a point with a small y");
    keyset_case(
        "keyset_non_canonical_key",
        "§4.2: x is the canonical encoding (y < p)",
        small(non_canonical).into_bytes(),
        "bad_key",
    );
    let not_a_point = (2u8..=255)
        .map(|y| {
            let mut b = [0u8; 32];
            b[0] = y;
            b
        })
        .find(|b| CompressedEdwardsY(*b).decompress().is_none())
        .expect("a y off the curve");
    keyset_case(
        "keyset_not_a_point",
        "§4.2",
        one_key(&good_members.replacen(&active_x, &B64URL.encode(not_a_point), 1)).into_bytes(),
        "bad_key",
    );
    keyset_case(
        "keyset_kid_not_thumbprint",
        "§4.2: kid is the thumbprint of x",
        one_key(&good_members.replacen(&active.kid().to_string(), &stranger.kid().to_string(), 1))
            .into_bytes(),
        "bad_key",
    );
    keyset_case("keyset_duplicate_kid", "§4.2", format!(r#"{{"issuer":"https://nc.example.com","keys":[{{{good_members}}},{{{good_members}}}]}}"#).into_bytes(), "duplicate_kid");
    let host_of = |n: usize| format!("https://{}.com", "a".repeat(n));
    let (issuer_64, issuer_65) = (host_of(52), host_of(53));
    assert_eq!((issuer_64.len(), issuer_65.len()), (64, 65));
    for (name, issuer_text) in [
        ("keyset_issuer_65_characters", issuer_65.as_str()),
        ("keyset_issuer_uppercase", "https://NC.example.com"),
        ("keyset_issuer_trailing_slash", "https://nc.example.com/"),
        ("keyset_issuer_trailing_dot", "https://nc.example.com."),
        ("keyset_issuer_default_port", "https://nc.example.com:443"),
        ("keyset_issuer_port_0", "https://nc.example.com:0"),
        ("keyset_issuer_port_65536", "https://nc.example.com:65536"),
        (
            "keyset_issuer_port_leading_zero",
            "https://nc.example.com:08080",
        ),
        ("keyset_issuer_path", "https://nc.example.com/cards"),
        ("keyset_issuer_ftp", "ftp://nc.example.com"),
        ("keyset_issuer_underscore", "https://nc_1.example.com"),
        ("keyset_issuer_hyphen_edge", "https://-nc.example.com"),
        ("keyset_issuer_ipv6", "https://[::1]:8080"),
    ] {
        keyset_case(
            name,
            "§1.1: the issuer in its one canonical form; verifiers refuse, never normalise",
            format!(r#"{{"issuer":"{issuer_text}","keys":[]}}"#).into_bytes(),
            "malformed",
        );
    }
    for (name, issuer_text) in [
        ("keyset_issuer_64_characters", issuer_64.as_str()),
        ("keyset_issuer_http_port", "http://127.0.0.1:8080"),
        ("keyset_issuer_https_port_80", "https://nc.example.com:80"),
    ] {
        keyset_case(
            name,
            "§1.1",
            format!(r#"{{"issuer":"{issuer_text}","keys":[]}}"#).into_bytes(),
            "ok",
        );
    }
    keyset_case(
        "keyset_over_64_kib",
        "§4.1: at most 65536 bytes",
        format!("{}{}", " ".repeat(65_536), one_key(&good_members)).into_bytes(),
        "malformed",
    );
    keyset_case(
        "keyset_65_keys",
        "§4.2: at most 64 keys",
        format!(
            r#"{{"issuer":"https://nc.example.com","keys":[{}]}}"#,
            vec!["1"; 65].join(",")
        )
        .into_bytes(),
        "malformed",
    );

    // §5: revocation list documents, against keyset.json.
    let mut lists = Vec::new();
    let mut list_case = |name: &str, rule: &str, doc: Vec<u8>, expected: &str| {
        let result = RevocationList::load(&doc, &keyset, SKEW);
        let summary = result
            .as_ref()
            .ok()
            .map(|l| serde_json::to_value(ListSummary::from(l)).expect("summary"));
        let expected_json = expect_doc(name, result.map(|_| ()), expected);
        let (field, value) = document_field(&doc);
        lists.push(json!({
            "name": name, "rule": rule, "keyset": "keyset.json", "skew": SKEW, field: value,
            "expected": summary.unwrap_or(expected_json),
        }));
    };
    let payload = |members: &str| {
        format!(
            r#"{{"issuer":"https://nc.example.com","number":3,"issued_at":{LIST_ISSUED},"next_update":{LIST_NEXT},"entries":"","successors":[],"compromised_keys":[]{members}}}"#
        )
    };
    let good_payload = payload("");
    let signed = |p: &str| envelope(p.as_bytes(), &KEYS.active).into_bytes();
    list_case(
        "list_valid",
        "§5",
        fresh_signed.document.clone().into_bytes(),
        "ok",
    );
    list_case("list_minimal", "§5.2", signed(&good_payload), "ok");
    list_case("list_unsupported_format_v1", "§5.4 step 3: a v1 list is refused", br#"{"format":"namecard-revocations/v1","kid":"vaJPtef-vPk","payload":"e30","signature":"AA"}"#.to_vec(), "unsupported_format");
    let doc_text = String::from_utf8(signed(&good_payload))?;
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(doc_text.as_bytes());
    list_case("list_bom", "§4.1", bom, "malformed");
    list_case(
        "list_duplicate_envelope_member",
        "§4.1",
        doc_text
            .replacen("\"format\"", "\"kid\": \"AAAAAAAAAAA\",\n  \"format\"", 1)
            .into_bytes(),
        "malformed",
    );
    list_case(
        "list_unknown_envelope_member",
        "§5.1",
        doc_text
            .replacen("\"format\"", "\"alg\": \"EdDSA\",\n  \"format\"", 1)
            .into_bytes(),
        "malformed",
    );
    list_case(
        "list_missing_format",
        "§5.4 step 2",
        doc_text
            .replacen("\"format\": \"namecard-revocations/v2\",", "", 1)
            .into_bytes(),
        "malformed",
    );
    list_case(
        "list_payload_padding",
        "§5.1: canonical base64url (no padding)",
        {
            let p = B64URL.encode(good_payload.as_bytes());
            doc_text.replacen(&p, &format!("{p}="), 1).into_bytes()
        },
        "malformed",
    );
    list_case(
        "list_unknown_signer",
        "§5.4 step 5",
        envelope(good_payload.as_bytes(), &KEYS.stranger).into_bytes(),
        "unknown_signer",
    );
    list_case(
        "list_bad_signature",
        "§5.4 step 6",
        {
            let mut v: Value = serde_json::from_str(&doc_text)?;
            let p = payload("").replacen("\"number\":3", "\"number\":4", 1);
            v["payload"] = Value::String(B64URL.encode(p.as_bytes()));
            serde_json::to_string_pretty(&v)?.into_bytes()
        },
        "bad_signature",
    );
    list_case(
        "list_wrong_issuer",
        "§5.4 step 8",
        signed(&good_payload.replacen("https://nc.example.com", "https://evil.example.net", 1)),
        "wrong_issuer",
    );
    list_case(
        "list_signer_compromised",
        "§5.4 step 9",
        envelope(
            payload("")
                .replacen(
                    "\"compromised_keys\":[]",
                    &format!("\"compromised_keys\":[\"{}\"]", active.kid()),
                    1,
                )
                .as_bytes(),
            &KEYS.active,
        )
        .into_bytes(),
        "signer_compromised",
    );
    let retired_payload = |issued: i64| {
        format!(
            r#"{{"issuer":"https://nc.example.com","number":2,"issued_at":{issued},"next_update":{},"entries":"","successors":[],"compromised_keys":[]}}"#,
            issued + DAY
        )
    };
    list_case(
        "list_signed_by_retired_key_before_retirement",
        "§5.4 step 10: a retired key signs lists issued up to retired_at + skew",
        envelope(
            retired_payload(T0 - 10 * DAY + SKEW).as_bytes(),
            &KEYS.retired,
        )
        .into_bytes(),
        "ok",
    );
    list_case(
        "list_signed_by_retired_key_after_retirement",
        "§5.4 step 10",
        envelope(
            retired_payload(T0 - 10 * DAY + SKEW + 1).as_bytes(),
            &KEYS.retired,
        )
        .into_bytes(),
        "signer_not_valid",
    );
    list_case(
        "list_issued_before_key_valid_from",
        "§5.4 step 10",
        envelope(
            retired_payload(T0 - 10 * DAY - SKEW - 1).as_bytes(),
            &KEYS.active,
        )
        .into_bytes(),
        "signer_not_valid",
    );
    for (name, rule, p) in [
        (
            "list_payload_bom",
            "§4.1",
            format!("\u{FEFF}{good_payload}"),
        ),
        (
            "list_payload_duplicate_member",
            "§4.1",
            good_payload.replacen("\"number\":3", "\"number\":9,\"number\":3", 1),
        ),
        (
            "list_payload_unknown_member",
            "§5.2",
            payload(",\"members\":[]"),
        ),
        (
            "list_payload_missing_successors",
            "§5.2: every member is required",
            good_payload.replacen(",\"successors\":[]", "", 1),
        ),
        (
            "list_number_0",
            "§5.2: number 1 to 2^53-1",
            good_payload.replacen("\"number\":3", "\"number\":0", 1),
        ),
        (
            "list_number_over_2_53",
            "§5.2",
            good_payload.replacen("\"number\":3", "\"number\":9007199254740992", 1),
        ),
        (
            "list_negative_issued_at",
            "§5.2: times 0 to 253402300799",
            good_payload.replacen(
                &format!("\"issued_at\":{LIST_ISSUED}"),
                "\"issued_at\":-1",
                1,
            ),
        ),
        (
            "list_next_update_not_after_issued_at",
            "§5.2",
            good_payload.replacen(
                &format!("\"next_update\":{LIST_NEXT}"),
                &format!("\"next_update\":{LIST_ISSUED}"),
                1,
            ),
        ),
        (
            "list_lifetime_over_31_days",
            "§5.2: next_update at most 31 days after issued_at",
            good_payload.replacen(
                &format!("\"next_update\":{LIST_NEXT}"),
                &format!("\"next_update\":{}", LIST_ISSUED + 31 * DAY + 1),
                1,
            ),
        ),
        (
            "list_entries_not_multiple_of_32",
            "§5.2",
            good_payload.replacen(
                "\"entries\":\"\"",
                &format!("\"entries\":\"{}\"", B64URL.encode([1u8; 31])),
                1,
            ),
        ),
        (
            "list_entries_unsorted",
            "§5.2: strictly increasing revocation ids",
            good_payload.replacen(
                "\"entries\":\"\"",
                &format!(
                    "\"entries\":\"{}\"",
                    B64URL.encode([[2u8; 32], [1u8; 32]].concat())
                ),
                1,
            ),
        ),
        (
            "list_entries_duplicate_rid",
            "§5.2",
            good_payload.replacen(
                "\"entries\":\"\"",
                &format!(
                    "\"entries\":\"{}\"",
                    B64URL.encode([[1u8; 16], [2u8; 16], [1u8; 16], [3u8; 16]].concat())
                ),
                1,
            ),
        ),
        (
            "list_successor_empty_name",
            "§5.2: successor names follow the card text rules",
            good_payload.replacen("\"successors\":[]", "\"successors\":[{\"name\":\"\"}]", 1),
        ),
        (
            "list_successor_null_title",
            "§5.2: title is absent or a string",
            good_payload.replacen(
                "\"successors\":[]",
                "\"successors\":[{\"name\":\"A\",\"title\":null}]",
                1,
            ),
        ),
        (
            "list_successor_bidi",
            "§5.2",
            good_payload.replacen(
                "\"successors\":[]",
                "\"successors\":[{\"name\":\"A\\u202eB\"}]",
                1,
            ),
        ),
        (
            "list_compromised_duplicate",
            "§5.2: no key twice",
            good_payload.replacen(
                "\"compromised_keys\":[]",
                &format!("\"compromised_keys\":[\"{0}\",\"{0}\"]", stranger.kid()),
                1,
            ),
        ),
        (
            "list_compromised_not_a_kid",
            "§5.2",
            good_payload.replacen(
                "\"compromised_keys\":[]",
                "\"compromised_keys\":[\"AAAA\"]",
                1,
            ),
        ),
        ("list_payload_not_an_object", "§5.2", "[]".to_string()),
    ] {
        list_case(name, &format!("{rule} (signed)"), signed(&p), "malformed");
    }
    list_case(
        "list_successor_with_title",
        "§5.2",
        signed(&good_payload.replacen(
            "\"successors\":[]",
            "\"successors\":[{\"name\":\"王芳\",\"title\":\"销售经理\"}]",
            1,
        )),
        "ok",
    );
    list_case(
        "list_lifetime_31_days",
        "§5.2 edge",
        signed(&good_payload.replacen(
            &format!("\"next_update\":{LIST_NEXT}"),
            &format!("\"next_update\":{}", LIST_ISSUED + 31 * DAY),
            1,
        )),
        "ok",
    );
    list_case(
        "list_foreign_compromised_key",
        "§5.2: compromised keys need not be in the keyset",
        signed(&good_payload.replacen(
            "\"compromised_keys\":[]",
            &format!("\"compromised_keys\":[\"{}\"]", stranger.kid()),
            1,
        )),
        "ok",
    );

    // §5.5: replacing a held list.
    let mut updates = Vec::new();
    let mut update_case = |name: &str, held: &[u8], offered: &[u8], expected: &str| {
        let h = RevocationList::load(held, &keyset, SKEW).expect("held list loads");
        let o = RevocationList::load(offered, &keyset, SKEW).expect("offered list loads");
        let got = match RevocationList::update(Some(&h), &o) {
            Ok(namecard::card::Update::Replaced) => "replaced",
            Ok(namecard::card::Update::Same) => "same",
            Err(e) => e.code.as_str(),
        };
        assert_eq!(got, expected, "update {name}");
        updates.push(json!({
            "name": name, "keyset": "keyset.json", "skew": SKEW,
            "held": String::from_utf8_lossy(held), "offered": String::from_utf8_lossy(offered),
            "expected": got,
        }));
    };
    let numbered = |n: u64, extra: &str| {
        signed(
            &good_payload
                .replacen("\"number\":3", &format!("\"number\":{n}"), 1)
                .replacen("\"successors\":[]", extra, 1),
        )
    };
    update_case(
        "update_newer_replaces",
        &numbered(3, "\"successors\":[]"),
        &numbered(4, "\"successors\":[]"),
        "replaced",
    );
    update_case(
        "update_older_is_refused",
        &numbered(4, "\"successors\":[]"),
        &numbered(3, "\"successors\":[]"),
        "older_list",
    );
    update_case(
        "update_same_list",
        &numbered(3, "\"successors\":[]"),
        &numbered(3, "\"successors\":[]"),
        "same",
    );
    update_case(
        "update_same_number_other_content",
        &numbered(3, "\"successors\":[]"),
        &numbered(3, "\"successors\":[{\"name\":\"X\"}]"),
        "conflicting_list",
    );
    update_case(
        "update_larger_number_earlier_time",
        &numbered(5, "\"successors\":[]"),
        &signed(
            &good_payload
                .replacen("\"number\":3", "\"number\":6", 1)
                .replacen(
                    &format!("\"issued_at\":{LIST_ISSUED}"),
                    &format!("\"issued_at\":{}", LIST_ISSUED - 100),
                    1,
                ),
        ),
        "replaced",
    );

    let seeds = json!({
        "warning": "test keys only: these seeds are public",
        "seeds_hex": {
            active.kid().to_string(): hex::encode(KEYS.active),
            retired.kid().to_string(): hex::encode(KEYS.retired),
            compromised.kid().to_string(): hex::encode(KEYS.compromised),
            stranger.kid().to_string(): hex::encode(KEYS.stranger),
        },
        "mixed_order_key": {
            "kid": mixed_kid.to_string(),
            "secret_scalar_hex": hex::encode(mixed_a.as_bytes()),
            "torsion_point_hex": hex::encode(EIGHT_TORSION[1].compress().to_bytes()),
        },
        "decoy_seed_hex": hex::encode([0x55u8; 32]),
    });
    let _: KeyId = mixed_kid;
    let write = |name: &str, text: String| std::fs::write(out.join(name), text + "\n");
    write("keyset.json", keyset_json)?;
    write("keyset-mixed-order.json", mixed_json)?;
    write("revocations.json", fresh_signed.document)?;
    write("revocations-unreadable.json", unreadable_doc)?;
    write("private-seeds.json", serde_json::to_string_pretty(&seeds)?)?;
    let counts = (g.cards.len(), keysets.len(), lists.len(), updates.len());
    write(
        "vectors.json",
        serde_json::to_string_pretty(&json!({
            "spec": "1.1",
            "issuer": issuer.as_str(),
            "cards": g.cards,
            "keysets": keysets,
            "revocation_lists": lists,
            "list_updates": updates,
        }))?,
    )?;
    println!(
        "wrote {} card, {} keyset, {} list and {} update vectors to {}",
        counts.0,
        counts.1,
        counts.2,
        counts.3,
        out.display()
    );
    Ok(())
}
