//! `proofroom demo`: a studio a newcomer can click through in a minute.
//!
//! Writes a studio library with generated photos, starts the server on SQLite and local files,
//! and publishes the library through the real studio API with the connector's own code.

use std::f32::consts::PI;
use std::path::{Path, PathBuf};

use anyhow::Context;
use image::{Rgb, RgbImage};

use crate::config::Config;
use crate::{Application, studio_api};

pub struct DemoSession {
    pub id: &'static str,
    pub toml: &'static str,
    pub images: &'static [&'static str],
    pub hue: f32,
    /// Other files of the session's folder (its contracts): path in the folder, text.
    pub files: &'static [(&'static str, &'static str)],
    /// Spreads of the album `main`, revision 1, for the client to mark up (0: no album).
    pub album_spreads: u32,
}

/// The Smiths' portrait agreement: the demo client has a contract to sign.
const PORTRAIT_AGREEMENT: &str = "# Portrait session agreement

This agreement is between **{{studio.name}}** (signed for the studio by {{studio.signer}}) and
**{{client.first_name}} {{client.last_name}}** ({{client.email}}), for the session
\"{{session.description}}\" on {{session.date}}.

## 1. The session

The studio photographs the family for up to two hours, at the studio and outdoors nearby, and
publishes the proofs online for the client to choose from.

## 2. Payment

- The session fee of $150 is paid at booking and is not refunded.
- Prints and files are ordered from the online gallery at the prices of the studio's price list.

## 3. Use of the photographs

The studio keeps the copyright. The client may print and share the photographs for personal
use. The studio may show up to five of them in its portfolio unless the client says no in
writing.

## 4. Questions

Call {{studio.phone}} or write to {{studio.email}}.
";

pub const STUDIO_TOML: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-studio/studio.toml"));

pub const PRICE_LIST_TOML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sample-studio/price-lists/portrait-2026.toml"
));

/// The demo studio also sells files: a photo's, and every photo of a gallery.
pub const DIGITAL_ITEMS_TOML: &str = r#"
[[items]]
sku = "FILE"
name = "Digital file (full resolution)"
category = "Digital"
price = "15.00"
kind = "digital"

[[items]]
sku = "ALL-FILES"
name = "Every photo of the gallery as files"
category = "Digital"
price = "149.00"
kind = "digital-all"
"#;

pub const SESSIONS: &[DemoSession] = &[
    DemoSession {
        id: "2026-0412-smith",
        toml: r#"description = "Smith Family Portraits"
date = "2026-04-12"
price_list = "portrait-2026"
days_active = 60
publish = true
event_type = "none"
event_description = "The Smith family at Maple Lane"
yearbook_selection = false
online_groups = ["Outdoor", "Studio"]

[client]
id = "C-1042"
first_name = "Ann"
last_name = "Smith"
email = "ann.smith@example.com"
phone = "+1 555 0142"
address = "12 Elm St, Springfield, IL 62701"

[images]
"IMG_0001.jpg" = { rating = "selected", groups = ["Outdoor"] }
"IMG_0002.jpg" = { rating = "selected", groups = ["Outdoor"] }
"Family #2 & co.jpg" = { groups = ["Studio"] }
"Été au lac 🌅.jpg" = { groups = ["Outdoor"] }

[[contracts]]
id = "portrait-agreement"
title = "Portrait session agreement"
file = "contracts/portrait-agreement.md"

[[albums]]
id = "main"
description = "Family album"
status = "ready-for-upload"
revision = 1
"#,
        images: &[
            "IMG_0001.jpg",
            "IMG_0002.jpg",
            "IMG_0003.jpg",
            "IMG_0004.jpg",
            "Family #2 & co.jpg",
            "Été au lac 🌅.jpg",
        ],
        hue: 0.08,
        files: &[("contracts/portrait-agreement.md", PORTRAIT_AGREEMENT)],
        album_spreads: 6,
    },
    DemoSession {
        id: "2026-0503-gala",
        toml: r#"description = "Riverside School Spring Gala"
date = "2026-05-03"
price_list = "portrait-2026"
days_active = 90
publish = true
event_type = "private"
event_code = "GALA26"
event_description = "Guests of the gala: enter the code on your invitation."

[client]
id = "C-2001"
first_name = "Riverside"
last_name = "School"
email = "office@riverside.example"
"#,
        images: &["gala-01.jpg", "gala-02.jpg", "gala-03.jpg", "gala-04.jpg", "gala-05.jpg"],
        hue: 0.62,
        files: &[],
        album_spreads: 0,
    },
    DemoSession {
        id: "2026-0614-fair",
        toml: r#"description = "Maple Lane Summer Fair"
date = "2026-06-14"
price_list = "portrait-2026"
days_active = 365
publish = true
event_type = "public"
event_description = "Everyone at the summer fair — find yourself, download your favorites free, order prints."
downloads = "favorites"
download_size = "2048"

[client]
id = "C-0001"
first_name = "Maple Lane"
last_name = "Community"
email = "events@maplelane.example"
"#,
        images: &[
            "fair 01.jpg",
            "fair 02.jpg",
            "fair 03.jpg",
            "fair 04.jpg",
            "fair 05.jpg",
            "fair 06.jpg",
            "fair 07.jpg",
            "fair 08.jpg",
        ],
        hue: 0.33,
        files: &[],
        album_spreads: 0,
    },
];

/// Writes the demo library under `library` (files already there are kept).
pub fn write_library(library: &Path, server: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(library.join("branding"))?;
    std::fs::create_dir_all(library.join("price-lists"))?;
    write_if_missing(
        &library.join("connector.toml"),
        format!("server = \"{server}\"\ntoken_file = \"studio.token\"\ninterval_minutes = 15\n"),
    )?;
    write_if_missing(&library.join("studio.toml"), STUDIO_TOML)?;
    write_if_missing(
        &library.join("price-lists/portrait-2026.toml"),
        format!("{PRICE_LIST_TOML}{DIGITAL_ITEMS_TOML}"),
    )?;
    let logo = library.join("branding/logo.png");
    if !logo.exists() {
        make_logo().save(&logo).context("writing the demo logo")?;
    }
    let hero = library.join("branding/hero.jpg");
    if !hero.exists() {
        save_jpeg(&scene(2400, 900, 0.12, 7), &hero)?;
    }
    for session in SESSIONS {
        let dir = library.join("sessions").join(session.id);
        std::fs::create_dir_all(&dir)?;
        write_if_missing(&dir.join("session.toml"), session.toml)?;
        for (name, text) in session.files {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            write_if_missing(&path, text)?;
        }
        for spread in 1..=session.album_spreads {
            let path = dir.join(format!("albums/main/r1/{spread:03}.jpg"));
            if !path.exists() {
                std::fs::create_dir_all(path.parent().unwrap_or(&dir))?;
                save_jpeg(&album_spread(session.hue, spread), &path)?;
            }
        }
        for (i, name) in session.images.iter().enumerate() {
            let path = dir.join(name);
            if !path.exists() {
                let hue = session.hue + i as f32 * 0.035;
                let (w, h) = if i % 3 == 2 { (1200, 1800) } else { (1800, 1200) };
                save_jpeg(&scene(w, h, hue, i as u32 + 1), &path)?;
            }
        }
    }
    Ok(())
}

fn write_if_missing(path: &Path, text: impl AsRef<str>) -> anyhow::Result<()> {
    if !path.exists() {
        std::fs::write(path, text.as_ref())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn save_jpeg(img: &RgbImage, path: &Path) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88).encode_image(img)?;
    Ok(())
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let h = h.rem_euclid(1.0) * 6.0;
    let c = v * s;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m]
}

/// A landscape: sky gradient, a sun, and layered hills, varied by hue and seed.
pub fn scene(width: u32, height: u32, hue: f32, seed: u32) -> RgbImage {
    let sky_top = hsv(hue + 0.55, 0.55, 0.95);
    let sky_bottom = hsv(hue + 0.05, 0.35, 1.0);
    let sun_x = width as f32 * (0.2 + 0.6 * ((seed * 37 % 100) as f32 / 100.0));
    let sun_y = height as f32 * 0.32;
    let sun_r = height.min(width) as f32 * 0.09;
    let layers: Vec<([f32; 3], f32, f32, f32)> = (0..4)
        .map(|i| {
            let depth = i as f32 / 3.0;
            let color = hsv(hue + 0.25 + depth * 0.05, 0.45 + depth * 0.3, 0.75 - depth * 0.45);
            let base = 0.55 + depth * 0.12;
            let freq = 1.5 + ((seed + i) % 4) as f32 * 0.7;
            let phase = (seed * 13 + i * 29) as f32 * 0.37;
            (color, base, freq, phase)
        })
        .collect();
    RgbImage::from_fn(width, height, |x, y| {
        let fx = x as f32 / width as f32;
        let fy = y as f32 / height as f32;
        let t = fy.min(1.0);
        let mut c = [0f32; 3];
        for k in 0..3 {
            c[k] = sky_top[k] * (1.0 - t) + sky_bottom[k] * t;
        }
        let d = ((x as f32 - sun_x).powi(2) + (y as f32 - sun_y).powi(2)).sqrt();
        if d < sun_r {
            c = [1.0, 0.95, 0.8];
        } else if d < sun_r * 2.5 {
            let glow = 1.0 - (d - sun_r) / (sun_r * 1.5);
            for v in &mut c {
                *v += 0.25 * glow * glow;
            }
        }
        for (color, base, freq, phase) in &layers {
            let ridge = base
                + 0.06 * (fx * freq * 2.0 * PI + phase).sin()
                + 0.025 * (fx * freq * 5.3 * PI + phase * 2.0).sin();
            if fy > ridge {
                let shade = 1.0 - (fy - ridge) * 0.6;
                c = [color[0] * shade, color[1] * shade, color[2] * shade];
            }
        }
        Rgb(c.map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8))
    })
}

/// An album spread as a designer lays one out: two photos on a white page with margins.
fn album_spread(hue: f32, spread: u32) -> RgbImage {
    let (w, h) = (2400u32, 1200u32);
    let mut page = RgbImage::from_pixel(w, h, Rgb([250, 248, 244]));
    let photos = [(120, 120, 1000, 960), (1280, 220, 1000, 760)];
    for (i, (x0, y0, pw, ph)) in photos.into_iter().enumerate() {
        let photo =
            scene(pw, ph, hue + spread as f32 * 0.05 + i as f32 * 0.02, spread * 2 + i as u32);
        image::imageops::replace(&mut page, &photo, i64::from(x0), i64::from(y0));
    }
    page
}

fn make_logo() -> image::RgbaImage {
    let (w, h) = (480u32, 160u32);
    let leaf = hsv(0.05, 0.75, 0.8);
    image::RgbaImage::from_fn(w, h, |x, y| {
        // A maple-red disc and a band: simple, recognisable at any size.
        let (cx, cy, r) = (80.0, 80.0, 64.0);
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        if d < r {
            let c = leaf.map(|v| (v * 255.0) as u8);
            image::Rgba([c[0], c[1], c[2], 255])
        } else if (170..460).contains(&x) && (70..90).contains(&y) {
            image::Rgba([60, 45, 40, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    })
}

/// Runs the demo until Ctrl-C.
pub fn run(data: PathBuf, port: u16) -> anyhow::Result<()> {
    std::fs::create_dir_all(&data)?;
    let data = data.canonicalize()?;
    let config = Config { data_dir: data.clone(), port, ..Config::default() };
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config).with_context(|| {
            format!("starting the server (is port {port} taken? try --port 8090)")
        })?;
        let url = format!("http://127.0.0.1:{}", app.port());
        let library = data.join("library");
        write_library(&library, &url)?;
        let token_file = library.join("studio.token");
        if !token_file.exists() {
            let mut conn = app.state().pool.get()?;
            let token = studio_api::auth::create_token(&mut conn)?;
            std::fs::write(&token_file, format!("{token}\n"))?;
        }
        let handle = app.handle();
        let server = actix_web::rt::spawn(app.run_until_stopped());
        let report = proofroom_connector::push(proofroom_connector::PushOptions {
            library: library.clone(),
            server: Some(url.clone()),
            token: Some(std::fs::read_to_string(&token_file)?.trim().to_string()),
            jobs: 4,
            progress: proofroom_connector::Progress::Plain,
        })
        .await
        .map_err(|e| anyhow::anyhow!("publishing the demo library: {e}"))?;
        if !report.errors.is_empty() {
            for e in &report.errors {
                eprintln!("  {e}");
            }
        }
        println!();
        println!("Proofroom demo studio is running at {url}");
        println!();
        println!("  Home page (public event):  {url}/");
        println!("  Client sign-in:            {url}/login  ann.smith@example.com / Smith");
        println!("  Contract to sign:          Ann's, on My events once she signs in");
        println!("  Album to review:           Ann's family album: sticky notes, send or approve");
        println!("  Private event code:        GALA26  (enter it on the home page)");
        println!("  Studio library:            {}", library.display());
        println!("  Studio API token:          {}", token_file.display());
        println!();
        println!("Press Ctrl-C to stop.");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => { handle.stop(true).await; }
            result = server => { result??; }
        }
        Ok(())
    })
}
