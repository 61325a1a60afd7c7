//! The fuzzers' committed corpora (`fuzz/corpus/<target>/`), replayed on stable through the same
//! entry points the cargo-fuzz targets call: every input a fuzzer kept, crashes it once found
//! among them, must run without a panic on every CI run.

use std::path::Path;

type Entry = fn(&[u8]);

const TARGETS: [(&str, Entry); 6] = [
    ("card_text", namecard::fuzzing::card_text),
    ("jwks", namecard::fuzzing::jwks),
    ("revocation_list", namecard::fuzzing::revocation_list),
    ("scan_photo", namecard::fuzzing::scan_photo),
    ("member_import", namecard::fuzzing::member_import),
    ("scan_upload", namecard::fuzzing::scan_upload),
];

#[test]
fn every_committed_fuzz_input_runs_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, entry) in TARGETS {
        let dir = root.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{target} has no corpus");
        for input in inputs {
            let bytes = std::fs::read(&input).expect("read input");
            let ran = std::panic::catch_unwind(|| entry(&bytes));
            assert!(ran.is_ok(), "{target} panicked on {}", input.display());
        }
    }
}

#[test]
fn every_fuzz_target_has_its_entry_point_replayed() {
    let targets = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(targets)
        .expect("fuzz targets")
        .map(|e| {
            e.expect("entry")
                .path()
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let mut replayed: Vec<String> = TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    replayed.sort();
    assert_eq!(names, replayed);
}

#[tokio::test]
async fn the_upload_entry_point_reads_bodies_as_the_scan_route_does() {
    let form = |field: &str| {
        format!(
            "--b\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"c.png\"\r\n\
             Content-Type: image/png\r\n\r\nPNGDATA\r\n--b--\r\n"
        )
        .into_bytes()
    };
    let multipart = "multipart/form-data; boundary=b";
    assert!(namecard::http::read_scan_upload(multipart, form("photo")).await);
    assert!(!namecard::http::read_scan_upload(multipart, form("other")).await);
    assert!(!namecard::http::read_scan_upload(multipart, b"--b\r\ngarbage".to_vec()).await);
    assert!(
        namecard::http::read_scan_upload("application/json", br#"{"text": "x"}"#.to_vec()).await
    );
    assert!(
        !namecard::http::read_scan_upload(
            "application/json",
            br#"{"text": "x", "extra": 1}"#.to_vec()
        )
        .await
    );
    assert!(namecard::http::read_scan_upload("image/jpeg", vec![0xff, 0xd8]).await);
}
