//! Rasterising a laid-out text with swash and blending it into an RGB image.

use image::{Rgb, RgbImage};
use parley::{Layout, PositionedLayoutItem};
use swash::FontRef;
use swash::scale::image::{Content, Image};
use swash::scale::{Render, ScaleContext, Source, StrikeWith};
use swash::zeno::{Format, Vector};

use super::{Clip, Ink};

/// Outlines first; colour glyphs (a system emoji font, say) as their own colours.
const SOURCES: [Source; 3] = [
    Source::ColorOutline(0),
    Source::ColorBitmap(StrikeWith::BestFit),
    Source::Outline,
];

/// Draws every glyph of `layout` with the layout's origin at `origin`.
pub(super) fn draw_layout(
    scale: &mut ScaleContext,
    layout: &Layout<Ink>,
    color: Rgb<u8>,
    img: &mut RgbImage,
    origin: (f32, f32),
    clip: Clip,
) {
    let clip = Clip {
        right: clip.right.min(img.width()),
        bottom: clip.bottom.min(img.height()),
        ..clip
    };
    for line in layout.lines() {
        for item in line.items() {
            let PositionedLayoutItem::GlyphRun(glyph_run) = item else {
                continue;
            };
            let run = glyph_run.run();
            let font = run.font();
            let Some(font_ref) = FontRef::from_index(font.data.as_ref(), font.index as usize)
            else {
                continue;
            };
            let synthesis = run.synthesis();
            let mut scaler = scale
                .builder(font_ref)
                .size(run.font_size())
                .hint(false)
                .normalized_coords(run.normalized_coords().iter().map(|c| c.to_bits()))
                .build();
            let mut render = Render::new(&SOURCES);
            render.format(Format::Alpha);
            if synthesis.embolden() {
                // A system font without a bold face: thicken the regular outlines.
                render.embolden(run.font_size() / 32.0);
            }
            if let Some(angle) = synthesis.skew() {
                render.transform(Some(swash::zeno::Transform::skew(
                    swash::zeno::Angle::from_degrees(angle),
                    swash::zeno::Angle::ZERO,
                )));
            }
            for glyph in glyph_run.positioned_glyphs() {
                let x = origin.0 + glyph.x;
                let y = origin.1 + glyph.y;
                let Ok(id) = u16::try_from(glyph.id) else {
                    continue;
                };
                render.offset(Vector::new(x.fract(), y.fract()));
                let Some(image) = render.render(&mut scaler, id) else {
                    continue;
                };
                blend(img, &image, x.floor() as i64, y.floor() as i64, color, clip);
            }
        }
    }
}

/// Blends a rendered glyph whose origin is at pixel (`x`, `y`) into `img`, within `clip`.
fn blend(img: &mut RgbImage, glyph: &Image, x: i64, y: i64, color: Rgb<u8>, clip: Clip) {
    let placement = glyph.placement;
    let (width, height) = (placement.width as usize, placement.height as usize);
    let left = x + i64::from(placement.left);
    let top = y - i64::from(placement.top);
    let channels = match glyph.content {
        Content::Mask => 1,
        Content::SubpixelMask | Content::Color => 4,
    };
    if glyph.data.len() < width * height * channels {
        return;
    }
    for row in 0..height {
        let py = top + row as i64;
        if py < i64::from(clip.top) || py >= i64::from(clip.bottom) {
            continue;
        }
        for col in 0..width {
            let px = left + col as i64;
            if px < i64::from(clip.left) || px >= i64::from(clip.right) {
                continue;
            }
            let i = (row * width + col) * channels;
            let (ink, alpha) = match glyph.content {
                Content::Mask => (color.0, glyph.data[i]),
                Content::SubpixelMask => (color.0, glyph.data[i + 3]),
                Content::Color => (
                    [glyph.data[i], glyph.data[i + 1], glyph.data[i + 2]],
                    glyph.data[i + 3],
                ),
            };
            if alpha == 0 {
                continue;
            }
            let coverage = f32::from(alpha) / 255.0;
            // In range: px and py were checked against the clip, itself within the image.
            let pixel = img.get_pixel_mut(px as u32, py as u32);
            for (channel, ink) in pixel.0.iter_mut().zip(ink) {
                let blended = f32::from(*channel) * (1.0 - coverage) + f32::from(ink) * coverage;
                *channel = blended.round() as u8;
            }
        }
    }
}
