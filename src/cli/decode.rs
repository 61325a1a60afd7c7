//! `namecard decode PHOTO...`: prints the QR payloads found in each photo.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::scan::{self, ScanLimits};

/// Arguments of `namecard decode`.
#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// Photos to decode (JPEG, PNG, WebP, GIF or BMP).
    #[arg(required = true)]
    pub photos: Vec<PathBuf>,
    /// Print one JSON object per photo, with corners, timing and the cascade step.
    #[arg(long)]
    pub json: bool,
    /// Time budget per photo, e.g. `2s` or `500ms`.
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    pub time_budget: std::time::Duration,
}

/// Decodes each photo and prints what was found.
///
/// Exit code: 0 when every photo held a code, 1 when some held none (or were refused), 2 when
/// a file could not be read.
///
/// # Errors
/// When writing to standard output fails.
pub fn run(args: &DecodeArgs) -> anyhow::Result<ExitCode> {
    let limits = ScanLimits {
        time_budget: args.time_budget,
        ..ScanLimits::default()
    };
    let mut all_found = true;
    for path in &args.photos {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                return Ok(ExitCode::from(2));
            }
        };
        let result = scan::decode_photo(&bytes, &limits);
        all_found &= result.is_ok();
        let line = if args.json {
            json_line(path, &result)
        } else {
            text_line(path, &result)
        };
        println!("{line}");
    }
    std::io::Write::flush(&mut std::io::stdout()).context("writing to standard output")?;
    Ok(if all_found {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn text_line(path: &std::path::Path, result: &Result<scan::ScanReport, scan::ScanError>) -> String {
    match result {
        Ok(report) => report
            .codes
            .iter()
            .map(|code| format!("{}: {}", path.display(), code.text))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(error) => format!("{}: {} ({error})", path.display(), error.code()),
    }
}

fn json_line(path: &std::path::Path, result: &Result<scan::ScanReport, scan::ScanError>) -> String {
    let value = match result {
        Ok(report) => serde_json::json!({
            "photo": path.display().to_string(),
            "width": report.width,
            "height": report.height,
            "elapsed_ms": report.elapsed.as_secs_f64() * 1e3,
            "codes": report.codes.iter().map(|code| serde_json::json!({
                "text": code.text,
                "corners": code.corners.map(|(x, y)| [x, y]),
                "step": code.step,
            })).collect::<Vec<_>>(),
        }),
        Err(error) => serde_json::json!({
            "photo": path.display().to_string(),
            "error": { "code": error.code(), "message": error.to_string() },
        }),
    };
    value.to_string()
}
