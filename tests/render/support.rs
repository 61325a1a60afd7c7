//! Helpers shared by the rendering tests: a card-like URI, QR decoding with `rqrr`, golden
//! images and the card faces the tests print.

use std::path::PathBuf;

use image::{GrayImage, RgbImage};
use namecard::qr::{CardFace, Lang};

/// A card URI like the ones `card` issues: uppercase, alphanumeric mode, 270 characters.
pub fn card_uri() -> String {
    let mut uri = String::from("HTTPS://NC.EXAMPLE.COM/C/");
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$%*+-./:";
    let mut state = 0x2545_F491_u32;
    while uri.len() < 270 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        uri.push(char::from(alphabet[state as usize % alphabet.len()]));
    }
    uri
}

/// A face with the given texts in `lang`, with that language's footer.
pub fn face<'a>(
    name: &'a str,
    title: Option<&'a str>,
    organization: &'a str,
    lang: &str,
) -> CardFace<'a> {
    let lang = Lang::parse(lang).expect("a valid tag");
    CardFace {
        name,
        title,
        organization,
        footer: Some(lang.scan_prompt()),
        lang,
    }
}

pub fn zhang_weiming() -> CardFace<'static> {
    CardFace {
        footer: Some("扫码添加名片 · Scan to add my card"),
        ..face(
            "张伟明",
            Some("销售总监"),
            "深圳市华星光电技术有限公司",
            "zh-Hans",
        )
    }
}

pub fn long_latin_name() -> CardFace<'static> {
    CardFace {
        footer: None,
        ..face(
            "Maximilian Alexander von Hohenzollern-Sigmaringen",
            Some("Senior Vice President, Global Strategic Partnerships and Alliances"),
            "Internationale Handelsgesellschaft für Präzisionsinstrumente GmbH & Co. KG",
            "de",
        )
    }
}

/// Every QR text `rqrr` finds in a grayscale image.
pub fn decode_all(img: &GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        img.width() as usize,
        img.height() as usize,
        |x, y| img.get_pixel(x as u32, y as u32).0[0],
    );
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

pub fn decode_png(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(png).expect("our PNG decodes");
    decode_all(&img.to_luma8())
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/qr")
        .join(name)
}

/// Compares `actual` with the golden image `name`, allowing tiny anti-aliasing differences
/// (rasterisation uses floating point). `UPDATE_GOLDEN=1` rewrites the golden file.
pub fn assert_matches_golden(actual: &RgbImage, name: &str) {
    let path = fixture(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        actual.save(&path).expect("golden image written");
    }
    let golden = image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_GOLDEN=1", path.display()))
        .to_rgb8();
    assert_eq!(golden.dimensions(), actual.dimensions(), "{name}");
    let differing = golden
        .pixels()
        .zip(actual.pixels())
        .filter(|(g, a)| g.0.iter().zip(a.0.iter()).any(|(g, a)| g.abs_diff(*a) > 8))
        .count();
    assert!(
        differing * 1000 < golden.len() / 3,
        "{name}: {differing} pixels differ from the golden image"
    );
}
