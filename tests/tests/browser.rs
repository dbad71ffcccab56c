//! The storefront in headless Chromium: what clients, guests and visitors do with a keyboard,
//! a mouse or a phone. A failing story leaves a screenshot in `target/browser-failures/`.

use anyhow::{Context, ensure};
use fantoccini::key::Key;
use proofroom_tests::browser::{Page, Screen, story};
use proofroom_tests::{LibraryBuilder, TestApp, images};
use serde_json::json;

/// Ann's wedding (client only, yearbook pick on, five photos), Bo's private party (code
/// PARTY7) and two public events on different days.
async fn studio() -> (TestApp, LibraryBuilder) {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    let mut ann =
        library.session("ann-wedding").event_type("none").setting("yearbook_selection = true");
    for n in 1..=5 {
        ann = ann.image(&format!("ann-{n}.jpg"), images::jpeg(600, 400));
    }
    ann.write();
    library
        .session("bo-party")
        .event_type("private")
        .event_code("PARTY7")
        .client(("C-2", "Bo", "Jones", "bo@example.com"))
        .image("bo-1.jpg", images::jpeg(600, 400))
        .image("bo-2.jpg", images::jpeg(600, 400))
        .write();
    let mut fair = library.session("county-fair").date("2026-06-14");
    for n in 1..=6 {
        fair = fair.image(&format!("fair-{n}.jpg"), images::jpeg(600, 400));
    }
    fair.write();
    library
        .session("spring-recital")
        .date("2026-05-02")
        .image("recital-1.jpg", images::jpeg(400, 600))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    (app, library)
}

/// The lightbox's heart says whether the photo shown is a favorite.
async fn lightbox_heart_pressed(page: &Page) -> anyhow::Result<bool> {
    Ok(page.find(".lightbox.open .lb-heart").await?.attr("aria-pressed").await?.as_deref()
        == Some("true"))
}

async fn favorite_count(page: &Page) -> anyhow::Result<String> {
    Ok(page.text("[data-favorite-count]").await?.trim().to_string())
}

async fn caption(page: &Page) -> anyhow::Result<String> {
    page.text(".lightbox.open figcaption").await
}

#[tokio::test]
async fn a_client_signs_in_favorites_from_the_lightbox_by_keyboard_and_picks_a_yearbook_photo() {
    let (app, _library) = studio().await;
    story("client_lightbox", &app.base_url, Screen::Desktop, |page| async move {
        page.goto("/").await?;
        page.snapshot("home").await?;
        page.click_text("Sign in").await?;
        page.snapshot("login").await?;
        // The default password forgives letter case and stray spaces.
        page.sign_in_form("Ann.Smith@example.com", " smith ").await?;
        page.heading("Welcome, Ann Smith").await?;
        page.click_text("Not now, take me to my photos").await?;
        page.heading("My events").await?;
        page.click_text("Session ann-wedding").await?;
        page.heading("Session ann-wedding").await?;
        ensure!(page.all(".grid .tile").await?.len() == 5, "the grid shows all five photos");
        ensure!(favorite_count(&page).await? == "0");
        page.thumbnails_loaded(5).await?;
        page.snapshot("event").await?;

        // Tab from the top of the page to the first photo, as a keyboard user does; the focus
        // shows where it is. Enter opens the lightbox, with the focus in it.
        page.tab_to(".grid .tile:first-child .tile-link", 40).await?;
        let ring = page
            .js(
                "const s = getComputedStyle(document.activeElement); \
                 return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;",
                vec![],
            )
            .await?;
        ensure!(ring == json!(true), "the focused thumbnail has a visible focus ring");
        page.snapshot("focus").await?;
        page.press(Key::Enter).await?;
        page.find(".lightbox.open").await?;
        page.lightbox_shows("ann-1.jpg · 1 of 5").await?;
        page.axe().await?;
        ensure!(page.focused_is(".lightbox .lb-close").await?, "the focus moves into the lightbox");

        // F, →, F, →, F: three favorites without touching the mouse.
        for step in 1..=3 {
            page.press('f').await?;
            page.wait_for(
                "the heart to fill",
                "return document.querySelector('.lb-heart').getAttribute('aria-pressed') === 'true';",
            )
            .await?;
            page.wait_for_text(&format!("ann-{step}.jpg added to favorites")).await?;
            if step < 3 {
                page.press(Key::Right).await?;
                // F acts on the photo on screen: the person waits to see the next one.
                page.lightbox_shows(&format!("ann-{}.jpg · {} of 5", step + 1, step + 1)).await?;
            }
        }
        ensure!(caption(&page).await?.contains("ann-3.jpg · 3 of 5"), "{}", caption(&page).await?);
        page.press(Key::Right).await?;
        page.lightbox_shows("ann-4.jpg · 4 of 5").await?;
        ensure!(!lightbox_heart_pressed(&page).await?, "the fourth photo is not a favorite");
        page.press(Key::Left).await?;
        page.lightbox_shows("ann-3.jpg · 3 of 5").await?;
        ensure!(lightbox_heart_pressed(&page).await?, "back on the third, its heart is full");
        page.snapshot("lightbox").await?;

        // The lightbox is modal: Shift+Tab from its first control wraps to its last, and Tab
        // goes round its controls (to the note field) without ever reaching the page behind.
        page.chord(&[Key::Shift.into(), Key::Tab.into()]).await?;
        let on_last = page
            .js(
                "const items = [...document.querySelectorAll('.lightbox button, .lightbox input, \
                   .lightbox a[href]')].filter(e => e.offsetParent !== null); \
                 return document.activeElement === items[items.length - 1];",
                vec![],
            )
            .await?;
        ensure!(on_last == json!(true), "Shift+Tab wraps to the last control");
        page.press(Key::Tab).await?;
        ensure!(page.focused_is(".lightbox .lb-close").await?, "Tab wraps to the first control");
        for _ in 0..10 {
            ensure!(page.focused_is(".lightbox *").await?, "the focus stays in the lightbox");
            if page.focused_is(".lightbox .lb-note input").await? {
                break;
            }
            page.press(Key::Tab).await?;
        }
        ensure!(page.focused_is(".lightbox .lb-note input").await?, "Tab reaches the note field");

        // A note on the third favorite, typed in the lightbox.
        page.type_text("Please retouch the flyaway hair").await?;
        page.press(Key::Enter).await?;
        page.wait_for_text("Note saved").await?;
        page.press(Key::Escape).await?; // leaves the note field
        ensure!(page.focused_is(".lightbox").await?, "Esc in the field keeps the focus in the lightbox");
        page.press(Key::Escape).await?; // closes the lightbox
        page.wait_for("the lightbox to close", "return !document.querySelector('.lightbox.open');")
            .await?;
        ensure!(
            page.focused_is(".grid .tile:nth-child(3) .tile-link").await?,
            "the focus comes back to the photo last shown"
        );
        ensure!(favorite_count(&page).await? == "3", "the counter shows three favorites");

        // What the studio will receive: the favorites page, from the server, with the note.
        page.click_text("Review and send favorites").await?;
        page.heading("My favorites").await?;
        page.snapshot("favorites").await?;
        let mut names = Vec::new();
        for item in page.all(".favorite-list strong").await? {
            names.push(item.text().await?);
        }
        names.sort();
        ensure!(names == ["ann-1.jpg", "ann-2.jpg", "ann-3.jpg"], "favorites kept: {names:?}");
        ensure!(page.text(".favorite-list").await?.contains("Please retouch the flyaway hair"));

        // A group of her own, with one photo in it.
        page.click_text("Session ann-wedding").await?;
        page.click_text("My groups").await?;
        page.fill("#new-group", "Parents' album").await?;
        page.click_text("Make group").await?;
        page.wait_for_text("Parents' album (0)").await?;
        page.snapshot("groups").await?;
        page.click(".grid .tile:nth-child(4) .tile-link").await?;
        page.click(".lightbox.open .lb-open").await?;
        page.click_text("+ Parents' album").await?;
        page.wait_for_text("✓ Parents' album").await?;

        // The yearbook photo, from the same photo page.
        page.click_text("Pick for the yearbook").await?;
        page.wait_for_text("This is your yearbook photo.").await?;
        page.snapshot("photo").await?;
        page.click_text("Session ann-wedding").await?;
        page.click_text("Parents' album (1)").await?;
        page.wait_for(
            "the group's filter to show its one photo",
            "const tiles = document.querySelectorAll('.grid .tile'); \
             return location.search.includes('mine=') && tiles.length === 1 && \
                    tiles[0].dataset.name === 'ann-4.jpg';",
        )
        .await?;
        let event_path = page.path().await?;

        // Signing out closes the gallery to this browser: its address asks to sign in again,
        // and leads back to it.
        page.click_text("Sign out").await?;
        page.wait_for_text("Have an event code?").await?;
        page.goto(&event_path).await?;
        page.heading("Sign in").await?;
        page.snapshot("sign-in-again").await?;
        ensure!(page.all(".grid").await?.is_empty(), "no photos after signing out");
        page.sign_in_form("ann.smith@example.com", "smith").await?;
        page.click_text("Not now, take me to my photos").await?;
        page.heading("Session ann-wedding").await?;
        ensure!(page.path().await? == event_path, "back at the gallery: {}", page.path().await?);
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_guest_opens_a_private_event_with_its_code_registers_and_hearts_a_photo() {
    let (app, _library) = studio().await;
    let app = &app;
    story("guest_code_register", &app.base_url, Screen::Desktop, |page| async move {
        page.goto("/").await?;
        page.fill("#code", "party8").await?;
        page.press(Key::Enter).await?;
        page.wait_for_text("That code does not open a gallery")
            .await
            .context("a wrong code is refused kindly")?;
        page.snapshot("wrong-code").await?;
        let kept = page.find("#code").await?.prop("value").await?;
        ensure!(
            kept.as_deref() == Some("party8"),
            "the mistyped code stays to be corrected: {kept:?}"
        );
        page.fill("#code", "party7").await?;
        page.press(Key::Enter).await?;
        page.heading("Session bo-party").await?;
        ensure!(page.all(".grid .tile").await?.len() == 2);
        ensure!(page.all(".heart").await?.is_empty(), "no hearts before registering");

        page.click_text("register as a guest").await?;
        page.heading("Register as a guest").await?;
        page.snapshot("register").await?;
        page.fill("#name", "Cleo Park").await?;
        page.fill("#email", "cleo@example.com").await?;
        page.fill("#password", "correct horse").await?;
        page.click("form[action='/register'] button[type=submit]").await?;
        // The same page whether or not the address has an account; the link comes by email.
        page.heading("Check your email").await?;
        page.snapshot("check-your-email").await?;
        let mail = app.next_email_to("cleo@example.com", 0).await;
        ensure!(mail.subject.contains("Confirm your email"), "{}", mail.subject);
        page.goto(&app.link_in(&mail, "/register/confirm/")).await?;
        page.heading("Confirm your email").await?;
        page.click("main form button[type=submit]").await?;
        page.heading("Session bo-party").await?;
        let signed_in = page
            .js(
                "return document.querySelector('.site-nav form[action=\"/logout\"]').textContent;",
                vec![],
            )
            .await?;
        ensure!(
            signed_in.as_str().is_some_and(|t| t.contains("Sign out") && t.contains("Cleo Park")),
            "signed in as Cleo: {signed_in}"
        );
        page.click(".grid .tile:nth-child(2) .heart").await?;
        page.wait_for_text("bo-2.jpg added to favorites").await?;
        ensure!(favorite_count(&page).await? == "1");

        // Her favorite is kept on the server: a reload still shows it, and My events lists
        // the party she opened.
        page.client.refresh().await?;
        page.wait_for(
            "the heart to stay after a reload",
            "const tiles = document.querySelectorAll('.tile'); \
             return tiles.length === 2 && !tiles[0].classList.contains('is-favorite') && \
                    tiles[1].classList.contains('is-favorite') && \
                    tiles[1].querySelector('.heart').getAttribute('aria-pressed') === 'true';",
        )
        .await?;
        ensure!(favorite_count(&page).await? == "1");
        page.click_text("My events").await?;
        page.heading("My events").await?;
        page.wait_for_text("Session bo-party").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_visitor_finds_a_public_event_by_its_date() {
    let (app, _library) = studio().await;
    story("public_by_date", &app.base_url, Screen::Desktop, |page| async move {
        page.goto("/").await?;
        page.wait_for_text("Session county-fair").await?;
        page.wait_for_text("Session spring-recital").await?;
        let home = page.text("body").await?;
        ensure!(!home.contains("Session bo-party"), "private events are not listed");
        ensure!(!home.contains("Session ann-wedding"), "client-only events are not listed");

        // Typed into the date pickers as digits, the way a keyboard user fills them.
        page.find("input[name=from]").await?.send_keys("06142026").await?;
        page.find("input[name=to]").await?.send_keys("06142026").await?;
        page.click_text("Find").await?;
        page.wait_for_text("Show all").await?;
        let path = page.path().await?;
        ensure!(path == "/?from=2026-06-14&to=2026-06-14", "searched {path}");
        ensure!(page.all(".event-card").await?.len() == 1, "one event that day");
        ensure!(page.text(".event-card").await?.contains("Session county-fair"));
        page.snapshot("search").await?;
        page.click_text("Session county-fair").await?;
        page.heading("Session county-fair").await?;
        page.thumbnails_loaded(6).await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_phone_the_grid_has_one_or_two_photos_a_row_and_nothing_scrolls_sideways() {
    let (app, _library) = studio().await;
    story("phone_grid", &app.base_url, Screen::Phone, |page| async move {
        page.goto("/").await?;
        page.wait_for_text("Session county-fair").await?;
        let no_sideways = "return document.documentElement.scrollWidth <= window.innerWidth;";
        page.wait_for("the home page to fit the phone", no_sideways).await?;
        page.snapshot("home").await?;
        page.tap_text("Session county-fair").await?;
        page.heading("Session county-fair").await?;
        page.thumbnails_loaded(6).await?;
        let layout = page
            .js(
                "const tiles = [...document.querySelectorAll('.grid .tile')]; \
                 const rows = {}; tiles.forEach(t => { const top = Math.round(t.getBoundingClientRect().top); \
                   rows[top] = (rows[top] || 0) + 1; }); \
                 return { width: window.innerWidth, columns: Math.max(...Object.values(rows)), \
                          scroll: document.documentElement.scrollWidth, \
                          tileWidth: tiles[0].getBoundingClientRect().width };",
                vec![],
            )
            .await?;
        ensure!(layout["width"] == json!(390), "a 390 px wide phone: {layout}");
        let columns = layout["columns"].as_u64().unwrap_or(0);
        ensure!((1..=2).contains(&columns), "one or two landscape photos a row: {layout}");
        ensure!(layout["scroll"].as_u64() <= layout["width"].as_u64(), "no sideways scroll: {layout}");
        ensure!(
            layout["tileWidth"].as_f64().unwrap_or(0.0) >= 140.0,
            "thumbnails big enough to tap: {layout}"
        );
        page.snapshot("event").await?;

        // A tap opens the lightbox; the proof and its controls fit the screen.
        page.tap(".grid .tile:first-child .tile-link").await?;
        page.find(".lightbox.open").await?;
        page.wait_for(
            "the proof to fit the screen",
            "const img = document.querySelector('.lightbox.open img'); \
             const r = img.getBoundingClientRect(); \
             return img.complete && img.naturalWidth > 0 && r.left >= 0 && r.top >= 0 && \
                    r.right <= window.innerWidth && r.bottom <= window.innerHeight;",
        )
        .await?;
        let overflow = page
            .js(
                "return [...document.querySelectorAll('.lightbox.open button, .lightbox.open a')] \
                   .filter(e => { const r = e.getBoundingClientRect(); \
                     return r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight; }) \
                   .map(e => e.className);",
                vec![],
            )
            .await?;
        ensure!(overflow == json!([]), "lightbox controls off the screen: {overflow}");
        page.lightbox_shows("fair-1.jpg · 1 of 6").await?;
        page.snapshot("lightbox").await?;

        // A swipe to the left shows the next photo; the × closes.
        page.swipe(".lightbox.open figure", -160.0).await?;
        page.wait_for(
            "the next photo after a swipe",
            "return document.querySelector('.lightbox.open figcaption').textContent.includes('2 of 6');",
        )
        .await?;
        page.tap(".lightbox.open .lb-close").await?;
        page.wait_for("the lightbox to close", "return !document.querySelector('.lightbox.open');")
            .await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_client_orders_two_prints_pays_by_card_with_stripe_js_and_sees_the_order_paid() {
    let Some(stripe) = proofroom_tests::stripe::LocalStripe::start() else { return };
    let app = TestApp::builder().stripe(&stripe).spawn().await;
    stripe.send_webhooks_to(&app.url("/stripe/webhook")).await;
    proofroom_tests::shop::shop(&app).await;
    app.wait_for_proofs().await;
    let event = app.event_path("smith");
    story("card_checkout", &app.base_url, Screen::Desktop, |page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", &event).await?;
        page.thumbnails_loaded(3).await?;

        // Two prints, each from the lightbox's buy panel beside the photo.
        page.click(".grid .tile:nth-child(1) .tile-link").await?;
        for (n, sku) in [(1, "P5X7"), (2, "P8X10")] {
            page.lightbox_shows(&format!("Smith 0{n}.jpg")).await?;
            page.click(&format!(".lb-shop input[name=sku][value={sku}]")).await?;
            page.click(".lb-shop .buy-add").await?;
            page.wait_for_text("Added ✓").await?;
            page.shows(".site-header [data-cart-count]", &n.to_string()).await?;
            if n == 1 {
                page.click(".lightbox.open .lb-next").await?;
            }
        }
        page.click_text("View cart").await?;
        page.heading("My cart").await?;
        // 14.00 + 24.00
        page.wait_for_text("$38.00").await?;
        page.snapshot("cart").await?;
        page.click_text("Check out").await?;
        page.heading("Checkout").await?;
        page.click("input[name=shipping][value=pickup]").await?;
        // The total the order will be placed at, on the page before placing it.
        page.shows("#order-total", "$40.76").await?;
        page.click("input[name=payment][value=card]").await?;
        page.snapshot("checkout").await?;
        page.click("#place-order").await?;

        // Stripe.js (localstripe's stand-in) shows the card field; a test card pays.
        page.wait_for("the card field", "return !!document.querySelector('#card-element input');")
            .await?;
        ensure!(page.text("h1").await?.contains("Pay $40.76"), "{}", page.text("h1").await?);
        page.fill("#card-element input[placeholder=number]", "4242424242424242").await?;
        page.fill("#card-element input[placeholder=exp_month]", "12").await?;
        page.fill("#card-element input[placeholder=exp_year]", "30").await?;
        page.fill("#card-element input[placeholder=cvc]", "123").await?;
        page.fill("#card-element input[placeholder=postal_code]", "62701").await?;
        page.snapshot("pay").await?;
        page.click("#pay-button").await?;
        // The order page, once Stripe's signed webhook has marked the order paid.
        page.wait_for(
            "the order to show as paid",
            "const s = document.querySelector('#payment-status'); return !!s && s.innerText.trim() === 'Paid';",
        )
        .await?;
        page.snapshot("paid").await?;
        ensure!(page.text("#order-total").await? == "$40.76");
        Ok(())
    })
    .await;
}

/// Four orders of four 5×7 prints (56.00, 7.25 % tax, mail 7.50, WELCOME10 10 % off from 50.00),
/// each under a shipping method, with and without a code: the total follows every choice at
/// once, a refused code keeps the totals with the reason beside the field, a quantity typed and
/// then "Check out" is the quantity ordered, and each confirmation says the total the page
/// showed last.
#[tokio::test]
async fn a_client_sees_the_total_follow_every_choice_and_the_order_costs_what_the_page_said() {
    let app = TestApp::spawn().await;
    proofroom_tests::shop::shop(&app).await;
    app.wait_for_proofs().await;
    let event = app.event_path("smith");
    story("checkout_totals", &app.base_url, Screen::Phone, |page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", &event).await?;
        let photo = page
            .js("return document.querySelector('.grid .tile').dataset.photo;", vec![])
            .await?;
        let photo = photo.as_str().context("a photo")?.to_string();

        // (shipping, codes typed in turn, the total the page must show)
        let orders: [(&str, &[&str], &str); 4] = [
            ("pickup", &[], "$60.06"),
            ("mail", &["NOPE", "welcome10"], "$61.55"),
            ("mail", &[], "$67.56"),
            ("pickup", &["WELCOME10"], "$54.05"),
        ];
        for (n, (shipping, codes, expected)) in orders.into_iter().enumerate() {
            page.goto(&format!("{photo}#order")).await?;
            page.tap(".buy-panel input[name=sku][value=P5X7]").await?;
            page.tap_text("Add to cart").await?;
            page.wait_for_text("Added ✓ 5×7 print").await?;
            page.tap_text("View cart").await?;
            page.heading("My cart").await?;
            ensure!(
                !page.find("#update-cart").await?.is_displayed().await?,
                "with script, changes save themselves"
            );
            if n == 0 {
                // Typed and left: saved without a button, the amounts from the server.
                page.fill("input[name^=quantity_]", "2").await?;
                page.shows(".cart-subtotal strong", "$28.00").await?;
                page.wait_for_text("Saved").await?;
                page.client.refresh().await?;
                page.heading("My cart").await?;
                let kept = page.find("input[name^=quantity_]").await?.prop("value").await?;
                ensure!(kept.as_deref() == Some("2"), "the typed quantity was saved: {kept:?}");
                // A quantity the studio cannot take says so beside the line, and leaving asks.
                page.fill("input[name^=quantity_]", "0").await?;
                page.wait_for_text("A quantity is at least 1").await?;
                page.snapshot("cart-refused").await?;
                // (The browser's own "Leave site?" question is answered by chromedriver itself,
                // so the story asks the page's handler what it would do.)
                let asks = page
                    .js(
                        "const e = new Event('beforeunload', {cancelable: true}); \
                         window.dispatchEvent(e); return e.defaultPrevented;",
                        vec![],
                    )
                    .await?;
                ensure!(asks == json!(true), "leaving with an unsaved change asks first");
            }
            // Typed, then "Check out" at once: the quantity typed is the one ordered.
            page.fill("input[name^=quantity_]", "4").await?;
            page.tap_text("Check out").await?;
            page.heading("Checkout").await?;
            let lines = page.shown(".order-lines").await?;
            ensure!(lines.contains("4 × 5×7 print"), "the typed quantity is checked out: {lines}");
            ensure!(
                !page.find("#update-total").await?.is_displayed().await?,
                "with script, the totals follow by themselves"
            );
            page.js("window.stayedOnPage = true; return true;", vec![]).await?;
            // Mail is chosen first; pick up takes the shipping off at once.
            page.shows("#order-total", "$67.56").await?;
            page.tap(&format!("input[name=shipping][value={shipping}]")).await?;
            let shipping_cost = if shipping == "pickup" { "$0.00" } else { "$7.50" };
            page.shows("#shipping-amount", shipping_cost).await?;
            for code in codes.iter() {
                let before = page.shown("#order-total").await?;
                page.fill("#promotion", code).await?;
                page.tap_text("Apply").await?;
                if *code == "NOPE" {
                    page.wait_for_text("There is no promotion code “NOPE”").await?;
                    page.snapshot("refused-code").await?;
                    let beside = page
                        .js(
                            "const f = document.getElementById('promotion'); \
                             const e = document.getElementById(f.getAttribute('aria-describedby')); \
                             return !!e && e.innerText.includes('NOPE') && \
                                    f.getAttribute('aria-invalid') === 'true';",
                            vec![],
                        )
                        .await?;
                    ensure!(beside == json!(true), "the reason is beside the field");
                    page.shows("#order-total", &before).await.context("the totals stay")?;
                    ensure!(page.shown("#shipping-amount").await? == shipping_cost);
                }
            }
            page.shows("#order-total", expected).await?;
            ensure!(
                page.js("return window.stayedOnPage === true;", vec![]).await? == json!(true),
                "the totals changed without reloading the page"
            );
            if shipping == "mail" {
                page.fill("#address", "12 Elm St\nSpringfield, IL 62701").await?;
            }
            page.snapshot(&format!("checkout-{n}")).await?;
            let last_shown = page.shown("#order-total").await?;
            page.tap("#place-order").await?;
            page.wait_for(
                "the confirmation page",
                "return location.pathname.startsWith('/orders/') && \
                        !!document.querySelector('#order-total');",
            )
            .await?;
            let charged = page.shown("#order-total").await?;
            ensure!(
                charged == last_shown && charged == expected,
                "order {n}: the page said {last_shown}, the order is {charged} (expected {expected})"
            );
        }
        Ok(())
    })
    .await;
}
