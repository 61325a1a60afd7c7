//! The printable namecard: a 3.5 x 2 inch card at 300 dpi with the QR code on the right and the
//! member's name, title and organization on the left.

use image::{Rgb, RgbImage};

use super::render::QUIET_ZONE;
use super::text::{self, Clip, FittedText, Lang, TextStyle, Weight};
use super::{QrError, QrMatrix};

/// Card width in pixels: 3.5 inches at 300 dpi, the common business-card size.
pub const CARD_WIDTH: u32 = 1050;
/// Card height in pixels: 2 inches at 300 dpi.
pub const CARD_HEIGHT: u32 = 600;
/// Print resolution written into the PNG, so printers use the intended size.
pub const CARD_DPI: u32 = 300;
/// Largest side of the QR modules on the card, so every card looks alike: a ~270 character card
/// URI (version 10 or 11) gets 8 px modules, 0.68 mm at 300 dpi, comfortable for phone cameras;
/// shorter texts get larger modules.
pub const QR_TARGET_PX: u32 = 488;
/// Smallest module size [`printable_png`] accepts: 6 px (0.5 mm) is the usual floor for
/// reliable scanning of print.
pub const MIN_PRINT_MODULE_PX: u32 = 6;

const MARGIN: u32 = 72;
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([26, 26, 26]);
const GREY: Rgb<u8> = Rgb([96, 96, 96]);
const LIGHT_GREY: Rgb<u8> = Rgb([140, 140, 140]);
const ACCENT: Rgb<u8> = Rgb([24, 78, 140]);

/// The text printed next to the QR code, and the language it is drawn in. All of it is
/// untrusted; see [`crate::qr::text`] for how it is cleaned, shaped and fitted. Before a card is
/// signed, [`check_face`] says whether its text can be drawn as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardFace<'a> {
    /// The member's name, printed large and bold.
    pub name: &'a str,
    /// Job title, under the name.
    pub title: Option<&'a str>,
    /// Organization, at the top in the accent colour.
    pub organization: &'a str,
    /// A small line at the bottom, e.g. [`Lang::scan_prompt`].
    pub footer: Option<&'a str>,
    /// Regional glyph forms (Simplified or Traditional Chinese, Japanese, Korean) and the
    /// shaping language of every line.
    pub lang: Lang,
}

impl<'a> CardFace<'a> {
    /// A face whose footer is the language's [`Lang::scan_prompt`] ("Scan to add me",
    /// "扫码添加我", "掃碼加我", ...).
    pub fn with_scan_prompt(
        name: &'a str,
        title: Option<&'a str>,
        organization: &'a str,
        lang: Lang,
    ) -> Self {
        Self {
            name,
            title,
            organization,
            footer: Some(lang.scan_prompt()),
            lang,
        }
    }
}

/// One field of a card as laid out: what [`card_text`] reports.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldText {
    /// The card format's name for the field: `org_name`, `member_name`, `title` or `footer`.
    pub field: &'static str,
    /// The text after cleaning (whitespace collapsed, hidden formatting characters dropped).
    pub text: String,
    /// Each printed line, in logical order; a line ends with the space it was broken at, so
    /// the lines put together are `text` unless the field was cut.
    pub lines: Vec<String>,
    /// Em size in pixels.
    pub px: f32,
}

/// Text of a card face that cannot be printed as it is: the reason issuing or printing refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardTextError {
    /// Characters that no bundled or installed font can draw (or that have no agreed meaning:
    /// private-use and unassigned code points), per field.
    #[error("{}", describe_undrawable(.0))]
    Undrawable(Vec<(&'static str, Vec<char>)>),
    /// The field is too long for its place on the card even at the smallest size.
    #[error("{0} is too long to fit on the printable card, even in small type on several lines")]
    DoesNotFit(&'static str),
}

impl CardTextError {
    /// A stable, machine-readable code: `undrawable_characters` or `text_does_not_fit`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Undrawable(_) => "undrawable_characters",
            Self::DoesNotFit(_) => "text_does_not_fit",
        }
    }

    /// Every character that cannot be drawn, each once.
    pub fn characters(&self) -> Vec<char> {
        let mut all = Vec::new();
        if let Self::Undrawable(fields) = self {
            for c in fields.iter().flat_map(|(_, chars)| chars) {
                if !all.contains(c) {
                    all.push(*c);
                }
            }
        }
        all
    }
}

fn describe_undrawable(fields: &[(&'static str, Vec<char>)]) -> String {
    format!(
        "the card cannot draw these characters, so it would not show the name it signs: {}",
        describe_characters(fields)
    )
}

/// The characters of an [`CardTextError::Undrawable`], field by field: `name: "X" (U+0058)`,
/// the same in every language.
pub fn describe_characters(fields: &[(&'static str, Vec<char>)]) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(field, chars)| {
            let chars: Vec<String> = chars
                .iter()
                .map(|&c| format!("\"{c}\" (U+{:04X})", u32::from(c)))
                .collect();
            format!("{field}: {}", chars.join(", "))
        })
        .collect();
    fields.join("; ")
}

/// Where a field goes in the text column, and how it is fitted.
struct Field {
    /// The card format's name for the field, used in errors.
    name: &'static str,
    /// The field's text on a face.
    text: for<'a> fn(&CardFace<'a>) -> Option<&'a str>,
    /// Top and bottom of the band of the card the lines must stay in.
    band: (f32, f32),
    /// The baseline that stays put as the text shrinks: the last line's for fields that grow
    /// upwards (organization, name, footer), the first line's for the title, which grows down.
    anchor: Anchor,
    style: TextStyle,
}

#[derive(Clone, Copy)]
enum Anchor {
    LastBaseline(f32),
    FirstBaseline(f32),
}

/// The four fields, top to bottom. Baselines are fixed so every card of an organization lines
/// up the same way; each band is tall enough for a field of the card format's longest length
/// (64 characters) at the minimum size.
#[rustfmt::skip]
const FIELDS: [Field; 4] = [
    Field { name: "org_name", text: |face| Some(face.organization), band: (24.0, 140.0), anchor: Anchor::LastBaseline(102.0),
        style: style(Weight::Regular, 36.0, 18.0, 3, ACCENT) },
    Field { name: "member_name", text: |face| Some(face.name), band: (158.0, 322.0), anchor: Anchor::LastBaseline(300.0),
        style: style(Weight::Bold, 84.0, 24.0, 4, INK) },
    Field { name: "title", text: |face| face.title, band: (326.0, 476.0), anchor: Anchor::FirstBaseline(366.0),
        style: style(Weight::Regular, 38.0, 20.0, 4, GREY) },
    Field { name: "footer", text: |face| face.footer, band: (486.0, 576.0), anchor: Anchor::LastBaseline(528.0),
        style: style(Weight::Regular, 26.0, 18.0, 2, LIGHT_GREY) },
];

const fn style(
    weight: Weight,
    max_px: f32,
    min_px: f32,
    max_lines: usize,
    color: Rgb<u8>,
) -> TextStyle {
    TextStyle {
        weight,
        max_px,
        min_px,
        line_height: 1.2,
        max_lines,
        color,
    }
}

impl Field {
    /// Top of the fitted lines: the anchor baseline where it lets the lines stay in the band,
    /// otherwise as close to it as the band allows.
    fn top(&self, fitted: &FittedText) -> f32 {
        let (band_top, band_bottom) = self.band;
        let wanted = match self.anchor {
            Anchor::LastBaseline(y) => y - fitted.last_baseline(),
            Anchor::FirstBaseline(y) => y - fitted.first_baseline(),
        };
        wanted.min(band_bottom - fitted.height()).max(band_top)
    }
}

/// Module size and top-left corner (of the modules, not the quiet zone) of the QR code on the
/// card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QrPlacement {
    module_px: u32,
    left: u32,
    top: u32,
}

impl QrPlacement {
    /// The largest whole module size that keeps the modules within [`QR_TARGET_PX`] and fits
    /// the card's height with the quiet zone (on a white card the quiet zone may reach the
    /// edge), vertically centred, with the same margin on the right as above the modules.
    fn for_width(width_modules: u32) -> Self {
        let side_modules = width_modules + 2 * QUIET_ZONE as u32;
        let module_px = (CARD_HEIGHT / side_modules)
            .min(QR_TARGET_PX / width_modules)
            .max(1);
        let modules_px = width_modules * module_px;
        let top = CARD_HEIGHT.saturating_sub(modules_px) / 2;
        let left = CARD_WIDTH.saturating_sub(modules_px + top.max(MARGIN / 2));
        QrPlacement {
            module_px,
            left,
            top,
        }
    }

    fn for_matrix(m: &QrMatrix) -> Self {
        Self::for_width(m.width() as u32)
    }

    /// Left edge of the quiet zone: text must stay left of it.
    fn quiet_zone_left(&self) -> u32 {
        self.left.saturating_sub(QUIET_ZONE as u32 * self.module_px)
    }

    /// The text column beside the code.
    fn column(&self) -> Clip {
        Clip {
            left: MARGIN,
            top: 0,
            right: self.quiet_zone_left().max(MARGIN),
            bottom: CARD_HEIGHT,
        }
    }
}

/// Width of the narrowest text column of any QR code [`printable_png`] prints (versions whose
/// modules get at least [`MIN_PRINT_MODULE_PX`]): text that fits it fits beside every code.
fn narrowest_column() -> f32 {
    (1..=40u32)
        .map(|version| QrPlacement::for_width(17 + 4 * version))
        .filter(|qr| qr.module_px >= MIN_PRINT_MODULE_PX)
        .map(|qr| column_width(qr.column()))
        .fold(f32::INFINITY, f32::min)
        .min(CARD_WIDTH as f32)
}

/// Checks that every field of `face` can be printed as it is, beside any QR code the card can
/// carry: every character drawn by some font, every field fitting its place. Issuing calls this
/// before signing, so no card is signed whose printed name would differ from the signed one.
///
/// # Errors
/// [`CardTextError::Undrawable`] naming every character no font can draw, per field; otherwise
/// [`CardTextError::DoesNotFit`] for the first field too long for the card.
pub fn check_face(face: &CardFace<'_>) -> Result<(), CardTextError> {
    refusal(&lay_out(face, narrowest_column()))
}

/// Every field of `face` present, fitted to a column `width` pixels wide. The title is never
/// drawn larger than the name, which a long name could otherwise be shrunk below.
fn lay_out(face: &CardFace<'_>, width: f32) -> Vec<(&'static Field, FittedText)> {
    let mut fitted: Vec<(&'static Field, FittedText)> = Vec::with_capacity(FIELDS.len());
    for field in &FIELDS {
        let Some(text) = (field.text)(face) else {
            continue;
        };
        let name_px = fitted
            .iter()
            .find(|(done, _)| done.name == "member_name")
            .map(|(_, name)| name.px());
        let mut style = field.style;
        if let (true, Some(name_px)) = (field.name == "title", name_px) {
            style.max_px = style.max_px.min(name_px).max(style.min_px);
        }
        let (top, bottom) = field.band;
        fitted.push((
            field,
            text::fit(text, &style, face.lang, width, bottom - top),
        ));
    }
    fitted
}

/// The refusal for fields as fitted, if any.
fn refusal(fitted: &[(&'static Field, FittedText)]) -> Result<(), CardTextError> {
    let undrawable: Vec<(&'static str, Vec<char>)> = fitted
        .iter()
        .filter(|(_, text)| !text.missing().is_empty())
        .map(|(field, text)| (field.name, text.missing().to_vec()))
        .collect();
    if !undrawable.is_empty() {
        return Err(CardTextError::Undrawable(undrawable));
    }
    match fitted.iter().find(|(_, text)| text.is_cut()) {
        Some((field, _)) => Err(CardTextError::DoesNotFit(field.name)),
        None => Ok(()),
    }
}

/// The card as drawn, and what its text could not show.
fn draw_card(face: &CardFace<'_>, m: &QrMatrix) -> (RgbImage, Result<(), CardTextError>) {
    let mut img = RgbImage::from_pixel(CARD_WIDTH, CARD_HEIGHT, WHITE);
    let qr = QrPlacement::for_matrix(m);
    draw_qr(&mut img, m, qr);

    let column = qr.column();
    let fitted = lay_out(face, column_width(column));
    for (field, lines) in &fitted {
        lines.draw(&mut img, column.left as f32, field.top(lines), column);
    }

    // A short accent rule between the organization and the name.
    for y in 146..152 {
        for x in MARGIN..(MARGIN + 64).min(column.right) {
            img.put_pixel(x, y, ACCENT);
        }
    }
    let refusal = refusal(&fitted);
    (img, refusal)
}

/// Each field of `face` as [`render_printable`] lays it out beside `m`: its lines and size.
pub fn card_text(face: &CardFace<'_>, m: &QrMatrix) -> Vec<FieldText> {
    let column = QrPlacement::for_matrix(m).column();
    lay_out(face, column_width(column))
        .into_iter()
        .map(|(field, fitted)| FieldText {
            field: field.name,
            text: fitted.text().to_owned(),
            lines: fitted.lines(),
            px: fitted.px(),
        })
        .collect()
}

fn column_width(column: Clip) -> f32 {
    column.right.saturating_sub(column.left) as f32
}

/// Draws the printable namecard for `face` with the QR code `m`.
///
/// The QR code gets whole-pixel modules (8 px for the ~270 character card URI, version 10,
/// larger for shorter texts); the text column to its left never reaches the QR code's quiet
/// zone. Each field shrinks and wraps to fit its band (see [`crate::qr::text`]). This never
/// panics and never draws outside the card, whatever the strings contain; characters no font
/// has are drawn as the font's empty box, and text too long even in small type is cut with an
/// ellipsis ([`printable_png`] refuses both). For very dense codes (above version 16) the modules
/// fall below [`MIN_PRINT_MODULE_PX`]; the image is still drawn, but [`printable_png`] refuses it.
pub fn render_printable(face: &CardFace<'_>, m: &QrMatrix) -> RgbImage {
    draw_card(face, m).0
}

/// Paints the dark modules of `m` at `qr`; the card is already white, which gives the quiet zone.
fn draw_qr(img: &mut RgbImage, m: &QrMatrix, qr: QrPlacement) {
    let black = Rgb([0, 0, 0]);
    for y in 0..m.width() {
        for (x, _) in m.row(y).iter().enumerate().filter(|(_, dark)| **dark) {
            let px0 = qr.left + x as u32 * qr.module_px;
            let py0 = qr.top + y as u32 * qr.module_px;
            for py in py0..(py0 + qr.module_px).min(img.height()) {
                for px in px0..(px0 + qr.module_px).min(img.width()) {
                    img.put_pixel(px, py, black);
                }
            }
        }
    }
}

/// The printable namecard as a PNG (8-bit RGB, tagged 300 dpi).
///
/// # Errors
/// - [`QrError::TooDenseToPrint`] when the QR code's modules would be smaller than
///   [`MIN_PRINT_MODULE_PX`] on the card (text much longer than a card URI).
/// - [`QrError::Text`] when a field has characters no font can draw, or does not fit: the card
///   would show something other than what it says.
/// - [`QrError::Png`] if PNG encoding fails.
pub fn printable_png(face: &CardFace<'_>, m: &QrMatrix) -> Result<Vec<u8>, QrError> {
    let qr = QrPlacement::for_matrix(m);
    if qr.module_px < MIN_PRINT_MODULE_PX {
        return Err(QrError::TooDenseToPrint {
            version: m.version(),
            module_px: qr.module_px,
            min: MIN_PRINT_MODULE_PX,
        });
    }
    let (img, refusal) = draw_card(face, m);
    refusal?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, img.width(), img.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let pixels_per_metre = (f64::from(CARD_DPI) / 0.0254).round() as u32;
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: pixels_per_metre,
        yppu: pixels_per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header()?;
    writer.write_image_data(img.as_raw())?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::Ecc;

    #[test]
    fn the_card_uri_gets_eight_pixel_modules_clear_of_the_text_column() {
        let m = QrMatrix::encode(&"A".repeat(270), Ecc::M).expect("fits");
        let qr = QrPlacement::for_matrix(&m);
        assert_eq!(m.version(), 10);
        assert_eq!(qr.module_px, 8);
        assert!(qr.quiet_zone_left() > MARGIN + 300);
        assert!(qr.left + m.width() as u32 * qr.module_px <= CARD_WIDTH);
    }

    #[test]
    fn every_version_fits_on_the_card() {
        for len in [1, 100, 500, 1000, 2000, 4296] {
            let m = QrMatrix::encode(&"A".repeat(len), Ecc::L).expect("fits");
            let qr = QrPlacement::for_matrix(&m);
            let side = m.width() as u32 * qr.module_px;
            assert!(qr.top + side <= CARD_HEIGHT, "version {}", m.version());
            assert!(qr.left + side <= CARD_WIDTH, "version {}", m.version());
        }
    }

    #[test]
    fn the_narrowest_printable_column_is_that_of_a_printable_version() {
        let narrowest = narrowest_column();
        assert!(narrowest > 380.0, "{narrowest}");
        let card_uri = QrPlacement::for_width(57).column();
        assert!(narrowest <= (card_uri.right - card_uri.left) as f32);
    }

    #[test]
    fn the_bands_do_not_overlap_and_hold_their_anchors() {
        for pair in FIELDS.windows(2) {
            assert!(pair[0].band.1 <= pair[1].band.0, "{}", pair[1].name);
        }
        for field in &FIELDS {
            let y = match field.anchor {
                Anchor::LastBaseline(y) | Anchor::FirstBaseline(y) => y,
            };
            assert!(field.band.0 < y && y < field.band.1, "{}", field.name);
        }
    }
}
