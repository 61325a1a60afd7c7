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

/// Also served by the web app (`crate::web::pages`) to devices without a Chinese font.
pub(crate) static CJK_REGULAR: &[u8] =
    include_bytes!("../../assets/fonts/NotoSansSC-Regular-GB2312.otf");
pub(crate) static CJK_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Bold-GB2312.otf");
static LATIN_REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular-Latin.ttf");
static LATIN_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold-Latin.ttf");

/// One weight: Noto Sans for Latin, Greek and Cyrillic (the CJK font lacks much of Latin
/// Extended, e.g. Polish "Ł"), Noto Sans CJK SC for Chinese. Both are Noto designs with the
/// same em-based sizing, so they mix on one line. See `assets/fonts/README.md`.
pub(super) struct Face {
    latin: FontRef<'static>,
    cjk: FontRef<'static>,
}

/// Which font of a [`Face`] a glyph comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Script {
    Latin,
    Cjk,
}

impl Face {
    fn parse(latin: &'static [u8], cjk: &'static [u8]) -> Face {
        Face {
            latin: FontRef::try_from_slice(latin).expect("bundled Latin font parses"),
            cjk: FontRef::try_from_slice(cjk).expect("bundled CJK font parses"),
        }
    }

    fn font(&self, script: Script) -> &FontRef<'static> {
        match script {
            Script::Latin => &self.latin,
            Script::Cjk => &self.cjk,
        }
    }

    /// The glyph for `c`, from the CJK font first for East Asian wide characters (and when
    /// `prefer_cjk`, e.g. an ellipsis after Chinese text, which the CJK font centres), from the
    /// Latin font first otherwise; `None` when neither font has it.
    fn glyph(&self, c: char, prefer_cjk: bool) -> Option<(Script, GlyphId)> {
        let order = if prefer_cjk || is_wide(c) {
            [Script::Cjk, Script::Latin]
        } else {
            [Script::Latin, Script::Cjk]
        };
        order
            .into_iter()
            .map(|script| (script, self.font(script).glyph_id(c)))
            .find(|(_, id)| *id != GlyphId(0))
    }

    /// Whether either font has a glyph for `c`.
    pub(super) fn has_glyph(&self, c: char) -> bool {
        self.glyph(c, false).is_some()
    }
}

/// The regular and bold weights of the bundled fonts.
pub(super) struct Fonts {
    pub(super) regular: Face,
    pub(super) bold: Face,
}

/// The bundled fonts, parsed once.
///
/// # Panics
/// Never for any input: the bytes are compiled in, and `bundled_fonts_parse` checks them.
pub(super) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        regular: Face::parse(LATIN_REGULAR, CJK_REGULAR),
        bold: Face::parse(LATIN_BOLD, CJK_BOLD),
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
pub(super) fn drawable_chars(raw: &str, face: &Face) -> Vec<char> {
    let mut kept = Vec::new();
    let mut pending_space = false;
    for c in raw.chars().take(MAX_SCANNED_CHARS) {
        if c.is_whitespace() {
            pending_space = !kept.is_empty();
            continue;
        }
        if c.is_control() || is_invisible_format(c) || !face.has_glyph(c) {
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
    pub(super) face: &'f Face,
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
    glyphs: Vec<(Script, GlyphId, f32)>,
    /// Whether the text was cut and ends with an ellipsis.
    cut: bool,
}

/// Converts an em size in pixels to ab_glyph's scale, which is the ascent-to-descent height.
fn px_scale(font: &FontRef<'_>, em_px: f32) -> PxScale {
    let units_per_em = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(em_px * font.height_unscaled() / units_per_em)
}

/// Pen positions in em units: entry `i` is where glyph `i` starts, the last entry is the width.
/// Kerning applies between neighbours from the same font.
fn pen_positions(face: &Face, glyphs: &[(Script, GlyphId)]) -> Vec<f32> {
    let mut pens = Vec::with_capacity(glyphs.len() + 1);
    let mut pen = 0.0;
    let mut previous: Option<(Script, GlyphId)> = None;
    for &(script, id) in glyphs {
        let font = face.font(script);
        let units_per_em = font.units_per_em().unwrap_or(1000.0);
        if let Some((previous_script, previous_id)) = previous
            && previous_script == script
        {
            pen += font.kern_unscaled(previous_id, id) / units_per_em;
        }
        pens.push(pen);
        pen += font.h_advance_unscaled(id) / units_per_em;
        previous = Some((script, id));
    }
    pens.push(pen);
    pens
}

/// Lays out `chars` in `style` to fit `max_width` pixels: at the largest whole pixel size up to
/// `style.max_px`, and if even `style.min_px` is too wide, cut at the end with an ellipsis.
/// Returns `None` when there is nothing to draw.
pub(super) fn fit(chars: &[char], style: &Style<'_>, max_width: f32) -> Option<Line> {
    let face = style.face;
    let glyphs: Vec<(Script, GlyphId)> =
        chars.iter().filter_map(|&c| face.glyph(c, false)).collect();
    if glyphs.is_empty() || max_width <= 0.0 {
        return None;
    }
    let pens = pen_positions(face, &glyphs);
    let width_em = pens.last().copied().unwrap_or(0.0);
    let place = |glyphs: &[(Script, GlyphId)], pens: &[f32], px: f32| {
        glyphs
            .iter()
            .zip(pens)
            .map(|(&(script, id), pen)| (script, id, pen * px))
            .collect::<Vec<_>>()
    };

    let fitting_px = if width_em > 0.0 {
        (max_width / width_em).floor()
    } else {
        style.max_px
    };
    if fitting_px >= style.min_px {
        let px = fitting_px.min(style.max_px);
        return Some(Line {
            px,
            glyphs: place(&glyphs, &pens, px),
            cut: false,
        });
    }

    // Too wide even at the minimum size: keep the longest prefix that fits with the ellipsis,
    // never ending on a space.
    let px = style.min_px;
    for keep in (1..glyphs.len()).rev() {
        let last = chars.get(keep - 1).copied().unwrap_or(' ');
        let Some(ellipsis) = face.glyph('…', is_wide(last)) else {
            break;
        };
        let mut cut = glyphs[..keep].to_vec();
        cut.push(ellipsis);
        let cut_pens = pen_positions(face, &cut);
        if last != ' ' && cut_pens.last().copied().unwrap_or(f32::MAX) * px <= max_width {
            return Some(Line {
                px,
                glyphs: place(&cut, &cut_pens, px),
                cut: true,
            });
        }
    }
    None
}

/// Like [`fit`], but breaks the text at one space into two lines when that draws it larger (by
/// more than a few pixels) or when one line would have to be cut. Names in Latin scripts are
/// often several words long, and the text column beside the QR code is narrow. Two lines use at
/// most `two_line_max_px`, so the pair stays about as tall as one line at `style.max_px`; both
/// lines get the same size.
pub(super) fn fit_wrapped(
    chars: &[char],
    style: &Style<'_>,
    max_width: f32,
    two_line_max_px: f32,
) -> Vec<Line> {
    let Some(one) = fit(chars, style, max_width) else {
        return Vec::new();
    };
    if one.px >= two_line_max_px {
        return vec![one];
    }
    let width_em = |part: &[char]| {
        let glyphs: Vec<(Script, GlyphId)> = part
            .iter()
            .filter_map(|&c| style.face.glyph(c, false))
            .collect();
        pen_positions(style.face, &glyphs)
            .last()
            .copied()
            .unwrap_or(0.0)
    };
    let spaces = || {
        chars
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c == ' ')
            .map(|(i, _)| i)
    };

    // The break that makes the wider of the two lines narrowest, if it draws the text larger
    // than one line does without cutting it.
    let balanced = spaces()
        .map(|i| (i, width_em(&chars[..i]).max(width_em(&chars[i + 1..]))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, widest_em)| (i, (max_width / widest_em).floor().min(two_line_max_px)))
        .filter(|&(_, px)| px >= style.min_px && (one.cut || px >= one.px + 4.0));
    // Otherwise, if one line would be cut anyway, as many whole words as fit at the minimum
    // size go on the first line and the second line takes the cut.
    let greedy = || {
        spaces()
            .take_while(|&i| width_em(&chars[..i]) * style.min_px <= max_width)
            .last()
            .filter(|_| one.cut)
            .map(|i| (i, style.min_px))
    };
    let Some((split, px)) = balanced.or_else(greedy) else {
        return vec![one];
    };
    let two = Style {
        max_px: px,
        min_px: px,
        ..*style
    };
    [&chars[..split], &chars[split + 1..]]
        .into_iter()
        .filter_map(|part| fit(part, &two, max_width))
        .collect()
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
    for &(script, id, pen) in &line.glyphs {
        let font = style.face.font(script);
        let glyph = id.with_scale_and_position(px_scale(font, line.px), point(x + pen, baseline));
        let Some(outlined) = font.outline_glyph(glyph) else {
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

    fn style(face: &Face, max_px: f32, min_px: f32) -> Style<'_> {
        Style {
            face,
            max_px,
            min_px,
            color: Rgb([0, 0, 0]),
        }
    }

    #[test]
    fn bundled_fonts_parse() {
        let fonts = fonts();
        for face in [&fonts.regular, &fonts.bold] {
            assert!(face.cjk.glyph_count() > 7000);
            assert!(face.latin.glyph_count() > 700);
        }
    }

    #[test]
    fn drawable_chars_collapse_whitespace_and_drop_controls() {
        let face = &fonts().regular;
        let chars: String = drawable_chars("\u{202E} Ann\t\n\u{0007}\u{200B}Lee \r\n", face)
            .into_iter()
            .collect();
        assert_eq!(chars, "Ann Lee");
    }

    #[test]
    fn drawable_chars_skip_characters_without_a_glyph() {
        let face = &fonts().regular;
        let chars: String = drawable_chars("张😀伟 שלום", face).into_iter().collect();
        assert_eq!(chars, "张伟");
    }

    #[test]
    fn drawable_chars_keep_a_bounded_number_of_characters() {
        let face = &fonts().regular;
        assert_eq!(
            drawable_chars(&"名".repeat(100_000), face).len(),
            MAX_KEPT_CHARS
        );
        assert!(drawable_chars(&"\u{0001}".repeat(100_000), face).is_empty());
    }

    #[test]
    fn fit_ellipsises_text_that_is_too_wide_at_the_minimum_size() {
        let style = style(&fonts().regular, 40.0, 20.0);
        let chars: Vec<char> = "W".repeat(100).chars().collect();
        let line = fit(&chars, &style, 200.0).expect("something fits");
        assert_eq!(line.px, 20.0);
        assert!(line.glyphs.len() < 100);
        let short: Vec<char> = "Ann".chars().collect();
        assert_eq!(fit(&short, &style, 1000.0).map(|l| l.px), Some(40.0));
    }

    #[test]
    fn fit_wrapped_breaks_a_long_name_at_the_best_space() {
        let style = style(&fonts().bold, 80.0, 40.0);
        let name: Vec<char> = "Anna Maria Konstantinidou".chars().collect();
        let lines = fit_wrapped(&name, &style, 420.0, 60.0);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].px, lines[1].px);
        assert!(lines[0].px > 40.0);
        // "Anna Maria" on the first line, "Konstantinidou" on the second.
        assert_eq!(lines[0].glyphs.len(), 10);
        let short: Vec<char> = "张伟明".chars().collect();
        assert_eq!(fit_wrapped(&short, &style, 420.0, 60.0).len(), 1);
    }

    #[test]
    fn fit_wrapped_cuts_the_second_line_when_two_lines_are_not_enough() {
        let style = style(&fonts().bold, 80.0, 40.0);
        let name: Vec<char> = "Maximilian Alexander von Hohenzollern-Sigmaringen"
            .chars()
            .collect();
        let lines = fit_wrapped(&name, &style, 420.0, 60.0);
        assert_eq!(lines.len(), 2);
        assert!(!lines[0].cut);
        assert!(lines[1].cut);
        assert_eq!((lines[0].px, lines[1].px), (40.0, 40.0));
    }

    #[test]
    fn fit_returns_nothing_for_empty_text() {
        let style = style(&fonts().regular, 40.0, 20.0);
        assert!(fit(&[], &style, 100.0).is_none());
        let short: Vec<char> = "Ann".chars().collect();
        assert_eq!(fit(&short, &style, 1000.0).map(|l| l.px), Some(40.0));
    }
}
