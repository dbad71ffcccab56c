//! Album proofing: the studio uploads its page designs, the client marks them up with sticky
//! notes and comments or approves, revision after revision, and the designer gets the mark-up
//! back — as JSON and drawn on the pages with numbered pins.

use proofroom_tests::shop::{ann, write_studio};
use proofroom_tests::visitor::Answer;
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images, inbox_files};
use reqwest::StatusCode;

const ALBUM: &str = r#"
[[albums]]
id = "main"
description = "Wedding album"
status = "ready-for-upload"
revision = REVISION
"#;

fn album_manifest(revision: i32) -> String {
    ALBUM.replace("REVISION", &revision.to_string())
}

/// A page design: a wide spread, grey so pins and watermarks show, its shade telling pages apart.
fn spread(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(1600, 800, image::Rgb([shade, shade, shade]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// Ann's session with its two photos and the album at `revision`, written into the library.
fn write_session(library: &LibraryBuilder, revision: i32) {
    library
        .session("smith")
        .event_type("public")
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .image("Smith 02.jpg", images::jpeg(600, 400))
        .manifest(&album_manifest(revision))
        .write();
}

/// The sample studio, Ann's session with two photos, and the album's revision 1: five pages
/// whose names sort by number (001, 002, 003, 010, 100), written out of order.
async fn studio_with_album(app: &TestApp) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    write_studio(&library);
    for (name, shade) in
        [("100.jpg", 150), ("010.jpg", 140), ("002.jpg", 120), ("001.jpg", 110), ("003.jpg", 130)]
    {
        library.write(&format!("sessions/smith/albums/main/r1/{name}"), spread(shade));
    }
    library.write("sessions/smith/albums/main/r1/notes.txt", "the designer's own notes");
    write_session(&library, 1);
    let pushed = app.push(library.path()).await;
    assert!(
        pushed.contains(
            "pushed album \"main\" revision 1 (sessions/smith/albums/main/r1): 5 pages uploaded"
        ),
        "{pushed}"
    );
    library
}

/// The album page's path, from the email that tells Ann it is ready.
fn album_path(app: &TestApp) -> String {
    let mails = app.emails_to("ann.smith@example.com");
    let mail = mails
        .iter()
        .find(|m| m.subject == "Wedding album is ready for review")
        .unwrap_or_else(|| {
            panic!("no 'ready' email: {:?}", mails.iter().map(|m| &m.subject).collect::<Vec<_>>())
        });
    app.link_in(mail, &format!("{}/albums/", app.event_path("smith")))
}

/// The file names of the pages, in the order the album page shows them.
fn page_order(page: &Answer) -> Vec<String> {
    page.body
        .split("<span class=\"hint\">of ")
        .skip(1)
        .map(|rest| rest.split(" · ").nth(1).unwrap().split('<').next().unwrap().to_string())
        .collect()
}

fn page_image_paths(page: &Answer, album: &str) -> Vec<String> {
    page.links(&format!("{album}/pages/"))
}

async fn note(ann: &mut Visitor, album: &str, fields: &[(&str, &str)]) -> Answer {
    ann.post_json(&format!("{album}/notes"), fields).await
}

fn json(answer: &Answer) -> serde_json::Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|_| panic!("not JSON: {}", answer.body))
}

#[tokio::test]
async fn ann_marks_up_revision_1_sends_it_approves_revision_2_and_the_designer_gets_it_all_back() {
    let app = TestApp::spawn().await;
    let library = studio_with_album(&app).await;
    let album = album_path(&app);
    let mut ann = ann(&app).await;

    let events = ann.get("/my-events").await;
    assert!(events.body.contains("Album to review: Wedding album"), "{}", events.body);
    let event = ann.get(&app.event_path("smith")).await;
    assert!(event.body.contains("Album to review"), "{}", event.body);
    assert!(event.body.contains(&album), "the event page links the album");

    let page = ann.get(&album).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page_order(&page), ["001.jpg", "002.jpg", "003.jpg", "010.jpg", "100.jpg"]);
    assert!(!page.body.contains("notes.txt"), "only images are pages");
    let images = page_image_paths(&page, &album);
    assert_eq!(images.len(), 10, "a large image and a thumbnail a page: {images:?}");
    for path in &images {
        let (status, bytes) = ann.fetch(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let decoded = proofroom_tests::images::decode(&bytes);
        assert!(decoded.width() <= 2560 && decoded.width() > decoded.height(), "{path}: a spread");
        assert!(!proofroom_tests::images::has_exif(&bytes), "no metadata served");
    }

    // Two notes on page 2, one moved; a swap photo on one; a comment on page 3.
    let first = note(
        &mut ann,
        &album,
        &[
            ("revision", "1"),
            ("page", "2"),
            ("x", "0.25"),
            ("y", "0.5"),
            ("text", "Swap this one for the photo by the lake"),
        ],
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = json(&first);
    assert_eq!(first["number"], 1);
    let photos = json(&ann.get_json(&format!("{album}/photos")).await);
    let lake =
        photos["photos"].as_array().unwrap().iter().find(|p| p["name"] == "Smith 02.jpg").unwrap();
    let second = note(
        &mut ann,
        &album,
        &[
            ("revision", "1"),
            ("page", "2"),
            ("x", "0.5"),
            ("y", "0.5"),
            ("text", "<b>Brighter</b> & warmer"),
            ("swap", lake["id"].as_str().unwrap()),
        ],
    )
    .await;
    let second = json(&second);
    assert_eq!(
        (second["number"].as_u64(), second["swap_name"].as_str()),
        (Some(2), Some("Smith 02.jpg"))
    );
    let moved = ann
        .post_json(
            &format!("{album}/notes/{}", second["id"].as_str().unwrap()),
            &[("revision", "1"), ("x", "0.75"), ("y", "0.25")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let draft = ann
        .post(
            &format!("{album}/comments"),
            &[
                ("revision", "1"),
                ("page_3", "Can the title be larger?"),
                ("general", "Lovely work so far!"),
            ],
        )
        .await;
    assert_eq!(draft.status, StatusCode::SEE_OTHER, "{}", draft.body);
    let page = ann.get(&album).await;
    assert!(
        page.body.contains("&lt;b&gt;Brighter&lt;/b&gt; &amp; warmer"),
        "note text is escaped: {}",
        page.body
    );
    assert!(
        page.body.contains("left: 75.000%; top: 25.000%"),
        "the moved note sits where it was dropped"
    );
    assert!(page.body.contains("Can the title be larger?"));
    assert_eq!(app.feed_waiting(), 0, "a draft is not sent");

    let sent = ann.post(&format!("{album}/send"), &[("revision", "1")]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let page = ann.get(&album).await;
    assert!(page.body.contains("Your comments on revision 1 were sent on"), "{}", page.body);
    assert!(!page.body.contains("id=\"send-comments\""), "read-only once answered");

    let pulled = app.sync(library.path()).await;
    assert!(pulled.contains("1 album answers"), "{pulled}");
    let files = inbox_files(library.path());
    let r1: serde_json::Value = serde_json::from_str(&files["albums/smith/main-r1.json"]).unwrap();
    assert_eq!(r1["decision"], "comments");
    assert_eq!(r1["revision"], 1);
    assert_eq!(r1["general_comment"], "Lovely work so far!");
    let pages = r1["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2, "pages 2 and 3 have mark-up: {pages:?}");
    assert_eq!(
        (pages[0]["page"].as_u64(), pages[0]["file_name"].as_str()),
        (Some(2), Some("002.jpg"))
    );
    let notes = pages[0]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!((notes[0]["x"].as_f64(), notes[0]["y"].as_f64()), (Some(0.25), Some(0.5)));
    assert_eq!((notes[1]["x"].as_f64(), notes[1]["y"].as_f64()), (Some(0.75), Some(0.25)));
    assert_eq!(notes[1]["text"], "<b>Brighter</b> & warmer");
    assert_eq!(notes[1]["swap"], "Smith 02.jpg");
    assert_eq!(notes[1]["author"], "Ann Smith");
    assert_eq!(
        (pages[1]["page"].as_u64(), pages[1]["comment"].as_str()),
        (Some(3), Some("Can the title be larger?"))
    );
    let tasks = &files["tasks.csv"];
    assert!(tasks.contains("Album \"\"Wedding album\"\" revision 1: Ann Smith sent 2 notes on 2 pages and a general comment"), "{tasks}");

    // Page 2 drawn for the designer: a pin where each note is.
    let pinned = std::fs::read(library.path().join("inbox/albums/smith/main-r1/002.jpg")).unwrap();
    let drawn = proofroom_tests::images::decode(&pinned);
    assert_eq!(drawn.width(), 1600, "the page at its preview size");
    assert!(drawn.height() > 800, "the notes are listed below the page");
    for (x, y) in [(0.25, 0.5), (0.75, 0.25)] {
        let radius = (1600 / 80) as f64;
        let (px, py) = ((x * 1600.0) as u32, (y * 800.0 + radius * 0.65) as u32);
        let [r, g, b] = drawn.get_pixel(px, py).0;
        assert!(r > 170 && g < 90 && b < 110, "a red pin at ({x}, {y}): {r},{g},{b}");
    }
    let [r, g, b] = drawn.get_pixel(1200, 700).0;
    assert!(
        (r as i32 - g as i32).abs() < 12 && (g as i32 - b as i32).abs() < 12,
        "the page itself is untouched elsewhere: {r},{g},{b}"
    );
    assert!(
        !files.contains_key("albums/smith/main-r1/003.jpg"),
        "a page with only a comment needs no picture"
    );

    // Revision 2: page 1 unchanged (not uploaded again), page 2 redone.
    for (name, shade) in [("001.jpg", 110), ("002.jpg", 90), ("003.jpg", 130)] {
        library.write(&format!("sessions/smith/albums/main/r2/{name}"), spread(shade));
    }
    write_session(&library, 2);
    let pushed = app.push(library.path()).await;
    assert!(
        pushed.contains(
            "pushed album \"main\" revision 2 (sessions/smith/albums/main/r2): 1 pages uploaded"
        ),
        "{pushed}"
    );
    assert!(pushed.contains("2 already on the site"), "{pushed}");
    let ready = app.emails_to("ann.smith@example.com");
    assert!(
        ready.iter().any(|m| m.subject == "Revision 2 of Wedding album is ready for review"),
        "{:?}",
        ready.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    let page = ann.get(&album).await;
    assert!(
        page.body
            .contains("Revision 2: <strong id=\"album-state\">waiting for the client</strong>"),
        "{}",
        page.body
    );
    assert_eq!(page_order(&page).len(), 3);
    assert!(page.body.contains("Your notes on revision 1"), "the last revision's notes beside it");
    assert!(page.body.contains("Page 2, note 1: Swap this one for the photo by the lake"));
    assert!(!page.body.contains("class=\"pin\""), "revision 2 starts clean");
    let history = ann.get(&format!("{album}?revision=1")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert_eq!(history.body.matches("class=\"pin\"").count(), 2, "revision 1 keeps its notes");
    assert!(history.body.contains("See revision 2"), "{}", history.body);

    let unnamed =
        ann.post(&format!("{album}/approve"), &[("revision", "2"), ("approved_name", "  ")]).await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unnamed.body);
    let approved = ann
        .post(&format!("{album}/approve"), &[("revision", "2"), ("approved_name", "Ann Smith")])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = ann.get(&album).await;
    assert!(page.body.contains("Approved by Ann Smith on"), "{}", page.body);
    let events = ann.get("/my-events").await;
    assert!(events.body.contains("— approved"), "{}", events.body);

    app.sync(library.path()).await;
    let files = inbox_files(library.path());
    let r2: serde_json::Value = serde_json::from_str(&files["albums/smith/main-r2.json"]).unwrap();
    assert_eq!(
        (r2["decision"].as_str(), r2["approved_name"].as_str()),
        (Some("approved"), Some("Ann Smith"))
    );
    assert!(r2["pages"].as_array().unwrap().is_empty());
    assert!(files.contains_key("albums/smith/main-r1.json"), "both revisions' answers are kept");
    assert!(
        files["tasks.csv"].contains("revision 2 approved by Ann Smith"),
        "{}",
        files["tasks.csv"]
    );
    let status = app.connector(library.path(), &["status"]).await;
    let said = proofroom_tests::printed(&status);
    assert!(said.contains("album main of smith (Wedding album): revision 2, approved"), "{said}");
}

#[tokio::test]
async fn a_revision_the_studio_replaces_before_ann_answers_says_so_and_her_draft_stays_hers() {
    let app = TestApp::spawn().await;
    let library = studio_with_album(&app).await;
    let album = album_path(&app);
    let mut ann = ann(&app).await;
    let placed = note(
        &mut ann,
        &album,
        &[("revision", "1"), ("page", "2"), ("x", "0.5"), ("y", "0.5"), ("text", "Draft idea")],
    )
    .await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);

    // The studio cannot read a draft, not even drawn on a page.
    let pinned = app
        .api(reqwest::Method::GET, "/api/v1/albums/smith/main/revisions/1/pinned/002.jpg")
        .send()
        .await
        .unwrap();
    assert_eq!(pinned.status(), StatusCode::CONFLICT);
    let refused: serde_json::Value = pinned.json().await.unwrap();
    assert_eq!(refused["error"], "album_revision_not_answered", "{refused}");

    // Revision 2 goes up before Ann answered revision 1.
    for (name, shade) in [("001.jpg", 110), ("002.jpg", 90)] {
        library.write(&format!("sessions/smith/albums/main/r2/{name}"), spread(shade));
    }
    write_session(&library, 2);
    app.push(library.path()).await;
    let mails = app.emails_to("ann.smith@example.com");
    let ready = mails
        .iter()
        .find(|m| m.subject == "Revision 2 of Wedding album is ready for review")
        .expect("revision 2's email");
    assert!(!ready.body.contains("your comments on the last one"), "{}", ready.body);
    assert!(ready.body.contains("again (revision 2)"), "{}", ready.body);

    let old = ann.get(&format!("{album}?revision=1")).await;
    assert!(
        old.body.contains(
            "The studio sent revision 2 before you answered this one, so your notes on revision \
             1 were not sent."
        ),
        "{}",
        old.body
    );
    assert!(!old.body.contains("were sent on"), "{}", old.body);
    assert!(old.body.contains("replaced before you answered"), "{}", old.body);
    assert!(!old.body.contains("id=\"send-comments\""), "read-only now");
    let current = ann.get(&album).await;
    assert!(current.body.contains("1 (replaced before you answered)"), "{}", current.body);
    assert!(current.body.contains("Page 2, note 1: Draft idea"), "kept for reference");

    let pulled = app.sync(library.path()).await;
    assert!(pulled.contains(" 0 album answers"), "nothing was answered: {pulled}");
    assert!(!inbox_files(library.path()).keys().any(|f| f.starts_with("albums/")));
}

#[tokio::test]
async fn what_the_site_refuses_changes_nothing_and_only_ann_ever_sees_the_album() {
    let app = TestApp::spawn().await;
    let library = studio_with_album(&app).await;
    let album = album_path(&app);
    let mut ann = ann(&app).await;
    let page = ann.get(&album).await;
    let images = page_image_paths(&page, &album);
    let kept = note(
        &mut ann,
        &album,
        &[("revision", "1"), ("page", "2"), ("x", "0.5"), ("y", "0.5"), ("text", "Keep me")],
    )
    .await;
    let kept = json(&kept);
    let kept_id = kept["id"].as_str().unwrap().to_string();

    for (x, y) in [("1.5", "0.5"), ("0.5", "-0.1"), ("NaN", "0.5"), ("inf", "0.2"), ("left", "0.5")]
    {
        let refused = note(
            &mut ann,
            &album,
            &[("revision", "1"), ("page", "2"), ("x", x), ("y", y), ("text", "off the page")],
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "({x}, {y}): {}",
            refused.body
        );
        assert_eq!(json(&refused)["error"], "note_outside_page");
    }
    let moved_off =
        ann.post_json(&format!("{album}/notes/{kept_id}"), &[("revision", "1"), ("x", "2")]).await;
    assert_eq!(json(&moved_off)["error"], "note_outside_page");
    let no_page = note(
        &mut ann,
        &album,
        &[("revision", "1"), ("page", "6"), ("x", "0.5"), ("y", "0.5"), ("text", "page 6?")],
    )
    .await;
    assert_eq!(
        (no_page.status, json(&no_page)["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("album_page_not_found"))
    );
    let empty = note(
        &mut ann,
        &album,
        &[("revision", "1"), ("page", "1"), ("x", "0.5"), ("y", "0.5"), ("text", "  ")],
    )
    .await;
    assert_eq!(json(&empty)["error"], "invalid_note");
    let long = "x".repeat(2001);
    let too_long = note(
        &mut ann,
        &album,
        &[("revision", "1"), ("page", "1"), ("x", "0.5"), ("y", "0.5"), ("text", &long)],
    )
    .await;
    assert_eq!(json(&too_long)["error"], "invalid_note");
    let not_ours = note(
        &mut ann,
        &album,
        &[
            ("revision", "1"),
            ("page", "1"),
            ("x", "0.5"),
            ("y", "0.5"),
            ("text", "t"),
            ("swap", "00000000-0000-4000-8000-000000000000"),
        ],
    )
    .await;
    assert_eq!(json(&not_ours)["error"], "invalid_note");
    let forged = Visitor::new(&app.base_url);
    let no_csrf = forged
        .submit(
            &format!("{album}/notes"),
            &[("revision", "1"), ("page", "1"), ("x", "0.5"), ("y", "0.5"), ("text", "t")],
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::NOT_FOUND, "nobody signed in: no such album");
    let nothing = ann.post(&format!("{album}/send"), &[("revision", "1")]).await;
    // Ann has one note, so sending works; the refusals above left only that one.
    assert_eq!(nothing.status, StatusCode::SEE_OTHER, "{}", nothing.body);
    app.sync(library.path()).await;
    let r1: serde_json::Value =
        serde_json::from_str(&inbox_files(library.path())["albums/smith/main-r1.json"]).unwrap();
    let notes: Vec<&serde_json::Value> = r1["pages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["notes"].as_array().unwrap())
        .collect();
    assert_eq!(notes.len(), 1, "nothing refused was kept: {notes:?}");
    assert_eq!((notes[0]["text"].as_str(), notes[0]["x"].as_f64()), (Some("Keep me"), Some(0.5)));

    // Answered: every change is refused.
    let late = note(
        &mut ann,
        &album,
        &[("revision", "1"), ("page", "1"), ("x", "0.5"), ("y", "0.5"), ("text", "late")],
    )
    .await;
    assert_eq!(
        (late.status, json(&late)["error"].as_str()),
        (StatusCode::CONFLICT, Some("album_revision_answered"))
    );
    let late_move = ann
        .post_json(&format!("{album}/notes/{kept_id}"), &[("revision", "1"), ("x", "0.1")])
        .await;
    assert_eq!(late_move.status, StatusCode::CONFLICT);
    let late_delete =
        ann.post_json(&format!("{album}/notes/{kept_id}/delete"), &[("revision", "1")]).await;
    assert_eq!(late_delete.status, StatusCode::CONFLICT);
    let late_comment =
        ann.post(&format!("{album}/comments"), &[("revision", "1"), ("general", "more")]).await;
    assert_eq!(late_comment.status, StatusCode::CONFLICT);
    let twice = ann
        .post(&format!("{album}/approve"), &[("revision", "1"), ("approved_name", "Ann Smith")])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // The studio cannot change an answered revision.
    library.write("sessions/smith/albums/main/r1/002.jpg", spread(60));
    let refused = app.connector(library.path(), &["push"]).await;
    assert_eq!(refused.status.code(), Some(3), "an item failed, the rest went");
    let refused = proofroom_tests::printed(&refused);
    assert!(refused.contains("revision 1 of album \"main\" is answered by the client, so its changed pages were not sent; put the new pages in r2 and set `revision = 2`"), "{refused}");

    library.write("sessions/smith/albums/main/r1/002.jpg", spread(120));

    // Nobody else sees the album, its images or its actions: a guest, another client, nobody.
    let mut others = vec![Visitor::new(&app.base_url)];
    let mut guest = Visitor::new(&app.base_url);
    let event_id = app.event_path("smith").trim_start_matches("/events/").to_string();
    app.register_guest(
        &mut guest,
        Some(&event_id),
        "Gus Guest",
        "gus@example.com",
        "a long guest password",
    )
    .await;
    others.push(guest);
    library
        .session("jones")
        .event_type("none")
        .client(("jones", "Joe", "Jones", "joe.jones@example.com"))
        .image("Jones 01.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    let mut joe = Visitor::new(&app.base_url);
    joe.sign_in("joe.jones@example.com", "jones").await;
    others.push(joe);
    for (i, visitor) in others.iter_mut().enumerate() {
        let seen = visitor.get(&album).await;
        assert_eq!(seen.status, StatusCode::NOT_FOUND, "visitor {i}: {}", seen.body);
        for path in images.iter().chain([&format!("{album}/photos")]) {
            assert_eq!(visitor.fetch(path).await.0, StatusCode::NOT_FOUND, "visitor {i}: {path}");
        }
        for action in [
            "notes",
            &format!("notes/{kept_id}"),
            &format!("notes/{kept_id}/delete"),
            "comments",
            "send",
            "approve",
        ] {
            let tried = visitor
                .post_json(
                    &format!("{album}/{action}"),
                    &[
                        ("revision", "1"),
                        ("page", "1"),
                        ("x", "0.5"),
                        ("y", "0.5"),
                        ("text", "mine"),
                        ("approved_name", "Me"),
                    ],
                )
                .await;
            assert_eq!(
                tried.status,
                StatusCode::NOT_FOUND,
                "visitor {i}: {action}: {}",
                tried.body
            );
        }
        let mine = visitor.get("/my-events").await;
        assert!(!mine.body.contains("Wedding album"), "visitor {i}");
    }
    let event = others[1].get(&app.event_path("smith")).await;
    assert!(
        !event.body.contains("Album to review") && !event.body.contains("/albums/"),
        "the guest sees no album link"
    );
}

#[tokio::test]
async fn the_studio_replaces_pages_until_ann_answers_and_a_take_down_removes_every_page_file() {
    let app = TestApp::spawn().await;
    let library = studio_with_album(&app).await;
    let album = album_path(&app);
    let mut ann = ann(&app).await;
    let before = ann.get(&album).await;
    let old_page_2 = page_image_paths(&before, &album)
        .into_iter()
        .filter(|p| p.contains("/view.jpg"))
        .nth(1)
        .expect("page 2's image");
    note(
        &mut ann,
        &album,
        &[("revision", "1"), ("page", "2"), ("x", "0.3"), ("y", "0.3"), ("text", "Still here")],
    )
    .await;

    // Page 2 redone and page 100 dropped, same revision: replaced, the note on page 2 kept.
    library.write("sessions/smith/albums/main/r1/002.jpg", spread(40));
    library.remove("sessions/smith/albums/main/r1/100.jpg");
    let pushed = app.push(library.path()).await;
    assert!(
        pushed.contains("1 pages uploaded (") && pushed.contains("3 already on the site"),
        "{pushed}"
    );
    let again = app.push(library.path()).await;
    assert!(!again.contains("pushed album"), "an unchanged album sends nothing: {again}");
    let after = ann.get(&album).await;
    assert_eq!(page_order(&after), ["001.jpg", "002.jpg", "003.jpg", "010.jpg"]);
    assert!(after.body.contains("Still here"));
    let mails = app.emails_to("ann.smith@example.com");
    assert_eq!(
        mails.iter().filter(|m| m.subject.contains("ready for review")).count(),
        1,
        "told once"
    );
    let page_2 = page_image_paths(&after, &album);
    assert!(!page_2.contains(&old_page_2), "page 2's image is new");

    let files_in_store = |app: &TestApp| -> usize { app.stored_keys("album-pages").len() };
    assert!(files_in_store(&app) > 0);
    let taken = app.connector(library.path(), &["take-down", "smith", "--yes"]).await;
    assert!(taken.status.success(), "{}", proofroom_tests::printed(&taken));
    assert_eq!(files_in_store(&app), 0, "no album page file is left behind");
    assert_eq!(ann.get(&album).await.status, StatusCode::NOT_FOUND);
}

/// Where on the element a fraction of its width and height is, as WebDriver's pointer offsets
/// count: from the centre of the element's part in view — so it is scrolled wholly into view
/// first.
async fn offset_of(
    page: &proofroom_tests::browser::Page,
    element: &fantoccini::elements::Element,
    x: f64,
    y: f64,
) -> anyhow::Result<(f64, f64)> {
    let size = page
        .js(
            "arguments[0].scrollIntoView({block: 'center'}); \
             const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];",
            vec![serde_json::to_value(element)?],
        )
        .await?;
    let (w, h) = (size[0].as_f64().unwrap_or(0.0), size[1].as_f64().unwrap_or(0.0));
    Ok(((x - 0.5) * w, (y - 0.5) * h))
}

/// A click with the mouse at (x, y) of the page shown, as fractions, then a note typed and saved.
async fn place_note(
    page: &proofroom_tests::browser::Page,
    section: &str,
    (x, y): (f64, f64),
    text: &str,
) -> anyhow::Result<()> {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction};
    let image = page.find(&format!("{section} .page-canvas img")).await?;
    let (dx, dy) = offset_of(page, &image, x, y).await?;
    let click = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement { element: image, duration: None, x: dx, y: dy })
        .then(PointerAction::Down { button: 0 })
        .then(PointerAction::Up { button: 0 });
    page.client.perform_actions(click).await?;
    page.shown(&format!("{section} .note-editor")).await?;
    page.fill("#note-text", text).await?;
    let before = page.all(&format!("{section} .pin[data-note]")).await?.len();
    page.click("#note-save").await?;
    page.wait_for(
        "the note's pin",
        &format!(
            "return document.querySelectorAll('{section} .pin[data-note]').length === {};",
            before + 1
        ),
    )
    .await
}

#[tokio::test]
async fn ann_marks_up_the_album_with_the_mouse_sends_it_and_approves_the_next_revision() {
    use anyhow::ensure;
    use fantoccini::actions::{InputSource, MouseActions, PointerAction};
    use proofroom_tests::browser::{Page, Screen, story};

    let app = TestApp::spawn().await;
    let library = studio_with_album(&app).await;
    album_path(&app);
    let app = &app;
    story("album-desktop", &app.base_url, Screen::Desktop, |page: Page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", "/my-events").await?;
        page.press_on_text("Album to review: Wedding album").await?;
        page.heading("Wedding album").await?;
        page.says("#album-where", "Page 1 of 5").await?;
        page.axe().await?;
        // → goes to page 2 (and ← back, and → again).
        page.press(fantoccini::key::Key::Right).await?;
        page.says("#album-where", "Page 2 of 5").await?;
        page.press(fantoccini::key::Key::Left).await?;
        page.says("#album-where", "Page 1 of 5").await?;
        page.press(fantoccini::key::Key::Right).await?;
        page.shown("#page-2 .page-canvas img").await?;
        page.wait_for(
            "page 2's image",
            "const i = document.querySelector('#page-2 .page-canvas img'); return i.complete && i.naturalWidth > 0;",
        )
        .await?;

        place_note(&page, "#page-2", (0.25, 0.5), "Swap this for the photo by the lake").await?;
        place_note(&page, "#page-2", (0.6, 0.4), "Warmer, please").await?;
        page.says("#page-2 .page-notes", "Warmer, please").await?;
        page.axe().await?;
        page.snapshot("two-notes").await?;

        // Note 2 dragged to (0.8, 0.7).
        let pins = page.all("#page-2 .pin[data-note]").await?;
        let image = page.find("#page-2 .page-canvas img").await?;
        let (from_x, from_y) = offset_of(&page, &image, 0.6, 0.4).await?;
        let (to_x, to_y) = offset_of(&page, &image, 0.8, 0.7).await?;
        let drag = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement { element: pins[1].clone(), duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: 0 })
            .then(PointerAction::MoveBy { duration: Some(std::time::Duration::from_millis(100)), x: (to_x - from_x) / 2.0, y: (to_y - from_y) / 2.0 })
            .then(PointerAction::MoveBy { duration: Some(std::time::Duration::from_millis(100)), x: (to_x - from_x) / 2.0, y: (to_y - from_y) / 2.0 })
            .then(PointerAction::Up { button: 0 });
        page.client.perform_actions(drag).await?;
        page.wait_for_text("Note 2 moved.").await?;

        // A comment on page 3, then Send comments.
        page.click("#album-next").await?;
        page.says("#album-where", "Page 3 of 5").await?;
        page.fill("#comment-3", "Can the title be larger?").await?;
        page.click("#send-comments").await?;
        page.wait_for_text("your comments are with the studio").await?;
        page.axe().await?;
        ensure!(page.all("#send-comments").await?.is_empty(), "answered: read-only");
        Ok(())
    })
    .await;

    // Revision 2 arrives; Ann approves it.
    for (name, shade) in [("001.jpg", 110), ("002.jpg", 90)] {
        library.write(&format!("sessions/smith/albums/main/r2/{name}"), spread(shade));
    }
    write_session(&library, 2);
    app.push(library.path()).await;
    story("album-approve", &app.base_url, Screen::Desktop, |page: Page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", "/my-events").await?;
        page.press_on_text("Album to review: Wedding album").await?;
        page.says("#album-earlier", "Warmer, please").await?;
        page.says("#album-where", "Page 1 of 2").await?;
        page.fill("#approved-name", "Ann Smith").await?;
        page.click("#approve-button").await?;
        page.wait_for_text("Approved by Ann Smith on").await?;
        page.axe().await?;
        Ok(())
    })
    .await;

    app.sync(library.path()).await;
    let files = inbox_files(library.path());
    let r1: serde_json::Value = serde_json::from_str(&files["albums/smith/main-r1.json"]).unwrap();
    let r2: serde_json::Value = serde_json::from_str(&files["albums/smith/main-r2.json"]).unwrap();
    assert_eq!(
        (r1["decision"].as_str(), r2["decision"].as_str()),
        (Some("comments"), Some("approved"))
    );
    let page_2 = &r1["pages"][0];
    assert_eq!(page_2["page"], 2);
    let notes = page_2["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    let at = |n: &serde_json::Value| (n["x"].as_f64().unwrap(), n["y"].as_f64().unwrap());
    let near =
        |(x, y): (f64, f64), (ex, ey): (f64, f64)| (x - ex).abs() < 0.02 && (y - ey).abs() < 0.02;
    assert!(near(at(&notes[0]), (0.25, 0.5)), "note 1 where it was clicked: {:?}", at(&notes[0]));
    assert!(near(at(&notes[1]), (0.8, 0.7)), "note 2 where it was dropped: {:?}", at(&notes[1]));
    assert_eq!(r1["pages"][1]["comment"], "Can the title be larger?");
    let pinned = std::fs::read(library.path().join("inbox/albums/smith/main-r1/002.jpg")).unwrap();
    let drawn = proofroom_tests::images::decode(&pinned);
    for note in notes {
        let (x, y) = at(note);
        let (px, py) = ((x * 1600.0) as u32, (y * 800.0 + 20.0 * 0.65) as u32);
        let [r, g, b] = drawn.get_pixel(px, py).0;
        assert!(
            r > 170 && g < 90 && b < 110,
            "the pin of note {} at ({x:.3}, {y:.3}): {r},{g},{b}",
            note["number"]
        );
    }
}

#[tokio::test]
async fn on_a_360_px_phone_ann_swipes_through_the_spreads_and_puts_a_note_with_her_finger() {
    use anyhow::ensure;
    use fantoccini::actions::{InputSource, PointerAction, TouchActions};
    use proofroom_tests::browser::{Page, Screen, story};

    let app = TestApp::spawn().await;
    let _library = studio_with_album(&app).await;
    album_path(&app);
    // The narrowest phone clients have: 360 CSS pixels.
    story("album-phone", &app.base_url, Screen::SmallPhone, |page: Page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", "/my-events").await?;
        page.press_on_text("Album to review: Wedding album").await?;
        page.says("#album-where", "Page 1 of 5").await?;
        let fits = page
            .js("return document.documentElement.scrollWidth <= window.innerWidth;", vec![])
            .await?;
        ensure!(fits == serde_json::json!(true), "nothing wider than the phone's screen");
        page.swipe("#page-1 .page-canvas", -200.0).await?;
        page.says("#album-where", "Page 2 of 5").await?;
        page.swipe("#page-2 .page-canvas", 200.0).await?;
        page.says("#album-where", "Page 1 of 5").await?;
        let image = page.find("#page-1 .page-canvas img").await?;
        page.js(
            "arguments[0].scrollIntoView({block: 'center'}); return true;",
            vec![serde_json::to_value(&image)?],
        )
        .await?;
        let tap = TouchActions::new("finger".into())
            .then(PointerAction::MoveToElement { element: image, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: 0 })
            .then(PointerAction::Up { button: 0 });
        page.client.perform_actions(tap).await?;
        page.shown("#page-1 .note-editor").await?;
        page.fill("#note-text", "Crop closer").await?;
        page.tap("#note-save").await?;
        page.wait_for_text("Note 1 added to page 1.").await?;
        page.axe().await?;
        page.snapshot("phone-note").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_revision_left_unanswered_for_a_week_is_reminded_once_and_an_answered_one_never() {
    use diesel::{ExpressionMethods, RunQueryDsl};
    use proofroom_server::db::schema::album_revisions;

    let app = TestApp::builder().notice_seconds(1).spawn().await;
    let library = studio_with_album(&app).await;
    let album = album_path(&app);
    let reminders = |app: &TestApp| {
        app.emails_to("ann.smith@example.com")
            .into_iter()
            .filter(|m| m.subject.starts_with("Reminder:"))
            .collect::<Vec<_>>()
    };
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert!(reminders(&app).is_empty(), "nothing is due on the day it went online");

    // Eight days ago: past `[albums] remind_after_days`, 7 unless the studio says otherwise.
    let eight_days_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(8);
    app.with_db(|conn| {
        diesel::update(album_revisions::table)
            .set(album_revisions::ready_at.eq(eight_days_ago))
            .execute(conn)
            .unwrap()
    });
    let mut reminder = None;
    for _ in 0..200 {
        reminder = reminders(&app).into_iter().next();
        if reminder.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let reminder = reminder.expect("a reminder within 20 s");
    assert_eq!(reminder.subject, "Reminder: Wedding album is waiting for your review");
    assert!(reminder.body.contains(&album), "the link to the album: {}", reminder.body);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(reminders(&app).len(), 1, "one reminder");

    // Revision 2 is answered at once: it is never reminded.
    for name in ["001.jpg", "002.jpg"] {
        library.write(&format!("sessions/smith/albums/main/r2/{name}"), spread(70));
    }
    write_session(&library, 2);
    app.push(library.path()).await;
    let mut ann = ann(&app).await;
    ann.get(&album).await;
    let approved = ann
        .post(&format!("{album}/approve"), &[("revision", "2"), ("approved_name", "Ann Smith")])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    app.with_db(|conn| {
        diesel::update(album_revisions::table)
            .set(album_revisions::ready_at.eq(eight_days_ago))
            .execute(conn)
            .unwrap()
    });
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(reminders(&app).len(), 1, "an answered revision is not reminded");
}
