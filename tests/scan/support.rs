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

/// Every corpus photo's name and upright grayscale pixels, as the scan module decodes them;
/// `None`, after saying so, when the shared corpus is absent (set `NAMECARD_SHARED`).
pub fn corpus_lumas() -> Option<Vec<(String, image::GrayImage)>> {
    let Some(photos) = namecard::scan::corpus::load_corpus().expect("the manifest is readable")
    else {
        eprintln!("skipped: qr-photos corpus not found (set NAMECARD_SHARED)");
        return None;
    };
    let lumas = photos.iter().map(|photo| {
        let image = photo.decoded().expect("the photo decodes");
        (photo.name.clone(), image.luma().clone())
    });
    Some(lumas.collect())
}
