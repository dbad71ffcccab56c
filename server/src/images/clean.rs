//! Copies an original file as it is, less what it says about where and how it was taken: EXIF
//! (with GPS), XMP, IPTC, comments and text chunks, and anything after the image's end (where
//! cameras append preview images that carry EXIF of their own). The pixels' bytes are copied,
//! never decoded, so a download is the studio's file at full quality.
//!
//! Streaming: the file is read once, a few kilobytes at a time (a WebP's chunk headers twice, to
//! write its new size first); memory does not grow with the file.
//!
//! What stays: the colour profile (JPEG APP2 `ICC_PROFILE`, PNG `iCCP`, WebP `ICCP`), JFIF and
//! Adobe markers, and a JPEG's orientation, rewritten as the only entry of a minimal EXIF block
//! so a photo taken sideways still opens upright.

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};

use super::ImageFormat;
use super::exif::orientation_from_tiff;

const BUFFER: usize = 64 * 1024;

fn corrupt(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Copies `source` (a `format` file) to `out` without its metadata; returns the bytes written.
pub fn copy_clean<R: Read + Seek, W: Write>(
    format: ImageFormat,
    source: R,
    out: &mut W,
) -> io::Result<u64> {
    let mut out = Counted { inner: out, written: 0 };
    match format {
        ImageFormat::Jpeg => jpeg(BufReader::with_capacity(BUFFER, source), &mut out)?,
        ImageFormat::Png => png(BufReader::with_capacity(BUFFER, source), &mut out)?,
        ImageFormat::WebP => webp(BufReader::with_capacity(BUFFER, source), &mut out)?,
    }
    Ok(out.written)
}

struct Counted<'a, W: Write> {
    inner: &'a mut W,
    written: u64,
}

impl<W: Write> Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn byte<R: Read>(r: &mut R) -> io::Result<u8> {
    let mut b = [0u8; 1];
    r.read_exact(&mut b)?;
    Ok(b[0])
}

/// Copies exactly `n` bytes.
fn copy_n<R: Read, W: Write>(r: &mut R, w: &mut W, n: u64) -> io::Result<()> {
    if io::copy(&mut r.by_ref().take(n), w)? != n {
        return Err(corrupt("truncated file"));
    }
    Ok(())
}

/// Skips exactly `n` bytes.
fn skip_n<R: Read>(r: &mut R, n: u64) -> io::Result<()> {
    copy_n(r, &mut io::sink(), n)
}

/// A JPEG APP1 segment holding nothing but the orientation (1–8).
fn orientation_segment(orientation: u8) -> Vec<u8> {
    let mut seg = vec![0xFF, 0xE1, 0x00, 34];
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(b"MM\0*\0\0\0\x08"); // big-endian TIFF, IFD0 at 8
    seg.extend_from_slice(&[0x00, 0x01]); // one entry:
    seg.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]); // orientation, SHORT ×1
    seg.extend_from_slice(&[0x00, orientation, 0x00, 0x00]);
    seg.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // no next IFD
    seg
}

/// Whether a JPEG segment (marker `code`, payload starting `head`) is kept.
fn keep_jpeg_segment(code: u8, head: &[u8]) -> bool {
    match code {
        0xE0 => head.starts_with(b"JFIF\0"),
        0xE2 => head.starts_with(b"ICC_PROFILE\0"),
        0xEE => head.starts_with(b"Adobe"),
        // Other APPn (EXIF, XMP, IPTC, maker data) and comments.
        0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
        // Tables, frame and scan headers, restart intervals.
        _ => true,
    }
}

fn jpeg<R: BufRead, W: Write>(mut r: R, w: &mut W) -> io::Result<()> {
    if byte(&mut r)? != 0xFF || byte(&mut r)? != 0xD8 {
        return Err(corrupt("not a JPEG"));
    }
    w.write_all(&[0xFF, 0xD8])?;
    let mut orientation_written = false;
    // Between segments: the next byte starts a marker. In a scan: entropy-coded data.
    let mut next_marker: Option<u8> = None;
    loop {
        let code = match next_marker.take() {
            Some(code) => code,
            None => {
                if byte(&mut r)? != 0xFF {
                    return Err(corrupt("JPEG: bad marker"));
                }
                let mut code = 0xFF;
                while code == 0xFF {
                    code = byte(&mut r)?;
                }
                code
            }
        };
        match code {
            0xD9 => {
                // The end of the image: what follows (appended previews) is left behind.
                w.write_all(&[0xFF, 0xD9])?;
                return Ok(());
            }
            0x01 | 0xD0..=0xD7 => {
                w.write_all(&[0xFF, code])?;
                continue;
            }
            _ => {}
        }
        let len = u16::from_be_bytes([byte(&mut r)?, byte(&mut r)?]);
        if len < 2 {
            return Err(corrupt("JPEG: bad segment length"));
        }
        let payload = u64::from(len - 2);
        if matches!(code, 0xE0..=0xEF | 0xFE) {
            // Small (under 64 KiB): read whole to look inside.
            let mut seg = vec![0u8; payload as usize];
            r.read_exact(&mut seg)?;
            if code == 0xE1 && seg.starts_with(b"Exif\0\0") && !orientation_written {
                if let Some(o) = orientation_from_tiff(&seg).filter(|o| *o > 1) {
                    w.write_all(&orientation_segment(o))?;
                }
                orientation_written = true;
            }
            if keep_jpeg_segment(code, &seg) {
                w.write_all(&[0xFF, code])?;
                w.write_all(&len.to_be_bytes())?;
                w.write_all(&seg)?;
            }
            continue;
        }
        w.write_all(&[0xFF, code])?;
        w.write_all(&len.to_be_bytes())?;
        copy_n(&mut r, w, payload)?;
        if code == 0xDA {
            next_marker = Some(copy_scan(&mut r, w)?);
        }
    }
}

/// Copies entropy-coded data up to the next marker (not a stuffed 0xFF00 nor a restart marker);
/// returns that marker's code, consumed.
fn copy_scan<R: BufRead, W: Write>(r: &mut R, w: &mut W) -> io::Result<u8> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Err(corrupt("JPEG: scan data cut off"));
        }
        match buf.iter().position(|&b| b == 0xFF) {
            None => {
                let n = buf.len();
                w.write_all(buf)?;
                r.consume(n);
            }
            Some(at) => {
                w.write_all(&buf[..at])?;
                r.consume(at + 1);
                let mut code = byte(r)?;
                while code == 0xFF {
                    code = byte(r)?;
                }
                match code {
                    0x00 | 0xD0..=0xD7 => w.write_all(&[0xFF, code])?,
                    _ => return Ok(code),
                }
            }
        }
    }
}

/// PNG chunks that say things about the photo rather than draw it.
const PNG_METADATA: [&[u8; 4]; 5] = [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];

fn png<R: BufRead, W: Write>(mut r: R, w: &mut W) -> io::Result<()> {
    let mut signature = [0u8; 8];
    r.read_exact(&mut signature)?;
    if &signature != b"\x89PNG\r\n\x1a\n" {
        return Err(corrupt("not a PNG"));
    }
    w.write_all(&signature)?;
    loop {
        let mut head = [0u8; 8];
        r.read_exact(&mut head)?;
        let len = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        // Data and CRC.
        if PNG_METADATA.contains(&&kind) {
            skip_n(&mut r, len + 4)?;
            continue;
        }
        w.write_all(&head)?;
        copy_n(&mut r, w, len + 4)?;
        if &kind == b"IEND" {
            return Ok(());
        }
    }
}

/// WebP chunks that say things about the photo rather than draw it.
fn webp_metadata(kind: &[u8; 4]) -> bool {
    kind == b"EXIF" || kind == b"XMP "
}

/// Reads one RIFF chunk header: its kind and size (without the pad byte of an odd size).
fn riff_chunk<R: Read>(r: &mut R) -> io::Result<Option<([u8; 4], u64)>> {
    let mut head = [0u8; 8];
    match r.read_exact(&mut head) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let kind = [head[0], head[1], head[2], head[3]];
    Ok(Some((kind, u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]])))))
}

fn webp<R: BufRead + Seek, W: Write>(mut r: R, w: &mut W) -> io::Result<()> {
    let mut header = [0u8; 12];
    r.read_exact(&mut header)?;
    if &header[0..4] != b"RIFF" || &header[8..12] != b"WEBP" {
        return Err(corrupt("not a WebP"));
    }
    let riff_end = 8 + u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]]));
    // First pass, headers only: the size of what is kept.
    let mut kept = 4u64; // "WEBP"
    let mut at = 12u64;
    while at < riff_end {
        let Some((kind, size)) = riff_chunk(&mut r)? else { break };
        let padded = size + (size & 1);
        if !webp_metadata(&kind) {
            kept += 8 + padded;
        }
        at += 8 + padded;
        r.seek(SeekFrom::Start(at))?;
    }
    let kept = u32::try_from(kept).map_err(|_| corrupt("WebP: too large"))?;
    r.seek(SeekFrom::Start(12))?;
    w.write_all(b"RIFF")?;
    w.write_all(&kept.to_le_bytes())?;
    w.write_all(b"WEBP")?;
    let mut at = 12u64;
    while at < riff_end {
        let Some((kind, size)) = riff_chunk(&mut r)? else { break };
        let padded = size + (size & 1);
        at += 8 + padded;
        if webp_metadata(&kind) {
            skip_n(&mut r, padded)?;
            continue;
        }
        w.write_all(&kind)?;
        w.write_all(&u32::try_from(size).unwrap_or(u32::MAX).to_le_bytes())?;
        if &kind == b"VP8X" && padded >= 1 {
            // The extended header's flags: no EXIF (bit 3), no XMP (bit 2) any more.
            let flags = byte(&mut r)? & !0b0000_1100;
            w.write_all(&[flags])?;
            copy_n(&mut r, w, padded - 1)?;
        } else {
            copy_n(&mut r, w, padded)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn segment(code: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, code];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    /// A JPEG's structure: SOI, JFIF, EXIF (orientation 6, with a GPS-looking string), XMP,
    /// a comment, ICC, tables, a frame, a scan with a stuffed 0xFF and a restart marker, EOI,
    /// and an appended preview with EXIF of its own.
    fn camera_jpeg() -> Vec<u8> {
        let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x02\0".to_vec();
        exif.extend_from_slice(&[0x12, 0x01, 0x03, 0x00, 0x01, 0, 0, 0, 0x06, 0, 0, 0]);
        exif.extend_from_slice(&[0x25, 0x88, 0x04, 0x00, 0x01, 0, 0, 0, 0x26, 0, 0, 0]);
        exif.extend_from_slice(&[0, 0, 0, 0]);
        exif.extend_from_slice(b"GPS 48.8584 N 2.2945 E");
        let mut f = vec![0xFF, 0xD8];
        f.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        f.extend(segment(0xE1, &exif));
        f.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPS</x:xmpmeta>"));
        f.extend(segment(0xFE, b"shot at 12 Elm St"));
        f.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"));
        f.extend(segment(0xDB, &[0u8; 65]));
        f.extend(segment(0xC0, &[8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
        f.extend(segment(0xC4, &[0u8; 20]));
        f.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        f.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        f.extend_from_slice(&[0xFF, 0xD9]);
        f.extend_from_slice(&[0xFF, 0xD8]);
        f.extend(segment(0xE1, b"Exif\0\0preview GPS 48.8584"));
        f.extend_from_slice(&[0xFF, 0xD9]);
        f
    }

    fn clean(format: ImageFormat, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let n = copy_clean(format, Cursor::new(bytes), &mut out).unwrap();
        assert_eq!(n as usize, out.len());
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_keeps_its_pixels_profile_and_orientation_and_loses_the_rest() {
        let out = clean(ImageFormat::Jpeg, &camera_jpeg());
        for gone in [&b"GPS"[..], b"12 Elm St", b"xmpmeta", b"preview"] {
            assert!(!contains(&out, gone), "{:?} survived", String::from_utf8_lossy(gone));
        }
        assert!(contains(&out, b"ICC_PROFILE\0\x01\x01profile"));
        assert!(contains(&out, b"JFIF\0"));
        assert!(contains(&out, &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]));
        assert!(out.ends_with(&[0xFF, 0xD9]));
        let header = super::super::exif::scan_jpeg(Cursor::new(&out)).unwrap();
        assert_eq!((header.width, header.height, header.orientation), (16, 16, 6));
        // Cleaning a clean file changes nothing.
        assert_eq!(clean(ImageFormat::Jpeg, &out), out);
    }

    #[test]
    fn a_real_jpeg_decodes_the_same_after_cleaning() {
        let img =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&img)
            .unwrap();
        let mut tagged = jpeg[..2].to_vec();
        tagged.extend(segment(0xE1, b"Exif\0\0MM\0*\0\0\0\x08\0\0\0\0\0\0GPS"));
        tagged.extend_from_slice(&jpeg[2..]);
        let out = clean(ImageFormat::Jpeg, &tagged);
        assert_eq!(out, jpeg);
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let img = image::RgbImage::from_fn(8, 8, |x, _| image::Rgb([x as u8 * 30, 0, 0]));
        let mut png_bytes = Vec::new();
        img.write_to(&mut Cursor::new(&mut png_bytes), image::ImageFormat::Png).unwrap();
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        // After IHDR (8 + 25 bytes).
        let mut tagged = png_bytes[..33].to_vec();
        tagged.extend(chunk(b"tEXt", b"Location\0GPS 48.8584"));
        tagged.extend(chunk(b"eXIf", b"MM\0*GPS"));
        tagged.extend_from_slice(&png_bytes[33..]);
        tagged.extend_from_slice(b"trailing GPS");
        let out = clean(ImageFormat::Png, &tagged);
        assert_eq!(out, png_bytes);
    }

    #[test]
    fn a_webp_loses_exif_and_xmp_and_says_its_new_size() {
        let chunk = |kind: &[u8; 4], data: &[u8]| {
            let mut c = kind.to_vec();
            c.extend_from_slice(&(data.len() as u32).to_le_bytes());
            c.extend_from_slice(data);
            if data.len() % 2 == 1 {
                c.push(0);
            }
            c
        };
        let riff = |chunks: &[Vec<u8>]| {
            let body: Vec<u8> = chunks.concat();
            let mut f = b"RIFF".to_vec();
            f.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
            f.extend_from_slice(b"WEBP");
            f.extend(body);
            f
        };
        let vp8x = chunk(b"VP8X", &[0b0010_1100, 0, 0, 0, 7, 0, 0, 7, 0, 0]);
        let clean_vp8x = chunk(b"VP8X", &[0b0010_0000, 0, 0, 0, 7, 0, 0, 7, 0, 0]);
        let image = chunk(b"VP8 ", b"pixels!");
        let tagged = riff(&[
            vp8x,
            chunk(b"ICCP", b"profile"),
            image.clone(),
            chunk(b"EXIF", b"GPS 48.8584"),
            chunk(b"XMP ", b"<x:xmpmeta/>"),
        ]);
        let out = clean(ImageFormat::WebP, &tagged);
        assert_eq!(out, riff(&[clean_vp8x, chunk(b"ICCP", b"profile"), image]));
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_panic() {
        let jpeg = camera_jpeg();
        for cut in [1, 3, 10, 40, jpeg.len() / 2] {
            let mut out = Vec::new();
            assert!(copy_clean(ImageFormat::Jpeg, Cursor::new(&jpeg[..cut]), &mut out).is_err());
        }
        let mut out = Vec::new();
        assert!(
            copy_clean(ImageFormat::Png, Cursor::new(b"\x89PNG\r\n\x1a\n\0\0"), &mut out).is_err()
        );
    }
}
