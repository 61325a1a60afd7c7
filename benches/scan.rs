//! Criterion benchmarks of the scan module: every qr-photos image (decode only, image in
//! memory), a synthetic 12 MP card photo end to end (JPEG bytes -> payload), and the scan
//! module's hybrid binariser beside rxing's (same bit matrix) on that photo's working copy.
//! `NAMECARD_SHARED=/path/to/shared cargo bench --bench scan`; the corpus part is skipped when
//! the corpus is absent. `bench/scan/run.sh` compares against zxing-cpp in the same run.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use namecard::scan::synth::{PhotoParams, card_image, card_uri, phone_photo};
use namecard::scan::{
    CheckedUpload, DecodedImage, ScanLimits, binarize, cascade, corpus, decode_photo, scan_image,
};
use rxing::common::HybridBinarizer;
use rxing::{Binarizer, Luma8LuminanceSource};

fn corpus_photos(c: &mut Criterion) {
    let photos = match corpus::load_corpus() {
        Ok(Some(photos)) => photos,
        Ok(None) => {
            eprintln!("skipped: qr-photos corpus not found (set NAMECARD_SHARED)");
            return;
        }
        Err(error) => panic!("{error}"),
    };
    let limits = ScanLimits::default();
    let mut group = c.benchmark_group("scan_corpus");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_millis(500));
    for photo in photos.iter().filter(|p| !p.is_negative()) {
        let image = photo.decoded().expect("the photo decodes");
        group.bench_function(&photo.name, |b| {
            b.iter(|| scan_image(&image, Instant::now() + limits.time_budget));
        });
    }
    group.finish();
}

fn twelve_megapixel_card(c: &mut Criterion) {
    let uri = card_uri(1);
    let photo = phone_photo(&card_image(&uri, 1), &PhotoParams::default());
    let limits = ScanLimits::default();
    let mut group = c.benchmark_group("scan_12mp");
    group.sample_size(10);
    group.bench_function("card_jpeg_end_to_end", |b| {
        b.iter(|| {
            let report = decode_photo(&photo, &limits).expect("the card is read");
            assert_eq!(report.codes[0].text, uri);
        });
    });
    group.finish();
}

fn binarisers(c: &mut Criterion) {
    let photo = phone_photo(&card_image(&card_uri(1), 1), &PhotoParams::default());
    let limits = ScanLimits::default();
    let upload = CheckedUpload::check(&photo, &limits).expect("an image");
    let image = DecodedImage::decode(&upload, &limits).expect("decodes");
    // The cascade's working copy of a 12 MP photo (1344x1008).
    let work = cascade::shrink(image.luma(), 3);
    let (width, height) = (work.width() as usize, work.height() as usize);
    let mut group = c.benchmark_group("scan_binarize_1344x1008");
    group.sample_size(20);
    group.bench_function("namecard_fast_hybrid", |b| {
        b.iter(|| binarize::hybrid_black_matrix(work.as_raw(), width, height));
    });
    group.bench_function("rxing_hybrid", |b| {
        b.iter(|| {
            let source =
                Luma8LuminanceSource::new(work.as_raw().clone(), work.width(), work.height())
                    .expect("dimensions match");
            HybridBinarizer::new(source).get_black_matrix().is_ok()
        });
    });
    group.finish();
}

criterion_group!(benches, corpus_photos, twelve_megapixel_card, binarisers);
criterion_main!(benches);
