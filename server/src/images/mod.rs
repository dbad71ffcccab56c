//! Proofroom's image pipeline: turn an uploaded photo into a clean `master` (kept privately so
//! proofs can be re-rendered when the watermark changes), a watermarked `proof`, a `middle`
//! size and a `thumb`.
//!
//! Speed comes from the system libjpeg-turbo (C shim in `csrc/jpeg_shim.c`): JPEGs are decoded
//! at the smallest DCT scale M/8 that still covers the proof size, then resized with SIMD
//! (fast_image_resize) and rotated only once small. PNG and WebP go through the `image` crate
//! with allocation limits. Outputs are plain JFIF/PNG: no EXIF, GPS, XMP or ICC ever survives.
//!
//! Self-contained: depends on no other server module. All entry points are blocking and
//! CPU-bound; call them from a blocking thread pool.

pub mod clean;
mod exif;
mod jpeg;
mod ops;
pub mod pins;
mod text;
mod watermark;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use image::ImageDecoder;

/// Long edge of proofs and masters.
pub const PROOF_EDGE: u32 = 2048;
/// Long edge of the middle size: what a phone's grid and lightbox need at pixel ratio 3,
/// without the 2048 px proof.
pub const MIDDLE_EDGE: u32 = 1024;
/// Long edge of thumbnails.
pub const THUMB_EDGE: u32 = 400;
/// Long edge of album page previews: a wide spread still reads on a large screen.
pub const ALBUM_EDGE: u32 = 2560;

const MASTER_QUALITY: u8 = 90;
const PROOF_QUALITY: u8 = 85;
const THUMB_QUALITY: u8 = 80;
const MIDDLE_QUALITY: u8 = 82;

/// Caps on what an untrusted upload may make us do.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest width×height accepted (checked from the header, before any decode).
    pub max_pixels: u64,
    /// Largest allocation a decode may make (decoded pixels plus decoder buffers).
    pub max_decode_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_pixels: 120_000_000, max_decode_bytes: 512 * 1024 * 1024 }
    }
}

impl Limits {
    /// The limits the server's configuration sets.
    pub fn of(config: &crate::config::Config) -> Self {
        Limits { max_pixels: config.max_pixels, max_decode_bytes: config.max_decode_bytes }
    }
}

/// Formats we accept, recognised by their bytes only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Jpeg,
    Png,
    WebP,
}

impl ImageFormat {
    pub fn mime(&self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
            ImageFormat::WebP => "image/webp",
        }
    }

    /// File extension without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::WebP => "webp",
        }
    }
}

/// Recognises JPEG, PNG and WebP from the first bytes (12 suffice). Names and declared
/// content types are never trusted: an SVG or HTML page renamed `.jpg` is refused here.
pub fn sniff(prefix: &[u8]) -> Option<ImageFormat> {
    if prefix.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if prefix.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if prefix.len() >= 12 && &prefix[0..4] == b"RIFF" && &prefix[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// Header facts. `width`/`height` are as displayed, i.e. after EXIF orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1..=8 (1 when absent).
    pub orientation: u8,
}

impl Probe {
    /// The most memory ingesting this image may take, in bytes, for the ingest memory budget,
    /// from its header alone: the file read whole, plus for JPEG its full-size RGB decode (DCT
    /// scaling only makes it smaller), for PNG/WebP 12 bytes a pixel — the decode (with alpha
    /// or 16 bits), its conversion and a working copy for resizing (measured: a 12 MP RGBA PNG
    /// took 127 MB) — at most 1.5 × `max_decode_bytes` (the decode cannot pass its limit), so
    /// with the defaults any image the decode accepts fits the budget, but only one at a time.
    pub fn decode_estimate(&self, file_bytes: u64, limits: &Limits) -> u64 {
        let pixels = u64::from(self.width) * u64::from(self.height);
        let work = match self.format {
            ImageFormat::Jpeg => pixels.saturating_mul(3),
            ImageFormat::Png | ImageFormat::WebP => {
                pixels.saturating_mul(12).min(limits.max_decode_bytes.saturating_mul(3) / 2)
            }
        };
        file_bytes.saturating_add(work)
    }
}

/// What to stamp on proofs.
#[derive(Debug, Clone)]
pub enum WatermarkMark {
    Text(String),
    /// e.g. a studio logo with transparency (see [`load_watermark_image`]).
    Image(image::RgbaImage),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatermarkPosition {
    Center,
    Tiled,
    BottomRight,
}

#[derive(Debug, Clone)]
pub struct Watermark {
    pub mark: WatermarkMark,
    pub position: WatermarkPosition,
    /// 0..=1, multiplies the mark's alpha.
    pub opacity: f32,
}

/// A JPEG file in memory.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The JPEGs made from one upload.
#[derive(Debug, Clone)]
pub struct Derivatives {
    /// Clean, long edge ≤ [`PROOF_EDGE`], q90. Private: source for re-rendering proofs.
    pub master: Encoded,
    /// Master + watermark, q85. What clients see.
    pub proof: Encoded,
    /// Long edge ≤ [`MIDDLE_EDGE`], made from the watermarked proof, q82.
    pub middle: Encoded,
    /// Long edge ≤ [`THUMB_EDGE`], made from the middle size, q80.
    pub thumb: Encoded,
}

/// Kinds of studio branding images, each normalised differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrandingKind {
    /// PNG (keeps transparency), long edge ≤ 800.
    Logo,
    /// JPEG q85, long edge ≤ 2400.
    MarketingImage,
    /// PNG RGBA, long edge ≤ 1200.
    Watermark,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("unsupported image format (JPEG, PNG or WebP expected)")]
    Unsupported,
    #[error("image too large: {width}x{height} exceeds {max} pixels")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("corrupt image: {0}")]
    Corrupt(String),
    #[error("image needs too much memory to decode ({needed} bytes, limit {max})")]
    TooMuchMemory { needed: u64, max: u64 },
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Packed 8-bit pixels (3 = RGB, 4 = RGBA), rows without padding.
pub(crate) struct Pixels {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub data: Vec<u8>,
}

/// Reads only the header: format, displayed size and orientation. Files with more than
/// `limits.max_pixels` pixels are refused here, before anything is decoded.
pub fn probe(path: &Path, limits: &Limits) -> Result<Probe, ImageError> {
    let mut r = BufReader::new(File::open(path)?);
    let mut prefix = [0u8; 32];
    let n = read_up_to(&mut r, &mut prefix)?;
    let prefix = &prefix[..n];
    let format = sniff(prefix).ok_or(ImageError::Unsupported)?;
    r.seek(SeekFrom::Start(0))?;
    let (w, h, orientation) = match format {
        ImageFormat::Jpeg => {
            let hdr = exif::scan_jpeg(&mut r)?;
            (hdr.width, hdr.height, hdr.orientation)
        }
        ImageFormat::Png | ImageFormat::WebP => {
            if format == ImageFormat::Png {
                // Cheap pre-check from IHDR before the decoder sees the file.
                let (w, h) = exif::png_size(prefix)?;
                check_pixels(w, h, limits)?;
            }
            let mut dec = OtherDecoder::new(r, format, limits)?;
            let (w, h) = dec.dimensions();
            (w, h, dec.orientation())
        }
    };
    check_pixels(w, h, limits)?;
    let (width, height) = if orientation >= 5 { (h, w) } else { (w, h) };
    Ok(Probe { format, width, height, orientation })
}

/// Makes master, proof and thumb from an uploaded file (see module docs).
pub fn ingest(
    path: &Path,
    watermark: Option<&Watermark>,
    limits: &Limits,
) -> Result<Derivatives, ImageError> {
    let data = read_file(path, limits)?;
    let format = sniff(&data).ok_or(ImageError::Unsupported)?;
    let (px, orientation) = decode(&data, format, Some(PROOF_EDGE), false, limits)?;
    drop(data);
    let px = ops::fit(px, PROOF_EDGE)?;
    let px = ops::orient(px, orientation);
    render(px, watermark, true)
}

/// The previews of an album page design.
#[derive(Debug, Clone)]
pub struct AlbumPage {
    /// Long edge ≤ [`ALBUM_EDGE`], clean: what pinned pages are drawn on.
    pub clean: Encoded,
    /// The same with the watermark, when there is one to stamp: what the client sees.
    pub watermarked: Option<Encoded>,
    /// Long edge ≤ [`THUMB_EDGE`], for the strip of pages.
    pub thumb: Encoded,
}

/// Makes an album page's previews from an uploaded design (JPEG, PNG or WebP), metadata gone.
pub fn album_page(
    path: &Path,
    watermark: Option<&Watermark>,
    limits: &Limits,
) -> Result<AlbumPage, ImageError> {
    let data = read_file(path, limits)?;
    let format = sniff(&data).ok_or(ImageError::Unsupported)?;
    let (px, orientation) = decode(&data, format, Some(ALBUM_EDGE), false, limits)?;
    drop(data);
    let mut px = ops::orient(ops::fit(px, ALBUM_EDGE)?, orientation);
    let (w, h) = (px.width, px.height);
    let clean = Encoded { bytes: jpeg::encode_rgb(&px, MASTER_QUALITY)?, width: w, height: h };
    let watermarked = match watermark {
        Some(wm) => {
            watermark::apply(&mut px, wm)?;
            Some(Encoded { bytes: jpeg::encode_rgb(&px, PROOF_QUALITY)?, width: w, height: h })
        }
        None => None,
    };
    let small = ops::fit(px, THUMB_EDGE)?;
    let thumb = Encoded {
        bytes: jpeg::encode_rgb(&small, THUMB_QUALITY)?,
        width: small.width,
        height: small.height,
    };
    Ok(AlbumPage { clean, watermarked, thumb })
}

/// Re-renders proof, middle size and thumb from a stored master (after the studio changed its
/// watermark); the master in the answer is empty.
pub fn rewatermark(
    master_jpeg: &[u8],
    watermark: Option<&Watermark>,
) -> Result<Derivatives, ImageError> {
    let limits = Limits::default();
    if sniff(master_jpeg) != Some(ImageFormat::Jpeg) {
        return Err(ImageError::Unsupported);
    }
    let (px, _) = decode(master_jpeg, ImageFormat::Jpeg, Some(PROOF_EDGE), false, &limits)?;
    // Masters are already upright and ≤ PROOF_EDGE; fit() only guards against odd inputs.
    let px = ops::fit(px, PROOF_EDGE)?;
    render(px, watermark, false)
}

/// Re-encodes a studio branding image so no metadata survives, at a bounded size.
/// Returns the bytes and their format (PNG for logos/watermarks, JPEG for marketing images).
pub fn normalize_branding(
    path: &Path,
    kind: BrandingKind,
    limits: &Limits,
) -> Result<(Vec<u8>, ImageFormat), ImageError> {
    let data = read_file(path, limits)?;
    let format = sniff(&data).ok_or(ImageError::Unsupported)?;
    let edge = match kind {
        BrandingKind::Logo => 800,
        BrandingKind::MarketingImage => 2400,
        BrandingKind::Watermark => 1200,
    };
    let keep_alpha = kind != BrandingKind::MarketingImage;
    let (px, orientation) = decode(&data, format, Some(edge), keep_alpha, limits)?;
    drop(data);
    let px = ops::orient(ops::fit(px, edge)?, orientation);
    if keep_alpha {
        let px = ops::rgb_to_rgba(px);
        Ok((encode_png_rgba(&px)?, ImageFormat::Png))
    } else {
        Ok((jpeg::encode_rgb(&px, 85)?, ImageFormat::Jpeg))
    }
}

/// Decodes a (normalised) watermark image, keeping transparency. Accepts PNG, WebP or JPEG
/// bytes under the default limits.
pub fn load_watermark_image(png_bytes: &[u8]) -> Result<image::RgbaImage, ImageError> {
    let format = sniff(png_bytes).ok_or(ImageError::Unsupported)?;
    let (px, orientation) = decode(png_bytes, format, None, true, &Limits::default())?;
    let px = ops::rgb_to_rgba(ops::orient(px, orientation));
    image::RgbaImage::from_raw(px.width, px.height, px.data)
        .ok_or_else(|| ImageError::Corrupt("internal: RGBA buffer size".into()))
}

/// master (clean) → watermark in place → proof → middle size from the proof → thumb from the
/// middle size.
fn render(
    mut px: Pixels,
    watermark: Option<&Watermark>,
    with_master: bool,
) -> Result<Derivatives, ImageError> {
    let (w, h) = (px.width, px.height);
    let master = if with_master {
        Encoded { bytes: jpeg::encode_rgb(&px, MASTER_QUALITY)?, width: w, height: h }
    } else {
        Encoded { bytes: Vec::new(), width: w, height: h }
    };
    if let Some(wm) = watermark {
        watermark::apply(&mut px, wm)?;
    }
    let proof = Encoded { bytes: jpeg::encode_rgb(&px, PROOF_QUALITY)?, width: w, height: h };
    let mid = ops::fit(px, MIDDLE_EDGE)?;
    let middle = Encoded {
        bytes: jpeg::encode_rgb(&mid, MIDDLE_QUALITY)?,
        width: mid.width,
        height: mid.height,
    };
    let small = ops::fit(mid, THUMB_EDGE)?;
    let thumb = Encoded {
        bytes: jpeg::encode_rgb(&small, THUMB_QUALITY)?,
        width: small.width,
        height: small.height,
    };
    Ok(Derivatives { master, proof, middle, thumb })
}

fn check_pixels(w: u32, h: u32, limits: &Limits) -> Result<(), ImageError> {
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(ImageError::TooManyPixels { width: w, height: h, max: limits.max_pixels });
    }
    Ok(())
}

/// Reads a whole upload; a compressed file larger than the decode budget is refused unread.
fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, ImageError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > limits.max_decode_bytes {
        return Err(ImageError::TooMuchMemory { needed: len, max: limits.max_decode_bytes });
    }
    let mut data = Vec::with_capacity(len as usize);
    file.take(limits.max_decode_bytes).read_to_end(&mut data)?;
    Ok(data)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Decodes to RGB (or RGBA when `keep_alpha` and the source has alpha), returning the stored
/// (not yet rotated) pixels and the EXIF orientation. For JPEG, `target_edge` picks the
/// smallest DCT scale M/8 whose long edge still reaches it, so the resize only ever shrinks.
fn decode(
    data: &[u8],
    format: ImageFormat,
    target_edge: Option<u32>,
    keep_alpha: bool,
    limits: &Limits,
) -> Result<(Pixels, u8), ImageError> {
    match format {
        ImageFormat::Jpeg => {
            let hdr = exif::scan_jpeg(data)?;
            check_pixels(hdr.width, hdr.height, limits)?;
            let dec = jpeg::Decoder::new(data, limits.max_decode_bytes)?;
            let (w, h) = (dec.info.width, dec.info.height);
            check_pixels(w, h, limits)?;
            let long = w.max(h);
            // Smallest M/8 still ≥ the target: 6000 px → 3/8 = 2250. (4/8 measured ~4% faster
            // overall, libjpeg-turbo has SIMD for 4/8 but not 3/8, at +8 MB; we keep memory low.)
            let num = match target_edge {
                Some(t) if long > t => {
                    (1..=8).find(|&m| jpeg::scaled_len(long, m) >= t).unwrap_or(8)
                }
                _ => 8,
            };
            Ok((dec.decode(num)?, hdr.orientation))
        }
        ImageFormat::Png | ImageFormat::WebP => {
            if format == ImageFormat::Png {
                let (w, h) = exif::png_size(data)?;
                check_pixels(w, h, limits)?;
            }
            let mut dec = OtherDecoder::new(Cursor::new(data), format, limits)?;
            let (w, h) = dec.dimensions();
            check_pixels(w, h, limits)?;
            let orientation = dec.orientation();
            let mut px = dec.decode(limits)?;
            if !keep_alpha {
                ops::flatten_rgba_in_place(&mut px);
            }
            Ok((px, orientation))
        }
    }
}

/// PNG/WebP through the `image` crate, with its allocation limit set.
enum OtherDecoder<R: std::io::BufRead + Seek> {
    Png(Box<image::codecs::png::PngDecoder<R>>),
    WebP(image::codecs::webp::WebPDecoder<R>),
}

impl<R: std::io::BufRead + Seek> OtherDecoder<R> {
    fn new(r: R, format: ImageFormat, limits: &Limits) -> Result<Self, ImageError> {
        let mut lim = image::Limits::default();
        lim.max_alloc = Some(limits.max_decode_bytes);
        let max = limits.max_decode_bytes;
        let map_image_err = |e| map_image_err(e, max);
        match format {
            ImageFormat::Png => Ok(OtherDecoder::Png(Box::new(
                image::codecs::png::PngDecoder::with_limits(r, lim).map_err(map_image_err)?,
            ))),
            ImageFormat::WebP => {
                let mut d = image::codecs::webp::WebPDecoder::new(r).map_err(map_image_err)?;
                d.set_limits(lim).map_err(map_image_err)?;
                Ok(OtherDecoder::WebP(d))
            }
            ImageFormat::Jpeg => Err(ImageError::Unsupported),
        }
    }

    fn dimensions(&self) -> (u32, u32) {
        match self {
            OtherDecoder::Png(d) => d.dimensions(),
            OtherDecoder::WebP(d) => d.dimensions(),
        }
    }

    /// EXIF orientation from the PNG eXIf / WebP EXIF chunk, parsed by our TIFF reader.
    fn orientation(&mut self) -> u8 {
        let exif = match self {
            OtherDecoder::Png(d) => d.exif_metadata(),
            OtherDecoder::WebP(d) => d.exif_metadata(),
        };
        exif.ok().flatten().and_then(|b| exif::orientation_from_tiff(&b)).unwrap_or(1)
    }

    /// Decodes to 8-bit RGB or RGBA. 16-bit and grey sources are converted.
    fn decode(self, limits: &Limits) -> Result<Pixels, ImageError> {
        let max = limits.max_decode_bytes;
        let img = match self {
            OtherDecoder::Png(d) => image::DynamicImage::from_decoder(*d),
            OtherDecoder::WebP(d) => image::DynamicImage::from_decoder(d),
        }
        .map_err(|e| map_image_err(e, max))?;
        let (width, height) = (img.width(), img.height());
        let has_alpha = img.color().has_alpha();
        // Conversions allocate a second buffer: count it against the budget as well.
        let out_bytes = u64::from(width) * u64::from(height) * if has_alpha { 4 } else { 3 };
        let native =
            matches!(img, image::DynamicImage::ImageRgb8(_) | image::DynamicImage::ImageRgba8(_));
        if !native && out_bytes + img.as_bytes().len() as u64 > limits.max_decode_bytes {
            return Err(ImageError::TooMuchMemory {
                needed: out_bytes + img.as_bytes().len() as u64,
                max: limits.max_decode_bytes,
            });
        }
        let (channels, data) = match img {
            image::DynamicImage::ImageRgb8(b) => (3, b.into_raw()),
            image::DynamicImage::ImageRgba8(b) => (4, b.into_raw()),
            other if has_alpha => (4, other.into_rgba8().into_raw()),
            other => (3, other.into_rgb8().into_raw()),
        };
        Ok(Pixels { width, height, channels, data })
    }
}

/// Maps `image` errors; `max` is the decode budget (for the limits error).
fn map_image_err(e: image::ImageError, max: u64) -> ImageError {
    use image::error::ImageError as E;
    match e {
        E::Limits(_) => ImageError::TooMuchMemory { needed: max.saturating_add(1), max },
        E::Unsupported(_) => ImageError::Unsupported,
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImageError::Corrupt("truncated file".into())
        }
        E::IoError(io) => ImageError::Io(io),
        other => ImageError::Corrupt(jpeg::short_reason("decode", &other.to_string())),
    }
}

fn encode_png_rgba(px: &Pixels) -> Result<Vec<u8>, ImageError> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    let enc = image::codecs::png::PngEncoder::new(&mut out);
    enc.write_image(&px.data, px.width, px.height, image::ExtendedColorType::Rgba8)
        .map_err(|e| ImageError::Corrupt(jpeg::short_reason("PNG encode", &e.to_string())))?;
    Ok(out)
}
