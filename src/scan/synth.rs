//! Synthetic phone photos of namecards, for tests and benchmarks (not part of the service).
//!
//! [`phone_photo`] takes any upright card image (a QR rendered here by [`card_image`], or a real
//! printable card from the `qr` module) and photographs it the way a member's phone would:
//! rotated, in perspective, on a desk, out of focus, under uneven light, as a JPEG.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{FilterType, fast_blur};
use image::{GrayImage, Luma, Rgb, RgbImage};

/// A deterministic ~270-character uppercase alphanumeric card URI, like the text a real card
/// QR holds (QR version ~10 at ECC M).
#[must_use]
pub fn card_uri(seed: u64) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-:";
    let mut rng = Lcg(seed);
    let mut uri = String::from("HTTPS://NC.EXAMPLE.COM/C/");
    while uri.len() < 270 {
        uri.push(char::from(ALPHABET[rng.below(ALPHABET.len() as u32) as usize]));
    }
    uri
}

/// A white 85 x 55 mm card at about 500 dpi with `text` as a QR code (ECC M) on the right and
/// text-like clutter (dark "words" in lines) on the left.
///
/// # Panics
/// If `text` does not fit in a QR code.
#[must_use]
pub fn card_image(text: &str, seed: u64) -> GrayImage {
    let qr = fast_qr::QRBuilder::new(text)
        .ecl(fast_qr::ECL::M)
        .build()
        .expect("the text fits in a QR code");
    let (card_w, card_h) = (1700u32, 1100u32);
    let mut card = GrayImage::from_pixel(card_w, card_h, Luma([250]));
    let module = 800 / (qr.size as u32 + 8);
    let (qx, qy) = (card_w - 120 - module * qr.size as u32, 150);
    for y in 0..qr.size {
        for x in 0..qr.size {
            if qr.data[y * qr.size + x].value() {
                fill(
                    &mut card,
                    qx + x as u32 * module,
                    qy + y as u32 * module,
                    module,
                    module,
                    20,
                );
            }
        }
    }
    let mut rng = Lcg(seed ^ 0x5eed);
    // A name in large type, then lines of small "words".
    let mut x = 100;
    while x < 700 {
        let w = 40 + rng.below(80);
        fill(&mut card, x, 150, w, 70, 30);
        x += w + 30;
    }
    for line in 0..10 {
        let mut x = 100;
        let y = 320 + line * 70;
        let end = 650 + rng.below(150);
        while x < end {
            let w = 15 + rng.below(60);
            fill(&mut card, x, y, w, 28, 60);
            x += w + 14;
        }
    }
    card
}

/// How a phone photographed the card.
#[derive(Debug, Clone)]
pub struct PhotoParams {
    /// Output size (a 12 MP phone photo is 4032 x 3024).
    pub width: u32,
    pub height: u32,
    /// In-plane rotation of the card, in degrees.
    pub rotation_deg: f32,
    /// Keystone: how much narrower the card's far edge looks than its near edge (0 = none).
    pub perspective: f32,
    /// Card width as a fraction of the photo's width.
    pub card_fraction: f32,
    /// Gaussian blur sigma in output pixels (focus, hand shake).
    pub blur_sigma: f32,
    /// Darkest corner's brightness relative to the brightest (1 = even light).
    pub light_falloff: f32,
    /// JPEG quality.
    pub jpeg_quality: u8,
    /// Seed for noise and the desk texture.
    pub seed: u64,
}

impl Default for PhotoParams {
    /// The hard case: 12 MP, rotated 15 degrees, in perspective, blurred, uneven
    /// light, JPEG quality 70.
    fn default() -> Self {
        Self {
            width: 4032,
            height: 3024,
            rotation_deg: 15.0,
            perspective: 0.15,
            card_fraction: 0.6,
            blur_sigma: 2.5,
            light_falloff: 0.55,
            jpeg_quality: 70,
            seed: 1,
        }
    }
}

/// Photographs `card` (any upright card image) and returns the JPEG file bytes.
///
/// # Panics
/// If the JPEG encoder fails on an in-memory buffer (it does not).
#[must_use]
pub fn phone_photo(card: &GrayImage, params: &PhotoParams) -> Vec<u8> {
    let rgb = photo_pixels(card, params);
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, params.jpeg_quality)
        .encode_image(&rgb)
        .expect("encoding to memory succeeds");
    bytes
}

/// Upscales any image to `width` x `height` and JPEG-compresses it (the corpus as 12 MP
/// uploads).
///
/// # Panics
/// If the JPEG encoder fails on an in-memory buffer (it does not).
#[must_use]
pub fn upscaled_jpeg(image: &image::DynamicImage, width: u32, height: u32, quality: u8) -> Vec<u8> {
    let big = image.resize_exact(width, height, FilterType::Triangle).to_rgb8();
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&big)
        .expect("encoding to memory succeeds");
    bytes
}

fn photo_pixels(card: &GrayImage, p: &PhotoParams) -> RgbImage {
    let (w, h) = (p.width as f32, p.height as f32);
    let (cw, ch) = (card.width() as f32, card.height() as f32);
    // Where the card's corners land: a centred rectangle, narrowed at the top (keystone),
    // then rotated about the photo's centre.
    let half_w = w * p.card_fraction / 2.0;
    let half_h = half_w * ch / cw;
    let top = half_w * (1.0 - p.perspective);
    let (s, c) = p.rotation_deg.to_radians().sin_cos();
    let place = |x: f32, y: f32| (w / 2.0 + x * c - y * s, h / 2.0 + x * s + y * c);
    let dst = [
        place(-top, -half_h),
        place(top, -half_h),
        place(half_w, half_h),
        place(-half_w, half_h),
    ];
    let src = [(0.0, 0.0), (cw, 0.0), (cw, ch), (0.0, ch)];
    // Map photo pixels back into the card.
    let to_card = homography(&dst, &src);
    let mut rng = Lcg(p.seed);
    let mut gray = GrayImage::new(p.width, p.height);
    for (x, y, px) in gray.enumerate_pixels_mut() {
        let (u, v) = apply(&to_card, x as f32 + 0.5, y as f32 + 0.5);
        px.0[0] = if u >= 0.0 && v >= 0.0 && u < cw - 1.0 && v < ch - 1.0 {
            bilinear(card, u, v)
        } else {
            // A mid-grey desk with a faint wood-like grain.
            (110.0 + 25.0 * ((y as f32 / 37.0).sin() + (x as f32 / 211.0).sin())) as u8
        };
    }
    let gray = fast_blur(&gray, p.blur_sigma);
    let diag = w.hypot(h);
    RgbImage::from_fn(p.width, p.height, |x, y| {
        // Light from the top-left, falling off across the diagonal.
        let t = (x as f32 + y as f32 * 0.7) / diag;
        let light = 1.0 - (1.0 - p.light_falloff) * t.min(1.0);
        let noise = rng.below(9) as f32 - 4.0;
        let v = f32::from(gray.get_pixel(x, y).0[0]) * light + noise;
        let warm = |k: f32| (v * k).clamp(0.0, 255.0) as u8;
        Rgb([warm(1.0), warm(0.97), warm(0.9)])
    })
}

fn bilinear(img: &GrayImage, u: f32, v: f32) -> u8 {
    let (x0, y0) = (u.floor() as u32, v.floor() as u32);
    let (fx, fy) = (u - x0 as f32, v - y0 as f32);
    let p = |x, y| f32::from(img.get_pixel(x, y).0[0]);
    let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
    let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
    (top * (1.0 - fy) + bottom * fy) as u8
}

/// The 3x3 homography taking the four `from` points to the four `to` points.
fn homography(from: &[(f32, f32); 4], to: &[(f32, f32); 4]) -> [f64; 9] {
    // Solve the 8x8 linear system with h33 = 1 by Gaussian elimination.
    let mut a = [[0f64; 9]; 8];
    for (i, (&(x, y), &(u, v))) in from.iter().zip(to).enumerate() {
        let (x, y, u, v) = (f64::from(x), f64::from(y), f64::from(u), f64::from(v));
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = a[row][col] / a[col][col];
                for k in col..9 {
                    a[row][k] -= f * a[col][k];
                }
            }
        }
    }
    let mut h = [1f64; 9];
    for (i, row) in a.iter().enumerate() {
        h[i] = row[8] / row[i];
    }
    h
}

fn apply(h: &[f64; 9], x: f32, y: f32) -> (f32, f32) {
    let (x, y) = (f64::from(x), f64::from(y));
    let d = h[6] * x + h[7] * y + h[8];
    (
        ((h[0] * x + h[1] * y + h[2]) / d) as f32,
        ((h[3] * x + h[4] * y + h[5]) / d) as f32,
    )
}

fn fill(img: &mut GrayImage, x: u32, y: u32, w: u32, h: u32, value: u8) {
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            img.put_pixel(xx, yy, Luma([value]));
        }
    }
}

/// A tiny deterministic generator (no `rand` in the library's test support).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % u64::from(n)) as u32
    }
}
