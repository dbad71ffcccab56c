//! Image fixtures made in code, and checks on what the server serves.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

/// A JPEG of `width`×`height`: the top-left quarter red, the rest a soft gradient.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        if x < width / 4 && y < height / 4 {
            Rgb([220, 30, 30])
        } else {
            Rgb([(x * 200 / width) as u8 + 20, (y * 200 / height) as u8 + 20, 140])
        }
    });
    encode(&img, ImageFormat::Jpeg)
}

/// A uniform mid-grey JPEG, where any watermark shows.
pub fn grey_jpeg(width: u32, height: u32) -> Vec<u8> {
    encode(&RgbImage::from_pixel(width, height, Rgb([128, 128, 128])), ImageFormat::Jpeg)
}

/// A JPEG of random noise: it does not compress, so it is big for its size (about 1.5 bytes a
/// pixel), for uploads that must take a while.
pub fn noise_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(u64::from(width) << 32 | u64::from(height));
    let img = RgbImage::from_fn(width, height, |_, _| Rgb([rng.u8(..), rng.u8(..), rng.u8(..)]));
    encode(&img, ImageFormat::Jpeg)
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(&RgbImage::from_pixel(width, height, Rgb([40, 90, 160])), ImageFormat::Png)
}

/// A PNG with alpha, every pixel `shade`: small as a file, `width`×`height`×4 bytes decoded.
pub fn rgba_png(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba([shade, 90, 160, 200]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("encode fixture");
    out.into_inner()
}

pub fn webp(width: u32, height: u32) -> Vec<u8> {
    encode(&RgbImage::from_pixel(width, height, Rgb([90, 160, 40])), ImageFormat::WebP)
}

fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode fixture");
    out.into_inner()
}

/// A JPEG with an EXIF segment carrying `orientation` and a GPS position (48°51′N 2°21′E).
pub fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let plain = jpeg(width, height);
    let app1 = exif_app1(orientation);
    let mut out = Vec::with_capacity(plain.len() + app1.len());
    out.extend_from_slice(&plain[..2]); // SOI
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// APP1 "Exif" with IFD0 {Orientation, GPSInfo pointer} and a GPS IFD {lat ref, lat}.
fn exif_app1(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian, IFD0 at 8
    // IFD0: 2 entries.
    tiff.extend_from_slice(&2u16.to_be_bytes());
    // Orientation (0x0112), SHORT, 1, value.
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    // GPSInfo (0x8825), LONG, 1, offset of the GPS IFD.
    let gps_offset: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&0x8825u16.to_be_bytes());
    tiff.extend_from_slice(&4u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&gps_offset.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    // GPS IFD: GPSLatitudeRef "N", GPSLatitude 3 rationals.
    let rationals_offset: u32 = gps_offset + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&2u32.to_be_bytes());
    tiff.extend_from_slice(b"N\0\0\0");
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&5u16.to_be_bytes());
    tiff.extend_from_slice(&3u32.to_be_bytes());
    tiff.extend_from_slice(&rationals_offset.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    for (n, d) in [(48u32, 1u32), (51, 1), (2400, 100)] {
        tiff.extend_from_slice(&n.to_be_bytes());
        tiff.extend_from_slice(&d.to_be_bytes());
    }
    let mut app1 = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    app1.extend_from_slice(&len.to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    app1
}

/// A PNG whose header claims `width`×`height` but whose data is a few bytes: a
/// decompression bomb if anyone believed it.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

pub fn svg() -> Vec<u8> {
    br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#.to_vec()
}

/// True if the bytes hold an EXIF segment or GPS-looking data anywhere.
pub fn has_exif(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"Exif\0\0")
        || bytes.windows(4).any(|w| w == b"MM\0\x2a" || w == b"II\x2a\0")
}

/// True if the bytes hold a GPS position as [`jpeg_with_exif`] writes one: the GPSInfo tag
/// (0x8825, either byte order) or its latitude reference "N".
pub fn has_gps(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == [0x88, 0x25] || w == [0x25, 0x88])
        || bytes.windows(4).any(|w| w == b"N\0\0\0")
}

pub fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory(bytes).expect("served bytes decode").to_rgb8()
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
