//! `docs/verify-output.schema.json` describes what `namecard verify --json` prints: every card
//! vector's full output, and the document errors, validate against it; and it is strict enough
//! to refuse outputs that break the specification.

use namecard::card::report::{DocumentErrorOutput, VerifyOutput};
use namecard::card::{Keyset, RevocationList, VerifyOptions, verify_card};
use serde_json::{Value, json};

use super::support::{document_bytes, fixture, vectors};

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/verify-output.schema.json"
        ))
        .expect("schema file"),
    )
    .expect("schema parses");
    jsonschema::validator_for(&schema).expect("a valid 2020-12 schema")
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| e.to_string()).collect()
}

#[test]
fn every_card_vector_output_validates_against_the_schema() {
    let v = validator();
    let keysets = [
        (
            "keyset.json",
            Keyset::from_jwks(&fixture("keyset.json")).unwrap(),
        ),
        (
            "keyset-mixed-order.json",
            Keyset::from_jwks(&fixture("keyset-mixed-order.json")).unwrap(),
        ),
    ];
    for case in vectors()["cards"].as_array().unwrap() {
        let keyset = &keysets
            .iter()
            .find(|(n, _)| *n == case["keyset"])
            .expect("known keyset")
            .1;
        let list = case["revocations"]
            .as_str()
            .map(|l| RevocationList::load(&fixture(l), keyset, 300).unwrap());
        let opts = VerifyOptions {
            now: case["now"].as_i64().unwrap(),
            skew_secs: case["skew"].as_i64().unwrap(),
        };
        let result = verify_card(case["text"].as_str().unwrap(), keyset, list.as_ref(), &opts);
        let output = serde_json::to_value(VerifyOutput::of(&result)).unwrap();
        assert_eq!(
            errors(&v, &output),
            Vec::<String>::new(),
            "vector {}",
            case["name"]
        );
    }
}

#[test]
fn document_errors_validate_and_outputs_that_break_the_rules_do_not() {
    let v = validator();
    for case in vectors()["keysets"].as_array().unwrap() {
        if let Err(e) = Keyset::from_jwks(&document_bytes(case)) {
            let output = serde_json::to_value(DocumentErrorOutput::from(&e)).unwrap();
            assert!(v.is_valid(&output), "{output}");
        }
    }
    let valid = vectors()["cards"][0]["expected"].clone();
    let mut with_detail = valid.clone();
    with_detail["detail"] = json!("valid");
    assert!(v.is_valid(&with_detail));
    for broken in [
        json!({ "result": "valid", "reason": "expired" }),
        json!({ "result": "stale", "card": null }),
        json!({ "spec": "1.0" }),
        json!({ "extra": true }),
    ] {
        let mut instance = with_detail.clone();
        for (k, val) in broken.as_object().unwrap() {
            instance[k] = val.clone();
        }
        assert!(!v.is_valid(&instance), "accepted {broken}");
    }
    let mut team_with_member = with_detail.clone();
    team_with_member["card"]["kind"] = json!("team");
    assert!(
        !v.is_valid(&team_with_member),
        "a team card has no member_name"
    );
}
