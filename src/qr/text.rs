//! Fitting and drawing untrusted text with the bundled font.
//!
//! Every string on a printable card comes from a member or an administrator, so this code assumes
//! the worst: megabytes of text, control and bidi-override characters, emoji, scripts the font
//! does not cover. The rules, in order:
//!
//! 1. Only the first [`MAX_SCANNED_CHARS`] characters are looked at, and at most
//!    [`MAX_KEPT_CHARS`] are kept: nothing longer could be legible on one line anyway.
//! 2. Whitespace runs (newlines, tabs, ideographic spaces) become one space; leading and trailing
//!    spaces go.
//! 3. Control characters and invisible format characters (bidi embeddings, overrides and
//!    isolates, zero-width characters, variation selectors, tags) are dropped. Text is drawn left
//!    to right without bidi reordering; right-to-left scripts are outside the font (rule 4).
//! 4. Characters the font has no glyph for (emoji, Arabic, Hebrew, hanzi outside GB2312, ...) are
//!    skipped rather than drawn as "tofu" boxes. A name made only of such characters draws
//!    nothing.
//! 5. A line that is too wide shrinks down to its style's minimum size, then loses characters at
//!    the end and gets an ellipsis.
//! 6. Glyph pixels are clipped to the line's box and the image, so nothing is drawn outside.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, point};
use image::{Rgb, RgbImage};

/// Only this many characters of an input are examined, bounding the work per string.
pub(super) const MAX_SCANNED_CHARS: usize = 2048;
/// At most this many drawable characters are kept (a 1050 px line at 18 px holds ~100).
pub(super) const MAX_KEPT_CHARS: usize = 200;

static REGULAR_OTF: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Regular-GB2312.otf");
static BOLD_OTF: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Bold-GB2312.otf");

/// The two weights of the bundled Noto Sans CJK SC subset (see `assets/fonts/README.md`).
pub(super) struct Fonts {
    pub(super) regular: FontRef<'static>,
    pub(super) bold: FontRef<'static>,
}

/// The bundled fonts, parsed once.
///
/// # Panics
/// Never for any input: the bytes are compiled in, and `bundled_fonts_parse` checks them.
pub(super) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        regular: FontRef::try_from_slice(REGULAR_OTF).expect("bundled regular font parses"),
        bold: FontRef::try_from_slice(BOLD_OTF).expect("bundled bold font parses"),
    })
}

/// Whether `c` is an invisible formatting character that must not reach the renderer: bidi
/// controls (which could reorder or hide text), zero-width characters, variation selectors and
/// tag characters.
fn is_invisible_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFFB
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// The characters of `raw` that will be drawn with `font`, after rules 1 to 4 of the module
/// documentation.
pub(super) fn drawable_chars(raw: &str, font: &FontRef<'_>) -> Vec<char> {
    let mut kept = Vec::new();
    let mut pending_space = false;
    for c in raw.chars().take(MAX_SCANNED_CHARS) {
        if c.is_whitespace() {
            pending_space = !kept.is_empty();
            continue;
        }
        if c.is_control() || is_invisible_format(c) || font.glyph_id(c) == GlyphId(0) {
            continue;
        }
        if kept.len() + usize::from(pending_space) >= MAX_KEPT_CHARS {
            break;
        }
        if pending_space {
            kept.push(' ');
            pending_space = false;
        }
        kept.push(c);
    }
    kept
}

/// How a line of text looks.
#[derive(Clone, Copy)]
pub(super) struct Style<'f> {
    pub(super) font: &'f FontRef<'static>,
    /// Em size in pixels when the text fits.
    pub(super) max_px: f32,
    /// Smallest em size before the text gets ellipsised.
    pub(super) min_px: f32,
    pub(super) color: Rgb<u8>,
}

/// A line of glyphs laid out at one size, ready to draw.
pub(super) struct Line {
    /// Em size in pixels.
    pub(super) px: f32,
    /// Glyphs with their pen offset from the line's left edge, in pixels.
    glyphs: Vec<(GlyphId, f32)>,
}

/// Converts an em size in pixels to ab_glyph's scale, which is the ascent-to-descent height.
fn px_scale(font: &FontRef<'_>, em_px: f32) -> PxScale {
    let units_per_em = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(em_px * font.height_unscaled() / units_per_em)
}

/// Pen positions in em units: entry `i` is where glyph `i` starts, the last entry is the width.
fn pen_positions(font: &FontRef<'_>, ids: &[GlyphId]) -> Vec<f32> {
    let units_per_em = font.units_per_em().unwrap_or(1000.0);
    let mut pens = Vec::with_capacity(ids.len() + 1);
    let mut pen = 0.0;
    for (i, &id) in ids.iter().enumerate() {
        if let Some(&previous) = i.checked_sub(1).and_then(|p| ids.get(p)) {
            pen += font.kern_unscaled(previous, id) / units_per_em;
        }
        pens.push(pen);
        pen += font.h_advance_unscaled(id) / units_per_em;
    }
    pens.push(pen);
    pens
}

/// Lays out `chars` in `style` to fit `max_width` pixels: at the largest whole pixel size up to
/// `style.max_px`, and if even `style.min_px` is too wide, cut at the end with an ellipsis.
/// Returns `None` when there is nothing to draw.
pub(super) fn fit(chars: &[char], style: &Style<'_>, max_width: f32) -> Option<Line> {
    let font = style.font;
    if chars.is_empty() || max_width <= 0.0 {
        return None;
    }
    let ids: Vec<GlyphId> = chars.iter().map(|&c| font.glyph_id(c)).collect();
    let pens = pen_positions(font, &ids);
    let width_em = pens.last().copied().unwrap_or(0.0);

    let fitting_px = if width_em > 0.0 {
        (max_width / width_em).floor()
    } else {
        style.max_px
    };
    if fitting_px >= style.min_px {
        let px = fitting_px.min(style.max_px);
        let glyphs = ids.into_iter().zip(pens.iter().map(|p| p * px)).collect();
        return Some(Line { px, glyphs });
    }

    // Too wide even at the minimum size: keep the longest prefix that fits with the ellipsis.
    // Latin text gets three dots; after CJK the centred "…" of the CJK font reads naturally.
    let px = style.min_px;
    let mut keep = ids.len();
    while keep > 0 {
        let last = chars[keep - 1];
        let ellipsis = if is_wide(last) { "…" } else { "..." };
        let ellipsis_ids: Vec<GlyphId> = ellipsis.chars().map(|c| font.glyph_id(c)).collect();
        let ellipsis_em = pen_positions(font, &ellipsis_ids)
            .last()
            .copied()
            .unwrap_or(0.0);
        if last != ' ' && (pens[keep] + ellipsis_em) * px <= max_width {
            let mut glyphs: Vec<(GlyphId, f32)> = ids[..keep]
                .iter()
                .copied()
                .zip(pens.iter().map(|p| p * px))
                .collect();
            let ellipsis_pens = pen_positions(font, &ellipsis_ids);
            glyphs.extend(
                ellipsis_ids
                    .into_iter()
                    .zip(ellipsis_pens.iter().map(|p| (pens[keep] + p) * px)),
            );
            return Some(Line { px, glyphs });
        }
        keep -= 1;
    }
    None
}

/// East Asian wide characters (CJK ideographs, kana, Hangul, fullwidth forms), after which a
/// one-character ellipsis is typographically right.
fn is_wide(c: char) -> bool {
    matches!(u32::from(c), 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// A rectangle in image pixels, `[left, right) x [top, bottom)`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Clip {
    pub(super) left: u32,
    pub(super) top: u32,
    pub(super) right: u32,
    pub(super) bottom: u32,
}

/// Draws `line` with its left edge at `x` and its baseline at `baseline`, blending `color` over
/// the image by glyph coverage; pixels outside `clip` (or the image) are not touched.
pub(super) fn draw(
    img: &mut RgbImage,
    line: &Line,
    style: &Style<'_>,
    x: f32,
    baseline: f32,
    clip: Clip,
) {
    let right = clip.right.min(img.width());
    let bottom = clip.bottom.min(img.height());
    let scale = px_scale(style.font, line.px);
    for &(id, pen) in &line.glyphs {
        let glyph = id.with_scale_and_position(scale, point(x + pen, baseline));
        let Some(outlined) = style.font.outline_glyph(glyph) else {
            continue; // spaces have no outline
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, coverage| {
            let px = bounds.min.x + gx as f32;
            let py = bounds.min.y + gy as f32;
            if px < clip.left as f32 || py < clip.top as f32 {
                return;
            }
            let (px, py) = (px as u32, py as u32);
            if px >= right || py >= bottom {
                return;
            }
            let coverage = coverage.clamp(0.0, 1.0);
            let pixel = img.get_pixel_mut(px, py);
            for (channel, &ink) in pixel.0.iter_mut().zip(style.color.0.iter()) {
                let blended = f32::from(*channel) * (1.0 - coverage) + f32::from(ink) * coverage;
                *channel = blended.round() as u8;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fonts_parse() {
        let fonts = fonts();
        assert!(fonts.regular.glyph_count() > 7000);
        assert!(fonts.bold.glyph_count() > 7000);
    }

    #[test]
    fn drawable_chars_collapse_whitespace_and_drop_controls() {
        let font = &fonts().regular;
        let chars: String = drawable_chars("\u{202E} Ann\t\n\u{0007}\u{200B}Lee \r\n", font)
            .into_iter()
            .collect();
        assert_eq!(chars, "Ann Lee");
    }

    #[test]
    fn drawable_chars_skip_characters_without_a_glyph() {
        let font = &fonts().regular;
        let chars: String = drawable_chars("张😀伟 שלום", font).into_iter().collect();
        assert_eq!(chars, "张伟");
    }

    #[test]
    fn drawable_chars_keep_a_bounded_number_of_characters() {
        let font = &fonts().regular;
        assert_eq!(
            drawable_chars(&"名".repeat(100_000), font).len(),
            MAX_KEPT_CHARS
        );
        assert!(drawable_chars(&"\u{0001}".repeat(100_000), font).is_empty());
    }

    #[test]
    fn fit_ellipsises_text_that_is_too_wide_at_the_minimum_size() {
        let fonts = fonts();
        let style = Style {
            font: &fonts.regular,
            max_px: 40.0,
            min_px: 20.0,
            color: Rgb([0, 0, 0]),
        };
        let chars: Vec<char> = "W".repeat(100).chars().collect();
        let line = fit(&chars, &style, 200.0).expect("something fits");
        assert_eq!(line.px, 20.0);
        assert!(line.glyphs.len() < 100);
        let short: Vec<char> = "Ann".chars().collect();
        assert_eq!(fit(&short, &style, 1000.0).map(|l| l.px), Some(40.0));
    }
}
