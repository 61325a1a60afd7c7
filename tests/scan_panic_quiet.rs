//! A decoder panic that the scan module contains prints nothing, while every other panic still
//! reaches the hook the application had installed. (Its own test binary: the panic hook is
//! process-wide.)

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use namecard::scan::{ScanLimits, decode_photo};

const RQRR_PANIC_PHOTO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/scan/rqrr_panic.png");

static PANICS_SEEN_BY_THE_APPLICATION: AtomicUsize = AtomicUsize::new(0);

fn panics_seen() -> usize {
    PANICS_SEEN_BY_THE_APPLICATION.load(Ordering::SeqCst)
}

#[test]
fn a_contained_rqrr_panic_stays_quiet_and_other_panics_still_reach_the_previous_hook() {
    // Arrange: the application's own hook, installed before any scan.
    std::panic::set_hook(Box::new(|_| {
        PANICS_SEEN_BY_THE_APPLICATION.fetch_add(1, Ordering::SeqCst);
    }));
    let bytes = std::fs::read(RQRR_PANIC_PHOTO).expect("fixture is readable");
    let luma = image::load_from_memory(&bytes).expect("decodes").to_luma8();
    let rqrr_direct = std::panic::catch_unwind(move || {
        let mut prepared = rqrr::PreparedImage::prepare(luma);
        for grid in prepared.detect_grids() {
            let _ = grid.decode_to(Vec::new());
        }
    });
    assert!(
        rqrr_direct.is_err(),
        "the fixture must still make rqrr panic"
    );
    assert_eq!(
        panics_seen(),
        1,
        "a panic outside the scan reaches the hook"
    );

    // Act: the same photo through the scan module, then an unrelated panic.
    let error = decode_photo(&bytes, &ScanLimits::default()).expect_err("nothing to read");
    let seen_after_scan = panics_seen();
    let unrelated = std::panic::catch_unwind(|| panic!("an application bug"));

    // Assert
    assert_eq!(error.code(), "no_qr_found");
    assert_eq!(seen_after_scan, 1, "the contained panic was reported");
    assert!(unrelated.is_err());
    assert_eq!(
        panics_seen(),
        2,
        "the unrelated panic did not reach the hook"
    );
}

#[test]
fn the_decode_command_prints_no_panic_message_for_the_rqrr_photo() {
    let out = Command::new(env!("CARGO_BIN_EXE_namecard"))
        .args(["decode", RQRR_PANIC_PHOTO])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout} stderr: {stderr}"
    );
    assert!(stdout.contains("no_qr_found"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
