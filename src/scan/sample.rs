//! rxing's `SampleQR` (zxing-cpp's sampling of a Model 2 QR symbol from three finder
//! patterns), with its grid sampled without a branch per module and its line tracing and
//! alignment-pattern search on the integer cursors of [`super::concentric`].
//!
//! Profiled on the corpus in a release build after the finder-pattern search was ported,
//! rxing's `DefaultGridSampler` was a sixth of a small photo's decode (it branches on every
//! module's colour, which a camera photo makes unpredictable) and the float edge tracing behind
//! `TraceLine` and `LocateAlignmentPattern` about as much again. Every other step is rxing's
//! own function, called as `SampleQR` calls it, so the sampled bits are rxing's: a test compares
//! them on generated photos, and `tests/scan` on every corpus photo.

use rxing::common::cpp_essentials::{
    BitMatrixCursorTrait, ConcentricPattern, DMRegressionLine, EdgeTracer,
    FindConcentricPatternCorners, FitSquareToPoints, Matrix, PatternType, ReadSymmetricPattern,
    RegressionLine, RegressionLineTrait,
};
use rxing::common::{BitMatrix, PerspectiveTransform, Quadrilateral};
use rxing::qrcode::cpp_port::detector::{EstimateTilt, FinderPatternSet, Mod2Pix, ReadVersion};
use rxing::{Point, point};

use super::binarize::{WORD_BITS, bit_matrix};
use super::concentric::{Bits, Cursor, Side, center_of_ring, floored, is_finder_pattern};

/// The smallest symbol with version bits and more than one alignment pattern: version 7.
const VERSION_7_SIZE: i32 = 17 + 4 * 7;

/// A symbol's modules and its corners (top-left, top-right, bottom-left, bottom-right, as
/// rxing's detector reports them).
pub struct Sampled {
    pub bits: BitMatrix,
    pub corners: [Point; 4],
}

/// rxing's `SampleQR`: the modules of the Model 2 symbol whose finder patterns are `fp`.
#[must_use]
pub fn sample_qr(image: &BitMatrix, fp: &FinderPatternSet) -> Option<Sampled> {
    let bits = Bits::new(image);
    let top = estimate_dimension(image, fp.tl, fp.tr);
    let left = estimate_dimension(image, fp.tl, fp.bl);
    if top.dimension == 0 && left.dimension == 0 {
        return None;
    }
    let best = match top.error.cmp(&left.error) {
        std::cmp::Ordering::Less => &top,
        std::cmp::Ordering::Equal if top.dimension > left.dimension => &top,
        std::cmp::Ordering::Equal | std::cmp::Ordering::Greater => &left,
    };
    let mut dimension = best.dimension;
    let module_size = (best.module_size + 1.0) as i32;

    // Every version but 1 has an alignment pattern: estimate its centre where the lines along
    // the one-module black borders of the outer finder patterns (outer and inner edge) meet.
    let mut br = point(-1.0, -1.0);
    let mut br_offset = point(3.0, 3.0);
    let bl2 = trace_line(bits, fp.bl.p, fp.tl.p, 2);
    let bl3 = trace_line(bits, fp.bl.p, fp.tl.p, 3);
    let tr2 = trace_line(bits, fp.tr.p, fp.tl.p, 2);
    let tr3 = trace_line(bits, fp.tr.p, fp.tl.p, 3);
    if bl2.isValid() && tr2.isValid() && bl3.isValid() && tr3.isValid() {
        let crossing =
            (RegressionLine::intersect(&bl2, &tr2)? + RegressionLine::intersect(&bl3, &tr3)?) / 2.0;
        if dimension > 21
            && let Some(found) = locate_alignment_pattern(bits, module_size, crossing)
        {
            br = found;
        }
        // Tilted, or lines traced finely enough: their crossing is the best estimate.
        if !image.is_in(br)
            && (EstimateTilt(fp) > 1.1
                || (bl2.isHighRes() && bl3.isHighRes() && tr2.isHighRes() && tr3.isHighRes()))
        {
            br = crossing;
        }
    }
    // Otherwise the parallelogram's fourth corner.
    if !image.is_in(br) || FitSquareToPoints(image, fp.bl.p, fp.bl.size, 2, false).is_none() {
        br = fp.tr.p - fp.tl.p + fp.bl.p;
        br_offset = point(0.0, 0.0);
    }
    let quad = |br: Point| Quadrilateral::from([fp.tl.p, fp.tr.p, br, fp.bl.p]);
    let mut mod2pix = Mod2Pix(dimension, br_offset, quad(br)).ok()?;

    if dimension < VERSION_7_SIZE {
        let whole = Region {
            from: (0, 0),
            to: (dimension, dimension),
            transform: mod2pix,
        };
        return sample_grid(image, dimension, &[whole]);
    }

    // Version 7 and up: the version bits say the size, and the alignment patterns where to
    // sample each region between them.
    let version = ReadVersion(image, dimension as u32, mod2pix).ok()?;
    let version_size = version.getDimensionForVersion() as i32;
    if (version_size - top.dimension)
        .abs()
        .min((version_size - left.dimension).abs())
        > 8
    {
        return None;
    }
    if version_size != dimension {
        dimension = version_size;
        mod2pix = Mod2Pix(dimension, br_offset, quad(br)).ok()?;
    }
    let regions = alignment_regions(
        bits,
        fp,
        dimension,
        module_size,
        version.getAlignmentPatternCenters(),
        mod2pix,
    )?;
    sample_grid(image, dimension, &regions)
}

/// The regions between a version 7+ symbol's alignment patterns, each with the transform its
/// four corner patterns give (found, else guessed from neighbours, else projected by
/// `mod2pix`); rxing's `SampleQR` from its `apP` matrix on.
fn alignment_regions(
    bits: Bits<'_>,
    fp: &FinderPatternSet,
    dimension: i32,
    module_size: i32,
    centres: &[u32],
    mut mod2pix: PerspectiveTransform,
) -> Option<Vec<Region>> {
    let image = bits.matrix;
    let last = centres.len().checked_sub(1)?;
    let mut at = Matrix::<Point>::new(centres.len(), centres.len()).ok()?;
    let project = |x: usize, y: usize, transform: &PerspectiveTransform| {
        transform.transform_point(point(centres[x] as f32 + 0.5, centres[y] as f32 + 0.5))
    };

    // The finder patterns' inner corners stand in for the three corner alignment positions.
    for (x, y, pattern) in [(0, 0, fp.tl), (0, last, fp.bl), (last, 0, fp.tr)] {
        let projected = project(x, y, &mod2pix);
        at.set(x, y, projected);
        if let Some(corners) = FindConcentricPatternCorners(image, pattern.p, pattern.size, 2) {
            for corner in corners.0 {
                if Point::distance(corner, projected) < pattern.size as f32 / 2.0 {
                    at.set(x, y, corner);
                }
            }
        }
    }
    // Each missing one near where its found neighbours say it should be.
    for y in 0..=last {
        for x in 0..=last {
            if at.get(x, y).is_some() {
                continue;
            }
            let guess =
                |x: usize, y: usize| at.get(x, y).unwrap_or_else(|| project(x, y, &mod2pix));
            let guessed = if x * y == 0 {
                guess(x, y)
            } else {
                guess(x - 1, y) + guess(x, y - 1) - guess(x - 1, y - 1)
            };
            if let Some(found) = locate_alignment_pattern(bits, module_size, guessed) {
                at.set(x, y, found);
            }
        }
    }
    // Gaps: where the lines through the two nearest found neighbours across and down meet.
    let (mut across, mut down) = (Vec::new(), Vec::new());
    for y in 0..=last {
        for x in 0..=last {
            if at.get(x, y).is_some() {
                continue;
            }
            across.clear();
            down.clear();
            for (found, (ux, uy)) in [(&mut across, (1, 0)), (&mut down, (0, 1))] {
                // The nearest first, alternately after and before.
                for i in 2..2 * last + 2 {
                    if found.len() == 2 {
                        break;
                    }
                    let offset = (i / 2) as isize * if i % 2 != 0 { 1 } else { -1 };
                    let (xi, yi) = (x as isize + offset * ux, y as isize + offset * uy);
                    if (0..=last as isize).contains(&xi)
                        && (0..=last as isize).contains(&yi)
                        && let Some(p) = at.get(xi as usize, yi as usize)
                    {
                        found.push(p);
                    }
                }
            }
            if across.len() == 2 && down.len() == 2 {
                let guessed = RegressionLine::intersect(
                    &DMRegressionLine::new(across[0], across[1]),
                    &DMRegressionLine::new(down[0], down[1]),
                )?;
                let found = locate_alignment_pattern(bits, module_size, guessed);
                at.set(x, y, found.unwrap_or(guessed));
            }
        }
    }
    if let Some(corner) = at.get(last, last) {
        mod2pix = Mod2Pix(
            dimension,
            point(3.0, 3.0),
            Quadrilateral::from([fp.tl.p, fp.tr.p, corner, fp.bl.p]),
        )
        .ok()?;
    }
    // The rest projected, taking the symbol as flat.
    for y in 0..=last {
        for x in 0..=last {
            if at.get(x, y).is_none() {
                at.set(x, y, project(x, y, &mod2pix));
            }
        }
    }

    let mut regions = Vec::with_capacity(last * last);
    for y in 0..last {
        for x in 0..last {
            let (x0, x1, y0, y1) = (centres[x], centres[x + 1], centres[y], centres[y + 1]);
            regions.push(Region {
                from: (
                    x0 as i32 - i32::from(x == 0) * 6,
                    y0 as i32 - i32::from(y == 0) * 6,
                ),
                to: (
                    x1 as i32 + i32::from(x == last - 1) * 7,
                    y1 as i32 + i32::from(y == last - 1) * 7,
                ),
                transform: PerspectiveTransform::quadrilateralToQuadrilateral(
                    Quadrilateral::rectangle_from_xy(
                        x0 as f32, x1 as f32, y0 as f32, y1 as f32, None,
                    ),
                    Quadrilateral::from([
                        at.get(x, y)?,
                        at.get(x + 1, y)?,
                        at.get(x + 1, y + 1)?,
                        at.get(x, y + 1)?,
                    ]),
                )
                .ok()?,
            });
        }
    }
    Some(regions)
}

/// rxing's `DimensionEstimate`.
struct DimensionEstimate {
    dimension: i32,
    module_size: f64,
    error: i32,
}

/// rxing's `EstimateModuleSize`: from the finder pattern `a`'s bars towards `b`, or -1.
fn estimate_module_size(image: &BitMatrix, a: ConcentricPattern, b: ConcentricPattern) -> f64 {
    let mut cursor = EdgeTracer::new(image, a.p, b.p - a.p);
    if !cursor.isBlack() {
        return -1.0;
    }
    let Some(bars) = ReadSymmetricPattern::<5, _>(&mut cursor, a.size * 2) else {
        return -1.0;
    };
    if !is_finder_pattern(&bars) {
        return -1.0;
    }
    let sum: PatternType = bars.iter().sum();
    f64::from(2 * sum - bars[0] - bars[4]) / 12.0 * f64::from(cursor.d().length())
}

/// rxing's `EstimateDimension`: the symbol's size in modules from two finder patterns, rounded
/// to a valid size, and how far it was rounded.
fn estimate_dimension(
    image: &BitMatrix,
    a: ConcentricPattern,
    b: ConcentricPattern,
) -> DimensionEstimate {
    let (ms_a, ms_b) = (
        estimate_module_size(image, a, b),
        estimate_module_size(image, b, a),
    );
    if ms_a < 0.0 || ms_b < 0.0 {
        return DimensionEstimate {
            dimension: 0,
            module_size: 0.0,
            error: 4,
        };
    }
    let module_size = (ms_a + ms_b) / 2.0;
    let dimension = (f64::from(ConcentricPattern::distance(a, b)) / module_size).round() as i32 + 7;
    let error = 1 - dimension % 4;
    DimensionEstimate {
        dimension: dimension + error,
        module_size,
        error: error.abs(),
    }
}

/// rxing's `TraceLine`: a line fitted to the `edge`th edge (2: outer, 3: inner) of the black
/// border from the finder pattern at `p` towards `towards`, traced both ways along it.
fn trace_line(bits: Bits<'_>, p: Point, towards: Point, edge: i32) -> RegressionLine {
    let mut cursor = EdgeTracer::new(bits.matrix, p, towards - p);
    let mut line = RegressionLine::default();
    line.setDirectionInward(cursor.back());
    // Inside the black line: one step short of the third edge.
    cursor.stepToEdge(Some(edge), Some(0), Some(edge == 3));
    if edge == 3 {
        cursor.turnBack();
    }
    let main = cursor.d().mainDirection();
    if !(cursor.p().x.is_finite() && cursor.p().y.is_finite()) || main == Point::default() {
        // `towards` is `p`: rxing's cursor has no direction and its position turns NaN, and
        // each side adds that one point.
        for _ in 0..2 {
            line.add(point(f32::NAN, f32::NAN))
                .expect("a traced point is added to its line");
        }
        line.evaluate_max_distance(Some(1.0), Some(true));
        return line;
    }
    // From here the directions are whole pixels: track the pixel the position lies in (the
    // position's fraction never changes, and rxing's lookups truncate it away).
    let (x, y) = floored(cursor.p());
    let mut inward = Cursor {
        bits,
        x,
        y,
        dx: main.x as i32,
        dy: main.y as i32,
    };
    // With the white-to-black edge directly behind.
    while inward.inside() && !inward.edge_at(inward.back()) {
        if inward.edge_at(inward.side(Side::Left)) {
            inward.turn(Side::Right);
        } else if inward.edge_at(inward.side(Side::Right)) {
            inward.turn(Side::Left);
        } else {
            inward.x -= inward.dx;
            inward.y -= inward.dy;
        }
    }
    let steps = (cursor.p() - p).maxAbsComponent() as i32;
    for side in [Side::Left, Side::Right] {
        let (dx, dy) = inward.side(side);
        let mut along = Cursor { dx, dy, ..inward };
        let mut remaining = steps;
        loop {
            // rxing adds each pixel's centre; a failure to add panics there too.
            line.add(point(along.x as f32 + 0.5, along.y as f32 + 0.5))
                .expect("a traced point is added to its line");
            remaining -= 1;
            if !(remaining > 0 && along.step_along_edge_skipping_corner(side)) {
                break;
            }
        }
    }
    line.evaluate_max_distance(Some(1.0), Some(true));
    line
}

/// rxing's `LocateAlignmentPattern`: an alignment pattern (a ring around a dot) near
/// `estimate`, trying the estimate and eight points 2.25 modules around it.
fn locate_alignment_pattern(bits: Bits<'_>, module_size: i32, estimate: Point) -> Option<Point> {
    let image = bits.matrix;
    let reach = module_size as f32 * 2.25;
    for (dx, dy) in [
        (0.0, 0.0),
        (0.0, -1.0),
        (0.0, 1.0),
        (-1.0, 0.0),
        (1.0, 0.0),
        (-1.0, -1.0),
        (1.0, -1.0),
        (1.0, 1.0),
        (-1.0, 1.0),
    ] {
        let start = point(estimate.x + reach * dx, estimate.y + reach * dy).floor();
        if !image.is_in(start) {
            continue;
        }
        // Unless it lands on black, the dot's ring cannot be traced.
        let Some(dot) = center_of_ring(bits, floored(start), module_size * 3, 1, false) else {
            continue;
        };
        if !image.get_point(dot) {
            continue;
        }
        if let Some(inner) = center_of_ring(bits, floored(dot), module_size, 1, true)
            && let Some(outer) = center_of_ring(bits, floored(dot), module_size * 3, -2, true)
            && Point::distance(inner, outer) < module_size as f32 / 2.0
        {
            return Some((inner + outer) / 2.0);
        }
    }
    None
}

/// rxing's `SamplerControl`: the modules `from..to` and where their centres lie in the image.
struct Region {
    from: (i32, i32),
    to: (i32, i32),
    transform: PerspectiveTransform,
}

/// rxing's `DefaultGridSampler::sample_grid`, each module's colour ORed into its row's bit word
/// instead of branching on it; `None` where rxing's fails (a region's corner or any module
/// centre outside the image).
fn sample_grid(image: &BitMatrix, dimension: i32, regions: &[Region]) -> Option<Sampled> {
    if dimension <= 0 {
        return None;
    }
    let centre = |transform: &PerspectiveTransform, x: i32, y: i32| {
        transform.transform_point(point(x as f32 + 0.5, y as f32 + 0.5))
    };
    for Region {
        from: (x0, y0),
        to: (x1, y1),
        transform,
    } in regions
    {
        let inside = |x, y| image.is_in(centre(transform, x, y));
        if *x0 < 0
            || *y0 < 0
            || *x1 > dimension
            || *y1 > dimension
            || !transform.isValid()
            || !inside(*x0, *y0)
            || !inside(x1 - 1, *y0)
            || !inside(x1 - 1, y1 - 1)
            || !inside(*x0, y1 - 1)
        {
            return None;
        }
    }
    let size = dimension as usize;
    let row_words = size.div_ceil(WORD_BITS);
    let mut words = vec![0usize; row_words * size];
    for region in regions {
        let ((x0, y0), (x1, y1)) = (region.from, region.to);
        for y in y0..y1 {
            let row = &mut words[y as usize * row_words..(y as usize + 1) * row_words];
            // The word being filled stays in a register: ORing each bit into memory would
            // chain every module to the store before it.
            let (mut word, mut at) = (0usize, x0 as usize / WORD_BITS);
            for x in x0..x1 {
                let p = centre(&region.transform, x, y);
                // A projective transform keeps the inside inside, but rounding has been seen
                // to push an inner point out (zxing-cpp #563).
                if !image.is_in(p) {
                    return None;
                }
                let black = image.get(p.x as u32, p.y as u32);
                let x = x as usize;
                if x / WORD_BITS != at {
                    row[at] |= word;
                    (word, at) = (0, x / WORD_BITS);
                }
                word |= usize::from(black) << (x % WORD_BITS);
            }
            if let Some(last) = row.get_mut(at) {
                *last |= word;
            }
        }
    }
    let bits = bit_matrix(&words, size, size)?;
    let project_corner = |p: Point| {
        regions
            .iter()
            .find(|r| {
                r.from.0 as f32 <= p.x
                    && p.x <= r.to.0 as f32
                    && r.from.1 as f32 <= p.y
                    && p.y <= r.to.1 as f32
            })
            .map_or(Point::default(), |r| {
                r.transform.transform_point(p) + point(0.5, 0.5)
            })
    };
    let d = dimension as f32;
    Some(Sampled {
        bits,
        corners: [
            project_corner(point(0.0, 0.0)),
            project_corner(point(d, 0.0)),
            project_corner(point(0.0, d)),
            project_corner(point(d, d)),
        ],
    })
}

#[cfg(test)]
mod tests {
    use rxing::common::cpp_essentials::RegressionLineTrait;
    use rxing::common::{BitMatrix, DetectorRXingResult};
    use rxing::point;
    use rxing::qrcode::cpp_port::detector::{LocateAlignmentPattern, SampleQR, TraceLine};

    use super::{Bits, locate_alignment_pattern, sample_qr, trace_line};
    use crate::scan::qr::{find_finder_patterns, finder_pattern_sets};

    /// `text`'s QR code seen in perspective: modules of about `module` px, turned by `turn`
    /// radians, the far side narrower by `keystone`, with a fraction `noise` of the pixels
    /// flipped.
    fn photographed_code(
        text: &str,
        module: f32,
        turn: f32,
        keystone: f32,
        noise: u64,
    ) -> BitMatrix {
        let qr = crate::qr::QrMatrix::encode(text, crate::qr::Ecc::M).expect("encodes");
        let size = qr.width() as f32;
        let side = ((size + 10.0) * module * 1.6) as u32;
        let mut matrix = BitMatrix::new(side, side).expect("non-empty");
        let (sin, cos) = turn.sin_cos();
        let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ noise;
        for y in 0..side {
            for x in 0..side {
                // Pixel -> module: centre, turn, divide by the depth, scale.
                let (cx, cy) = (x as f32 - side as f32 / 2.0, y as f32 - side as f32 / 2.0);
                let (rx, ry) = (cos * cx - sin * cy, sin * cx + cos * cy);
                let depth = 1.0 + keystone * ry / (size * module);
                let (u, v) = (
                    rx * depth / module + size / 2.0,
                    ry * depth / module + size / 2.0,
                );
                let dark = u >= 0.0
                    && v >= 0.0
                    && u < size
                    && v < size
                    && qr.is_dark(u as usize, v as usize);
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                if dark != (noise > 0 && state.is_multiple_of(noise)) {
                    matrix.set(x, y);
                }
            }
        }
        matrix
    }

    #[test]
    fn the_sampled_modules_and_corners_are_rxings_for_every_finder_pattern_set() {
        let mut sampled = 0;
        for (i, text) in [
            "https://namecard.example/c/1".to_owned(),
            format!("https://namecard.example/c/{}", "x".repeat(90)),
            format!("https://namecard.example/c/{}", "y".repeat(260)),
        ]
        .iter()
        .enumerate()
        {
            for (module, turn, keystone, noise) in [
                (4.0, 0.0, 0.0, 0),
                (3.3, 0.4, 0.3, 0),
                (5.2, -1.1, 0.5, 40),
                (2.6, 2.5, 0.2, 25),
            ] {
                let matrix = photographed_code(text, module, turn, keystone, noise);
                for try_harder in [false, true] {
                    let mut patterns = find_finder_patterns(&matrix, try_harder);
                    for set in finder_pattern_sets(&mut patterns) {
                        let theirs = SampleQR(&matrix, &set).ok();
                        let ours = sample_qr(&matrix, &set);
                        let what = format!("text {i}, module {module}, turn {turn}, set {set:?}");
                        assert_eq!(ours.is_some(), theirs.is_some(), "{what}");
                        if let (Some(ours), Some(theirs)) = (ours, theirs) {
                            assert!(&ours.bits == theirs.getBits(), "{what}: bits differ");
                            assert_eq!(ours.corners.as_slice(), theirs.getPoints(), "{what}");
                            sampled += 1;
                        }
                    }
                }
            }
        }
        assert!(sampled >= 12, "most codes are sampled ({sampled})");
    }

    #[test]
    fn alignment_patterns_and_traced_lines_are_rxings_everywhere_on_noisy_codes() {
        let text = format!("https://namecard.example/c/{}", "z".repeat(260));
        let (mut lines, mut found) = (0, 0);
        for (module, turn, keystone, noise) in [(3.0, 0.3, 0.2, 0), (4.5, -0.8, 0.4, 12)] {
            let matrix = photographed_code(&text, module, turn, keystone, noise);
            let bits = Bits::new(&matrix);
            let mut patterns = find_finder_patterns(&matrix, true);
            patterns.truncate(6);
            let side = matrix.getWidth() as f32;
            let mut towards: Vec<_> = patterns.iter().map(|p| p.p).collect();
            towards.extend([
                point(0.0, 0.0),
                point(side, 0.0),
                point(0.0, side),
                point(side, side),
            ]);
            for a in &patterns {
                for &b in &towards {
                    for edge in [2, 3] {
                        let theirs = TraceLine(&matrix, a.p, b, edge);
                        let ours = trace_line(bits, a.p, b, edge);
                        // NaN (of either sign) where invalid: compare the bits.
                        let bits = |v: f32| if v.is_nan() { 0 } else { v.to_bits() };
                        let ours = [ours.a(), ours.b(), ours.c()].map(bits);
                        let theirs = [theirs.a(), theirs.b(), theirs.c()].map(bits);
                        assert_eq!(ours, theirs, "{a:?} -> {b:?}, edge {edge}");
                        lines += 1;
                    }
                }
            }
            let side = matrix.getWidth();
            for y in (0..side).step_by(5) {
                for x in (0..side).step_by(7) {
                    let estimate = point(x as f32 + 0.3, y as f32 + 0.6);
                    for module_size in [2, 5] {
                        let theirs = LocateAlignmentPattern(&matrix, module_size, estimate);
                        let ours = locate_alignment_pattern(bits, module_size, estimate);
                        assert_eq!(ours, theirs, "at {estimate:?}, module {module_size}");
                        found += usize::from(ours.is_some());
                    }
                }
            }
        }
        assert!(
            lines >= 40 && found > 100,
            "{lines} lines, {found} alignment patterns"
        );
    }
}
