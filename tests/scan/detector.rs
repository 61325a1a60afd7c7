//! The scan module's finder-pattern search and grid sampling (rxing's ported onto integer
//! cursors and a branch-free sampler) find exactly rxing's patterns and sample exactly rxing's
//! modules on real photos, so the ports change no read and no accuracy figure, only the time.
//! Skips with a message when the shared corpus is absent (set `NAMECARD_SHARED`).

use namecard::scan::binarize;
use namecard::scan::qr::{find_finder_patterns, finder_pattern_sets};
use namecard::scan::sample::sample_qr;
use rxing::common::DetectorRXingResult;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, SampleQR};

use crate::support::corpus_lumas;

#[test]
fn finder_patterns_and_sampled_modules_are_rxings_for_every_corpus_photo_and_its_negative() {
    let Some(photos) = corpus_lumas() else {
        return;
    };
    let (mut patterns_compared, mut grids_compared) = (0, 0);
    for (name, luma) in &photos {
        let (width, height) = (luma.width() as usize, luma.height() as usize);
        let Some(matrix) = binarize::hybrid_black_matrix(luma.as_raw(), width, height) else {
            continue;
        };
        let mut negative = matrix.clone();
        negative.flip_self();
        for (matrix, which) in [(&matrix, "positive"), (&negative, "negative")] {
            for try_harder in [false, true] {
                let what = format!("{} ({which}, try harder {try_harder})", name);
                let mut ours = find_finder_patterns(matrix, try_harder);
                assert_eq!(ours, FindFinderPatterns(matrix, try_harder, 0), "{what}");
                patterns_compared += ours.len();
                for set in finder_pattern_sets(&mut ours) {
                    let theirs = SampleQR(matrix, &set).ok();
                    let sampled = sample_qr(matrix, &set);
                    assert_eq!(sampled.is_some(), theirs.is_some(), "{what}: {set:?}");
                    if let (Some(sampled), Some(theirs)) = (sampled, theirs) {
                        assert!(&sampled.bits == theirs.getBits(), "{what}: modules differ");
                        assert_eq!(sampled.corners.as_slice(), theirs.getPoints(), "{what}");
                        grids_compared += 1;
                    }
                }
            }
        }
    }
    println!("{patterns_compared} finder patterns and {grids_compared} grids as rxing's");
    assert!(
        patterns_compared > 300,
        "only {patterns_compared} patterns compared"
    );
    assert!(grids_compared > 200, "only {grids_compared} grids compared");
}
