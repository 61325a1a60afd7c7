//! Our own printable cards, photographed by a phone at 12 MP (rotated 15 degrees, in
//! perspective, blurred, under uneven light, JPEG quality 70), decode and verify.

use namecard::card::{
    CardRequest, Issuer, KeyRecord, Keyset, SigningKey, VerifyOptions, issue_card, verify_card,
};
use namecard::qr::{CardFace, Ecc, QrMatrix, render_printable};
use namecard::scan::synth::{PhotoParams, phone_photo};
use namecard::scan::{ScanLimits, decode_photo};

const NOW: i64 = 1_763_800_000;

#[test]
fn scan_decodes_12_megapixel_photos_of_three_printable_cards_that_then_verify() {
    let issuer = Issuer::parse("https://nc.example.com").expect("valid issuer");
    let key = SigningKey::from_seed(&[7; 32]);
    let keyset =
        Keyset::new(issuer.clone(), vec![KeyRecord::active(&key, NOW)]).expect("valid keyset");
    let members = [
        ("张伟明", "深圳华星光电技术有限公司", Some("销售总监")),
        (
            "Ana García-Müller",
            "Nordlicht Logistik GmbH",
            Some("Head of Procurement"),
        ),
        ("李娜", "北京云帆科技有限公司", None),
    ];
    for (seed, (name, org, title)) in (1u64..).zip(members) {
        let request = CardRequest {
            org_id: 10_000 + seed,
            org_name: org.into(),
            member_id: 3_190_000 + seed,
            member_name: name.into(),
            title: title.map(Into::into),
            not_before: None,
            expires_at: NOW + 365 * 86_400,
            one_time: false,
            channel: None,
        };
        let card = issue_card(&issuer, &key, &request, NOW).expect("issued");
        let face = CardFace {
            name,
            title,
            organization: org,
            footer: Some("Scan to add me"),
            lang: Default::default(),
        };
        let matrix = QrMatrix::encode(&card.text, Ecc::M).expect("fits");
        let printed = image::DynamicImage::ImageRgb8(render_printable(&face, &matrix)).to_luma8();
        let photo = phone_photo(
            &printed,
            &PhotoParams {
                seed,
                ..PhotoParams::default()
            },
        );

        let report = decode_photo(&photo, &ScanLimits::default()).expect("the card is read");

        assert_eq!(report.codes.len(), 1, "{name}");
        assert_eq!(report.codes[0].text, card.text, "{name}");
        let verified = verify_card(
            &report.codes[0].text,
            &keyset,
            None,
            &VerifyOptions::at(NOW),
        )
        .expect("the decoded card verifies");
        assert_eq!(verified.claims.member_name, name);
    }
}
