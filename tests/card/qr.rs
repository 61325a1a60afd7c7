//! Cards as QR codes: the QR version a typical card needs, and issue -> PNG -> decode -> verify.

use namecard::card::{
    CardRequest, Issuer, KeyRecord, Keyset, SigningKey, VerifyOptions, issue_card, verify_card,
};
use namecard::qr::{self, Ecc, QrMatrix};
use namecard::scan::{self, ScanLimits};

const NOW: i64 = 1_763_800_000;

/// The issue's typical card: a 3-character Chinese name, a 12-character Chinese company, a
/// 4-character title, base URL https://nc.example.com.
fn typical_card(key: &SigningKey) -> namecard::card::IssuedCard {
    let request = CardRequest {
        org_id: 10_482,
        org_name: "深圳华星光电技术有限公司".into(),
        member_id: 3_190_554,
        member_name: "张伟明".into(),
        title: Some("销售总监".into()),
        not_before: None,
        expires_at: NOW + 365 * 86_400,
        one_time: false,
        channel: None,
    };
    assert_eq!(request.org_name.chars().count(), 12);
    issue_card(
        &Issuer::parse("https://nc.example.com").unwrap(),
        key,
        &request,
        NOW,
    )
    .unwrap()
}

fn keyset_of(key: &SigningKey) -> Keyset {
    let issuer = Issuer::parse("https://nc.example.com").unwrap();
    Keyset::new(issuer, vec![KeyRecord::active(key, NOW)]).unwrap()
}

/// Reads the only code in an image and verifies it.
fn decode_and_verify(png: &[u8], keyset: &Keyset) -> namecard::card::CardClaims {
    let report = scan::decode_photo(png, &ScanLimits::default()).unwrap();
    assert_eq!(report.codes.len(), 1);
    verify_card(&report.codes[0].text, keyset, None, &VerifyOptions::at(NOW))
        .unwrap()
        .claims
}

/// QR version the `qrcode` crate (which splits text into optimal mode segments) needs at ECC M.
fn optimal_version(text: &[u8]) -> i16 {
    match qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .unwrap()
        .version()
    {
        qrcode::Version::Normal(v) => v,
        qrcode::Version::Micro(v) => -v,
    }
}

#[test]
fn a_typical_card_fits_qr_version_10_at_ecc_m_and_beats_the_other_encodings() {
    use base64::Engine as _;
    let key = SigningKey::from_seed(&[1; 32]);
    let card = typical_card(&key);
    let prefix = "HTTPS://NC.EXAMPLE.COM/C/";
    let body = namecard::card::format::decode_text(&card.text[prefix.len()..]).unwrap();
    let ours = QrMatrix::encode(&card.text, Ecc::M).unwrap().version();

    let b64url = format!(
        "https://nc.example.com/c/{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&body)
    );
    let b64 = format!(
        "https://nc.example.com/c/{}",
        base64::engine::general_purpose::STANDARD.encode(&body)
    );
    // SMART Health Cards: each base64url character as two digits (value + 45... here 0-63).
    let shc: String = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(&body)
        .bytes()
        .map(|c| {
            let v = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                .iter()
                .position(|&a| a == c)
                .unwrap();
            format!("{v:02}")
        })
        .collect();
    let shc = format!("https://nc.example.com/c/{shc}");
    let rows = [
        (
            "base-41, one alphanumeric segment (ours)",
            card.text.len(),
            i16::from(ours),
        ),
        (
            "base64url, byte mode",
            b64url.len(),
            optimal_version(b64url.as_bytes()),
        ),
        (
            "base64, byte mode",
            b64.len(),
            optimal_version(b64.as_bytes()),
        ),
        (
            "SHC-style digits, byte + numeric segments",
            shc.len(),
            optimal_version(shc.as_bytes()),
        ),
    ];
    println!("body {} bytes (signature included)", body.len());
    println!("| encoding | characters | QR version at ECC M |");
    for (name, len, version) in rows {
        println!("| {name} | {len} | {version} |");
    }
    assert!(ours <= 10, "typical card needs version {ours}");
    for (name, _, version) in &rows[1..] {
        assert!(i16::from(ours) <= *version, "{name} needs fewer modules");
    }
}

#[test]
fn an_issued_card_rendered_to_png_decodes_and_verifies() {
    let key = SigningKey::generate();
    let keyset = keyset_of(&key);
    let card = typical_card(&key);
    for ecc in [Ecc::L, Ecc::M, Ecc::Q, Ecc::H] {
        let png = qr::render_png(&QrMatrix::encode(&card.text, ecc).unwrap(), 6).unwrap();
        assert_eq!(decode_and_verify(&png, &keyset), card.claims, "ECC {ecc:?}");
    }
}

#[test]
fn a_printable_card_decodes_and_verifies() {
    let key = SigningKey::generate();
    let keyset = keyset_of(&key);
    let card = typical_card(&key);
    let c = &card.claims;
    let face = qr::CardFace {
        name: &c.member_name,
        title: c.title.as_deref(),
        organization: &c.org_name,
        footer: None,
        lang: qr::Lang::default(),
    };
    let png = qr::printable_png(&face, &QrMatrix::encode(&card.text, Ecc::M).unwrap()).unwrap();
    assert_eq!(decode_and_verify(&png, &keyset), card.claims);
}
