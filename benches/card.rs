//! Card issuing and verification beside raw ed25519-dalek, in one run so the ratio is fair.
//!
//! Times are the benchmark thread's CPU time (see `support/cpu_time.rs`).
//! Run: `cargo bench --bench card -- --warm-up-time 2 --measurement-time 6`.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::ThreadCpuTime;
use ed25519_dalek::{Signer as _, Verifier as _};
use namecard::card::keys::StrictKey;
use namecard::card::{
    CardRequest, Issuer, KeyRecord, Keyset, SigningKey, VerifyOptions, issue_card, verify_card,
};

const NOW: i64 = 1_763_800_000;

fn bench(c: &mut Criterion<ThreadCpuTime>) {
    let issuer = Issuer::parse("https://nc.example.com").unwrap();
    let key = SigningKey::from_seed(&[3; 32]);
    let keyset = Keyset::new(issuer.clone(), vec![KeyRecord::active(&key, NOW)]).unwrap();
    let request = CardRequest {
        org_id: 10_482,
        org_name: "深圳华星光电技术有限公司".into(),
        member_id: 31_905,
        member_name: "张伟明".into(),
        title: Some("销售总监".into()),
        not_before: None,
        expires_at: NOW + 30 * 86_400,
        one_time: false,
        channel: None,
    };
    let card = issue_card(&issuer, &key, &request, NOW).unwrap();
    let opts = VerifyOptions::at(NOW);

    // The same number of signed bytes as a card's signed message (context + issuer + body).
    let raw = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let message = vec![0x5a_u8; 17 + 1 + 22 + 99];
    let signature = raw.sign(&message);
    let public = raw.verifying_key();

    let mut g = c.benchmark_group("card");
    g.bench_function("raw ed25519-dalek sign", |b| {
        b.iter(|| raw.sign(black_box(&message)))
    });
    g.bench_function("issue_card", |b| {
        b.iter(|| issue_card(&issuer, &key, black_box(&request), NOW).unwrap())
    });
    g.bench_function("raw ed25519-dalek verify_strict", |b| {
        b.iter(|| {
            public
                .verify_strict(black_box(&message), &signature)
                .unwrap()
        })
    });
    // The keyset's verifier: the same decisions as verify_strict (tests/card_strict_verification.rs).
    let strict = StrictKey::new(&public).unwrap();
    let sig_bytes = signature.to_bytes();
    g.bench_function("StrictKey::verify (per-key table)", |b| {
        b.iter(|| assert!(strict.verify(black_box(&message), &sig_bytes)))
    });
    g.bench_function("StrictKey::verify_once (no table)", |b| {
        b.iter(|| assert!(strict.verify_once(black_box(&message), &sig_bytes)))
    });
    g.bench_function("raw ed25519-dalek verify", |b| {
        b.iter(|| public.verify(black_box(&message), &signature).unwrap())
    });
    g.bench_function("verify_card", |b| {
        b.iter(|| verify_card(black_box(&card.text), &keyset, None, &opts).unwrap())
    });
    g.finish();
    interleaved_ratio(&card.text, &keyset, &opts, &public, &message, &signature);
}

/// The verify ratio measured side by side: alternating batches of raw `verify_strict` and
/// `verify_card` in one loop, so load and frequency changes hit both alike. Prints the ratio
/// of their summed CPU times (the budget is 1.2).
fn interleaved_ratio(
    text: &str,
    keyset: &Keyset,
    opts: &VerifyOptions,
    public: &ed25519_dalek::VerifyingKey,
    message: &[u8],
    signature: &ed25519_dalek::Signature,
) {
    use criterion::measurement::Measurement as _;
    let clock = ThreadCpuTime;
    let (mut raw, mut ours) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    const ROUNDS: usize = 400;
    const BATCH: usize = 25;
    for _ in 0..ROUNDS {
        let t = clock.start();
        for _ in 0..BATCH {
            public.verify_strict(black_box(message), signature).unwrap();
        }
        raw += clock.end(t);
        let t = clock.start();
        for _ in 0..BATCH {
            verify_card(black_box(text), keyset, None, opts).unwrap();
        }
        ours += clock.end(t);
    }
    let n = (ROUNDS * BATCH) as f64;
    println!(
        "interleaved: verify_strict {:.1} µs, verify_card {:.1} µs, ratio {:.3}",
        raw.as_nanos() as f64 / n / 1e3,
        ours.as_nanos() as f64 / n / 1e3,
        ours.as_secs_f64() / raw.as_secs_f64()
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = bench
}
criterion_main!(benches);
