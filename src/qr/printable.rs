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
/// Module size the card aims for: 8 px is 0.68 mm at 300 dpi, comfortable for phone cameras.
pub const PREFERRED_MODULE_PX: u32 = 8;
/// Smallest module size [`printable_png`] accepts: 6 px (0.5 mm) is the usual floor for
/// reliable scanning of print.
pub const MIN_PRINT_MODULE_PX: u32 = 6;

const MARGIN: u32 = 72;
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([26, 26, 26]);
const GREY: Rgb<u8> = Rgb([96, 96, 96]);
const LIGHT_GREY: Rgb<u8> = Rgb([140, 140, 140]);
const ACCENT: Rgb<u8> = Rgb([24, 78, 140]);

/// The text printed next to the QR code. All of it is untrusted: see the `text` module for
/// how hostile strings are handled.
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

/// Module size and top-left corner (of the modules, not the quiet zone) of the QR code on the
/// card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QrPlacement {
    module_px: u32,
    left: u32,
    top: u32,
}

impl QrPlacement {
    /// The largest whole module size up to [`PREFERRED_MODULE_PX`] that fits the card's height
    /// with the quiet zone (on a white card the quiet zone may reach the edge), vertically
    /// centred, with the same margin on the right as above the modules.
    fn for_matrix(m: &QrMatrix) -> Self {
        let side_modules = (m.width() + 2 * QUIET_ZONE) as u32;
        let module_px = (CARD_HEIGHT / side_modules).clamp(1, PREFERRED_MODULE_PX);
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
/// The QR code gets whole-pixel modules (8 px for the ~270 character card URI, version 10);
/// the text column to its left never reaches the QR code's quiet zone. Each line shrinks to fit
/// and is then ellipsised. This never panics and never draws outside the card, whatever the
/// strings contain. For very dense codes (above version ~17) the modules fall below
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

    let organization = Style {
        font: &fonts.regular,
        max_px: 36.0,
        min_px: 24.0,
        color: ACCENT,
    };
    let name = Style {
        font: &fonts.bold,
        max_px: 84.0,
        min_px: 44.0,
        color: INK,
    };
    let title = Style {
        font: &fonts.regular,
        max_px: 38.0,
        min_px: 26.0,
        color: GREY,
    };
    let footer = Style {
        font: &fonts.regular,
        max_px: 26.0,
        min_px: 20.0,
        color: LIGHT_GREY,
    };

    // Baselines are fixed so every card of an organization lines up the same way; a line that
    // shrinks keeps its baseline.
    let lines = [
        (Some(face.organization), organization, 118.0),
        (Some(face.name), name, 300.0),
        (face.title, title, 366.0),
        (face.footer, footer, (CARD_HEIGHT - MARGIN) as f32),
    ];
    for (raw, style, baseline) in lines {
        let Some(raw) = raw else { continue };
        let chars = text::drawable_chars(raw, style.font);
        if let Some(line) = text::fit(&chars, &style, width) {
            text::draw(&mut img, &line, &style, x, baseline, column);
        }
    }

    // A short accent rule between the organization and the name.
    for y in 160..166 {
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
    // 300 dpi = 11,811 pixels per metre.
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: 11_811,
        yppu: 11_811,
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
