//! The card credential end to end: round trips, tampering, every reason code, key lifecycle.

use namecard::card::keystore::Keystore;
use namecard::card::{
    CardRequest, Decoys, DocumentCode, Issuer, KeyId, KeyRecord, KeyStatus, Keyset, ListDraft,
    Reason, RevocationList, RevokedCard, RevokedState, SigningKey, Successor, VerifyOptions,
    issue_card, sign_claims, verify_card,
};
use proptest::prelude::*;

const NOW: i64 = 1_763_800_000;
const DAY: i64 = 86_400;

fn issuer() -> Issuer {
    Issuer::parse("https://nc.example.com").unwrap()
}

fn request() -> CardRequest {
    CardRequest {
        org_id: 42,
        org_name: "深圳市华星光电技术有限公司".into(),
        member_id: 1007,
        member_name: "张伟明".into(),
        title: Some("销售总监".into()),
        not_before: None,
        expires_at: NOW + 30 * DAY,
        one_time: false,
        channel: Some("expo-2026".into()),
    }
}

fn keyset_of(keys: &[&SigningKey]) -> Keyset {
    Keyset::new(
        issuer(),
        keys.iter()
            .map(|k| KeyRecord::active(k, NOW - DAY))
            .collect(),
    )
    .unwrap()
}

fn reason(text: &str, keyset: &Keyset, revocations: Option<&RevocationList>) -> Result<(), Reason> {
    verify_card(text, keyset, revocations, &VerifyOptions::at(NOW))
        .map(|_| ())
        .map_err(|r| r.reason)
}

#[test]
fn a_verified_card_returns_exactly_the_issued_fields() {
    let key = SigningKey::generate();
    let card = issue_card(&issuer(), &key, &request(), NOW).unwrap();
    let verified = verify_card(
        &card.text,
        &keyset_of(&[&key]),
        None,
        &VerifyOptions::at(NOW),
    )
    .unwrap();
    assert_eq!(verified.claims, card.claims);
    assert!(card.text.starts_with("HTTPS://NC.EXAMPLE.COM/C/"));
}

#[test]
fn issuing_rejects_fields_that_break_the_format() {
    let key = SigningKey::generate();
    type Mutation = Box<dyn Fn(&mut CardRequest)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("member_name", Box::new(|r| r.member_name = String::new())),
        ("member_name", Box::new(|r| r.member_name = "x".repeat(65))),
        (
            "org_name",
            Box::new(|r| r.org_name = "Evil\u{202E}Corp".into()),
        ),
        ("title", Box::new(|r| r.title = Some("a\nb".into()))),
        (
            "channel",
            Box::new(|r| r.channel = Some("has space".into())),
        ),
        ("channel", Box::new(|r| r.channel = Some("x".repeat(31)))),
        ("expires_at", Box::new(|r| r.expires_at = NOW)),
        (
            "body",
            Box::new(|r| {
                r.org_name = "组".repeat(64);
                r.member_name = "名".repeat(64);
                r.title = Some("职".repeat(64));
                r.channel = Some("c".repeat(30));
            }),
        ),
    ];
    for (field, mutate) in cases {
        let mut req = request();
        mutate(&mut req);
        let err = issue_card(&issuer(), &key, &req, NOW).unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
}

#[test]
fn every_reason_code_is_produced_by_its_own_failure() {
    let key = SigningKey::generate();
    let other = SigningKey::generate();
    let keyset = keyset_of(&[&key]);
    let card = issue_card(&issuer(), &key, &request(), NOW).unwrap();
    let body = |text: &str| text["HTTPS://NC.EXAMPLE.COM/C/".len()..].to_string();
    let decode = |text: &str| namecard::card::format::decode_text(&body(text)).unwrap();
    let reencode = |bytes: &[u8]| {
        format!(
            "HTTPS://NC.EXAMPLE.COM/C/{}",
            namecard::card::format::encode_text(bytes)
        )
    };

    assert_eq!(reason("hello", &keyset, None), Err(Reason::Malformed));
    assert_eq!(
        reason(&card.text[..card.text.len() - 3], &keyset, None),
        Err(Reason::Malformed)
    );
    let mut v2 = decode(&card.text);
    v2[0] = 2;
    assert_eq!(
        reason(&reencode(&v2), &keyset, None),
        Err(Reason::UnsupportedVersion)
    );
    let foreign = issue_card(
        &Issuer::parse("https://evil.example.com").unwrap(),
        &key,
        &request(),
        NOW,
    )
    .unwrap();
    assert_eq!(
        reason(&foreign.text, &keyset, None),
        Err(Reason::WrongIssuer)
    );
    let unknown = issue_card(&issuer(), &other, &request(), NOW).unwrap();
    assert_eq!(
        reason(&unknown.text, &keyset, None),
        Err(Reason::UnknownKey)
    );
    let mut forged = decode(&card.text);
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(
        reason(&reencode(&forged), &keyset, None),
        Err(Reason::BadSignature)
    );

    let mut early = request();
    early.not_before = Some(NOW + DAY);
    early.expires_at = NOW + 2 * DAY;
    let early = issue_card(&issuer(), &key, &early, NOW).unwrap();
    assert_eq!(reason(&early.text, &keyset, None), Err(Reason::NotYetValid));
    let mut short = request();
    short.expires_at = NOW - 3600;
    let short = issue_card(&issuer(), &key, &short, NOW - DAY).unwrap();
    assert_eq!(reason(&short.text, &keyset, None), Err(Reason::Expired));

    let before_key = issue_card(&issuer(), &key, &request(), NOW - 10 * DAY).unwrap();
    assert_eq!(
        reason(&before_key.text, &keyset, None),
        Err(Reason::KeyNotValid)
    );

    let list = list_signed_by(&key, &[&card.text], vec![]);
    assert_eq!(
        reason(&card.text, &keyset, Some(&list)),
        Err(Reason::Revoked)
    );
    // Signed by another key: a list signed by a key it names compromised is refused.
    let list = list_signed_by(&other, &[], vec![key.kid()]);
    assert_eq!(
        reason(&card.text, &keyset, Some(&list)),
        Err(Reason::KeyCompromised)
    );
    let list = list_signed_by(&key, &[], vec![]);
    let stale = verify_card(
        &card.text,
        &keyset,
        Some(&list),
        &VerifyOptions::at(NOW + 2 * DAY),
    );
    assert_eq!(stale.unwrap_err().reason, Reason::Stale);
}

/// A list at NOW signed by `key` and reloaded, current for a day, withdrawing `cards`.
fn list_signed_by(key: &SigningKey, cards: &[&str], compromised: Vec<KeyId>) -> RevocationList {
    let draft = ListDraft {
        issuer: issuer(),
        number: 1,
        issued_at: NOW,
        next_update: NOW + DAY,
        revoked: cards
            .iter()
            .map(|text| RevokedCard {
                body: namecard::card::revocation::card_body(&issuer(), text).unwrap(),
                state: RevokedState::Withdrawn,
                at: NOW,
                successor: None,
            })
            .collect(),
        successors: vec![],
        compromised_keys: compromised,
        decoys: Some(Decoys::from_seed([3; 32])),
    };
    let keyset = keyset_of(&[key]);
    RevocationList::load(draft.sign(key).unwrap().document.as_bytes(), &keyset, 300).unwrap()
}

#[test]
fn skew_allows_a_few_minutes_of_clock_difference_and_no_more() {
    let key = SigningKey::generate();
    let keyset = keyset_of(&[&key]);
    let mut req = request();
    req.expires_at = NOW + 100;
    let card = issue_card(&issuer(), &key, &req, NOW).unwrap();
    let at = |now: i64, skew: i64| {
        verify_card(
            &card.text,
            &keyset,
            None,
            &VerifyOptions {
                now,
                skew_secs: skew,
            },
        )
    };
    assert!(at(NOW + 100 + 299, 300).is_ok());
    assert_eq!(
        at(NOW + 100 + 300, 300).unwrap_err().reason,
        Reason::Expired
    );
    assert_eq!(at(NOW + 101, 0).unwrap_err().reason, Reason::Expired);
    assert!(at(NOW - 299, 300).is_ok());
    assert_eq!(at(NOW - 1, 0).unwrap_err().reason, Reason::NotYetValid);
}

#[test]
fn rotation_keeps_old_cards_valid_and_removing_a_key_fails_everything_it_signed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Keystore::create(dir.path(), issuer(), NOW - DAY).unwrap();
    let first = store.signer().unwrap();
    let old_card = issue_card(&issuer(), &first, &request(), NOW - 60).unwrap();

    let second = store.rotate(NOW).unwrap();
    assert_eq!(store.signer().unwrap().kid(), second);
    assert_eq!(
        store.keyset().get(&first.kid()).unwrap().status,
        KeyStatus::Retired
    );
    let new_card = issue_card(&issuer(), &store.signer().unwrap(), &request(), NOW).unwrap();
    let keyset =
        Keyset::from_jwks_json(&std::fs::read_to_string(store.keyset_path()).unwrap()).unwrap();
    assert!(
        reason(&old_card.text, &keyset, None).is_ok(),
        "retired key still verifies"
    );
    assert!(reason(&new_card.text, &keyset, None).is_ok());
    // A retired key's signature on a card dated after retirement is refused.
    let late = issue_card(&issuer(), &first, &request(), NOW + DAY).unwrap();
    assert_eq!(reason(&late.text, &keyset, None), Err(Reason::KeyNotValid));

    store.remove(&first.kid(), NOW + 1).unwrap();
    drop(store);
    let reopened = Keystore::open(dir.path()).unwrap();
    let keyset = reopened.keyset().clone();
    let signed = std::fs::read(reopened.signed_revocations_path()).unwrap();
    let list = RevocationList::load(&signed, &keyset, 300).unwrap();
    assert_eq!(
        reason(&old_card.text, &keyset, None),
        Err(Reason::UnknownKey)
    );
    assert_eq!(
        reason(&old_card.text, &keyset, Some(&list)),
        Err(Reason::KeyCompromised)
    );
    assert!(reason(&new_card.text, &keyset, Some(&list)).is_ok());
}

#[cfg(unix)]
#[test]
fn private_key_files_are_created_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let store = Keystore::create(dir.path(), issuer(), NOW).unwrap();
    let kid = store.signer().unwrap().kid();
    let mode = std::fs::metadata(dir.path().join("private").join(format!("{kid}.pem")))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_revocation_list_with_a_tampered_payload_or_foreign_signer_is_refused() {
    let key = SigningKey::generate();
    let keyset = keyset_of(&[&key]);
    let card = issue_card(&issuer(), &key, &request(), NOW).unwrap();
    let signed = list_signed_by(&key, &[&card.text], vec![]);
    assert_eq!(signed.number(), 1);
    let draft = ListDraft {
        issuer: issuer(),
        number: 1,
        issued_at: NOW,
        next_update: NOW + DAY,
        revoked: vec![],
        successors: vec![],
        compromised_keys: vec![],
        decoys: None,
    };
    let doc: serde_json::Value = serde_json::from_str(&draft.sign(&key).unwrap().document).unwrap();
    let mut tampered = doc.clone();
    let mut payload: Vec<char> = tampered["payload"].as_str().unwrap().chars().collect();
    payload[10] = if payload[10] == 'A' { 'B' } else { 'A' };
    tampered["payload"] = serde_json::Value::String(payload.into_iter().collect());
    let err = RevocationList::load(tampered.to_string().as_bytes(), &keyset, 300).unwrap_err();
    assert_eq!(err.code, DocumentCode::BadSignature);
    let stranger = draft.sign(&SigningKey::generate()).unwrap().document;
    let err = RevocationList::load(stranger.as_bytes(), &keyset, 300).unwrap_err();
    assert_eq!(err.code, DocumentCode::UnknownSigner);
    let err = RevocationList::load(b"\0\x01binary\xff", &keyset, 300).unwrap_err();
    assert_eq!(err.code, DocumentCode::Malformed);
}

#[test]
fn a_keystore_numbers_every_list_it_signs_even_within_one_second() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Keystore::create(dir.path(), issuer(), NOW).unwrap();
    let key = store.signer().unwrap();
    let card = issue_card(&issuer(), &key, &request(), NOW).unwrap();
    store.record_issued(&card).unwrap();
    let mut numbers = vec![store.revocations().number];
    store.revoke_card(card.claims.card_id, NOW).unwrap();
    numbers.push(store.revocations().number);
    store.refresh(NOW).unwrap();
    numbers.push(store.revocations().number);
    store.refresh(NOW).unwrap();
    numbers.push(store.revocations().number);
    assert_eq!(numbers, [1, 2, 3, 4]);
    let doc = std::fs::read(store.signed_revocations_path()).unwrap();
    let list = RevocationList::load(&doc, store.keyset(), 300).unwrap();
    assert_eq!(list.number(), 4);
    assert_eq!(list.entry_count(), 64, "one real entry hidden among decoys");
    assert_eq!(
        reason(&card.text, store.keyset(), Some(&list)),
        Err(Reason::Revoked)
    );
}

#[test]
fn a_departed_members_cards_point_to_the_successor() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Keystore::create(dir.path(), issuer(), NOW - DAY).unwrap();
    let key = store.signer().unwrap();
    let cards: Vec<_> = (0..2)
        .map(|_| issue_card(&issuer(), &key, &request(), NOW - 60).unwrap())
        .collect();
    for c in &cards {
        store.record_issued(c).unwrap();
    }
    let successor = Successor {
        name: "王芳".into(),
        title: Some("销售经理".into()),
    };
    let listed = store
        .depart_member(42, 1007, NOW, Some(successor.clone()), NOW)
        .unwrap();
    assert_eq!(listed, 2);
    let doc = std::fs::read(store.signed_revocations_path()).unwrap();
    let list = RevocationList::load(&doc, store.keyset(), 300).unwrap();
    for c in &cards {
        let rejection = verify_card(
            &c.text,
            store.keyset(),
            Some(&list),
            &VerifyOptions::at(NOW),
        )
        .unwrap_err();
        assert_eq!(rejection.reason, Reason::Revoked);
        let revocation = rejection.revocation.unwrap();
        assert_eq!(revocation.state, RevokedState::Departed);
        assert_eq!(revocation.at, NOW);
        assert_eq!(revocation.successor, Some(successor.clone()));
        assert_eq!(rejection.card.unwrap().claims.member_name, "张伟明");
    }
    assert!(!String::from_utf8_lossy(&doc).contains("1007"));
}

#[test]
fn huge_and_binary_payloads_are_malformed_without_panicking() {
    let keyset = keyset_of(&[&SigningKey::generate()]);
    let huge = format!("HTTPS://NC.EXAMPLE.COM/C/{}", "0".repeat(5_000_000));
    assert_eq!(reason(&huge, &keyset, None), Err(Reason::Malformed));
    let binary = String::from_utf8_lossy(&[0xff, 0, 1, 2, 0x80, b'/', b'C', b'/']).into_owned();
    assert!(reason(&binary, &keyset, None).is_err());
    assert_eq!(reason("", &keyset, None), Err(Reason::Malformed));
}

fn arb_request() -> impl Strategy<Value = CardRequest> {
    (
        any::<u64>(),
        "[A-Za-z\u{4e00}-\u{9fa5}]{1,20}",
        any::<u64>(),
        "[A-Za-z\u{4e00}-\u{9fa5}]{1,10}",
        proptest::option::of("[a-z\u{4e00}-\u{9fa5}]{1,8}"),
        0i64..1000,
        1i64..100_000_000,
        any::<bool>(),
        proptest::option::of("[A-Za-z0-9._-]{1,30}"),
    )
        .prop_map(
            |(org_id, org_name, member_id, member_name, title, nbf, life, one_time, channel)| {
                CardRequest {
                    org_id,
                    org_name,
                    member_id,
                    member_name,
                    title,
                    not_before: Some(NOW + nbf),
                    expires_at: NOW + nbf + life,
                    one_time,
                    channel,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_card_round_trips_through_its_qr_text(req in arb_request()) {
        let key = SigningKey::from_seed(&[7; 32]);
        let keyset = keyset_of(&[&key]);
        let card = issue_card(&issuer(), &key, &req, NOW).unwrap();
        let opts = VerifyOptions::at(req.not_before.unwrap());
        let verified = verify_card(&card.text, &keyset, None, &opts).unwrap();
        prop_assert_eq!(verified.claims, card.claims);
    }

    #[test]
    fn any_single_bit_flip_of_an_encoded_card_is_rejected(req in arb_request()) {
        let key = SigningKey::from_seed(&[9; 32]);
        let keyset = keyset_of(&[&key]);
        let card = issue_card(&issuer(), &key, &req, NOW).unwrap();
        let opts = VerifyOptions::at(req.not_before.unwrap());
        // Every bit of the QR text...
        let text = card.text.as_bytes();
        for bit in 0..text.len() * 8 {
            let mut flipped = text.to_vec();
            flipped[bit / 8] ^= 1 << (bit % 8);
            if let Ok(s) = std::str::from_utf8(&flipped) {
                prop_assert!(verify_card(s, &keyset, None, &opts).is_err(), "text bit {} accepted", bit);
            }
        }
        // ...and every bit of the binary body under it.
        let issuer = issuer();
        let prefix = issuer.card_prefix();
        let body = namecard::card::format::decode_text(&card.text[prefix.len()..]).unwrap();
        for bit in 0..body.len() * 8 {
            let mut flipped = body.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let s = format!("{prefix}{}", namecard::card::format::encode_text(&flipped));
            prop_assert!(verify_card(&s, &keyset, None, &opts).is_err(), "body bit {} accepted", bit);
        }
    }
}

#[test]
fn a_card_signed_over_other_claims_than_it_carries_fails() {
    // sign_claims over one card, then splice another card's signature: bad_signature.
    let key = SigningKey::generate();
    let keyset = keyset_of(&[&key]);
    let a = issue_card(&issuer(), &key, &request(), NOW).unwrap();
    let mut other = a.claims.clone();
    other.member_name = "李四".into();
    let b = sign_claims(&issuer(), &key, other);
    let issuer = issuer();
    let prefix = issuer.card_prefix();
    let fmt = |t: &str| namecard::card::format::decode_text(&t[prefix.len()..]).unwrap();
    let (body_a, body_b) = (fmt(&a.text), fmt(&b.text));
    let mut spliced = body_b[..body_b.len() - 64].to_vec();
    spliced.extend_from_slice(&body_a[body_a.len() - 64..]);
    let s = format!("{prefix}{}", namecard::card::format::encode_text(&spliced));
    assert_eq!(reason(&s, &keyset, None), Err(Reason::BadSignature));
}
