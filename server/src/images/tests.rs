//! Fixtures are generated in code (no binary files): JPEGs through our own encoder, PNG/WebP
//! through the `image` crate, EXIF and PNG headers byte by byte.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::*;

fn tmp_file(name: &str, bytes: &[u8]) -> TmpFile {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path =
        std::env::temp_dir().join(format!("proofroom-img-{}-{n}-{name}", std::process::id()));
    std::fs::write(&path, bytes).expect("write fixture");
    TmpFile(path)
}

struct TmpFile(PathBuf);

impl Drop for TmpFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn rgb(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Pixels {
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            data.extend_from_slice(&f(x, y));
        }
    }
    Pixels { width: w, height: h, channels: 3, data }
}

fn jpeg_of(px: &Pixels, q: u8) -> Vec<u8> {
    jpeg::encode_rgb(px, q).expect("encode")
}

fn decode_jpeg(bytes: &[u8]) -> Pixels {
    jpeg::Decoder::new(bytes, 1 << 30).expect("header").decode(8).expect("decode")
}

fn png_of(w: u32, h: u32, rgba: &[u8]) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(rgba, w, h, image::ExtendedColorType::Rgba8)
        .expect("png");
    out
}

fn at(px: &Pixels, x: u32, y: u32) -> [u8; 3] {
    let i = ((y * px.width + x) * 3) as usize;
    [px.data[i], px.data[i + 1], px.data[i + 2]]
}

fn text_mark(pos: WatermarkPosition, opacity: f32) -> Watermark {
    Watermark { mark: WatermarkMark::Text("PROOFROOM STUDIO".into()), position: pos, opacity }
}

/// Markers of a JPEG up to the scan: (code, segment payload).
fn segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let code = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        out.push((code, jpeg[i + 4..i + 2 + len].to_vec()));
        if code == 0xDA {
            break;
        }
        i += 2 + len;
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn sniff_by_magic_bytes_only() {
    assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(ImageFormat::Jpeg));
    assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(ImageFormat::Png));
    assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(ImageFormat::WebP));
    assert_eq!(sniff(b"<?xml version=\"1.0\"?><svg xmlns="), None);
    assert_eq!(sniff(b"<svg width=\"10\" height=\"10\"></svg>"), None);
    assert_eq!(sniff(b"<!DOCTYPE html><html><body>"), None);
    assert_eq!(sniff(b"just some text renamed to photo.jpg"), None);
    assert_eq!(sniff(b"GIF89a\x01\0\x01\0\0\0\0"), None);
    assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
    assert_eq!(sniff(&[]), None);
    assert_eq!(ImageFormat::Jpeg.mime(), "image/jpeg");
    assert_eq!(ImageFormat::WebP.extension(), "webp");

    let f = tmp_file("fake.jpg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
    assert!(matches!(ingest(&f.0, None, &Limits::default()), Err(ImageError::Unsupported)));
    assert!(matches!(probe(&f.0, &Limits::default()), Err(ImageError::Unsupported)));
    let gif =
        tmp_file("a.gif", b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\0\0\0\0\0,");
    assert!(matches!(ingest(&gif.0, None, &Limits::default()), Err(ImageError::Unsupported)));
}

#[test]
fn truncated_jpeg_is_corrupt() {
    let px =
        rgb(640, 480, |x, y| [(x * 7 % 256) as u8, (y * 13 % 256) as u8, ((x ^ y) % 256) as u8]);
    let full = jpeg_of(&px, 92);
    let f = tmp_file("cut.jpg", &full[..full.len() / 2]);
    match ingest(&f.0, None, &Limits::default()) {
        Err(ImageError::Corrupt(reason)) => {
            assert!(!reason.is_empty() && reason.len() < 200, "{reason}");
        }
        other => panic!("expected Corrupt, got {:?}", other.map(|_| ())),
    }
    // Header only (cut inside the tables) is corrupt too, for probe and ingest.
    let f = tmp_file("head.jpg", &full[..40]);
    assert!(matches!(ingest(&f.0, None, &Limits::default()), Err(ImageError::Corrupt(_))));
    assert!(matches!(probe(&f.0, &Limits::default()), Err(ImageError::Corrupt(_))));
    // Valid magic followed by garbage.
    let f = tmp_file("junk.jpg", b"\xFF\xD8\xFF\xE0garbage garbage garbage garbage");
    assert!(matches!(ingest(&f.0, None, &Limits::default()), Err(ImageError::Corrupt(_))));
    // The intact file is fine.
    let f = tmp_file("ok.jpg", &full);
    assert!(ingest(&f.0, None, &Limits::default()).is_ok());
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut c = kind.to_vec();
    c.extend_from_slice(data);
    out.extend_from_slice(&c);
    out.extend_from_slice(&crc32(&c).to_be_bytes());
}

#[test]
fn png_bomb_is_refused_from_the_header() {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    png_chunk(&mut png, b"IEND", &[]);
    let f = tmp_file("bomb.png", &png);
    let t = Instant::now();
    let limits = Limits::default();
    match probe(&f.0, &limits) {
        Err(ImageError::TooManyPixels { width: 20_000, height: 20_000, max }) => {
            assert_eq!(max, 120_000_000)
        }
        other => panic!("expected TooManyPixels, got {other:?}"),
    }
    assert!(matches!(ingest(&f.0, None, &limits), Err(ImageError::TooManyPixels { .. })));
    assert!(matches!(
        normalize_branding(&f.0, BrandingKind::Logo, &limits),
        Err(ImageError::TooManyPixels { .. })
    ));
    assert!(t.elapsed() < Duration::from_secs(1), "took {:?}", t.elapsed());
}

#[test]
fn jpeg_pixel_limit_and_memory_limit() {
    let px = rgb(400, 300, |_, _| [10, 20, 30]);
    let f = tmp_file("lim.jpg", &jpeg_of(&px, 80));
    let tight = Limits { max_pixels: 100_000, ..Limits::default() };
    assert!(matches!(probe(&f.0, &tight), Err(ImageError::TooManyPixels { .. })));
    assert!(matches!(ingest(&f.0, None, &tight), Err(ImageError::TooManyPixels { .. })));
    let small_mem = Limits { max_decode_bytes: 100_000, ..Limits::default() };
    assert!(matches!(ingest(&f.0, None, &small_mem), Err(ImageError::TooMuchMemory { .. })));
}

/// APP1 "Exif" with orientation 6 and a GPS IFD (latitude ref + map datum "WGS-84").
fn exif_app1_orientation6_with_gps() -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"II*\0");
    t.extend_from_slice(&8u32.to_le_bytes());
    t.extend_from_slice(&2u16.to_le_bytes()); // IFD0 with 2 entries
    t.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation, SHORT, 1, = 6
    t.extend_from_slice(&3u16.to_le_bytes());
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&[6, 0, 0, 0]);
    t.extend_from_slice(&0x8825u16.to_le_bytes()); // GPS IFD pointer, LONG
    t.extend_from_slice(&4u16.to_le_bytes());
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(&38u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    assert_eq!(t.len(), 38);
    t.extend_from_slice(&2u16.to_le_bytes()); // GPS IFD with 2 entries
    t.extend_from_slice(&0x0001u16.to_le_bytes()); // GPSLatitudeRef "N"
    t.extend_from_slice(&2u16.to_le_bytes());
    t.extend_from_slice(&2u32.to_le_bytes());
    t.extend_from_slice(b"N\0\0\0");
    t.extend_from_slice(&0x0012u16.to_le_bytes()); // GPSMapDatum "WGS-84"
    t.extend_from_slice(&2u16.to_le_bytes());
    t.extend_from_slice(&7u32.to_le_bytes());
    t.extend_from_slice(&68u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len(), 68);
    t.extend_from_slice(b"WGS-84\0");
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + t.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&t);
    app1
}

#[test]
fn exif_orientation_parser_both_byte_orders() {
    let app1 = exif_app1_orientation6_with_gps();
    assert_eq!(exif::orientation_from_tiff(&app1[4..]), Some(6));
    // Same IFD in big-endian.
    let mut be = b"MM\0*".to_vec();
    be.extend_from_slice(&8u32.to_be_bytes());
    be.extend_from_slice(&1u16.to_be_bytes());
    be.extend_from_slice(&0x0112u16.to_be_bytes());
    be.extend_from_slice(&3u16.to_be_bytes());
    be.extend_from_slice(&1u32.to_be_bytes());
    be.extend_from_slice(&[0, 8, 0, 0]);
    be.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(exif::orientation_from_tiff(&be), Some(8));
    // Garbage and out-of-range values are ignored, never panic.
    assert_eq!(exif::orientation_from_tiff(b"II*\0\xff\xff\xff\xff"), None);
    assert_eq!(exif::orientation_from_tiff(b"MM\0*"), None);
    let mut bad = be.clone();
    bad[19] = 9;
    assert_eq!(exif::orientation_from_tiff(&bad), None);
    for cut in 0..be.len() {
        let _ = exif::orientation_from_tiff(&be[..cut]);
    }
}

#[test]
fn exif_orientation_6_is_applied_and_all_metadata_stripped() {
    // Stored landscape 3000x2000; top-left corner red, top-right green, rest grey.
    let px = rgb(3000, 2000, |x, y| {
        if x < 300 && y < 300 {
            [230, 20, 20]
        } else if x >= 2700 && y < 300 {
            [20, 200, 20]
        } else {
            [120, 120, 120]
        }
    });
    let plain = jpeg_of(&px, 90);
    let mut file = plain[..2].to_vec();
    file.extend_from_slice(&exif_app1_orientation6_with_gps());
    file.extend_from_slice(&plain[2..]);
    assert!(contains(&file, b"Exif") && contains(&file, b"WGS-84"));
    let f = tmp_file("rot6.jpg", &file);

    let p = probe(&f.0, &Limits::default()).expect("probe");
    assert_eq!(p, Probe { format: ImageFormat::Jpeg, width: 2000, height: 3000, orientation: 6 });

    let wm = text_mark(WatermarkPosition::BottomRight, 0.5);
    let d = ingest(&f.0, Some(&wm), &Limits::default()).expect("ingest");
    assert_eq!((d.proof.width, d.proof.height), (1365, 2048));
    assert_eq!((d.master.width, d.master.height), (1365, 2048));
    assert_eq!((d.middle.width, d.middle.height), (683, 1024));
    assert_eq!((d.thumb.width, d.thumb.height), (267, 400));
    for e in [&d.master, &d.proof, &d.middle, &d.thumb] {
        assert!(!contains(&e.bytes, b"Exif"), "EXIF left in output");
        assert!(!contains(&e.bytes, b"WGS-84"), "GPS left in output");
        assert!(segments(&e.bytes).iter().all(|(code, _)| !matches!(code, 0xE1..=0xEF)));
        assert_eq!(exif::scan_jpeg(&e.bytes[..]).expect("scan").orientation, 1);
    }
    // Rotated 90° clockwise for display: stored top-left (red) is now top-right,
    // stored top-right (green) is now bottom-right.
    let out = decode_jpeg(&d.proof.bytes);
    assert_eq!((out.width, out.height), (1365, 2048));
    let [r, g, b] = at(&out, 1365 - 60, 60);
    assert!(r > 180 && g < 70 && b < 70, "top-right should be red: {r},{g},{b}");
    let [r, g, b] = at(&out, 1365 - 60, 2048 - 200);
    assert!(g > 150 && r < 70 && b < 70, "bottom-right should be green: {r},{g},{b}");
    let [r, g, b] = at(&out, 60, 60);
    assert!(r.abs_diff(120) < 10 && g.abs_diff(120) < 10 && b.abs_diff(120) < 10);
}

#[test]
fn every_orientation_matches_image_crate() {
    use image::metadata::Orientation;
    let px = rgb(5, 3, |x, y| [(x * 40) as u8, (y * 80) as u8, 7]);
    for o in 1..=8u8 {
        let mut reference = image::DynamicImage::ImageRgb8(
            image::RgbImage::from_raw(5, 3, px.data.clone()).expect("buf"),
        );
        reference.apply_orientation(Orientation::from_exif(o).expect("valid"));
        let copy = Pixels { width: 5, height: 3, channels: 3, data: px.data.clone() };
        let ours = ops::orient(copy, o);
        assert_eq!((ours.width, ours.height), (reference.width(), reference.height()), "o={o}");
        assert_eq!(ours.data, reference.to_rgb8().into_raw(), "orientation {o}");
    }
}

fn grey_png_file(w: u32, h: u32) -> TmpFile {
    tmp_file("grey.png", &png_of(w, h, &[128, 128, 128, 255].repeat((w * h) as usize)))
}

/// Count of pixels in the box whose channels differ from `v` by more than `tol`.
fn differing(px: &Pixels, x0: u32, y0: u32, x1: u32, y1: u32, v: u8, tol: u8) -> usize {
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            if at(px, x, y).iter().any(|c| c.abs_diff(v) > tol) {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn centre_text_watermark_marks_the_centre_only() {
    let f = grey_png_file(1200, 800);
    let d = ingest(&f.0, Some(&text_mark(WatermarkPosition::Center, 0.5)), &Limits::default())
        .expect("ingest");
    let proof = decode_jpeg(&d.proof.bytes);
    assert!(differing(&proof, 450, 350, 750, 450, 128, 30) > 1000, "centre unchanged");
    for (x, y) in [(0, 0), (1100, 0), (0, 700), (1100, 700)] {
        assert_eq!(differing(&proof, x, y, x + 100, y + 100, 128, 4), 0, "corner {x},{y} changed");
    }
    // The master stays clean.
    let master = decode_jpeg(&d.master.bytes);
    assert_eq!(differing(&master, 0, 0, 1200, 800, 128, 4), 0);
    // The thumb is made from the watermarked proof.
    let thumb = decode_jpeg(&d.thumb.bytes);
    assert_eq!((thumb.width, thumb.height), (400, 267));
    assert!(differing(&thumb, 150, 115, 250, 150, 128, 20) > 50);
}

#[test]
fn tiled_text_watermark_covers_the_image() {
    let f = grey_png_file(1200, 800);
    let d = ingest(&f.0, Some(&text_mark(WatermarkPosition::Tiled, 0.5)), &Limits::default())
        .expect("ingest");
    let proof = decode_jpeg(&d.proof.bytes);
    let mut marked = 0;
    for gy in 0..3 {
        for gx in 0..3 {
            if differing(&proof, gx * 400, gy * 266, gx * 400 + 400, gy * 266 + 266, 128, 30) > 200
            {
                marked += 1;
            }
        }
    }
    assert!(marked >= 8, "only {marked}/9 regions carry the mark");
}

#[test]
fn image_watermark_bottom_right_and_zero_opacity() {
    let mut logo = image::RgbaImage::new(100, 50);
    for (x, _, p) in logo.enumerate_pixels_mut() {
        *p = if x < 50 { image::Rgba([255, 0, 0, 255]) } else { image::Rgba([0, 0, 0, 0]) };
    }
    let f = grey_png_file(1000, 600);
    let wm = Watermark {
        mark: WatermarkMark::Image(logo),
        position: WatermarkPosition::BottomRight,
        opacity: 1.0,
    };
    let d = ingest(&f.0, Some(&wm), &Limits::default()).expect("ingest");
    let proof = decode_jpeg(&d.proof.bytes);
    assert!(differing(&proof, 700, 450, 1000, 600, 128, 40) > 1000);
    assert_eq!(differing(&proof, 0, 0, 600, 400, 128, 4), 0);
    let zero = Watermark { opacity: 0.0, ..wm };
    let d = ingest(&f.0, Some(&zero), &Limits::default()).expect("ingest");
    assert_eq!(differing(&decode_jpeg(&d.proof.bytes), 0, 0, 1000, 600, 128, 4), 0);
}

#[test]
fn small_image_is_not_upscaled() {
    let px = rgb(300, 200, |x, y| [x as u8, y as u8, 99]);
    let f = tmp_file("small.jpg", &jpeg_of(&px, 90));
    let d = ingest(&f.0, Some(&text_mark(WatermarkPosition::Tiled, 0.4)), &Limits::default())
        .expect("ingest");
    for e in [&d.master, &d.proof, &d.middle, &d.thumb] {
        assert_eq!((e.width, e.height), (300, 200));
        let out = decode_jpeg(&e.bytes);
        assert_eq!((out.width, out.height), (300, 200));
    }
}

#[test]
fn large_jpeg_is_scaled_to_proof_and_thumb_edges() {
    let px = rgb(4000, 2667, |x, y| [(x / 16) as u8, (y / 11) as u8, 60]);
    let f = tmp_file("big.jpg", &jpeg_of(&px, 85));
    let d = ingest(&f.0, None, &Limits::default()).expect("ingest");
    assert_eq!((d.proof.width, d.proof.height), (2048, 1366));
    assert_eq!((d.thumb.width, d.thumb.height), (400, 267));
    let out = decode_jpeg(&d.proof.bytes);
    // colour survives decode → scale → resize → encode (gradient at x=1024 of 2048 ≈ src x 2000)
    let [r, _, b] = at(&out, 1024, 100);
    assert!(r.abs_diff(125) <= 4 && b.abs_diff(60) <= 4, "{r} {b}");
}

#[test]
fn rewatermark_changes_only_the_mark() {
    let f = tmp_file(
        "grad.png",
        &png_of(1024, 768, &{
            let mut v = Vec::new();
            for y in 0..768u32 {
                for x in 0..1024u32 {
                    v.extend_from_slice(&[(x / 4) as u8, (y / 3) as u8, 128, 255]);
                }
            }
            v
        }),
    );
    let d = ingest(&f.0, None, &Limits::default()).expect("ingest");
    let wm = text_mark(WatermarkPosition::BottomRight, 0.8);
    let again = rewatermark(&d.master.bytes, Some(&wm)).expect("rewatermark");
    let (proof, thumb) = (again.proof, again.thumb);
    assert_eq!((proof.width, proof.height), (1024, 768));
    assert_eq!((again.middle.width, again.middle.height), (1024, 768));
    assert_eq!((thumb.width, thumb.height), (400, 300));
    let (m, p) = (decode_jpeg(&d.master.bytes), decode_jpeg(&proof.bytes));
    let mut far = 0u8;
    let mut near = 0usize;
    for y in 0..768 {
        for x in 0..1024 {
            let diff = at(&m, x, y).iter().zip(at(&p, x, y)).map(|(a, b)| a.abs_diff(b)).max();
            let diff = diff.unwrap_or(0);
            if x < 600 || y < 650 {
                far = far.max(diff);
            } else if diff > 40 {
                near += 1;
            }
        }
    }
    assert!(far <= 8, "pixels away from the mark changed by {far}");
    assert!(near > 300, "mark not found ({near} px)");
    // Without a watermark the proof is the master re-encoded.
    let clean = rewatermark(&d.master.bytes, None).expect("clean").proof;
    assert_eq!((clean.width, clean.height), (1024, 768));
    assert!(matches!(rewatermark(b"not a jpeg", None), Err(ImageError::Unsupported)));
}

#[test]
fn png_and_webp_alpha_flatten_onto_white() {
    // Left half transparent, right half opaque blue.
    let (w, h) = (200u32, 100u32);
    let mut rgba = Vec::new();
    for _y in 0..h {
        for x in 0..w {
            rgba.extend_from_slice(if x < 100 { &[0, 0, 0, 0] } else { &[0, 0, 255, 255] });
        }
    }
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .encode(&rgba, w, h, image::ExtendedColorType::Rgba8)
        .expect("webp");
    for (name, bytes) in [("a.png", png_of(w, h, &rgba)), ("a.webp", webp)] {
        let f = tmp_file(name, &bytes);
        let p = probe(&f.0, &Limits::default()).expect("probe");
        assert_eq!((p.width, p.height, p.orientation), (200, 100, 1));
        let d = ingest(&f.0, None, &Limits::default()).expect("ingest");
        let out = decode_jpeg(&d.proof.bytes);
        let white = at(&out, 30, 50);
        assert!(white.iter().all(|&c| c > 245), "{name}: {white:?}");
        let blue = at(&out, 170, 50);
        assert!(blue[2] > 230 && blue[0] < 20, "{name}: {blue:?}");
        // truncated → corrupt
        let f = tmp_file(name, &bytes[..bytes.len() / 2]);
        assert!(matches!(ingest(&f.0, None, &Limits::default()), Err(ImageError::Corrupt(_))));
    }
}

#[test]
fn branding_is_reencoded_without_metadata() {
    let mut rgba = Vec::new();
    for y in 0..1000u32 {
        for x in 0..1600u32 {
            rgba.extend_from_slice(&[
                (x / 7) as u8,
                (y / 4) as u8,
                50,
                if x < 800 { 0 } else { 255 },
            ]);
        }
    }
    let mut png = png_of(1600, 1000, &rgba);
    // Insert a tEXt chunk with a secret right after IHDR: it must not survive.
    let mut text = Vec::new();
    png_chunk(&mut text, b"tEXt", b"Comment\0secret-location");
    png.splice(33..33, text);
    let f = tmp_file("logo.png", &png);

    let (bytes, fmt) =
        normalize_branding(&f.0, BrandingKind::Logo, &Limits::default()).expect("logo");
    assert_eq!(fmt, ImageFormat::Png);
    assert!(!contains(&bytes, b"secret-location") && !contains(&bytes, b"tEXt"));
    let logo = load_watermark_image(&bytes).expect("load");
    assert_eq!(logo.dimensions(), (800, 500));
    assert_eq!(logo.get_pixel(10, 250)[3], 0, "transparency kept");
    assert_eq!(logo.get_pixel(700, 250)[3], 255);

    let (bytes, fmt) =
        normalize_branding(&f.0, BrandingKind::Watermark, &Limits::default()).expect("wm");
    assert_eq!(fmt, ImageFormat::Png);
    assert_eq!(load_watermark_image(&bytes).expect("load").dimensions(), (1200, 750));

    // A JPEG marketing image with EXIF (orientation 6 + GPS) comes back upright, clean JPEG.
    let px = rgb(3000, 2000, |x, _| [(x / 12) as u8, 90, 90]);
    let plain = jpeg_of(&px, 90);
    let mut file = plain[..2].to_vec();
    file.extend_from_slice(&exif_app1_orientation6_with_gps());
    file.extend_from_slice(&plain[2..]);
    let f = tmp_file("market.jpg", &file);
    let (bytes, fmt) =
        normalize_branding(&f.0, BrandingKind::MarketingImage, &Limits::default()).expect("mkt");
    assert_eq!(fmt, ImageFormat::Jpeg);
    assert!(!contains(&bytes, b"Exif") && !contains(&bytes, b"WGS-84"));
    let out = decode_jpeg(&bytes);
    assert_eq!((out.width, out.height), (1600, 2400));
}

#[test]
fn fit_dims_never_upscales() {
    assert_eq!(ops::fit_dims(6000, 4000, 2048), (2048, 1365));
    assert_eq!(ops::fit_dims(4000, 6000, 2048), (1365, 2048));
    assert_eq!(ops::fit_dims(2048, 10, 2048), (2048, 10));
    assert_eq!(ops::fit_dims(100, 50, 2048), (100, 50));
    assert_eq!(ops::fit_dims(30000, 1, 400), (400, 1));
    // DCT scale choice: 6000 → 3/8 (2250), 3000 → 6/8 (2250), 2100 → 8/8.
    let pick = |long: u32| (1..=8).find(|&m| jpeg::scaled_len(long, m) >= PROOF_EDGE).unwrap_or(8);
    assert_eq!((pick(6000), pick(3000), pick(2100), pick(16384)), (3, 6, 8, 1));
}

#[test]
fn grey_and_cmyk_jpegs_come_back_as_rgb() {
    let grey: Vec<u8> = (0..64 * 48).map(|i| if i % 64 < 32 { 40 } else { 200 }).collect();
    let f = tmp_file("grey.jpg", &jpeg::encode_raw(&grey, 64, 48, 1, 95).expect("grey"));
    let d = ingest(&f.0, None, &Limits::default()).expect("grey ingest");
    let out = decode_jpeg(&d.proof.bytes);
    assert!(at(&out, 10, 20).iter().all(|c| c.abs_diff(40) < 6));
    assert!(at(&out, 50, 20).iter().all(|c| c.abs_diff(200) < 6));

    // Adobe CMYK stores inverted ink: pure red ink (C=0 M=Y=100%) is bytes 255,0,0,255.
    let cmyk: Vec<u8> = (0..64 * 48).flat_map(|_| [255u8, 0, 0, 255]).collect();
    let f = tmp_file("cmyk.jpg", &jpeg::encode_raw(&cmyk, 64, 48, 4, 95).expect("cmyk"));
    let d = ingest(&f.0, None, &Limits::default()).expect("cmyk ingest");
    let [r, g, b] = at(&decode_jpeg(&d.proof.bytes), 32, 24);
    assert!(r > 235 && g < 20 && b < 20, "{r},{g},{b}");
}

#[test]
fn any_image_the_decode_accepts_fits_the_default_ingest_budget_but_two_large_ones_do_not() {
    let limits = Limits::default();
    let budget = crate::config::Config::default().max_ingest_memory;
    let upload = crate::config::Config::default().max_upload_bytes;
    let png = |w, h| Probe { format: ImageFormat::Png, width: w, height: h, orientation: 1 };
    let near_limit = png(12_000, 10_000).decode_estimate(upload, &limits);
    assert!(near_limit <= budget && 2 * near_limit > budget, "{near_limit}");
    // A 12 MP RGBA PNG as the memory story uploads it: 144 MB and the file.
    assert_eq!(png(4000, 3000).decode_estimate(1000, &limits), 144_001_000);
    let jpeg = Probe { format: ImageFormat::Jpeg, width: 6000, height: 4000, orientation: 1 };
    assert_eq!(jpeg.decode_estimate(10_000_000, &limits), 82_000_000);
}
