//! The decoding cascade: cheap, strong steps first; preprocessing fallbacks only when every
//! step before found nothing, and only while the time budget lasts.
//!
//! Every third-party decoder call runs inside `catch_unwind`: rqrr 0.11 panics on some photos
//! (its issue #54) and a bad photo must cost one error, not the process.

use std::collections::HashSet;
use std::time::Instant;

use image::GrayImage;
use rxing::common::{BitMatrix, GlobalHistogramBinarizer};
use rxing::multi::MultipleBarcodeReader;
use rxing::multi::qrcode::QRCodeMultiReader;
use rxing::{BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, Luma8Source};

use super::binarize::{FastHybridBinarizer, binarizes_in_blocks};
use super::contain::contained;
use super::qr::{find_finder_patterns, read_qr};
use super::text::bytes_to_text;

/// One QR code found by a step, in the coordinates of the image the step was given.
#[derive(Debug, Clone, PartialEq)]
pub struct StepCode {
    /// The payload as text.
    pub text: String,
    /// Corners, clockwise from the one nearest the image's top-left (see [`clockwise`]).
    pub corners: [(f32, f32); 4],
}

/// A named cascade step.
#[derive(Clone, Copy)]
pub struct Step {
    /// The name reported in [`super::FoundCode::step`].
    pub name: &'static str,
    /// Runs the step on an upright grayscale image.
    pub run: fn(&GrayImage) -> Vec<StepCode>,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Longest side of the working copy the first steps see. Phone photos are 4032 px wide; a card
/// QR in them spans hundreds of pixels, which a quarter-size copy still resolves at several
/// pixels per module while costing a sixteenth of the work.
pub const WORK_MAX_SIDE: u32 = 1600;

/// The steps, in cascade order. Measured on the corpus (see BENCHMARKS.md): `rxing_fast` alone
/// reads 115 of 117 photos, as try-harder does, while scanning fewer rows of large images
/// (try-harder looks at every third row whatever the height); `rxing_global_histogram` and
/// `rxing_blurred` read the two art codes every other step misses; the rest are there for the
/// photos outside the corpus (they cost time only when everything before found nothing).
pub const STEPS: &[Step] = &[
    Step {
        name: "rxing_fast",
        run: rxing_fast,
    },
    Step {
        name: "rxing_inverted",
        run: rxing_inverted,
    },
    Step {
        name: "rxing",
        run: rxing_hybrid,
    },
    Step {
        name: "rxing_classic",
        run: rxing_classic,
    },
    Step {
        name: "rqrr",
        run: rqrr_plain,
    },
    Step {
        name: "rxing_global_histogram",
        run: rxing_global,
    },
    Step {
        name: "rxing_upscaled_2x",
        run: rxing_upscaled,
    },
    Step {
        name: "rxing_blurred",
        run: rxing_blurred,
    },
    Step {
        name: "rxing_near_white_threshold",
        run: rxing_near_white,
    },
    Step {
        name: "rqrr_adaptive_threshold",
        run: rqrr_adaptive,
    },
    Step {
        name: "rxing_downscaled_2x",
        run: rxing_downscaled,
    },
];

/// Codes found by the cascade, with the step that found them, in the given image's coordinates.
pub struct CascadeResult {
    pub codes: Vec<(StepCode, &'static str)>,
    pub budget_ran_out: bool,
    /// Whether the cascade stopped after its first step because a large photo showed no
    /// finder pattern at all (see [`lacks_finder_patterns`]).
    pub quick_no: bool,
}

/// Runs the cascade on `image` until a step finds something or `deadline` passes.
///
/// Large images are first searched in a downscaled working copy (dark on light, then light on
/// dark), then (if nothing was found) at full size with the strongest step.
pub fn run(image: &GrayImage, deadline: Instant) -> CascadeResult {
    let longest = image.width().max(image.height());
    let factor = longest.div_ceil(WORK_MAX_SIDE);
    let work_copy;
    let work = if factor > 1 {
        work_copy = shrink(image, factor);
        &work_copy
    } else {
        image
    };
    let scale = factor as f32;
    for (i, step) in STEPS.iter().enumerate() {
        if i > 0 && Instant::now() >= deadline {
            return CascadeResult {
                codes: Vec::new(),
                budget_ran_out: true,
                quick_no: false,
            };
        }
        // The first step on a large photo also says whether its binarisation shows any finder
        // pattern, from the same bit matrix (see `fast_search`).
        let (codes, lacks_patterns) = if factor > 1 && i == 0 {
            fast_search(work, true)
        } else {
            ((step.run)(work), false)
        };
        if !codes.is_empty() {
            return found(codes, scale, step.name);
        }
        if lacks_patterns {
            // A quick no: a large photo whose working copy shows not one finder pattern,
            // dark or light, holds no code the fallbacks could read either (they search the
            // same copy, or the full size where a finder pattern would show at least as
            // clearly), so it costs one search instead of the whole cascade.
            return CascadeResult {
                codes: Vec::new(),
                budget_ran_out: false,
                quick_no: true,
            };
        }
        if factor > 1 && i == 1 {
            // Nothing in the working copy, dark on light or light on dark. A code filling the frame of an upscaled or blurry
            // photo may have modules too soft for it: try a copy half as large, then (the code
            // may instead be too small or too steeply tilted for the working copy) full size.
            let coarse = shrink(work, 2);
            let codes = rxing_fast(&coarse);
            if !codes.is_empty() {
                return found(codes, scale * 2.0, "rxing_fast_coarse");
            }
            if Instant::now() >= deadline {
                break;
            }
            let codes = rxing_hybrid(image);
            if !codes.is_empty() {
                return found(codes, 1.0, "rxing_full_size");
            }
        }
    }
    CascadeResult {
        codes: Vec::new(),
        budget_ran_out: Instant::now() >= deadline,
        quick_no: false,
    }
}

/// The codes a step found, scaled from its image's coordinates to the photo's.
fn found(codes: Vec<StepCode>, scale: f32, step: &'static str) -> CascadeResult {
    CascadeResult {
        codes: codes
            .into_iter()
            .map(|mut code| {
                code.corners = code.corners.map(|(x, y)| (x * scale, y * scale));
                (code, step)
            })
            .collect(),
        budget_ran_out: false,
        quick_no: false,
    }
}

/// Whether the try-harder finder-pattern search (every third row) finds not one candidate in
/// `matrix` nor in its negative.
pub fn lacks_finder_patterns(matrix: &BitMatrix) -> bool {
    if !find_finder_patterns(matrix, true).is_empty() {
        return false;
    }
    let mut negative = matrix.clone();
    negative.flip_self();
    find_finder_patterns(&negative, true).is_empty()
}

fn qr_hints() -> DecodeHints {
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        ..DecodeHints::default()
    }
}

fn rxing_codes(results: Vec<rxing::RXingResult>) -> Vec<StepCode> {
    let mut codes: Vec<StepCode> = Vec::new();
    for result in results {
        if *result.getBarcodeFormat() != BarcodeFormat::QR_CODE {
            continue;
        }
        let p: Vec<(f32, f32)> = result.getPoints().iter().map(|p| (p.x, p.y)).collect();
        let corners = match p.as_slice() {
            // The zxing-cpp port reports the symbol's four corners.
            [a, b, c, d] => [*a, *b, *c, *d],
            // The classic ZXing detector reports finder centres: bottom-left, top-left,
            // top-right (and maybe an alignment pattern); complete the parallelogram.
            [bl, tl, tr, ..] => [*tl, *tr, (tr.0 + bl.0 - tl.0, tr.1 + bl.1 - tl.1), *bl],
            _ => [(0.0, 0.0); 4],
        };
        let corners = clockwise(corners);
        let text = result.getText().to_owned();
        if !codes.iter().any(|c| c.text == text) {
            codes.push(StepCode { text, corners });
        }
    }
    codes
}

/// The image's pixels as rxing's luminance source, borrowed (not copied).
fn luma_source(image: &GrayImage) -> Option<Luma8Source<'_>> {
    Luma8Source::new_with_slice(image.as_raw(), image.width(), image.height()).ok()
}

fn decode_with<B: Binarizer>(bitmap: &mut BinaryBitmap<B>, classic: bool) -> Vec<StepCode> {
    if classic {
        QRCodeMultiReader::default()
            .decode_multiple_with_hints(bitmap, &qr_hints())
            .map(rxing_codes)
            .unwrap_or_default()
    } else {
        rxing_codes(read_qr(bitmap.get_black_matrix(), true))
    }
}

/// rxing's port of the zxing-cpp QR detector on rxing's hybrid (local) binarisation.
pub fn rxing_hybrid(image: &GrayImage) -> Vec<StepCode> {
    contained(|| {
        let Some(source) = luma_source(image) else {
            return Vec::new();
        };
        decode_with(
            &mut BinaryBitmap::new(FastHybridBinarizer::new(source)),
            false,
        )
    })
}

/// The zxing-cpp detector without try-harder.
pub fn rxing_fast(image: &GrayImage) -> Vec<StepCode> {
    fast_search(image, false).0
}

/// [`rxing_fast`]'s codes and, when asked for the quick no and nothing was read, whether the
/// same bit matrix [`lacks_finder_patterns`] (only a block binarisation is trusted with that;
/// a panic in either says "nothing read, maybe").
fn fast_search(image: &GrayImage, quick_no: bool) -> (Vec<StepCode>, bool) {
    contained(|| {
        let Some(source) = luma_source(image) else {
            return (Vec::new(), false);
        };
        let bitmap = BinaryBitmap::new(FastHybridBinarizer::new(source));
        let matrix = bitmap.get_black_matrix();
        let codes = rxing_codes(read_qr(matrix, false));
        let lacks = quick_no
            && codes.is_empty()
            && binarizes_in_blocks(image.width() as usize, image.height() as usize)
            && lacks_finder_patterns(matrix);
        (codes, lacks)
    })
}

/// The zxing-cpp detector on the negative image: light modules on a dark ground (a dark card
/// printed in reverse, a code on a phone's dark-mode screen), whose finder patterns every
/// dark-on-light search passes over. (zxing-cpp's `tryInvert` does the same: a second pass.)
pub fn rxing_inverted(image: &GrayImage) -> Vec<StepCode> {
    let mut negative = image.clone();
    for pixel in negative.as_mut() {
        *pixel = !*pixel;
    }
    rxing_fast(&negative)
}

/// The classic ZXing (Java) multi-QR detector: different finder-pattern heuristics.
pub fn rxing_classic(image: &GrayImage) -> Vec<StepCode> {
    contained(|| {
        let Some(source) = luma_source(image) else {
            return Vec::new();
        };
        decode_with(
            &mut BinaryBitmap::new(FastHybridBinarizer::new(source)),
            true,
        )
    })
}

/// The zxing-cpp detector on a global histogram threshold (better on evenly lit, low-contrast
/// codes, where local thresholds break up modules).
pub fn rxing_global(image: &GrayImage) -> Vec<StepCode> {
    contained(|| {
        let Some(source) = luma_source(image) else {
            return Vec::new();
        };
        let mut bitmap = BinaryBitmap::new(GlobalHistogramBinarizer::new(source));
        let mut codes = decode_with(&mut bitmap, false);
        if codes.is_empty() {
            codes = decode_with(&mut bitmap, true);
        }
        codes
    })
}

/// rqrr: an independent detector (quirc's), different failure modes from ZXing's.
pub fn rqrr_plain(image: &GrayImage) -> Vec<StepCode> {
    rqrr_on(image)
}

/// rqrr after a local-mean adaptive threshold (uneven light, shadows).
pub fn rqrr_adaptive(image: &GrayImage) -> Vec<StepCode> {
    rqrr_on(&adaptive_threshold(image))
}

/// The zxing-cpp detector on a 2x upscale (tiny codes with 1-2 px modules).
pub fn rxing_upscaled(image: &GrayImage) -> Vec<StepCode> {
    if u64::from(image.width()) * u64::from(image.height()) > 1_500_000 {
        return Vec::new();
    }
    let big = image::imageops::resize(
        image,
        image.width() * 2,
        image.height() * 2,
        image::imageops::FilterType::Triangle,
    );
    halve_corners(rxing_hybrid(&big))
}

/// The zxing-cpp detector after a small blur (noise, moiré, JPEG blocking).
pub fn rxing_blurred(image: &GrayImage) -> Vec<StepCode> {
    let blurred = image::imageops::fast_blur(image, 1.5);
    let mut codes = rxing_hybrid(&blurred);
    if codes.is_empty() {
        codes = rqrr_on(&blurred);
    }
    codes
}

/// The zxing-cpp detector on a half-size copy (huge modules, heavy noise).
pub fn rxing_downscaled(image: &GrayImage) -> Vec<StepCode> {
    if image.width() < 80 || image.height() < 80 {
        return Vec::new();
    }
    let small = shrink(image, 2);
    rxing_hybrid(&small)
        .into_iter()
        .map(|mut c| {
            c.corners = c.corners.map(|(x, y)| (x * 2.0, y * 2.0));
            c
        })
        .collect()
}

/// Everything that is not near-white becomes black: for "artistic" codes whose dark modules
/// are filled with a picture instead of ink, which every mean-based threshold splits apart.
pub fn rxing_near_white(image: &GrayImage) -> Vec<StepCode> {
    let smoothed = image::imageops::fast_blur(image, 1.0);
    let mut codes = Vec::new();
    for level in [200u8, 160] {
        let binary = GrayImage::from_fn(image.width(), image.height(), |x, y| {
            image::Luma([if smoothed.get_pixel(x, y).0[0] < level {
                0
            } else {
                255
            }])
        });
        codes = rxing_hybrid(&binary);
        if codes.is_empty() {
            codes = rqrr_on(&binary);
        }
        if !codes.is_empty() {
            break;
        }
    }
    codes
}

fn halve_corners(codes: Vec<StepCode>) -> Vec<StepCode> {
    codes
        .into_iter()
        .map(|mut c| {
            c.corners = c.corners.map(|(x, y)| (x / 2.0, y / 2.0));
            c
        })
        .collect()
}

fn rqrr_on(image: &GrayImage) -> Vec<StepCode> {
    contained(|| {
        let mut prepared = rqrr::PreparedImage::prepare(image.clone());
        let mut codes: Vec<StepCode> = Vec::new();
        for grid in prepared.detect_grids() {
            let mut bytes = Vec::new();
            if grid.decode_to(&mut bytes).is_err() {
                continue;
            }
            let text = bytes_to_text(&bytes);
            if codes.iter().any(|c| c.text == text) {
                continue;
            }
            let corners = clockwise(grid.bounds.map(|p| (p.x as f32, p.y as f32)));
            codes.push(StepCode { text, corners });
        }
        codes
    })
}

/// Puts a quadrilateral's corners in one documented order whatever order a decoder used:
/// clockwise on screen (y down), starting with the corner nearest the image's top-left.
pub fn clockwise(mut corners: [(f32, f32); 4]) -> [(f32, f32); 4] {
    let cx = corners.iter().map(|p| p.0).sum::<f32>() / 4.0;
    let cy = corners.iter().map(|p| p.1).sum::<f32>() / 4.0;
    corners.sort_by(|a, b| {
        let angle = |p: &(f32, f32)| (p.1 - cy).atan2(p.0 - cx);
        angle(a).total_cmp(&angle(b))
    });
    let first = (0..4)
        .min_by(|&i, &j| {
            let key = |k: usize| corners[k].0 + corners[k].1;
            key(i).total_cmp(&key(j))
        })
        .unwrap_or(0);
    corners.rotate_left(first);
    corners
}

/// Shrinks by an integer factor, averaging each factor x factor block (a box filter: fast,
/// and it does not alias fine module edges the way point sampling does). Rows and columns left
/// over at the right and bottom edges are dropped.
pub fn shrink(image: &GrayImage, factor: u32) -> GrayImage {
    let f = factor.max(1) as usize;
    let (width, height) = (image.width() as usize, image.height() as usize);
    if width < f || height < f {
        return image.clone();
    }
    let out = if f * f * 255 <= usize::from(u16::MAX) {
        shrink_by::<u16>(image.as_raw(), width, height, f)
    } else {
        shrink_by::<u32>(image.as_raw(), width, height, f)
    };
    GrayImage::from_raw((width / f) as u32, (height / f) as u32, out)
        .unwrap_or_else(|| image.clone())
}

/// [`shrink`]'s means, with sums of type `S`: `u16` whenever a block's sum fits (factors up to
/// 16), which halves the column sums' memory traffic and doubles their vector width. Each mean
/// is read from a table of every block sum's floor (at most 16 KB, for factors up to 8) or,
/// for larger blocks, divided.
fn shrink_by<S>(pixels: &[u8], width: usize, height: usize, f: usize) -> Vec<u8>
where
    S: Copy + Default + From<u8> + std::ops::AddAssign + std::iter::Sum + Into<u32>,
{
    let (out_width, out_height) = (width / f, height / f);
    let area = (f * f) as u32;
    let table: Vec<u8> = if area <= 64 {
        (0..=area * 255).map(|sum| (sum / area) as u8).collect()
    } else {
        Vec::new()
    };
    let mean = |sum: S| {
        let sum: u32 = sum.into();
        match table.get(sum as usize) {
            Some(&mean) => mean,
            None => u8::try_from(sum / area).unwrap_or(u8::MAX),
        }
    };
    let mut out = Vec::with_capacity(out_width * out_height);
    // Sum each column over the block's rows first (element-wise, vectorised), then each block.
    let mut columns = vec![S::default(); width];
    for rows in pixels.chunks_exact(width * f).take(out_height) {
        columns.fill(S::default());
        for row in rows.chunks_exact(width) {
            for (sum, &pixel) in columns.iter_mut().zip(row) {
                *sum += S::from(pixel);
            }
        }
        // The common factors with a block width known at compile time (unrolled sums).
        match f {
            2 => out.extend(block_sums::<S, 2>(&columns).map(mean)),
            3 => out.extend(block_sums::<S, 3>(&columns).map(mean)),
            4 => out.extend(block_sums::<S, 4>(&columns).map(mean)),
            _ => out.extend(
                columns
                    .chunks_exact(f)
                    .map(|b| mean(b.iter().copied().sum())),
            ),
        }
    }
    out
}

fn block_sums<S: Copy + std::iter::Sum, const F: usize>(
    columns: &[S],
) -> impl Iterator<Item = S> + '_ {
    columns
        .chunks_exact(F)
        .map(|block| block.iter().copied().sum::<S>())
}

/// Black where a pixel is darker than the mean of its neighbourhood (an integral image keeps
/// it linear in the pixel count).
fn adaptive_threshold(image: &GrayImage) -> GrayImage {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let radius = (w.min(h) / 16).max(4);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(image.as_raw()[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = GrayImage::new(image.width(), image.height());
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(radius), (y + radius + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let count = ((x1 - x0) * (y1 - y0)) as u64;
            let v = u64::from(image.as_raw()[y * w + x]) * count * 100;
            // 7 % below the local mean: keeps flat paper white under sensor noise.
            let black = v < sum * 93;
            out.as_mut()[y * w + x] = if black { 0 } else { 255 };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use image::{GrayImage, Luma};

    use super::shrink;

    #[test]
    fn shrink_gives_the_floor_of_each_blocks_mean_and_drops_the_leftover_edge() {
        let image = GrayImage::from_fn(101, 67, |x, y| Luma([((x * 37 + y * 101) % 256) as u8]));
        for factor in [1u32, 2, 3, 4, 7, 16] {
            let small = shrink(&image, factor);
            assert_eq!(
                small.dimensions(),
                (101 / factor, 67 / factor),
                "factor {factor}"
            );
            for (ox, oy, pixel) in small.enumerate_pixels() {
                let sum: u32 = (0..factor * factor)
                    .map(|i| {
                        let (x, y) = (ox * factor + i % factor, oy * factor + i / factor);
                        u32::from(image.get_pixel(x, y).0[0])
                    })
                    .sum();
                assert_eq!(
                    u32::from(pixel.0[0]),
                    sum / (factor * factor),
                    "factor {factor}"
                );
            }
        }
    }

    #[test]
    fn shrink_keeps_an_image_smaller_than_one_block() {
        let tiny = GrayImage::from_pixel(2, 5, Luma([9]));
        assert_eq!(shrink(&tiny, 3), tiny);
    }
}
