//! rxing's port of zxing-cpp's QR reader (`QrReader`), with its finder-pattern search reading
//! each scanned row a machine word at a time.
//!
//! Profiled on the corpus in a release build, rxing's `GetPatternRowTP` (the run lengths of one
//! bit-matrix row, read bit by bit through `BitArray::get`) took an eighth of the first cascade
//! step's time. [`find_finder_patterns`] is rxing's `FindFinderPatterns` with the run lengths
//! taken from whole words by counting trailing zeros (the same candidates: a test compares them
//! with rxing's), and [`read_qr`] is the QR part of `QrReader::decode_multiple_with_hints` over
//! it, with the finder patterns grouped into sets as zxing-cpp 3.1.1 groups them
//! ([`finder_pattern_sets`]): rxing's older grouping rejects steeply tilted codes.

use rxing::common::BitMatrix;
use rxing::common::cpp_essentials::DecoderResult;
use rxing::common::cpp_essentials::{
    ConcentricPattern, FindLeftGuardBy, FixedPattern, IsPattern, PatternRow, PatternType,
    PatternView,
};
use rxing::qrcode::common::{FormatInformation, Version};
use rxing::qrcode::cpp_port::Type;
use rxing::qrcode::cpp_port::decoder::{Decode, DecodeBitStream};
use rxing::qrcode::cpp_port::detector::FinderPatternSet;
use rxing::qrcode::decoder::{DataBlock, DataMask};
use rxing::{BarcodeFormat, Exceptions, Point, RXingResult, point};

use super::binarize::WORD_BITS;
use super::concentric::locate_finder_pattern;
use super::reed_solomon;
use super::sample::sample_qr;

/// The finder pattern's 1:1:3:1:1 bars.
pub(super) const FINDER: FixedPattern<5, 7, false> = FixedPattern::new([1, 1, 3, 1, 1]);

/// Every QR code rxing's `QrReader` reads in `matrix` (QR codes only, not Micro or rMQR), in its
/// order, with the corners it reports; but trying the finder-pattern sets zxing-cpp 3.1.1 tries.
#[must_use]
pub fn read_qr(matrix: &BitMatrix, try_harder: bool) -> Vec<RXingResult> {
    let mut patterns = find_finder_patterns(matrix, try_harder);
    let mut used: Vec<ConcentricPattern> = Vec::new();
    let mut results = Vec::new();
    for set in finder_pattern_sets(&mut patterns) {
        if used.contains(&set.bl) || used.contains(&set.tl) || used.contains(&set.tr) {
            continue;
        }
        let Some(sampled) = sample_qr(matrix, &set) else {
            continue;
        };
        let Ok(decoded) = decode(&sampled.bits) else {
            continue;
        };
        if decoded.isValid() {
            used.extend([set.bl, set.tl, set.tr]);
            results.push(RXingResult::with_decoder_result(
                decoded,
                &sampled.corners,
                BarcodeFormat::QR_CODE,
            ));
        }
    }
    results
}

/// rxing's `Decode` (zxing-cpp's QR decoder) for a sampled Model 2 symbol, with the blocks
/// corrected by [`reed_solomon`] instead of rxing's Reed-Solomon decoder and the function
/// patterns built once per version; other symbols (Micro, rMQR, Model 1) go to rxing's.
fn decode(bits: &BitMatrix) -> rxing::common::Result<DecoderResult<bool>> {
    if !Version::HasValidSizeType(bits, Type::Model2) {
        return Decode(bits);
    }
    let format = read_format_information(bits);
    if format.qr_type() != Type::Model2 {
        return Decode(bits);
    }
    let version = Version::Model2(Version::Number(bits))?;
    let codewords = read_codewords(bits, version, &format)?;
    let blocks = DataBlock::getDataBlocks(&codewords, version, format.error_correction_level)?;
    if blocks.is_empty() {
        return Err(Exceptions::format_with("Failed to get data blocks"));
    }
    let mut data = Vec::with_capacity(codewords.len());
    let mut block = Vec::new();
    for data_block in &blocks {
        block.clear();
        block.extend_from_slice(data_block.getCodewords());
        let data_len = data_block.getNumDataCodewords() as usize;
        let ec = block.len() - data_len;
        reed_solomon::correct(&mut block, ec)
            .map_err(|_| Exceptions::reed_solomon_with("too many errors"))?;
        data.extend_from_slice(&block[..data_len]);
    }
    Ok(
        DecodeBitStream(&data, version, format.error_correction_level)?
            .withIsMirrored(format.isMirrored),
    )
}

/// rxing's `ReadFormatInformation` (private to rxing) for a Model 2 sized symbol: both copies
/// of the format bits, the second including the dark module (see `FormatInformation::DecodeQR`).
fn read_format_information(bits: &BitMatrix) -> FormatInformation {
    let append = |acc: u32, bit: bool| (acc << 1) | u32::from(bit);
    let mut first = (0..6).fold(0, |acc, x| append(acc, bits.get(x, 8)));
    // The timing pattern's module (6, 8) and (8, 6) are skipped.
    first = append(first, bits.get(7, 8));
    first = append(first, bits.get(8, 8));
    first = append(first, bits.get(8, 7));
    first = (0..=5)
        .rev()
        .fold(first, |acc, y| append(acc, bits.get(8, y)));
    let dimension = bits.getHeight();
    let mut second = (dimension - 8..dimension)
        .rev()
        .fold(0, |acc, y| append(acc, bits.get(8, y)));
    second = (dimension - 8..dimension).fold(second, |acc, x| append(acc, bits.get(x, 8)));
    FormatInformation::DecodeQR(first, second)
}

/// rxing's `ReadQRCodewords` (private to rxing): the data modules in the standard's zigzag
/// order, unmasked, read transposed when the format bits say the symbol is mirrored.
fn read_codewords(
    bits: &BitMatrix,
    version: &Version,
    format: &FormatInformation,
) -> rxing::common::Result<Vec<u8>> {
    // By version number - 1 (a version whose pattern rxing cannot build keeps its place).
    static FUNCTION_PATTERNS: std::sync::OnceLock<Vec<Option<BitMatrix>>> =
        std::sync::OnceLock::new();
    let patterns = FUNCTION_PATTERNS.get_or_init(|| {
        (1..=40)
            .map(|n| Version::Model2(n).ok()?.buildFunctionPattern().ok())
            .collect()
    });
    let function = (version.getVersionNumber() as usize)
        .checked_sub(1)
        .and_then(|i| patterns.get(i)?.as_ref())
        .ok_or(Exceptions::FORMAT)?;
    let total = version.getTotalCodewords() as usize;
    let dimension = bits.getHeight();
    let mask = DataMask::try_from(format.data_mask)?;
    let mut result = Vec::with_capacity(total);
    let (mut byte, mut count, mut upward) = (0u32, 0u32, true);
    let mut x = dimension as i32 - 1;
    while x > 0 {
        if x == 6 {
            x -= 1; // the vertical timing pattern
        }
        for row in 0..dimension {
            let y = if upward { dimension - 1 - row } else { row };
            for column in [x as u32, x as u32 - 1] {
                if function.get(column, y) {
                    continue;
                }
                let module = if format.isMirrored {
                    bits.get(y, column)
                } else {
                    bits.get(column, y)
                };
                byte = (byte << 1) | u32::from(module != mask.isMasked(y, column));
                count += 1;
                if count % 8 == 0 {
                    result.push(std::mem::take(&mut byte) as u8);
                }
            }
        }
        upward = !upward;
        x -= 2;
    }
    if result.len() != total {
        return Err(Exceptions::FORMAT);
    }
    Ok(result)
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
                if let Some(pattern) = locate_finder_pattern(matrix, p, range) {
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

/// The plausible triples of finder patterns, most plausible first: zxing-cpp 3.1.1's
/// `GenerateFinderPatternSets`, which rxing 0.9.3 ports from an earlier zxing-cpp. The newer
/// one judges a photo holding at most five patterns (one code, maybe a stray) by its module
/// count alone: the size, leg-ratio and right-angle filters are for crowded photos, and they
/// reject a steeply tilted and turned code (half foreshortened at 45 degrees, its corner
/// angle is about 127 degrees). It also allows sizes to differ by 2 px more than twice, and
/// keeps each triple's smaller patterns in size order whatever order the bins gave them.
#[must_use]
pub fn finder_pattern_sets(patterns: &mut [ConcentricPattern]) -> Vec<FinderPatternSet> {
    /// The largest symbol's modules, with room for an overestimate from the size correction.
    const MAX_MODULE_COUNT: f64 = 177.0 * 1.5;
    /// Candidates compared with each pattern: keeps a photo of many codes linear.
    const MAX_CANDIDATES: usize = 15;
    /// Sets kept, best first.
    const MAX_SETS: usize = 256;
    patterns.sort_by_key(|p| std::cmp::Reverse(p.size));
    let count = patterns.len();
    if count < 3 {
        return Vec::new();
    }
    let use_filters = count > 5;
    // Distance scaled by the size ratio: a coarse correction for the foreshortening of a
    // slanted symbol (a pattern's size is proportional to its distance from the camera).
    let squared_distance = |a: &ConcentricPattern, b: &ConcentricPattern| {
        let d = a.p - b.p;
        f64::from(Point::dot(d, d)) * f64::from(b.size) / f64::from(a.size)
    };
    let cos_upper = 60f64.to_radians().cos();
    let cos_lower = 120f64.to_radians().cos();

    // Spatial bins, so that each pattern is compared with the nearest others only.
    let (min_x, max_x, min_y, max_y) = patterns.iter().fold(
        (
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ),
        |(a, b, c, d), p| (a.min(p.p.x), b.max(p.p.x), c.min(p.p.y), d.max(p.p.y)),
    );
    let bin_size = (patterns[count / 2].size * 3).max(32) as f32;
    let bins_wide = (((max_x - min_x + 1.0) / bin_size).ceil() as i32).max(1);
    let bins_high = (((max_y - min_y + 1.0) / bin_size).ceil() as i32).max(1);
    let bin_of = |p: Point| {
        (
            (((p.x - min_x) / bin_size) as i32).clamp(0, bins_wide - 1),
            (((p.y - min_y) / bin_size) as i32).clamp(0, bins_high - 1),
        )
    };
    let mut bins = vec![Vec::new(); (bins_wide * bins_high) as usize];
    for (index, pattern) in patterns.iter().enumerate() {
        let (x, y) = bin_of(pattern.p);
        bins[(y * bins_wide + x) as usize].push(index);
    }

    let mut sets: Vec<(f64, FinderPatternSet)> = Vec::new();
    let mut candidates = Vec::with_capacity(MAX_CANDIDATES * 2);
    for i in 0..count - 2 {
        let c0 = &patterns[i];
        let max_distance = f64::from(c0.size) / 7.0 * MAX_MODULE_COUNT;
        let (cx, cy) = bin_of(c0.p);
        let radius = (max_distance / f64::from(bin_size)).ceil() as i32;
        candidates.clear();
        for (dx, dy) in spiral(radius) {
            let (x, y) = (cx + dx, cy + dy);
            if x < 0 || x >= bins_wide || y < 0 || y >= bins_high {
                continue;
            }
            for &index in &bins[(y * bins_wide + x) as usize] {
                if index <= i || (use_filters && c0.size > patterns[index].size * 2 + 2) {
                    continue;
                }
                candidates.push(index);
            }
            if candidates.len() >= MAX_CANDIDATES {
                break;
            }
        }
        for u in 0..candidates.len().saturating_sub(1) {
            for &k in &candidates[u + 1..] {
                let j = candidates[u];
                // Sorted by descending size; the geometry below assumes a <= b <= c.
                let (mut a, mut b, mut c) = (&patterns[j.max(k)], &patterns[j.min(k)], c0);
                let mut ab = squared_distance(a, b);
                let mut bc = squared_distance(b, c);
                let mut ac = squared_distance(a, c);
                // B becomes the corner: AC the longest side.
                if bc >= ab && bc >= ac {
                    std::mem::swap(&mut a, &mut b);
                    std::mem::swap(&mut bc, &mut ac);
                } else if ab >= ac && ab >= bc {
                    std::mem::swap(&mut b, &mut c);
                    std::mem::swap(&mut ab, &mut ac);
                }
                if use_filters && (ab > 4.0 * bc || bc > 4.0 * ab) {
                    continue;
                }
                let (ab_len, bc_len) = (ab.sqrt(), bc.sqrt());
                let module_count = (ab_len + bc_len)
                    / (2.0 * f64::from(a.size + b.size + c.size) / (3.0 * 7.0))
                    + 7.0;
                if !(21.0 * 0.9..=MAX_MODULE_COUNT).contains(&module_count) {
                    continue;
                }
                let cos = (ab + bc - ac) / (2.0 * ab_len * bc_len);
                if use_filters && (cos.is_nan() || cos > cos_upper || cos < cos_lower) {
                    continue;
                }
                // Close patterns at similar distances first.
                let score = ab_len + bc_len + (ab_len - bc_len).abs();
                if sets.len() >= MAX_SETS && sets.last().is_some_and(|(worst, _)| *worst <= score) {
                    continue;
                }
                if Point::cross(c.p - b.p, a.p - b.p) < 0.0 {
                    std::mem::swap(&mut a, &mut c);
                }
                let at = sets.partition_point(|(s, _)| *s <= score);
                sets.insert(
                    at,
                    (
                        score,
                        FinderPatternSet {
                            bl: *a,
                            tl: *b,
                            tr: *c,
                        },
                    ),
                );
                sets.truncate(MAX_SETS);
            }
        }
    }
    sets.into_iter().map(|(_, set)| set).collect()
}

/// zxing-cpp's `Spiral`: bin offsets from the centre outwards, ring by ring.
fn spiral(radius: i32) -> impl Iterator<Item = (i32, i32)> {
    std::iter::once((0, 0)).chain((1..=radius).flat_map(|r| {
        let side = 0..2 * r;
        side.clone()
            .map(move |k| (r, -(r - 1) + k))
            .chain(side.clone().map(move |k| ((r - 1) - k, r)))
            .chain(side.clone().map(move |k| (-r, (r - 1) - k)))
            .chain(side.map(move |k| (-(r - 1) + k, -r)))
    }))
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

    use rxing::common::cpp_essentials::ConcentricPattern;
    use rxing::point;
    use rxing::qrcode::cpp_port::detector::GenerateFinderPatternSets;

    use super::{find_finder_patterns, finder_pattern_sets, pattern_row};

    fn pattern(x: f32, y: f32, size: i32) -> ConcentricPattern {
        ConcentricPattern {
            p: point(x, y),
            size,
        }
    }

    /// A code half foreshortened and turned 45 degrees: its finder patterns' corner angle is
    /// about 127 degrees, and the far pattern is less than half the near one's size.
    fn steep_code() -> Vec<ConcentricPattern> {
        let (s, c) = 127f32.to_radians().sin_cos();
        vec![
            pattern(400.0, 300.0, 21),
            pattern(700.0, 300.0, 16),
            pattern(400.0 + 260.0 * c, 300.0 + 260.0 * s, 10),
        ]
    }

    #[test]
    fn a_steeply_tilted_codes_finder_patterns_make_a_set_where_rxings_grouping_finds_none() {
        assert!(GenerateFinderPatternSets(&mut steep_code()).is_empty());
        let sets = finder_pattern_sets(&mut steep_code());
        assert_eq!(sets.len(), 1);
        assert_eq!(sets[0].tl.p, point(400.0, 300.0));
        // Clockwise on screen: top-right, then bottom-left.
        assert_eq!(sets[0].tr.p, point(700.0, 300.0));
    }

    #[test]
    fn among_more_than_five_patterns_the_right_angle_filter_still_applies() {
        let mut crowded = steep_code();
        crowded.extend([
            pattern(1500.0, 1500.0, 20),
            pattern(1800.0, 1500.0, 20),
            pattern(1500.0, 1800.0, 20),
        ]);
        let sets = finder_pattern_sets(&mut crowded);
        assert!(!sets.is_empty());
        assert!(
            sets.iter().all(|set| set.tl.p != point(400.0, 300.0)),
            "the 127 degree set is filtered out among six patterns"
        );
        assert_eq!(sets[0].tl.p, point(1500.0, 1500.0));
    }

    #[test]
    fn fewer_than_three_patterns_make_no_set() {
        assert!(finder_pattern_sets(&mut steep_code()[..2].to_vec()).is_empty());
        assert!(finder_pattern_sets(&mut []).is_empty());
    }

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
