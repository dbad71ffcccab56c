//! Accounts that hold against an outside probe: client addresses behind a proxy, registration
//! that tells nobody which addresses have accounts and cannot take a client's name, forgotten
//! passwords reset by email, and visitors who merely look leaving nothing behind.

use diesel::prelude::*;
use proofroom_server::db::schema::{guests, login_links, web_sessions};
use proofroom_tests::library::STUDIO_TOML;
use proofroom_tests::smtp::SmtpServer;
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images};
use reqwest::StatusCode;

/// Ann's client-only gallery, Bo's private party (code PARTY7) and a public fair.
async fn studio(app: &TestApp) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    library.session("ann").event_type("none").image("a1.jpg", images::jpeg(600, 400)).write();
    library
        .session("bo-party")
        .event_type("private")
        .event_code("PARTY7")
        .client(("C-2", "Bo", "Jones", "bo@example.com"))
        .image("b1.jpg", images::jpeg(600, 400))
        .write();
    library.session("fair").event_type("public").image("f1.jpg", images::jpeg(600, 400)).write();
    app.push(library.path()).await;
    library
}

/// Sends an event code through the home page's box.
async fn try_code(visitor: &mut Visitor, code: &str) -> StatusCode {
    visitor.enter_code(code).await.status
}

/// Behind the studio's proxy, what the client writes into `X-Forwarded-For` changes nothing:
/// the address is the one the proxy saw, so a guesser who makes up a new leftmost address for
/// every try is held to the 20 wrong codes and 60 failed sign-ins of their real address.
#[tokio::test]
async fn behind_a_proxy_a_made_up_forwarded_address_does_not_reset_the_limits() {
    let app = TestApp::builder().trust_proxy().spawn().await;
    let _library = studio(&app).await;
    let mut answered = 0;
    for i in 0..100 {
        let mut guesser =
            Visitor::forwarded_for(&app.base_url, &format!("10.9.{}.{i}, 203.0.113.7", i / 250));
        match try_code(&mut guesser, &format!("WRONG{i}")).await {
            StatusCode::TOO_MANY_REQUESTS => {}
            status => {
                assert_eq!(status, StatusCode::NOT_FOUND, "a wrong code is answered with the form");
                answered += 1;
            }
        }
    }
    assert_eq!(answered, 20, "20 wrong codes answered from one real address, then 429");
    let mut guesser = Visitor::forwarded_for(&app.base_url, "198.18.0.1, 203.0.113.7");
    assert_eq!(try_code(&mut guesser, "PARTY7").await, StatusCode::TOO_MANY_REQUESTS);
    // Someone else behind the same proxy opens the party.
    let mut guest = Visitor::forwarded_for(&app.base_url, "203.0.113.8");
    assert_eq!(try_code(&mut guest, "PARTY7").await, StatusCode::SEE_OTHER);

    let mut answered = 0;
    for i in 0..80 {
        let mut guesser =
            Visitor::forwarded_for(&app.base_url, &format!("10.8.0.{i}, 203.0.113.9"));
        let user = format!("nobody{i}@example.com");
        match guesser.sign_in(&user, "guess").await.status {
            StatusCode::TOO_MANY_REQUESTS => {}
            status => {
                assert_eq!(status, StatusCode::UNAUTHORIZED);
                answered += 1;
            }
        }
    }
    assert_eq!(answered, 60, "60 failed sign-ins answered from one real address, then 429");

    // The proxy says the visit came over TLS: the session cookie is Secure.
    let mut ann = Visitor::with_headers(
        &app.base_url,
        &[("x-forwarded-for", "203.0.113.10"), ("x-forwarded-proto", "https")],
    );
    let signed_in = ann.sign_in("ann.smith@example.com", "smith").await;
    let cookie = signed_in.set_cookies.iter().find(|c| c.starts_with("pr_session=")).unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

fn guest_count(app: &TestApp) -> i64 {
    app.with_db(|conn| guests::table.count().get_result(conn).unwrap())
}

/// The page a registration answers, with the address typed taken out: it must not differ
/// between an address with an account and one without.
fn check_your_email(body: &str, email: &str) -> String {
    assert!(body.contains("Check your email"), "{body}");
    body.replace(email, "ADDRESS")
}

/// Registering tells nobody whether an address has an account. A new address gets a link to
/// confirm, and only a confirmed guest signs in (and reaches the studio's inbox). Ann's address
/// — she is the studio's client — gets no guest account: she is emailed that she has one, and
/// can still take her address as her user name.
#[tokio::test]
async fn registration_tells_nobody_which_addresses_have_accounts() {
    let app = TestApp::spawn().await;
    let _library = studio(&app).await;
    let fair = app.event_path("fair");
    let fair_id = &fair["/events/".len()..];

    let mut prober = Visitor::new(&app.base_url);
    let register = |email: &'static str| {
        [("name", "Mallory"), ("email", email), ("password", "mallory-pw-1"), ("event", fair_id)]
    };
    prober.get(&format!("/register?event={fair_id}")).await;
    let taken = prober.post("/register", &register("Ann.Smith@Example.com")).await;
    let fresh = prober.post("/register", &register("cleo@example.com")).await;
    assert_eq!((taken.status, fresh.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        check_your_email(&taken.body, "Ann.Smith@Example.com"),
        check_your_email(&fresh.body, "cleo@example.com"),
        "the same page either way"
    );
    assert!(!taken.body.contains("already"), "{}", taken.body);

    // Ann is told, with a way in; no account was made with her address.
    let to_ann = app.next_email_to("ann.smith@example.com", 0).await;
    assert!(to_ann.subject.contains("already have an account"), "{}", to_ann.subject);
    assert!(to_ann.body.contains("/login") && to_ann.body.contains("/reset/"), "{}", to_ann.body);
    let mut mallory = Visitor::new(&app.base_url);
    let as_ann = mallory.sign_in("ann.smith@example.com", "mallory-pw-1").await;
    assert_eq!(as_ann.status, StatusCode::UNAUTHORIZED, "Mallory's password opens nothing");
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    ann.get("/account").await;
    let saved = ann
        .post(
            "/account",
            &[
                ("user_name", "ann.smith@example.com"),
                ("password", "ann's own pw"),
                ("password_again", "ann's own pw"),
                ("next", "/my-events"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "her address is hers: {}", saved.body);

    // Cleo's registration waits for her confirmation: it signs nothing in, reaches no inbox.
    assert_eq!(guest_count(&app), 1);
    let waiting = app.feed_waiting();
    let mut cleo = Visitor::new(&app.base_url);
    assert_eq!(
        cleo.sign_in("cleo@example.com", "mallory-pw-1").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mail = app.next_email_to("cleo@example.com", 0).await;
    assert!(mail.subject.contains("Confirm your email"), "{}", mail.subject);
    let link = app.link_in(&mail, "/register/confirm/");
    // The link opens a page with a button: a mail scanner fetching it uses nothing up.
    assert_eq!(Visitor::new(&app.base_url).get(&link).await.status, StatusCode::OK);
    let page = cleo.get(&link).await;
    assert!(page.body.contains("cleo@example.com"), "{}", page.body);
    let confirmed = cleo.post(&link, &[]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(confirmed.location.as_deref(), Some(fair.as_str()), "back to the fair");
    assert!(cleo.get("/my-events").await.body.contains("Sign out"));
    assert_eq!(app.feed_waiting(), waiting + 1, "the new guest is now for the studio's inbox");
    let again = Visitor::new(&app.base_url).post(&link, &[]).await;
    assert_ne!(again.status, StatusCode::SEE_OTHER, "a link works once");

    // Registering Cleo's address again changes nothing and tells her so.
    let mut prober = Visitor::new(&app.base_url);
    prober.get("/register").await;
    let repeat = prober
        .post(
            "/register",
            &[("name", "Not Cleo"), ("email", "cleo@example.com"), ("password", "another-pw-2")],
        )
        .await;
    assert_eq!(repeat.status, StatusCode::OK);
    let told = app.next_email_to("cleo@example.com", 1).await;
    assert!(told.subject.contains("already have an account"), "{}", told.subject);
    let mut intruder = Visitor::new(&app.base_url);
    let refused = intruder.sign_in("cleo@example.com", "another-pw-2").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(guest_count(&app), 1);

    // One address registers at most 20 times an hour; a flood gets 429s.
    let mut flood = Visitor::new(&app.base_url);
    flood.get("/register").await;
    let mut refused = 0;
    for i in 0..25 {
        let email = format!("flood{i}@example.com");
        let answer = flood
            .post("/register", &[("name", "F"), ("email", &email), ("password", "flood-pw-12")])
            .await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert!(refused >= 5, "only {refused} of 25 registrations from one address refused");
}

fn live_sessions_of_guests(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        web_sessions::table.filter(web_sessions::guest_id.is_not_null()).count().get_result(conn)
    })
    .unwrap()
}

/// "Forgot your password?", told through a real SMTP server: the same answer for any address,
/// a link by email that works once and for an hour, every old session ended; a client may go
/// back to their email and last name.
#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_link_that_works_once() {
    let Some(smtp) = SmtpServer::start() else { return };
    let app = TestApp::builder().smtp(&smtp).spawn().await;
    let library = studio(&app).await;
    // A studio and a guest whose names must be escaped in the HTML part.
    let studio_name = "Park & <Lane> Photography";
    library.write("studio.toml", STUDIO_TOML.replace("Maple Lane Photography", studio_name));
    app.push(library.path()).await;
    let fair = app.event_path("fair");
    let mut phone = Visitor::new(&app.base_url);
    let cleo = "Cleo <Park> & Co";
    app.register_guest(&mut phone, Some(&fair[8..]), cleo, "cleo@example.com", "first-pw-1").await;
    assert_eq!(live_sessions_of_guests(&app), 1);
    let delivered = smtp.wait_for(1).await.len();
    let confirm = &smtp.messages()[0];
    let html = confirm.assert_from_studio(
        studio_name,
        Some("hello@maplelane.example"),
        &format!("{}/register/confirm/", app.base_url),
    );
    assert!(
        confirm.body.contains("Hello Cleo <Park> & Co,"),
        "the text as typed: {}",
        confirm.body
    );
    assert!(html.contains("Hello Cleo &lt;Park&gt; &amp; Co,"), "{html}");
    assert!(html.contains("Park &amp; &lt;Lane&gt; Photography"), "{html}");
    assert!(!html.contains("<Park>") && !html.contains("<Lane>"), "{html}");

    // From her laptop she has forgotten it.
    let mut laptop = Visitor::new(&app.base_url);
    let login = laptop.get("/login").await;
    assert!(login.body.contains("href=\"/forgot\""), "the sign-in page offers the way back");
    laptop.get("/forgot").await;
    let known = laptop.post("/forgot", &[("user_name", "Cleo@Example.com")]).await;
    let unknown = laptop.post("/forgot", &[("user_name", "nobody@example.com")]).await;
    assert_eq!((known.status, unknown.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        known.body.replace("Cleo@Example.com", "X"),
        unknown.body.replace("nobody@example.com", "X"),
        "the same answer whether or not there is an account"
    );
    let mails = smtp.wait_for(delivered + 1).await;
    assert_eq!(mails.len(), delivered + 1, "one email, to Cleo, none to nobody");
    let mail = mails.last().unwrap();
    assert!(mail.to.contains("cleo@example.com") && mail.subject.contains("new password"));
    mail.assert_from_studio(
        studio_name,
        Some("hello@maplelane.example"),
        &format!("{}/reset/", app.base_url),
    );
    let link = app.link_in(mail, "/reset/");

    let form = laptop.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.body.contains("last name"), "a guest has no default sign-in to go back to");
    let mismatch =
        laptop.post(&link, &[("password", "second-pw-2"), ("password_again", "second-pw-3")]).await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("not the same"));
    let reset =
        laptop.post(&link, &[("password", "second-pw-2"), ("password_again", "second-pw-2")]).await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.body);
    // Signed in on the laptop; the phone's session is over.
    assert!(laptop.get("/my-events").await.body.contains("Sign out"));
    assert_eq!(live_sessions_of_guests(&app), 1);
    assert_eq!(phone.get("/my-events").await.status, StatusCode::SEE_OTHER);
    // The link is spent; the old password is gone, the new one works.
    let spent = Visitor::new(&app.base_url).get(&link).await;
    assert_eq!(spent.status, StatusCode::NOT_FOUND);
    assert!(spent.body.contains("not valid any more"), "{}", spent.body);
    let mut someone = Visitor::new(&app.base_url);
    assert_eq!(
        someone.sign_in("cleo@example.com", "first-pw-1").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        someone.sign_in("cleo@example.com", "second-pw-2").await.status,
        StatusCode::SEE_OTHER
    );

    // Ann chose her own password, forgot it, and goes back to her email and last name.
    let mut ann = Visitor::new(&app.base_url);
    ann.sign_in("ann.smith@example.com", "smith").await;
    ann.get("/account").await;
    let fields = [
        ("user_name", "annie"),
        ("password", "ann's own pw"),
        ("password_again", "ann's own pw"),
        ("next", "/my-events"),
    ];
    assert_eq!(ann.post("/account", &fields).await.status, StatusCode::SEE_OTHER);
    ann.get("/forgot").await;
    ann.post("/forgot", &[("user_name", "annie")]).await;
    let mails = smtp.wait_for(delivered + 2).await;
    let mail = mails.last().unwrap();
    assert!(mail.to.contains("ann.smith@example.com"), "to her address: {}", mail.to);
    assert!(mail.body.contains("email and last name"), "{}", mail.body);
    let link = app.link_in(mail, "/reset/");
    let mut ann_later = Visitor::new(&app.base_url);
    let form = ann_later.get(&link).await;
    assert!(form.body.contains("Use my email and last name"), "{}", form.body);
    let back = ann_later.post(&link, &[("default_login", "1")]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let mut ann_again = Visitor::new(&app.base_url);
    assert_eq!(ann_again.sign_in("annie", "ann's own pw").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        ann_again.sign_in("ann.smith@example.com", "Smith").await.status,
        StatusCode::SEE_OTHER
    );

    // A link an hour old opens nothing.
    ann_again.get("/forgot").await;
    ann_again.post("/forgot", &[("user_name", "ann.smith@example.com")]).await;
    let mails = smtp.wait_for(delivered + 3).await;
    let link = app.link_in(mails.last().unwrap(), "/reset/");
    app.with_db(|conn| {
        diesel::update(login_links::table)
            .set(login_links::expires_at.eq(proofroom_server::db::now()))
            .execute(conn)
            .unwrap()
    });
    assert_eq!(Visitor::new(&app.base_url).get(&link).await.status, StatusCode::NOT_FOUND);

    // One address asks at most 10 times an hour.
    let mut asker = Visitor::new(&app.base_url);
    asker.get("/forgot").await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(
            asker.post("/forgot", &[("user_name", &format!("x{i}@example.com"))]).await.status,
        );
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}

fn session_rows(app: &TestApp) -> i64 {
    app.with_db(|conn| web_sessions::table.count().get_result(conn).unwrap())
}

/// Visitors who only look get no session row (their forms carry a token signed into a cookie
/// of their own); the forms still work, and a token from someone else's cookie does not.
#[tokio::test]
async fn merely_looking_leaves_no_session_row() {
    let app = TestApp::spawn().await;
    let _library = studio(&app).await;
    let before = session_rows(&app);
    let pages = ["/", "/login", "/register", "/forgot", &app.event_path("fair")];
    for i in 0..1000 {
        let answer = app.http.get(app.url(pages[i % pages.len()])).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
    }
    assert_eq!(session_rows(&app), before, "1,000 anonymous pages, no new rows");

    // A visitor's own token works; the same token sent with another visitor's cookie does not.
    let mut ann = Visitor::new(&app.base_url);
    let page = ann.get("/login").await;
    assert!(page.set_cookies.iter().any(|c| c.starts_with("pr_form=") && c.contains("HttpOnly")));
    assert_eq!(session_rows(&app), before);
    let mut other = Visitor::new(&app.base_url);
    other.get("/login").await;
    let theirs =
        page.body.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap();
    let forged = other
        .post_raw(
            "/login",
            &[("user_name", "ann.smith@example.com"), ("password", "smith"), ("csrf", theirs)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let signed_in =
        ann.post("/login", &[("user_name", "ann.smith@example.com"), ("password", "smith")]).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(session_rows(&app), before + 1, "a row once she signs in");
    // Without a trusted proxy, a request that claims to have come over TLS is not believed.
    let mut claims_tls = Visitor::with_headers(&app.base_url, &[("x-forwarded-proto", "https")]);
    let answer = claims_tls.sign_in("bo@example.com", "jones").await;
    let cookie = answer.set_cookies.iter().find(|c| c.starts_with("pr_session=")).unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
    // A wrong code is answered without a row; the right one opens the party with one.
    let mut guest = Visitor::new(&app.base_url);
    assert_eq!(try_code(&mut guest, "NOPE12").await, StatusCode::NOT_FOUND);
    assert_eq!(session_rows(&app), before + 2);
    assert_eq!(try_code(&mut guest, "PARTY7").await, StatusCode::SEE_OTHER);
    assert_eq!(session_rows(&app), before + 3);
    assert_eq!(guest.get(&app.event_path("bo-party")).await.status, StatusCode::OK);
}
