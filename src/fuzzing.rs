//! Entry points for fuzzing: each takes arbitrary bytes and must return without panicking,
//! whatever they hold. The cargo-fuzz targets under `fuzz/` call them (nightly), and
//! `tests/card/fuzz_corpus.rs` replays the committed corpora through them on stable, so every CI
//! run checks what the fuzzers once found. Not part of the service's API (and the one module
//! besides `startup` that reaches into `http`, for the upload parser).

use crate::card::{Keyset, RevocationList, VerifyOptions, format, verify_card};
use std::sync::LazyLock;
use std::time::Duration;

/// The test vectors' keyset (`fixtures/cards/keyset.json`): cards and lists are checked against
/// a real keyset, so the fuzzer reaches the body and list parsers past the issuer check.
static KEYSET: LazyLock<Option<Keyset>> =
    LazyLock::new(|| Keyset::from_jwks(include_bytes!("../fixtures/cards/keyset.json")).ok());

/// A card text: the bytes as text when the first byte is even, else the rest of the bytes as a
/// card body under the keyset's issuer (so mutations explore the body parser, not the alphabet).
pub fn card_text(data: &[u8]) {
    let Some(keyset) = KEYSET.as_ref() else {
        return;
    };
    let text = match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => format!(
            "{}{}",
            keyset.issuer().card_prefix(),
            format::encode_text(rest)
        ),
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    let _ = verify_card(&text, keyset, None, &VerifyOptions::at(1_764_000_000));
}

/// A JWKS document.
pub fn jwks(data: &[u8]) {
    if let Ok(keyset) = Keyset::from_jwks(data) {
        let _ = keyset.to_jwks_json();
    }
}

/// A signed revocation list, against the vectors' keyset; a loaded list is looked up.
pub fn revocation_list(data: &[u8]) {
    let Some(keyset) = KEYSET.as_ref() else {
        return;
    };
    if let Ok(list) = RevocationList::load(data, keyset, 300) {
        let _ = list.lookup(data);
        let _ = RevocationList::update(Some(&list), &list);
    }
}

/// A photo, under small limits (a fuzzer's input is small anyway; the limits keep each run
/// quick).
pub fn scan_photo(data: &[u8]) {
    let limits = crate::scan::ScanLimits {
        max_bytes: 1 << 20,
        max_pixels: 4_000_000,
        max_alloc: 64 << 20,
        time_budget: Duration::from_millis(500),
    };
    let _ = crate::scan::decode_photo(data, &limits);
}

/// A member import, as CSV and as JSON.
pub fn member_import(data: &[u8]) {
    let _ = crate::domain::import::parse_csv(data);
    let _ = crate::domain::import::parse_json(data);
}

/// A scan upload's body as `POST /v1/scans` reads it (multipart form, raw image or JSON; the
/// first byte picks which), with no service behind it.
pub fn scan_upload(data: &[u8]) {
    let (content_type, body) = match data.split_first() {
        Some((0, rest)) => ("application/json", rest),
        Some((1, rest)) => ("image/jpeg", rest),
        Some((_, rest)) => ("multipart/form-data; boundary=namecard-fuzz", rest),
        None => ("multipart/form-data; boundary=namecard-fuzz", data),
    };
    // One runtime for every input: building one per input would be most of each run's work.
    static RUNTIME: LazyLock<Option<tokio::runtime::Runtime>> =
        LazyLock::new(|| tokio::runtime::Builder::new_current_thread().build().ok());
    if let Some(runtime) = RUNTIME.as_ref() {
        runtime.block_on(crate::http::read_scan_upload(content_type, body.to_vec()));
    }
}
