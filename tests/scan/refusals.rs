//! Every refusal of `scan::decode_photo` yields its own error, fast, with the process healthy.

use std::time::{Duration, Instant};

use image::{GrayImage, Luma};
use namecard::scan::synth::{PhotoParams, card_without_code, phone_photo};
use namecard::scan::{ScanError, ScanLimits, cascade, decode_photo};

use crate::support::png;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scan")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn code_of(bytes: &[u8]) -> &'static str {
    decode_photo(bytes, &ScanLimits::default())
        .expect_err("the upload must be refused")
        .code()
}

/// A small QR photo, encoded as a JPEG, holding `text`.
fn qr_jpeg(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("text fits");
    let modules = code.width() as u32;
    let scale = 8;
    let size = (modules + 8) * scale;
    let image = GrayImage::from_fn(size, size, |x, y| {
        let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
        let dark = mx >= 0
            && my >= 0
            && mx < i64::from(modules)
            && my < i64::from(modules)
            && code[(mx as usize, my as usize)] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(&image)
        .expect("encodes");
    bytes
}

/// Proves the process still decodes normally after a refusal.
fn assert_still_healthy() {
    let report = decode_photo(&qr_jpeg("STILL HEALTHY"), &ScanLimits::default())
        .expect("a plain QR photo decodes");
    assert_eq!(report.codes[0].text, "STILL HEALTHY");
}

#[test]
fn scan_refuses_a_png_that_claims_100000_by_100000_pixels_at_once() {
    let start = Instant::now();
    let error = decode_photo(
        &fixture("bomb_claims_100000x100000.png"),
        &ScanLimits::default(),
    )
    .expect_err("refused");
    assert_eq!(
        error,
        ScanError::ImageTooLarge {
            width: 100_000,
            height: 100_000
        }
    );
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
    assert_still_healthy();
}

#[test]
fn scan_refuses_a_decompression_bomb_before_decoding_it() {
    let bytes = fixture("bomb_10000x10000_1bit.png");
    assert!(bytes.len() < 64 * 1024, "the bomb is small on disk");
    let start = Instant::now();
    assert_eq!(code_of(&bytes), "image_too_large");
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
    assert_still_healthy();
}

#[test]
fn scan_refuses_an_image_whose_decoding_would_exceed_the_memory_limit() {
    let limits = ScanLimits {
        max_alloc: 1024,
        ..ScanLimits::default()
    };
    let error = decode_photo(&qr_jpeg("TOO BIG FOR 1 KB"), &limits).expect_err("refused");
    assert_eq!(error.code(), "image_too_large");
}

#[test]
fn scan_refuses_an_upload_over_the_byte_cap() {
    let limits = ScanLimits {
        max_bytes: 100,
        ..ScanLimits::default()
    };
    let error = decode_photo(&qr_jpeg("HELLO"), &limits).expect_err("refused");
    assert_eq!(error.code(), "too_many_bytes");
}

#[test]
fn scan_refuses_a_truncated_jpeg() {
    let whole = qr_jpeg("HTTPS://NC.EXAMPLE.COM/C/TRUNCATED");
    assert_eq!(code_of(&whole[..whole.len() * 2 / 3]), "truncated_image");
    assert_still_healthy();
}

#[test]
fn scan_refuses_a_truncated_png() {
    assert_eq!(code_of(&fixture("truncated.png")), "truncated_image");
}

#[test]
fn scan_refuses_random_bytes_as_not_an_image() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    assert_eq!(code_of(&bytes), "not_an_image");
    assert_still_healthy();
}

#[test]
fn scan_refuses_a_zero_byte_file_as_not_an_image() {
    assert_eq!(code_of(&[]), "not_an_image");
}

#[test]
fn scan_refuses_a_tiff_as_an_unsupported_format() {
    // A little-endian TIFF header with an empty first directory.
    let tiff = b"II*\0\x08\0\0\0\0\0\0\0\0\0";
    assert_eq!(code_of(tiff), "unsupported_format");
}

#[test]
fn scan_reports_no_qr_found_in_a_blank_image() {
    let blank = GrayImage::from_pixel(300, 200, Luma([255]));
    assert_eq!(code_of(&png(&blank)), "no_qr_found");
}

#[test]
fn scan_stops_at_the_time_budget() {
    let noise = GrayImage::from_fn(1200, 900, |x, y| {
        Luma([((x * 7919 + y * 104_729) % 251) as u8])
    });
    let bytes = png(&noise);
    let limits = ScanLimits {
        time_budget: Duration::ZERO,
        ..ScanLimits::default()
    };
    let error = decode_photo(&bytes, &limits).expect_err("refused");
    assert_eq!(error.code(), "time_budget_exceeded");
}

#[test]
fn scan_contains_the_rqrr_panic_and_reports_no_qr_found() {
    // Arrange: a photo (three skewed finder patterns, found by examples/rqrr_panic_hunt.rs)
    // on which rqrr 0.11's detect_grids panics (its issue #54).
    let bytes = fixture("rqrr_panic.png");
    let luma = image::load_from_memory(&bytes).expect("decodes").to_luma8();
    let rqrr_panics = std::panic::catch_unwind(move || {
        let mut prepared = rqrr::PreparedImage::prepare(luma);
        for grid in prepared.detect_grids() {
            let _ = grid.decode_to(Vec::new());
        }
    })
    .is_err();
    assert!(rqrr_panics, "the fixture must still trigger the rqrr panic");

    // Act, twice: the second call proves nothing was left poisoned.
    for _ in 0..2 {
        assert_eq!(code_of(&bytes), "no_qr_found");
    }
    assert_still_healthy();
}

#[test]
fn scan_says_no_to_a_12_megapixel_photo_without_a_finder_pattern_after_its_first_search() {
    let bytes = phone_photo(&card_without_code(9), &PhotoParams::default());
    let luma = image::load_from_memory(&bytes).expect("decodes").to_luma8();

    let result = cascade::run(&luma, std::time::Instant::now() + Duration::from_secs(60));

    assert!(result.codes.is_empty());
    assert!(result.quick_no, "the fallbacks were run");
    assert_eq!(code_of(&bytes), "no_qr_found");
}

#[test]
fn scan_runs_its_fallbacks_on_a_12_megapixel_photo_that_shows_a_finder_pattern() {
    // The same photo with one finder pattern drawn on the card: not a code, but worth a look.
    let mut card = card_without_code(9);
    let module = 20;
    for y in 0..7 * module {
        for x in 0..7 * module {
            let ring = (x / module)
                .min(y / module)
                .min(6 - x / module)
                .min(6 - y / module);
            let dark = ring != 1;
            card.put_pixel(1000 + x, 300 + y, Luma([if dark { 20 } else { 250 }]));
        }
    }
    let bytes = phone_photo(&card, &PhotoParams::default());
    let luma = image::load_from_memory(&bytes).expect("decodes").to_luma8();

    let result = cascade::run(&luma, std::time::Instant::now() + Duration::from_secs(60));

    assert!(result.codes.is_empty());
    assert!(!result.quick_no, "a finder pattern must be looked into");
}
