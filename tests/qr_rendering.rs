//! The QR module end to end: images we render decode back to the text with `rqrr`, the printable
//! card draws every name it can, and hostile text never breaks the card.

use std::path::PathBuf;

use image::{GrayImage, RgbImage};
use namecard::qr::{
    CardFace, Ecc, QrError, QrMatrix, has_glyph, printable_png, render_png, render_printable,
    render_svg,
};
use proptest::prelude::*;

/// A card URI like the ones `card` issues: uppercase, alphanumeric mode, 270 characters.
fn card_uri() -> String {
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

fn zhang_weiming() -> CardFace<'static> {
    CardFace {
        name: "张伟明",
        title: Some("销售总监"),
        organization: "深圳市华星光电技术有限公司",
        footer: Some("扫码添加名片 · Scan to add my card"),
    }
}

fn long_latin_name() -> CardFace<'static> {
    CardFace {
        name: "Maximilian Alexander von Hohenzollern-Sigmaringen",
        title: Some("Senior Vice President, Global Strategic Partnerships and Alliances"),
        organization: "Internationale Handelsgesellschaft für Präzisionsinstrumente GmbH & Co. KG",
        footer: None,
    }
}

/// Every QR text `rqrr` finds in a grayscale image.
fn decode_all(img: &GrayImage) -> Vec<String> {
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

fn decode_png(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(png).expect("our PNG decodes");
    decode_all(&img.to_luma8())
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/qr")
        .join(name)
}

/// Compares `actual` with the golden image `name`, allowing tiny anti-aliasing differences
/// (font rasterisation uses floating point). `UPDATE_GOLDEN=1` rewrites the golden file.
fn assert_matches_golden(actual: &RgbImage, name: &str) {
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

#[test]
fn png_decodes_back_to_the_card_uri_at_every_error_correction_level() {
    let uri = card_uri();
    for ecc in [Ecc::L, Ecc::M, Ecc::Q, Ecc::H] {
        let m = QrMatrix::encode(&uri, ecc).expect("a card URI fits at every level");
        let png = render_png(&m, 8).expect("renders");
        assert_eq!(decode_png(&png), vec![uri.clone()], "level {ecc}");
    }
}

#[test]
fn png_decodes_back_numeric_alphanumeric_and_utf8_text() {
    for text in [
        "0123456789012345",
        "HELLO WORLD $%*+-./:",
        "张伟明 <zhang@example.cn> ✓",
    ] {
        let m = QrMatrix::encode(text, Ecc::M).expect("fits");
        assert_eq!(decode_png(&render_png(&m, 4).expect("renders")), vec![text]);
    }
}

#[test]
fn card_uri_fits_version_10_at_medium_because_it_is_alphanumeric() {
    let uri = card_uri();
    assert_eq!(QrMatrix::encode(&uri, Ecc::M).expect("fits").version(), 10);
    // The same length in byte mode needs a bigger, denser code.
    let lowercase = uri.to_lowercase();
    assert!(
        QrMatrix::encode(&lowercase, Ecc::M)
            .expect("fits")
            .version()
            > 10
    );
}

#[test]
fn png_is_one_module_per_module_px_square_with_a_four_module_quiet_zone() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    let img = image::load_from_memory(&render_png(&m, 3).expect("renders"))
        .expect("decodes")
        .to_luma8();
    let side = (m.width() + 8) * 3;
    assert_eq!(img.dimensions(), (side as u32, side as u32));
    for py in 0..side {
        for px in 0..side {
            let (x, y) = ((px / 3).wrapping_sub(4), (py / 3).wrapping_sub(4));
            let expected = if m.is_dark(x, y) { 0 } else { 255 };
            assert_eq!(
                img.get_pixel(px as u32, py as u32).0[0],
                expected,
                "({px}, {py})"
            );
        }
    }
}

#[test]
fn png_matches_the_golden_image() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    let img = image::load_from_memory(&render_png(&m, 8).expect("renders")).expect("decodes");
    assert_matches_golden(&img.to_rgb8(), "card_uri_m_8px.png");
}

#[test]
fn render_png_rejects_module_sizes_outside_1_to_32() {
    let m = QrMatrix::encode("HELLO", Ecc::M).expect("fits");
    for module_px in [0, 33, u32::MAX] {
        assert!(matches!(
            render_png(&m, module_px),
            Err(QrError::ModuleSize { .. })
        ));
    }
}

#[test]
fn svg_is_one_crisp_path_whose_runs_are_exactly_the_dark_modules() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    let svg = render_svg(&m, 8);
    let side = m.width() + 8;
    assert!(svg.starts_with("<svg "));
    assert!(svg.contains(r#"shape-rendering="crispEdges""#));
    assert!(svg.contains(&format!(r#"width="{}""#, side * 8)));
    assert!(svg.contains(&format!(r#"viewBox="0 0 {side} {side}""#)));
    assert_eq!(svg.matches("<path").count(), 1);

    // Paint the runs "M{x} {y}h{len}v1H{x}z" back into a grid.
    let d = svg
        .split(r#" d=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next());
    let mut dark = vec![vec![false; side]; side];
    for run in d.expect("path data").split('z').filter(|r| !r.is_empty()) {
        let numbers: Vec<usize> = run
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().expect("number"))
            .collect();
        let [x, y, len, _, x_back] = numbers[..] else {
            panic!("unexpected run {run:?}");
        };
        assert_eq!(x, x_back);
        for cell in &mut dark[y][x..x + len] {
            assert!(!*cell, "runs overlap");
            *cell = true;
        }
    }
    for (y, row) in dark.iter().enumerate() {
        for (x, &cell) in row.iter().enumerate() {
            assert_eq!(cell, m.is_dark(x.wrapping_sub(4), y.wrapping_sub(4)));
        }
    }
}

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
fn printable_card_draws_chinese_and_latin_names_without_missing_glyphs() {
    let samples = [
        "张伟明",
        "销售总监",
        "深圳市华星光电技术有限公司",
        "欧阳娜娜 司马懿 诸葛亮 李沁 王珏 赵昀",
        "扫码添加名片 · Scan to add my card",
        "Maximilian Alexander von Hohenzollern-Sigmaringen",
        "José Ñúñez, Zoë Brontë, Łukasz Żółć, François Lefèvre, Nguyễn Thị Hương",
        "Дмитрий Иванов, Γιώργος Παπαδόπουλος",
        "0123456789 @&()[]{}'\",.:;!?-/…",
    ];
    for text in samples {
        let missing: Vec<char> = text
            .chars()
            .filter(|&c| !has_glyph(c) && c != ' ')
            .collect();
        assert!(missing.is_empty(), "{text}: no glyph for {missing:?}");
    }
}

#[test]
fn printable_card_skips_emoji_instead_of_drawing_boxes() {
    assert!(!has_glyph('😀'));
    let m = QrMatrix::encode("HELLO", Ecc::M).expect("fits");
    let with_emoji = CardFace {
        name: "张伟明😀",
        ..zhang_weiming()
    };
    assert_eq!(
        render_printable(&with_emoji, &m),
        render_printable(&zhang_weiming(), &m)
    );
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
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_text_round_trips_through_png_and_rqrr(
        text in prop_oneof!["[0-9]{1,200}", "[0-9A-Z $%*+./:-]{1,300}", "\\PC{1,100}"],
        ecc in prop_oneof![Just(Ecc::L), Just(Ecc::M), Just(Ecc::Q), Just(Ecc::H)],
    ) {
        let m = QrMatrix::encode(&text, ecc).expect("short text fits");
        prop_assert_eq!(m.width(), 17 + 4 * usize::from(m.version()));
        prop_assert_eq!(decode_png(&render_png(&m, 2).expect("renders")), vec![text]);
    }

    #[test]
    fn printable_card_keeps_hostile_text_off_the_qr_code(
        name in ".{0,300}",
        title in proptest::option::of("\\PC{0,80}"),
        organization in "[\\u{0}-\\u{3000}]{0,120}",
        footer in proptest::option::of(".*"),
    ) {
        let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
        let blank = render_printable(
            &CardFace { name: "", title: None, organization: "", footer: None },
            &m,
        );
        let face = CardFace {
            name: &name,
            title: title.as_deref(),
            organization: &organization,
            footer: footer.as_deref(),
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
    };
    let png = printable_png(&face, &m).expect("renders");
    let img = image::load_from_memory(&png).expect("decodes");
    assert_eq!(decode_all(&img.to_luma8()), vec![card_uri()]);
}
