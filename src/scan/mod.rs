//! Reading QR codes from photos: upload bytes -> [`CheckedUpload`] (size, format and header
//! dimensions within [`ScanLimits`]) -> [`DecodedImage`] (upright grayscale, decoded under a
//! memory limit) -> the QR payloads found by a decoding cascade ([`cascade::STEPS`]).
//!
//! The server and the CLI both call [`decode_photo`]. Every refusal is a [`ScanError`] with a
//! stable code; no photo can panic the caller (third-party decoders run under `catch_unwind`).

pub mod binarize;
pub mod cascade;
mod concentric;
mod contain;
#[doc(hidden)]
pub mod corpus;
mod error;
pub mod qr;
mod reed_solomon;
pub mod sample;
#[doc(hidden)]
pub mod synth;
pub mod text;
mod upload;

use std::time::{Duration, Instant};

pub use error::ScanError;
pub use upload::{ACCEPTED_FORMATS, CheckedUpload, DecodedImage};

/// What an upload may cost before it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanLimits {
    /// Largest upload accepted, in bytes.
    pub max_bytes: usize,
    /// Most pixels (width x height, read from the header) accepted for decoding.
    pub max_pixels: u64,
    /// Most bytes the image decoder may allocate (`image::Limits::max_alloc`).
    pub max_alloc: u64,
    /// Wall-clock budget for one photo; the cascade stops trying fallbacks once it is spent.
    pub time_budget: Duration,
}

impl Default for ScanLimits {
    /// 20 MB uploads, 50 MP images (a 48 MP phone sensor fits), 256 MB decoder allocations
    /// (a 12 MP JPEG needs 12 MB as luma), and 2 s per photo.
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_alloc: 256 * 1024 * 1024,
            time_budget: Duration::from_secs(2),
        }
    }
}

/// One QR code found in a photo.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundCode {
    /// The payload as text (non-UTF-8 payloads converted, see [`text`]).
    pub text: String,
    /// Corners in upright-image pixels, clockwise from the one nearest the image's top-left
    /// (for an unrotated code: top-left, top-right, bottom-right, bottom-left).
    pub corners: [(f32, f32); 4],
    /// The cascade step that found it (see [`cascade::STEPS`]).
    pub step: &'static str,
}

/// Everything found in one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanReport {
    /// The codes found, at least one.
    pub codes: Vec<FoundCode>,
    /// Width of the upright image, in pixels.
    pub width: u32,
    /// Height of the upright image, in pixels.
    pub height: u32,
    /// Time from bytes to codes.
    pub elapsed: Duration,
}

/// Finds every QR code in a photo's bytes (JPEG, PNG, WebP, GIF or BMP).
///
/// # Errors
/// A [`ScanError`]: the upload is too big, not an image, in an unsupported format, truncated,
/// corrupt, too many pixels, holds no readable QR code, or the time budget ran out.
pub fn decode_photo(bytes: &[u8], limits: &ScanLimits) -> Result<ScanReport, ScanError> {
    let start = Instant::now();
    let upload = CheckedUpload::check(bytes, limits)?;
    let image = DecodedImage::decode(&upload, limits)?;
    let mut report = scan_image(&image, start + limits.time_budget)?;
    report.elapsed = start.elapsed();
    Ok(report)
}

/// Runs the decoding cascade on an already decoded image, trying fallbacks until `deadline`.
///
/// # Errors
/// `NoQrFound`, or `TimeBudgetExceeded` when the deadline passed before the cascade finished.
pub fn scan_image(image: &DecodedImage, deadline: Instant) -> Result<ScanReport, ScanError> {
    let start = Instant::now();
    let luma = image.luma();
    let result = cascade::run(luma, deadline);
    if result.codes.is_empty() {
        return Err(if result.budget_ran_out {
            ScanError::TimeBudgetExceeded
        } else {
            ScanError::NoQrFound
        });
    }
    Ok(ScanReport {
        codes: result
            .codes
            .into_iter()
            .map(|(code, step)| FoundCode {
                text: code.text,
                corners: code.corners,
                step,
            })
            .collect(),
        width: luma.width(),
        height: luma.height(),
        elapsed: start.elapsed(),
    })
}
