//! The storefront over HTTP: sign-in, codes, invites, favorites, groups, yearbook, expiry and
//! the access matrix — every page and every image variant, for every kind of viewer.

use diesel::prelude::*;
use futures_util::StreamExt;
use proofroom_server::db::schema::{
    event_passes, events, favorites, image_derivatives, images as image_rows, person_groups,
    web_sessions, yearbook_picks,
};
use proofroom_tests::visitor::Answer;
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images};
use reqwest::StatusCode;

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
    let event = app.event_path("ann-none");
    let mut ann = Visitor::new(&app.base_url);
    let before = ann.get(&event).await;
    assert_eq!(before.status, StatusCode::SEE_OTHER, "not before signing in");
    assert_eq!(before.location.as_deref(), Some(format!("/login?next={event}").as_str()));

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
    let signed_out = again.get(&event).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER, "signed out everywhere");
    assert!(signed_out.location.unwrap_or_default().starts_with("/login?next="));
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
    let event = app.event_path("ann-none");
    assert_eq!(ann.get(&event).await.status, StatusCode::OK);
    assert_eq!(ann.post_raw("/logout", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(ann.post_raw("/logout", &[("csrf", "wrong")]).await.status, StatusCode::FORBIDDEN);
    ann.get(&event).await;
    assert_eq!(ann.post("/logout", &[]).await.status, StatusCode::SEE_OTHER);
    let after = ann.get(&event).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "signed out, the gallery asks to sign in");
    assert!(after.location.unwrap_or_default().starts_with("/login?next="));
    assert!(!after.body.contains("/images/"));
}

#[tokio::test]
async fn an_event_code_opens_that_event_only() {
    let (app, _library) = studio_with_events().await;
    let bo_event = app.event_path("bo-private");
    let other = app.event_path("other-private");
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
}

/// Six letters or digits, from the kind of alphabet studios print codes in.
fn random_code() -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let random = uuid::Uuid::new_v4();
    random.as_bytes()[..6].iter().map(|b| ALPHABET[usize::from(*b) % 32] as char).collect()
}

/// A guesser sends 10,000 random codes from one address, many at once: at most 20 are
/// answered before the lockout, none opens a gallery, and someone at another address is not
/// held up by it. A wrong code tried from many addresses is locked for all of them.
#[tokio::test]
async fn ten_thousand_random_codes_from_one_address_open_nothing() {
    let (app, _library) = studio_with_events().await;
    let mut guesser = Visitor::new(&app.base_url);
    guesser.get("/").await;
    let started = std::time::Instant::now();
    let sender = &guesser;
    let statuses: Vec<StatusCode> = futures_util::stream::iter(0..10_000)
        .map(|_| async move { sender.submit("/unlock", &[("code", &random_code())]).await.status })
        .buffer_unordered(32)
        .collect()
        .await;
    let took = started.elapsed();
    let locked = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    let answered = statuses.iter().filter(|s| **s == StatusCode::NOT_FOUND).count();
    let opened = statuses.len() - locked - answered;
    eprintln!(
        "10,000 codes in {took:.1?}: {answered} answered, {locked} locked out, {opened} other"
    );
    assert!(answered <= 20, "{answered} answered before the lockout");
    assert_eq!(opened, 0, "a wrong code opened something (or failed): {statuses:?}");
    let passes: i64 = app.with_db(|conn| event_passes::table.count().get_result(conn).unwrap());
    assert_eq!(passes, 0, "no event was opened");
    assert_eq!(
        guesser.post("/unlock", &[("code", "GALA26")]).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits out the lockout at that address"
    );

    // Another computer types the right code at once.
    let mut neighbour = Visitor::from_address(&app.base_url, Some([127, 0, 0, 2].into()));
    let choose = neighbour.enter_code("GALA26").await;
    assert_eq!(choose.status, StatusCode::OK);
    assert!(choose.body.contains("Which event?"));

    // One wrong code from 25 addresses: the code itself locks after 20.
    let mut statuses = Vec::new();
    for i in 0..25u8 {
        let mut visitor = Visitor::from_address(&app.base_url, Some([127, 0, 1, i + 1].into()));
        statuses.push(visitor.enter_code("GALA27").await.status);
    }
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((statuses.len() - refused, refused), (20, 5), "{statuses:?}");
}

/// A guesser at one address is stopped after 10 wrong passwords for an account, while its
/// owner, elsewhere, still signs in; only guessing from many addresses — 100 failures an hour
/// in all — closes the account to everyone, the right password included.
#[tokio::test]
async fn failed_sign_ins_lock_the_guesser_out_not_the_owner() {
    let (app, _library) = studio_with_events().await;
    let mut guesser = Visitor::from_address(&app.base_url, Some([127, 0, 0, 9].into()));
    let mut answered = 0;
    for i in 0..20 {
        let answer = guesser.sign_in("ann.smith@example.com", &format!("guess{i}")).await;
        if answer.status == StatusCode::UNAUTHORIZED {
            answered += 1;
        } else {
            assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
        }
    }
    assert_eq!(answered, 10, "ten wrong passwords are answered from one address");
    // From there even the right password now waits…
    let right = guesser.sign_in("ann.smith@example.com", "smith").await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(right.body.contains("try again in"), "{}", right.body);
    // …but Ann, at home, signs in.
    let mut ann = Visitor::from_address(&app.base_url, Some([127, 0, 0, 10].into()));
    assert_eq!(ann.sign_in("ann.smith@example.com", "smith").await.status, StatusCode::SEE_OTHER);

    // Guesses from 90 more addresses make 100 failures for the account in the hour: now it is
    // closed to everyone until the hour is over.
    for i in 0..90 {
        let mut elsewhere = Visitor::elsewhere(&app.base_url);
        let answer = elsewhere.sign_in("ann.smith@example.com", &format!("spray{i}")).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "guess {i} from a new address");
    }
    let mut ann_again = Visitor::from_address(&app.base_url, Some([127, 0, 0, 11].into()));
    let capped = ann_again.sign_in("ann.smith@example.com", "smith").await;
    assert_eq!(capped.status, StatusCode::TOO_MANY_REQUESTS);
    // Another account is not held up by it.
    let mut bo = Visitor::from_address(&app.base_url, Some([127, 0, 0, 11].into()));
    assert_eq!(bo.sign_in("bo@example.com", "jones").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn favorites_notes_groups_and_the_yearbook_pick_are_kept_per_person() {
    let (app, _library) = studio_with_events().await;
    let event = app.event_path("ann-none");
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
    let other = app.event_path("fair-public");
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
    let event = app.event_path("ann-none");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    ann.get(&format!("{event}/invites")).await;
    ann.post(&format!("{event}/invites"), &[("guest_name", "Grandma")]).await;
    let invites = ann.get(&format!("{event}/invites")).await;
    let invite_path = &invites.newest_invite();

    let mut grandma = Visitor::new(&app.base_url);
    let followed = grandma.get(invite_path).await;
    assert_eq!(followed.location.as_deref(), Some(event.as_str()));
    let page = grandma.get(&event).await;
    assert_eq!(page.status, StatusCode::OK);
    let thumb = page.links("/images/").into_iter().next().unwrap();
    assert_eq!(grandma.fetch(&thumb).await.0, StatusCode::OK);

    // She registers, and favorites; her heart is hers, not Ann's.
    let registered = app
        .register_guest(
            &mut grandma,
            Some(&event[8..]),
            "Grandma Smith",
            "gran@example.com",
            "knitting123",
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
    let revoke = invites.newest_revoke();
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
    let event = app.event_path("fair-public");
    let mut visitor = Visitor::new(&app.base_url);
    let thumb = visitor.get(&event).await.links("/images/").into_iter().next().unwrap();
    assert_eq!(visitor.fetch(&thumb).await.0, StatusCode::OK);
    app.with_db(|conn| {
        diesel::update(events::table.filter(events::studio_session_id.eq("fair-public")))
            .set(events::expires_on.eq(chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()))
            .execute(conn)
            .unwrap()
    });
    app.catalog_changed();
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

fn carries_the_security_headers(what: &str, answer: &Answer) {
    let csp = answer.header("content-security-policy");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(answer.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(answer.header("referrer-policy"), "same-origin", "{what}");
    assert_eq!(answer.header("x-frame-options"), "DENY", "{what}");
}

/// Images and kept pages are answered before the App's middleware (`server::lane`): they
/// must still carry the same headers, and a person opening a bad image address gets a page.
#[tokio::test]
async fn pages_and_images_carry_the_security_headers() {
    let (app, _library) = studio_with_events().await;
    let mut visitor = Visitor::new(&app.base_url);
    carries_the_security_headers("home page", &visitor.get("/").await);
    let event = app.event_path("fair-public");
    let first = visitor.get(&event).await;
    carries_the_security_headers("event page", &first);
    let kept = visitor.get(&event).await;
    assert_eq!(kept.body, first.body, "the second answer is the kept page");
    carries_the_security_headers("kept event page", &kept);
    let thumb = first.links("/images/").into_iter().next().unwrap();
    let image = visitor.get(&thumb).await;
    assert_eq!((image.status, image.header("content-type")), (StatusCode::OK, "image/jpeg"));
    carries_the_security_headers("thumbnail", &image);
    let image_id = thumb.split('/').nth(2).unwrap();
    let made_up = thumb.replace(image_id, "00000000-0000-4000-8000-000000000000");
    for bad in [made_up.as_str(), "/images/not-an-id/thumb/0000000000000000.jpg"] {
        let answer = visitor.get(bad).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(answer.header("content-type").starts_with("text/html"), "{bad}");
        assert!(answer.body.contains("This image is not available."), "{bad}");
        carries_the_security_headers(bad, &answer);
    }
}

/// What an event offers the people allowed in: its page, its photo pages and every image URL,
/// and beside each thumbnail the URL its clean master would have (never served to anyone).
struct Offered {
    page: String,
    private: bool,
    photos: Vec<String>,
    images: Vec<String>,
    masters: Vec<String>,
}

async fn offered_to(viewer: &mut Visitor, page: &str, private: bool) -> Offered {
    let answer = viewer.get(page).await;
    assert_eq!(answer.status, StatusCode::OK, "{page}");
    let images = answer.links("/images/");
    let masters =
        images.iter().filter(|l| l.contains("/thumb/")).map(|l| l.replace("/thumb/", "/master/"));
    Offered {
        page: page.to_string(),
        private,
        photos: answer.links(&format!("{page}/photos/")),
        masters: masters.collect(),
        images,
    }
}

/// Whether an answer is what the rules say: allowed is 200; denied is the code box (403) for a
/// private event's pages, the sign-in page for a page asked by someone not signed in, else
/// 404 — and holds no image of the event either way.
fn as_the_rules_say(allowed: bool, private_page: bool, answer: &Answer) -> bool {
    if allowed {
        return answer.status == StatusCode::OK;
    }
    let closed = match answer.status {
        StatusCode::FORBIDDEN => private_page && answer.body.contains("Enter the event code"),
        StatusCode::SEE_OTHER => {
            answer.location.as_deref().is_some_and(|l| l.starts_with("/login?next=/events/"))
        }
        StatusCode::NOT_FOUND => true,
        _ => false,
    };
    closed && answer.links("/images/").is_empty()
}

/// Every viewer against every event type: pages, photo pages and every image variant, allowed
/// exactly as the rules say and nothing more. A guest who opened one private event by its code
/// and then guesses at the others' addresses, or makes ids up, learns nothing: a made-up id
/// answers exactly as a real one they may not see.
#[tokio::test]
async fn the_access_matrix_has_no_leaks() {
    let (app, _library) = studio_with_events().await;
    let none = app.event_path("ann-none");
    let private = app.event_path("bo-private");
    let other = app.event_path("other-private");
    let public = app.event_path("fair-public");

    // What each event offers, read as its own client would.
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let mut bo = Visitor::new(&app.base_url);
    bo.sign_in("bo@example.com", "jones").await;
    let mut cy = Visitor::new(&app.base_url);
    cy.sign_in("cy@example.com", "lee").await;
    let events = [
        offered_to(&mut ann, &none, false).await,
        offered_to(&mut bo, &private, true).await,
        offered_to(&mut cy, &other, true).await,
        offered_to(&mut ann, &public, false).await,
    ];
    let counts: Vec<_> = events.iter().map(|e| (e.photos.len(), e.images.len())).collect();
    assert_eq!(
        counts,
        [(3, 7), (1, 3), (1, 3), (1, 3)],
        "a thumbnail and a proof per photo, and the cover's middle size"
    );

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
        guest.get(&page.newest_invite()).await;
        if withdraw {
            ann.post(&page.newest_revoke(), &[]).await;
        }
    }

    // Columns: Ann's client-only event, Bo's private one, the other with the same code, public.
    let cases: Vec<(&str, &mut Visitor, [bool; 4])> = vec![
        ("anonymous", &mut anonymous, [false, false, false, true]),
        ("client A", &mut ann, [true, false, false, true]),
        ("client B", &mut bo, [false, true, false, true]),
        ("client C", &mut cy, [false, false, true, true]),
        ("guest with B's code, guessing the rest", &mut with_code, [false, true, false, true]),
        ("invited guest", &mut invited, [true, false, false, true]),
        ("revoked guest", &mut revoked, [false, false, false, true]),
    ];
    let mut leaks = Vec::new();
    let mut asked = 0;
    for (who, visitor, allowed) in cases {
        for (event, allowed) in events.iter().zip(allowed) {
            for page in std::iter::once(&event.page).chain(&event.photos) {
                let answer = visitor.get(page).await;
                if !as_the_rules_say(allowed, event.private, &answer) {
                    leaks.push(format!("{who}: {page} → {}", answer.status));
                }
                asked += 1;
            }
            for image in &event.images {
                let answer = visitor.get(image).await;
                if !as_the_rules_say(allowed, false, &answer) {
                    leaks.push(format!("{who}: {image} → {}", answer.status));
                }
                asked += 1;
            }
            for master in &event.masters {
                let status = visitor.fetch(master).await.0;
                if status != StatusCode::NOT_FOUND {
                    leaks.push(format!("{who}: master {master} → {status}"));
                }
                asked += 1;
            }
        }
    }
    assert!(leaks.is_empty(), "{} leaks in {asked} requests: {leaks:#?}", leaks.len());

    // Made-up ids answer byte for byte as real ones the guest may not see.
    let made_up = || uuid::Uuid::new_v4().to_string();
    let image_id = |url: &str| url.split('/').nth(2).unwrap().to_string();
    let [none_event, _, other_event, _] = &events;
    let thumb = none_event.images.iter().find(|l| l.contains("/thumb/")).unwrap();
    let proof = other_event.images.iter().find(|l| l.contains("/proof/")).unwrap();
    let pairs = [
        (none.clone(), format!("/events/{}", made_up())),
        (none_event.photos[0].clone(), format!("/events/{}/photos/{}", made_up(), made_up())),
        (none_event.photos[0].clone(), format!("{none}/photos/{}", made_up())),
        (thumb.clone(), thumb.replace(&image_id(thumb), &made_up())),
        (proof.clone(), proof.replace(&image_id(proof), &made_up())),
        (
            format!("/images/{}/thumb/0123456789abcdef.jpg", image_id(thumb)),
            format!("/images/{}/thumb/0123456789abcdef.jpg", made_up()),
        ),
        // In the event she did open, another event's photo is as absent as one that never was.
        (
            format!("{private}/photos/{}", image_id(thumb)),
            format!("{private}/photos/{}", made_up()),
        ),
    ];
    // (A page is the sign-in page, back to the address asked: the same but for that address.)
    let seen = |answer: &Answer, asked: &str| {
        let location = answer.location.as_deref().unwrap_or_default().replace(asked, "<asked>");
        (answer.status, answer.body.clone(), location)
    };
    for (real, invented) in pairs {
        let (real_answer, invented_answer) =
            (with_code.get(&real).await, with_code.get(&invented).await);
        assert!(
            [StatusCode::NOT_FOUND, StatusCode::SEE_OTHER].contains(&real_answer.status),
            "{real}: {}",
            real_answer.status
        );
        assert_eq!(
            seen(&real_answer, &real),
            seen(&invented_answer, &invented),
            "{real} and {invented} can be told apart"
        );
    }
    // The other private event shows its code box: a private event's address is meant to be
    // given out with its code. Its images stay as absent as made-up ones (above).
    assert_eq!(with_code.get(&other).await.status, StatusCode::FORBIDDEN);
}

/// The store keys of one session's image files.
fn files_of(app: &TestApp, session: &str) -> Vec<String> {
    app.with_db(|conn| {
        image_derivatives::table
            .inner_join(image_rows::table.inner_join(events::table))
            .filter(events::studio_session_id.eq(session))
            .select(image_derivatives::store_key)
            .load(conn)
            .unwrap()
    })
}

fn on_disk(app: &TestApp, key: &str) -> bool {
    app.stored(key).is_some()
}

/// The studio takes a session down: its pages and images are gone for everyone (even what a
/// browser just fetched), its files are deleted, what its client did there goes with it, and
/// nothing of the other events is touched — not even a file it shared with one of them.
#[tokio::test]
async fn a_taken_down_event_is_gone_with_its_files() {
    let (app, library) = studio_with_events().await;
    library
        .session("ann-2025")
        .event_type("none")
        .setting("yearbook_selection = true")
        .image("t1.jpg", images::jpeg(640, 480))
        .image("t2.jpg", images::jpeg(480, 640))
        // The same photo as the public event's p1.jpg: the same files.
        .image("shared.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    let event = app.event_path("ann-2025");
    let event_id = event["/events/".len()..].to_string();

    // Ann hearts and notes a photo, groups another and picks one for the yearbook.
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let page = ann.get(&event).await;
    let photos = page.links(&format!("{event}/photos/"));
    let images = page.links("/images/");
    assert_eq!((photos.len(), images.len()), (3, 7), "thumbnails, proofs, the cover's middle");
    for image in &images {
        assert_eq!(ann.fetch(image).await.0, StatusCode::OK, "{image}");
    }
    let image_ids: Vec<&str> = photos.iter().map(|p| p.rsplit('/').next().unwrap()).collect();
    ann.get(&photos[0]).await;
    ann.post(&format!("{}/favorite", photos[0]), &[("on", "1")]).await;
    ann.post(&format!("{}/note", photos[0]), &[("note", "Frame it")]).await;
    ann.post(&format!("{event}/groups"), &[("name", "Grandma")]).await;
    let group = ann.get(&event).await.links(&format!("{event}?mine=")).pop().expect("a group");
    let group_id = group.rsplit('=').next().unwrap();
    ann.post(
        &format!("{event}/groups/{group_id}/images"),
        &[("image_id", image_ids[1]), ("action", "add")],
    )
    .await;
    ann.post(&format!("{event}/yearbook"), &[("image_id", image_ids[0])]).await;
    let done_here = |app: &TestApp| -> [i64; 3] {
        app.with_db(|conn| {
            let of_event = favorites::event_id.eq(&event_id);
            let favorites = favorites::table.filter(of_event).count().get_result(conn);
            let of_event = person_groups::event_id.eq(&event_id);
            let groups = person_groups::table.filter(of_event).count().get_result(conn);
            let of_event = yearbook_picks::event_id.eq(&event_id);
            let picks = yearbook_picks::table.filter(of_event).count().get_result(conn);
            [favorites.unwrap(), groups.unwrap(), picks.unwrap()]
        })
    };
    assert_eq!(done_here(&app), [1, 1, 1]);
    assert!(ann.get("/my-events").await.body.contains("Session ann-2025"));

    let own = files_of(&app, "ann-2025");
    let others: Vec<String> = ["ann-none", "bo-private", "other-private", "fair-public"]
        .iter()
        .flat_map(|s| files_of(&app, s))
        .collect();
    let (shared, only_its): (Vec<&String>, Vec<&String>) =
        own.iter().partition(|k| others.contains(k));
    assert_eq!(
        (only_its.len(), shared.len()),
        (8, 4),
        "masters, proofs, middle sizes and thumbnails"
    );
    assert!(own.iter().chain(&others).all(|k| on_disk(&app, k)));

    let taken_down =
        app.api(reqwest::Method::DELETE, "/api/v1/sessions/ann-2025").send().await.unwrap();
    assert_eq!(taken_down.status(), StatusCode::NO_CONTENT);

    let mut left = Vec::new();
    for path in std::iter::once(&event).chain(&photos).chain(&images) {
        let status = ann.get(path).await.status;
        if status != StatusCode::NOT_FOUND {
            left.push(format!("{path} → {status}"));
        }
    }
    assert!(left.is_empty(), "still answering: {left:#?}");
    // As gone as an event that never was.
    let never = format!("/events/{}", uuid::Uuid::new_v4());
    assert_eq!(ann.get(&event).await.body, ann.get(&never).await.body);
    let still_there: Vec<&&String> = only_its.iter().filter(|k| on_disk(&app, k)).collect();
    assert!(still_there.is_empty(), "files left behind: {still_there:?}");
    assert_eq!(done_here(&app), [0, 0, 0], "favorites, groups and the pick went with it");
    let my_events = ann.get("/my-events").await;
    assert!(!my_events.body.contains("Session ann-2025"));
    assert!(my_events.body.contains("Session ann-none"));
    let listed = app.get_json("/api/v1/sessions").await;
    assert!(!listed.to_string().contains("ann-2025"));

    // The other events keep every file, the shared one included, and still serve them.
    assert!(others.iter().all(|k| on_disk(&app, k)), "another event lost a file");
    let public = app.event_path("fair-public");
    let mut visitor = Visitor::new(&app.base_url);
    for image in visitor.get(&public).await.links("/images/") {
        assert_eq!(visitor.fetch(&image).await.0, StatusCode::OK, "{image}");
    }
}

/// Three videos as a studio pastes them: Animoto's snippet with a handler and scripts slipped
/// in, YouTube's with its tracking tag, and a bare Animoto address.
const VIDEOS: &str = r#"
[[videos]]
id = "slideshow"
description = "The slideshow"
embed = '''<div class="wrap"><iframe id="vp1WmGs0" title="Video Player" width="640" height="360" frameborder="0" onload="alert(document.cookie)" src="https://s3.amazonaws.com/embed.animoto.com/play.html?w=swf/production/vp1&#038;f=WmGs0SgMeHvBMur0fL68rw&#038;tracking=abc&#038;i=m" allowfullscreen></iframe></div><script src="https://evil.example/steal.js"></script><script>alert(1)</script>'''

[[videos]]
id = "film"
description = "Highlights <b>film</b>"
embed = '<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=AbCdEf123_x" title="YouTube video player" onerror="alert(2)" allow="autoplay"></iframe>'

[[videos]]
id = "teaser"
embed = 'https://embed.animoto.com/play.html?f=X1_y-2&options=autostart/loop'
"#;

/// The `src` of each `<iframe>` on the page, and its `title`.
fn iframes(html: &str) -> Vec<(String, String)> {
    let attribute = |tag: &str, name: &str| {
        let value = tag.split(&format!(" {name}=\"")).nth(1).unwrap_or_default();
        value.split('"').next().unwrap_or_default().replace("&amp;", "&")
    };
    html.split("<iframe")
        .skip(1)
        .map(|rest| {
            let tag = rest.split('>').next().unwrap();
            (attribute(tag, "src"), attribute(tag, "title"))
        })
        .collect()
}

/// Videos pushed with a session show on its page as players of the address the allow-list
/// rebuilt, nothing of the snippet's own HTML, each from a host the page's policy lets in.
#[tokio::test]
async fn videos_show_as_players_of_their_rebuilt_address_only() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("wedding").manifest(VIDEOS).image("w1.jpg", images::jpeg(600, 400)).write();
    app.push(library.path()).await;
    let event = app.event_path("wedding");
    let response = app.http.get(app.url(&event)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    let html = response.text().await.unwrap();

    let players = iframes(&html);
    let sources: Vec<&str> = players.iter().map(|(src, _)| src.as_str()).collect();
    assert_eq!(
        sources,
        [
            "https://s3.amazonaws.com/embed.animoto.com/play.html?w=swf/production/vp1\
             &f=WmGs0SgMeHvBMur0fL68rw&i=m",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "https://embed.animoto.com/play.html?f=X1_y-2&options=autostart/loop",
        ]
    );
    let titles: Vec<&str> = players.iter().map(|(_, title)| title.as_str()).collect();
    assert_eq!(titles, ["The slideshow", "Highlights &lt;b&gt;film&lt;/b&gt;", "Video"]);
    for echoed in [
        "onload",
        "onerror",
        "alert(",
        "evil.example",
        "vp1WmGs0",
        "tracking",
        "si=",
        "frameborder",
        "Video Player",
        "YouTube video player",
        "class=\"wrap\"",
        "<b>film",
    ] {
        assert!(!html.contains(echoed), "the page echoes {echoed:?} from the snippet");
    }
    for script in html.split("<script").skip(1) {
        assert!(script.starts_with(" src=\"/static/"), "a script not of the site: {script:.80}");
    }

    // Each player's host is one the page's Content-Security-Policy frames.
    let frame_src: Vec<&str> = csp
        .split(';')
        .find_map(|d| d.trim().strip_prefix("frame-src "))
        .expect("a frame-src")
        .split_whitespace()
        .collect();
    for src in sources {
        let allowed = frame_src.iter().any(|source| {
            src.strip_prefix(source)
                .is_some_and(|rest| source.ends_with('/') || rest.starts_with('/'))
        });
        assert!(allowed, "{src} is not in frame-src {frame_src:?}");
    }
}

/// The session id a visitor's cookie stands for (the database keeps only its hash).
fn session_id(answer: &Answer) -> String {
    let cookie = answer.set_cookies.iter().find(|c| c.starts_with("pr_session=")).expect("cookie");
    let token = cookie["pr_session=".len()..].split(';').next().unwrap();
    proofroom_server::auth::browser_session::token_hash(token)
}

/// A visitor who never comes back leaves a session row behind; once it has run out, the server
/// deletes it by itself, without a request that would touch it. Live sessions stay.
#[tokio::test]
async fn expired_sessions_are_deleted_without_being_touched() {
    let app = TestApp::builder().session_cleanup_seconds(1).spawn().await;
    let library = LibraryBuilder::new();
    library.session("ann").image("a1.jpg", images::jpeg(600, 400)).write();
    app.push(library.path()).await;
    // Merely looking makes no row; signing in does.
    let mut gone = Visitor::new(&app.base_url);
    let gone_id = session_id(&gone.sign_in("ann.smith@example.com", "smith").await);
    let mut stays = Visitor::new(&app.base_url);
    let stays_id = session_id(&stays.sign_in("ann.smith@example.com", "smith").await);
    let sessions = |app: &TestApp| -> Vec<String> {
        app.with_db(|conn| {
            web_sessions::table.select(web_sessions::id).order(web_sessions::id).load(conn).unwrap()
        })
    };
    assert_eq!(sessions(&app).len(), 2);
    let ran_out = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    app.with_db(|conn| {
        diesel::update(web_sessions::table.find(&gone_id))
            .set(web_sessions::expires_at.eq(ran_out))
            .execute(conn)
            .unwrap()
    });
    let started = std::time::Instant::now();
    while sessions(&app).contains(&gone_id) {
        assert!(started.elapsed().as_secs() < 10, "the expired session is still there");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sessions(&app), [stays_id]);
    let still = stays.get("/my-events").await;
    assert!(still.body.contains("Sign out"), "the live session goes on");
    let gone_page = gone.get("/my-events").await;
    assert_eq!(gone_page.status, StatusCode::SEE_OTHER, "the one gone must sign in again");
}

/// `application/x-www-form-urlencoded`, as a browser writes it.
fn form_encoded(fields: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// What an answer to nonsense must be: a 4xx page of the site that says what is wrong — or,
/// when the nonsense was harmless, a normal answer — and never a server error.
fn judged(what: &str, answer: &Answer, problems: &mut Vec<String>) {
    let status = answer.status;
    if status.is_server_error() || answer.body.contains("Something went wrong on our side") {
        problems.push(format!("{what} → {status}"));
    } else if status.is_client_error() && !answer.body.starts_with("<!doctype html>") {
        problems.push(format!("{what} → {status} without a page: {:.100}", answer.body));
    }
}

/// Whatever a visitor sends — fields missing, very long or strangely encoded, ids that are not
/// ids, queries that mean nothing — the answer is a page saying what is wrong, never a 500.
#[tokio::test]
async fn bad_input_gets_a_friendly_page_never_a_server_error() {
    let (app, _library) = studio_with_events().await;
    let event = app.event_path("ann-none");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    let page = ann.get(&event).await;
    let photo = page.links(&format!("{event}/photos/")).into_iter().next().unwrap();
    let image = photo.rsplit('/').next().unwrap().to_string();
    let thumb = page.links("/images/").into_iter().next().unwrap();
    ann.post(&format!("{event}/groups"), &[("name", "Wall")]).await;
    let group = ann.get(&event).await.links(&format!("{event}?mine=")).pop().unwrap();
    let group = group.rsplit('=').next().unwrap().to_string();
    let made_up = uuid::Uuid::new_v4().to_string();
    let long = "é".repeat(5_000);
    let long_value = form_encoded(&[("v", &long)])[2..].to_string();
    let odd_values = [
        "%00",
        "a%00b",
        "%FF%FE",
        "%C3%28",
        "%E2%82",
        "%ED%A0%80",
        "%ZZ",
        "%",
        "%%41",
        "+%2B&",
        "%0D%0ASet-Cookie:+x=1",
        "%2F%0A",
        "%7F%1B",
        &long_value,
    ];
    let odd_ids = [made_up.as_str(), "xyz", "%00", "%0A", "%FF", "..%2F..%2Fetc", &long[..600]];
    let mut problems = Vec::new();

    // Pages asked for with ids that are not ids, queries that mean nothing.
    let mut gets: Vec<String> = [
        "/?from=notadate",
        "/?from=2026-02-30&to=2026-13-01",
        "/?from=99999-01-01&to=-0001-01-01",
        "/?from=%FF%FE&to=%C3%28",
        "/?from=a&from=b",
        "/?%",
        "/?from=%00",
        "/my-events?x=%FF",
        "/login?next=%00",
        "/login?next=https://evil.example/",
        "/register?event=%FF",
        "/account?next=%C3%28&welcome=%00",
        "/invite/%00",
        "/branding/watermark/x.png",
        "/branding/%FF/x.png",
        "/static/..%2F..%2FCargo.toml",
        "/images/a/b",
        "/nowhere/at/all",
    ]
    .map(String::from)
    .to_vec();
    for id in odd_ids {
        for path in [
            format!("/events/{id}"),
            format!("/events/{id}?mine={id}&group={id}&favorites={id}"),
            format!("/events/{id}/photos/{id}"),
            format!("/events/{id}/favorites"),
            format!("/events/{id}/invites"),
            format!("{event}?mine={id}&group={id}&favorites={id}"),
            format!("{event}?group=a&group=b"),
            format!("{event}/photos/{id}"),
            format!("/images/{id}/thumb/x.jpg"),
            format!("/images/{image}/{id}/x.jpg"),
            format!("/images/{image}/thumb/{id}.jpg"),
            format!("/images/{image}/thumb/{id}"),
            format!("/invite/{id}"),
            format!("/branding/{id}/{id}"),
        ] {
            gets.push(path);
        }
    }
    gets.push(thumb.replace("/thumb/", "/badkind/"));
    let mut anonymous = Visitor::new(&app.base_url);
    for path in &gets {
        judged(&format!("GET {path} (anonymous)"), &anonymous.get(path).await, &mut problems);
        judged(&format!("GET {path} (Ann)"), &ann.get(path).await, &mut problems);
    }

    // Every storefront form: fields missing, each field odd or very long, the body too large
    // or not a form at all; and for forms under an id, the id odd.
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/unlock".into(), vec![("code", "WRONG1")]),
        (format!("{event}/unlock"), vec![("code", "WRONG2")]),
        (
            "/login".into(),
            vec![("user_name", "nobody@example.com"), ("password", "x"), ("next", "/")],
        ),
        (
            "/account".into(),
            vec![
                ("user_name", "AnnS"),
                ("password", "long enough pw"),
                ("password_again", "not the same"),
                ("next", "/"),
            ],
        ),
        (
            "/register".into(),
            vec![
                ("name", "Gran"),
                ("email", "gran@example.com"),
                ("password", "short"),
                ("event", &event[8..]),
            ],
        ),
        (format!("{event}/invites"), vec![("guest_name", "Grandma")]),
        (format!("{event}/invites/{made_up}/revoke"), vec![]),
        (format!("{event}/groups"), vec![("name", "Prints"), ("back", "/")]),
        (format!("{event}/groups/{group}/rename"), vec![("name", "Wall prints"), ("back", "/")]),
        (
            format!("{event}/groups/{group}/images"),
            vec![("image_id", &image), ("action", "add"), ("back", "/")],
        ),
        (format!("{event}/yearbook"), vec![("image_id", &image), ("back", "/")]),
        (format!("{photo}/favorite"), vec![("on", "1"), ("back", "/")]),
        (format!("{photo}/note"), vec![("note", "Print it"), ("back", "/")]),
        (format!("{event}/groups/{group}/delete"), vec![("back", "/")]),
    ];
    let form_type = "application/x-www-form-urlencoded";
    for (path, fields) in &forms {
        let mut bodies = vec![String::new(), "y".repeat(100_000)];
        for (i, (name, _)) in fields.iter().enumerate() {
            let others: Vec<(&str, &str)> =
                fields.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, f)| *f).collect();
            let rest = form_encoded(&others);
            bodies.push(rest.clone());
            for odd in odd_values.iter().chain(&odd_ids) {
                bodies.push(format!("{rest}&{name}={odd}"));
            }
        }
        // Registering signs in as the new guest: someone other than Ann does it, afresh each time.
        let mut newcomer = Visitor::new(&app.base_url);
        let sender = if path == "/register" { &mut newcomer } else { &mut ann };
        let mut send = async |path: &str, content_type: &str, body: &str| {
            if path == "/register" {
                *sender = Visitor::new(&app.base_url);
                sender.get("/register").await;
            }
            sender.post_body(path, content_type, body).await
        };
        for body in bodies {
            judged(
                &format!("POST {path} {body:.60}"),
                &send(path, form_type, &body).await,
                &mut problems,
            );
        }
        let as_text = send(path, "text/plain", &form_encoded(fields)).await;
        judged(&format!("POST {path} as text/plain"), &as_text, &mut problems);
        for id in odd_ids {
            let odd_path = path.replace(&event[8..], id).replace(&image, id).replace(&group, id);
            let answer = send(&odd_path, form_type, &form_encoded(fields)).await;
            judged(&format!("POST {odd_path}"), &answer, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{} bad answers: {problems:#?}", problems.len());
    // Ann is still signed in, her gallery whole.
    assert_eq!(ann.get(&event).await.status, StatusCode::OK);

    // Signing in with a `next` that is no address of this site goes to the usual page.
    let mut bo = Visitor::new(&app.base_url);
    bo.get("/login").await;
    let body = "user_name=bo%40example.com&password=jones&next=%2F%0D%0ASet-Cookie:+x%3D1";
    let signed_in = bo.post_body("/login", form_type, body).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert!(!signed_in.location.unwrap().contains("Set-Cookie"));
}
