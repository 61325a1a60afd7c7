//! The printable namecard: a 3.5 x 2 inch card at 300 dpi with the QR code on the right and the
//! member's name, title and organization on the left.

use image::{Rgb, RgbImage};

use super::render::QUIET_ZONE;
use super::text::{self, Clip, Style};
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
/// Baseline-to-baseline distance, in ems.
const LINE_HEIGHT: f32 = 1.2;
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([26, 26, 26]);
const GREY: Rgb<u8> = Rgb([96, 96, 96]);
const LIGHT_GREY: Rgb<u8> = Rgb([140, 140, 140]);
const ACCENT: Rgb<u8> = Rgb([24, 78, 140]);

/// The text printed next to the QR code. All of it is untrusted, so the card drawing treats it
/// defensively: only the first 2,048 characters are read and at most 200 kept; whitespace runs
/// become one space; control, bidi-override and other invisible characters are dropped; text is
/// drawn left to right; characters the bundled fonts lack (emoji, Arabic, Hebrew, hanzi outside
/// GB2312, ...) are skipped, never drawn as empty boxes (see [`has_glyph`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardFace<'a> {
    /// The member's name, printed large and bold.
    pub name: &'a str,
    /// Job title, under the name.
    pub title: Option<&'a str>,
    /// Organization, at the top in the accent colour.
    pub organization: &'a str,
    /// A small line at the bottom, e.g. "Scan to add me".
    pub footer: Option<&'a str>,
}

/// Whether the printable card can draw `c`, in both the regular and the bold weight.
///
/// The bundled fonts cover Latin, Greek, Cyrillic, GB2312 (all common simplified Chinese) and CJK punctuation;
/// characters it lacks, such as emoji or rare and traditional-only hanzi, are skipped on the card
/// rather than drawn as empty boxes. Callers can use this to warn when a name will print
/// incompletely.
pub fn has_glyph(c: char) -> bool {
    let fonts = text::fonts();
    fonts.regular.has_glyph(c) && fonts.bold.has_glyph(c)
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
    fn for_matrix(m: &QrMatrix) -> Self {
        let side_modules = (m.width() + 2 * QUIET_ZONE) as u32;
        let module_px = (CARD_HEIGHT / side_modules)
            .min(QR_TARGET_PX / m.width() as u32)
            .max(1);
        let modules_px = m.width() as u32 * module_px;
        let top = (CARD_HEIGHT - modules_px) / 2;
        let left = CARD_WIDTH - modules_px - top.max(MARGIN / 2);
        QrPlacement {
            module_px,
            left,
            top,
        }
    }

    /// Left edge of the quiet zone: text must stay left of it.
    fn quiet_zone_left(&self) -> u32 {
        self.left.saturating_sub(QUIET_ZONE as u32 * self.module_px)
    }
}

/// Draws the printable namecard for `face` with the QR code `m`.
///
/// The QR code gets whole-pixel modules (8 px for the ~270 character card URI, version 10,
/// larger for shorter texts); the text column to its left never reaches the QR code's quiet
/// zone. Each line shrinks to fit and is then ellipsised (the name may first take two lines). This never panics and never draws outside the card, whatever the
/// strings contain. For very dense codes (above version 18) the modules fall below
/// [`MIN_PRINT_MODULE_PX`]; the image is still drawn, but [`printable_png`] refuses it.
pub fn render_printable(face: &CardFace<'_>, m: &QrMatrix) -> RgbImage {
    let mut img = RgbImage::from_pixel(CARD_WIDTH, CARD_HEIGHT, WHITE);
    let qr = QrPlacement::for_matrix(m);
    draw_qr(&mut img, m, qr);

    let fonts = text::fonts();
    let column = Clip {
        left: MARGIN,
        top: 0,
        right: qr.quiet_zone_left(),
        bottom: CARD_HEIGHT,
    };
    let width = column.right.saturating_sub(column.left) as f32;
    let x = column.left as f32;

    // Text, weight, largest and smallest em size, colour, baseline of the last line, and the
    // largest size on two lines for the one field that may wrap. Baselines are fixed so every
    // card of an organization lines up the same way; a line that shrinks keeps its baseline.
    #[rustfmt::skip]
    let lines = [
        (Some(face.organization), &fonts.regular, 36.0, 24.0, ACCENT, 102.0, None),
        (Some(face.name), &fonts.bold, 84.0, 44.0, INK, 300.0, Some(58.0)),
        (face.title, &fonts.regular, 38.0, 26.0, GREY, 366.0, None),
        (face.footer, &fonts.regular, 26.0, 20.0, LIGHT_GREY, 528.0, None),
    ];
    for (raw, weight, max_px, min_px, color, baseline, two_line_max_px) in lines {
        let Some(raw) = raw else { continue };
        let style = Style {
            face: weight,
            max_px,
            min_px,
            color,
        };
        let chars = text::drawable_chars(raw, style.face);
        // A second line goes above the first, towards the accent rule.
        let fitted = match two_line_max_px {
            Some(two_line_max_px) => text::fit_wrapped(&chars, &style, width, two_line_max_px),
            None => text::fit(&chars, &style, width).into_iter().collect(),
        };
        let line_count = fitted.len() as f32;
        for (i, line) in fitted.iter().enumerate() {
            let lines_below = line_count - 1.0 - i as f32;
            let y = baseline - lines_below * line.px * LINE_HEIGHT;
            text::draw(&mut img, line, &style, x, y, column);
        }
    }

    // A short accent rule between the organization and the name.
    for y in 146..152 {
        for x in MARGIN..(MARGIN + 64).min(column.right) {
            img.put_pixel(x, y, ACCENT);
        }
    }
    img
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
    let img = render_printable(face, m);
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
}
