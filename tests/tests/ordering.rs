//! Ordering over HTTP: a client fills a cart from the gallery, checks out paying at the studio,
//! gets the confirmation page and email, and the order reaches the studio's inbox exactly once;
//! the studio moves it along and the client sees it. Every amount comes from the server.

use proofroom_tests::shop::{add, ann, field, image_id, photos, post_owned, shop};
use proofroom_tests::smtp::SmtpServer;
use proofroom_tests::{TestApp, Visitor, inbox_files, printed};
use reqwest::StatusCode;

/// The sample studio the stories' email speaks as.
const STUDIO: &str = "Maple Lane Photography";
const STUDIO_EMAIL: &str = "hello@maplelane.example";

#[tokio::test]
async fn a_client_orders_prints_pays_at_the_studio_and_the_studio_gets_the_order_once() {
    let Some(smtp) = SmtpServer::start() else { return };
    let app = TestApp::builder().smtp(&smtp).spawn().await;
    let library = shop(&app).await;
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let photos = photos(&mut ann, &event).await;
    assert_eq!(photos.len(), 3);

    // The photo page offers the price list beside the photo.
    let photo_page = ann.get(&photos[0]).await;
    let panel = photo_page.body.split("class=\"buy-panel\"").nth(1).expect("a buy panel");
    assert!(
        panel.contains("5×7 print</span>")
            && panel.contains("<span class=\"product-price\">$14.00"),
        "{panel}"
    );
    assert!(panel.contains("Add to cart"));

    // Two 5×7 of the first photo, one 8×10 of the second; a price sent along is ignored.
    let added = add(&mut ann, &event, "P5X7", "2", &photos[0]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(added.location.as_deref(), Some(format!("{event}/cart").as_str()));
    ann.get(&photos[1]).await;
    ann.post(
        &format!("{event}/cart"),
        &[("sku", "P8X10"), ("image_id", image_id(&photos[1])), ("price", "0.01")],
    )
    .await;
    let cart = ann.get(&format!("{event}/cart")).await;
    assert!(cart.body.contains("Subtotal: <strong>$52.00</strong>"), "{}", cart.body);
    assert!(cart.body.contains("Smith 01.jpg") && cart.body.contains("Smith 02.jpg"));

    // The cart is kept on the server: it is still there after signing out and in again.
    ann.post("/logout", &[]).await;
    let mut ann = self::ann(&app).await;
    let cart = ann.get(&format!("{event}/cart")).await;
    assert!(cart.body.contains("$52.00"), "{}", cart.body);

    // Mail needs an address: refused, with the code typed kept.
    let checkout = ann.get(&format!("{event}/checkout")).await;
    assert_eq!(checkout.status, StatusCode::OK, "{}", checkout.body);
    let key = field(&checkout, "checkout_key");
    let form = |address: &'static str, action: &'static str| {
        vec![
            ("checkout_key", key.clone()),
            ("shipping", "mail".to_string()),
            ("address", address.to_string()),
            ("promotion", "welcome10".to_string()),
            ("payment", "pay_at_studio".to_string()),
            ("action", action.to_string()),
        ]
    };
    let as_fields = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
    let refused =
        post_owned(&mut ann, &format!("{event}/checkout"), &as_fields(&form("", "place"))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Type the address to send your order to"), "{}", refused.body);
    assert!(refused.body.contains("value=\"welcome10\""), "the code typed is kept");

    // Apply shows the amounts: 52.00 − 5.20 + 7.50 shipping + 7.25 % of 46.80 (3.39) = 57.69.
    let quoted =
        post_owned(&mut ann, &format!("{event}/checkout"), &form("12 Elm St", "apply")).await;
    assert_eq!(quoted.status, StatusCode::OK);
    assert!(quoted.body.contains("−$5.20") && quoted.body.contains("$3.39"), "{}", quoted.body);
    assert!(quoted.body.contains("<td id=\"order-total\">$57.69</td>"), "{}", quoted.body);

    let placed = post_owned(
        &mut ann,
        &format!("{event}/checkout"),
        &form("12 Elm St\nSpringfield, IL 62701", "place"),
    )
    .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let order_path = placed.location.clone().unwrap();
    let number = order_path.strip_prefix("/orders/").unwrap().to_string();
    assert_eq!(number.len(), 9, "{number}");

    let order = ann.get(&order_path).await;
    assert_eq!(order.status, StatusCode::OK);
    assert!(order.body.contains(&number));
    assert!(order.body.contains("<td id=\"order-total\">$57.69</td>"), "{}", order.body);
    assert!(order.body.contains("To be paid at the studio"));
    assert!(order.body.contains("id=\"order-status\">Placed<"), "{}", order.body);
    let history = ann.get("/orders").await;
    assert!(history.body.contains(&number) && history.body.contains("$57.69"));
    let cart = ann.get(&format!("{event}/cart")).await;
    assert!(cart.body.contains("Your cart is empty"), "the cart became the order");

    // The same form sent again (a double click, a reload) is the same order.
    let again =
        post_owned(&mut ann, &format!("{event}/checkout"), &form("12 Elm St", "place")).await;
    assert_eq!(again.location.as_deref(), Some(order_path.as_str()));

    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].to.contains("ann.smith@example.com"), "{:?}", mail[0]);
    assert!(mail[0].subject.contains(&number), "{:?}", mail[0]);
    assert!(mail[0].body.contains("Total: $57.69"), "{}", mail[0].body);
    assert!(mail[0].body.contains("Smith 01.jpg"), "{}", mail[0].body);
    assert!(mail[0].body.contains(&format!("/orders/{number}")), "{}", mail[0].body);

    // It speaks as the studio: its name and Reply-To, an HTML part with its logo, the order and
    // one button to the order's page.
    let order_url = format!("{}/orders/{number}", app.base_url);
    let html = mail[0].assert_from_studio(STUDIO, Some(STUDIO_EMAIL), &order_url);
    assert!(html.contains("Total: $57.69") && html.contains("Smith 01.jpg"), "{html}");
    let logo = html
        .split(&format!("<img src=\"{}", app.base_url))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no logo: {html}"));
    assert!(logo.starts_with("/branding/logo/"), "{logo}");
    let nobody = Visitor::new(&app.base_url).get(logo).await;
    assert_eq!(nobody.status, StatusCode::OK, "a mail client, signed in nowhere, loads the logo");
    // Ann's gallery is hers alone: its images are served only to a browser signed in as her,
    // so the email shows none.
    assert!(!html.contains("/images/"), "{html}");

    // The studio's sync brings the order into the inbox, once.
    let said = app.sync(library.path()).await;
    assert!(said.contains("pulled 1 items: 1 orders"), "{said}");
    let inbox = inbox_files(library.path());
    let json: serde_json::Value =
        serde_json::from_str(&inbox[&format!("orders/{number}.json")]).unwrap();
    assert_eq!(json["total"], "57.69");
    assert_eq!(json["tax"], "3.39");
    assert_eq!(json["discount"], "5.20");
    assert_eq!(json["promotion"], "WELCOME10");
    assert_eq!(json["payment_status"], "due_at_studio");
    assert_eq!(json["client"]["id"], "C-1042");
    assert_eq!(json["shipping"]["address"], "12 Elm St\nSpringfield, IL 62701");
    assert_eq!(json["items"][0]["images"], serde_json::json!(["Smith 01.jpg"]));
    assert_eq!(json["items"][0]["quantity"], 2);
    assert_eq!(json["items"][0]["unit_price"], "14.00");
    let tasks = &inbox["tasks.csv"];
    assert_eq!(tasks.matches(&format!("Order {number}")).count(), 1, "{tasks}");
    let said = app.sync(library.path()).await;
    assert!(said.contains("pulled 0 items"), "{said}");
    assert_eq!(inbox_files(library.path()), inbox, "nothing new, nothing doubled");

    // The studio moves it along; Ann sees it and is told.
    let moved = app
        .connector(library.path(), &["order-status", &number.to_lowercase(), "ready-for-pickup"])
        .await;
    assert!(moved.status.success(), "{}", printed(&moved));
    assert!(printed(&moved).contains("is now: Ready for pickup"));
    let order = ann.get(&order_path).await;
    assert!(order.body.contains("id=\"order-status\">Ready for pickup<"), "{}", order.body);
    let mail = smtp.wait_for(2).await;
    assert_eq!(mail.len(), 2);
    assert!(mail[1].subject.contains("is ready for pickup"), "{:?}", mail[1]);
    mail[1].assert_from_studio(STUDIO, Some(STUDIO_EMAIL), &order_url);
    let same = app.connector(library.path(), &["order-status", &number, "ready-for-pickup"]).await;
    assert!(printed(&same).contains("was already"), "{}", printed(&same));
    let unknown = app.connector(library.path(), &["order-status", "ZZZZ-ZZZZ", "shipped"]).await;
    assert_eq!(unknown.status.code(), Some(2), "{}", printed(&unknown));
    let bad = app.connector(library.path(), &["order-status", &number, "lost"]).await;
    assert_eq!(bad.status.code(), Some(2), "{}", printed(&bad));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 2, "no email for a status it already had");
}

#[tokio::test]
async fn bad_carts_and_checkouts_are_refused_with_a_clear_message_and_no_order() {
    let app = TestApp::spawn().await;
    shop(&app).await;
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let photos = photos(&mut ann, &event).await;

    for quantity in ["0", "-1", "1000", "2.5", "abc", "99999999999999999999"] {
        let refused = add(&mut ann, &event, "P5X7", quantity, &photos[0]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "quantity {quantity}");
        assert!(refused.body.contains("quantity"), "{}", refused.body);
    }
    let unknown = add(&mut ann, &event, "FREE-CANVAS", "1", &photos[0]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("is not on this gallery"));
    let bad_image =
        ann.post(&format!("{event}/cart"), &[("sku", "P5X7"), ("image_id", "not-a-photo")]).await;
    assert_eq!(bad_image.status, StatusCode::NOT_FOUND);
    let no_csrf = ann.post_raw(&format!("{event}/cart"), &[("sku", "P5X7")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let cart = ann.get(&format!("{event}/cart")).await;
    assert!(cart.body.contains("Your cart is empty"), "nothing was added");

    // A visitor who is not signed in is sent to sign in, and cannot add.
    let mut stranger = Visitor::new(&app.base_url);
    let cart = stranger.get(&format!("{event}/cart")).await;
    assert_eq!(cart.status, StatusCode::SEE_OTHER);
    assert!(cart.location.unwrap().starts_with("/login?next="));

    // A package takes three photos, each named with its print: the first is the photo it was
    // ordered from, the others wait to be picked (no checkout until they are); each can be
    // changed one by one; a photo of no gallery is refused.
    add(&mut ann, &event, "PKG-A", "1", &photos[0]).await;
    let cart = ann.get(&format!("{event}/cart")).await;
    assert_eq!(cart.body.matches("name=\"pick_").count(), 3, "{}", cart.body);
    for print in [">8×10</label>", ">5×7 #1</label>", ">5×7 #2</label>"] {
        assert!(cart.body.contains(print), "the slot {print} is named: {}", cart.body);
    }
    assert!(cart.body.contains("Pick a photo for each print"), "{}", cart.body);
    let line = cart.body.split("id=\"line-").nth(1).unwrap().split('"').next().unwrap().to_string();
    let changed = ann
        .post(
            &format!("{event}/cart/{line}"),
            &[
                ("quantity", "2"),
                ("pick_1", image_id(&photos[1])),
                ("pick_2", image_id(&photos[2])),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    for slot in ["pick_7", "pick_2147483647", "pick_-1", "pick_x"] {
        let wrong_slot = ann
            .post(
                &format!("{event}/cart/{line}"),
                &[("quantity", "1"), (slot, image_id(&photos[1]))],
            )
            .await;
        assert_eq!(wrong_slot.status, StatusCode::UNPROCESSABLE_ENTITY, "{slot}");
    }
    // A slot left at "Pick a photo…" keeps what it had.
    let unchanged =
        ann.post(&format!("{event}/cart/{line}"), &[("quantity", "2"), ("pick_0", "")]).await;
    assert_eq!(unchanged.status, StatusCode::SEE_OTHER, "{}", unchanged.body);
    let cart = ann.get(&format!("{event}/cart")).await;
    assert!(cart.body.contains("$178.00"), "2 × 89.00: {}", cart.body);

    // Promotion codes: unknown, over, below the minimum — each says why; no order is placed.
    let checkout = ann.get(&format!("{event}/checkout")).await;
    let key = field(&checkout, "checkout_key");
    for (code, says) in
        [("NOPE", "There is no promotion code “NOPE”"), ("spring10", "The code SPRING10 ended on")]
    {
        let refused = ann
            .post(
                &format!("{event}/checkout"),
                &[
                    ("checkout_key", key.as_str()),
                    ("shipping", "pickup"),
                    ("promotion", code),
                    ("payment", "pay_at_studio"),
                    ("action", "place"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        assert!(refused.body.contains(says), "{code}: {}", refused.body);
    }
    // Unknown shipping and payment methods.
    for (shipping, payment, says) in [
        ("drone", "pay_at_studio", "Choose how you will get your order"),
        ("pickup", "card", "Choose how you will pay"),
        ("pickup", "bitcoin", "Choose how you will pay"),
    ] {
        let refused = ann
            .post(
                &format!("{event}/checkout"),
                &[
                    ("checkout_key", key.as_str()),
                    ("shipping", shipping),
                    ("payment", payment),
                    ("action", "place"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{shipping} {payment}");
        assert!(refused.body.contains(says), "{}", refused.body);
    }
    assert_eq!(ann.get("/orders").await.body.matches("/orders/").count(), 0, "no order");

    // Below the minimum: one 5×7 alone.
    ann.post(&format!("{event}/cart/{line}/remove"), &[]).await;
    add(&mut ann, &event, "P5X7", "1", &photos[0]).await;
    let refused = ann
        .post(
            &format!("{event}/checkout"),
            &[
                ("checkout_key", key.as_str()),
                ("shipping", "pickup"),
                ("promotion", "WELCOME10"),
                ("payment", "pay_at_studio"),
                ("action", "place"),
            ],
        )
        .await;
    assert!(
        refused.body.contains("needs an order of at least $50.00 (this one is $14.00)"),
        "{}",
        refused.body
    );

    // Pickup needs no address; the order is Ann's alone.
    let placed = ann
        .post(
            &format!("{event}/checkout"),
            &[
                ("checkout_key", key.as_str()),
                ("shipping", "pickup"),
                ("payment", "pay_at_studio"),
                ("action", "place"),
                ("total", "0.01"),
            ],
        )
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let order_path = placed.location.unwrap();
    let order = ann.get(&order_path).await;
    assert!(order.body.contains("<td id=\"order-total\">$15.02</td>"), "{}", order.body);
    let mut bo = Visitor::new(&app.base_url);
    bo.get("/").await;
    let seen = bo.get(&order_path).await;
    assert_eq!(seen.status, StatusCode::SEE_OTHER, "sign in first");
    assert_eq!(bo.get("/orders/NOT-ANUMBER").await.status, StatusCode::NOT_FOUND);

    // With no SMTP server configured, the confirmation is written to the outbox.
    let outbox = app.config.data_dir.join("outbox");
    let mut found = Vec::new();
    for _ in 0..100 {
        found = std::fs::read_dir(&outbox)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "{found:?}");
    let eml = std::fs::read_to_string(&found[0]).unwrap();
    assert!(eml.contains("To: ann.smith@example.com"), "{eml}");
}

#[tokio::test]
async fn the_client_is_told_when_the_photos_are_online_and_before_the_gallery_closes() {
    let Some(smtp) = SmtpServer::start() else { return };
    let app = TestApp::builder().smtp(&smtp).notice_seconds(1).spawn().await;
    let library = shop(&app).await;
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(mail[0].to.contains("ann.smith@example.com"));
    assert_eq!(mail[0].subject, "Your photos from Session smith are online");
    let body = &mail[0].body;
    assert!(body.contains("3 photos"), "{body}");
    assert!(body.contains("User name: ann.smith@example.com"), "{body}");
    assert!(body.contains("Password: your last name"), "{body}");
    assert!(body.contains(&format!("{}/events/", app.base_url)), "{body}");
    let html = mail[0].assert_from_studio(
        STUDIO,
        Some(STUDIO_EMAIL),
        &format!("{}{}", app.base_url, app.event_path("smith")),
    );
    assert!(html.contains("User name: ann.smith@example.com"), "{html}");
    assert!(!html.contains("/images/"), "a client's own gallery: no thumbnails: {html}");

    // Ann chooses her own sign-in; the studio brings the closing date near.
    let mut ann = ann(&app).await;
    ann.get("/account").await;
    let saved = ann
        .post(
            "/account",
            &[
                ("user_name", "annsmith"),
                ("password", "Tr0mb0ne-Sunset"),
                ("password_again", "Tr0mb0ne-Sunset"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let soon = (chrono::Utc::now().date_naive() + chrono::Days::new(2)).to_string();
    let extended = app.connector(library.path(), &["extend", "smith", "--until", &soon]).await;
    assert!(extended.status.success(), "{}", printed(&extended));
    app.catalog_changed();

    let mail = smtp.wait_for(2).await;
    assert_eq!(mail.len(), 2, "{mail:?}");
    assert!(mail[1].subject.starts_with("Your gallery \"Session smith\" closes"), "{:?}", mail[1]);
    assert!(mail[1].body.contains("User name: annsmith"), "{}", mail[1].body);
    assert!(mail[1].body.contains("the password you chose"), "{}", mail[1].body);
    mail[1].assert_from_studio(
        STUDIO,
        Some(STUDIO_EMAIL),
        &format!("{}{}", app.base_url, app.event_path("smith")),
    );
    assert!(!mail.iter().any(|m| m.body.contains("Tr0mb0ne")), "never a password");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(smtp.messages().len(), 2, "each once");
}

/// A public event's email shows its photos: anyone may load them, a mail client signed in
/// nowhere too — the thumbnails are the ones the site serves, through the same access check.
#[tokio::test]
async fn the_email_about_a_public_event_shows_its_photos_which_anyone_can_load() {
    let Some(smtp) = SmtpServer::start() else { return };
    let app = TestApp::builder().smtp(&smtp).notice_seconds(1).spawn().await;
    let library = proofroom_tests::LibraryBuilder::new();
    proofroom_tests::shop::write_studio(&library);
    library
        .session("fair")
        .event_type("public")
        .image("Fair 01.jpg", proofroom_tests::images::jpeg(600, 400))
        .image("Fair 02.jpg", proofroom_tests::images::jpeg(400, 600))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    let event_url = format!("{}{}", app.base_url, app.event_path("fair"));
    let html = mail[0].assert_from_studio(STUDIO, Some(STUDIO_EMAIL), &event_url);
    let thumbs: Vec<&str> = html
        .split(&format!("src=\"{}", app.base_url))
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|src| src.starts_with("/images/"))
        .collect();
    assert_eq!(thumbs.len(), 2, "{html}");
    let mut nobody = Visitor::new(&app.base_url);
    for thumb in thumbs {
        assert!(thumb.contains("/thumb/"), "{thumb}");
        assert_eq!(nobody.get(thumb).await.status, StatusCode::OK, "{thumb} loads for anyone");
    }
}

/// The JSON body of an answer; panics with the body when it is not JSON.
fn json_of(answer: &proofroom_tests::visitor::Answer) -> serde_json::Value {
    serde_json::from_str(&answer.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", answer.status, answer.body))
}

/// The ids of the cart's lines, in the page's order.
fn line_ids(cart: &proofroom_tests::visitor::Answer) -> Vec<String> {
    cart.body
        .split("id=\"line-")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

/// The shop with Ann signed in and four 5×7 prints in her cart (56.00): pickup 56.00 + 4.06
/// tax = 60.06; mail 67.56; mail with WELCOME10 (−5.60, tax 7.25 % of 50.40 = 3.654 → 3.65)
/// 61.55. Answers the app (keep it), the event's path and Ann.
async fn four_prints_in_the_cart() -> (TestApp, String, Visitor) {
    let app = TestApp::spawn().await;
    shop(&app).await;
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let photos = photos(&mut ann, &event).await;
    add(&mut ann, &event, "P5X7", "4", &photos[0]).await;
    (app, event, ann)
}

#[tokio::test]
async fn the_checkout_asks_the_server_for_its_totals_as_json_and_bad_input_is_a_json_error() {
    let (app, event, mut ann) = four_prints_in_the_cart().await;
    let checkout = ann.get(&format!("{event}/checkout")).await;
    assert!(checkout.body.contains(&format!("data-totals=\"{event}/checkout/totals\"")));
    let totals = format!("{event}/checkout/totals");

    let pickup = ann.post_json(&totals, &[("shipping", "pickup"), ("promotion", "")]).await;
    assert_eq!(pickup.status, StatusCode::OK, "{}", pickup.body);
    let json = json_of(&pickup);
    assert_eq!(json["subtotal_cents"], 5600);
    assert_eq!(json["shipping_cents"], 0);
    assert_eq!(json["shipping"], "$0.00");
    assert_eq!(json["taxes"][0]["name"], "Sales tax");
    assert_eq!(json["taxes"][0]["cents"], 406);
    assert_eq!(json["total_cents"], 6006);
    assert_eq!(json["total"], "$60.06");
    assert_eq!(json["promotion"], serde_json::Value::Null);
    assert_eq!(json["promotion_error"], serde_json::Value::Null);

    // A code in any case; a price or total sent along is not read.
    let coded = ann
        .post_json(
            &totals,
            &[("shipping", "mail"), ("promotion", " welcome10 "), ("total_cents", "1")],
        )
        .await;
    let json = json_of(&coded);
    assert_eq!(json["promotion"], "WELCOME10");
    assert_eq!(json["discount_cents"], 560);
    assert_eq!(json["discount"], "$5.60");
    assert_eq!(json["shipping_cents"], 750);
    assert_eq!(json["taxes"][0]["cents"], 365);
    assert_eq!(json["total"], "$61.55");

    // A refused code keeps the amounts (without it) and says why.
    for (code, says) in
        [("NOPE", "There is no promotion code “NOPE”"), ("spring10", "The code SPRING10 ended on")]
    {
        let refused = ann.post_json(&totals, &[("shipping", "mail"), ("promotion", code)]).await;
        assert_eq!(refused.status, StatusCode::OK, "{code}: {}", refused.body);
        let json = json_of(&refused);
        assert_eq!(json["total"], "$67.56", "{code}");
        assert_eq!(json["discount_cents"], 0, "{code}");
        assert_eq!(json["promotion"], serde_json::Value::Null, "{code}");
        assert!(json["promotion_error"].as_str().unwrap().contains(says), "{json}");
    }

    // Bad input is a JSON error, asked for or not; never a 500, never an HTML page.
    for shipping in ["drone", ""] {
        let bad = ann.post(&totals, &[("shipping", shipping)]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{shipping:?}");
        let json = json_of(&bad);
        assert_eq!(json["error"], "unknown_shipping_method", "{json}");
        assert!(json["message"].as_str().unwrap().contains("Choose how you will get"), "{json}");
    }
    let long_code = "X".repeat(5000);
    let long = ann.post(&totals, &[("shipping", "mail"), ("promotion", &long_code)]).await;
    assert_eq!(long.status, StatusCode::OK, "{}", long.body);
    assert!(long.body.len() < 2000, "a long code is not echoed back whole");
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", "shipping=%FF%FE"),
        ("application/x-www-form-urlencoded", "shipping=mail&shipping=pickup"),
        ("text/plain", "shipping=mail"),
    ] {
        let bad = ann.post_body(&totals, content_type, body).await;
        assert!(bad.status.is_client_error(), "{body}: {}", bad.status);
        assert!(json_of(&bad)["error"].is_string(), "{body}");
    }
    let too_big = format!("shipping=mail&promotion={}", "A".repeat(70 * 1024));
    let bad = ann.post_body(&totals, "application/x-www-form-urlencoded", &too_big).await;
    assert!(bad.status.is_client_error(), "{}", bad.status);
    assert!(json_of(&bad)["error"].is_string());

    // The same CSRF rule and access check as every form.
    let no_csrf = ann.post_raw(&totals, &[("shipping", "mail")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(json_of(&no_csrf)["error"], "csrf_failed");
    let mut stranger = Visitor::new(&app.base_url);
    stranger.get("/login").await;
    let answer = stranger.post(&totals, &[("shipping", "mail")]).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    assert!(json_of(&answer)["error"].is_string());
    let elsewhere = ann.post("/events/not-an-event/checkout/totals", &[("shipping", "mail")]).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&elsewhere)["error"], "event_not_found");

    // An empty cart has no total.
    let line = line_ids(&ann.get(&format!("{event}/cart")).await).remove(0);
    ann.post(&format!("{event}/cart/{line}/remove"), &[]).await;
    let empty = ann.post_json(&totals, &[("shipping", "mail")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(&empty)["error"], "cart_empty");
}

/// Without JavaScript: "Update total" shows the amounts of the choices made, a refused code
/// keeps the totals with the error beside the field, and an order is never placed at a total
/// other than the one the page showed.
#[tokio::test]
async fn without_script_update_total_shows_the_choices_and_an_unseen_total_is_never_charged() {
    let (_app, event, mut ann) = four_prints_in_the_cart().await;
    let path = format!("{event}/checkout");
    let checkout = ann.get(&path).await;
    assert!(checkout.body.contains("id=\"order-total\">$67.56<"), "mail first: {}", checkout.body);
    assert_eq!(field(&checkout, "shown_total"), "6756");
    assert!(checkout.body.contains("value=\"update\""), "an Update total button");
    let key = field(&checkout, "checkout_key");
    let form = |shipping: &str, code: &str, shown: &str, action: &str| {
        vec![
            ("checkout_key", key.clone()),
            ("shipping", shipping.to_string()),
            ("promotion", code.to_string()),
            ("payment", "pay_at_studio".to_string()),
            ("shown_total", shown.to_string()),
            ("action", action.to_string()),
        ]
    };

    let updated = post_owned(&mut ann, &path, &form("pickup", "", "6756", "update")).await;
    assert_eq!(updated.status, StatusCode::OK);
    assert!(updated.body.contains("<td id=\"shipping-amount\">$0.00</td>"), "{}", updated.body);
    assert!(updated.body.contains("id=\"order-total\">$60.06<"), "{}", updated.body);
    assert_eq!(field(&updated, "shown_total"), "6006");

    // A refused code: the totals stay (without it), the reason is beside the field.
    let refused = post_owned(&mut ann, &path, &form("mail", "NOPE", "6006", "apply")).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.body.contains("id=\"order-total\">$67.56<"), "{}", refused.body);
    let beside = refused.body.split("id=\"promotion-error\"").nth(1).expect("error by the field");
    assert!(beside.contains("There is no promotion code “NOPE”"), "{}", refused.body);
    assert!(refused.body.contains("aria-describedby=\"promotion-error\""));
    assert!(refused.body.contains("value=\"NOPE\""), "the code typed is kept");
    assert!(!refused.body.contains("id=\"checkout-error\""), "{}", refused.body);

    // The page showed 67.56 (mail) and the client picked "Pick up" without updating: not placed,
    // the page comes back with the new total and says so.
    let unseen = post_owned(&mut ann, &path, &form("pickup", "", "6756", "place")).await;
    assert_eq!(unseen.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unseen.body);
    assert!(unseen.body.contains("The total is now $60.06"), "{}", unseen.body);
    assert!(unseen.body.contains("id=\"order-total\">$60.06<"));
    assert_eq!(field(&unseen, "shown_total"), "6006");
    for shown in ["abc", "-1", "99999999999999999999999"] {
        let odd = post_owned(&mut ann, &path, &form("pickup", "", shown, "place")).await;
        assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY, "{shown}");
    }
    assert_eq!(ann.get("/orders").await.body.matches("/orders/").count(), 0, "no order");

    // A code placed straight away is refused too, the reason beside the field.
    let coded = post_owned(&mut ann, &path, &form("pickup", "NOPE", "6006", "place")).await;
    assert_eq!(coded.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(coded.body.split("id=\"promotion-error\"").nth(1).unwrap().contains("NOPE"));

    let placed = post_owned(&mut ann, &path, &form("pickup", "", "6006", "place")).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let order = ann.get(placed.location.as_deref().unwrap()).await;
    assert!(order.body.contains("<td id=\"order-total\">$60.06</td>"), "{}", order.body);
}

/// Without JavaScript one "Update cart" saves every line (and "Check out" saves them first);
/// with it, the page's script saves the whole cart as it changes and gets the amounts back.
#[tokio::test]
async fn update_cart_saves_every_line_at_once_or_none_and_check_out_saves_first() {
    let app = TestApp::spawn().await;
    shop(&app).await;
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let photos = photos(&mut ann, &event).await;
    add(&mut ann, &event, "P5X7", "1", &photos[0]).await;
    add(&mut ann, &event, "P8X10", "1", &photos[1]).await;
    let cart = ann.get(&format!("{event}/cart")).await;
    let lines = line_ids(&cart);
    assert_eq!(lines.len(), 2);
    let (a, b) = (&lines[0], &lines[1]);
    assert!(cart.body.contains(&format!("name=\"quantity_{a}\"")), "{}", cart.body);
    assert!(cart.body.contains("Update cart") && cart.body.contains("Check out"));
    let update = format!("{event}/cart/update");
    let qa = format!("quantity_{a}");
    let qb = format!("quantity_{b}");

    // One bad quantity: nothing is saved, the page says which and keeps what was typed.
    let refused = ann.post(&update, &[(&qa, "0"), (&qb, "3")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("A quantity is at least 1"), "{}", refused.body);
    assert!(refused.body.contains(&format!("name=\"{qa}\" value=\"0\"")), "{}", refused.body);
    assert!(refused.body.contains(&format!("name=\"{qb}\" value=\"3\"")), "{}", refused.body);
    let cart = ann.get(&format!("{event}/cart")).await;
    assert!(cart.body.contains("Subtotal: <strong>$38.00</strong>"), "unchanged: {}", cart.body);
    let no_csrf = ann.post_raw(&update, &[(&qa, "5")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);

    // The page's script: JSON back, with each line's amount and the subtotal from the server.
    let saved = ann.post_json(&update, &[(&qa, "2"), (&qb, "1")]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let json = json_of(&saved);
    assert_eq!(json["subtotal"], "$52.00");
    assert_eq!(json["lines"][0]["id"], a.as_str());
    assert_eq!(json["lines"][0]["total"], "$28.00");
    let bad = ann.post_json(&update, &[(&qa, "abc"), (&qb, "1")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let json = json_of(&bad);
    assert_eq!(json["error"], "invalid_quantity");
    assert!(json["lines"][a.as_str()].as_str().unwrap().contains("from 1 to 999"), "{json}");

    // "Check out" straight after typing: every line saved (a photo changed too), then checkout.
    let pick = format!("pick_{b}_0");
    let checkout = ann
        .post(
            &update,
            &[
                (&qa, "3"),
                (&qb, " 2 "),
                (&pick, image_id(&photos[2])),
                ("quantity_no-such-line", "5"),
                ("then", "checkout"),
            ],
        )
        .await;
    assert_eq!(checkout.status, StatusCode::SEE_OTHER, "{}", checkout.body);
    assert_eq!(checkout.location.as_deref(), Some(format!("{event}/checkout").as_str()));
    let page = ann.get(&format!("{event}/checkout")).await;
    assert!(page.body.contains("3 × 5×7 print"), "{}", page.body);
    assert!(page.body.contains("2 × 8×10 print") && page.body.contains("Smith 03.jpg"));
    // 42.00 + 48.00 + 7.50 mail + 7.25 % of 90.00 (6.525 → 6.53) = 104.03
    assert!(page.body.contains("id=\"order-total\">$104.03<"), "{}", page.body);

    // "Update cart" comes back to the cart.
    let again = ann.post(&update, &[(&qa, "1"), (&qb, "1")]).await;
    assert_eq!(again.location.as_deref(), Some(format!("{event}/cart").as_str()));
    let bad_slot = format!("pick_{b}_4");
    let wrong = ann.post(&update, &[(&qa, "1"), (&bad_slot, image_id(&photos[2]))]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    let other_gallery = ann.post(&update, &[(&qa, "1"), (&pick, "not-a-photo")]).await;
    assert_eq!(other_gallery.status, StatusCode::NOT_FOUND);
    let cart = ann.get(&format!("{event}/cart")).await;
    assert!(cart.body.contains("Subtotal: <strong>$38.00</strong>"), "{}", cart.body);
}
