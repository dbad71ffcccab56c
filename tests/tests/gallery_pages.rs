//! Gallery pages are kept in memory and served again; these stories check what a person would
//! notice if that went wrong: a page that is stale after a change, or one that is somebody
//! else's.

use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images};
use reqwest::StatusCode;

/// The CSRF token a page carries (its forms' hidden field).
fn csrf_of(html: &str) -> Option<String> {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).map(Into::into)
}

fn thumbs(html: &str) -> usize {
    html.matches("<li class=\"tile").count()
}

/// A public event of Ann's with two photos, and the library to change it with.
async fn studio() -> (TestApp, LibraryBuilder) {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("fair")
        .image("f1.jpg", images::jpeg(600, 400))
        .image("f2.jpg", images::jpeg(600, 400))
        .write();
    library
        .session("bo-fair")
        .client(("C-2", "Bo", "Jones", "bo@example.com"))
        .image("b1.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    (app, library)
}

#[tokio::test]
async fn a_page_seen_again_shows_every_change_at_once() {
    let (app, library) = studio().await;
    let event = app.event_path("fair");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let first = ann.get(&event).await.body;
    assert_eq!(ann.get(&event).await.body, first, "the same page again");
    assert!(first.contains("data-favorite-count>0<"));

    // Her own heart, sent by the page's script, shows on the next load.
    let photo = ann.get(&event).await.links(&format!("{event}/photos/"))[0].clone();
    let hearted = ann.post(&format!("{photo}/favorite"), &[("on", "1")]).await;
    assert_eq!(hearted.status, StatusCode::SEE_OTHER);
    let after_heart = ann.get(&event).await.body;
    assert!(after_heart.contains("data-favorite-count>1<"), "the favorite shows at once");

    // A group she makes shows as a filter at once.
    ann.post(&format!("{event}/groups"), &[("name", "Wall prints")]).await;
    assert!(ann.get(&event).await.body.contains("Wall prints (0)"));

    // The studio adds a photo and renames the session: the next load shows both.
    library
        .session("fair")
        .image("f1.jpg", images::jpeg(600, 400))
        .image("f2.jpg", images::jpeg(600, 400))
        .image("f3.jpg", images::jpeg(600, 400))
        .write();
    let manifest = library.file("sessions/fair/session.toml");
    let renamed =
        std::fs::read_to_string(&manifest).unwrap().replace("Session fair", "Fall fair 2026");
    std::fs::write(&manifest, renamed).unwrap();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    let after_push = ann.get(&event).await.body;
    assert_eq!(thumbs(&after_push), 3, "the new photo is on the page");
    assert!(after_push.contains("Fall fair 2026"));

    // Signed out, the same URL is the public page, without her name, hearts or token.
    ann.post("/logout", &[]).await;
    let public = ann.get(&event).await.body;
    assert!(!public.contains("Ann Smith") && !public.contains("data-favorite-count"));
}

#[tokio::test]
async fn a_kept_page_is_never_served_to_anyone_else() {
    let (app, _library) = studio().await;
    let event = app.event_path("fair");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let mut bo = Visitor::new(&app.base_url);
    bo.sign_in("bo@example.com", "jones").await;
    let photo = ann.get(&event).await.links(&format!("{event}/photos/"))[0].clone();
    ann.post(&format!("{photo}/favorite"), &[("on", "1")]).await;

    // Nothing changes between these loads, so each is a kept page, and each is the viewer's.
    let anns_page = ann.get(&event).await.body;
    assert_eq!(ann.get(&event).await.body, anns_page, "kept for Ann");
    let anns_token = csrf_of(&anns_page).expect("Ann's page has her forms");
    let bos_page = bo.get(&event).await.body;
    assert!(bos_page.contains("Bo Jones") && !bos_page.contains("Ann Smith"), "Bo's own page");
    assert!(bos_page.contains("data-favorite-count>0<"), "Ann's heart is hers");
    assert_ne!(csrf_of(&bos_page), Some(anns_token.clone()));
    assert_eq!(bo.get(&event).await.body, bos_page, "kept for Bo");
    let mut visitor = Visitor::new(&app.base_url);
    for _ in 0..2 {
        let seen = visitor.get(&event).await.body;
        assert_eq!(csrf_of(&seen), None, "a visitor's page has no one's token");
        assert!(!seen.contains("Ann Smith") && !seen.contains("Bo Jones"));
    }
    assert_eq!(ann.get(&event).await.body, anns_page, "still Ann's, after the others");

    // Ann on a second browser has a session of her own, and so a page of her own.
    let mut ann_phone = Visitor::new(&app.base_url);
    ann_phone.sign_in("ann.smith@example.com", "smith").await;
    let phone_page = ann_phone.get(&event).await.body;
    assert!(phone_page.contains("data-favorite-count>1<"), "her favorites follow her");
    assert_ne!(csrf_of(&phone_page), Some(anns_token));
}

#[tokio::test]
async fn a_browser_that_takes_gzip_gets_the_same_page_compressed() {
    use std::io::Read;
    let (app, _library) = studio().await;
    let event = app.event_path("fair");
    let get = |encoding: &'static str| {
        let http = reqwest::Client::new();
        let url = app.url(&event);
        async move {
            let answer = http.get(url).header("Accept-Encoding", encoding).send().await.unwrap();
            let coding =
                answer.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_string());
            let vary = answer.headers().get("vary").map(|v| v.to_str().unwrap().to_string());
            (coding, vary, answer.bytes().await.unwrap().to_vec())
        }
    };
    let (coding, vary, plain) = get("identity").await;
    assert_eq!((coding, vary.as_deref()), (None, Some("Accept-Encoding")));
    for encoding in ["gzip, deflate, br", "br;q=1.0, gzip;q=0.8"] {
        let (coding, _, compressed) = get(encoding).await;
        assert_eq!(coding.as_deref(), Some("gzip"), "{encoding}");
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..]).read_to_end(&mut unpacked).unwrap();
        assert_eq!(unpacked, plain, "the same page");
        assert!(
            compressed.len() * 2 < plain.len(),
            "{} of {} bytes",
            compressed.len(),
            plain.len()
        );
    }
    let (coding, _, refused) = get("gzip;q=0").await;
    assert_eq!((coding, refused), (None, plain), "gzip;q=0 means no gzip");
}

/// However many photos a gallery holds, its page costs the same few database queries: no
/// query per photo (for its proof, its groups, the viewer's hearts and notes).
#[tokio::test]
async fn a_gallery_page_costs_the_same_queries_for_two_photos_or_twenty_four() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    let mut small = library.session("fair");
    for n in 0..2 {
        small = small.image(&format!("s{n:02}.jpg"), images::jpeg(60, 40));
    }
    small.write();
    let mut large = library.session("gala");
    for n in 0..24 {
        large = large.image(&format!("g{n:02}.jpg"), images::jpeg(60, 40));
    }
    large.write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;

    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    for session in ["fair", "gala"] {
        let event = app.event_path(session);
        let photos = ann.get(&event).await.links(&format!("{event}/photos/"));
        ann.post(&format!("{}/favorite", photos[0]), &[("on", "1")]).await;
        ann.post(&format!("{event}/groups"), &[("name", "Wall prints")]).await;
    }

    // The fewest queries of three fresh loads (each a new address, so no kept page answers it):
    // background work may add to a load, never take away.
    let mut fewest = Vec::new();
    for session in ["fair", "gala"] {
        let event = app.event_path(session);
        let mut least = u64::MAX;
        for round in 0..3 {
            let before = app.state.queries.get();
            let page = ann.get(&format!("{event}?round={round}")).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("data-favorite-count>1<"), "her heart shows");
            least = least.min(app.state.queries.get() - before);
        }
        fewest.push(least);
    }
    let (two, twenty_four) = (fewest[0], fewest[1]);
    eprintln!("gallery page queries: 2 photos {two}, 24 photos {twenty_four}");
    assert_eq!(two, twenty_four, "a query per photo crept in");
    assert!(twenty_four <= 20, "{twenty_four} queries for one gallery page");
}
