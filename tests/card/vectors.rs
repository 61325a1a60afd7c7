//! The Rust verifier against every published vector in `fixtures/cards/vectors.json`
//! (`docs/card-format.md` §9): cards, keysets, revocation lists and list updates. Each vector's
//! full expected output is compared, and every reason and document code must have a vector.

use std::collections::{HashMap, HashSet};

use namecard::card::report::{ListSummary, VerifyOutput};
use namecard::card::{
    DocumentCode, Keyset, Reason, RevocationList, Update, VerifyOptions, verify_card,
};
use serde_json::{Value, json};

use super::support::{document_bytes, fixture, vectors, without_detail};

#[test]
fn every_card_vector_gives_its_expected_output() {
    let doc = vectors();
    assert_eq!(doc["spec"], "1.1");
    let mut keysets: HashMap<String, Keyset> = HashMap::new();
    let mut lists: HashMap<String, RevocationList> = HashMap::new();
    let mut reasons = HashSet::new();
    let cases = doc["cards"].as_array().expect("cards");
    for case in cases {
        let name = &case["name"];
        let ks_name = case["keyset"].as_str().expect("keyset");
        let keyset = keysets
            .entry(ks_name.to_owned())
            .or_insert_with(|| Keyset::from_jwks(&fixture(ks_name)).expect("keyset loads"))
            .clone();
        let skew = case["skew"].as_i64().expect("skew");
        let list = case["revocations"].as_str().map(|l| {
            lists
                .entry(l.to_owned())
                .or_insert_with(|| {
                    RevocationList::load(&fixture(l), &keyset, skew).expect("list loads")
                })
                .clone()
        });
        let opts = VerifyOptions {
            now: case["now"].as_i64().expect("now"),
            skew_secs: skew,
        };
        let result = verify_card(
            case["text"].as_str().expect("text"),
            &keyset,
            list.as_ref(),
            &opts,
        );
        if let Err(r) = &result {
            reasons.insert(r.reason);
        }
        let got = without_detail(serde_json::to_value(VerifyOutput::of(&result)).unwrap());
        assert_eq!(got, case["expected"], "card vector {name}");
    }
    for reason in Reason::ALL {
        assert!(reasons.contains(&reason), "no card vector for {reason}");
    }
    assert!(cases.len() >= 90, "{} card vectors", cases.len());
}

fn code_of(expected: &Value) -> &str {
    expected["error"].as_str().unwrap_or("ok")
}

#[test]
fn every_keyset_vector_is_accepted_or_refused_with_its_code() {
    let mut codes = HashSet::new();
    for case in vectors()["keysets"].as_array().expect("keysets") {
        let got = match Keyset::from_jwks(&document_bytes(case)) {
            Ok(_) => json!({ "result": "ok" }),
            Err(e) => {
                codes.insert(e.code);
                json!({ "result": "document_error", "document": "keyset", "error": e.code.as_str() })
            }
        };
        assert_eq!(got, case["expected"], "keyset vector {}", case["name"]);
    }
    for code in [
        DocumentCode::Malformed,
        DocumentCode::UnsupportedKey,
        DocumentCode::BadKey,
        DocumentCode::DuplicateKid,
    ] {
        assert!(
            codes.contains(&code),
            "no keyset vector for {}",
            code.as_str()
        );
    }
}

#[test]
fn every_list_vector_is_accepted_with_its_contents_or_refused_with_its_code() {
    let keyset = Keyset::from_jwks(&fixture("keyset.json")).unwrap();
    let mut codes = HashSet::new();
    for case in vectors()["revocation_lists"].as_array().expect("lists") {
        let skew = case["skew"].as_i64().unwrap();
        let got = match RevocationList::load(&document_bytes(case), &keyset, skew) {
            Ok(l) => serde_json::to_value(ListSummary::from(&l)).unwrap(),
            Err(e) => {
                codes.insert(e.code);
                json!({ "result": "document_error", "document": "revocation_list", "error": e.code.as_str() })
            }
        };
        assert_eq!(
            got,
            case["expected"],
            "list vector {}: {}",
            case["name"],
            code_of(&got)
        );
    }
    for code in [
        DocumentCode::Malformed,
        DocumentCode::UnsupportedFormat,
        DocumentCode::UnknownSigner,
        DocumentCode::BadSignature,
        DocumentCode::WrongIssuer,
        DocumentCode::SignerCompromised,
        DocumentCode::SignerNotValid,
    ] {
        assert!(
            codes.contains(&code),
            "no list vector for {}",
            code.as_str()
        );
    }
}

#[test]
fn every_update_vector_keeps_or_replaces_the_held_list_as_specified() {
    let keyset = Keyset::from_jwks(&fixture("keyset.json")).unwrap();
    let mut seen = HashSet::new();
    for case in vectors()["list_updates"].as_array().expect("updates") {
        let load = |k: &str| {
            RevocationList::load(case[k].as_str().unwrap().as_bytes(), &keyset, 300).unwrap()
        };
        let got = match RevocationList::update(Some(&load("held")), &load("offered")) {
            Ok(Update::Replaced) => "replaced",
            Ok(Update::Same) => "same",
            Err(e) => e.code.as_str(),
        };
        seen.insert(got);
        assert_eq!(got, case["expected"], "update vector {}", case["name"]);
    }
    for outcome in ["replaced", "same", "older_list", "conflicting_list"] {
        assert!(seen.contains(outcome), "no update vector for {outcome}");
    }
}
