//! How long the server takes to draw an answered album page for the designer: a 2560×1280
//! spread (two photos on a white page, as a designer lays one out) with 20 sticky notes — a
//! numbered pin at each and the notes listed below — decoded, drawn and encoded as the studio
//! API does for `GET /api/v1/albums/…/pinned/{page}`; warm, one after another on one core.
//!
//! `cargo bench -p proofroom-server --bench album_pins` (bench/album.sh runs it and can record
//! the figures in docs/performance.md). Prints one line: the result's size and the render time's
//! minimum, median, 95th percentile and maximum.

use std::time::Instant;

use proofroom_server::demo::scene;
use proofroom_server::images::pins::{Pin, pin_page};

const WARM_UP: usize = 10;
const RENDERS: usize = 100;

/// The spread as the store keeps it: a q90 JPEG at the preview size.
fn spread() -> Vec<u8> {
    let mut page = image::RgbImage::from_pixel(2560, 1280, image::Rgb([250, 248, 244]));
    for (i, (x, y, w, h)) in
        [(120u32, 110u32, 1100u32, 1060u32), (1340, 200, 1100, 880)].into_iter().enumerate()
    {
        let photo = scene(w, h, 0.1 + i as f32 * 0.2, i as u32 + 3);
        image::imageops::replace(&mut page, &photo, i64::from(x), i64::from(y));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&page)
        .expect("the spread encodes");
    out.into_inner()
}

fn main() {
    let page = spread();
    let sayings = [
        "Swap this photo for the one by the lake",
        "Warmer colours, please",
        "Can we crop closer on Grandma?",
        "Move the title up a little",
        "This one is my favourite — make it bigger",
    ];
    let pins: Vec<Pin> = (0..20)
        .map(|i| Pin {
            x: 0.05 + 0.045 * i as f64,
            y: 0.1 + 0.04 * (i % 7) as f64 * 3.0,
            number: i + 1,
            text: format!(
                "{} (note {}) [swap in IMG_{:04}.jpg]",
                sayings[i as usize % 5],
                i + 1,
                40 + i
            ),
        })
        .collect();
    let heading = "Wedding album · revision 2 · page 7 (007.jpg)";
    let comment = Some("The whole spread feels a little dark; could it be brighter overall?");
    let mut made = Vec::new();
    for _ in 0..WARM_UP {
        made = pin_page(&page, heading, comment, &pins).expect("the page draws").bytes;
    }
    let mut times: Vec<f64> = (0..RENDERS)
        .map(|_| {
            let started = Instant::now();
            let drawn = pin_page(&page, heading, comment, &pins).expect("the page draws");
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            std::hint::black_box(drawn);
            ms
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let kept = std::env::temp_dir().join("proofroom-bench-pinned.jpg");
    std::fs::write(&kept, &made).expect("the picture is kept");
    println!(
        "pinned page: {RENDERS} renders of a 2560x1280 spread with {} notes to {} bytes ({}), min {:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        pins.len(),
        made.len(),
        kept.display(),
        pick(0.0),
        pick(0.5),
        pick(0.95),
        pick(1.0)
    );
}
