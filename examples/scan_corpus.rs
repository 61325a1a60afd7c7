//! Times the scan module on the qr-photos corpus or on given files, for `bench/scan/run.sh`.
//!
//! ```sh
//! NAMECARD_SHARED=/work/shared cargo run --release --example scan_corpus            # corpus
//! cargo run --release --example scan_corpus -- --steps                             # per step
//! cargo run --release --example scan_corpus -- --repeat 5 photo.jpg                # end to end
//! ```
//! Corpus mode times the decode only (image already in memory, like the zxing-cpp script);
//! file mode times bytes -> payload, including reading and decoding the file.

use std::time::{Duration, Instant};

use namecard::scan::{self, ScanLimits, cascade, corpus};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let repeat = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(3), |n| n.parse::<usize>().map_err(|e| e.to_string()))?;
    let files: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--repeat"))
        .map(|(_, a)| a)
        .collect();
    if !files.is_empty() {
        return time_files(&files, repeat);
    }
    let photos = corpus::load_corpus()?.ok_or("corpus not found: set NAMECARD_SHARED")?;
    if args.iter().any(|a| a == "--steps") {
        return per_step(&photos);
    }
    time_corpus(&photos, repeat)
}

fn time_corpus(photos: &[corpus::CorpusPhoto], repeat: usize) -> Result<(), String> {
    let (mut read, mut positives, mut negatives_clean, mut negatives, mut wrong) = (0, 0, 0, 0, 0);
    let mut times = Vec::new();
    for photo in photos {
        let image = photo.decoded()?;
        let mut best = Duration::MAX;
        let mut texts = Vec::new();
        let mut step = "-";
        for _ in 0..repeat.max(1) {
            let start = Instant::now();
            let result = scan::scan_image(&image, start + ScanLimits::default().time_budget);
            best = best.min(start.elapsed());
            if let Ok(report) = result {
                step = report.codes[0].step;
                texts = report.codes.into_iter().map(|c| c.text).collect();
            }
        }
        let ok = photo.is_read_by(&texts);
        wrong += photo.wrong_texts(&texts).len();
        if photo.is_negative() {
            negatives += 1;
            negatives_clean += usize::from(ok);
        } else {
            positives += 1;
            read += usize::from(ok);
            times.push(best);
        }
        println!(
            "photo\t{}\t{}\t{:.3}\t{step}",
            photo.name,
            if ok { "ok" } else { "MISS" },
            best.as_secs_f64() * 1e3
        );
    }
    times.sort();
    println!(
        "summary\tnamecard-scan\tread {read}/{positives}\tnegatives clean {negatives_clean}/{negatives}\twrong texts {wrong}\tmedian_ms {:.3}\tp95_ms {:.3}",
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );
    Ok(())
}

/// Nearest-rank percentile in milliseconds.
fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e3
}

fn per_step(photos: &[corpus::CorpusPhoto]) -> Result<(), String> {
    let only = std::env::var("SCAN_STEP").ok();
    for step in cascade::STEPS {
        if only.as_deref().is_some_and(|o| o != step.name) {
            continue;
        }
        let mut read = Vec::new();
        let mut wrong = 0;
        let mut total = Duration::ZERO;
        for photo in photos.iter().filter(|p| !p.is_negative()) {
            let image = photo.decoded()?;
            let start = Instant::now();
            let texts: Vec<String> = (step.run)(image.luma())
                .into_iter()
                .map(|c| c.text)
                .collect();
            total += start.elapsed();
            for text in photo.wrong_texts(&texts) {
                wrong += 1;
                println!("wrong\t{}\t{}\t{text:?}", step.name, photo.name);
            }
            if photo.is_read_by(&texts) {
                read.push(photo.name.clone());
            }
        }
        let negatives_hit = photos
            .iter()
            .filter(|p| p.is_negative())
            .filter(|p| p.decoded().is_ok_and(|i| !(step.run)(i.luma()).is_empty()))
            .count();
        println!(
            "step\t{}\tread {}\twrong {wrong}\tnegatives hit {negatives_hit}\ttotal_ms {:.1}",
            step.name,
            read.len(),
            total.as_secs_f64() * 1e3
        );
        println!("missed_by\t{}\t{:?}", step.name, {
            photos
                .iter()
                .filter(|p| !p.is_negative() && !read.contains(&p.name))
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
        });
    }
    Ok(())
}

fn time_files(files: &[&String], repeat: usize) -> Result<(), String> {
    let limits = ScanLimits::default();
    for file in files {
        let mut times = Vec::new();
        let mut outcome = String::new();
        for _ in 0..repeat.max(1) {
            let start = Instant::now();
            let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
            let result = scan::decode_photo(&bytes, &limits);
            times.push(start.elapsed());
            outcome = match result {
                Ok(report) => format!(
                    "ok\t{}\t{}",
                    report.codes[0].step,
                    report.codes[0]
                        .text
                        .chars()
                        .take(40)
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect::<String>()
                ),
                Err(e) => format!("error\t{}\t-", e.code()),
            };
        }
        times.sort();
        println!(
            "file\t{file}\t{outcome}\tmedian_ms {:.1}\tmin_ms {:.1}",
            percentile(&times, 0.5),
            times[0].as_secs_f64() * 1e3
        );
    }
    Ok(())
}
