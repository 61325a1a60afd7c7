//! rxing's hybrid (local block) binarisation, computed the same way but a row at a time.
//!
//! Measured on the corpus in a release build, rxing's `HybridBinarizer` took about half of the
//! first cascade step's time: it thresholds pixel by pixel through `BitMatrix::set`, and it is
//! generic over the luminance source, so it is compiled into this crate (unoptimised in the dev
//! profile). [`FastHybridBinarizer`] produces the *same* bit matrix (a test compares them on
//! every corpus photo and on random images), so every detector sees exactly what it saw before,
//! only sooner: block statistics are gathered across whole rows, each run of eight pixels
//! becomes one byte of the row's bit words, and the pixels are borrowed instead of copied.

use std::borrow::Cow;
use std::sync::OnceLock;

use rxing::common::{BitArray, BitMatrix, GlobalHistogramBinarizer, LineOrientation, Result};
use rxing::{Binarizer, Luma8Source, LuminanceSource};

/// Side of the square blocks whose statistics set the local threshold (rxing: 8).
const BLOCK: usize = 8;
/// Smaller images fall back to the global histogram, as in rxing (5 blocks).
const MINIMUM_DIMENSION: usize = BLOCK * 5;
/// Blocks with less contrast than this are taken as flat background (rxing: 24).
const MIN_DYNAMIC_RANGE: u8 = 24;
/// Bits per word of rxing's `BitMatrix` rows.
pub(super) const WORD_BITS: usize = usize::BITS as usize;

/// An rxing [`Binarizer`] over a borrowed grayscale buffer whose black matrix is rxing's
/// hybrid binarisation, computed eagerly and faster (see the module documentation).
pub struct FastHybridBinarizer<'a> {
    source: Luma8Source<'a>,
    /// rxing's global-histogram binariser of the same pixels, for 1D rows and for images under
    /// [`MINIMUM_DIMENSION`]; built on first use, since its row and column caches (a cell per
    /// row and per column) cost a small photo's QR search a thirtieth of its time.
    global: OnceLock<GlobalHistogramBinarizer<Luma8Source<'a>>>,
    /// `None` for images under [`MINIMUM_DIMENSION`], which use the global histogram instead.
    matrix: Option<BitMatrix>,
}

impl<'a> FastHybridBinarizer<'a> {
    /// Binarises `source` at once.
    #[must_use]
    pub fn new(source: Luma8Source<'a>) -> Self {
        let (width, height) = (source.get_width(), source.get_height());
        let matrix = hybrid_black_matrix(&source.get_matrix(), width, height);
        Self {
            source,
            global: OnceLock::new(),
            matrix,
        }
    }

    fn global(&self) -> &GlobalHistogramBinarizer<Luma8Source<'a>> {
        self.global
            .get_or_init(|| GlobalHistogramBinarizer::new(self.source.clone()))
    }
}

impl<'a> Binarizer for FastHybridBinarizer<'a> {
    type Source = Luma8Source<'a>;

    fn get_luminance_source(&self) -> &Self::Source {
        &self.source
    }

    // Rows and lines are for 1D barcode readers; like rxing's hybrid binariser, use the global
    // histogram for them.
    fn get_black_row(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        self.global().get_black_row(y)
    }

    fn get_black_row_from_matrix(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        match &self.matrix {
            Some(matrix) => Ok(Cow::Owned(matrix.getRow(y as u32))),
            None => self.global().get_black_row_from_matrix(y),
        }
    }

    fn get_black_matrix(&self) -> Result<&BitMatrix> {
        match &self.matrix {
            Some(matrix) => Ok(matrix),
            None => self.global().get_black_matrix(),
        }
    }

    fn get_black_line(&self, l: usize, lt: LineOrientation) -> Result<Cow<'_, BitArray>> {
        self.global().get_black_line(l, lt)
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        Self::new(source)
    }

    fn get_width(&self) -> usize {
        self.source.get_width()
    }

    fn get_height(&self) -> usize {
        self.source.get_height()
    }
}

/// Whether an image of this size gets the block (hybrid) binarisation; smaller ones get the
/// global histogram, as in rxing.
#[must_use]
pub fn binarizes_in_blocks(width: usize, height: usize) -> bool {
    width >= MINIMUM_DIMENSION && height >= MINIMUM_DIMENSION
}

/// rxing's `HybridBinarizer::calculateBlackMatrix`, or `None` when the image is too small for
/// it. Blocks are 8x8 pixels; the last block of a row or column that does not divide by 8 is
/// moved back inside the image and overlaps its neighbour, and a pixel two blocks cover is black
/// if either block's threshold says so (rxing only ever sets bits), as here.
#[must_use]
pub fn hybrid_black_matrix(luma: &[u8], width: usize, height: usize) -> Option<BitMatrix> {
    if !binarizes_in_blocks(width, height) || luma.len() != width * height {
        return None;
    }
    let black_points = black_points(luma, width, height);
    let (sub_width, sub_height) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    let row_words = width.div_ceil(WORD_BITS);
    let mut words = vec![0usize; row_words * height];
    // Per block row: every pixel's threshold, then its bit: whether the pixel is at or below it.
    let mut pixel_thresholds = vec![0u8; width];
    for by in 0..sub_height {
        let top = by.clamp(2, sub_height - 3);
        for bx in 0..sub_width {
            let left = bx.clamp(2, sub_width - 3);
            let sum: u32 = (top - 2..=top + 2)
                .map(|y| {
                    black_points[y * sub_width + left - 2..=y * sub_width + left + 2]
                        .iter()
                        .sum::<u32>()
                })
                .sum();
            // The mean of black points, each at most 255.
            let threshold = u8::try_from(sum / 25).unwrap_or(u8::MAX);
            let x0 = (bx * BLOCK).min(width - BLOCK);
            for (x, t) in pixel_thresholds[x0..x0 + BLOCK].iter_mut().enumerate() {
                // A pixel under two blocks (the last one overlaps) is black if either says
                // so: keep the higher threshold.
                let shared = !x0.is_multiple_of(BLOCK) && x0 + x < width / BLOCK * BLOCK;
                *t = if shared {
                    (*t).max(threshold)
                } else {
                    threshold
                };
            }
        }
        let y0 = (by * BLOCK).min(height - BLOCK);
        for y in y0..y0 + BLOCK {
            let row = &luma[y * width..(y + 1) * width];
            set_at_or_below(
                row,
                &pixel_thresholds,
                &mut words[y * row_words..(y + 1) * row_words],
            );
        }
    }
    bit_matrix(&words, width, height)
}

/// rxing's bit matrix of `width` x `height` from rows of whole words (least significant bit
/// first, set = black); `None` for an empty size or too few words.
pub(super) fn bit_matrix(words: &[usize], width: usize, height: usize) -> Option<BitMatrix> {
    let row_words = width.div_ceil(WORD_BITS);
    if words.len() < row_words * height {
        return None;
    }
    let mut matrix =
        BitMatrix::new(u32::try_from(width).ok()?, u32::try_from(height).ok()?).ok()?;
    let mut row = BitArray::with_size(width);
    for (y, row_bits) in words.chunks_exact(row_words).take(height).enumerate() {
        for (i, &word) in row_bits.iter().enumerate() {
            row.setBulk(i * WORD_BITS, word);
        }
        matrix.setRow(y as u32, &row);
    }
    Some(matrix)
}

/// ORs into the row's bit words (least significant bit first) a 1 for every pixel at or below
/// its threshold. Sixteen pixels are compared at once and their bits taken with one mask move
/// (`wide`: SSE2's `pmovmskb`, NEON or wasm alike). Gathering 0/1 flag bytes by multiplication,
/// as before, cost a third of the binarisation; the first cascade step on the corpus's photos
/// ran about 8 % faster without it.
fn set_at_or_below(row: &[u8], thresholds: &[u8], out: &mut [usize]) {
    const LANES: usize = 16;
    let lanes = |bytes: &[u8]| {
        let mut lane = [0u8; LANES];
        lane.copy_from_slice(bytes);
        wide::u8x16::new(lane)
    };
    for ((word, pixels), limits) in out
        .iter_mut()
        .zip(row.chunks(WORD_BITS))
        .zip(thresholds.chunks(WORD_BITS))
    {
        let mut bits = 0usize;
        let mut groups = pixels.chunks_exact(LANES).zip(limits.chunks_exact(LANES));
        for (i, (pixels, limits)) in groups.by_ref().enumerate() {
            let (pixels, limits) = (lanes(pixels), lanes(limits));
            let at_or_below = pixels.min(limits).simd_eq(pixels);
            bits |= (at_or_below.to_bitmask() as usize) << (i * LANES);
        }
        let whole = pixels.len() / LANES * LANES;
        for (i, (&pixel, &limit)) in pixels[whole..].iter().zip(&limits[whole..]).enumerate() {
            bits |= usize::from(pixel <= limit) << (whole + i);
        }
        *word |= bits;
    }
}

/// rxing's `calculateBlackPoints`: one black point per block, the block's mean, or for a flat
/// block half its minimum (raised to its neighbours' black point when the block is darker than
/// that, so the inside of a large dark area stays dark).
fn black_points(luma: &[u8], width: usize, height: usize) -> Vec<u32> {
    let (sub_width, sub_height) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    let mut points = vec![0u32; sub_width * sub_height];
    // Column statistics over a block row's eight pixel rows first, then each block's eight
    // columns. Sixteen columns at a time stay in registers over the eight rows: updating the
    // column arrays row by row instead cost a third of the binarisation in loads and stores.
    const LANES: usize = 16;
    let lanes = |bytes: &[u8]| {
        let mut lane = [0u8; LANES];
        lane.copy_from_slice(bytes);
        wide::u8x16::new(lane)
    };
    let mut sums = vec![0u16; width];
    let mut mins = vec![0u8; width];
    let mut maxs = vec![0u8; width];
    let whole = width / LANES * LANES;
    for by in 0..sub_height {
        let y0 = (by * BLOCK).min(height - BLOCK);
        let rows: [&[u8]; BLOCK] =
            std::array::from_fn(|r| &luma[(y0 + r) * width..(y0 + r + 1) * width]);
        for x in (0..whole).step_by(LANES) {
            let first = lanes(&rows[0][x..x + LANES]);
            let (mut lo, mut hi) = (first, first);
            let mut low_sums = wide::u16x8::from_u8x16_low(first);
            let mut high_sums = wide::u16x8::from_u8x16_high(first);
            for row in &rows[1..] {
                let v = lanes(&row[x..x + LANES]);
                lo = lo.min(v);
                hi = hi.max(v);
                low_sums += wide::u16x8::from_u8x16_low(v);
                high_sums += wide::u16x8::from_u8x16_high(v);
            }
            mins[x..x + LANES].copy_from_slice(&lo.to_array());
            maxs[x..x + LANES].copy_from_slice(&hi.to_array());
            sums[x..x + LANES / 2].copy_from_slice(&low_sums.to_array());
            sums[x + LANES / 2..x + LANES].copy_from_slice(&high_sums.to_array());
        }
        for x in whole..width {
            let column = rows.iter().map(|row| row[x]);
            sums[x] = column.clone().map(u16::from).sum();
            mins[x] = column.clone().min().unwrap_or(0);
            maxs[x] = column.max().unwrap_or(0);
        }
        for bx in 0..sub_width {
            let x0 = (bx * BLOCK).min(width - BLOCK);
            let sum: u32 = sums[x0..x0 + BLOCK].iter().map(|&s| u32::from(s)).sum();
            let min = mins[x0..x0 + BLOCK].iter().copied().min().unwrap_or(0);
            let max = maxs[x0..x0 + BLOCK].iter().copied().max().unwrap_or(0);
            let mut average = sum >> 6;
            if max - min <= MIN_DYNAMIC_RANGE {
                average = u32::from(min) / 2;
                if by > 0 && bx > 0 {
                    let up = points[(by - 1) * sub_width + bx];
                    let left = points[by * sub_width + bx - 1];
                    let up_left = points[(by - 1) * sub_width + bx - 1];
                    let neighbours = (up + 2 * left + up_left) / 4;
                    if u32::from(min) < neighbours {
                        average = neighbours;
                    }
                }
            }
            points[by * sub_width + bx] = average;
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use rxing::common::HybridBinarizer;
    use rxing::{Binarizer, Luma8LuminanceSource};

    use super::hybrid_black_matrix;

    fn rxing_matrix(luma: &[u8], width: usize, height: usize) -> rxing::common::BitMatrix {
        let source = Luma8LuminanceSource::new(luma.to_vec(), width as u32, height as u32)
            .expect("dimensions match");
        HybridBinarizer::new(source)
            .get_black_matrix()
            .expect("binarises")
            .clone()
    }

    /// Noise of an amplitude that changes from block to block over a light gradient, and flat
    /// patches: block contrasts on both sides of the flat-block limit, and the neighbour rule.
    fn test_image(width: usize, height: usize, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        (0..width * height)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let (x, y) = (i % width, i / width);
                if (x / 24 + y / 16) % 3 == 0 {
                    (40 + (x + y) % 7) as u8
                } else {
                    let light = (x * 255 / width + y * 64 / height) as u64;
                    let amplitude = ((x / 8 * 7 + y / 8 * 3) % 48 + 1) as u64;
                    ((state % amplitude) + light / 2) as u8
                }
            })
            .collect()
    }

    #[test]
    fn the_fast_binarizer_matches_rxing_on_every_size_around_the_block_edges() {
        for (width, height) in [
            (40, 40),
            (41, 47),
            (64, 64),
            (65, 63),
            (127, 129),
            (200, 45),
        ] {
            for seed in 1..4 {
                let luma = test_image(width, height, seed);
                let ours = hybrid_black_matrix(&luma, width, height).expect("large enough");
                assert_eq!(ours, rxing_matrix(&luma, width, height), "{width}x{height}");
            }
        }
    }

    #[test]
    fn images_under_five_blocks_are_left_to_the_global_histogram() {
        assert!(hybrid_black_matrix(&[0; 39 * 100], 39, 100).is_none());
        assert!(hybrid_black_matrix(&[0; 100 * 39], 100, 39).is_none());
    }
}
