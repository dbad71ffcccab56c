//! A studio publishes its library with the real connector binary and visitors see the result.

use proofroom_tests::{LibraryBuilder, TestApp, images};
use reqwest::StatusCode;

/// Every `attr="…"` value in the page that starts with `prefix`.
fn links(html: &str, prefix: &str) -> Vec<String> {
    html.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &html[i..];
            // Ends at the attribute's quote, or at the width of a `srcset` entry.
            rest.find(['"', ' ', ',']).map(|end| rest[..end].to_string())
        })
        .collect()
}

#[tokio::test]
async fn a_second_push_of_an_unchanged_library_sends_no_image() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("2026-0412")
        .image("IMG_0001.jpg", images::jpeg(1600, 1067))
        .image("IMG_0002.jpg", images::jpeg(1067, 1600))
        .write();
    library
        .session("2026-0503")
        .event_type("private")
        .event_code("GALA26")
        .image("gala.png", images::png(900, 600))
        .write();

    let first = app.push(library.path()).await;
    assert!(first.contains("3 images uploaded"), "{first}");
    let sessions_after_first = app.get_json("/api/v1/sessions").await;
    let listing_after_first = app.get_json("/api/v1/sessions/2026-0412/images").await;
    assert_eq!(
        proofroom_tests::held_image_names(&listing_after_first),
        ["IMG_0001.jpg", "IMG_0002.jpg"]
    );

    let bodies_read = || app.gallery.upload_bodies_read.load(std::sync::atomic::Ordering::Relaxed);
    let bodies_after_first = bodies_read();
    let second = app.push(library.path()).await;
    assert!(second.contains("0 images uploaded"), "{second}");
    assert_eq!(bodies_read(), bodies_after_first, "no image body was sent again");
    assert!(second.contains("3 unchanged"), "{second}");
    assert_eq!(app.get_json("/api/v1/sessions").await, sessions_after_first);
    assert_eq!(app.get_json("/api/v1/sessions/2026-0412/images").await, listing_after_first);

    // One changed file goes up alone; a removed one comes down.
    library.write("sessions/2026-0412/IMG_0002.jpg", images::jpeg(1000, 1500));
    library.remove("sessions/2026-0412/IMG_0001.jpg");
    let third = app.push(library.path()).await;
    assert!(third.contains("1 images uploaded") || third.contains("1 image uploaded"), "{third}");
    assert_eq!(bodies_read(), bodies_after_first + 1, "only the changed image was sent");
    let listing = app.get_json("/api/v1/sessions/2026-0412/images").await;
    assert_eq!(proofroom_tests::held_image_names(&listing), ["IMG_0002.jpg"]);
    assert_eq!(listing["images"][0]["sha256"], images::sha256(&images::jpeg(1000, 1500)));
}

#[tokio::test]
async fn any_file_name_round_trips() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    let names = [
        "Family #2 & co.jpg",
        "IMG 0001 (1).jpg",
        "a@b$c+d%20e.jpg",
        "Été au lac 🌅.jpg",
        "日本の夏.JPG",
    ];
    let mut session = library.session("names");
    for name in names {
        session = session.image(name, images::jpeg(400, 300));
    }
    session.write();
    app.push(library.path()).await;

    let mut held =
        proofroom_tests::held_image_names(&app.get_json("/api/v1/sessions/names/images").await);
    held.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(held, expected);

    let home = app.page("/").await;
    let event = links(&home, "/events/").into_iter().next().expect("public event listed");
    let page = app.page(&event).await;
    assert!(page.contains("alt=\"Family #2 &amp; co.jpg\""), "names are shown escaped");
    assert!(page.contains("alt=\"Été au lac 🌅.jpg\""));
}

#[tokio::test]
async fn visitors_see_public_events_with_watermarked_upright_proofs_and_no_metadata() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("fair")
        .image("grey.jpg", images::grey_jpeg(3000, 2000))
        .image("rotated.jpg", images::jpeg_with_exif(1200, 800, 6))
        .write();
    library
        .session("gala")
        .event_type("private")
        .event_code("GALA26")
        .image("secret.jpg", images::jpeg(800, 600))
        .write();
    app.push(library.path()).await;

    let home = app.page("/").await;
    assert!(home.contains("Maple Lane Photography"));
    let events = links(&home, "/events/");
    assert_eq!(events.len(), 1, "only the public event is listed: {events:?}");
    assert!(home.contains("Session fair") && !home.contains("Session gala"));

    let page = app.page(&events[0]).await;
    let thumbs = links(&page, "/images/");
    assert!(thumbs.len() >= 4, "a thumb and a proof link per image: {thumbs:?}");
    let proof_of = |name: &str| {
        let i = page.find(&format!("alt=\"{name}\"")).expect("image on the page");
        let before = &page[..i];
        let href = before.rfind("data-proof=\"/images/").expect("proof link");
        let rest = &before[href + 12..];
        rest[..rest.find('"').unwrap()].to_string()
    };

    // The grey photo's proof carries the watermark in its middle and nothing in its corners.
    let (status, grey) = app.bytes(&proof_of("grey.jpg")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!images::has_exif(&grey));
    let proof = images::decode(&grey);
    assert_eq!((proof.width(), proof.height()), (2048, 1365));
    let differs = |x: u32, y: u32| {
        let p = proof.get_pixel(x, y);
        p.0.iter().any(|&c| (c as i32 - 128).abs() > 24)
    };
    let centre_marked = (0..200).any(|i| differs(824 + i * 2, 682));
    assert!(centre_marked, "the watermark shows in the centre");
    assert!(!differs(10, 10) && !differs(2037, 1354), "corners stay grey");

    // EXIF orientation 6 (rotate 90° clockwise): served upright, the red corner now top-right.
    let (_, rotated) = app.bytes(&proof_of("rotated.jpg")).await;
    assert!(!images::has_exif(&rotated), "no EXIF, no GPS in what is served");
    let upright = images::decode(&rotated);
    assert_eq!((upright.width(), upright.height()), (800, 1200));
    let top_right = upright.get_pixel(upright.width() - 20, 20);
    assert!(top_right[0] > 150 && top_right[1] < 90, "red corner at top-right: {top_right:?}");

    // Thumbnails too: small, clean, cached by content.
    let thumb_url = links(&page, "/images/").into_iter().find(|u| u.contains("/thumb/")).unwrap();
    let response = app.http.get(app.url(&thumb_url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let etag = response.headers()["etag"].clone();
    let thumb = response.bytes().await.unwrap();
    assert!(!images::has_exif(&thumb));
    let t = images::decode(&thumb);
    assert!(t.width().max(t.height()) <= 400);
    let again =
        app.http.get(app.url(&thumb_url)).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

/// The event id and image ids the server gave a studio session.
fn ids_of(app: &TestApp, session: &str) -> (String, Vec<String>) {
    use diesel::prelude::*;
    use proofroom_server::db::schema::images;
    app.with_db(|conn| {
        let event = proofroom_server::events::publish::find_by_studio_id(conn, session)
            .unwrap()
            .expect("the session is online");
        let image_ids: Vec<proofroom_server::db::ImageId> = images::table
            .filter(images::event_id.eq(&event.id))
            .select(images::id)
            .load(conn)
            .unwrap();
        (event.id.to_string(), image_ids.iter().map(ToString::to_string).collect())
    })
}

#[tokio::test]
async fn private_events_and_their_images_stay_hidden_until_access_arrives() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("gala")
        .event_type("private")
        .event_code("GALA26")
        .image("a.jpg", images::jpeg(400, 300))
        .write();
    library.session("family").event_type("none").image("b.jpg", images::jpeg(400, 300)).write();
    library.session("fair").image("c.jpg", images::jpeg(400, 300)).write();
    app.push(library.path()).await;

    for session in ["gala", "family"] {
        let (event_id, image_ids) = ids_of(&app, session);
        let response = app.http.get(app.url(&format!("/events/{event_id}"))).send().await.unwrap();
        // A private event asks for its code; a client-only one asks to sign in (its client
        // may be on another device), and shows nothing of it.
        let (status, words) = if session == "gala" {
            (StatusCode::FORBIDDEN, "Enter the event code")
        } else {
            (StatusCode::OK, "Sign in")
        };
        assert_eq!(response.status(), status, "{session} page");
        if session == "family" {
            assert_eq!(response.url().path(), "/login", "a visitor is sent to sign in");
        }
        let body = response.text().await.unwrap();
        assert!(body.contains(words), "a friendly page");
        assert!(!body.contains("/images/"), "no image on it");
        for kind in ["thumb", "proof", "master"] {
            let (status, body) =
                app.bytes(&format!("/images/{}/{kind}/0000000000000000.jpg", image_ids[0])).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{session} {kind}");
            assert!(image::load_from_memory(&body).is_err(), "no image bytes leak");
        }
    }
    // The public event's clean master is never served either.
    let (_, fair_images) = ids_of(&app, "fair");
    let (status, _) =
        app.bytes(&format!("/images/{}/master/0000000000000000.jpg", fair_images[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.bytes("/events/not-a-uuid").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_expired_gallery_says_so_and_serves_no_image() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("fair").image("a.jpg", images::jpeg(400, 300)).write();
    app.push(library.path()).await;
    let home = app.page("/").await;
    let event = links(&home, "/events/").pop().unwrap();
    let thumb = links(&app.page(&event).await, "/images/").pop().unwrap();
    assert_eq!(app.bytes(&thumb).await.0, StatusCode::OK);

    app.with_db(|conn| {
        use diesel::prelude::*;
        use proofroom_server::db::schema::events;
        let past = chrono::NaiveDate::from_ymd_opt(2020, 1, 31).unwrap();
        diesel::update(events::table).set(events::expires_on.eq(past)).execute(conn).unwrap();
    });
    // Edited behind the server's back: drop what it remembers, as a studio change would.
    app.catalog_changed();
    let response = app.http.get(app.url(&event)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    let page = response.text().await.unwrap();
    assert!(page.contains("This gallery has expired — contact Maple Lane Photography"), "{page}");
    assert!(!page.contains("/images/"), "no image on the page");
    assert_eq!(app.bytes(&thumb).await.0, StatusCode::GONE, "nor by its old address");
    assert!(!app.page("/").await.contains(&event), "no longer listed");
}

#[tokio::test]
async fn photos_sharing_their_bytes_survive_when_one_changes_or_goes() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    let class_photo = images::jpeg(1200, 800);
    library
        .session("anna")
        .image("class.jpg", class_photo.clone())
        .image("own.jpg", images::jpeg(900, 600))
        .write();
    library.session("ben").image("class.jpg", class_photo.clone()).write();
    library.session("cleo").image("class copy.jpg", class_photo).write();
    app.push(library.path()).await;

    // Anna's copy changes, Ben's session is taken down: Cleo's identical photo stays whole.
    library.write("sessions/anna/class.jpg", images::jpeg(1000, 800));
    app.push(library.path()).await;
    let taken_down = app.api(reqwest::Method::DELETE, "/api/v1/sessions/ben").send().await.unwrap();
    assert_eq!(taken_down.status(), StatusCode::NO_CONTENT);

    let (_, cleo_images) = ids_of(&app, "cleo");
    use diesel::prelude::*;
    use proofroom_server::db::schema::image_derivatives;
    let keys: Vec<String> = app.with_db(|conn| {
        image_derivatives::table
            .filter(
                image_derivatives::image_id
                    .eq(&proofroom_server::db::ImageId::from_stored(cleo_images[0].clone())),
            )
            .select(image_derivatives::store_key)
            .load(conn)
            .unwrap()
    });
    assert_eq!(keys.len(), 4, "master, proof, middle size and thumb");
    for key in keys {
        assert!(app.stored(&key).is_some(), "{key} still stored");
    }
}

#[tokio::test]
async fn a_logo_that_is_also_the_watermark_can_be_replaced() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    let mark = images::png(300, 100);
    library.write("branding/mark.png", &mark);
    let studio = proofroom_tests::library::STUDIO_TOML.replace(
        "text = \"PROOF\"\nposition = \"center\"\nopacity = 0.5",
        "image = \"branding/mark.png\"\nposition = \"bottom-right\"\nopacity = 0.6",
    );
    library.write("studio.toml", format!("logo = \"branding/mark.png\"\n{studio}"));
    library.session("s").image("a.jpg", images::jpeg(800, 600)).write();
    app.push(library.path()).await;

    library.write("branding/new-logo.png", images::png(400, 100));
    library.write("studio.toml", format!("logo = \"branding/new-logo.png\"\n{studio}"));
    library.write("sessions/s/b.jpg", images::jpeg(800, 600));
    let output = app.push(library.path()).await;
    assert!(
        output.contains("1 images uploaded"),
        "the new photo is watermarked and stored: {output}"
    );
    let listing = app.get_json("/api/v1/sessions/s/images").await;
    assert_eq!(listing["images"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_watermark_re_renders_every_proof() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("fair").image("grey.jpg", images::grey_jpeg(1200, 800)).write();
    app.push(library.path()).await;
    let home = app.page("/").await;
    let event = links(&home, "/events/").pop().unwrap();
    let before = links(&app.page(&event).await, "/images/");

    let studio =
        proofroom_tests::library::STUDIO_TOML.replace("text = \"PROOF\"", "text = \"SAMPLE\"");
    library.write("studio.toml", studio.replace("position = \"center\"", "position = \"tiled\""));
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    let after = links(&app.page(&event).await, "/images/");
    assert_eq!(before.len(), after.len());
    assert_ne!(before, after, "new proof and thumb URLs");
    let tiled =
        images::decode(&app.bytes(after.iter().find(|u| u.contains("/proof/")).unwrap()).await.1);
    let marked = |x0: u32, y0: u32| {
        (0..100).any(|i| {
            let p = tiled.get_pixel(x0 + i, y0);
            p.0.iter().any(|&c| (c as i32 - 128).abs() > 24)
        }) || (0..100).any(|i| {
            let p = tiled.get_pixel(x0, y0 + i);
            p.0.iter().any(|&c| (c as i32 - 128).abs() > 24)
        })
    };
    let regions = [(100, 100), (700, 100), (100, 500), (700, 500)];
    let hits = regions.iter().filter(|(x, y)| marked(*x, *y)).count();
    assert!(hits >= 2, "a tiled mark covers several regions (hit {hits} of 4)");
}

#[tokio::test]
async fn a_bad_manifest_names_its_file_line_and_field_and_holds_back_only_that_session() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("good").image("a.jpg", images::jpeg(400, 300)).write();
    library.session("bad").image("b.jpg", images::jpeg(400, 300)).write();
    let manifest = std::fs::read_to_string(library.file("sessions/bad/session.toml")).unwrap();
    library.write(
        "sessions/bad/session.toml",
        manifest.replace("days_active = 30", "days_active = \"thirty\""),
    );

    let output = app.connector(library.path(), &["push"]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let all = format!("{stdout}{stderr}");
    assert_eq!(output.status.code(), Some(3), "partial failure: {all}");
    assert!(all.contains("sessions/bad/session.toml"), "names the file: {all}");
    assert!(all.contains(":3") || all.contains("line 3"), "names the line: {all}");
    assert!(all.contains("days_active"), "names the field: {all}");

    assert_eq!(app.online_session_ids().await, ["good"], "nothing of the bad session went up");
}

#[tokio::test]
async fn the_servers_refusal_reaches_the_studio_in_plain_words() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("s")
        .price_list(Some("wedding-2026"))
        .image("a.jpg", images::jpeg(400, 300))
        .write();
    let output = app.connector(library.path(), &["push"]).await;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success());
    assert!(all.contains("wedding-2026"), "the unknown price list is named: {all}");
    assert_eq!(app.get_json("/api/v1/sessions").await["sessions"], serde_json::json!([]));
}

#[tokio::test]
async fn an_image_the_server_refuses_is_named_and_the_rest_still_goes() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("s")
        .image("good.jpg", images::jpeg(400, 300))
        .image("Family #2 & co.jpg", images::svg())
        .write();
    let output = app.connector(library.path(), &["push", "--progress", "plain"]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "partial failure: {stdout}{stderr}");
    assert!(stderr.contains("uploaded sessions/s/good.jpg"), "{stderr}");
    assert!(stderr.contains("sessions/s/Family #2 & co.jpg"), "{stderr}");
    assert!(stderr.contains("Only JPEG, PNG and WebP"), "the server's words: {stderr}");
    assert!(stdout.contains("1 images uploaded") && stdout.contains("1 errors"), "{stdout}");
    let listing = app.get_json("/api/v1/sessions/s/images").await;
    assert_eq!(proofroom_tests::held_image_names(&listing), ["good.jpg"]);
}

#[tokio::test]
async fn a_wrong_token_pushes_nothing() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("s").image("a.jpg", images::jpeg(400, 300)).write();
    let output = tokio::process::Command::new(proofroom_tests::connector_binary())
        .args(["push", "--library"])
        .arg(library.path())
        .args(["--server", &app.base_url, "--token", "prt_wrong"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refused the token"), "{stderr}");
    assert_eq!(app.get_json("/api/v1/sessions").await["sessions"], serde_json::json!([]));
}

#[tokio::test]
async fn unpublishing_leaves_a_session_online_and_says_so() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("s").image("a.jpg", images::jpeg(400, 300)).write();
    app.push(library.path()).await;
    let manifest = std::fs::read_to_string(library.file("sessions/s/session.toml")).unwrap();
    library.write("sessions/s/session.toml", manifest.replace("publish = true", "publish = false"));
    let output = app.push(library.path()).await;
    assert!(output.contains("online from an earlier push"), "{output}");
    let sessions = app.get_json("/api/v1/sessions").await;
    assert_eq!(sessions["sessions"][0]["image_count"], 1, "still online, untouched");
}

#[tokio::test]
async fn an_image_watermark_marks_the_corner_it_is_set_to() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    let studio = proofroom_tests::library::STUDIO_TOML.replace(
        "text = \"PROOF\"\nposition = \"center\"\nopacity = 0.5",
        "image = \"branding/mark.png\"\nposition = \"bottom-right\"\nopacity = 0.9",
    );
    library.write("studio.toml", studio);
    // A dark-red mark with transparent surroundings.
    let mark = image::RgbaImage::from_fn(300, 120, |x, _| {
        if x % 40 < 30 { image::Rgba([120, 0, 0, 255]) } else { image::Rgba([0, 0, 0, 0]) }
    });
    let mut png = std::io::Cursor::new(Vec::new());
    mark.write_to(&mut png, image::ImageFormat::Png).unwrap();
    library.write("branding/mark.png", png.into_inner());
    library.session("fair").image("grey.jpg", images::grey_jpeg(2000, 1000)).write();
    app.push(library.path()).await;

    let state = app.get_json("/api/v1/studio").await;
    assert_eq!(state["branding"][0]["slot"], "watermark");
    let page = app.page(&links(&app.page("/").await, "/events/").pop().unwrap()).await;
    let proof_url = links(&page, "/images/").into_iter().find(|u| u.contains("/proof/")).unwrap();
    let proof = images::decode(&app.bytes(&proof_url).await.1);
    let (w, h) = (proof.width(), proof.height());
    let reddish = |x: u32, y: u32| {
        let p = proof.get_pixel(x, y);
        p[0] as i32 - p[2] as i32 > 30
    };
    let count = |xs: std::ops::Range<u32>, ys: std::ops::Range<u32>| {
        ys.step_by(4)
            .flat_map(|y| xs.clone().step_by(4).map(move |x| (x, y)))
            .filter(|&(x, y)| reddish(x, y))
            .count()
    };
    assert!(count(w * 3 / 4..w, h * 3 / 4..h) > 500, "the mark shows in the bottom-right corner");
    assert_eq!(count(0..w / 2, 0..h), 0, "and not on the left");
    assert_eq!(count(w / 2..w, 0..h / 2), 0, "nor at the top");
}

#[tokio::test]
async fn originals_are_kept_only_when_the_studio_says_so() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("s").image("a.jpg", images::jpeg(800, 600)).write();
    app.push(library.path()).await;
    assert!(app.stored_keys("originals").is_empty(), "not kept by default");

    library.write(
        "studio.toml",
        format!("keep_originals = true\n{}", proofroom_tests::library::STUDIO_TOML),
    );
    library.write("sessions/s/b.jpg", images::jpeg(640, 480));
    let said = app.push(library.path()).await;
    // The image pushed before goes up once more for its original, with the new one.
    assert!(said.contains("2 images uploaded"), "{said}");
    let mut kept: Vec<Vec<u8>> =
        app.stored_keys("originals").iter().map(|key| app.stored(key).unwrap()).collect();
    kept.sort_by_key(Vec::len);
    let mut uploaded = vec![images::jpeg(800, 600), images::jpeg(640, 480)];
    uploaded.sort_by_key(Vec::len);
    assert!(kept == uploaded, "every original, byte for byte");
    let said = app.push(library.path()).await;
    assert!(said.contains("0 images uploaded"), "then nothing more: {said}");
}
