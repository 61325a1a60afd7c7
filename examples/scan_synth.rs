//! Writes the large benchmark photos for `bench/scan/run.sh` into OUT_DIR:
//! - `corpus-12mp/*.jpg`: every sixth positive corpus photo, upscaled to 4032x3024, JPEG q85;
//! - `cards-12mp/card-N.jpg`: synthetic cards (rotated 15 degrees, perspective, blur, uneven
//!   light, JPEG q70), see `namecard::scan::synth`;
//! - `hard-12mp/hard-N-KIND.jpg` (and `.txt`): the hard set of `tests/scan/hard_photos.rs`
//!   (`HardShot` of our printable cards, seeds 1 to 18);
//! - `nocode-12mp/*.jpg`: 12 MP photos with nothing to read (a card whose code was left out, on
//!   a desk and on a cluttered table; every corpus negative upscaled, JPEG q85).
//!
//! `cargo run --release --example scan_synth -- OUT_DIR`

use std::path::Path;

use image::GrayImage;
use namecard::scan::corpus;
use namecard::scan::synth::{
    Background, HardShot, PhotoParams, Placement, Scene, card_image, card_uri, card_without_code,
    phone_photo, photograph, printed_card, upscaled_jpeg,
};

/// As many as the test's set.
const HARD_SHOTS: u64 = 18;

fn main() -> Result<(), String> {
    let out = std::env::args().nth(1).ok_or("usage: scan_synth OUT_DIR")?;
    let out = Path::new(&out);
    let write = |path: &Path, bytes: &[u8]| -> Result<(), String> {
        std::fs::create_dir_all(path.parent().unwrap_or(out)).map_err(|e| e.to_string())?;
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    for seed in 1..=5 {
        let uri = card_uri(seed);
        let params = PhotoParams {
            seed,
            ..PhotoParams::default()
        };
        let photo = phone_photo(&card_image(&uri, seed), &params);
        write(&out.join(format!("cards-12mp/card-{seed}.jpg")), &photo)?;
        write(
            &out.join(format!("cards-12mp/card-{seed}.txt")),
            uri.as_bytes(),
        )?;
    }
    for seed in 1..=HARD_SHOTS {
        let card = printed_card(seed);
        let (width, height) = card.image.dimensions();
        let shot = HardShot::new(width, height, seed);
        let name = format!("hard-12mp/hard-{seed}-{}", shot.kind);
        write(
            &out.join(format!("{name}.jpg")),
            &shot.photograph(&card.image),
        )?;
        write(&out.join(format!("{name}.txt")), card.text.as_bytes())?;
    }
    let blank = card_without_code(9);
    let nocode: [(&str, Vec<u8>); 2] = [
        (
            "nocode-12mp/desk.jpg",
            phone_photo(&blank, &PhotoParams::default()),
        ),
        ("nocode-12mp/table.jpg", cluttered(&blank)),
    ];
    for (name, bytes) in &nocode {
        write(&out.join(name), bytes)?;
    }
    if let Some(photos) = corpus::load_corpus()? {
        let negatives = photos.iter().filter(|p| p.is_negative());
        let positives = photos.iter().filter(|p| !p.is_negative()).step_by(6);
        for (dir, photo) in negatives
            .map(|p| ("nocode-12mp", p))
            .chain(positives.map(|p| ("corpus-12mp", p)))
        {
            let image = image::open(&photo.path).map_err(|e| format!("{}: {e}", photo.name))?;
            let name = photo.name.replace('/', "_").replace(".png", ".jpg");
            write(
                &out.join(dir).join(name),
                &upscaled_jpeg(&image, 4032, 3024, 85),
            )?;
        }
    }
    Ok(())
}

/// `card` held in a hand over a cluttered table, as the hard set photographs it.
fn cluttered(card: &GrayImage) -> Vec<u8> {
    let shot = HardShot::new(card.width(), card.height(), 3);
    let scene = Scene {
        background: Background::ClutterAndHand,
        ..shot.scene
    };
    let placement = Placement {
        card,
        corners: shot.corners,
        bend: 0.0,
    };
    photograph(&[placement], &scene, shot.jpeg_quality)
}
