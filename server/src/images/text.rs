//! One line of text laid out with the font's advances and kerning: the watermark's and the
//! designer's pinned pages' (ab_glyph; no shaping engine, which these short Latin texts need not).

use ab_glyph::{Font, FontRef, Glyph, GlyphId, PxScale, ScaleFont, point};

/// The glyphs of `text` at `size` px, the first at `left` on the baseline `baseline`, and the
/// line's width.
pub(crate) fn line(
    font: &FontRef<'_>,
    size: f32,
    text: &str,
    left: f32,
    baseline: f32,
) -> (Vec<Glyph>, f32) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut glyphs = Vec::with_capacity(text.len());
    let mut x = 0.0;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(size, point(left + x, baseline)));
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    (glyphs, x)
}

/// How wide `text` is at `size` px.
pub(crate) fn width(font: &FontRef<'_>, size: f32, text: &str) -> f32 {
    line(font, size, text, 0.0, 0.0).1
}
