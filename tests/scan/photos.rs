//! Decoding real-world shapes of input: 12 MP phone photos, EXIF orientation, non-UTF-8 text.

use image::{GrayImage, Luma};
use namecard::scan::synth::{PhotoParams, card_image, card_uri, phone_photo};
use namecard::scan::{ScanLimits, decode_photo};

use crate::support::png;

/// Renders `bytes` (byte mode) as a QR image with 6 px modules and a quiet zone.
fn qr_image(bytes: &[u8]) -> GrayImage {
    let code = qrcode::QrCode::new(bytes).expect("data fits");
    let modules = code.width() as u32;
    let scale = 6;
    GrayImage::from_fn((modules + 8) * scale, (modules + 8) * scale, |x, y| {
        let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
        let inside = (0..i64::from(modules)).contains(&mx) && (0..i64::from(modules)).contains(&my);
        let dark = inside && code[(mx as usize, my as usize)] == qrcode::Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    })
}

#[test]
fn scan_reads_a_12_megapixel_photo_of_a_card_rotated_in_perspective_blurred_and_compressed() {
    for seed in 1..=3 {
        let uri = card_uri(seed);
        let photo = phone_photo(
            &card_image(&uri, seed),
            &PhotoParams {
                seed,
                ..PhotoParams::default()
            },
        );
        let report = decode_photo(&photo, &ScanLimits::default()).expect("the card is read");
        assert_eq!((report.width, report.height), (4032, 3024));
        assert_eq!(report.codes.len(), 1, "seed {seed}");
        assert_eq!(report.codes[0].text, uri, "seed {seed}");
        println!(
            "seed {seed}: {:?} by {}",
            report.elapsed, report.codes[0].step
        );
    }
}

#[test]
fn scan_applies_the_exif_orientation_of_a_jpeg() {
    let qr = qr_image(b"EXIF ORIENTATION");
    let upright = GrayImage::from_fn(300, 200, |x, y| {
        *qr.get_pixel(x.min(qr.width() - 1), y.min(qr.height() - 1))
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode_image(&upright)
        .expect("encodes");
    // APP1 Exif segment, big-endian TIFF, one IFD entry: Orientation (0x0112) = 6 (rotate 90).
    let tiff: &[u8] = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(tiff);
    let mut with_exif = jpeg[..2].to_vec();
    with_exif.extend_from_slice(&[0xFF, 0xE1]);
    with_exif.extend_from_slice(&u16::try_from(app1.len() + 2).expect("small").to_be_bytes());
    with_exif.extend_from_slice(&app1);
    with_exif.extend_from_slice(&jpeg[2..]);

    let report = decode_photo(&with_exif, &ScanLimits::default()).expect("decodes");

    assert_eq!((report.width, report.height), (200, 300), "rotated upright");
    assert_eq!(report.codes[0].text, "EXIF ORIENTATION");
}

#[test]
fn scan_converts_shift_jis_text_instead_of_failing() {
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("名刺の交換をお願いします");
    let report = decode_photo(&png(&qr_image(&sjis)), &ScanLimits::default()).expect("decodes");
    assert_eq!(report.codes[0].text, "名刺の交換をお願いします");
}

#[test]
fn scan_converts_latin1_text_instead_of_failing() {
    let report = decode_photo(
        &png(&qr_image(b"Caf\xe9 M\xfcller, Stra\xdfe 5")),
        &ScanLimits::default(),
    )
    .expect("decodes");
    assert_eq!(report.codes[0].text, "Café Müller, Straße 5");
}

#[test]
fn scan_reports_the_corners_of_the_code_in_the_image() {
    let qr = qr_image(b"CORNERS");
    let report = decode_photo(&png(&qr), &ScanLimits::default()).expect("decodes");
    let (w, h) = (qr.width() as f32, qr.height() as f32);
    for (x, y) in report.codes[0].corners {
        assert!(
            (0.0..=w).contains(&x) && (0.0..=h).contains(&y),
            "({x}, {y})"
        );
    }
    let [tl, _, br, _] = report.codes[0].corners;
    assert!(
        br.0 - tl.0 > w / 2.0 && br.1 - tl.1 > h / 2.0,
        "{tl:?} {br:?}"
    );
}
