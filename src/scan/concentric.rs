//! rxing's `LocateConcentricPattern` for the QR finder pattern (1:1:3:1:1 edge to edge), on
//! integer cursors.
//!
//! Profiled on the corpus in a release build, rxing's version and the ring tracing behind it
//! took a quarter of a small photo's decode: its cursors hold `f32` positions and floor them
//! (a libm call on baseline x86-64) at every step around a ring, and its edge-to-edge counter
//! turns each linear pixel index back into (x, y) with a division. The same steps on integer
//! positions find the same patterns at the same points: a test compares them with rxing's on
//! random images, and `tests/scan` on every corpus photo. The rare fallbacks (a square fitted
//! to the ring, the double cross) stay rxing's.

use rxing::common::BitMatrix;
use rxing::common::cpp_essentials::{
    CenterOfDoubleCross, ConcentricPattern, FitSquareToPoints, IsPattern, PatternType, PatternView,
};
use rxing::{Point, point};

use super::qr::FINDER;

/// What a cursor sees at a position: rxing's `Value` (outside the image is neither colour).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Value {
    Outside,
    White,
    Black,
}

/// The bit matrix with signed coordinates.
#[derive(Clone, Copy)]
pub(super) struct Bits<'a> {
    pub(super) matrix: &'a BitMatrix,
    width: i32,
    height: i32,
}

impl<'a> Bits<'a> {
    pub(super) fn new(matrix: &'a BitMatrix) -> Self {
        Bits {
            matrix,
            width: matrix.getWidth() as i32,
            height: matrix.getHeight() as i32,
        }
    }

    fn contains(self, x: i32, y: i32) -> bool {
        0 <= x && x < self.width && 0 <= y && y < self.height
    }

    /// Whether (x, y), inside the image, is black.
    fn black(self, x: i32, y: i32) -> bool {
        self.matrix.get(x as u32, y as u32)
    }

    fn value(self, x: i32, y: i32) -> Value {
        if !self.contains(x, y) {
            Value::Outside
        } else if self.black(x, y) {
            Value::Black
        } else {
            Value::White
        }
    }
}

/// rxing's `Direction`: which side of the cursor.
#[derive(Clone, Copy)]
pub(super) enum Side {
    Left,
    Right,
}

impl Side {
    fn opposite(self) -> Self {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

/// rxing's `EdgeTracer` without history: a position and a direction, both whole pixels.
#[derive(Clone, Copy)]
pub(super) struct Cursor<'a> {
    pub(super) bits: Bits<'a>,
    pub(super) x: i32,
    pub(super) y: i32,
    pub(super) dx: i32,
    pub(super) dy: i32,
}

impl Cursor<'_> {
    pub(super) fn inside(&self) -> bool {
        self.bits.contains(self.x, self.y)
    }

    pub(super) fn back(&self) -> (i32, i32) {
        (-self.dx, -self.dy)
    }

    pub(super) fn side(&self, side: Side) -> (i32, i32) {
        match side {
            Side::Right => (-self.dy, self.dx),
            Side::Left => (self.dy, -self.dx),
        }
    }

    pub(super) fn turn(&mut self, side: Side) {
        (self.dx, self.dy) = self.side(side);
    }

    /// rxing's `edgeAt(d).isValid()`: the pixel one step along (dx, dy) differs from this one,
    /// and this one is inside the image.
    pub(super) fn edge_at(&self, (dx, dy): (i32, i32)) -> bool {
        let here = self.bits.value(self.x, self.y);
        here != Value::Outside && self.bits.value(self.x + dx, self.y + dy) != here
    }

    /// rxing's `stepToEdge`: moves to the `nth` edge (counting the image border as one) within
    /// `range` steps (0: unlimited), one step short of it if `backup`; the steps taken, or 0 if
    /// the edge was not reached.
    fn step_to_edge(&mut self, mut nth: i32, range: i32, backup: bool) -> i32 {
        let mut steps = 0;
        let mut last = self.bits.value(self.x, self.y);
        while nth > 0 && (range <= 0 || steps < range) && last != Value::Outside {
            steps += 1;
            let v = self
                .bits
                .value(self.x + steps * self.dx, self.y + steps * self.dy);
            if v != last {
                last = v;
                nth -= 1;
            }
        }
        if backup {
            steps -= 1;
        }
        self.x += steps * self.dx;
        self.y += steps * self.dy;
        steps * i32::from(nth == 0)
    }

    /// rxing's `stepAlongEdge` (without corner skipping): follows the edge on `side`.
    fn step_along_edge(&mut self, side: Side) -> bool {
        if !self.edge_at(self.side(side)) {
            self.turn(side);
        } else if self.edge_at((self.dx, self.dy)) {
            self.turn(side.opposite());
            if self.edge_at((self.dx, self.dy)) {
                self.turn(side.opposite());
                if self.edge_at((self.dx, self.dy)) {
                    return false;
                }
            }
        }
        self.step()
    }

    /// rxing's `stepAlongEdge` with `skipCorner`: past an outer corner, round it at once.
    pub(super) fn step_along_edge_skipping_corner(&mut self, side: Side) -> bool {
        if !self.step_along_edge(side) {
            return false;
        }
        if self.edge_at(self.side(side)) {
            return true;
        }
        self.turn(side);
        self.step()
    }

    fn step(&mut self) -> bool {
        self.x += self.dx;
        self.y += self.dy;
        self.bits.contains(self.x, self.y)
    }
}

/// rxing's `FastEdgeToEdgeCounter`: counts steps to the next colour change along a line,
/// stopping at the image border.
struct EdgeCounter<'a> {
    bits: Bits<'a>,
    x: i32,
    y: i32,
    dx: i32,
    dy: i32,
    to_border: i32,
}

impl<'a> EdgeCounter<'a> {
    fn new(bits: Bits<'a>, x: i32, y: i32, dx: i32, dy: i32) -> Self {
        let steps = |d: i32, at: i32, size: i32| match d.signum() {
            1 => size - 1 - at,
            -1 => at,
            _ => i32::MAX,
        };
        EdgeCounter {
            bits,
            x,
            y,
            dx,
            dy,
            to_border: steps(dx, x, bits.width).min(steps(dy, y, bits.height)),
        }
    }

    /// Steps to the next edge, or to one past the border; 0 if `range` runs out first.
    fn step_to_next_edge(&mut self, range: i32) -> i32 {
        let max_steps = self.to_border.min(range);
        let mut steps = 1;
        if max_steps >= 1 {
            let here = self.bits.black(self.x, self.y);
            while self
                .bits
                .black(self.x + steps * self.dx, self.y + steps * self.dy)
                == here
            {
                steps += 1;
                if steps > max_steps {
                    break;
                }
            }
        }
        if steps > max_steps && max_steps != self.to_border {
            return 0;
        }
        self.x += steps * self.dx;
        self.y += steps * self.dy;
        self.to_border -= steps;
        steps
    }
}

/// Whether five bars measured edge to edge read 1:1:3:1:1 (rxing's `IsPattern` for [`FINDER`]).
pub(super) fn is_finder_pattern(bars: &[PatternType; 5]) -> bool {
    IsPattern::<true, 5, 7, false>(&PatternView::from_slice(bars), &FINDER, None, 0.0, 0.0, 0.0)
        != 0.0
}

/// rxing's `CheckSymmetricPattern` for the finder pattern through (x, y) along (dx, dy): the
/// pattern's width in pixels if its bars read 1:1:3:1:1 within `range`, else 0. With
/// `update_position`, moves (x, y) to the middle of the centre bar.
fn check_symmetric_pattern(
    bits: Bits<'_>,
    (x, y): &mut (i32, i32),
    (dx, dy): (i32, i32),
    mut range: i32,
    update_position: bool,
) -> i32 {
    let mut forward = EdgeCounter::new(bits, *x, *y, dx, dy);
    let mut backward = EdgeCounter::new(bits, *x, *y, -dx, -dy);
    let centre_forward = forward.step_to_next_edge(range);
    if centre_forward == 0 {
        return 0;
    }
    let centre_backward = backward.step_to_next_edge(range);
    if centre_backward == 0 {
        return 0;
    }
    let mut bars: [PatternType; 5] = [0; 5];
    // The starting pixel is counted by both.
    bars[2] = (centre_forward + centre_backward - 1) as PatternType;
    range -= i32::from(bars[2]);
    for i in 1..=2 {
        for (counter, at) in [(&mut forward, 2 + i), (&mut backward, 2 - i)] {
            let v = counter.step_to_next_edge(range);
            bars[at] = v as PatternType;
            range -= v;
            if v == 0 {
                return 0;
            }
        }
    }
    if !is_finder_pattern(&bars) {
        return 0;
    }
    if update_position {
        let step = i32::from(bars[2]) / 2 - (centre_backward - 1);
        *x += step * dx;
        *y += step * dy;
    }
    bars.iter().map(|&b| i32::from(b)).sum()
}

/// rxing's `CenterOfRing` around (x, y): the mean of the pixels along the `nth` edge outwards
/// (inside the ring if `nth` is negative), if it closes around the centre within `range`.
pub(super) fn center_of_ring(
    bits: Bits<'_>,
    (x, y): (i32, i32),
    range: i32,
    nth: i32,
    require_circle: bool,
) -> Option<Point> {
    let inner = nth < 0;
    let mut cursor = Cursor {
        bits,
        x,
        y,
        dx: 0,
        dy: 1,
    };
    if cursor.step_to_edge(nth.abs(), range, inner) == 0 {
        return None;
    }
    cursor.turn(Side::Right);
    let side = if inner { Side::Left } else { Side::Right };
    let start = (cursor.x, cursor.y);
    let mut neighbours = 0u32;
    let mut sum = point(0.0, 0.0);
    let mut n = 0;
    loop {
        sum += point(cursor.x as f32 + 0.5, cursor.y as f32 + 0.5);
        n += 1;
        // Which of the eight neighbouring directions this point lies in (rxing floors the
        // Bresenham direction): all eight must be visited to come full circle.
        let (ox, oy) = (cursor.x - x, cursor.y - y);
        let most = ox.abs().max(oy.abs());
        let octant = |o: i32| {
            if o == most {
                1
            } else if o >= 0 {
                0
            } else {
                -1
            }
        };
        neighbours |= 1 << (4 + octant(ox) + 3 * octant(oy));
        if !cursor.step_along_edge(side) {
            return None;
        }
        // The L-inf norm, as rxing: faster than L2 and close enough.
        if (cursor.x - x).abs().max((cursor.y - y).abs()) > range
            || (cursor.x, cursor.y) == (x, y)
            || n > 4 * 2 * range
        {
            return None;
        }
        if (cursor.x, cursor.y) == start {
            break;
        }
    }
    if require_circle && neighbours != 0b1_1110_1111 {
        return None;
    }
    Some(sum / n as f32)
}

/// A position's pixel.
pub(super) fn floored(p: Point) -> (i32, i32) {
    (p.x.floor() as i32, p.y.floor() as i32)
}

/// rxing's `FinetuneConcentricPatternCenter` for the finder pattern (five rings).
fn finetune_center(bits: Bits<'_>, center: (i32, i32), range: i32) -> Option<Point> {
    let image = bits.matrix;
    // At least one path of white around the centre...
    let first = center_of_ring(bits, center, range, 1, true)?;
    if !image.get_point(first) {
        return None;
    }
    // ...and then either one more ring around that (rxing's `CenterOfRings`, two rings)...
    // (A ring centred on the origin, or too far from the first, makes rxing's `CenterOfRings`
    // give up, and the other two are tried.)
    if let Some(second) = center_of_ring(bits, floored(first), range, 2, true)
        && second != Point::default()
        && Point::distance(second, first) <= range as f32 / 2.0 / 2.0
    {
        let both = (first + second) / 2.0;
        return image.get_point(both).then_some(both);
    }
    // ...or a square fitted to the first ring...
    if FitSquareToPoints(image, first, range, 1, false).is_some() {
        return Some(first);
    }
    // ...or the double cross.
    let cross = CenterOfDoubleCross(image, first.floor(), range, 3)?;
    image.get_point(cross).then_some(cross)
}

/// rxing's `LocateConcentricPattern::<true, 5, 7>` for [`FINDER`]: the finder pattern around
/// `center`, read within `range` pixels horizontally and vertically (twice that diagonally),
/// with its centre fine-tuned from its rings.
#[must_use]
pub fn locate_finder_pattern(
    matrix: &BitMatrix,
    center: Point,
    range: i32,
) -> Option<ConcentricPattern> {
    let bits = Bits::new(matrix);
    let mut at = floored(center);
    let (mut min_spread, mut max_spread) = (bits.width, 0);
    for (direction, range, update) in [
        ((0, 1), range, true),
        ((1, 0), range, true),
        ((1, 1), range * 2, false),
        ((1, -1), range * 2, false),
    ] {
        let spread = check_symmetric_pattern(bits, &mut at, direction, range, update);
        if spread == 0 {
            return None;
        }
        min_spread = min_spread.min(spread);
        max_spread = max_spread.max(spread);
    }
    if max_spread > 5 * min_spread {
        return None;
    }
    Some(ConcentricPattern {
        p: finetune_center(bits, at, range)?,
        size: (max_spread + min_spread) / 2,
    })
}

#[cfg(test)]
mod tests {
    use rxing::common::BitMatrix;
    use rxing::common::cpp_essentials::LocateConcentricPattern;
    use rxing::point;

    use super::locate_finder_pattern;

    /// Blocky noise: squares of 1-6 px, black or white at random, so that concentric
    /// patterns, rings broken at the border and every kind of edge turn up.
    fn blocky(width: u32, height: u32, seed: u64) -> BitMatrix {
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut matrix = BitMatrix::new(width, height).expect("non-empty");
        for _ in 0..(width * height / 6) {
            let (x, y) = (
                (next() % u64::from(width)) as u32,
                (next() % u64::from(height)) as u32,
            );
            let side = 1 + (next() % 6) as u32;
            let (w, h) = (side.min(width - x), side.min(height - y));
            if next() % 2 == 0 {
                matrix.setRegion(x, y, w, h).expect("inside");
            } else {
                for yy in y..y + h {
                    for xx in x..x + w {
                        matrix.unset(xx, yy);
                    }
                }
            }
        }
        matrix
    }

    /// A finder pattern of `module` px modules with its top-left corner at (x, y).
    fn draw_finder(matrix: &mut BitMatrix, x: u32, y: u32, module: u32) {
        matrix
            .setRegion(x, y, 7 * module, 7 * module)
            .expect("inside");
        for yy in y + module..y + 6 * module {
            for xx in x + module..x + 6 * module {
                matrix.unset(xx, yy);
            }
        }
        matrix
            .setRegion(x + 2 * module, y + 2 * module, 3 * module, 3 * module)
            .expect("inside");
    }

    #[test]
    fn the_finder_pattern_is_rxings_at_every_point_of_noisy_images_with_patterns_at_the_border() {
        let mut found = 0;
        for seed in 1..5u64 {
            let mut matrix = blocky(90, 70, seed);
            // Whole patterns, and patterns cut by each border.
            draw_finder(&mut matrix, 20, 15, 3);
            draw_finder(&mut matrix, 0, 40, 2);
            draw_finder(&mut matrix, 76, 0, 2);
            draw_finder(&mut matrix, 50, 56, 2);
            for y in 0..70 {
                for x in 0..90 {
                    for (dx, dy) in [(0.5, 0.5), (0.0, 0.0), (0.9, 0.3)] {
                        let p = point(x as f32 + dx, y as f32 + dy);
                        for range in [1, 7, 21, 60] {
                            let theirs = LocateConcentricPattern::<true, 5, 7>(
                                &matrix,
                                &[1, 1, 3, 1, 1],
                                p,
                                range,
                            );
                            let ours = locate_finder_pattern(&matrix, p, range);
                            assert_eq!(ours, theirs, "seed {seed} at {p:?} range {range}");
                            found += usize::from(ours.is_some());
                        }
                    }
                }
            }
        }
        assert!(found > 100, "the drawn patterns are found ({found})");
    }
}
