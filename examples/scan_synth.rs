//! Writes the large benchmark photos for `bench/scan/run.sh` into OUT_DIR:
//! - `corpus-12mp/*.jpg`: every sixth positive corpus photo, upscaled to 4032x3024, JPEG q85;
//! - `cards-12mp/card-N.jpg`: synthetic cards (rotated 15 degrees, perspective, blur, uneven
//!   light, JPEG q70), see `namecard::scan::synth`.
//!
//! `cargo run --release --example scan_synth -- OUT_DIR`

use std::path::Path;

use namecard::scan::corpus;
use namecard::scan::synth::{PhotoParams, card_image, card_uri, phone_photo, upscaled_jpeg};

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
    if let Some(photos) = corpus::load_corpus()? {
        for photo in photos.iter().filter(|p| !p.is_negative()).step_by(6) {
            let image = image::open(&photo.path).map_err(|e| format!("{}: {e}", photo.name))?;
            let name = photo.name.replace('/', "_").replace(".png", ".jpg");
            write(
                &out.join("corpus-12mp").join(name),
                &upscaled_jpeg(&image, 4032, 3024, 85),
            )?;
        }
    }
    Ok(())
}
