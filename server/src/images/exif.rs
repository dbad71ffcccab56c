//! Just enough container parsing to learn dimensions and EXIF orientation from headers:
//! JPEG markers (SOFn, APP1 "Exif"), PNG IHDR, and the TIFF IFD0 inside EXIF blobs.
//! Every read is bounds-checked; malformed EXIF only means "orientation 1".

use std::io::{self, Read};

use super::ImageError;

/// The EXIF tag holding orientation (1..=8).
const TAG_ORIENTATION: u16 = 0x0112;

/// Orientation from a TIFF structure (an EXIF blob, with or without the "Exif\0\0" prefix).
/// Handles both byte orders ("II" little-endian, "MM" big-endian).
pub(crate) fn orientation_from_tiff(blob: &[u8]) -> Option<u8> {
    let t = blob.strip_prefix(b"Exif\0\0").unwrap_or(blob);
    let le = match t.get(0..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let b = t.get(o..o.checked_add(2)?)?;
        Some(if le { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let b: [u8; 4] = t.get(o..o.checked_add(4)?)?.try_into().ok()?;
        Some(if le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count {
        let entry = ifd.checked_add(2 + i * 12)?;
        if u16_at(entry)? != TAG_ORIENTATION {
            continue;
        }
        let value = match u16_at(entry + 2)? {
            3 => u32::from(u16_at(entry + 8)?), // SHORT, stored left-justified in the value field
            4 => u32_at(entry + 8)?,            // LONG (non-standard but seen)
            _ => return None,
        };
        return u8::try_from(value).ok().filter(|v| (1..=8).contains(v));
    }
    None
}

/// What a JPEG's header says: stored (not rotated) size and EXIF orientation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JpegHeader {
    pub width: u32,
    pub height: u32,
    pub orientation: u8,
}

fn eof_is_corrupt(e: io::Error) -> ImageError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        ImageError::Corrupt("JPEG: truncated header".into())
    } else {
        ImageError::Io(e)
    }
}

/// Walks JPEG markers up to the frame header (SOFn), reading only the header segments.
/// EXIF (APP1) always precedes SOF in files written by cameras and editors.
pub(crate) fn scan_jpeg<R: Read>(mut r: R) -> Result<JpegHeader, ImageError> {
    let mut b2 = [0u8; 2];
    r.read_exact(&mut b2).map_err(eof_is_corrupt)?;
    if b2 != [0xFF, 0xD8] {
        return Err(ImageError::Unsupported);
    }
    let mut orientation = None;
    loop {
        // A marker is 0xFF (possibly repeated as fill) followed by a non-0xFF code.
        let mut b = [0u8; 1];
        r.read_exact(&mut b).map_err(eof_is_corrupt)?;
        if b[0] != 0xFF {
            return Err(ImageError::Corrupt("JPEG: bad marker in header".into()));
        }
        let mut code = 0xFF;
        while code == 0xFF {
            r.read_exact(&mut b).map_err(eof_is_corrupt)?;
            code = b[0];
        }
        match code {
            0x01 | 0xD0..=0xD7 => continue, // standalone markers
            0xD9 | 0xDA => {
                return Err(ImageError::Corrupt("JPEG: no frame header".into()));
            }
            _ => {}
        }
        r.read_exact(&mut b2).map_err(eof_is_corrupt)?;
        let len = usize::from(u16::from_be_bytes(b2));
        if len < 2 {
            return Err(ImageError::Corrupt("JPEG: bad segment length".into()));
        }
        let payload = len - 2;
        let is_sof = matches!(code, 0xC0..=0xCF) && !matches!(code, 0xC4 | 0xC8 | 0xCC);
        if is_sof || (code == 0xE1 && orientation.is_none()) {
            let mut seg = vec![0u8; payload];
            r.read_exact(&mut seg).map_err(eof_is_corrupt)?;
            if is_sof {
                if seg.len() < 6 {
                    return Err(ImageError::Corrupt("JPEG: short frame header".into()));
                }
                let height = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
                let width = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
                if width == 0 || height == 0 {
                    return Err(ImageError::Corrupt("JPEG: zero image size".into()));
                }
                return Ok(JpegHeader { width, height, orientation: orientation.unwrap_or(1) });
            }
            if seg.starts_with(b"Exif\0\0") {
                orientation = orientation_from_tiff(&seg);
            }
        } else {
            let skipped = io::copy(&mut r.by_ref().take(payload as u64), &mut io::sink())?;
            if skipped != payload as u64 {
                return Err(ImageError::Corrupt("JPEG: truncated header".into()));
            }
        }
    }
}

/// PNG size from the IHDR chunk, which must come first (so 24 bytes suffice).
pub(crate) fn png_size(prefix: &[u8]) -> Result<(u32, u32), ImageError> {
    let ihdr =
        prefix.get(8..24).ok_or_else(|| ImageError::Corrupt("PNG: truncated header".into()))?;
    if &ihdr[4..8] != b"IHDR" {
        return Err(ImageError::Corrupt("PNG: missing IHDR".into()));
    }
    let w = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let h = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    if w == 0 || h == 0 {
        return Err(ImageError::Corrupt("PNG: zero image size".into()));
    }
    Ok((w, h))
}
