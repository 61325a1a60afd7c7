//! Every script a card may hold, drawn through the layout engine: no missing glyph, a plausible
//! width as laid out, right-to-left where it should be, and a golden card per script.

use namecard::qr::text::{self, Lang, TextStyle, Weight};
use namecard::qr::{Ecc, QrMatrix, card_text, check_face, printable_png, render_printable};

use crate::support::{assert_matches_golden, card_uri, face};

/// Samples per script: (language, texts). Names, titles and companies as people write them.
const SAMPLES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "José Ñúñez",
            "Zoë Brontë",
            "François Lefèvre",
            "Ærøskøbing Ågesen",
        ],
    ),
    ("pl", &["Łukasz Żółć", "Grzegorz Brzęczyszczykiewicz"]),
    ("cs", &["Antonín Dvořák", "Šťastný Ďuriš"]),
    ("ro", &["Țuțea Ștefănescu"]),
    ("tr", &["Ğüneş Işık İnce"]),
    ("vi", &["Nguyễn Thị Hương", "Đặng Văn Ánh", "Trần Hưng Đạo"]),
    // Decomposed: base letters and combining marks, positioned by the font's mark feature.
    (
        "vi",
        &["Nguye\u{0302}\u{0303}n", "Jose\u{0301} A\u{030A}gesen"],
    ),
    ("el", &["Γιώργος Παπαδόπουλος", "Ἀλέξανδρος Ὀδυσσεύς"]),
    ("ru", &["Дмитрий Иванов", "Генеральный директор"]),
    ("uk", &["Олександр Ґудзь"]),
    ("sr", &["Ђорђе Љубичић"]),
    ("kk", &["Әлия Нұрғали", "Ўзбек Қодиров Ҳасан"]),
    (
        "zh-Hans",
        &[
            "张伟明",
            "深圳市华星光电技术有限公司",
            "欧阳娜娜 司马懿 诸葛亮",
        ],
    ),
    (
        "zh-Hant-TW",
        &["王喆 陳昇", "資深工程師", "臺灣積體電路製造股份有限公司"],
    ),
    ("zh-Hant-HK", &["陳大文", "香港鐵路有限公司", "𨋢"]),
    ("zh", &["喆 堃 昇 龑 䶮", "𠀋 𡈽 𩸽"]),
    (
        "ja",
        &[
            "山田 太郎",
            "株式会社ソニー",
            "ヴァイオリン・コンサート",
            "ｿﾆｰ",
        ],
    ),
    ("ko", &["김민준", "삼성전자", "ᄒᆞᆫ글"]),
    (
        "ar",
        &[
            "محمد عبد الله",
            "شركة أرامكو السعودية",
            "مدير المبيعات ٢٠٢٤",
        ],
    ),
    ("fa", &["مهسا امینی", "می‌خواهم"]),
    ("ur", &["عمران خان"]),
    ("he", &["דוד בן־גוריון", "שרה לוי"]),
    ("hi", &["नरेन्द्र मोदी", "श्रीनिवास रामानुजन्", "मुख्य अभियंता"]),
    (
        "th",
        &["สมชาย ใจดี", "บริษัท ไทยเบฟเวอเรจ จำกัด", "ผู้จัดการฝ่ายขาย"],
    ),
];

fn style(weight: Weight) -> TextStyle {
    TextStyle {
        weight,
        max_px: 40.0,
        min_px: 40.0,
        line_height: 1.2,
        max_lines: 1,
        color: image::Rgb([0, 0, 0]),
    }
}

#[test]
fn every_script_sample_has_every_glyph_in_both_weights() {
    for &(tag, texts) in SAMPLES {
        let lang = Lang::parse(tag).expect("valid tag");
        for text in texts {
            for weight in [Weight::Regular, Weight::Bold] {
                assert_eq!(
                    text::undrawable(text, weight, lang),
                    Vec::<char>::new(),
                    "{tag} {text} {weight:?}"
                );
            }
        }
    }
}

#[test]
fn every_script_sample_lays_out_on_one_line_at_a_plausible_width() {
    for &(tag, texts) in SAMPLES {
        let lang = Lang::parse(tag).expect("valid tag");
        for text in texts {
            let fitted = text::fit(text, &style(Weight::Regular), lang, 10_000.0, 100.0);

            let chars = text.chars().count() as f32;
            let em_per_char = fitted.width() / fitted.px() / chars;
            assert_eq!(fitted.line_count(), 1, "{text}");
            assert!(fitted.missing().is_empty() && !fitted.is_cut(), "{text}");
            // Combining marks and joined letters take no or little room of their own; no
            // glyph is wider than a full em square.
            assert!(
                (0.2..=1.05).contains(&em_per_char),
                "{tag} {text}: {em_per_char}"
            );
        }
    }
}

#[test]
fn arabic_and_hebrew_lay_out_right_to_left_and_latin_left_to_right() {
    let rtl = |text: &str, tag: &str| {
        text::fit(
            text,
            &style(Weight::Regular),
            Lang::parse(tag).unwrap(),
            1000.0,
            100.0,
        )
        .is_rtl()
    };
    assert!(rtl("محمد عبد الله", "ar"));
    assert!(rtl("דוד בן־גוריון", "he"));
    assert!(!rtl("José Ñúñez", "es"));
    assert!(!rtl("山田 太郎", "ja"));
}

#[test]
fn a_script_outside_the_bundled_fonts_is_drawn_with_an_installed_font() {
    // Cherokee is in none of the bundled fonts; Debian's fonts-noto-core installs a font for it.
    let installed = "/usr/share/fonts/truetype/noto/NotoSansCherokee-Regular.ttf";
    if !std::path::Path::new(installed).exists() {
        eprintln!("skipped: {installed} is not installed");
        return;
    }

    let missing = text::undrawable("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ", Weight::Regular, Lang::parse("chr").unwrap());

    assert_eq!(missing, Vec::<char>::new());
}

fn glyphs(text: &str, tag: &str) -> Vec<u32> {
    let lang = Lang::parse(tag).unwrap();
    let fitted = text::fit(text, &style(Weight::Regular), lang, 10_000.0, 100.0);
    fitted.glyph_ids().concat()
}

#[test]
fn arabic_letters_take_their_joining_forms_and_run_right_to_left() {
    let isolated: Vec<u32> = ["م", "ح", "م", "د"]
        .iter()
        .flat_map(|letter| glyphs(letter, "ar"))
        .collect();

    let joined = glyphs("محمد", "ar");

    assert_eq!(joined.len(), 4);
    // Visual order is right to left: the final dal comes first. Its final form differs from
    // the isolated one, as do the initial mim and the medial forms.
    assert_ne!(joined[0], isolated[3]);
    assert_ne!(joined[3], isolated[0]);
    assert_ne!(joined[1..3], isolated[1..3]);
}

#[test]
fn devanagari_conjuncts_and_thai_marks_are_shaped_by_the_font() {
    // श्री is four code points (श ् र ी): the font draws the conjunct श्र as one glyph of its
    // own, then the vowel sign.
    let shri = glyphs("श्री", "hi");
    let letters: Vec<u32> = ["श", "्", "र", "ी"]
        .iter()
        .flat_map(|c| glyphs(c, "hi"))
        .collect();
    assert_eq!(shri.len(), 2, "{shri:?}");
    assert!(!letters.contains(&shri[0]), "{shri:?} {letters:?}");
    // Thai: the tone mark over ผู้ stays one glyph per code point, placed by the font.
    assert_eq!(glyphs("ผู้", "th").len(), 3);
}

/// One golden card per script, and its text printed whole.
const CARDS: &[(&str, &str, Option<&str>, &str, &str)] = &[
    (
        "printable_zh_hant_example.png",
        "王喆 陳昇",
        Some("資深工程師"),
        "臺灣積體電路製造股份有限公司",
        "zh-Hant-TW",
    ),
    (
        "printable_ja_ko_example.png",
        "山田 太郎 김민준",
        None,
        "株式会社ソニー / 삼성전자",
        "ja",
    ),
    (
        "printable_latin_greek_cyrillic.png",
        "Nguyễn Thị Hương",
        Some("Γενική Διευθύντρια · Генеральный директор"),
        "Łódzkie Zakłady Włókiennicze Ærø & Søn",
        "vi",
    ),
    (
        "printable_arabic.png",
        "محمد عبد الله",
        Some("مدير المبيعات"),
        "شركة أرامكو السعودية",
        "ar",
    ),
    (
        "printable_hebrew.png",
        "דוד בן־גוריון",
        Some("מנהל מכירות"),
        "התעשייה האווירית לישראל",
        "he",
    ),
    (
        "printable_devanagari.png",
        "श्रीनिवास रामानुजन्",
        Some("मुख्य अभियंता"),
        "टाटा कंसल्टेंसी सर्विसेज",
        "hi",
    ),
    (
        "printable_thai.png",
        "สมชาย ใจดี",
        Some("ผู้จัดการฝ่ายขาย"),
        "บริษัท ไทยเบฟเวอเรจ จำกัด",
        "th",
    ),
];

#[test]
fn a_card_in_each_script_matches_its_golden_image() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    for &(golden, name, title, org, tag) in CARDS {
        let face = face(name, title, org, tag);
        assert_matches_golden(&render_printable(&face, &m), golden);
    }
}

#[test]
fn a_card_in_each_script_prints_exactly_its_name_title_and_organization() {
    let m = QrMatrix::encode(&card_uri(), Ecc::M).expect("fits");
    for &(golden, name, title, org, tag) in CARDS {
        let face = face(name, title, org, tag);

        let text = card_text(&face, &m);

        assert_eq!(check_face(&face), Ok(()), "{golden}");
        assert!(printable_png(&face, &m).is_ok(), "{golden}");
        let printed = |field: &str| {
            text.iter()
                .find(|f| f.field == field)
                .map(|f| f.lines.concat())
        };
        assert_eq!(printed("member_name").as_deref(), Some(name), "{golden}");
        assert_eq!(printed("title").as_deref(), title, "{golden}");
        assert_eq!(printed("org_name").as_deref(), Some(org), "{golden}");
        assert_eq!(
            printed("footer").as_deref(),
            Some(face.lang.scan_prompt()),
            "{golden}"
        );
    }
}
