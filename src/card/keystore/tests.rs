//! The key store's migrations of older state files.

use super::*;

#[test]
fn a_version_1_list_state_keeps_its_compromised_keys_and_warns_about_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::parse("https://nc.example.com").unwrap();
    let store = Keystore::create(dir.path(), issuer, 1_000).unwrap();
    drop(store);
    let v1 = r#"{"issuer":"https://nc.example.com","issued_at":5,
        "cards":["AQEBAQEBAQEBAQEB"],"members":[{"org_id":1,"member_id":2,"before":3}],
        "compromised_keys":["b7dKD2-DlMA"]}"#;
    std::fs::write(dir.path().join(REVOCATION_STATE), v1).unwrap();
    let mut store = Keystore::open(dir.path()).unwrap();
    assert_eq!(store.revocations().compromised_keys.len(), 1);
    assert!(store.warnings()[0].contains("1 card and 1 member revocations"));
    store.refresh(2_000).unwrap();
    drop(store);
    let store = Keystore::open(dir.path()).unwrap();
    assert!(store.warnings().is_empty(), "migrated once");
    assert_eq!(
        store.revocations().number,
        2,
        "past the list signed before the migration"
    );
}
