//! Our own printable cards, photographed by a phone at 12 MP (rotated 15 degrees, in
//! perspective, blurred, under uneven light, JPEG quality 70), decode and verify.

use namecard::card::{VerifyOptions, verify_card};
use namecard::scan::synth::{PhotoParams, phone_photo};
use namecard::scan::{ScanLimits, decode_photo};

use crate::support::{NOW, keyset, printed_card};

#[test]
fn scan_decodes_12_megapixel_photos_of_three_printable_cards_that_then_verify() {
    let keyset = keyset();
    for seed in 1u64..=3 {
        let card = printed_card(seed);
        let photo = phone_photo(
            &card.image,
            &PhotoParams {
                seed,
                ..PhotoParams::default()
            },
        );

        let report = decode_photo(&photo, &ScanLimits::default()).expect("the card is read");

        assert_eq!(report.codes.len(), 1, "{}", card.name);
        assert_eq!(report.codes[0].text, card.text, "{}", card.name);
        let verified = verify_card(
            &report.codes[0].text,
            &keyset,
            None,
            &VerifyOptions::at(NOW),
        )
        .expect("the decoded card verifies");
        assert_eq!(verified.claims.member_name, card.name);
    }
}
