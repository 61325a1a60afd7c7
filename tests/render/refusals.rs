//! Refusals: text a card cannot show as it is gets a clear error naming it, never a card that
//! prints a different name than the one it signs.

use namecard::qr::{
    CardFace, CardTextError, Ecc, QrError, QrMatrix, check_face, printable_png, render_printable,
};

use crate::support::{card_uri, face};

/// U+2EBF0 is the first ideograph of CJK Extension I (Unicode 15.1, 2023): assigned, and in no
/// font the bundled set or Debian 12 ships.
const EXTENSION_I: char = '\u{2EBF0}';

#[test]
fn a_private_use_character_in_the_name_is_refused_and_named() {
    let face = face("王\u{E000}明", Some("工程师"), "华星光电", "zh-Hans");

    let refusal = check_face(&face).expect_err("refused");

    assert_eq!(refusal.code(), "undrawable_characters");
    assert_eq!(
        refusal,
        CardTextError::Undrawable(vec![("member_name", vec!['\u{E000}'])])
    );
    assert!(refusal.to_string().contains("U+E000"), "{refusal}");
}

#[test]
fn an_ideograph_no_font_has_yet_is_refused_in_every_field_it_appears_in() {
    let name = format!("李{EXTENSION_I}");
    let org = format!("{EXTENSION_I}有限公司\u{0378}");
    let face = face(&name, Some("经理"), &org, "zh-Hans");

    let refusal = check_face(&face).expect_err("refused");

    assert_eq!(
        refusal,
        CardTextError::Undrawable(vec![
            ("org_name", vec![EXTENSION_I, '\u{0378}']),
            ("member_name", vec![EXTENSION_I]),
        ])
    );
    assert_eq!(refusal.characters(), vec![EXTENSION_I, '\u{0378}']);
    let message = refusal.to_string();
    assert!(
        message.contains("U+2EBF0") && message.contains("U+0378"),
        "{message}"
    );
}

#[test]
fn a_name_too_long_for_the_card_even_in_small_type_is_refused() {
    let long = "W".repeat(150);
    let face = face(&long, None, "Acme", "en");

    let refusal = check_face(&face).expect_err("refused");

    assert_eq!(refusal, CardTextError::DoesNotFit("member_name"));
    assert_eq!(refusal.code(), "text_does_not_fit");
}

#[test]
fn printing_refuses_what_issuing_refuses_but_the_image_is_still_drawn() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    let name = format!("李{EXTENSION_I}");
    let face = face(&name, None, "Acme", "zh-Hans");
    let blank = render_printable(
        &CardFace {
            name: "李", ..face
        },
        &m,
    );

    let png = printable_png(&face, &m);
    let drawn = render_printable(&face, &m);

    assert!(matches!(
        png,
        Err(QrError::Text(CardTextError::Undrawable(ref fields))) if fields[0].1 == vec![EXTENSION_I]
    ));
    // The missing character is drawn as the font's empty box, not skipped.
    assert_ne!(drawn, blank);
}

#[test]
fn hidden_formatting_characters_are_dropped_rather_than_refused() {
    let face = face(
        "Ann\u{202E}\u{200B} Lee\u{FEFF}",
        None,
        "Acme\u{2066}",
        "en",
    );

    assert_eq!(check_face(&face), Ok(()));
}
