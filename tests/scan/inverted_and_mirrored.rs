//! Codes printed light on dark, and codes seen in a mirror (a selfie camera, the back of a
//! glass door), are read like any other.

use image::GrayImage;
use image::imageops::flip_horizontal;
use namecard::scan::synth::{PhotoParams, phone_photo};
use namecard::scan::{ScanLimits, decode_photo};

use crate::support::{png, printed_card};

fn negative(image: &GrayImage) -> GrayImage {
    let mut out = image.clone();
    for pixel in out.as_mut() {
        *pixel = 255 - *pixel;
    }
    out
}

/// A phone photo of `card` as the tests elsewhere take it, a little less blurred (the card is
/// the default 60 % of the frame).
fn photo(card: &GrayImage, seed: u64) -> Vec<u8> {
    phone_photo(
        card,
        &PhotoParams {
            seed,
            rotation_deg: -10.0,
            blur_sigma: 1.5,
            ..PhotoParams::default()
        },
    )
}

/// What the decoder reads, given all the time it needs: these tests are about what it can read
/// (the test profile does not optimise this crate); the budget has its own test.
fn texts(bytes: &[u8]) -> Vec<String> {
    let limits = ScanLimits {
        time_budget: std::time::Duration::from_secs(120),
        ..ScanLimits::default()
    };
    decode_photo(bytes, &limits)
        .map(|report| report.codes.into_iter().map(|c| c.text).collect())
        .unwrap_or_default()
}

#[test]
fn scan_reads_a_printable_card_whose_image_is_inverted_light_modules_on_dark() {
    let card = printed_card(1);
    assert_eq!(texts(&png(&negative(&card.image))), [card.text]);
}

#[test]
fn scan_reads_a_phone_photo_of_a_card_printed_in_reverse() {
    let card = printed_card(2);
    assert_eq!(texts(&photo(&negative(&card.image), 2)), [card.text]);
}

#[test]
fn scan_reads_a_mirrored_card_as_a_selfie_camera_shows_it() {
    let card = printed_card(3);
    assert_eq!(texts(&png(&flip_horizontal(&card.image))), [card.text]);
}

#[test]
fn scan_reads_a_phone_photo_of_a_card_seen_through_glass_from_behind() {
    let card = printed_card(4);
    assert_eq!(texts(&photo(&flip_horizontal(&card.image), 4)), [card.text]);
}

#[test]
fn scan_reads_a_mirrored_and_inverted_card() {
    let card = printed_card(5);
    let both = negative(&flip_horizontal(&card.image));
    assert_eq!(texts(&png(&both)), [card.text]);
}
