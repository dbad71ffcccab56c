//! Times `images::ingest` (master + proof + thumb, tiled text watermark) on every JPEG in a
//! folder, single-threaded, and prints one machine-readable line per photo:
//!
//! `ingest photo=NAME median_ms=F min_ms=F rounds=N proof=WxH master_bytes=N proof_bytes=N thumb_bytes=N`
//!
//! usage: cargo run --release -p proofroom-server --example ingest -- DIR [--rounds N]
//!        [--warmup N] [--out DIR]      (--out writes the last round's JPEGs for inspection)
//! Used by bench/ingest.sh, which compares against vipsthumbnail.

use std::path::{Path, PathBuf};
use std::time::Instant;

use proofroom_server::images::{Limits, Watermark, WatermarkMark, WatermarkPosition, ingest};

fn main() {
    if let Err(e) = run() {
        eprintln!("ingest: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut rounds = 5usize;
    let mut warmup = 1usize;
    let mut out: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--rounds" => {
                rounds = value("--rounds")?.parse().map_err(|e| format!("--rounds: {e}"))?
            }
            "--warmup" => {
                warmup = value("--warmup")?.parse().map_err(|e| format!("--warmup: {e}"))?
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "-h" | "--help" => {
                println!("usage: ingest DIR [--rounds N] [--warmup N] [--out DIR]");
                return Ok(());
            }
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    let dir = dir.ok_or("usage: ingest DIR [--rounds N] [--warmup N] [--out DIR]")?;
    let mut photos: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| x.eq_ignore_ascii_case("jpg") || x.eq_ignore_ascii_case("jpeg"))
        })
        .collect();
    photos.sort();
    if photos.is_empty() {
        return Err(format!("no .jpg files in {}", dir.display()));
    }
    if let Some(o) = &out {
        std::fs::create_dir_all(o).map_err(|e| format!("{}: {e}", o.display()))?;
    }
    let wm = Watermark {
        mark: WatermarkMark::Text("© Proofroom Studio · proof".into()),
        position: WatermarkPosition::Tiled,
        opacity: 0.35,
    };
    let limits = Limits::default();
    for photo in &photos {
        let name = photo.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
        for _ in 0..warmup {
            ingest(photo, Some(&wm), &limits).map_err(|e| format!("{name}: {e}"))?;
        }
        let mut times = Vec::with_capacity(rounds.max(1));
        let mut last = None;
        for _ in 0..rounds.max(1) {
            let t = Instant::now();
            let d = ingest(photo, Some(&wm), &limits).map_err(|e| format!("{name}: {e}"))?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            last = Some(d);
        }
        let Some(d) = last else { continue };
        times.sort_by(f64::total_cmp);
        let median = if times.len() % 2 == 1 {
            times[times.len() / 2]
        } else {
            (times[times.len() / 2 - 1] + times[times.len() / 2]) / 2.0
        };
        println!(
            "ingest photo={name} median_ms={median:.1} min_ms={:.1} rounds={} proof={}x{} \
             master_bytes={} proof_bytes={} thumb_bytes={}",
            times[0],
            times.len(),
            d.proof.width,
            d.proof.height,
            d.master.bytes.len(),
            d.proof.bytes.len(),
            d.thumb.bytes.len()
        );
        if let Some(o) = &out {
            let stem = Path::new(&name).file_stem().and_then(|s| s.to_str()).unwrap_or("photo");
            for (kind, e) in [("master", &d.master), ("proof", &d.proof), ("thumb", &d.thumb)] {
                let p = o.join(format!("{stem}.{kind}.jpg"));
                std::fs::write(&p, &e.bytes).map_err(|e| format!("{}: {e}", p.display()))?;
            }
        }
    }
    Ok(())
}
