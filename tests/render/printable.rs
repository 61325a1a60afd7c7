//! The printable card: its size, its QR code, its golden images, and hostile text that never
//! reaches the QR code.

use image::RgbImage;
use namecard::qr::{
    CardFace, CardTextError, Ecc, Lang, QrError, QrMatrix, card_text, printable_png,
    render_printable,
};
use proptest::prelude::*;

use crate::support::{
    assert_matches_golden, card_uri, decode_all, face, long_latin_name, zhang_weiming,
};

#[test]
fn printable_card_is_1050_by_600_and_decodes_back_to_the_card_uri() {
    let uri = card_uri();
    let m = QrMatrix::encode(&uri, Ecc::M).expect("fits");
    let png = printable_png(&zhang_weiming(), &m).expect("renders");
    let img = image::load_from_memory(&png).expect("decodes");
    assert_eq!((img.width(), img.height()), (1050, 600));
    assert_eq!(decode_all(&img.to_luma8()), vec![uri]);
}

#[test]
fn printable_card_matches_the_golden_images() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    assert_matches_golden(
        &render_printable(&zhang_weiming(), &m),
        "printable_zhang_weiming.png",
    );
    assert_matches_golden(
        &render_printable(&long_latin_name(), &m),
        "printable_long_latin_name.png",
    );
}

#[test]
fn a_long_latin_name_wraps_and_is_printed_whole() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    let face = long_latin_name();

    let text = card_text(&face, &m);

    let name = &text
        .iter()
        .find(|f| f.field == "member_name")
        .expect("a name")
        .lines;
    assert_eq!(name.concat(), face.name);
    assert!(name.len() > 1, "{name:?}");
    for field in &text {
        assert_eq!(field.lines.concat(), field.text, "{}", field.field);
    }
    assert!(printable_png(&face, &m).is_ok());
}

#[test]
fn every_field_of_the_longest_length_a_card_may_hold_fits() {
    // 64 characters is the card format's limit for each field; "W" is about the widest letter.
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    let wide = "W".repeat(64);
    let han = "龘".repeat(64);
    let words = "Wolfgang Wilhelm Wendelin Wunderlich-Wittgenstein Waldemar-Weiß";
    for text in [wide.as_str(), han.as_str(), words] {
        let face = face(text, Some(text), text, "en");

        let png = printable_png(&face, &m);

        assert!(png.is_ok(), "{text}: {:?}", png.err());
        for field in card_text(&face, &m) {
            assert_eq!(field.lines.concat(), field.text, "{}", field.field);
        }
    }
}

#[test]
fn printable_png_refuses_codes_too_dense_to_scan_on_the_card() {
    let m = QrMatrix::encode(&"A".repeat(1500), Ecc::M).expect("fits");
    assert!(matches!(
        printable_png(&zhang_weiming(), &m),
        Err(QrError::TooDenseToPrint { min: 6, .. })
    ));
}

/// Pixels of the card from the QR code's quiet zone to the right edge.
fn qr_side(img: &RgbImage, m: &QrMatrix) -> Vec<u8> {
    let modules = m.width() as u32 * 8;
    let quiet_zone_left = 1050 - (600 - modules) / 2 - modules - 4 * 8;
    image::imageops::crop_imm(img, quiet_zone_left, 0, 1050 - quiet_zone_left, 600)
        .to_image()
        .into_raw()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn printable_card_keeps_hostile_text_off_the_qr_code(
        name in ".{0,300}",
        title in proptest::option::of("\\PC{0,80}"),
        organization in "[\\u{0}-\\u{3000}]{0,120}",
        footer in proptest::option::of(".*"),
    ) {
        let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
        let blank = render_printable(&face("", None, "", "en"), &m);
        let face = CardFace {
            name: &name,
            title: title.as_deref(),
            organization: &organization,
            footer: footer.as_deref(),
            lang: Lang::default(),
        };
        let card = render_printable(&face, &m);
        prop_assert_eq!(card.dimensions(), (1050, 600));
        prop_assert!(qr_side(&card, &m) == qr_side(&blank, &m));
    }
}

#[test]
fn printable_card_survives_huge_rtl_control_and_emoji_strings() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    let huge = "W".repeat(1_000_000);
    let nasty = "\u{202E}مرحبا שלום\u{0000}\u{200D}👨‍👩‍👧\u{FEFF}\u{0301}\u{0301}\r\n".repeat(1000);
    let face = CardFace {
        name: &huge,
        title: Some(&nasty),
        organization: &nasty,
        footer: Some(&huge),
        lang: Lang::default(),
    };

    let card = render_printable(&face, &m);
    let png = printable_png(&face, &m);

    assert_eq!(
        decode_all(&image::DynamicImage::ImageRgb8(card).to_luma8()),
        vec![card_uri()]
    );
    assert!(matches!(
        png,
        Err(QrError::Text(
            CardTextError::Undrawable(_) | CardTextError::DoesNotFit(_)
        ))
    ));
}
