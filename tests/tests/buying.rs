//! Ordering from where the photo is, in headless Chromium at a laptop's and a phone's width:
//! the buy panel beside the photo in the lightbox and on the photo page, the cart count in the
//! header, package prints named and their photos picked from thumbnails, and a visitor of a
//! public event who sees the prices, registers, and comes back to the photo.

use anyhow::ensure;
use proofroom_tests::browser::{Page, Screen, story};
use proofroom_tests::{LibraryBuilder, TestApp, images, shop};
use serde_json::json;

/// Whether the element matching `css` is laid out (not `display: none`, not hidden).
async fn visible(page: &Page, css: &str) -> anyhow::Result<bool> {
    let seen = page
        .js(
            "const el = document.querySelector(arguments[0]); \
             return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';",
            vec![json!(css)],
        )
        .await?;
    Ok(seen == json!(true))
}

/// The element's box on screen: left, top, right, bottom (CSS pixels).
async fn rect(page: &Page, css: &str) -> anyhow::Result<[f64; 4]> {
    let r = page
        .js(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return [r.left, r.top, r.right, r.bottom];",
            vec![json!(css)],
        )
        .await?;
    Ok(serde_json::from_value(r)?)
}

async fn inner_height(page: &Page) -> anyhow::Result<f64> {
    Ok(page.js("return window.innerHeight;", vec![]).await?.as_f64().unwrap_or_default())
}

async fn no_sideways_scroll(page: &Page) -> anyhow::Result<()> {
    let wider =
        page.js("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await?;
    ensure!(wider.as_f64() <= Some(0.0), "the page scrolls sideways by {wider} px");
    Ok(())
}

/// Ann orders from the lightbox and from the photo page; the header counts her cart, and the
/// cart holds what she added at the price list's prices.
async fn ann_orders_beside_the_photo(screen: Screen, name: &str) {
    let app = TestApp::spawn().await;
    shop::shop(&app).await;
    app.wait_for_proofs().await;
    let event = app.event_path("smith");
    let phone = matches!(screen, Screen::Phone);
    story(name, &app.base_url, screen, |page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", &event).await?;
        page.heading("Session smith").await?;
        page.shows(".site-header [data-cart-count]", "0").await?;
        page.thumbnails_loaded(3).await?;

        // The lightbox: the price list beside the photo on a laptop, a tap away on a phone.
        page.click(".grid .tile:nth-child(1) .tile-link").await?;
        page.lightbox_shows("Smith 01.jpg · 1 of 3").await?;
        if phone {
            ensure!(!visible(&page, ".lb-shop").await?, "on a phone the photo comes first");
            page.tap(".lightbox.open .lb-shop-toggle").await?;
        }
        ensure!(visible(&page, ".lb-shop").await?, "the buy panel shows");
        let panel = page.shown(".lb-shop").await?;
        for line in ["8×10 print", "$24.00", "5×7 print", "$14.00", "Package A", "$89.00"] {
            ensure!(panel.contains(line), "the panel lists {line}: {panel}");
        }
        if !phone {
            let (photo, buy) =
                (rect(&page, ".lb-frame img").await?, rect(&page, ".lb-shop").await?);
            ensure!(buy[0] >= photo[2], "the panel is beside the photo: {photo:?} {buy:?}");
        }
        page.axe().await?;
        page.snapshot("lightbox-panel").await?;

        // Three 5×7 prints: the stepper counts, "Added ✓" says so, the header counts them.
        page.click(".lb-shop input[name=sku][value=P5X7]").await?;
        page.click(".lb-shop [data-step='1']").await?;
        page.click(".lb-shop [data-step='1']").await?;
        let quantity = page.find(".lb-shop input[name=quantity]").await?.prop("value").await?;
        ensure!(quantity.as_deref() == Some("3"), "the stepper counts to 3: {quantity:?}");
        page.click(".lb-shop .buy-add").await?;
        page.wait_for_text("Added ✓ 5×7 print").await?;
        page.shows(".site-header [data-cart-count]", "3").await?;
        ensure!(page.shown(".lb-shop .added").await?.contains("View cart"));
        page.click_text("Keep browsing").await?;
        ensure!(page.find(".lightbox.open").await?.is_displayed().await?, "still browsing");

        // The next photo: one 8×10 of it.
        page.next_photo().await?;
        page.lightbox_shows("Smith 02.jpg · 2 of 3").await?;
        if phone && !visible(&page, ".lb-shop").await? {
            page.tap(".lightbox.open .lb-shop-toggle").await?;
        }
        page.click(".lb-shop input[name=sku][value=P8X10]").await?;
        page.click(".lb-shop .buy-add").await?;
        page.wait_for_text("Added ✓ 8×10 print").await?;
        page.shows(".site-header [data-cart-count]", "4").await?;

        // The photo page of the third: the panel is beside the photo (or right below it on a
        // phone), above the fold.
        let third = page
            .js("return document.querySelectorAll('.grid .tile')[2].dataset.photo;", vec![])
            .await?;
        page.goto(third.as_str().unwrap_or_default()).await?;
        let (photo, buy, fold) = (
            rect(&page, ".photo img").await?,
            rect(&page, ".buy-panel").await?,
            inner_height(&page).await?,
        );
        ensure!(buy[1] < fold, "the buy panel starts above the fold: {buy:?}, fold {fold}");
        if phone {
            ensure!(buy[1] >= photo[3] - 1.0, "on a phone it follows the photo: {photo:?} {buy:?}");
        } else {
            ensure!(buy[0] >= photo[2], "on a laptop it is beside the photo: {photo:?} {buy:?}");
        }
        no_sideways_scroll(&page).await?;
        page.snapshot("photo-page").await?;
        page.click(".buy-panel input[name=sku][value=P8X10]").await?;
        page.click(".buy-panel .buy-add").await?;
        page.wait_for_text("Added ✓ 8×10 print").await?;
        page.shows(".site-header [data-cart-count]", "5").await?;

        // The header's cart: what she added, at the price list's prices (3 × 14 + 2 × 24).
        page.click(".site-header .cart-link").await?;
        page.heading("My cart").await?;
        page.shows(".cart-subtotal strong", "$90.00").await?;
        ensure!(page.all(".cart-line").await?.len() == 3, "three lines");
        no_sideways_scroll(&page).await?;
        page.snapshot("cart").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_laptop_ann_orders_beside_the_photo_and_the_header_counts_her_cart() {
    ann_orders_beside_the_photo(Screen::Desktop, "buy_panel_laptop").await;
}

#[tokio::test]
async fn on_a_phone_ann_orders_beside_the_photo_and_the_header_counts_her_cart() {
    ann_orders_beside_the_photo(Screen::Phone, "buy_panel_phone").await;
}

/// A package: each photo slot named with its print, the photos picked from thumbnails with
/// her favorites first, the previews changing at once and kept.
async fn ann_fills_a_package(screen: Screen, name: &str) {
    let app = TestApp::spawn().await;
    shop::shop(&app).await;
    app.wait_for_proofs().await;
    let event = app.event_path("smith");
    story(name, &app.base_url, screen, |page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", &event).await?;
        page.heading("Session smith").await?;
        // Her favorite: the third photo.
        page.click(".grid .tile:nth-child(3) .heart").await?;
        page.wait_for_text("Smith 03.jpg added to favorites").await?;
        let first = page
            .js("return document.querySelector('.grid .tile').dataset.photo;", vec![])
            .await?;
        page.goto(first.as_str().unwrap_or_default()).await?;
        page.click(".buy-panel input[name=sku][value=PKG-A]").await?;
        ensure!(page.shown(".buy-panel").await?.contains("3 photos: 8×10, 5×7 #1, 5×7 #2"));
        page.click(".buy-panel .buy-add").await?;
        page.wait_for_text("Pick the other 2 photos in the cart").await?;
        page.click_text("View cart").await?;
        page.heading("My cart").await?;

        // Each slot is named with its print; only the first has a photo yet.
        let mut labels = Vec::new();
        for label in page.all(".slot-pick label").await? {
            labels.push(label.text().await?);
        }
        ensure!(labels == ["8×10", "5×7 #1", "5×7 #2"], "the slots: {labels:?}");
        let previews = page
            .js("return [...document.querySelectorAll('.slot-preview')].map(i => i.getAttribute('src'));", vec![])
            .await?;
        let previews: Vec<String> = serde_json::from_value(previews)?;
        ensure!(!previews[0].contains("empty-slot"), "the 8×10 is the photo ordered from");
        ensure!(previews[1].contains("empty-slot") && previews[2].contains("empty-slot"));
        page.wait_for_text("Pick a photo for each print").await?;
        no_sideways_scroll(&page).await?;

        // "5×7 #1" from the thumbnails: her favorite heads the list.
        page.click(".picker-open[data-slot='5×7 #1']").await?;
        page.find("dialog.picker[open]").await?;
        let sections = page.shown("dialog.picker .picker-body").await?;
        ensure!(
            sections.starts_with("Your favorites\n♥ Smith 03.jpg\nOther photos"),
            "favorites first: {sections}"
        );
        page.axe().await?;
        page.snapshot("picker").await?;
        page.click("dialog.picker .picker-choice").await?;
        page.wait_for(
            "the preview to change at once",
            "const s = document.querySelectorAll('.slot-pick select')[1]; \
             const i = document.querySelectorAll('.slot-preview')[1]; \
             return s.selectedOptions[0].dataset.thumb === i.getAttribute('src') && \
                    s.selectedOptions[0].textContent.includes('Smith 03.jpg');",
        )
        .await?;
        // "5×7 #2": the second photo, from all photos.
        page.click(".picker-open[data-slot='5×7 #2']").await?;
        let choice = page
            .find_text("Smith 02.jpg")
            .await?;
        choice.click().await?;
        page.wait_for_text("Saved").await?;
        ensure!(page.find("#check-out").await?.is_displayed().await?, "now it can be checked out");

        // Kept on the server: a reload shows the same picks.
        page.client.refresh().await?;
        page.heading("My cart").await?;
        let picked = page
            .js("return [...document.querySelectorAll('.slot-pick select')].map(s => s.selectedOptions[0].textContent.replace('♥ ', '').trim());", vec![])
            .await?;
        ensure!(
            picked == json!(["Smith 01.jpg", "Smith 03.jpg", "Smith 02.jpg"]),
            "the picks are kept: {picked}"
        );
        page.snapshot("package").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_laptop_ann_names_the_prints_of_a_package_from_thumbnails_favorites_first() {
    ann_fills_a_package(Screen::Desktop, "package_laptop").await;
}

#[tokio::test]
async fn on_a_phone_ann_names_the_prints_of_a_package_from_thumbnails_favorites_first() {
    ann_fills_a_package(Screen::Phone, "package_phone").await;
}

/// A public event with the sample price list.
async fn public_fair() -> (TestApp, LibraryBuilder) {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    shop::write_studio(&library);
    library
        .session("county-fair")
        .event_type("public")
        .image("fair-1.jpg", images::jpeg(600, 400))
        .image("fair-2.jpg", images::jpeg(400, 600))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    (app, library)
}

/// A visitor sees the prices, is told how to order, registers as a guest from the photo and
/// comes back to that photo, now able to add it to a cart.
async fn a_visitor_registers_to_order(screen: Screen, name: &str) {
    let (app, _library) = public_fair().await;
    let event = app.event_path("county-fair");
    let app = &app;
    story(name, &app.base_url, screen, |page| async move {
        page.goto(&event).await?;
        page.thumbnails_loaded(2).await?;
        page.click(".grid .tile:nth-child(2) .tile-link").await?;
        page.lightbox_shows("fair-2.jpg · 2 of 2").await?;
        if !visible(&page, ".lb-shop").await? {
            page.click(".lightbox.open .lb-shop-toggle").await?;
        }
        let prices = page.shown(".lb-shop .price-list").await?;
        ensure!(prices.contains("8×10 print") && prices.contains("$24.00"), "{prices}");
        ensure!(page.all(".lb-shop .buy-add").await?.is_empty(), "no cart before signing in");
        page.click(".lb-shop .lb-gate-open").await?;
        page.wait_for_text("Sign in or register as a guest to order").await?;
        page.axe().await?;
        let photo = page
            .js("return document.querySelectorAll('.grid .tile')[1].dataset.photo;", vec![])
            .await?;
        let photo = photo.as_str().unwrap_or_default().to_string();
        page.click(".lb-shop .lb-register").await?;
        page.heading("Register as a guest").await?;
        page.fill("#name", "Dee Fair").await?;
        page.fill("#email", "dee@example.com").await?;
        page.fill("#password", "correct horse").await?;
        page.click("form[action='/register'] button[type=submit]").await?;
        page.heading("Check your email").await?;
        let mail = app.next_email_to("dee@example.com", 0).await;
        page.goto(&app.link_in(&mail, "/register/confirm/")).await?;
        page.heading("Confirm your email").await?;
        page.click("main form button[type=submit]").await?;
        page.wait_for("the photo page", "return !!document.querySelector('.buy-panel');").await?;
        ensure!(page.path().await? == photo, "back on the photo she was ordering");
        page.click(".buy-panel .buy-add").await?;
        page.wait_for_text("Added ✓ 8×10 print").await?;
        page.shows(".site-header [data-cart-count]", "1").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_laptop_a_visitor_of_a_public_event_sees_prices_registers_and_comes_back_to_the_photo()
{
    a_visitor_registers_to_order(Screen::Desktop, "visitor_order_laptop").await;
}

#[tokio::test]
async fn on_a_phone_a_visitor_of_a_public_event_sees_prices_registers_and_comes_back_to_the_photo()
{
    a_visitor_registers_to_order(Screen::Phone, "visitor_order_phone").await;
}
