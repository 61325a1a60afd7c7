//! Load generator for `POST /v1/scans` (run by `bench/scans/run.sh`).
//!
//! Uploads photos concurrently to a running server and, interleaved in the same run, decodes the
//! same photos in process with as many threads as the machine has cores, so the report is a
//! ratio: what the HTTP path (upload, decode, verify, policy, database) costs over the decode
//! alone. With `--burst N` it then sends N uploads at once and reports the server's peak memory.
//!
//! The photos: 12 MP phone photos of the owner's printable card (made with `scan::synth`), and
//! optionally every image of a folder (`--photos`).

use clap::Parser;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8098.
    #[arg(long)]
    base: String,
    /// Member token of the card owner (their printable card is photographed).
    #[arg(long)]
    owner_token: String,
    /// Member tokens of the scanning members (another organization); repeat the flag for several.
    /// Upload workers take them in turn: the server reads at most two uploads per member at once.
    #[arg(long, required = true)]
    scanner_token: Vec<String>,
    /// How many distinct 12 MP card photos to make.
    #[arg(long, default_value_t = 6)]
    card_photos: u64,
    /// Extra photos to upload (a folder of images).
    #[arg(long)]
    photos: Option<std::path::PathBuf>,
    /// Uploads in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Interleaved rounds (each: every photo once in process, then every photo once over HTTP).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The server's process id, to read its peak memory (VmHWM).
    #[arg(long)]
    server_pid: Option<u32>,
    /// After the rounds, send this many 12 MP uploads at once and report peak memory.
    #[arg(long, default_value_t = 0)]
    burst: usize,
}

/// Every JPEG, PNG or WebP under `dir`, recursively.
fn collect_images(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if path.is_dir() {
            collect_images(&path, out);
        } else if path.extension().is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().to_str(),
                Some("jpg" | "jpeg" | "png" | "webp")
            )
        }) {
            out.push(path);
        }
    }
}

fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Decodes every photo once on `threads` threads; returns the wall time.
fn decode_in_process(photos: &[Vec<u8>], threads: usize) -> Duration {
    let next = AtomicUsize::new(0);
    let limits = namecard::scan::ScanLimits::default();
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(photo) = photos.get(i) else { break };
                    let _ = std::hint::black_box(namecard::scan::decode_photo(photo, &limits));
                }
            });
        }
    });
    start.elapsed()
}

/// Uploads every photo once with `concurrency` in flight; returns wall time, latencies, statuses.
async fn upload_all(
    client: &reqwest::Client,
    url: &str,
    tokens: &[String],
    photos: &Arc<Vec<Vec<u8>>>,
    concurrency: usize,
) -> (Duration, Vec<Duration>, Vec<u16>) {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let token = tokens[worker % tokens.len()].clone();
        let (client, url) = (client.clone(), url.to_owned());
        let (photos, next) = (Arc::clone(photos), Arc::clone(&next));
        workers.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(photo) = photos.get(i) else { break };
                let part = reqwest::multipart::Part::bytes(photo.clone())
                    .file_name("photo.jpg")
                    .mime_str("image/jpeg")
                    .expect("mime");
                let t = Instant::now();
                let status = match client
                    .post(&url)
                    .bearer_auth(&token)
                    .multipart(reqwest::multipart::Form::new().part("photo", part))
                    .send()
                    .await
                {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        s
                    }
                    Err(_) => 0,
                };
                out.push((t.elapsed(), status));
            }
            out
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses = Vec::new();
    for w in workers {
        for (l, s) in w.await.expect("worker") {
            latencies.push(l);
            statuses.push(s);
        }
    }
    (start.elapsed(), latencies, statuses)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client");
    let printable = client
        .get(format!("{}/v1/me/card/printable", args.base))
        .bearer_auth(&args.owner_token)
        .send()
        .await
        .expect("printable card")
        .bytes()
        .await
        .expect("printable bytes");
    let printed = image::load_from_memory(&printable)
        .expect("the printable card is a PNG")
        .to_luma8();
    let mut photos: Vec<Vec<u8>> = (1..=args.card_photos)
        .map(|seed| {
            let params = namecard::scan::synth::PhotoParams {
                seed,
                ..Default::default()
            };
            namecard::scan::synth::phone_photo(&printed, &params)
        })
        .collect();
    let card_photos = photos.len();
    if let Some(dir) = &args.photos {
        let mut paths = Vec::new();
        collect_images(dir, &mut paths);
        paths.sort();
        photos.extend(paths.iter().filter_map(|p| std::fs::read(p).ok()));
    }
    let photos = Arc::new(photos);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let url = format!("{}/v1/scans", args.base);
    println!(
        "photos: {} ({} synthetic 12 MP cards, {:.1} MB in all); {} in-process threads; {} uploads in flight; {} rounds",
        photos.len(),
        card_photos,
        photos.iter().map(Vec::len).sum::<usize>() as f64 / 1e6,
        threads,
        args.concurrency,
        args.rounds
    );
    // Warm-up: one upload (creates the pending request; later scans answer already_pending).
    let _ = upload_all(
        &client,
        &url,
        &args.scanner_token,
        &Arc::new(vec![photos[0].clone()]),
        1,
    )
    .await;

    let (mut local, mut remote) = (Duration::ZERO, Duration::ZERO);
    let mut latencies = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for round in 1..=args.rounds {
        let photos_for_thread = Arc::clone(&photos);
        let l = tokio::task::spawn_blocking(move || decode_in_process(&photos_for_thread, threads))
            .await
            .expect("decode");
        let (r, lat, st) = upload_all(
            &client,
            &url,
            &args.scanner_token,
            &photos,
            args.concurrency,
        )
        .await;
        println!(
            "round {round}: in process {:.2}/s, over HTTP {:.2}/s",
            photos.len() as f64 / l.as_secs_f64(),
            photos.len() as f64 / r.as_secs_f64()
        );
        local += l;
        remote += r;
        latencies.extend(lat);
        for s in st {
            *statuses.entry(s).or_default() += 1;
        }
    }
    latencies.sort();
    let n = (photos.len() * args.rounds) as f64;
    let (local_rate, remote_rate) = (n / local.as_secs_f64(), n / remote.as_secs_f64());
    println!("in-process decode: {local_rate:.2} photos/s");
    println!(
        "POST /v1/scans:    {remote_rate:.2} scans/s, p50 {:.0} ms, p99 {:.0} ms, statuses {statuses:?}",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3
    );
    println!(
        "HTTP overhead: {:+.1}% (scans/s over HTTP vs in-process decodes/s)",
        (local_rate / remote_rate - 1.0) * 100.0
    );
    if let Some(pid) = args.server_pid
        && let Some(mb) = peak_rss_mb(pid)
    {
        println!("server peak RSS after the rounds: {mb:.0} MB");
    }
    if args.burst > 0 {
        let burst: Vec<Vec<u8>> = (0..args.burst)
            .map(|i| photos[i % card_photos].clone())
            .collect();
        let (wall, lat, st) = upload_all(
            &client,
            &url,
            &args.scanner_token,
            &Arc::new(burst),
            args.burst,
        )
        .await;
        let mut lat = lat;
        lat.sort();
        let mut counts = std::collections::BTreeMap::<u16, usize>::new();
        for s in st {
            *counts.entry(s).or_default() += 1;
        }
        println!(
            "burst of {} concurrent 12 MP uploads: {:.1} s, p99 {:.0} ms, statuses {counts:?}",
            args.burst,
            wall.as_secs_f64(),
            percentile(&lat, 0.99).as_secs_f64() * 1e3
        );
        if let Some(mb) = args.server_pid.and_then(peak_rss_mb) {
            println!("server peak RSS after the burst: {mb:.0} MB");
        }
    }
}
