//! The one error type of the scan module.

/// Why a photo yielded no QR payload.
///
/// Every refusal has a stable snake_case [`ScanError::code`] that the HTTP layer and the CLI can
/// show; the `Display` text is safe to show to the member who uploaded the photo.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScanError {
    /// The upload is larger than [`super::ScanLimits::max_bytes`]; nothing was decoded.
    #[error("the upload is {size} bytes, more than the {limit} allowed")]
    TooManyBytes { size: usize, limit: usize },
    /// The bytes are not an image of any format we know (empty, random, text...).
    #[error("the upload is not an image")]
    NotAnImage,
    /// The bytes are an image, but in a format we do not decode (TIFF, AVIF, ...).
    #[error("images in {format} format are not supported; send JPEG, PNG, WebP, GIF or BMP")]
    UnsupportedFormat { format: String },
    /// The image ends before its data does.
    #[error("the image is truncated")]
    TruncatedImage,
    /// The image header is readable but its data is damaged.
    #[error("the image data is corrupt")]
    CorruptImage,
    /// The header claims more pixels than allowed, or decoding would need more memory than
    /// allowed; refused before the pixels were allocated.
    #[error("the image is {width}x{height} pixels, more than allowed")]
    ImageTooLarge { width: u32, height: u32 },
    /// The image was decoded but holds no readable QR code.
    #[error("no QR code was found in the image")]
    NoQrFound,
    /// The time budget ran out before any QR code was found.
    #[error("no QR code was found within the time budget")]
    TimeBudgetExceeded,
}

impl ScanError {
    /// The stable machine-readable code of this refusal (`not_an_image`, `no_qr_found`, ...).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooManyBytes { .. } => "too_many_bytes",
            Self::NotAnImage => "not_an_image",
            Self::UnsupportedFormat { .. } => "unsupported_format",
            Self::TruncatedImage => "truncated_image",
            Self::CorruptImage => "corrupt_image",
            Self::ImageTooLarge { .. } => "image_too_large",
            Self::NoQrFound => "no_qr_found",
            Self::TimeBudgetExceeded => "time_budget_exceeded",
        }
    }
}
