//! A studio outside the US: a Lisbon studio prices in euros with IVA (23 %) included, and
//! speaks Portuguese amounts and dates. Ann adds two 5×7 prints (14,00 €) and an 8×10
//! (56,87 €): 84,87 €, which contains 15,87 € of IVA (84,87 × 23 ÷ 123 = 15,870); sent by mail
//! (7,50 €, taxed too) it is 92,37 €, containing 17,27 € (17,2724). Every page, the email and
//! the studio's inbox say the same figures.

use anyhow::ensure;
use proofroom_tests::browser::{Page, Screen, story};
use proofroom_tests::shop::{add, ann, check_out, photos};
use proofroom_tests::{LibraryBuilder, TestApp, images, inbox_files};
use reqwest::StatusCode;

const STUDIO_TOML: &str = r#"
name = "Estúdio Alfama"
email = "ola@alfama.example"
time_zone = "Europe/Lisbon"
currency = "EUR"
locale = "pt-PT"

[[tax_rates]]
name = "IVA"
percent = "23"
applies_to_shipping = true
included = true

[[shipping_methods]]
id = "mail"
name = "CTT"
price = "7.50"

[[shipping_methods]]
id = "pickup"
name = "Levantar no estúdio"
price = "0.00"
"#;

const PRICE_LIST_TOML: &str = r#"
name = "Retrato 2026"

[[items]]
sku = "P5X7"
name = "13×18 print"
category = "Prints"
price = "14.00"
images = 1
taxable = true

[[items]]
sku = "P8X10"
name = "20×25 print"
category = "Prints"
price = "56.87"
images = 1
taxable = true
"#;

/// An amount as the page writes it: the number and the euro sign held together.
fn eur(amount: &str) -> String {
    format!("{amount}\u{a0}€")
}

/// The included rate's label: `incl. IVA 23 %`, its percent sign held to the number.
const IVA: &str = "incl. IVA 23\u{a0}%";

/// The Lisbon studio with Ann's session of 3 October 2026, pushed.
async fn lisbon(app: &TestApp) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    library.write("studio.toml", STUDIO_TOML);
    library.write("price-lists/portrait-2026.toml", PRICE_LIST_TOML);
    library
        .session("silva")
        .event_type("none")
        .date("2026-10-03")
        .image("Silva 01.jpg", images::jpeg(600, 400))
        .image("Silva 02.jpg", images::jpeg(400, 600))
        .write();
    app.push(library.path()).await;
    library
}

#[tokio::test]
async fn a_lisbon_studio_prices_with_iva_included_and_every_figure_agrees() {
    let app = TestApp::spawn().await;
    let library = lisbon(&app).await;
    let event = app.event_path("silva");
    let mut ann = ann(&app).await;

    let gallery = ann.get(&event).await;
    assert!(gallery.body.contains("3 de outubro de 2026"), "the date in Portuguese");
    let photos = photos(&mut ann, &event).await;
    let photo = ann.get(&photos[0]).await;
    assert!(photo.body.contains(&eur("14,00")), "the buy panel's prices: {}", photo.body);
    add(&mut ann, &event, "P5X7", "2", &photos[0]).await;
    add(&mut ann, &event, "P8X10", "1", &photos[1]).await;

    // The totals the checkout asks for: the prices' sum, with the IVA they contain.
    let totals = format!("{event}/checkout/totals");
    ann.get(&format!("{event}/checkout")).await;
    for (shipping, total_cents, total, iva_cents, iva) in
        [("pickup", 8487, "84,87", 1587, "15,87"), ("mail", 9237, "92,37", 1727, "17,27")]
    {
        let answer = ann.post_json(&totals, &[("shipping", shipping), ("promotion", "")]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(json["subtotal"], eur("84,87"), "{shipping}");
        assert_eq!(json["total_cents"], total_cents, "{shipping}: nothing is added");
        assert_eq!(json["total"], eur(total), "{shipping}");
        assert_eq!(json["taxes"][0]["name"], IVA);
        assert_eq!(json["taxes"][0]["cents"], iva_cents, "{shipping}");
        assert_eq!(json["taxes"][0]["amount"], eur(iva));
        assert_eq!(json["taxes"][0]["included"], true);
    }

    let placed = check_out(&mut ann, &event, "pay_at_studio", None).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let order_path = placed.location.clone().unwrap();
    let number = order_path.strip_prefix("/orders/").unwrap().to_string();
    let order = ann.get(&order_path).await;
    let total_row = format!("<td id=\"order-total\">{}</td>", eur("84,87"));
    assert!(order.body.contains(&total_row), "{}", order.body);
    let iva_row =
        format!("<tr class=\"tax-included\"><th scope=\"row\">{IVA}</th><td>{}</td>", eur("15,87"));
    let (at_total, at_iva) = (order.body.find(&total_row), order.body.find(&iva_row));
    assert!(
        at_iva.is_some() && at_total < at_iva,
        "the IVA is said under the total: {}",
        order.body
    );
    let history = ann.get("/orders").await;
    assert!(history.body.contains(&eur("84,87")), "{}", history.body);

    // The confirmation email says the same.
    let mail = app.emails_to("ann.smith@example.com");
    let confirmation = mail.iter().find(|m| m.subject.contains(&number)).expect("a confirmation");
    for line in [format!("Total: {}", eur("84,87")), format!("{IVA}: {}", eur("15,87"))] {
        assert!(confirmation.body.contains(&line), "{line}: {}", confirmation.body);
    }

    // And so does the studio's inbox, in the library's own money format.
    app.sync(library.path()).await;
    let inbox = inbox_files(library.path());
    let json: serde_json::Value =
        serde_json::from_str(&inbox[&format!("orders/{number}.json")]).unwrap();
    assert_eq!(json["subtotal"], "84.87");
    assert_eq!(json["total"], "84.87");
    assert_eq!(json["tax"], "15.87");
    assert_eq!(json["currency"], "EUR");
    assert_eq!(
        json["taxes"],
        serde_json::json!([{ "name": "IVA", "percent": "23", "included": true, "amount": "15.87" }])
    );
}

/// The checkout in a browser: the IVA is said under the total and follows the shipping choice.
async fn ana_sees_the_iva_her_prices_contain(screen: Screen, name: &str) {
    let app = TestApp::spawn().await;
    lisbon(&app).await;
    app.wait_for_proofs().await;
    let event = app.event_path("silva");
    story(name, &app.base_url, screen, |page: Page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", &event).await?;
        page.heading("Session silva").await?;
        let date = page.shown("main").await?;
        ensure!(date.contains("3 de outubro de 2026"), "the session's date: {date}");
        let photo =
            page.js("return document.querySelector('.grid .tile').dataset.photo;", vec![]).await?;
        let photo = photo.as_str().unwrap_or_default().to_string();
        page.goto(&format!("{photo}#order")).await?;
        let panel = page.shown(".buy-panel").await?;
        ensure!(panel.contains(&eur("56,87")), "the 20×25's price: {panel}");
        page.press_on(".buy-panel input[name=sku][value=P8X10]").await?;
        page.press_on_text("Add to cart").await?;
        page.wait_for_text("Added ✓ 20×25 print").await?;
        page.press_on_text("View cart").await?;
        page.heading("My cart").await?;
        page.shows(".cart-subtotal strong", &eur("56,87")).await?;
        page.press_on_text("Check out").await?;
        page.heading("Checkout").await?;

        // Mail is chosen first: 56,87 + 7,50 = 64,37 €, containing 64,37 × 23 ÷ 123 = 12,04 €.
        page.shows("#order-total", &eur("64,37")).await?;
        page.shows(".totals .tax-included td", &eur("12,04")).await?;
        page.shows(".totals .tax-included th", IVA).await?;
        let under = page
            .js(
                "const rows = [...document.querySelectorAll('.totals tr')]; \
                 return rows.findIndex(r => r.classList.contains('grand')) \
                      < rows.findIndex(r => r.classList.contains('tax-included'));",
                vec![],
            )
            .await?;
        ensure!(under == serde_json::json!(true), "the IVA is said under the total");
        page.snapshot("mail").await?;

        // Collected at the studio: 56,87 € contains 10,63 € (10,634).
        page.press_on("input[name=shipping][value=pickup]").await?;
        page.shows("#order-total", &eur("56,87")).await?;
        page.shows(".totals .tax-included td", &eur("10,63")).await?;
        page.axe().await?;
        page.snapshot("pickup").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_laptop_the_checkout_says_the_iva_the_prices_contain() {
    ana_sees_the_iva_her_prices_contain(Screen::Desktop, "iva_desktop").await;
}

#[tokio::test]
async fn on_a_phone_the_checkout_says_the_iva_the_prices_contain() {
    ana_sees_the_iva_her_prices_contain(Screen::Phone, "iva_phone").await;
}
