//! PNG and SVG images of a [`QrMatrix`], with the 4-module quiet zone the standard requires.

use std::fmt::Write as _;

use super::{QrError, QrMatrix};

/// Light modules the standard asks for on every side, so scanners can find the finder patterns.
pub const QUIET_ZONE: usize = 4;

/// Largest module size [`render_png`] accepts: a version-40 code at 32 px is 5,920 px square,
/// already far more than any screen or printer needs, and it bounds the memory a caller can ask
/// for.
pub const MAX_MODULE_PX: u32 = 32;

/// Encodes `m` as a 1-bit grayscale PNG, `module_px` pixels per module, with the quiet zone.
///
/// One bit per pixel keeps the image 8x smaller than 8-bit grayscale before compression, and
/// each module row is built once and repeated `module_px` times. The PNG uses the "Up" row
/// filter, which turns those repeated rows into zeros, with fdeflate's fastest level: a
/// version-10 code at 8 px encodes in tens of microseconds (see `BENCHMARKS.md`).
///
/// # Errors
/// [`QrError::ModuleSize`] when `module_px` is 0 or above [`MAX_MODULE_PX`].
pub fn render_png(m: &QrMatrix, module_px: u32) -> Result<Vec<u8>, QrError> {
    if !(1..=MAX_MODULE_PX).contains(&module_px) {
        return Err(QrError::ModuleSize {
            module_px,
            max: MAX_MODULE_PX,
        });
    }
    let scale = module_px as usize;
    let side_modules = m.width() + 2 * QUIET_ZONE;
    let side_px = side_modules * scale;
    let stride = side_px.div_ceil(8);

    // White everywhere (a 1 bit is white in grayscale), then clear the bits of dark modules.
    let mut pixels = vec![0xFF_u8; stride * side_px];
    for y in 0..m.width() {
        let first_row = (y + QUIET_ZONE) * scale;
        let (row, rest) = pixels[first_row * stride..].split_at_mut(stride);
        for (x, _) in m.row(y).iter().enumerate().filter(|(_, dark)| **dark) {
            let start = (x + QUIET_ZONE) * scale;
            for px in start..start + scale {
                row[px / 8] &= !(0x80 >> (px % 8));
            }
        }
        for copy in rest.chunks_exact_mut(stride).take(scale - 1) {
            copy.copy_from_slice(row);
        }
    }

    let side = u32::try_from(side_px).map_err(|_| QrError::ModuleSize {
        module_px,
        max: MAX_MODULE_PX,
    })?;
    let mut out = Vec::with_capacity(side_px * stride / 8 + 128);
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    // `Fastest` is fdeflate's ultra-fast mode with the Up filter; QR images are long runs of
    // identical bytes, so it compresses about as well as the slower levels.
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

/// Draws `m` as a compact SVG: one `<path>` made of horizontal runs of dark modules, in module
/// units scaled by the `viewBox`, so the file stays small and scales without blurring
/// (`shape-rendering="crispEdges"`). The image is `module_px` pixels per module (at least 1),
/// quiet zone included.
pub fn render_svg(m: &QrMatrix, module_px: u32) -> String {
    let side = m.width() + 2 * QUIET_ZONE;
    let side_px = side as u64 * u64::from(module_px.max(1));
    // About 8 bytes per run; a version-10 code has ~1,000 runs.
    let mut svg = String::with_capacity(256 + m.width() * m.width() * 2);
    // Writing to a String cannot fail, so the fmt::Results below are ignored.
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{side_px}" height="{side_px}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d=""##
    );
    for y in 0..m.width() {
        let row = m.row(y);
        let mut x = 0;
        while x < row.len() {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < row.len() && row[x] {
                x += 1;
            }
            let _ = write!(
                svg,
                "M{} {}h{}v1H{}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE,
                x - start,
                start + QUIET_ZONE
            );
        }
    }
    svg.push_str(r#""/></svg>"#);
    svg
}
