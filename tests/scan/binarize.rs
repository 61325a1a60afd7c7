//! The scan module's own hybrid binariser yields exactly rxing's bit matrix on real photos,
//! so replacing rxing's (slower) one changes no detector's input and no accuracy figure.
//! Skips with a message when the shared corpus is absent (set `NAMECARD_SHARED`).

use namecard::scan::binarize;
use rxing::common::HybridBinarizer;
use rxing::{Binarizer, Luma8LuminanceSource};

use crate::support::corpus_lumas;

#[test]
fn the_fast_binarizer_gives_rxings_bit_matrix_for_every_corpus_photo() {
    let Some(photos) = corpus_lumas() else {
        return;
    };
    let mut compared = 0;
    for (name, luma) in &photos {
        let (width, height) = (luma.width() as usize, luma.height() as usize);
        let Some(ours) = binarize::hybrid_black_matrix(luma.as_raw(), width, height) else {
            assert!(width < 40 || height < 40, "{}: refused", name);
            continue;
        };
        let source = Luma8LuminanceSource::new(luma.as_raw().clone(), luma.width(), luma.height())
            .expect("dimensions match");
        let binarizer = HybridBinarizer::new(source);
        let theirs = binarizer.get_black_matrix().expect("binarises");
        assert!(&ours == theirs, "{}: bit matrices differ", name);
        compared += 1;
    }
    println!("{compared} photos binarised identically");
    assert!(compared > 100, "only {compared} photos compared");
}
