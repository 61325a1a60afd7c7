//! Regional glyph forms: the same code points drawn in the Simplified Chinese, Traditional
//! Chinese (Taiwan), Hong Kong, Japanese and Korean forms the card's language asks for.

use image::{Rgb, RgbImage};
use namecard::qr::text::{self, Clip, Lang, TextStyle, Weight};

/// `text` drawn at 64 px in `tag`'s forms.
fn drawn(text: &str, tag: &str) -> RgbImage {
    let style = TextStyle {
        weight: Weight::Regular,
        max_px: 64.0,
        min_px: 64.0,
        line_height: 1.2,
        max_lines: 1,
        color: Rgb([0, 0, 0]),
    };
    let fitted = text::fit(
        text,
        &style,
        Lang::parse(tag).expect("valid tag"),
        400.0,
        100.0,
    );
    assert!(fitted.missing().is_empty(), "{text}");
    let mut img = RgbImage::from_pixel(400, 100, Rgb([255, 255, 255]));
    let clip = Clip {
        left: 0,
        top: 0,
        right: 400,
        bottom: 100,
    };
    fitted.draw(&mut img, 0.0, 0.0, clip);
    assert!(img.pixels().any(|p| p.0[0] < 128), "{text} draws nothing");
    img
}

#[test]
fn han_characters_take_the_forms_of_the_cards_language() {
    // 骨: the Simplified and Traditional forms differ, and Japanese, Korean and Hong Kong
    // share a third one.
    assert_ne!(drawn("骨", "zh-Hans"), drawn("骨", "zh-Hant"));
    assert_ne!(drawn("骨", "zh-Hans"), drawn("骨", "ja"));
    assert_ne!(drawn("骨", "zh-Hant"), drawn("骨", "ja"));
    // 直: Taiwan and Hong Kong differ, and Japanese differs from both.
    assert_ne!(drawn("直", "zh-Hant-TW"), drawn("直", "zh-Hant-HK"));
    assert_ne!(drawn("直", "ja"), drawn("直", "zh-Hant-HK"));
    assert_ne!(drawn("直", "ja"), drawn("直", "zh-Hant-TW"));
    // 化: Korean differs from Japanese.
    assert_ne!(drawn("化", "ko"), drawn("化", "ja"));
}

#[test]
fn tags_for_the_same_region_draw_the_same_forms() {
    assert_eq!(drawn("骨直化", "zh-Hans"), drawn("骨直化", "zh-CN"));
    assert_eq!(drawn("骨直化", "zh-Hans"), drawn("骨直化", "zh"));
    assert_eq!(drawn("骨直化", "zh-Hant"), drawn("骨直化", "zh-TW"));
    assert_eq!(drawn("骨直化", "zh-Hant-HK"), drawn("骨直化", "zh-HK"));
    assert_eq!(drawn("骨直化", "ja"), drawn("骨直化", "ja-JP"));
    // Without a Chinese, Japanese or Korean language the font's own (Simplified) forms.
    assert_eq!(drawn("骨直化", "en"), drawn("骨直化", "zh-Hans"));
}
