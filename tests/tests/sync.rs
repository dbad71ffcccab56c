//! `sync`: what clients did online lands in the studio's inbox, exactly once.

use std::path::Path;

use diesel::prelude::*;
use proofroom_server::db::schema::feed_items;
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, held_image_names, images, inbox_files};
use reqwest::StatusCode;

/// Ann's session (yearbook pick on) and a public event, pushed.
async fn studio() -> (TestApp, LibraryBuilder) {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("ann-none")
        .event_type("none")
        .setting("yearbook_selection = true")
        .image("a1.jpg", images::jpeg(600, 400))
        .image("a2.jpg", images::jpeg(600, 400))
        .image("a3.jpg", images::jpeg(600, 400))
        .write();
    library
        .session("fair-public")
        .event_type("public")
        .date("2026-06-14")
        .image("p1, the view.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    (app, library)
}

/// Ann hearts two photos (one with a note) and picks her yearbook photo; a visitor of the
/// public event registers and hearts its photo.
async fn clients_act(app: &TestApp) {
    let event = app.event_path("ann-none");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let photos = ann.get(&event).await.links(&format!("{event}/photos/"));
    assert_eq!(photos.len(), 3);
    for photo in &photos[..2] {
        ann.get(photo).await;
        ann.post(&format!("{photo}/favorite"), &[("on", "1")]).await;
    }
    ann.get(&photos[0]).await;
    ann.post(&format!("{}/note", photos[0]), &[("note", "Print this one large")]).await;
    let third = photos[2].rsplit('/').next().unwrap();
    ann.post(&format!("{event}/yearbook"), &[("image_id", third)]).await;

    let public = app.event_path("fair-public");
    let mut gran = Visitor::new(&app.base_url);
    let registered = app
        .register_guest(
            &mut gran,
            Some(&public[8..]),
            "Gran Smith",
            "gran@example.com",
            "knitting123",
        )
        .await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER);
    let photo = gran.get(&public).await.links(&format!("{public}/photos/")).remove(0);
    gran.get(&photo).await;
    gran.post(&format!("{photo}/favorite"), &[("on", "1")]).await;
}

#[tokio::test]
async fn what_clients_did_lands_in_the_inbox_once_even_when_fetched_again() {
    let (app, library) = studio().await;
    clients_act(&app).await;
    assert_eq!(app.feed_waiting(), 4, "a guest, two events' favorites, a yearbook pick");

    let printed = app.sync(library.path()).await;
    assert!(printed.contains("pulled 4 items"), "{printed}");
    let first = inbox_files(library.path());
    let ann = &first["favorites/ann-none.txt"];
    assert!(
        ann.contains("## Ann Smith <ann.smith@example.com> (client C-1042), 2 favorites"),
        "{ann}"
    );
    assert!(ann.contains("\na1.jpg\na2.jpg\n"), "{ann}");
    assert!(ann.contains("Lightroom text filter: a1.jpg, a2.jpg"), "{ann}");
    assert!(first["favorites/ann-none.json"].contains("Print this one large"));
    assert!(first["favorites/fair-public.txt"].contains("Gran Smith <gran@example.com> (guest"));
    assert!(first["favorites/fair-public.txt"].contains("\np1, the view.jpg\n"));
    assert!(first["yearbook/ann-none.json"].contains("\"file_name\": \"a3.jpg\""));
    let guests: Vec<&str> = first["guests.csv"].lines().collect();
    assert_eq!(guests.len(), 2, "a header and Gran: {guests:?}");
    assert!(guests[1].contains(",Gran Smith,gran@example.com,fair-public,"), "{guests:?}");
    assert_eq!(first.keys().filter(|k| k.starts_with("guests/")).count(), 1);
    let tasks: Vec<&str> = first["tasks.csv"].lines().collect();
    assert_eq!(tasks.len(), 5, "a header and one line per item: {tasks:?}");
    assert!(tasks.iter().any(|t| t.contains("Yearbook image picked by Ann Smith: a3.jpg")));
    assert!(!first.keys().any(|k| k.contains(".tmp")), "no temporary file left: {first:?}");
    assert_eq!(app.feed_waiting(), 0, "each item acknowledged");

    // The connector died after writing but before the server heard, and its state was lost:
    // everything comes again, and is written again to the same files — no second copy.
    app.with_db(|conn| {
        diesel::update(feed_items::table)
            .set(feed_items::downloaded_at.eq(None::<chrono::NaiveDateTime>))
            .execute(conn)
            .unwrap()
    });
    std::fs::remove_dir_all(library.path().join(".proofroom")).unwrap();
    app.sync(library.path()).await;
    assert_eq!(inbox_files(library.path()), first);
    assert_eq!(app.feed_waiting(), 0);

    // Nothing new: nothing moves.
    let printed = app.sync(library.path()).await;
    assert!(printed.contains("pulled 0 items"), "{printed}");
    assert_eq!(inbox_files(library.path()), first);

    // Ann takes a heart back: her list says so, with one new task line.
    let event = app.event_path("ann-none");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let second = ann.get(&event).await.links(&format!("{event}/photos/")).remove(1);
    ann.get(&second).await;
    ann.post(&format!("{second}/favorite"), &[("on", "0")]).await;
    app.sync(library.path()).await;
    let now = inbox_files(library.path());
    assert!(
        now["favorites/ann-none.txt"]
            .contains("1 favorites\na1.jpg\nLightroom text filter: a1.jpg\n")
    );
    assert_eq!(now["tasks.csv"].lines().count(), 6);

    let logs = tokio::process::Command::new(proofroom_tests::connector_binary())
        .args(["logs", "--last", "2", "--library"])
        .arg(library.path())
        .output()
        .await
        .unwrap();
    let logs = String::from_utf8_lossy(&logs.stdout).to_string();
    assert_eq!(logs.matches(": ok\n").count(), 2, "{logs}");
    assert!(logs.contains("pulled 1 items: 0 orders, 0 guests, 1 favorites"), "{logs}");
}

#[tokio::test]
async fn the_feed_keeps_one_item_per_change_and_forgets_what_was_taken_down() {
    let (app, library) = studio().await;
    let event = app.event_path("ann-none");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let photos = ann.get(&event).await.links(&format!("{event}/photos/"));
    for _ in 0..5 {
        for photo in &photos {
            ann.get(photo).await;
            ann.post(&format!("{photo}/favorite"), &[("on", "1")]).await;
            ann.post(&format!("{photo}/favorite"), &[("on", "0")]).await;
        }
    }
    assert_eq!(app.feed_waiting(), 1, "thirty changes of one event's favorites, one item");
    let page = app.get_json("/api/v1/feed?after=0").await;
    assert_eq!(page["waiting"], 1);
    assert_eq!(page["items"][0]["kind"], "favorites");
    assert_eq!(page["items"][0]["people"], serde_json::json!([]), "every heart taken back");
    let seq = page["items"][0]["seq"].as_i64().unwrap();
    for expected in [1, 0] {
        let answer: serde_json::Value = app
            .api(reqwest::Method::POST, "/api/v1/feed/ack")
            .json(&serde_json::json!({ "seqs": [seq] }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["acknowledged"], expected, "a second acknowledgement changes nothing");
    }
    let refused = app.http.get(app.url("/api/v1/feed")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "the feed needs the studio token");

    // Ann hearts again, then the studio takes the session down before the connector pulls.
    ann.get(&photos[0]).await;
    ann.post(&format!("{}/favorite", photos[0]), &[("on", "1")]).await;
    let taken_down = app.api(reqwest::Method::DELETE, "/api/v1/sessions/ann-none").send().await;
    assert!(taken_down.unwrap().status().is_success());
    let printed = app.sync(library.path()).await;
    assert!(printed.contains("pulled 0 items"), "{printed}");
    assert!(!library.path().join("inbox/favorites/ann-none.txt").exists());
    assert_eq!(app.feed_waiting(), 0, "the gone item is acknowledged, not offered forever");
}

async fn status(app: &TestApp, library: &Path) -> String {
    let output = app.connector(library, &["status"]).await;
    let printed = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "status failed ({}):\n{printed}", output.status);
    printed
}

#[tokio::test]
async fn status_shows_the_last_sync_what_waits_and_what_expires_soon() {
    let (app, library) = studio().await;
    let before = status(&app, library.path()).await;
    assert!(before.contains("last sync: never"), "{before}");
    assert!(before.contains("waiting on the server: 0 client actions"), "{before}");
    assert!(before.contains("online: 2 sessions, 4 images hosted"), "{before}");
    assert!(before.contains("expiring within 7 days: none"), "{before}");

    clients_act(&app).await;
    let soon = chrono::Utc::now().date_naive() + chrono::Duration::days(3);
    app.with_db(|conn| {
        use proofroom_server::db::schema::events;
        diesel::update(events::table.filter(events::studio_session_id.eq("fair-public")))
            .set(events::expires_on.eq(soon))
            .execute(conn)
            .unwrap()
    });
    let waiting = status(&app, library.path()).await;
    assert!(waiting.contains("waiting on the server: 4 client actions"), "{waiting}");
    assert!(
        waiting.contains(&format!("  fair-public (Session fair-public): expires {soon}")),
        "{waiting}"
    );

    app.sync(library.path()).await;
    let after = status(&app, library.path()).await;
    assert!(after.contains(" UTC, ok\n"), "{after}");
    assert!(after.contains("pulled 4 items"), "{after}");
    assert!(after.contains("waiting on the server: 0 client actions"), "{after}");
}

#[tokio::test]
async fn the_studio_resets_a_login_and_takes_down_expired_sessions_from_the_connector() {
    let (app, library) = studio().await;
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    ann.get("/account").await;
    ann.post(
        "/account",
        &[
            ("user_name", "AnnS"),
            ("password", "long enough pw"),
            ("password_again", "long enough pw"),
        ],
    )
    .await;
    let mut again = Visitor::new(&app.base_url);
    assert_eq!(
        again.sign_in("ann.smith@example.com", "Smith").await.status,
        StatusCode::UNAUTHORIZED
    );
    let reset = app.connector(library.path(), &["reset-login", "C-1042"]).await;
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));
    assert_eq!(again.sign_in("ann.smith@example.com", "Smith").await.status, StatusCode::SEE_OTHER);
    let unknown = app.connector(library.path(), &["reset-login", "C-9999"]).await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no client with that id"));

    app.with_db(|conn| {
        use proofroom_server::db::schema::events;
        diesel::update(events::table.filter(events::studio_session_id.eq("fair-public")))
            .set(events::expires_on.eq(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()))
            .execute(conn)
            .unwrap()
    });
    // Not at a terminal and no --yes: it lists, asks for --yes and removes nothing.
    let asked = app.connector(library.path(), &["take-down", "--expired"]).await;
    assert_eq!(asked.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&asked.stdout)
            .contains("fair-public (Session fair-public): expired 2020-01-01")
    );
    assert!(String::from_utf8_lossy(&asked.stderr).contains("--yes"));
    let online = app.get_json("/api/v1/sessions").await;
    assert_eq!(online["sessions"].as_array().unwrap().len(), 2);

    let done = app.connector(library.path(), &["take-down", "--expired", "--yes"]).await;
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(String::from_utf8_lossy(&done.stdout).contains("removed fair-public"));
    assert_eq!(app.online_session_ids().await, ["ann-none"]);
    assert!(
        library.path().join("sessions/fair-public/session.toml").exists(),
        "the library is kept"
    );
}

/// Runs the connector; answers its exit code and what it printed.
async fn run(app: &TestApp, library: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = app.connector(library, args).await;
    (output.status.code(), proofroom_tests::printed(&output))
}

#[tokio::test]
async fn a_dry_run_says_what_would_move_and_only_moves_what_is_named() {
    let (app, library) = studio().await;
    clients_act(&app).await;
    library.write("sessions/ann-none/a4.jpg", images::jpeg(600, 400));

    let (code, said) = run(&app, library.path(), &["sync", "--dry-run"]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("would send sessions/ann-none/session.toml"), "{said}");
    assert!(said.contains("would upload sessions/ann-none/a4.jpg ("), "{said}");
    assert!(said.contains("would push 2 sessions: 1 images to upload"), "{said}");
    assert!(
        said.contains(
            "waiting on the server to be pulled: 4 (0 album, 0 contract, 2 favorites, 0 favorites_sent, 1 guest, 0 order, 0 prepaid, 1 yearbook)"
        ),
        "{said}"
    );
    assert!(said.contains("dry run: nothing was sent or pulled"), "{said}");
    // Nothing moved, and a dry run is not a run of the log.
    assert_eq!(held_image_names(&app.get_json("/api/v1/sessions/ann-none/images").await).len(), 3);
    assert_eq!(app.feed_waiting(), 4);
    assert!(!library.path().join("inbox").exists());
    let (_, logs) = logs(library.path()).await;
    assert!(logs.contains("no sync has run yet"), "{logs}");

    let (code, said) = run(&app, library.path(), &["sync", "--only", "guests"]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("pulled 1 items: 0 orders, 1 guests, 0 favorites, 0 yearbook picks"),
        "{said}"
    );
    assert!(inbox_files(library.path()).contains_key("guests.csv"));
    assert!(!inbox_files(library.path()).contains_key("favorites/ann-none.txt"));
    assert_eq!(held_image_names(&app.get_json("/api/v1/sessions/ann-none/images").await).len(), 3);
    assert_eq!(app.feed_waiting(), 3, "the rest waits");

    let (code, said) = run(&app, library.path(), &["sync", "--only", "sessions,favorites"]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("uploaded sessions/ann-none/a4.jpg"), "{said}");
    assert!(said.contains("pulled 2 items: 0 orders, 0 guests, 2 favorites"), "{said}");
    assert_eq!(held_image_names(&app.get_json("/api/v1/sessions/ann-none/images").await).len(), 4);
    assert_eq!(app.feed_waiting(), 1, "the yearbook pick waits");

    let (code, said) =
        run(&app, library.path(), &["sync", "--only", "orders,prepaid,contracts,albums"]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("pulled 0 items: 0 orders"), "{said}");
    assert!(!said.contains("not part of this version"), "contracts and albums move now: {said}");
    assert_eq!(app.feed_waiting(), 1);

    let (code, said) = run(&app, library.path(), &["sync", "--only", "photos"]).await;
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("invalid value 'photos'") && said.contains("album-feedback"), "{said}");

    let said = app.sync(library.path()).await;
    assert!(
        said.contains("pulled 1 items: 0 orders, 0 guests, 0 favorites, 1 yearbook picks"),
        "{said}"
    );
}

async fn logs(library: &Path) -> (Option<i32>, String) {
    let output = tokio::process::Command::new(proofroom_tests::connector_binary())
        .args(["logs", "--library"])
        .arg(library)
        .output()
        .await
        .unwrap();
    (output.status.code(), proofroom_tests::printed(&output))
}

fn expires_on(app: &TestApp, session: &str) -> chrono::NaiveDate {
    use proofroom_server::db::schema::events;
    app.with_db(|conn| {
        events::table
            .filter(events::studio_session_id.eq(session))
            .select(events::expires_on)
            .first(conn)
            .unwrap()
    })
}

#[tokio::test]
async fn extend_and_expire_move_the_gallery_and_the_next_push_keeps_the_date() {
    let (app, library) = studio().await;
    let today = app.studio_today();
    let first = expires_on(&app, "ann-none");
    assert_eq!(first, today + chrono::Duration::days(30), "days_active = 30");

    let (code, said) = run(&app, library.path(), &["extend", "ann-none", "--days", "10"]).await;
    assert_eq!(code, Some(0), "{said}");
    let extended = first + chrono::Duration::days(10);
    assert!(said.contains(&format!("ann-none is online until {extended}")), "{said}");
    app.push(library.path()).await;
    assert_eq!(expires_on(&app, "ann-none"), extended, "a push keeps the extension");

    let (code, said) = run(&app, library.path(), &["expire", "ann-none"]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("has expired"), "{said}");
    let event = app.event_path("ann-none");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let page = ann.get(&event).await;
    assert!(page.body.contains("This gallery has expired"), "{}", page.body);
    assert!(status(&app, library.path()).await.contains("ann-none (Session ann-none): expired"));

    let until = today + chrono::Duration::days(45);
    let (code, said) =
        run(&app, library.path(), &["extend", "ann-none", "--until", &until.to_string()]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(!ann.get(&event).await.body.contains("This gallery has expired"));
    assert_eq!(expires_on(&app, "ann-none"), until);

    // Bad requests say what is wrong and change nothing.
    let far = (today + chrono::Duration::days(4000)).to_string();
    let (code, said) = run(&app, library.path(), &["extend", "ann-none", "--until", &far]).await;
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("more than ten years away"), "{said}");
    let (code, said) = run(&app, library.path(), &["extend", "nobody", "--days", "3"]).await;
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("There is no session \"nobody\" online"), "{said}");
    let (code, said) = run(&app, library.path(), &["extend", "ann-none"]).await;
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("--days"), "{said}");
    assert_eq!(expires_on(&app, "ann-none"), until);

    // The studio changes days_active itself: that is the newer word.
    let manifest = library.file("sessions/ann-none/session.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("days_active = 30", "days_active = 60")).unwrap();
    app.push(library.path()).await;
    assert_eq!(expires_on(&app, "ann-none"), today + chrono::Duration::days(60));
}

#[tokio::test]
async fn the_daemon_syncs_at_once_runs_alone_and_stops_cleanly_on_sigterm() {
    let (app, library) = studio().await;
    clients_act(&app).await;
    let mut daemon = tokio::process::Command::new(proofroom_tests::connector_binary())
        .args(["run", "--progress", "plain", "--library"])
        .arg(library.path())
        .arg("--server")
        .arg(&app.base_url)
        .env("PROOFROOM_TOKEN", &app.token)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..300 {
        if app.feed_waiting() == 0 && inbox_files(library.path()).contains_key("guests.csv") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.feed_waiting(), 0, "the first sync runs at once");

    let (code, said) = run(&app, library.path(), &["run"]).await;
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("a connector is already running") && said.contains("pid"), "{said}");
    // Between the daemon's syncs a manual sync goes ahead.
    app.sync(library.path()).await;

    let pid = daemon.id().unwrap() as i32;
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), daemon.wait())
        .await
        .expect("stops within 10 s")
        .unwrap();
    assert!(stopped.success(), "a clean stop: {stopped}");
    let mut out = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut daemon.stdout.take().unwrap(), &mut out)
        .await
        .unwrap();
    assert!(out.contains("every 15 minutes"), "{out}");
    assert!(out.contains("sync ok: pushed 2 sessions"), "{out}");
    assert!(out.contains(" stopped"), "{out}");
    let (_, logs) = logs(library.path()).await;
    assert_eq!(logs.matches(": ok\n").count(), 2, "the daemon's sync and the manual one: {logs}");
}

#[tokio::test]
async fn unchanged_files_are_known_by_size_and_time_and_an_unchanged_session_is_not_resent() {
    use proofroom_server::db::schema::events;
    let (app, library) = studio().await;
    let updated = |app: &TestApp| -> chrono::NaiveDateTime {
        app.with_db(|conn| {
            events::table
                .filter(events::studio_session_id.eq("ann-none"))
                .select(events::updated_at)
                .first(conn)
                .unwrap()
        })
    };
    let before = updated(&app);
    let said = app.sync(library.path()).await;
    assert!(said.contains("pushed 2 sessions: 0 images uploaded, 4 unchanged"), "{said}");
    assert_eq!(updated(&app), before, "an unchanged session is not sent again");

    // Other bytes of the same length, with the old modification time: the connector trusts
    // size and time and does not read the file. (A file changed in the last seconds is always
    // read: its mtime may not have ticked yet. This one is an hour old.)
    let photo = library.file("sessions/ann-none/a1.jpg");
    let stamp = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&photo).unwrap().set_modified(stamp).unwrap();
    app.sync(library.path()).await;
    let length = std::fs::metadata(&photo).unwrap().len() as usize;
    // Another photo, padded after its end-of-image marker to the same length.
    let mut other = images::grey_jpeg(600, 400);
    assert!(other.len() < length);
    other.resize(length, 0);
    std::fs::write(&photo, &other).unwrap();
    std::fs::File::options().write(true).open(&photo).unwrap().set_modified(stamp).unwrap();
    let said = app.sync(library.path()).await;
    assert!(said.contains("0 images uploaded, 4 unchanged"), "not read: {said}");

    // A new modification time: read, hashed, and sent because the bytes differ.
    let later = stamp + std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(&photo).unwrap().set_modified(later).unwrap();
    let said = app.sync(library.path()).await;
    assert!(said.contains("uploaded sessions/ann-none/a1.jpg"), "{said}");
}

#[tokio::test]
async fn status_names_sessions_online_that_the_library_no_longer_publishes() {
    let (app, library) = studio().await;
    let manifest = library.file("sessions/fair-public/session.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("publish = true", "publish = false")).unwrap();
    let said = app.sync(library.path()).await;
    assert!(said.contains("it is online from an earlier push"), "{said}");

    let panel = status(&app, library.path()).await;
    assert!(panel.contains("online but no longer published by the library:"), "{panel}");
    assert!(
        panel.contains("fair-public (Session fair-public): still online, but publish = false"),
        "{panel}"
    );
    std::fs::remove_dir_all(library.file("sessions/ann-none")).unwrap();
    let panel = status(&app, library.path()).await;
    assert!(
        panel.contains("ann-none (Session ann-none): still online, but its folder is gone"),
        "{panel}"
    );
    assert_eq!(app.get_json("/api/v1/sessions").await["sessions"].as_array().unwrap().len(), 2);

    let (code, said) =
        run(&app, library.path(), &["take-down", "fair-public", "ann-none", "--yes"]).await;
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("removed fair-public") && said.contains("removed ann-none"), "{said}");
    let panel = status(&app, library.path()).await;
    assert!(!panel.contains("no longer published"), "{panel}");
    let (code, said) = run(&app, library.path(), &["take-down", "nobody", "--yes"]).await;
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("not online: nobody"), "{said}");
}
