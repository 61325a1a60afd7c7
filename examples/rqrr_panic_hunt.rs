//! Searches for an image that makes rqrr 0.11 panic (its issue #54) and saves the first one as
//! `fixtures/scan/rqrr_panic.png`: three finder patterns in an L, each randomly skewed.
//! `cargo run --example rqrr_panic_hunt`

use image::{GrayImage, Luma};

const SIZE: u32 = 160;

fn main() -> Result<(), String> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    std::panic::set_hook(Box::new(|_| {}));
    for iteration in 0..200_000 {
        let mut image = GrayImage::from_pixel(SIZE, SIZE, Luma([255]));
        let (ox, oy) = (20.0 + rnd() * 60.0, 20.0 + rnd() * 60.0);
        let dist = 20.0 + rnd() * 70.0;
        let angle = rnd() * std::f64::consts::TAU;
        let centres = [
            (ox, oy),
            (
                ox + dist * angle.cos() * (0.5 + rnd()),
                oy + dist * angle.sin() * (0.5 + rnd()),
            ),
            (
                ox - dist * angle.sin() * (0.5 + rnd()),
                oy + dist * angle.cos() * (0.5 + rnd()),
            ),
        ];
        for centre in centres {
            let m = 1.0 + rnd() * 4.0;
            let skew = [
                m * (0.2 + rnd() * 1.6),
                m * (rnd() - 0.5) * 2.0,
                m * (rnd() - 0.5) * 2.0,
                m * (0.2 + rnd() * 1.6),
            ];
            draw_finder(&mut image, centre, skew);
        }
        let candidate = image.clone();
        let panicked = std::panic::catch_unwind(move || {
            let mut prepared = rqrr::PreparedImage::prepare(image);
            for grid in prepared.detect_grids() {
                let _ = grid.decode_to(Vec::new());
            }
        })
        .is_err();
        if panicked {
            candidate
                .save("fixtures/scan/rqrr_panic.png")
                .map_err(|e| e.to_string())?;
            println!("panic at iteration {iteration}");
            return Ok(());
        }
    }
    Err("no panic found".into())
}

/// Draws a 7x7-module finder pattern (ring, gap, stone) mapped by the 2x2 matrix `skew`.
fn draw_finder(image: &mut GrayImage, (cx, cy): (f64, f64), [a, b, c, d]: [f64; 4]) {
    let det = a * d - b * c;
    if det.abs() < 1e-6 {
        return;
    }
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            let (u, v) = ((d * dx - b * dy) / det, (-c * dx + a * dy) / det);
            let r = u.abs().max(v.abs());
            if r < 3.5 {
                let dark = !(1.5..2.5).contains(&r);
                image.put_pixel(x, y, Luma([if dark { 0 } else { 255 }]));
            }
        }
    }
}
