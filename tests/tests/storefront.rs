//! The storefront over HTTP: sign-in, codes, invites, favorites, groups, yearbook, expiry and
//! the access matrix — every page and every image variant, for every kind of viewer.

use diesel::prelude::*;
use proofroom_server::db::schema::events;
use proofroom_tests::visitor::Answer;
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images};
use reqwest::StatusCode;

fn event_path(app: &TestApp, session: &str) -> String {
    let id: String = app.with_db(|conn| {
        events::table
            .filter(events::studio_session_id.eq(session))
            .select(events::id)
            .first(conn)
            .unwrap()
    });
    format!("/events/{id}")
}

/// The path of the newest link on the invites page (`/invite/<token>`).
fn newest_invite(page: &Answer) -> String {
    let link = first_quoted_after(&page.body, "value=\"", "/invite/");
    link[link.find("/invite/").unwrap()..].to_string()
}

/// The form action that withdraws the newest invite.
fn newest_revoke(page: &Answer) -> String {
    first_quoted_after(&page.body, "action=\"", "/revoke")
}

fn first_quoted_after(html: &str, attr: &str, containing: &str) -> String {
    let value = html.split(attr).find(|v| v.split('"').next().unwrap().contains(containing));
    value.expect(containing).split('"').next().unwrap().to_string()
}

/// Three sessions of two clients: Ann's client-only session, Bo's private one (code GALA26),
/// a public one of Ann's, and a second private event that shares Bo's code.
async fn studio_with_events() -> (TestApp, LibraryBuilder) {
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
        .session("bo-private")
        .event_type("private")
        .event_code("GALA26")
        .client(("C-2", "Bo", "Jones", "bo@example.com"))
        .image("b1.jpg", images::jpeg(600, 400))
        .write();
    library
        .session("other-private")
        .event_type("private")
        .event_code("GALA26")
        .client(("C-3", "Cy", "Lee", "cy@example.com"))
        .image("c1.jpg", images::jpeg(600, 400))
        .write();
    library
        .session("fair-public")
        .event_type("public")
        .date("2026-06-14")
        .image("p1.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    (app, library)
}

#[tokio::test]
async fn a_client_signs_in_with_email_and_last_name_and_may_choose_their_own() {
    let (app, _library) = studio_with_events().await;
    let event = event_path(&app, "ann-none");
    let mut ann = Visitor::new(&app.base_url);
    assert_eq!(ann.get(&event).await.status, StatusCode::NOT_FOUND, "not before signing in");

    let visitor_cookie = ann.get("/login").await.set_cookies;
    let signed_in = ann
        .post("/login", &[("user_name", " ANN.Smith@example.com "), ("password", "  SMITH ")])
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert!(
        signed_in.location.as_deref().unwrap().starts_with("/account?welcome=1"),
        "offered, not forced"
    );
    let new_cookie = signed_in.set_cookies.iter().find(|c| c.starts_with("pr_session=")).unwrap();
    assert!(new_cookie.contains("HttpOnly") && new_cookie.contains("SameSite=Lax"), "{new_cookie}");
    assert!(
        !visitor_cookie.iter().any(|c| c.split(';').next() == new_cookie.split(';').next()),
        "a new session id at sign-in"
    );
    let welcome = ann.get(signed_in.location.as_deref().unwrap()).await;
    assert!(welcome.body.contains("Not now"), "the offer can be declined");

    let page = ann.get(&event).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.links("/images/").iter().filter(|l| l.contains("/thumb/")).count(), 3);
    let my_events = ann.get("/my-events").await;
    assert!(my_events.body.contains("Session ann-none") && my_events.body.contains("online until"));

    // Her own user name and password; the default stops working.
    ann.get("/account").await;
    let saved = ann
        .post(
            "/account",
            &[
                ("user_name", "AnnS"),
                ("password", "long enough pw"),
                ("password_again", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let mut again = Visitor::new(&app.base_url);
    assert_eq!(
        again.sign_in("ann.smith@example.com", "Smith").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(again.sign_in("anns", "long enough pw").await.status, StatusCode::SEE_OTHER);
    // The studio resets her to the defaults.
    let reset =
        app.api(reqwest::Method::POST, "/api/v1/clients/C-1042/reset-login").send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(again.get(&event).await.status, StatusCode::NOT_FOUND, "signed out everywhere");
    assert_eq!(again.sign_in("ann.smith@example.com", "smith").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused_and_logout_ends_the_session() {
    let (app, _library) = studio_with_events().await;
    let mut ann = Visitor::new(&app.base_url);
    ann.get("/login").await;
    let forged = ann
        .post_raw("/login", &[("user_name", "ann.smith@example.com"), ("password", "smith")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("reload the page"), "a friendly page");
    let missing_field = ann.post("/login", &[("user_name", "ann.smith@example.com")]).await;
    assert_eq!(missing_field.status, StatusCode::BAD_REQUEST);
    assert!(missing_field.body.contains("<html"), "an HTML page, not a bare error");

    ann.sign_in("ann.smith@example.com", "smith").await;
    let event = event_path(&app, "ann-none");
    assert_eq!(ann.get(&event).await.status, StatusCode::OK);
    assert_eq!(ann.post_raw("/logout", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ann.post_raw("/logout", &[("csrf", "wrong")]).await.status, StatusCode::FORBIDDEN);
    ann.get(&event).await;
    assert_eq!(ann.post("/logout", &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(ann.get(&event).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_event_code_opens_that_event_only_and_guessing_is_throttled() {
    let (app, _library) = studio_with_events().await;
    let bo_event = event_path(&app, "bo-private");
    let other = event_path(&app, "other-private");
    let mut guest = Visitor::new(&app.base_url);
    let closed = guest.get(&bo_event).await;
    assert_eq!(closed.status, StatusCode::FORBIDDEN);
    assert!(closed.body.contains("Enter the event code"));

    // Typed in lower case on the event's own page: opens this event, not its twin.
    let opened = guest.post(&format!("{bo_event}/unlock"), &[("code", " gala26 ")]).await;
    assert_eq!(opened.location.as_deref(), Some(bo_event.as_str()));
    assert_eq!(guest.get(&bo_event).await.status, StatusCode::OK);
    assert_eq!(guest.get(&other).await.status, StatusCode::FORBIDDEN, "same code, other event");

    // On the home page a shared code asks which event; the pick opens only that one.
    let mut second = Visitor::new(&app.base_url);
    let choose = second.enter_code("GALA26").await;
    assert_eq!(choose.status, StatusCode::OK);
    assert!(choose.body.contains("Which event?"));
    second.post(&format!("{other}/unlock"), &[("code", "GALA26")]).await;
    assert_eq!(second.get(&other).await.status, StatusCode::OK);
    assert_eq!(second.get(&bo_event).await.status, StatusCode::FORBIDDEN);

    // Random codes from one address: a few answered, then locked out, none opens anything.
    let mut guesser = Visitor::new(&app.base_url);
    guesser.get("/").await;
    let (mut answered, mut locked, mut opened) = (0, 0, 0);
    for i in 0..200 {
        let code = format!("X{:08}", (i as u64).wrapping_mul(2654435761) % 100_000_000);
        let answer = guesser.post("/unlock", &[("code", &code)]).await;
        match answer.status {
            StatusCode::NOT_FOUND => answered += 1,
            StatusCode::TOO_MANY_REQUESTS => locked += 1,
            _ => opened += 1,
        }
    }
    assert!(answered <= 20, "{answered} answered before the lockout");
    assert_eq!((opened, answered + locked), (0, 200));
    // Even the right code waits out the lockout from that address.
    assert_eq!(
        guesser.post("/unlock", &[("code", "GALA26")]).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account() {
    let (app, _library) = studio_with_events().await;
    let mut attacker = Visitor::new(&app.base_url);
    let mut refused = 0;
    for i in 0..40 {
        let answer = attacker.sign_in("ann.smith@example.com", &format!("guess{i}")).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert!(refused >= 20, "only {refused} of 40 refused");
    // The real password waits too: the account is protected, not just the address.
    let mut ann = Visitor::new(&app.base_url);
    assert_eq!(
        ann.sign_in("ann.smith@example.com", "smith").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn favorites_notes_groups_and_the_yearbook_pick_are_kept_per_person() {
    let (app, _library) = studio_with_events().await;
    let event = event_path(&app, "ann-none");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let page = ann.get(&event).await;
    let photos: Vec<String> = page.links(&format!("{event}/photos/"));
    assert_eq!(photos.len(), 3);

    for photo in &photos[..2] {
        ann.get(photo).await;
        assert_eq!(
            ann.post(&format!("{photo}/favorite"), &[("on", "1")]).await.status,
            StatusCode::SEE_OTHER
        );
    }
    ann.get(&photos[0]).await;
    ann.post(&format!("{}/note", photos[0]), &[("note", "Print this one large")]).await;
    let favorites = ann.get(&format!("{event}/favorites")).await;
    assert!(favorites.body.contains("Print this one large"));
    assert_eq!(favorites.body.matches("class=\"note\"").count(), 1);
    let only_favorites = ann.get(&format!("{event}?favorites=1")).await;
    assert_eq!(only_favorites.links(&format!("{event}/photos/")).len(), 2);

    // A group of her own, renamed, with one photo in it.
    let made = ann.post(&format!("{event}/groups"), &[("name", "Grandma")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let page = ann.get(&event).await;
    let group = page.links(&format!("{event}?mine=")).pop().expect("the group's filter");
    let group_id = group.rsplit('=').next().unwrap().to_string();
    let image_id = photos[2].rsplit('/').next().unwrap();
    ann.post(
        &format!("{event}/groups/{group_id}/images"),
        &[("image_id", image_id), ("action", "add")],
    )
    .await;
    ann.post(&format!("{event}/groups/{group_id}/rename"), &[("name", "For Grandma")]).await;
    let grouped = ann.get(&group).await;
    assert!(grouped.body.contains("For Grandma (1)"));
    assert_eq!(grouped.links(&format!("{event}/photos/")), [photos[2].clone()]);

    // The yearbook pick, changed once.
    ann.post(&format!("{event}/yearbook"), &[("image_id", image_id)]).await;
    let first_id = photos[0].rsplit('/').next().unwrap();
    ann.post(&format!("{event}/yearbook"), &[("image_id", first_id)]).await;
    assert!(ann.get(&photos[0]).await.body.contains("This is your yearbook photo"));
    assert!(!ann.get(&photos[2]).await.body.contains("This is your yearbook photo"));

    // An image of another event is not hers to favorite.
    let other = event_path(&app, "fair-public");
    let mut visitor = Visitor::new(&app.base_url);
    let foreign = visitor.get(&other).await.links("/images/").into_iter().next().unwrap();
    let foreign_id = foreign.split('/').nth(2).unwrap();
    ann.get(&event).await;
    let refused = ann.post(&format!("{event}/photos/{foreign_id}/favorite"), &[("on", "1")]).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_invited_guest_sees_the_event_until_the_invite_is_withdrawn_and_registers_to_favorite() {
    let (app, _library) = studio_with_events().await;
    let event = event_path(&app, "ann-none");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    ann.get(&format!("{event}/invites")).await;
    ann.post(&format!("{event}/invites"), &[("guest_name", "Grandma")]).await;
    let invites = ann.get(&format!("{event}/invites")).await;
    let invite_path = &newest_invite(&invites);

    let mut grandma = Visitor::new(&app.base_url);
    let followed = grandma.get(invite_path).await;
    assert_eq!(followed.location.as_deref(), Some(event.as_str()));
    let page = grandma.get(&event).await;
    assert_eq!(page.status, StatusCode::OK);
    let thumb = page.links("/images/").into_iter().next().unwrap();
    assert_eq!(grandma.fetch(&thumb).await.0, StatusCode::OK);

    // She registers, and favorites; her heart is hers, not Ann's.
    grandma.get(&format!("/register?event={}", &event[8..])).await;
    let registered = grandma
        .post(
            "/register",
            &[
                ("name", "Grandma Smith"),
                ("email", "gran@example.com"),
                ("password", "knitting123"),
                ("event", &event[8..]),
            ],
        )
        .await;
    assert_eq!(registered.location.as_deref(), Some(event.as_str()));
    let photo =
        grandma.get(&event).await.links(&format!("{event}/photos/")).into_iter().next().unwrap();
    grandma.get(&photo).await;
    grandma.post(&format!("{photo}/favorite"), &[("on", "1")]).await;
    assert_eq!(
        grandma.get(&format!("{event}?favorites=1")).await.links(&format!("{event}/photos/")).len(),
        1
    );
    assert_eq!(
        ann.get(&format!("{event}?favorites=1")).await.links(&format!("{event}/photos/")).len(),
        0
    );

    // Ann withdraws the link: the page and every image are closed to Grandma.
    let revoke = newest_revoke(&invites);
    ann.get(&format!("{event}/invites")).await;
    ann.post(&revoke, &[]).await;
    assert_eq!(grandma.get(&event).await.status, StatusCode::NOT_FOUND);
    assert_eq!(grandma.fetch(&thumb).await.0, StatusCode::NOT_FOUND);
    let again = Visitor::new(&app.base_url).get(invite_path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("not valid any more"));
}

#[tokio::test]
async fn an_expired_gallery_says_so_and_serves_no_image() {
    let (app, _library) = studio_with_events().await;
    let event = event_path(&app, "fair-public");
    let mut visitor = Visitor::new(&app.base_url);
    let thumb = visitor.get(&event).await.links("/images/").into_iter().next().unwrap();
    assert_eq!(visitor.fetch(&thumb).await.0, StatusCode::OK);
    app.with_db(|conn| {
        diesel::update(events::table.filter(events::studio_session_id.eq("fair-public")))
            .set(events::expires_on.eq(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()))
            .execute(conn)
            .unwrap()
    });
    app.state.catalog_changed();
    let page = visitor.get(&event).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("This gallery has expired — contact Maple Lane Photography"));
    assert!(page.links("/images/").is_empty());
    assert_eq!(visitor.fetch(&thumb).await.0, StatusCode::GONE);
    assert!(!visitor.get("/").await.body.contains("Session fair-public"), "no longer listed");
}

#[tokio::test]
async fn visitors_find_public_events_by_date() {
    let (app, _library) = studio_with_events().await;
    let mut visitor = Visitor::new(&app.base_url);
    let home = visitor.get("/").await;
    assert!(home.body.contains("Session fair-public"));
    assert!(!home.body.contains("Session bo-private") && !home.body.contains("Session ann-none"));
    assert!(visitor.get("/?from=2026-06-14").await.body.contains("Session fair-public"));
    assert!(
        visitor.get("/?from=2026-06-01&to=2026-06-30").await.body.contains("Session fair-public")
    );
    let elsewhere = visitor.get("/?from=2026-06-15").await;
    assert!(elsewhere.body.contains("No public events on those dates"));
    let bad = visitor.get("/?from=June").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("is not a date"));
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.url("/")).send().await.unwrap();
    let header = |name: &str| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    };
    let csp = header("content-security-policy");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
}

/// Every viewer against every event type, page and image variants: allowed exactly as the
/// rules say, nothing more.
#[tokio::test]
async fn the_access_matrix_has_no_leaks() {
    let (app, _library) = studio_with_events().await;
    let none = event_path(&app, "ann-none");
    let private = event_path(&app, "bo-private");
    let public = event_path(&app, "fair-public");

    // Image URLs of each event, read as their own client would.
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let mut bo = Visitor::new(&app.base_url);
    bo.sign_in("bo@example.com", "jones").await;
    let images_of = |page: &Answer| page.links("/images/");
    let none_images = images_of(&ann.get(&none).await);
    let private_images = images_of(&bo.get(&private).await);
    let public_images = images_of(&ann.get(&public).await);
    assert!(none_images.len() >= 6 && private_images.len() >= 2 && public_images.len() >= 2);

    let mut anonymous = Visitor::new(&app.base_url);
    let mut with_code = Visitor::new(&app.base_url);
    with_code.get(&private).await;
    with_code.post(&format!("{private}/unlock"), &[("code", "GALA26")]).await;
    let mut invited = Visitor::new(&app.base_url);
    let mut revoked = Visitor::new(&app.base_url);
    for (guest, withdraw) in [(&mut invited, false), (&mut revoked, true)] {
        ann.get(&format!("{none}/invites")).await;
        ann.post(&format!("{none}/invites"), &[("guest_name", "G")]).await;
        let page = ann.get(&format!("{none}/invites")).await;
        guest.get(&newest_invite(&page)).await;
        if withdraw {
            ann.post(&newest_revoke(&page), &[]).await;
        }
    }

    let cases: Vec<(&str, &mut Visitor, [bool; 3])> = vec![
        ("anonymous", &mut anonymous, [false, false, true]),
        ("client A", &mut ann, [true, false, true]),
        ("client B", &mut bo, [false, true, true]),
        ("guest with code", &mut with_code, [false, true, true]),
        ("invited guest", &mut invited, [true, false, true]),
        ("revoked guest", &mut revoked, [false, false, true]),
    ];
    let mut leaks = Vec::new();
    for (who, visitor, allowed) in cases {
        for ((event, images), allowed) in
            [(&none, &none_images), (&private, &private_images), (&public, &public_images)]
                .into_iter()
                .zip(allowed)
        {
            let page = visitor.get(event).await.status;
            if (page == StatusCode::OK) != allowed {
                leaks.push(format!("{who}: page {event} → {page}"));
            }
            for image in images {
                let status = visitor.fetch(image).await.0;
                if (status == StatusCode::OK) != allowed {
                    leaks.push(format!("{who}: {image} → {status}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{leaks:#?}");
}
