//! The verifier against the published vectors in fixtures/cards (see docs/card-format.md §7).

use namecard::card::{Keyset, Reason, RevocationList, VerifyOptions, verify_card};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/cards")
            .join(name),
    )
    .unwrap()
}

#[test]
fn every_published_vector_gives_its_expected_result() {
    let keyset = Keyset::from_jwks_json(&fixture("keyset.json")).unwrap();
    let list = RevocationList::load(&fixture("revocations.json"), &keyset).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&fixture("vectors.json")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let mut reasons_seen = std::collections::HashSet::new();
    for case in cases {
        let opts = VerifyOptions {
            now: case["now"].as_i64().unwrap(),
            skew_secs: case["skew"].as_i64().unwrap(),
        };
        let revocations = case["revocations"].as_bool().unwrap().then_some(&list);
        let got = verify_card(case["text"].as_str().unwrap(), &keyset, revocations, &opts);
        let got = match got {
            Ok(card) => {
                assert_eq!(card.claims.member_name, "张伟明");
                "valid".to_string()
            }
            Err(r) => {
                reasons_seen.insert(r.reason);
                r.reason.as_str().to_string()
            }
        };
        assert_eq!(
            got,
            case["expected"].as_str().unwrap(),
            "vector {}",
            case["name"]
        );
    }
    for reason in Reason::ALL {
        assert!(reasons_seen.contains(&reason), "no vector for {reason}");
    }
}
