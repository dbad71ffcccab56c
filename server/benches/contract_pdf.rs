//! How long the server takes to render a signed contract's PDF: a six-page wedding contract (a
//! heading, 12 numbered sections of paragraphs and lists, filled merge fields) with its
//! certificate page, a drawn signature and a nine-row audit trail, rendered as the signing request renders it —
//! warm (fonts loaded, the code paged in), one render after another on one core.
//!
//! `cargo bench -p proofroom-server --bench contract_pdf` (bench/contract-pdf.sh runs it and can
//! record the figures in docs/performance.md). Prints one line of figures: pages, size, and the
//! render time's minimum, median, 95th percentile and maximum over the measured renders.

use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime};
use proofroom_server::contracts::pdf::{Paper, SignedDocument, render};
use proofroom_wire::contracts::{AuditEntry, CONSENT_TEXT, SignatureEvidence};

const WARM_UP: usize = 20;
const RENDERS: usize = 300;

fn at(hour: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 3).and_then(|d| d.and_hms_opt(hour, minute, 0)).unwrap()
}

/// A wedding photography contract of six Letter pages, as a studio writes one.
fn contract() -> String {
    let mut md = String::from(
        "# Wedding Photography Agreement\n\nThis agreement is made between **Maple Lane \
         Photography** (\"the Studio\"), represented by Jo Maple, and **Ann Smith** (\"the \
         Client\"), for the wedding on *June 14, 2027* at Lakeside Gardens.\n\n",
    );
    let titles = [
        "Services",
        "Booking and retainer",
        "Payment schedule",
        "Coverage and schedule",
        "Travel",
        "Meals and breaks",
        "Image delivery",
        "Album",
        "Copyright and use",
        "Model release",
        "Cancellation and rescheduling",
        "Limitation of liability",
    ];
    for (n, title) in titles.iter().enumerate() {
        md.push_str(&format!("## {}. {title}\n\n", n + 1));
        for p in 0..2 {
            md.push_str(&format!(
                "The Studio and the Client agree to the terms of this section ({title}, part {}). \
                 The Studio will use professional care and equipment, will keep backup copies of \
                 every image until delivery, and will deliver edited images within the time \
                 agreed. The Client will make sure the Studio has reasonable access to the venue \
                 and the people to be photographed, and will tell the Studio in good time of any \
                 change to the schedule, the venue or the number of guests.\n\n",
                p + 1
            ));
        }
        md.push_str(
            "- Coverage starts at the time agreed and ends when the hours booked are used.\n\
             - Overtime is charged in half hours at the rate on the price list.\n\
             - The Studio may bring a second photographer at its own cost.\n\n",
        );
    }
    md.push_str("Signed for the Studio: Jo Maple, Maple Lane Photography.\n");
    md
}

/// A drawn signature as the page's pad sends one: 600 × 180, dark strokes on transparency.
fn signature_png() -> Vec<u8> {
    let mut pad = image::RgbaImage::new(600, 180);
    for x in 40..560u32 {
        let y = 90.0 + 40.0 * ((x as f32) / 37.0).sin() * ((x as f32) / 211.0).cos();
        for dy in 0..3 {
            pad.put_pixel(x, (y as u32 + dy).min(179), image::Rgba([26, 26, 64, 255]));
        }
    }
    let mut png = Vec::new();
    pad.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    png
}

fn main() {
    let markdown = contract();
    let evidence = SignatureEvidence {
        document_sha256: "3bb1957d90fd18e5aa710b7d457e2f5685a626ef7121282f6552ba039d6e8bc8".into(),
        signer_name: "Ann Smith".into(),
        client_name: "Ann Smith".into(),
        legal_name_confirmed: false,
        email: "ann.smith@example.com".into(),
        client_id: "C-1042".into(),
        signed_at: at(18, 25),
        signed_at_local: "2026-12-03 12:25:00 America/Chicago".into(),
        ip_address: "203.0.113.77".into(),
        user_agent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                     (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
            .into(),
        consent_text: CONSENT_TEXT.into(),
        drawing_sha256: Some(
            "08ae03cce91174ed8006b5afcd7457c0798503a0d57abed3df366005a4d27989".into(),
        ),
    };
    let actions = [
        "published",
        "viewed",
        "replaced",
        "viewed",
        "viewed",
        "viewed",
        "viewed",
        "viewed",
        "signed",
    ];
    let audit: Vec<AuditEntry> = actions
        .iter()
        .enumerate()
        .map(|(i, action)| AuditEntry {
            position: i as i32 + 1,
            at: at(15 + (i as u32) / 3, (i as u32 * 7) % 60),
            action: (*action).into(),
            detail: "by Ann Smith from 203.0.113.77".into(),
            sha256: "0951af3478c15a58b2976d571bc0a0bf163183806e53bdf24b79b1f6bcfb0304".into(),
        })
        .collect();
    let evidence_json = serde_json::to_vec_pretty(&evidence).unwrap();
    let drawing = signature_png();
    let document = SignedDocument {
        studio: "Maple Lane Photography",
        title: "Wedding Photography Agreement",
        markdown: &markdown,
        evidence: &evidence,
        drawing_png: Some(&drawing),
        audit: &audit,
        time_zone: chrono_tz::America::Chicago,
        paper: Paper::Letter,
        evidence_json: &evidence_json,
    };
    let mut pdf = Vec::new();
    for _ in 0..WARM_UP {
        pdf = render(&document).expect("the contract renders");
    }
    let mut times: Vec<f64> = (0..RENDERS)
        .map(|_| {
            let started = Instant::now();
            let made = render(&document).expect("the contract renders");
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            std::hint::black_box(made);
            ms
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    // Kept for a look (and for bench/contract-pdf.sh to count its pages with pdfinfo).
    let kept = std::env::temp_dir().join("proofroom-bench-contract.pdf");
    std::fs::write(&kept, &pdf).expect("the PDF is kept");
    println!(
        "contract pdf: {RENDERS} renders of {} bytes ({}), min {:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        pdf.len(),
        kept.display(),
        pick(0.0),
        pick(0.5),
        pick(0.95),
        pick(1.0)
    );
}
