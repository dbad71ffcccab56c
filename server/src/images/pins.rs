//! An album page drawn for the designer: a numbered pin where each of the client's notes sits,
//! and the notes listed below the page under their numbers. The page keeps its pixel size and
//! sits at the top left, so a note at (x, y) is at (x·width, y·height) of the result.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

use super::{Encoded, ImageError, Pixels, jpeg};

static REGULAR: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../static/fonts/DejaVuSans-Bold.ttf");

/// The pins' fill: a red that reads on skin, sky and paper alike.
pub const PIN_RGB: [u8; 3] = [215, 38, 61];
const INK: [u8; 3] = [32, 32, 32];
const PAPER: [u8; 3] = [255, 255, 255];
const QUALITY: u8 = 88;

/// One note to draw.
#[derive(Debug, Clone)]
pub struct Pin {
    /// Fractions of the page's width and height.
    pub x: f64,
    pub y: f64,
    pub number: u32,
    /// What is listed under the page beside the number (the note, and any swap asked for).
    pub text: String,
}

/// A pin's radius on a page `width` px wide: about 1/80 of it, never under 14 px.
pub fn pin_radius(width: u32) -> u32 {
    (width / 80).max(14)
}

fn fonts() -> Result<&'static (FontRef<'static>, FontRef<'static>), ImageError> {
    static FONTS: OnceLock<Option<(FontRef<'static>, FontRef<'static>)>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some((FontRef::try_from_slice(REGULAR).ok()?, FontRef::try_from_slice(BOLD).ok()?))
        })
        .as_ref()
        .ok_or_else(|| ImageError::Corrupt("internal: embedded font unreadable".into()))
}

/// Draws `pins` on the page (a JPEG) and lists them below it, under `heading` and the page's
/// `comment`.
pub fn pin_page(
    page_jpeg: &[u8],
    heading: &str,
    comment: Option<&str>,
    pins: &[Pin],
) -> Result<Encoded, ImageError> {
    let (regular, bold) = fonts()?;
    let page = jpeg::Decoder::new(page_jpeg, 256 * 1024 * 1024)?.decode(8)?;
    if page.channels != 3 {
        return Err(ImageError::Corrupt("internal: album page is not RGB".into()));
    }
    let (w, h) = (page.width, page.height);
    let text_size = (w as f32 / 64.0).clamp(16.0, 40.0);
    let margin = (text_size * 1.2).round() as u32;
    let line = (text_size * 1.35).round() as u32;
    let wrap_width = w.saturating_sub(2 * margin) as f32;

    // Lay out the list first: it decides how tall the result is.
    let mut lines: Vec<(String, bool)> = vec![(heading.to_string(), true)];
    if let Some(comment) = comment.filter(|c| !c.trim().is_empty()) {
        let said = format!("Page comment: {comment}");
        lines.extend(wrap(regular, text_size, &said, wrap_width).into_iter().map(|l| (l, false)));
    }
    for pin in pins {
        let label = format!("{}.", pin.number);
        let mut first = true;
        for part in wrap(regular, text_size, &pin.text, wrap_width * 0.92) {
            if first {
                lines.push((format!("{label} {part}"), false));
                first = false;
            } else {
                lines.push((format!("    {part}"), false));
            }
        }
        if first {
            lines.push((label, false));
        }
    }
    let panel = 2 * margin + line * lines.len() as u32;
    let height = h + panel;
    let mut canvas = Pixels {
        width: w,
        height,
        channels: 3,
        data: Vec::with_capacity(w as usize * height as usize * 3),
    };
    canvas.data.extend_from_slice(&page.data);
    drop(page);
    canvas.data.resize(w as usize * height as usize * 3, PAPER[0]);

    let radius = pin_radius(w) as f32;
    for pin in pins {
        let cx = (pin.x.clamp(0.0, 1.0) * f64::from(w)) as f32;
        let cy = (pin.y.clamp(0.0, 1.0) * f64::from(h)) as f32;
        disc(&mut canvas, cx, cy, radius, PAPER);
        disc(&mut canvas, cx, cy, radius * 0.85, PIN_RGB);
        let number = pin.number.to_string();
        let size = radius * if number.len() > 1 { 0.95 } else { 1.15 };
        let width = text_width(bold, size, &number);
        let cap = bold.as_scaled(PxScale::from(size)).ascent() * 0.72;
        text(&mut canvas, bold, size, cx - width / 2.0, cy + cap / 2.0, &number, PAPER);
    }
    let mut baseline = h as f32 + margin as f32 + text_size;
    for (content, strong) in &lines {
        let font = if *strong { bold } else { regular };
        text(&mut canvas, font, text_size, margin as f32, baseline, content, INK);
        baseline += line as f32;
    }
    let bytes = jpeg::encode_rgb(&canvas, QUALITY)?;
    Ok(Encoded { bytes, width: w, height })
}

/// Splits `text` into lines no wider than `max` at `size` (words longer than a line are cut).
fn wrap(font: &FontRef<'_>, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut current = String::new();
        for word in paragraph.split_whitespace() {
            let candidate =
                if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
            if text_width(font, size, &candidate) <= max || current.is_empty() {
                current = candidate;
                // A single word wider than the line: cut it where it no longer fits.
                while text_width(font, size, &current) > max && current.chars().count() > 1 {
                    let mut head = String::new();
                    for c in current.chars() {
                        head.push(c);
                        if text_width(font, size, &head) > max {
                            head.pop();
                            break;
                        }
                    }
                    if head.is_empty() {
                        break;
                    }
                    let rest = current[head.len()..].to_string();
                    lines.push(head);
                    current = rest;
                }
            } else {
                lines.push(std::mem::take(&mut current));
                current = word.to_string();
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
    }
    lines
}

fn text_width(font: &FontRef<'_>, size: f32, text: &str) -> f32 {
    super::text::width(font, size, text)
}

/// Draws `content` with its baseline at `baseline`, blending `colour` by glyph coverage.
fn text(
    canvas: &mut Pixels,
    font: &FontRef<'_>,
    size: f32,
    left: f32,
    baseline: f32,
    content: &str,
    colour: [u8; 3],
) {
    let (w, h) = (canvas.width as i64, canvas.height as i64);
    for glyph in super::text::line(font, size, content, left, baseline).0 {
        let Some(outline) = font.outline_glyph(glyph) else { continue };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i64 + i64::from(gx);
            let py = bounds.min.y as i64 + i64::from(gy);
            if px >= 0 && py >= 0 && px < w && py < h {
                blend(canvas, px as usize, py as usize, colour, coverage);
            }
        });
    }
}

/// A filled circle with a one-pixel soft edge.
fn disc(canvas: &mut Pixels, cx: f32, cy: f32, r: f32, colour: [u8; 3]) {
    let (w, h) = (canvas.width as i64, canvas.height as i64);
    let (x0, x1) =
        (((cx - r - 1.0).floor() as i64).max(0), ((cx + r + 1.0).ceil() as i64).min(w - 1));
    let (y0, y1) =
        (((cy - r - 1.0).floor() as i64).max(0), ((cy + r + 1.0).ceil() as i64).min(h - 1));
    for y in y0..=y1 {
        for x in x0..=x1 {
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            let coverage = (r + 0.5 - d).clamp(0.0, 1.0);
            if coverage > 0.0 {
                blend(canvas, x as usize, y as usize, colour, coverage);
            }
        }
    }
}

fn blend(canvas: &mut Pixels, x: usize, y: usize, colour: [u8; 3], coverage: f32) {
    let i = (y * canvas.width as usize + x) * 3;
    let a = coverage.clamp(0.0, 1.0);
    for (c, target) in canvas.data[i..i + 3].iter_mut().zip(colour) {
        *c = (f32::from(*c) * (1.0 - a) + f32::from(target) * a).round() as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey_page(w: u32, h: u32) -> Vec<u8> {
        let px = Pixels { width: w, height: h, channels: 3, data: vec![128; (w * h * 3) as usize] };
        jpeg::encode_rgb(&px, 90).unwrap()
    }

    fn rgb_at(img: &image::RgbImage, x: u32, y: u32) -> [u8; 3] {
        img.get_pixel(x, y).0
    }

    #[test]
    fn each_pin_sits_where_its_note_says_and_the_notes_are_listed_below() {
        let page = grey_page(1200, 600);
        let pins = vec![
            Pin { x: 0.25, y: 0.5, number: 1, text: "Swap this photo for IMG_0042.jpg".into() },
            Pin { x: 0.8, y: 0.2, number: 12, text: "word ".repeat(80) },
        ];
        let out =
            pin_page(&page, "Page 2 (002.jpg)", Some("Warmer colours, please"), &pins).unwrap();
        assert_eq!(out.width, 1200);
        assert!(out.height > 600 + 60, "the list adds room below the page: {}", out.height);
        let img = image::load_from_memory(&out.bytes).unwrap().to_rgb8();
        let r = pin_radius(1200) as f32;
        for pin in &pins {
            let (cx, cy) = (pin.x as f32 * 1200.0, pin.y as f32 * 600.0);
            // Below the number, inside the red disc.
            let [red, green, blue] = rgb_at(&img, cx as u32, (cy + r * 0.65) as u32);
            assert!(
                red > 170 && green < 90 && blue < 110,
                "pin {}: {red},{green},{blue}",
                pin.number
            );
        }
        // Away from the pins the page is as it was.
        let [g, _, _] = rgb_at(&img, 600, 550);
        assert!((118..=138).contains(&g), "page untouched: {g}");
        // The list is dark text on white below the page.
        let panel = (0..img.width())
            .flat_map(|x| (600..img.height()).map(move |y| (x, y)))
            .filter(|&(x, y)| rgb_at(&img, x, y)[0] < 80)
            .count();
        assert!(panel > 500, "text drawn below the page: {panel} dark pixels");
    }

    #[test]
    fn a_page_without_notes_still_has_its_heading() {
        let out = pin_page(&grey_page(400, 600), "Page 1", None, &[]).unwrap();
        assert_eq!((out.width, out.height > 600), (400, true));
    }
}
