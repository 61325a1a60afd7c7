//! Synthetic phone photos of namecards, for tests and benchmarks (not part of the service).
//!
//! [`phone_photo`] takes any upright card image (a QR rendered here by [`card_image`], or a real
//! printable card from the `qr` module) and photographs it the way a member's phone would:
//! rotated, in perspective, on a desk, out of focus, under uneven light, as a JPEG.
//! [`photograph`] lays out any number of cards ([`Placement`], e.g. a fair's table from
//! [`table_corners`]) in a [`Scene`] (dim light, noise, hand shake, glare, moiré, clutter and a
//! hand); [`HardShot`] draws the hard phone photos of issue 17 from a seed, and
//! [`printed_card`] issues and draws the printable cards they show.

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
        uri.push(char::from(
            ALPHABET[rng.below(ALPHABET.len() as u32) as usize],
        ));
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

/// The card of [`card_image`] with its code left out (the code's area painted the card's
/// white): a photo of it holds nothing to read.
#[must_use]
pub fn card_without_code(seed: u64) -> GrayImage {
    let mut card = card_image(&card_uri(seed), seed);
    fill(&mut card, 850, 100, 800, 950, 250);
    card
}

/// When [`printed_card`]'s cards are issued (and valid from): 2025-11-22.
pub const PRINTED_AT: i64 = 1_763_800_000;

/// Names from several scripts and lengths, so the printed cards' text columns differ.
const MEMBERS: [(&str, &str, Option<&str>); 4] = [
    ("张伟明", "深圳华星光电技术有限公司", Some("销售总监")),
    (
        "Ana García-Müller",
        "Nordlicht Logistik GmbH",
        Some("Head of Procurement"),
    ),
    ("李娜", "北京云帆科技有限公司", None),
    (
        "Olusegun Bámidélé",
        "Lagos Harbour Freight",
        Some("Director"),
    ),
];

/// A card issued, signed and drawn as a member gets it from `/v1/me/card/printable`.
#[derive(Debug, Clone)]
pub struct PrintedCard {
    /// The card's QR text.
    pub text: String,
    /// Its member's name.
    pub name: &'static str,
    /// The printable card in grey.
    pub image: GrayImage,
}

/// The issuer of [`printed_card`]'s cards.
///
/// # Panics
/// Never: the URL is a constant.
#[must_use]
pub fn printed_issuer() -> crate::card::Issuer {
    crate::card::Issuer::parse("https://nc.example.com").expect("a valid issuer")
}

/// The key [`printed_card`] signs with.
#[must_use]
pub fn printed_key() -> crate::card::SigningKey {
    crate::card::SigningKey::from_seed(&[7; 32])
}

/// Member `seed`'s printable card (the names cycle through four people; ids are unique).
///
/// # Panics
/// Never for these members: the card is issued and drawn from constants.
#[must_use]
pub fn printed_card(seed: u64) -> PrintedCard {
    use crate::qr::{CardFace, Ecc, QrMatrix, render_printable};
    let (name, org, title) = MEMBERS[(seed as usize) % MEMBERS.len()];
    let request = crate::card::CardRequest {
        org_id: 10_000 + seed,
        org_name: org.into(),
        member_id: 3_190_000 + seed,
        member_name: name.into(),
        title: title.map(Into::into),
        not_before: None,
        expires_at: PRINTED_AT + 365 * 86_400,
        one_time: false,
        channel: None,
    };
    let card = crate::card::issue_card(&printed_issuer(), &printed_key(), &request, PRINTED_AT)
        .expect("issued");
    let face = CardFace {
        name,
        title,
        organization: org,
        footer: Some("Scan to add me"),
        lang: Default::default(),
    };
    let matrix = QrMatrix::encode(&card.text, Ecc::M).expect("a card URI fits");
    let image = image::DynamicImage::ImageRgb8(render_printable(&face, &matrix)).to_luma8();
    PrintedCard {
        text: card.text,
        name,
        image,
    }
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
    /// The issue's hard case: 12 MP, rotated 15 degrees, in perspective, blurred, uneven
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
    let big = image
        .resize_exact(width, height, FilterType::Triangle)
        .to_rgb8();
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
    let placement = Placement {
        card,
        corners: [
            place(-top, -half_h),
            place(top, -half_h),
            place(half_w, half_h),
            place(-half_w, half_h),
        ],
        bend: 0.0,
    };
    let scene = Scene {
        width: p.width,
        height: p.height,
        blur_sigma: p.blur_sigma,
        light_falloff: p.light_falloff,
        seed: p.seed,
        ..Scene::default()
    };
    render(&[placement], &scene)
}

/// A card lying in a photo: its upright image and the photo points its corners land on
/// (top-left, top-right, bottom-right, bottom-left of the upright card).
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    pub card: &'a GrayImage,
    pub corners: [(f32, f32); 4],
    /// Curved paper: how far the card's middle bows out of its flat outline, as a fraction of
    /// the card's height (0 = flat).
    pub bend: f32,
}

/// What lies around the cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// A mid-grey desk with a faint grain.
    Desk,
    /// A cluttered table: papers, objects and print of every shade, and a hand holding the
    /// first card by its lower left corner.
    ClutterAndHand,
}

/// The camera and the light: everything about a photo but the cards.
#[derive(Debug, Clone)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub background: Background,
    /// Gaussian blur sigma in output pixels (defocus).
    pub blur_sigma: f32,
    /// Length in pixels of a horizontal hand-shake streak (0 = none).
    pub motion_blur: u32,
    /// Darkest corner's brightness relative to the brightest (1 = even light).
    pub light_falloff: f32,
    /// Overall exposure (1 = a well lit desk, 0.4 = a dim hall).
    pub brightness: f32,
    /// Sensor noise: peak deviation in grey levels.
    pub noise: u32,
    /// A specular highlight on glossy stock: centre (in photo pixels) and radius.
    pub glare: Option<(f32, f32, f32)>,
    /// Moiré from photographing a screen: depth of the beat pattern (0 = none).
    pub moire: f32,
    /// Seed for noise and the background.
    pub seed: u64,
}

impl Default for Scene {
    /// 12 MP on a desk, blur sigma 2.5, light falling to 55 %, noise of 4 grey levels.
    fn default() -> Self {
        Self {
            width: 4032,
            height: 3024,
            background: Background::Desk,
            blur_sigma: 2.5,
            motion_blur: 0,
            light_falloff: 0.55,
            brightness: 1.0,
            noise: 4,
            glare: None,
            moire: 0.0,
            seed: 1,
        }
    }
}

/// Photographs `cards` as laid out in a `scene` and returns the JPEG file bytes.
///
/// # Panics
/// If the JPEG encoder fails on an in-memory buffer (it does not).
#[must_use]
pub fn photograph(cards: &[Placement<'_>], scene: &Scene, jpeg_quality: u8) -> Vec<u8> {
    let rgb = render(cards, scene);
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, jpeg_quality)
        .encode_image(&rgb)
        .expect("encoding to memory succeeds");
    bytes
}

fn render(cards: &[Placement<'_>], p: &Scene) -> RgbImage {
    let (w, h) = (p.width as f32, p.height as f32);
    let mut rng = Lcg(p.seed);
    let mut gray = background(p, &mut rng);
    for placement in cards {
        warp_card(&mut gray, placement);
    }
    if p.background == Background::ClutterAndHand
        && let Some(first) = cards.first()
    {
        draw_hand(&mut gray, first);
    }
    if p.motion_blur > 1 {
        streak(&mut gray, p.motion_blur);
    }
    let gray = if p.blur_sigma > 0.0 {
        fast_blur(&gray, p.blur_sigma)
    } else {
        gray
    };
    let diag = w.hypot(h);
    let noise = p.noise.max(1);
    RgbImage::from_fn(p.width, p.height, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        // Light from the top-left, falling off across the diagonal.
        let t = (xf + yf * 0.7) / diag;
        let mut light = p.brightness * (1.0 - (1.0 - p.light_falloff) * t.min(1.0));
        if p.moire > 0.0 {
            // Two nearly equal gratings (the screen's pixels, the sensor's) beat slowly.
            let beat = ((xf * 0.031 + yf * 0.012).sin() * (xf * 0.029 - yf * 0.004).sin()).abs();
            light *= 1.0 - p.moire * beat;
        }
        let mut v = f32::from(gray.get_pixel(x, y).0[0]) * light;
        if let Some((gx, gy, r)) = p.glare {
            let d2 = ((xf - gx).powi(2) + (yf - gy).powi(2)) / (r * r);
            v += 230.0 * (-d2).exp();
        }
        v += rng.below(2 * noise + 1) as f32 - noise as f32;
        let warm = |k: f32| (v * k).clamp(0.0, 255.0) as u8;
        Rgb([warm(1.0), warm(0.97), warm(0.9)])
    })
}

fn background(p: &Scene, rng: &mut Lcg) -> GrayImage {
    let mut gray = GrayImage::from_fn(p.width, p.height, |x, y| {
        // A mid-grey desk with a faint wood-like grain.
        Luma([(110.0 + 25.0 * ((y as f32 / 37.0).sin() + (x as f32 / 211.0).sin())) as u8])
    });
    if p.background == Background::ClutterAndHand {
        // Papers, a phone, a cup, lines of print: rectangles of every shade and size.
        for _ in 0..60 {
            let (x, y) = (rng.below(p.width), rng.below(p.height));
            let (bw, bh) = (40 + rng.below(p.width / 5), 20 + rng.below(p.height / 5));
            let shade = rng.below(256) as u8;
            fill(&mut gray, x, y, bw, bh, shade);
            if rng.below(3) == 0 {
                // Print on it.
                let ink = shade.saturating_sub(120);
                for line in 0..bh / 30 {
                    let len = rng.below(bw.max(2));
                    fill(&mut gray, x + 8, y + 8 + line * 30, len, 12, ink);
                }
            }
        }
    }
    gray
}

/// Maps photo pixels back into the card (a homography, then the bend) and paints them.
fn warp_card(gray: &mut GrayImage, placement: &Placement<'_>) {
    let card = placement.card;
    let (cw, ch) = (card.width() as f32, card.height() as f32);
    let src = [(0.0, 0.0), (cw, 0.0), (cw, ch), (0.0, ch)];
    let dst = placement.corners;
    let to_card = homography(&dst, &src);
    let x0 = dst.iter().map(|p| p.0).fold(f32::MAX, f32::min).max(0.0) as u32;
    let x1 = (dst.iter().map(|p| p.0).fold(0.0, f32::max).ceil() as u32).min(gray.width());
    let y0 = dst.iter().map(|p| p.1).fold(f32::MAX, f32::min).max(0.0) as u32;
    let bow = placement.bend * ch;
    let y1 = ((dst.iter().map(|p| p.1).fold(0.0, f32::max) + bow.abs() * 2.0).ceil() as u32)
        .min(gray.height());
    for y in y0..y1 {
        for x in x0..x1 {
            let (u, v) = apply(&to_card, x as f32 + 0.5, y as f32 + 0.5);
            // Paper bent about a vertical axis: its middle sags by `bow`, its edges not.
            let t = u / cw;
            let v = v - bow * 4.0 * t * (1.0 - t);
            if u >= 0.0 && v >= 0.0 && u < cw - 1.0 && v < ch - 1.0 {
                gray.put_pixel(x, y, Luma([bilinear(card, u, v)]));
            }
        }
    }
}

/// A hand holding the card by its lower left corner: a palm over the corner, fingers along
/// the lower edge, thumb over the card's margin.
fn draw_hand(gray: &mut GrayImage, placement: &Placement<'_>) {
    let [tl, _, br, bl] = placement.corners;
    let size = ((br.0 - bl.0).hypot(br.1 - bl.1)) * 0.18;
    let skin = |gray: &mut GrayImage, cx: f32, cy: f32, rx: f32, ry: f32| {
        let (x0, y0) = ((cx - rx).max(0.0) as u32, (cy - ry).max(0.0) as u32);
        let x1 = ((cx + rx) as u32).min(gray.width());
        let y1 = ((cy + ry) as u32).min(gray.height());
        for y in y0..y1 {
            for x in x0..x1 {
                let d = ((x as f32 - cx) / rx).powi(2) + ((y as f32 - cy) / ry).powi(2);
                if d < 1.0 {
                    gray.put_pixel(x, y, Luma([(150.0 + 30.0 * (1.0 - d)) as u8]));
                }
            }
        }
    };
    skin(gray, bl.0 - size * 0.3, bl.1 + size * 0.4, size, size * 0.9);
    // The thumb, reaching into the card's margin (a fifth of the way up its left edge).
    let (tx, ty) = (bl.0 + (tl.0 - bl.0) * 0.2, bl.1 + (tl.1 - bl.1) * 0.2);
    skin(gray, tx, ty, size * 0.22, size * 0.5);
}

/// Averages each pixel with the `length - 1` before it on its row (a horizontal shake).
fn streak(gray: &mut GrayImage, length: u32) {
    let width = gray.width() as usize;
    let n = length as usize;
    for row in gray.as_mut().chunks_exact_mut(width) {
        let mut sum = 0u32;
        let original = row.to_vec();
        for x in 0..width {
            sum += u32::from(original[x]);
            if x >= n {
                sum -= u32::from(original[x - n]);
            }
            row[x] = (sum / (x + 1).min(n) as u32) as u8;
        }
    }
}

/// Where up to four cards of `card_width` x `card_height` pixels land on a trade-fair table
/// photographed at 12 MP from above at a slant: one per quarter of the frame, each turned by up
/// to 20 degrees, the far (top) edges a little narrower.
#[must_use]
pub fn table_corners(
    count: usize,
    card_width: u32,
    card_height: u32,
    seed: u64,
) -> Vec<[(f32, f32); 4]> {
    let mut rng = Lcg(seed ^ 0x7ab1e);
    let (w, h) = (4032.0f32, 3024.0f32);
    let half_w = w * 0.17;
    let half_h = half_w * card_height as f32 / card_width as f32;
    (0..count.min(4))
        .map(|i| {
            let cx = w * (0.25 + 0.5 * (i % 2) as f32) + rng.between(-80.0, 80.0);
            let cy = h * (0.25 + 0.5 * (i / 2) as f32) + rng.between(-60.0, 60.0);
            let top = half_w * (1.0 - rng.between(0.05, 0.15));
            let (s, c) = rng.between(-20.0, 20.0).to_radians().sin_cos();
            [
                (-top, -half_h),
                (top, -half_h),
                (half_w, half_h),
                (-half_w, half_h),
            ]
            .map(|(x, y)| (cx + x * c - y * s, cy + x * s + y * c))
        })
        .collect()
}

/// One hard phone photo of the kind people take in a hall: the card covers 12-30 % of a 12 MP
/// frame, seen by a camera held close and at a steep angle (the card turned by up to 70 degrees
/// about one axis and 40 about the other, so foreshortened by up to two thirds, its far edge
/// much narrower), rotated anyhow, in dim light with sensor noise, moderately out of focus,
/// saved at JPEG quality 40-65; and one more trouble by `seed % 6`: none, hand shake, glare on glossy
/// stock, a cluttered table with the card in a hand, a screen's moiré, or curved paper.
#[derive(Debug, Clone)]
pub struct HardShot {
    /// Which trouble was added: `plain`, `motion_blur`, `glare`, `hand`, `moire`, `curved`.
    pub kind: &'static str,
    /// Where the card's corners land (see [`Placement::corners`]).
    pub corners: [(f32, f32); 4],
    pub bend: f32,
    pub scene: Scene,
    pub jpeg_quality: u8,
}

impl HardShot {
    /// The shot for `seed` of a card of `card_width` x `card_height` pixels.
    #[must_use]
    pub fn new(card_width: u32, card_height: u32, seed: u64) -> Self {
        let mut rng = Lcg(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x4a11);
        let mut scene = Scene {
            blur_sigma: rng.between(1.0, 2.4),
            light_falloff: rng.between(0.5, 0.85),
            brightness: rng.between(0.4, 0.75),
            noise: 6 + rng.below(9),
            seed,
            ..Scene::default()
        };
        let (w, h) = (scene.width as f32, scene.height as f32);
        let aspect = card_width as f32 / card_height as f32;
        let area = rng.between(0.12, 0.30) * w * h;
        // The card through a pinhole camera: turned about one of its axes by up to 70 degrees
        // (foreshortened by up to two thirds) and about the other by up to 40, either way, held
        // 0.9-2 card widths from the lens (a phone held close: the far edge much narrower).
        let steep = rng.between(0.0, 70.0).to_radians();
        let other = rng.between(0.0, 40.0).to_radians();
        let sign = |rng: &mut Lcg| if rng.below(2) == 0 { 1.0 } else { -1.0 };
        let (pitch, yaw) = if rng.below(2) == 0 {
            (steep, other)
        } else {
            (other, steep)
        };
        let (pitch, yaw) = (pitch * sign(&mut rng), yaw * sign(&mut rng));
        let distance = rng.between(0.9, 2.0) * 2.0 * aspect;
        let ((sp, cp), (sy, cy)) = (pitch.sin_cos(), yaw.sin_cos());
        let project = |(x, y): (f32, f32)| {
            let (y, z) = (y * cp, y * sp);
            let (x, z) = (x * cy + z * sy, z * cy - x * sy);
            (x * distance / (distance + z), y * distance / (distance + z))
        };
        let upright = [
            (-aspect, -1.0),
            (aspect, -1.0),
            (aspect, 1.0),
            (-aspect, 1.0),
        ];
        let seen = upright.map(project);
        let seen_area = (0..4)
            .map(|i| {
                let (a, b) = (seen[i], seen[(i + 1) % 4]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum::<f32>()
            .abs()
            / 2.0;
        let zoom = (area / seen_area).sqrt();
        let outline = seen.map(|(x, y)| (x * zoom, y * zoom));
        let half_w = aspect * zoom;
        let (s, c) = rng.between(-40.0, 40.0).to_radians().sin_cos();
        let turned = outline.map(|(x, y)| (x * c - y * s, x * s + y * c));
        let reach_x = turned.iter().map(|p| p.0.abs()).fold(0.0, f32::max);
        let reach_y = turned.iter().map(|p| p.1.abs()).fold(0.0, f32::max);
        let centre = |reach: f32, side: f32, rng: &mut Lcg| {
            let room = (side / 2.0 - reach - 20.0).max(0.0);
            side / 2.0 + rng.between(-room, room)
        };
        let (cx, cy) = (centre(reach_x, w, &mut rng), centre(reach_y, h, &mut rng));
        let corners = turned.map(|(x, y)| (cx + x, cy + y));
        let mut bend = 0.0;
        let kind = match seed % 6 {
            0 => "plain",
            1 => {
                scene.motion_blur = 6 + rng.below(9);
                "motion_blur"
            }
            2 => {
                // On the card's text half, away from the code (drawn on its right).
                let [tl, _, _, bl] = corners;
                let (gx, gy) = ((tl.0 + bl.0) / 2.0, (tl.1 + bl.1) / 2.0);
                let (mx, my) = (cx + (gx - cx) * 0.5, cy + (gy - cy) * 0.5);
                scene.glare = Some((mx, my, half_w * rng.between(0.12, 0.2)));
                "glare"
            }
            3 => {
                scene.background = Background::ClutterAndHand;
                "hand"
            }
            4 => {
                scene.moire = rng.between(0.2, 0.4);
                "moire"
            }
            _ => {
                bend = rng.between(0.03, 0.07);
                "curved"
            }
        };
        Self {
            kind,
            corners,
            bend,
            scene,
            jpeg_quality: 40 + rng.below(26) as u8,
        }
    }

    /// Photographs `card` in this shot and returns the JPEG file bytes.
    #[must_use]
    pub fn photograph(&self, card: &GrayImage) -> Vec<u8> {
        let placement = Placement {
            card,
            corners: self.corners,
            bend: self.bend,
        };
        photograph(&[placement], &self.scene, self.jpeg_quality)
    }
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
                let pivot_row = a[col];
                let f = a[row][col] / pivot_row[col];
                for (value, pivot_value) in a[row].iter_mut().zip(pivot_row).skip(col) {
                    *value -= f * pivot_value;
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
        ((self.0 >> 33) % u64::from(n.max(1))) as u32
    }

    /// Uniform in `lo..hi`.
    fn between(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.below(1 << 24) as f32 / (1 << 24) as f32
    }
}
