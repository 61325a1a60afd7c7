//! The QR code alone: PNG and SVG images decode back to their text with `rqrr`.

use namecard::qr::{Ecc, QrError, QrMatrix, render_png, render_svg};
use proptest::prelude::*;

use crate::support::{assert_matches_golden, card_uri, decode_png};

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
}
