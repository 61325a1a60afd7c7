//! rxing's port of zxing-cpp's QR reader (`QrReader`), with its finder-pattern search reading
//! each scanned row a machine word at a time.
//!
//! Profiled on the corpus in a release build, rxing's `GetPatternRowTP` (the run lengths of one
//! bit-matrix row, read bit by bit through `BitArray::get`) took an eighth of the first cascade
//! step's time. [`find_finder_patterns`] is rxing's `FindFinderPatterns` with the run lengths
//! taken from whole words by counting trailing zeros, and [`read_qr`] is the QR part of
//! `QrReader::decode_multiple_with_hints` over it: the same candidates, sets, samples and
//! decodes in the same order (tests compare both with rxing's), so every photo reads as before.

use rxing::common::cpp_essentials::{
    ConcentricPattern, FindLeftGuardBy, FixedPattern, IsPattern, LocateConcentricPattern,
    PatternRow, PatternType, PatternView,
};
use rxing::common::{BitMatrix, DetectorRXingResult};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{GenerateFinderPatternSets, SampleQR};
use rxing::{BarcodeFormat, Point, RXingResult, point};

/// The finder pattern's 1:1:3:1:1 bars.
const FINDER: FixedPattern<5, 7, false> = FixedPattern::new([1, 1, 3, 1, 1]);
/// Bits per word of rxing's bit rows.
const WORD_BITS: usize = usize::BITS as usize;

/// Every QR code rxing's `QrReader` reads in `matrix` (QR codes only, not Micro or rMQR), in its
/// order, with the corners it reports.
#[must_use]
pub fn read_qr(matrix: &BitMatrix, try_harder: bool) -> Vec<RXingResult> {
    let mut patterns = find_finder_patterns(matrix, try_harder);
    let mut used: Vec<ConcentricPattern> = Vec::new();
    let mut results = Vec::new();
    for set in GenerateFinderPatternSets(&mut patterns) {
        if used.contains(&set.bl) || used.contains(&set.tl) || used.contains(&set.tr) {
            continue;
        }
        let Ok(detected) = SampleQR(matrix, &set) else {
            continue;
        };
        let Ok(decoded) = Decode(detected.getBits()) else {
            continue;
        };
        if decoded.isValid() {
            used.extend([set.bl, set.tl, set.tr]);
            results.push(RXingResult::with_decoder_result(
                decoded,
                detected.getPoints(),
                BarcodeFormat::QR_CODE,
            ));
        }
    }
    results
}

/// rxing's `FindFinderPatterns(matrix, try_harder, 0)`: the centres of every 1:1:3:1:1 pattern
/// found on the scanned rows (every third when trying harder, else fewer in tall images) and
/// confirmed as concentric squares.
#[must_use]
pub fn find_finder_patterns(matrix: &BitMatrix, try_harder: bool) -> Vec<ConcentricPattern> {
    // Up to version 20 in a quarter of the height, whose centre is 3 modules (rxing's rule).
    const MAX_MODULES_FAST: u32 = 20 * 4 + 17;
    let (width, height) = (matrix.getWidth() as usize, matrix.getHeight());
    let skip = if try_harder {
        3
    } else {
        ((3 * height) / (4 * MAX_MODULES_FAST)).max(3)
    };
    let mut found: Vec<ConcentricPattern> = Vec::new();
    let mut runs = Vec::new();
    let mut y = skip - 1;
    while y < height {
        let bits = matrix.getRow(y);
        pattern_row(bits.getBitArray(), width, &mut runs);
        let row = PatternRow::new(std::mem::take(&mut runs));
        let mut next = PatternView::new(&row);
        while let Ok(view) = find_pattern(next) {
            next = view;
            if !next.isValid() {
                break;
            }
            let p = point(
                f32::from(next.pixelsInFront())
                    + f32::from(next[0])
                    + f32::from(next[1])
                    + f32::from(next[2]) / 2.0,
                y as f32 + 0.5,
            );
            // Not inside a pattern already found.
            if !found
                .iter()
                .any(|old| Point::distance(p, old.p) < old.size as f32 / 2.0)
            {
                let range = i32::from(next.iter().sum::<u16>()) * 3; // 3 for very skewed samples
                if let Some(pattern) =
                    LocateConcentricPattern::<true, 5, 7>(matrix, &[1, 1, 3, 1, 1], p, range)
                {
                    found.push(pattern);
                }
            }
            next.skipPair();
            next.skipPair();
            next.extend();
        }
        runs = row.into_iter().collect();
        y += skip;
    }
    found
}

/// rxing's `FindPattern`: the next 1:1:3:1:1 window, after a quick plausibility test.
fn find_pattern(view: PatternView<'_>) -> rxing::common::Result<PatternView<'_>> {
    FindLeftGuardBy::<5, _>(view, 5, |view: &PatternView, space: Option<f32>| {
        let bar = |i: usize| -> PatternType { view[i] };
        if bar(2) < 3 || bar(2) < 2 * bar(0).max(bar(4)) || bar(2) < bar(1).max(bar(3)) {
            return false;
        }
        IsPattern::<true, 5, 7, false>(view, &FINDER, space, 0.1, 0.0, 0.0) != 0.0
    })
}

/// The run lengths of a row of `width` bits (least significant first, set = black), white
/// first as rxing's `PatternRow` has them: a leading 0 when the row starts black, a trailing 0
/// when it ends black. Runs longer than a `PatternType` holds are cut at its maximum.
fn pattern_row(words: &[usize], width: usize, runs: &mut Vec<PatternType>) {
    runs.clear();
    let (mut x, mut black) = (0, false);
    while x < width {
        let end = next_change(words, x, black, width);
        runs.push(PatternType::try_from(end - x).unwrap_or(PatternType::MAX));
        x = end;
        black = !black;
    }
    // `black` is now the colour after the last run: the last run was black if it is not.
    if width > 0 && !black {
        runs.push(0);
    }
}

/// The first position at or after `x` whose bit is not `black` (or `width`).
fn next_change(words: &[usize], mut x: usize, black: bool, width: usize) -> usize {
    while x < width {
        let Some(&word) = words.get(x / WORD_BITS) else {
            return width;
        };
        // Bits equal to `black` become 0: the first 1 at or after x is the change.
        let differs = if black { !word } else { word } >> (x % WORD_BITS);
        if differs != 0 {
            return (x + differs.trailing_zeros() as usize).min(width);
        }
        x = (x / WORD_BITS + 1) * WORD_BITS;
    }
    width
}

#[cfg(test)]
mod tests {
    use rxing::common::cpp_essentials::{GetPatternRowTP, PatternRow};
    use rxing::common::{BitArray, BitMatrix};
    use rxing::qrcode::cpp_port::detector::FindFinderPatterns;

    use super::{find_finder_patterns, pattern_row};

    fn random_matrix(width: u32, height: u32, seed: u64, density: u64) -> BitMatrix {
        let mut state = seed | 1;
        let mut matrix = BitMatrix::new(width, height).expect("non-empty");
        for y in 0..height {
            for x in 0..width {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Runs: keep the previous pixel's colour most of the time.
                let previous = x > 0 && matrix.get(x - 1, y);
                let flip = state.is_multiple_of(density);
                if previous != flip {
                    matrix.set(x, y);
                }
            }
        }
        matrix
    }

    #[test]
    fn a_rows_runs_are_rxings_for_every_width_around_the_word_edges() {
        for width in [1u32, 2, 7, 63, 64, 65, 127, 128, 129, 200, 1000] {
            for (seed, density) in [(1, 2), (2, 5), (3, 40), (4, 1000)] {
                let matrix = random_matrix(width, 3, seed, density);
                for y in 0..3 {
                    let mut theirs = PatternRow::default();
                    GetPatternRowTP(&matrix, y, &mut theirs, false);
                    let mut ours = Vec::new();
                    pattern_row(matrix.getRow(y).getBitArray(), width as usize, &mut ours);
                    assert_eq!(
                        ours,
                        theirs.into_iter().collect::<Vec<_>>(),
                        "{width} {seed}"
                    );
                }
            }
        }
        // All white and all black rows.
        let mut ours = Vec::new();
        let white = BitArray::with_size(70);
        pattern_row(white.getBitArray(), 70, &mut ours);
        assert_eq!(ours, [70]);
        let mut black = BitMatrix::new(70, 1).expect("non-empty");
        black.setRegion(0, 0, 70, 1).expect("inside");
        pattern_row(black.getRow(0).getBitArray(), 70, &mut ours);
        assert_eq!(ours, [0, 70, 0]);
    }

    #[test]
    fn the_finder_patterns_are_rxings_on_random_images_and_on_a_code() {
        let code = {
            let qr = crate::qr::QrMatrix::encode(
                "https://namecard.example/c/finder-test",
                crate::qr::Ecc::M,
            )
            .expect("encodes");
            let size = qr.width() as u32;
            let scale = 5;
            let mut m = BitMatrix::new((size + 8) * scale, (size + 8) * scale).expect("size");
            for y in 0..size {
                for x in 0..size {
                    if qr.is_dark(x as usize, y as usize) {
                        m.setRegion((x + 4) * scale, (y + 4) * scale, scale, scale)
                            .expect("inside");
                    }
                }
            }
            m
        };
        let mut images = vec![code];
        for seed in 1..6 {
            images.push(random_matrix(300, 240, seed, 6));
        }
        for (i, matrix) in images.iter().enumerate() {
            for try_harder in [false, true] {
                let theirs = FindFinderPatterns(matrix, try_harder, 0);
                let ours = find_finder_patterns(matrix, try_harder);
                assert_eq!(ours, theirs, "image {i}, try harder {try_harder}");
            }
        }
        assert_eq!(find_finder_patterns(&images[0], false).len(), 3);
    }
}
