//! Searches for an image that makes rqrr 0.11 panic (its issue #54) and saves the first one as
//! `fixtures/scan/rqrr_panic.png`: three finder patterns in an L, each randomly skewed.
//! `cargo run --example rqrr_panic_hunt`
use image::{GrayImage, Luma};

fn main() {
    let mut s = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    std::panic::set_hook(Box::new(|_| {}));
    for iter in 0..200_000 {
        let size = 160u32;
        let mut img = GrayImage::from_pixel(size, size, Luma([255]));
        let (ox, oy) = (20.0 + rnd() * 60.0, 20.0 + rnd() * 60.0);
        let dist = 20.0 + rnd() * 70.0;
        let ang = rnd() * 6.283;
        let centres = [
            (ox, oy),
            (
                ox + dist * ang.cos() * (0.5 + rnd()),
                oy + dist * ang.sin() * (0.5 + rnd()),
            ),
            (
                ox - dist * ang.sin() * (0.5 + rnd()),
                oy + dist * ang.cos() * (0.5 + rnd()),
            ),
        ];
        for (cx, cy) in centres {
            let m = 1.0 + rnd() * 4.0;
            let (a, b, c, d) = (
                m * (0.2 + rnd() * 1.6),
                m * (rnd() - 0.5) * 2.0,
                m * (rnd() - 0.5) * 2.0,
                m * (0.2 + rnd() * 1.6),
            );
            for y in 0..size {
                for x in 0..size {
                    let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                    let det = a * d - b * c;
                    if det.abs() < 1e-6 {
                        continue;
                    }
                    let u = (d * dx - b * dy) / det;
                    let v = (-c * dx + a * dy) / det;
                    let (ru, rv) = (u.abs().max(v.abs()), 0);
                    let _ = rv;
                    if ru < 3.5 {
                        let ring = ru >= 2.5 || ru < 1.5;
                        img.put_pixel(x, y, Luma([if ring { 0 } else { 255 }]));
                    }
                }
            }
        }
        let candidate = img.clone();
        let result = std::panic::catch_unwind(move || {
            let mut p = rqrr::PreparedImage::prepare(img);
            let grids = p.detect_grids();
            for g in grids {
                let _ = g.decode_to(Vec::new());
            }
        });
        if result.is_err() {
            candidate.save("fixtures/scan/rqrr_panic.png").unwrap();
            println!("panic at iteration {iter}");
            return;
        }
    }
    println!("no panic found");
}
