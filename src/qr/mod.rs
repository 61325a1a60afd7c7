//! Rendering a card's text as a QR code: the matrix, PNG and SVG images, and the printable
//! namecard.
//!
//! This module takes plain text and strings; it knows nothing of the card format, HTTP, SQL or
//! the command line. The pipeline is typed: [`QrMatrix::encode`] turns text into a checked
//! matrix, and every renderer takes a `&QrMatrix`, so no renderer ever sees text that did not fit.
//!
//! - [`matrix`]: [`QrMatrix`] and [`Ecc`]; encoding is delegated to `fast_qr`, the fastest
//!   encoder we measured (see `BENCHMARKS.md`).
//! - [`render`]: [`render_png`] (1-bit grayscale) and [`render_svg`] (one run-length `<path>`).
//! - [`printable`]: [`render_printable`] / [`printable_png`], a 3.5 x 2 inch card at 300 dpi with
//!   the QR code, name, title and organization, and [`check_face`], which issuing calls before
//!   signing so that no card is signed whose printed text would differ from its signed text.
//! - [`text`]: laying out, fitting and drawing untrusted text in any script with the bundled
//!   Noto fonts (and the system's), in a [`Lang`]'s regional forms; for every image the service
//!   draws.

pub mod matrix;
pub mod printable;
pub mod render;
pub mod text;

pub use matrix::{Ecc, ParseEccError, QrMatrix};
pub use printable::{
    CardFace, CardTextError, FieldText, card_text, check_face, describe_characters, printable_png,
    render_printable,
};
pub use render::{render_png, render_svg};
pub(crate) use text::{CJK_BOLD, CJK_REGULAR};
pub use text::{Lang, ParseLangError};

/// Everything that can go wrong while encoding or rendering a QR code.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The text needs more capacity than a version-40 QR code has at this error-correction level.
    #[error("text of {len} bytes is too long for a QR code at error correction level {ecc:?}")]
    DataTooLong {
        /// Length of the text in bytes.
        len: usize,
        /// The requested level; a lower one may fit.
        ecc: Ecc,
    },
    /// A module size outside the supported range (it would be invisible, or allocate too much).
    #[error("module size {module_px} px is outside 1..={max} px")]
    ModuleSize {
        /// The requested size.
        module_px: u32,
        /// The largest size we render.
        max: u32,
    },
    /// The QR code is too dense to stay scannable at the printable card's size.
    #[error(
        "a version {version} QR code would get {module_px} px modules on the printable card; \
         at least {min} px are needed to scan it"
    )]
    TooDenseToPrint {
        /// Version of the matrix (1-40).
        version: u8,
        /// The module size that would fit on the card.
        module_px: u32,
        /// The smallest module size we accept for print.
        min: u32,
    },
    /// The card's text cannot be printed as it is (see [`check_face`]).
    #[error(transparent)]
    Text(#[from] CardTextError),
    /// The PNG encoder failed (it writes to memory, so this is not expected).
    #[error("PNG encoding failed")]
    Png(#[from] png::EncodingError),
}
