//! Project Wycheproof's Ed25519 vectors through the crate's own signature checks: the one-off
//! check and the keyset's precomputed-table one.

use ed25519_dalek::VerifyingKey;
use namecard::card::keys::{StrictKey, verify_signature};

/// What the keyset's verifier says: a key that does not decode, or is weak, verifies nothing.
fn verify_with_table(public: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(public), Ok(signature)) = (
        <[u8; 32]>::try_from(public),
        <[u8; 64]>::try_from(signature),
    ) else {
        return false;
    };
    VerifyingKey::from_bytes(&public)
        .ok()
        .and_then(|key| StrictKey::new(&key))
        .is_some_and(|key| key.verify(message, &signature))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_wycheproof_ed25519_vector_gives_its_expected_result() {
    let Some(root) = namecard::scan::corpus::shared_dir() else {
        eprintln!("skipped: the shared folder (NAMECARD_SHARED or ../shared) is absent");
        return;
    };
    let path = root.join("vectors/wycheproof-ed25519_test.json");
    let Ok(json) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return;
    };
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (mut checked, mut failures) = (0, Vec::new());
    for group in doc["testGroups"].as_array().unwrap() {
        let pk = hex(group["publicKey"]["pk"].as_str().unwrap());
        for t in group["tests"].as_array().unwrap() {
            let expected = t["result"].as_str().unwrap() == "valid";
            let (msg, sig) = (
                hex(t["msg"].as_str().unwrap()),
                hex(t["sig"].as_str().unwrap()),
            );
            let once = verify_signature(&pk, &msg, &sig);
            let table = verify_with_table(&pk, &msg, &sig);
            checked += 1;
            if once != expected || table != expected {
                failures.push(format!(
                    "tcId {} ({}): expected {expected}, one-off {once}, table {table}",
                    t["tcId"], t["comment"]
                ));
            }
        }
    }
    println!("{checked} Wycheproof vectors checked");
    assert_eq!(checked, doc["numberOfTests"].as_u64().unwrap() as usize);
    assert_eq!(checked, 151);
    assert!(failures.is_empty(), "{failures:#?}");
}
