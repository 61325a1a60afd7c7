//! Laying out and drawing untrusted text in any script: the printable card's lines today, and
//! any other image the service draws (posters, labels) with the same rules.
//!
//! Shaping, bidi, line breaking and font fallback are `parley`'s (over HarfRust, a port of
//! HarfBuzz, and ICU4X's segmenters); glyphs are rasterised with `swash`. Fonts: the bundled
//! Noto subsets first, then any the system has ([`fonts`]). Every string comes from a member or
//! an administrator, so this code assumes the worst. The rules, in order:
//!
//! 1. Only the first [`MAX_SCANNED_CHARS`] characters are looked at, and at most
//!    [`MAX_KEPT_CHARS`] kept: nothing longer could be legible in a box on a card anyway.
//! 2. Whitespace runs (newlines, tabs, ideographic spaces) become one space; leading and trailing
//!    spaces go.
//! 3. Control characters and invisible format characters that could reorder or hide text (bidi
//!    embeddings, overrides and isolates, zero-width spaces, tags) are dropped. Joiners (ZWJ,
//!    ZWNJ) and variation selectors stay: Persian and Indic spelling and Japanese ideographic
//!    variants need them. Bidi reordering follows the Unicode algorithm.
//! 4. A character no font can draw is never skipped and never silently drawn as something else:
//!    [`FittedText::missing`] names it (the card refuses to print, issuing refuses to sign, see
//!    [`crate::qr::check_face`]); [`FittedText::draw`] shows the font's empty box for it.
//!    Private-use and unassigned code points count as missing whatever the fonts claim: they
//!    have no agreed meaning.
//! 5. Text is fitted to a box: at the largest whole pixel size that fits, wrapped at line break
//!    opportunities into at most the style's lines; if no size down to the minimum fits, words
//!    may break anywhere; if even that does not fit, the text is cut with an ellipsis and
//!    [`FittedText::is_cut`] says so.
//! 6. Glyph pixels are clipped to a rectangle and the image, so nothing is drawn outside.

mod fonts;
mod lang;
mod raster;

use std::borrow::Cow;
use std::ops::Range;

use icu_properties::CodePointMapData;
use icu_properties::props::GeneralCategory;
use image::{Rgb, RgbImage};
use parley::style::{FontFamily, FontWeight, OverflowWrap, StyleProperty, WordBreak};
use parley::{Alignment, AlignmentOptions, Layout, LineHeight, PositionedLayoutItem};

pub(crate) use fonts::{CJK_BOLD, CJK_REGULAR};
pub use lang::{Lang, ParseLangError};

/// Only this many characters of an input are examined, bounding the work per string.
pub const MAX_SCANNED_CHARS: usize = 2048;
/// At most this many characters are kept.
pub const MAX_KEPT_CHARS: usize = 200;

/// Glyph colour; parley carries it through layout as the "brush".
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Ink;

/// Font weight of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    /// 400.
    Regular,
    /// 700.
    Bold,
}

/// How a text is fitted and drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextStyle {
    /// Regular or bold.
    pub weight: Weight,
    /// Em size in pixels when the text fits on one line at this size.
    pub max_px: f32,
    /// Smallest em size before words break anywhere and then the text is cut.
    pub min_px: f32,
    /// Baseline-to-baseline distance, in ems.
    pub line_height: f32,
    /// At most this many lines.
    pub max_lines: usize,
    /// Glyph colour.
    pub color: Rgb<u8>,
}

/// A text laid out to fit a box: what will be drawn, at which size, and what could not be.
pub struct FittedText {
    layout: Layout<Ink>,
    /// The text after rules 1 to 3.
    clean: String,
    /// What the layout holds: `clean`, or its start and an ellipsis when cut.
    shown: String,
    color: Rgb<u8>,
    px: f32,
    missing: Vec<char>,
    cut: bool,
}

impl FittedText {
    /// Em size in pixels.
    pub fn px(&self) -> f32 {
        self.px
    }

    /// Number of lines (0 for empty text).
    pub fn line_count(&self) -> usize {
        if self.shown.is_empty() {
            0
        } else {
            self.layout.len()
        }
    }

    /// Width of the widest line in pixels, trailing spaces excluded.
    pub fn width(&self) -> f32 {
        widest_line(&self.layout)
    }

    /// Height of all lines in pixels (line count x line height).
    pub fn height(&self) -> f32 {
        if self.shown.is_empty() {
            0.0
        } else {
            self.layout.height()
        }
    }

    /// Distance from the top of the box to the first line's baseline, in pixels.
    pub fn first_baseline(&self) -> f32 {
        self.layout
            .get(0)
            .map_or(0.0, |line| line.metrics().baseline)
    }

    /// Distance from the top of the box to the last line's baseline, in pixels.
    pub fn last_baseline(&self) -> f32 {
        self.layout.last_baseline().unwrap_or(0.0)
    }

    /// Characters of the text that no font can draw, each once, in the order they first occur.
    pub fn missing(&self) -> &[char] {
        &self.missing
    }

    /// Whether the text did not fit even at the minimum size and was cut with an ellipsis.
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// The text of each line as laid out, in logical order, with the space it was broken at
    /// (the cut text ends with `…`).
    pub fn lines(&self) -> Vec<String> {
        if self.shown.is_empty() {
            return Vec::new();
        }
        self.layout
            .lines()
            .map(|line| self.shown.get(line.text_range()).unwrap_or("").to_owned())
            .collect()
    }

    /// The glyph ids of each line, in visual order (left to right), for inspecting how text
    /// was shaped: an Arabic word's joined forms, a Devanagari conjunct.
    pub fn glyph_ids(&self) -> Vec<Vec<u32>> {
        self.layout
            .lines()
            .map(|line| {
                line.items()
                    .filter_map(|item| match item {
                        PositionedLayoutItem::GlyphRun(run) => {
                            Some(run.glyphs().map(|glyph| glyph.id).collect::<Vec<_>>())
                        }
                        PositionedLayoutItem::InlineBox(_) => None,
                    })
                    .flatten()
                    .collect()
            })
            .collect()
    }

    /// The text after rules 1 to 3 (whitespace collapsed, hidden formatting dropped), whole
    /// even when the lines are cut.
    pub fn text(&self) -> &str {
        &self.clean
    }

    /// Whether the text's base direction is right to left (it starts with Arabic or Hebrew).
    pub fn is_rtl(&self) -> bool {
        self.layout.is_rtl()
    }

    /// Draws the text with the top-left corner of its box at (`left`, `top`), blending its
    /// colour over the image by glyph coverage; pixels outside `clip` are not touched.
    pub fn draw(&self, img: &mut RgbImage, left: f32, top: f32, clip: Clip) {
        fonts::with_engine(|engine| {
            raster::draw_layout(
                &mut engine.scale,
                &self.layout,
                self.color,
                img,
                (left, top),
                clip,
            );
        });
    }
}

/// A rectangle in image pixels, `[left, right) x [top, bottom)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clip {
    /// Leftmost column drawn.
    pub left: u32,
    /// Topmost row drawn.
    pub top: u32,
    /// First column not drawn.
    pub right: u32,
    /// First row not drawn.
    pub bottom: u32,
}

/// Where lines may break, tried in this order until the text fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Breaking {
    /// At spaces and punctuation only: words, and runs of Chinese, Japanese or Korean
    /// characters, stay whole (CSS `word-break: keep-all`). Korean breaks between words, and a
    /// Chinese company name reads better shrunk on one line than broken in a word.
    Words,
    /// Wherever the Unicode line breaking rules allow: between any two ideographs or kana too.
    Normal,
    /// Anywhere, as a last resort for a word longer than the line.
    Anywhere,
}

/// Lays out `raw` in `style` and `lang` to fit a box of `width` x `height` pixels (see the
/// module documentation, rules 1 to 5). Never panics, whatever the text.
pub fn fit(raw: &str, style: &TextStyle, lang: Lang, width: f32, height: f32) -> FittedText {
    let text = clean(raw);
    let width = width.max(0.0);
    let height = height.max(0.0);
    fonts::with_engine(|engine| {
        let (max_px, min_px) = sizes(style);
        let mut layout = build(engine, &text, style, lang, max_px, Breaking::Normal);
        layout.break_all_lines(None);
        let missing = missing_chars(&layout, &text);

        // Laid out once at `max_px`, each size is checked by breaking the lines for a box
        // scaled by `max_px / px`, which is the same as laying out at `px`.
        let scaled = |px: f32, lines: usize| Space {
            width: width * max_px / px,
            height: height * max_px / px,
            lines,
        };
        let space = Space {
            width,
            height,
            lines: style.max_lines,
        };
        for breaking in [Breaking::Words, Breaking::Normal, Breaking::Anywhere] {
            let mut trial = build(engine, &text, style, lang, max_px, breaking);
            let Some(px) =
                fewest_lines_fitting(&mut trial, min_px, max_px, style.max_lines, scaled)
            else {
                continue;
            };
            // The scaled check and the layout at `px` agree up to rounding; step down if not.
            let mut px = px;
            while px >= min_px {
                let mut layout = build(engine, &text, style, lang, px, breaking);
                if fits(&mut layout, space) {
                    return finish(layout, text, None, style, px, missing);
                }
                px -= 1.0;
            }
        }
        let shown = cut_to_fit(engine, &layout, &text, style, lang, min_px, space);
        let mut layout = build(engine, &shown, style, lang, min_px, Breaking::Anywhere);
        layout.break_all_lines(Some(width));
        finish(layout, text, Some(shown), style, min_px, missing)
    })
}

/// The style's largest and smallest em sizes, made sane: finite, 1 to 1,000 px, min <= max.
fn sizes(style: &TextStyle) -> (f32, f32) {
    let max_px = if style.max_px.is_finite() {
        style.max_px.clamp(1.0, 1000.0)
    } else {
        1.0
    };
    let min_px = if style.min_px.is_finite() {
        style.min_px.clamp(1.0, max_px)
    } else {
        max_px
    };
    (max_px, min_px)
}

/// A fitted text from its final layout, already broken into lines.
fn finish(
    mut layout: Layout<Ink>,
    clean: String,
    cut: Option<String>,
    style: &TextStyle,
    px: f32,
    missing: Vec<char>,
) -> FittedText {
    layout.align(Alignment::Start, AlignmentOptions::default());
    FittedText {
        layout,
        shown: cut.clone().unwrap_or_else(|| clean.clone()),
        clean,
        color: style.color,
        px,
        missing,
        cut: cut.is_some(),
    }
}

/// The characters of `raw` no font can draw in `weight` (after rules 1 to 3; see
/// [`FittedText::missing`]).
pub fn undrawable(raw: &str, weight: Weight, lang: Lang) -> Vec<char> {
    let text = clean(raw);
    let style = TextStyle {
        weight,
        max_px: 32.0,
        min_px: 32.0,
        line_height: 1.2,
        max_lines: 1,
        color: Rgb([0, 0, 0]),
    };
    fonts::with_engine(|engine| {
        let mut layout = build(engine, &text, &style, lang, style.max_px, Breaking::Normal);
        layout.break_all_lines(None);
        missing_chars(&layout, &text)
    })
}

/// The space a text must fit in, in the units of a layout.
#[derive(Clone, Copy)]
struct Space {
    width: f32,
    height: f32,
    lines: usize,
}

/// Breaks `layout` for `space` and says whether it fits.
fn fits(layout: &mut Layout<Ink>, space: Space) -> bool {
    layout.break_all_lines(Some(space.width));
    // A little slack for floating-point sums of advances.
    layout.len() <= space.lines
        && layout.height() <= space.height + 0.01
        && widest_line(layout) <= space.width + 0.01
}

/// The largest whole pixel size in `min_px..=max_px` at which `layout` fits `space_at(px)`.
/// Fitting is monotonic in the size (smaller text never needs more lines), so a binary search
/// over the sizes finds it.
fn largest_fitting(
    layout: &mut Layout<Ink>,
    min_px: f32,
    max_px: f32,
    space_at: impl Fn(f32) -> Space,
) -> Option<f32> {
    if fits(layout, space_at(max_px)) {
        return Some(max_px);
    }
    let (mut lo, mut hi) = (min_px.ceil() as u32, max_px.floor() as u32);
    let mut best = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        if fits(layout, space_at(mid as f32)) {
            best = Some(mid as f32);
            lo = mid + 1;
        } else if mid == 0 {
            break;
        } else {
            hi = mid - 1;
        }
    }
    best
}

/// Fewer lines read better: the size for the fewest lines that draws the text at least
/// [`FEWER_LINES_SIZE`] of the largest size any allowed number of lines gives.
fn fewest_lines_fitting(
    layout: &mut Layout<Ink>,
    min_px: f32,
    max_px: f32,
    max_lines: usize,
    space_at: impl Fn(f32, usize) -> Space,
) -> Option<f32> {
    let max_lines = max_lines.max(1);
    let largest = largest_fitting(layout, min_px, max_px, |px| space_at(px, max_lines))?;
    let lines_needed = {
        fits(layout, space_at(largest, max_lines));
        layout.len()
    };
    (1..lines_needed)
        .filter_map(|lines| largest_fitting(layout, min_px, max_px, |px| space_at(px, lines)))
        .find(|&px| px >= largest * FEWER_LINES_SIZE)
        .or(Some(largest))
}

/// See [`fewest_lines_fitting`].
const FEWER_LINES_SIZE: f32 = 0.9;

/// The longest start of `text`, cut at a cluster boundary and followed by an ellipsis, that
/// fits `space` at `px` with words broken anywhere; just the ellipsis if nothing does.
fn cut_to_fit(
    engine: &mut fonts::Engine,
    layout: &Layout<Ink>,
    text: &str,
    style: &TextStyle,
    lang: Lang,
    px: f32,
    space: Space,
) -> String {
    let mut cuts: Vec<usize> = layout
        .lines()
        .flat_map(|line| {
            line.runs()
                .flat_map(|run| run.clusters().map(|cluster| cluster.text_range().start))
                .collect::<Vec<_>>()
        })
        .filter(|&i| i > 0)
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let candidate = |end: usize| format!("{}…", text[..end].trim_end());
    let (mut lo, mut hi, mut best) = (0, cuts.len(), String::from("…"));
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let attempt = candidate(cuts[mid]);
        let mut layout = build(engine, &attempt, style, lang, px, Breaking::Anywhere);
        if fits(&mut layout, space) {
            best = attempt;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    best
}

/// Applies rules 1 to 3 of the module documentation.
fn clean(raw: &str) -> String {
    let mut kept = String::new();
    let mut count = 0;
    let mut pending_space = false;
    for c in raw.chars().take(MAX_SCANNED_CHARS) {
        if c.is_whitespace() {
            pending_space = !kept.is_empty();
            continue;
        }
        if c.is_control() || is_hiding_format(c) {
            continue;
        }
        if count + usize::from(pending_space) >= MAX_KEPT_CHARS {
            break;
        }
        if pending_space {
            kept.push(' ');
            count += 1;
            pending_space = false;
        }
        kept.push(c);
        count += 1;
    }
    kept
}

/// Invisible formatting characters that could reorder or hide text: bidi marks, embeddings,
/// overrides and isolates, zero-width spaces and word joiners, the soft hyphen, Hangul fillers,
/// interlinear annotations and tags. Joiners and variation selectors are not among them.
fn is_hiding_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180E
            | 0x200B
            | 0x200E..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFFB
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE007F
    )
}

/// A parley layout of `text` at `px`, unbroken.
fn build(
    engine: &mut fonts::Engine,
    text: &str,
    style: &TextStyle,
    lang: Lang,
    px: f32,
    breaking: Breaking,
) -> Layout<Ink> {
    let fonts::Engine { fonts, layout, .. } = engine;
    let mut builder = layout.ranged_builder(fonts, text, 1.0, false);
    builder.push_default(StyleProperty::FontFamily(FontFamily::Source(
        Cow::Borrowed(fonts::FAMILY_LIST),
    )));
    builder.push_default(StyleProperty::FontSize(px));
    builder.push_default(StyleProperty::FontWeight(match style.weight {
        Weight::Regular => FontWeight::NORMAL,
        Weight::Bold => FontWeight::BOLD,
    }));
    builder.push_default(StyleProperty::Locale(Some(lang.language())));
    builder.push_default(LineHeight::FontSizeRelative(style.line_height));
    let (word_break, overflow_wrap) = match breaking {
        Breaking::Words => (WordBreak::KeepAll, OverflowWrap::Normal),
        Breaking::Normal => (WordBreak::Normal, OverflowWrap::Normal),
        Breaking::Anywhere => (WordBreak::Normal, OverflowWrap::Anywhere),
    };
    builder.push_default(StyleProperty::WordBreak(word_break));
    builder.push_default(StyleProperty::OverflowWrap(overflow_wrap));
    builder.build(text)
}

/// Width of the widest line of a broken layout, trailing spaces excluded.
fn widest_line(layout: &Layout<Ink>) -> f32 {
    layout
        .lines()
        .map(|line| {
            let metrics = line.metrics();
            metrics.advance - metrics.hanging_advance
        })
        .fold(0.0, f32::max)
}

/// Characters of `text` in clusters that got no glyph from any font (glyph 0, `.notdef`), and
/// private-use and unassigned code points (rule 4).
fn missing_chars(layout: &Layout<Ink>, text: &str) -> Vec<char> {
    let categories = CodePointMapData::<GeneralCategory>::new();
    let mut missing: Vec<char> = Vec::new();
    let mut note = |c: char| {
        if !c.is_whitespace() && !is_joiner_or_selector(c) && !missing.contains(&c) {
            missing.push(c);
        }
    };
    let mut ranges: Vec<Range<usize>> = layout
        .lines()
        .flat_map(|line| {
            line.runs()
                .flat_map(|run| {
                    run.clusters()
                        .filter(|cluster| cluster.glyphs().any(|glyph| glyph.id == 0))
                        .map(|cluster| cluster.text_range())
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    ranges.sort_by_key(|range| range.start);
    let mut notdef = ranges.into_iter().peekable();
    for (i, c) in text.char_indices() {
        while notdef.next_if(|range| range.end <= i).is_some() {}
        let in_notdef = notdef.peek().is_some_and(|range| range.contains(&i));
        let meaningless = matches!(
            categories.get(c),
            GeneralCategory::PrivateUse | GeneralCategory::Unassigned
        );
        if in_notdef || meaningless {
            note(c);
        }
    }
    missing
}

/// Joiners and variation selectors: they only modify a neighbour, so a cluster without a glyph
/// is reported by its visible characters.
fn is_joiner_or_selector(c: char) -> bool {
    matches!(u32::from(c), 0x200C..=0x200D | 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(max_px: f32, min_px: f32, max_lines: usize) -> TextStyle {
        TextStyle {
            weight: Weight::Bold,
            max_px,
            min_px,
            line_height: 1.2,
            max_lines,
            color: Rgb([0, 0, 0]),
        }
    }

    #[test]
    fn cleaning_collapses_whitespace_and_drops_controls_and_hiding_characters() {
        assert_eq!(clean("\u{202E} Ann\t\n\u{0007}\u{200B}Lee \r\n"), "Ann Lee");
        assert_eq!(clean("می\u{200C}خواهم"), "می\u{200C}خواهم");
        assert_eq!(clean("葛\u{E0100}"), "葛\u{E0100}");
        assert_eq!(clean(&"名".repeat(100_000)).chars().count(), MAX_KEPT_CHARS);
        assert!(clean(&"\u{0001}".repeat(100_000)).is_empty());
    }

    #[test]
    fn a_hyphenated_name_breaks_after_its_hyphen_when_it_must() {
        let fitted = fit(
            "Hohenzollern-Sigmaringen",
            &style(80.0, 40.0, 2),
            Lang::default(),
            420.0,
            200.0,
        );
        assert_eq!(fitted.lines(), ["Hohenzollern-", "Sigmaringen"]);
    }

    #[test]
    fn text_too_long_even_at_the_minimum_size_is_cut_with_an_ellipsis() {
        let fitted = fit(
            &"W".repeat(100),
            &style(40.0, 20.0, 1),
            Lang::default(),
            200.0,
            100.0,
        );
        assert!(fitted.is_cut());
        assert_eq!(fitted.px(), 20.0);
        assert_eq!(fitted.lines().len(), 1);
        assert!(fitted.lines()[0].ends_with('…'));
        assert!(fitted.width() <= 200.0);
        assert_eq!(fitted.text(), "W".repeat(100));
    }

    #[test]
    fn short_text_gets_the_largest_size_and_empty_text_nothing() {
        let fitted = fit("Ann", &style(40.0, 20.0, 1), Lang::default(), 1000.0, 100.0);
        assert_eq!((fitted.px(), fitted.line_count()), (40.0, 1));
        assert_eq!(
            fit("  ", &style(40.0, 20.0, 1), Lang::default(), 1000.0, 100.0).line_count(),
            0
        );
    }

    #[test]
    fn nonsensical_sizes_and_boxes_do_not_panic() {
        for (max_px, min_px) in [(f32::NAN, f32::NAN), (f32::INFINITY, -1.0), (0.0, 50.0)] {
            let style = TextStyle {
                max_px,
                min_px,
                ..style(40.0, 20.0, 2)
            };
            for (width, height) in [(f32::NAN, 10.0), (-5.0, f32::INFINITY), (0.0, 0.0)] {
                let fitted = fit("Ann Lee 张伟", &style, Lang::default(), width, height);
                assert!(fitted.px() >= 1.0);
            }
        }
    }

    #[test]
    fn missing_glyphs_are_named_once_each_in_order() {
        let missing = undrawable(
            "a\u{E000}b\u{E000}\u{0378}",
            Weight::Regular,
            Lang::default(),
        );
        assert_eq!(missing, ['\u{E000}', '\u{0378}']);
        assert!(undrawable("张伟 Ann", Weight::Bold, Lang::default()).is_empty());
    }
}
