//! What several of the decoder's tests share: the keys that check
//! `scan::synth::printed_card`'s cards, and images as PNG files.

use namecard::card::{KeyRecord, Keyset};
use namecard::scan::synth::{PRINTED_AT, printed_issuer, printed_key};

pub use namecard::scan::synth::printed_card;

pub const NOW: i64 = PRINTED_AT;

pub fn keyset() -> Keyset {
    Keyset::new(
        printed_issuer(),
        vec![KeyRecord::active(&printed_key(), NOW)],
    )
    .expect("valid keyset")
}

/// `image` as a PNG file's bytes.
pub fn png(image: &image::GrayImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encodes");
    bytes
}
