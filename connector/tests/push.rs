//! `push` against a stand-in of the studio API (tests/common): what is sent, what a second push
//! sends, and how failures are reported.

mod common;

use std::path::Path;

use common::*;
use proofroom_connector::{Progress, PushError, PushOptions, push};
use proofroom_wire::Rating;

fn options(library: &Path, server: &str, token: &str) -> PushOptions {
    PushOptions {
        library: library.to_path_buf(),
        server: Some(server.to_string()),
        token: Some(token.to_string()),
        jobs: 3,
        progress: Progress::Quiet,
    }
}

fn library() -> tempfile::TempDir {
    let lib = tempfile::tempdir().unwrap();
    let root = lib.path();
    write(root, "studio.toml", STUDIO.as_bytes());
    write(root, "branding/logo.png", b"logo bytes");
    write(
        root,
        "price-lists/portrait-2026.toml",
        PRICE_LIST.as_bytes(),
    );
    let images = "\n[images]\n\"IMG 1.jpg\" = { rating = \"selected\" }\n\"skip me.jpg\" = { online = false }\n";
    write(
        root,
        "sessions/Smith & Co #1/session.toml",
        session(true, "")
            .replace("[client]", &format!("{images}\n[client]"))
            .as_bytes(),
    );
    for name in ODD_NAMES {
        write(
            root,
            &format!("sessions/Smith & Co #1/{name}"),
            format!("bytes of {name}").as_bytes(),
        );
    }
    write(root, "sessions/Smith & Co #1/skip me.jpg", b"not online");
    // A big image: several 64 KiB pieces.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    write(root, "sessions/Smith & Co #1/big.JPG", &big);
    write(
        root,
        "sessions/draft/session.toml",
        session(false, "").as_bytes(),
    );
    write(root, "sessions/draft/a.jpg", b"a");
    lib
}

#[tokio::test]
async fn pushes_everything_then_nothing() {
    let server = MockServer::start().await;
    let lib = library();

    let report = push(options(lib.path(), &server.url, TOKEN)).await.unwrap();
    assert_eq!(report.errors, vec![]);
    assert_eq!(
        (
            report.sessions,
            report.uploaded,
            report.unchanged,
            report.removed
        ),
        (1, 7, 0, 0)
    );
    assert!(report.studio_synced);
    assert_eq!((report.branding_uploaded, report.price_lists), (1, 1));
    assert_eq!(report.exit_code(), 0);
    assert_eq!(
        report.summary(),
        "pushed 1 sessions: 7 images uploaded, 0 unchanged, 0 removed, 0 errors"
    );
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].item, "sessions/draft");
    {
        let s = server.state.lock().unwrap();
        assert_eq!(s.profile.as_ref().unwrap().name, "Maple Lane Photography");
        assert!(s.branding.contains_key("logo"));
        assert_eq!(s.price_lists["portrait-2026"].items[0].price_cents, 2400);
        assert!(!s.sessions.contains_key("draft"));
        let upsert = &s.sessions["Smith & Co #1"];
        let held = &s.images["Smith & Co #1"];
        let mut names: Vec<&str> = ODD_NAMES.to_vec();
        names.push("big.JPG");
        names.sort();
        assert_eq!(
            upsert
                .images
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>(),
            names
        );
        assert_eq!(held.keys().map(String::as_str).collect::<Vec<_>>(), names);
        for name in ODD_NAMES {
            assert_eq!(
                held[name].1,
                format!("bytes of {name}").as_bytes(),
                "{name}"
            );
        }
        assert_eq!(held["big.JPG"].1.len(), 200_000);
        assert_eq!(
            upsert
                .images
                .iter()
                .find(|i| i.name == "IMG 1.jpg")
                .unwrap()
                .rating,
            Rating::Selected
        );
    }
    server.take_log();

    // Nothing changed: nothing is uploaded, the profile is not sent again.
    let report = push(options(lib.path(), &server.url, TOKEN)).await.unwrap();
    assert_eq!(report.errors, vec![]);
    assert_eq!(
        (
            report.sessions,
            report.uploaded,
            report.unchanged,
            report.removed
        ),
        (1, 0, 7, 0)
    );
    assert_eq!(report.branding_uploaded, 0);
    let log = server.take_log();
    assert!(
        !log.iter().any(|l| l.starts_with("PUT /api/v1/studio")),
        "{log:#?}"
    );
    assert!(!log.iter().any(|l| l.contains("/images ")), "{log:#?}");

    // One image changed, one taken off the site, one new.
    let dir = lib.path().join("sessions/Smith & Co #1");
    std::fs::write(dir.join("IMG 1.jpg"), b"edited").unwrap();
    std::fs::write(dir.join("new 🎂.png"), b"new").unwrap();
    let manifest = std::fs::read_to_string(dir.join("session.toml")).unwrap();
    let manifest = manifest.replace(
        "[images]",
        "[images]\n\"Crème brûlée.jpg\" = { online = false }",
    );
    std::fs::write(dir.join("session.toml"), manifest).unwrap();
    let report = push(options(lib.path(), &server.url, TOKEN)).await.unwrap();
    assert_eq!(report.errors, vec![]);
    assert_eq!(
        (report.uploaded, report.unchanged, report.removed),
        (2, 5, 1)
    );
    let s = server.state.lock().unwrap();
    let held = &s.images["Smith & Co #1"];
    assert!(!held.contains_key("Crème brûlée.jpg"));
    assert_eq!(held["IMG 1.jpg"].1, b"edited");
    assert_eq!(held["new 🎂.png"].1, b"new");
}

#[tokio::test]
async fn a_refused_image_is_an_item_error() {
    let server = MockServer::start().await;
    server
        .state
        .lock()
        .unwrap()
        .refuse
        .push("Family #2 & co.jpg".into());
    let lib = library();
    let report = push(options(lib.path(), &server.url, TOKEN)).await.unwrap();
    assert_eq!(report.uploaded, 6);
    assert_eq!(report.errors.len(), 1);
    let e = &report.errors[0];
    assert_eq!(e.item, "sessions/Smith & Co #1/Family #2 & co.jpg");
    assert_eq!(e.message, "cannot decode the image (HTTP 422)");
    assert_eq!(report.exit_code(), 3);
}

#[tokio::test]
async fn a_bad_manifest_keeps_only_that_session_back() {
    let server = MockServer::start().await;
    let lib = library();
    write(
        lib.path(),
        "sessions/broken/session.toml",
        session(true, "days_active = \"thirty\"")
            .replace("days_active = 30\n", "")
            .as_bytes(),
    );
    write(lib.path(), "sessions/broken/x.jpg", b"x");
    let report = push(options(lib.path(), &server.url, TOKEN)).await.unwrap();
    assert_eq!(report.sessions, 1);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(
        report.errors[0].to_string(),
        "sessions/broken/session.toml:5: days_active: expected a whole number of days, found \"thirty\""
    );
    let log = server.take_log();
    assert!(!log.iter().any(|l| l.contains("broken")), "{log:#?}");
    assert_eq!(report.exit_code(), 3);
}

#[tokio::test]
async fn a_wrong_token_stops_the_push() {
    let server = MockServer::start().await;
    let lib = library();
    let err = push(options(lib.path(), &server.url, "wrong"))
        .await
        .unwrap_err();
    assert!(matches!(err, PushError::Unauthorized { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "the Proofroom server at {} refused the token: unknown studio token",
            server.url
        )
    );
    assert_eq!(err.exit_code(), 1);
    assert_eq!(server.state.lock().unwrap().log.len(), 1);
}

#[tokio::test]
async fn an_unreachable_server_is_named() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let lib = library();
    let err = push(options(
        lib.path(),
        &format!("http://127.0.0.1:{port}"),
        TOKEN,
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, PushError::Unreachable { .. }), "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "cannot reach the Proofroom server at http://127.0.0.1:{port}: "
        )),
        "{err}"
    );
    assert_eq!(err.exit_code(), 1);
}

#[tokio::test]
async fn unpublishing_leaves_a_session_online_and_says_so() {
    let server = MockServer::start().await;
    let lib = library();
    push(options(lib.path(), &server.url, TOKEN)).await.unwrap();
    let manifest = lib.path().join("sessions/Smith & Co #1/session.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("publish = true", "publish = false");
    std::fs::write(&manifest, text).unwrap();
    server.take_log();
    let report = push(options(lib.path(), &server.url, TOKEN)).await.unwrap();
    assert_eq!((report.sessions, report.exit_code()), (0, 0));
    let skipped = report
        .skipped
        .iter()
        .find(|s| s.item == "sessions/Smith & Co #1")
        .unwrap();
    assert!(
        skipped.reason.contains("online from an earlier push"),
        "{}",
        skipped.reason
    );
    assert!(!server.take_log().iter().any(|l| l.contains("Smith")));
}
