//! Watermark rendering. The mark is rasterised once per call into a small premultiplied RGBA
//! "stamp" (with opacity already applied and per-row spans of non-transparent pixels), then
//! blended in place onto the RGB image at one or many positions; only stamp pixels are touched.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

use super::ops::{div255, resize_raw};
use super::{ImageError, Pixels, Watermark, WatermarkMark, WatermarkPosition};

/// Embedded so rendering never depends on fonts installed on the host.
static FONT_BYTES: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans-Bold.ttf");

fn font() -> Result<&'static FontRef<'static>, ImageError> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
        .ok_or_else(|| ImageError::Corrupt("internal: embedded font unreadable".into()))
}

/// Longer texts are cut: a watermark is a name, not a paragraph.
const MAX_TEXT_CHARS: usize = 120;

/// Premultiplied RGBA with opacity applied; `spans[y]` = [start, end) of visible pixels.
pub(crate) struct Stamp {
    w: usize,
    h: usize,
    px: Vec<[u8; 4]>,
    spans: Vec<(u32, u32)>,
}

impl Stamp {
    fn from_px(w: usize, h: usize, px: Vec<[u8; 4]>) -> Stamp {
        let spans = px
            .chunks_exact(w.max(1))
            .map(|row| {
                let first = row.iter().position(|p| p[3] != 0);
                match first {
                    None => (0, 0),
                    Some(f) => {
                        let last = row.iter().rposition(|p| p[3] != 0).unwrap_or(f);
                        (f as u32, last as u32 + 1)
                    }
                }
            })
            .collect();
        Stamp { w, h, px, spans }
    }

    /// Blends onto a packed RGB buffer with the stamp's top-left at (ox, oy); clipped.
    fn blend_onto(&self, img: &mut Pixels, ox: i64, oy: i64) {
        let (iw, ih) = (i64::from(img.width), i64::from(img.height));
        for sy in 0..self.h {
            let y = oy + sy as i64;
            if y < 0 || y >= ih {
                continue;
            }
            let (s0, s1) = self.spans[sy];
            let x0 = i64::from(s0).max(-ox);
            let x1 = i64::from(s1).min(iw - ox);
            if x0 >= x1 {
                continue;
            }
            let src = &self.px[sy * self.w + x0 as usize..sy * self.w + x1 as usize];
            let start = ((y * iw + ox + x0) * 3) as usize;
            let dst = &mut img.data[start..start + src.len() * 3];
            for (d, s) in dst.chunks_exact_mut(3).zip(src) {
                let a = u32::from(s[3]);
                if a == 0 {
                    continue;
                }
                let inv = 255 - a;
                for c in 0..3 {
                    let v = u32::from(s[c]) + div255(u32::from(d[c]) * inv);
                    d[c] = v.min(255) as u8;
                }
            }
        }
    }
}

/// Applies the watermark to an upright RGB image in place.
pub(crate) fn apply(img: &mut Pixels, wm: &Watermark) -> Result<(), ImageError> {
    let opacity = if wm.opacity.is_finite() { wm.opacity.clamp(0.0, 1.0) } else { 1.0 };
    if opacity <= 0.0 || img.channels != 3 || img.width == 0 || img.height == 0 {
        return Ok(());
    }
    let (w, h) = (img.width as f32, img.height as f32);
    let long = w.max(h);
    match &wm.mark {
        WatermarkMark::Text(text) => {
            let text: String = text.trim().chars().take(MAX_TEXT_CHARS).collect();
            if text.is_empty() {
                return Ok(());
            }
            match wm.position {
                WatermarkPosition::Center => {
                    let Some(s) = text_stamp(&text, w / 18.0, w * 0.9, opacity)? else {
                        return Ok(());
                    };
                    let ox = (img.width as i64 - s.w as i64) / 2;
                    let oy = (img.height as i64 - s.h as i64) / 2;
                    s.blend_onto(img, ox, oy);
                }
                WatermarkPosition::BottomRight => {
                    let size = (long / 48.0).max(9.0);
                    let Some(s) = text_stamp(&text, size, w * 0.6, opacity)? else {
                        return Ok(());
                    };
                    let margin = (size * 0.8) as i64;
                    s.blend_onto(
                        img,
                        img.width as i64 - s.w as i64 - margin,
                        img.height as i64 - s.h as i64 - margin,
                    );
                }
                WatermarkPosition::Tiled => {
                    let size = (long / 34.0).max(9.0);
                    let Some(s) = text_stamp(&text, size, w * 0.7, opacity)? else {
                        return Ok(());
                    };
                    let s = rotate(&s, -30f32.to_radians());
                    // The rotated box is mostly empty: rows may overlap their boxes.
                    let step_x = s.w as f32 + size * 2.0;
                    tile(img, &s, step_x, s.h as f32 * 0.75 + size);
                }
            }
        }
        WatermarkMark::Image(mark) => {
            let (mw, mh) = (mark.width() as f32, mark.height() as f32);
            if mw < 1.0 || mh < 1.0 {
                return Ok(());
            }
            let frac = match wm.position {
                WatermarkPosition::Center => 0.4,
                WatermarkPosition::Tiled => 0.2,
                WatermarkPosition::BottomRight => 0.15,
            };
            // Fit into frac of the width and of the height, keeping the mark's aspect.
            let scale = (w * frac / mw).min(h * frac / mh);
            let tw = (mw * scale).round().max(1.0) as u32;
            let th = (mh * scale).round().max(1.0) as u32;
            let s = image_stamp(mark, tw, th, opacity)?;
            match wm.position {
                WatermarkPosition::Center => {
                    let ox = (img.width as i64 - s.w as i64) / 2;
                    let oy = (img.height as i64 - s.h as i64) / 2;
                    s.blend_onto(img, ox, oy);
                }
                WatermarkPosition::BottomRight => {
                    let margin = (long * 0.02) as i64;
                    s.blend_onto(
                        img,
                        img.width as i64 - s.w as i64 - margin,
                        img.height as i64 - s.h as i64 - margin,
                    );
                }
                WatermarkPosition::Tiled => {
                    let gap = long / 30.0;
                    tile(img, &s, s.w as f32 + gap * 2.0, s.h as f32 + gap * 2.0)
                }
            }
        }
    }
    Ok(())
}

/// Repeats the stamp over the whole image; every other row is shifted by half a step so the
/// marks do not line up into stripes that are easy to retouch.
fn tile(img: &mut Pixels, s: &Stamp, step_x: f32, step_y: f32) {
    let step_x = step_x.max(8.0) as i64;
    let step_y = step_y.max(8.0) as i64;
    let (iw, ih) = (i64::from(img.width), i64::from(img.height));
    let mut row = 0i64;
    let mut y = -(s.h as i64) / 3;
    while y < ih {
        let mut x = if row % 2 == 0 { -(s.w as i64) / 4 } else { step_x / 2 - (s.w as i64) / 4 };
        x -= step_x; // start left of the image so the shifted rows reach the left edge
        while x < iw {
            if x + (s.w as i64) > 0 {
                s.blend_onto(img, x, y);
            }
            x += step_x;
        }
        y += step_y;
        row += 1;
    }
}

/// Renders `text` in white with a dark outline. `size` is the font size in px, reduced if the
/// text would be wider than `max_width`. None when nothing is drawable.
fn text_stamp(
    text: &str,
    size: f32,
    max_width: f32,
    opacity: f32,
) -> Result<Option<Stamp>, ImageError> {
    let font = font()?;
    let mut size = size.max(6.0);
    let natural = super::text::width(font, size, text);
    if natural > max_width && natural > 0.0 {
        size = (size * max_width / natural).max(6.0);
    }
    let ascent = font.as_scaled(PxScale::from(size)).ascent();
    let (glyphs, _) = super::text::line(font, size, text, 0.0, ascent);
    let outlined: Vec<_> = glyphs.into_iter().filter_map(|g| font.outline_glyph(g)).collect();
    if outlined.is_empty() {
        return Ok(None);
    }
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for g in &outlined {
        let b = g.px_bounds();
        min_x = min_x.min(b.min.x);
        min_y = min_y.min(b.min.y);
        max_x = max_x.max(b.max.x);
        max_y = max_y.max(b.max.y);
    }
    // Outline thickness grows with the text so it reads at every size.
    let radius = ((size / 22.0).round() as usize).max(1);
    let pad = radius + 1;
    let w = (max_x - min_x).ceil() as usize + 2 * pad;
    let h = (max_y - min_y).ceil() as usize + 2 * pad;
    if w == 0 || h == 0 || w.saturating_mul(h) > 64_000_000 {
        return Ok(None);
    }
    let mut cov = vec![0f32; w * h];
    for g in &outlined {
        let b = g.px_bounds();
        let gx = (b.min.x - min_x) as i64 + pad as i64;
        let gy = (b.min.y - min_y) as i64 + pad as i64;
        g.draw(|px, py, c| {
            let x = gx + i64::from(px);
            let y = gy + i64::from(py);
            if x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h {
                let i = y as usize * w + x as usize;
                cov[i] = (cov[i] + c).min(1.0);
            }
        });
    }
    let outline = dilate(&cov, w, h, radius);
    // White text over a dark (near-black) outline, composed into one premultiplied pixel:
    // colour = dark*ao*(1-at) + white*at, alpha = at + ao*(1-at).
    const DARK: f32 = 20.0;
    const OUTLINE_ALPHA: f32 = 0.7;
    let px = cov
        .iter()
        .zip(&outline)
        .map(|(&at, &o)| {
            let ao = o * OUTLINE_ALPHA;
            let a = (at + ao * (1.0 - at)) * opacity;
            let col = (DARK * ao * (1.0 - at) + 255.0 * at) * opacity;
            let a8 = (a * 255.0).round().clamp(0.0, 255.0) as u8;
            let c8 = (col.round().clamp(0.0, 255.0) as u8).min(a8);
            [c8, c8, c8, a8]
        })
        .collect();
    Ok(Some(Stamp::from_px(w, h, px)))
}

/// Square max-filter (separable), for the outline around glyphs. Written as element-wise
/// maxima of shifted rows so it vectorises.
fn dilate(src: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut tmp = src.to_vec();
    for (row_in, row_out) in src.chunks_exact(w).zip(tmp.chunks_exact_mut(w)) {
        for d in 1..=r.min(w - 1) {
            for (o, &v) in row_out[..w - d].iter_mut().zip(&row_in[d..]) {
                *o = o.max(v);
            }
            for (o, &v) in row_out[d..].iter_mut().zip(&row_in[..w - d]) {
                *o = o.max(v);
            }
        }
    }
    let mut out = tmp.clone();
    for y in 0..h {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
        let row_out = &mut out[y * w..(y + 1) * w];
        for yy in a..b {
            for (o, &v) in row_out.iter_mut().zip(&tmp[yy * w..(yy + 1) * w]) {
                *o = o.max(v);
            }
        }
    }
    out
}

/// Scales an RGBA image mark to `tw`×`th` and premultiplies with opacity.
fn image_stamp(
    mark: &image::RgbaImage,
    tw: u32,
    th: u32,
    opacity: f32,
) -> Result<Stamp, ImageError> {
    let scaled = if (tw, th) == mark.dimensions() {
        Pixels { width: tw, height: th, channels: 4, data: mark.as_raw().clone() }
    } else {
        resize_raw(mark.as_raw(), mark.width(), mark.height(), 4, tw, th)?
    };
    let op = (opacity * 256.0) as u32;
    let px = scaled
        .data
        .chunks_exact(4)
        .map(|p| {
            let a = (u32::from(p[3]) * op) >> 8;
            let pm = |c: u8| div255(u32::from(c) * a) as u8;
            [pm(p[0]), pm(p[1]), pm(p[2]), a.min(255) as u8]
        })
        .collect();
    Ok(Stamp::from_px(scaled.width as usize, scaled.height as usize, px))
}

/// Rotates a stamp by `angle` radians: bilinear on premultiplied pixels (edges stay clean),
/// fixed-point weights, and a transparent border so the 2×2 neighbourhood needs no checks.
fn rotate(s: &Stamp, angle: f32) -> Stamp {
    let (sin, cos) = angle.sin_cos();
    let (sw, sh) = (s.w as f32, s.h as f32);
    let nw = (sw * cos.abs() + sh * sin.abs()).ceil() as usize + 2;
    let nh = (sw * sin.abs() + sh * cos.abs()).ceil() as usize + 2;
    let (scx, scy) = (sw / 2.0, sh / 2.0);
    let (dcx, dcy) = (nw as f32 / 2.0, nh as f32 / 2.0);
    let pw = s.w + 2;
    let mut src = vec![[0u8; 4]; pw * (s.h + 2)];
    for (y, row) in s.px.chunks_exact(s.w.max(1)).enumerate() {
        src[(y + 1) * pw + 1..(y + 1) * pw + 1 + s.w].copy_from_slice(row);
    }
    let mut px = vec![[0u8; 4]; nw * nh];
    for (y, drow) in px.chunks_exact_mut(nw).enumerate() {
        // Inverse rotation of destination pixel centres into the source, stepping along x.
        let dx0 = 0.5 - dcx;
        let dy = y as f32 + 0.5 - dcy;
        let mut sx = cos * dx0 + sin * dy + scx - 0.5;
        let mut sy = -sin * dx0 + cos * dy + scy - 0.5;
        for out in drow.iter_mut() {
            if sx >= -1.0 && sy >= -1.0 && sx < sw && sy < sh {
                let (fx, fy) = (sx.floor(), sy.floor());
                let wx = ((sx - fx) * 256.0) as u32;
                let wy = ((sy - fy) * 256.0) as u32;
                // fx, fy >= -1, so +1 lands inside the bordered source
                let i = (fy as i64 + 1) as usize * pw + (fx as i64 + 1) as usize;
                let (p00, p10, p01, p11) = (src[i], src[i + 1], src[i + pw], src[i + pw + 1]);
                if (p00[3] | p10[3] | p01[3] | p11[3]) != 0 {
                    let mut o = [0u8; 4];
                    for c in 0..4 {
                        let top = u32::from(p00[c]) * (256 - wx) + u32::from(p10[c]) * wx;
                        let bot = u32::from(p01[c]) * (256 - wx) + u32::from(p11[c]) * wx;
                        o[c] = ((top * (256 - wy) + bot * wy + 32768) >> 16) as u8;
                    }
                    // keep the premultiplied invariant colour <= alpha after rounding
                    for c in 0..3 {
                        o[c] = o[c].min(o[3]);
                    }
                    *out = o;
                }
            }
            sx += cos;
            sy -= sin;
        }
    }
    Stamp::from_px(nw, nh, px)
}
