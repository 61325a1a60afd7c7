//! The first two pipeline stages: raw upload bytes -> [`CheckedUpload`] -> [`DecodedImage`].
//!
//! Every limit is enforced before the work it protects: the byte cap before anything is parsed,
//! the pixel cap from the image header before any pixel is allocated, and `image::Limits` on
//! the decoder itself as a second line of defence.

use std::io::Cursor;

use image::error::{ImageError, LimitErrorKind};
use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageFormat, ImageReader};

use super::{ScanError, ScanLimits};

/// Upload bytes whose size, format and header dimensions are within the limits.
/// Holding one proves that no pixel has been decoded yet and that decoding is allowed.
#[derive(Debug, Clone, Copy)]
pub struct CheckedUpload<'a> {
    bytes: &'a [u8],
    format: ImageFormat,
    width: u32,
    height: u32,
}

impl<'a> CheckedUpload<'a> {
    /// Checks the byte cap, recognises the format by its magic bytes and reads the header's
    /// dimensions against the pixel cap.
    ///
    /// # Errors
    /// `TooManyBytes`, `NotAnImage`, `UnsupportedFormat`, `TruncatedImage`, `CorruptImage` or
    /// `ImageTooLarge`; each before any pixel is decoded.
    pub fn check(bytes: &'a [u8], limits: &ScanLimits) -> Result<Self, ScanError> {
        if bytes.len() > limits.max_bytes {
            return Err(ScanError::TooManyBytes {
                size: bytes.len(),
                limit: limits.max_bytes,
            });
        }
        let format = image::guess_format(bytes).map_err(|_| ScanError::NotAnImage)?;
        if !format.reading_enabled() {
            return Err(ScanError::UnsupportedFormat {
                format: format!("{format:?}"),
            });
        }
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        // Only the header is read here, so no limits are needed yet; a limit error here would
        // hide the dimensions we want to report.
        reader.no_limits();
        let (width, height) = reader.into_dimensions().map_err(map_image_error)?;
        if width == 0 || height == 0 {
            return Err(ScanError::CorruptImage);
        }
        if u64::from(width) * u64::from(height) > limits.max_pixels {
            return Err(ScanError::ImageTooLarge { width, height });
        }
        Ok(Self {
            bytes,
            format,
            width,
            height,
        })
    }

    /// The format recognised from the magic bytes.
    #[must_use]
    pub fn format(&self) -> ImageFormat {
        self.format
    }

    /// Width and height as stored in the file (before EXIF orientation).
    #[must_use]
    pub fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

/// A decoded, upright (EXIF orientation applied) 8-bit grayscale image.
#[derive(Debug, Clone)]
pub struct DecodedImage {
    luma: GrayImage,
}

impl DecodedImage {
    /// Decodes a checked upload to grayscale under the decoder memory limit.
    ///
    /// JPEGs are decoded straight to luma (no colour conversion or chroma upsampling, about
    /// half the work of an RGB decode of a 12 MP photo); the other formats go through `image`.
    ///
    /// # Errors
    /// `TruncatedImage`, `CorruptImage`, `UnsupportedFormat` or `ImageTooLarge`.
    pub fn decode(upload: &CheckedUpload<'_>, limits: &ScanLimits) -> Result<Self, ScanError> {
        let luma = if upload.format == ImageFormat::Jpeg {
            decode_jpeg_luma(upload, limits)?
        } else {
            decode_with_image(upload, limits)?
        };
        Ok(Self { luma })
    }

    /// Wraps an already decoded grayscale image (for benchmarks and synthetic tests).
    #[must_use]
    pub fn from_luma(luma: GrayImage) -> Self {
        Self { luma }
    }

    /// The upright grayscale pixels.
    #[must_use]
    pub fn luma(&self) -> &GrayImage {
        &self.luma
    }
}

fn image_limits(upload: &CheckedUpload<'_>, limits: &ScanLimits) -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(upload.width);
    l.max_image_height = Some(upload.height);
    l.max_alloc = Some(limits.max_alloc);
    l
}

fn decode_with_image(
    upload: &CheckedUpload<'_>,
    limits: &ScanLimits,
) -> Result<GrayImage, ScanError> {
    let too_large = ScanError::ImageTooLarge {
        width: upload.width,
        height: upload.height,
    };
    // RGBA at 8 bits is the largest buffer `image` makes for the formats we enable (16-bit
    // PNGs aside, which `image::Limits` below still bounds).
    if u64::from(upload.width) * u64::from(upload.height) * 4 > limits.max_alloc {
        return Err(too_large);
    }
    let mut reader = ImageReader::with_format(Cursor::new(upload.bytes), upload.format);
    reader.limits(image_limits(upload, limits));
    let mut decoder = reader.into_decoder().map_err(map_image_error)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(map_image_error)?;
    image.apply_orientation(orientation);
    Ok(match image {
        DynamicImage::ImageLuma8(luma) => luma,
        other => other.to_luma8(),
    })
}

fn decode_jpeg_luma(
    upload: &CheckedUpload<'_>,
    limits: &ScanLimits,
) -> Result<GrayImage, ScanError> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    if u64::from(upload.width) * u64::from(upload.height) > limits.max_alloc {
        return Err(ScanError::ImageTooLarge {
            width: upload.width,
            height: upload.height,
        });
    }
    // zune-jpeg fills a truncated scan with grey instead of failing; a complete JPEG has an
    // end-of-image marker after its last start-of-scan (0xFF 0xD9 cannot occur inside
    // entropy-coded data, where 0xFF is always followed by 0x00 or a restart marker).
    if !jpeg_has_end_after_last_scan(upload.bytes) {
        return Err(ScanError::TruncatedImage);
    }
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(upload.width as usize)
        .set_max_height(upload.height as usize);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(upload.bytes, options);
    let pixels = decoder.decode().map_err(|e| map_jpeg_error(&e))?;
    let info = decoder.info().ok_or(ScanError::CorruptImage)?;
    let orientation = decoder
        .exif()
        .and_then(|exif| Orientation::from_exif_chunk(exif))
        .unwrap_or(Orientation::NoTransforms);
    let luma = GrayImage::from_raw(u32::from(info.width), u32::from(info.height), pixels)
        .ok_or(ScanError::CorruptImage)?;
    let mut image = DynamicImage::ImageLuma8(luma);
    image.apply_orientation(orientation);
    Ok(image.into_luma8())
}

fn jpeg_has_end_after_last_scan(bytes: &[u8]) -> bool {
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    let last_eoi = bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]);
    matches!((last_sos, last_eoi), (Some(sos), Some(eoi)) if eoi > sos)
}

fn map_jpeg_error(error: &zune_jpeg::errors::DecodeErrors) -> ScanError {
    let text = format!("{error:?}").to_ascii_lowercase();
    if text.contains("eof") || text.contains("exhausted") || text.contains("no more bytes") {
        ScanError::TruncatedImage
    } else if text.contains("too large") || text.contains("larger than") {
        ScanError::ImageTooLarge {
            width: 0,
            height: 0,
        }
    } else {
        ScanError::CorruptImage
    }
}

fn map_image_error(error: ImageError) -> ScanError {
    match error {
        ImageError::Limits(limit) => match limit.kind() {
            LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => {
                ScanError::ImageTooLarge {
                    width: 0,
                    height: 0,
                }
            }
            _ => ScanError::CorruptImage,
        },
        ImageError::Unsupported(unsupported) => ScanError::UnsupportedFormat {
            format: format!("{:?}", unsupported.format_hint()),
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ScanError::TruncatedImage
        }
        other => {
            let text = other.to_string().to_ascii_lowercase();
            if text.contains("eof") || text.contains("end of") || text.contains("truncat") {
                ScanError::TruncatedImage
            } else {
                ScanError::CorruptImage
            }
        }
    }
}
