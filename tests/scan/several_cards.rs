//! A photo of a trade-fair table with several printable cards: every code is found, each with
//! corners on its own card.

use namecard::scan::synth::{Placement, Scene, photograph, table_corners};
use namecard::scan::{ScanLimits, decode_photo};

use crate::support::printed_card;

/// Whether `p` lies inside the convex quadrilateral `quad` (corners in order, either winding).
fn inside(p: (f32, f32), quad: &[(f32, f32); 4]) -> bool {
    let sides: Vec<f32> = (0..4)
        .map(|i| {
            let (a, b) = (quad[i], quad[(i + 1) % 4]);
            (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0)
        })
        .collect();
    sides.iter().all(|&s| s > 0.0) || sides.iter().all(|&s| s < 0.0)
}

#[test]
fn scan_finds_every_card_on_a_table_each_with_corners_on_its_own_card() {
    for (count, seed) in [(3usize, 11u64), (4, 12)] {
        let cards: Vec<_> = (0..count as u64).map(|i| printed_card(seed + i)).collect();
        let (width, height) = cards[0].image.dimensions();
        let layout = table_corners(count, width, height, seed);
        let placements: Vec<Placement<'_>> = cards
            .iter()
            .zip(&layout)
            .map(|(card, corners)| Placement {
                card: &card.image,
                corners: *corners,
                bend: 0.0,
            })
            .collect();
        let photo = photograph(
            &placements,
            &Scene {
                blur_sigma: 1.5,
                seed,
                ..Scene::default()
            },
            70,
        );

        let report = decode_photo(&photo, &ScanLimits::default()).expect("cards are read");

        assert_eq!(report.codes.len(), count, "{count} cards, seed {seed}");
        for (card, quad) in cards.iter().zip(&layout) {
            let code = report
                .codes
                .iter()
                .find(|c| c.text == card.text)
                .unwrap_or_else(|| panic!("{}'s card is read", card.name));
            let centre = code
                .corners
                .iter()
                .fold((0.0, 0.0), |(x, y), p| (x + p.0 / 4.0, y + p.1 / 4.0));
            assert!(
                inside(centre, quad),
                "{}: {centre:?} in {quad:?}",
                card.name
            );
            for corner in code.corners {
                assert!(
                    inside(corner, quad),
                    "{}: {corner:?} in {quad:?}",
                    card.name
                );
            }
        }
    }
}
