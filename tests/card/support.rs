//! Shared by the card tests: the published vectors in `fixtures/cards/`.

use std::path::PathBuf;

use base64::Engine as _;
use serde_json::Value;

/// `fixtures/cards/<name>`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/cards")
        .join(name)
}

/// The bytes of `fixtures/cards/<name>`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// `fixtures/cards/vectors.json`.
pub fn vectors() -> Value {
    serde_json::from_slice(&fixture("vectors.json")).expect("vectors.json parses")
}

/// A document vector's exact bytes (`document` text, or `document_base64`).
pub fn document_bytes(case: &Value) -> Vec<u8> {
    match (case["document"].as_str(), case["document_base64"].as_str()) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64"),
        _ => panic!("vector {} has no document", case["name"]),
    }
}

/// A JSON value without its `detail` member (which implementations word freely).
pub fn without_detail(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("detail");
    }
    v
}
