//! QR rendering costs, side by side in one run:
//!
//! - encoding a 270-character alphanumeric card URI with raw `fast_qr`, with our
//!   `QrMatrix::encode` (budget: at most 1.2x raw `fast_qr`) and with the `qrcode` crate;
//! - `render_png` at 8 px per module (budget: at most 0.3 ms on top of encoding), `render_svg`,
//!   and the printable card PNG (budget: at most 10 ms) in several scripts, and the check that
//!   issuing runs before signing (`check_face`).
//!
//! Run with `cargo bench --bench qr -- --warm-up-time 1 --measurement-time 3`; results are in
//! `BENCHMARKS.md`.
//!
//! Times are the benchmark thread's CPU time, not wall-clock time: the machine's two cores are
//! shared with other builds, and waiting for a core would otherwise count as our cost. Everything
//! measured here runs on the calling thread, so CPU time is the whole cost.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::ThreadCpuTime;
use namecard::qr::{
    CardFace, Ecc, Lang, QrMatrix, check_face, printable_png, render_png, render_svg,
};

/// A card URI shaped like the ones `card` issues: uppercase, QR-alphanumeric, 270 characters.
fn card_uri() -> String {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$%*+-./:";
    let mut uri = String::from("HTTPS://NC.EXAMPLE.COM/C/");
    let mut i = 7_usize;
    while uri.len() < 270 {
        i = (i * 31 + 17) % 997;
        uri.push(char::from(alphabet[i % alphabet.len()]));
    }
    uri
}

type Cpu = Criterion<ThreadCpuTime>;

fn encode(c: &mut Cpu) {
    let uri = card_uri();
    let mut group = c.benchmark_group("encode_270_char_uri");
    group.bench_function("fast_qr_raw", |b| {
        b.iter(|| {
            fast_qr::QRBuilder::new(black_box(uri.as_bytes()))
                .ecl(fast_qr::ECL::M)
                .build()
                .map(|code| code.size)
        })
    });
    group.bench_function("qr_matrix_encode", |b| {
        b.iter(|| QrMatrix::encode(black_box(&uri), Ecc::M).map(|m| m.width()))
    });
    group.bench_function("qrcode_crate", |b| {
        b.iter(|| {
            qrcode::QrCode::with_error_correction_level(black_box(&uri), qrcode::EcLevel::M)
                .map(|code| code.width())
        })
    });
    group.finish();
}

fn render(c: &mut Cpu) {
    let uri = card_uri();
    let m = QrMatrix::encode(&uri, Ecc::M).expect("a card URI fits");
    let lang = |tag: &str| Lang::parse(tag).expect("a valid tag");
    let face = CardFace {
        name: "张伟明",
        title: Some("销售总监"),
        organization: "深圳市华星光电技术有限公司",
        footer: Some("扫码添加名片 · Scan to add my card"),
        lang: lang("zh-Hans"),
    };
    // Issue 18's first example, a long Latin name that wraps, and two scripts that need shaping.
    let others = [
        (
            "zh_hant",
            CardFace::with_scan_prompt(
                "王喆 陳昇",
                Some("資深工程師"),
                "臺灣積體電路製造股份有限公司",
                lang("zh-Hant-TW"),
            ),
        ),
        (
            "long_latin",
            CardFace::with_scan_prompt(
                "Maximilian Alexander von Hohenzollern-Sigmaringen",
                Some("Senior Vice President, Global Strategic Partnerships and Alliances"),
                "Internationale Handelsgesellschaft für Präzisionsinstrumente GmbH & Co. KG",
                lang("de"),
            ),
        ),
        (
            "arabic",
            CardFace::with_scan_prompt(
                "محمد عبد الله",
                Some("مدير المبيعات"),
                "شركة أرامكو السعودية",
                lang("ar"),
            ),
        ),
        (
            "devanagari",
            CardFace::with_scan_prompt(
                "श्रीनिवास रामानुजन्",
                Some("मुख्य अभियंता"),
                "टाटा कंसल्टेंसी सर्विसेज",
                lang("hi"),
            ),
        ),
    ];
    let mut group = c.benchmark_group("render_270_char_uri");
    group.bench_function("png_8px", |b| b.iter(|| render_png(black_box(&m), 8)));
    group.bench_function("encode_then_png_8px", |b| {
        b.iter(|| QrMatrix::encode(black_box(&uri), Ecc::M).and_then(|m| render_png(&m, 8)))
    });
    group.bench_function("svg_8px", |b| b.iter(|| render_svg(black_box(&m), 8)));
    group.bench_function("printable_png", |b| {
        b.iter(|| printable_png(black_box(&face), black_box(&m)))
    });
    for (name, face) in &others {
        group.bench_function(format!("printable_png_{name}"), |b| {
            b.iter(|| printable_png(black_box(face), black_box(&m)))
        });
    }
    group.bench_function("check_face", |b| b.iter(|| check_face(black_box(&face))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = encode, render
}
criterion_main!(benches);
