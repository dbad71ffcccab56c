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
    let mut ann = library.session("ann-wedding").event_type("none").setting("yearbook_selection = true");
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

#[tokio::test]
async fn a_client_signs_in_favorites_from_the_lightbox_by_keyboard_and_picks_a_yearbook_photo() {
    let (app, _library) = studio().await;
    story("client_lightbox", &app.base_url, Screen::Desktop, |page| async move {
        page.goto("/").await?;
        page.click_text("Sign in").await?;
        page.fill("#user_name", "Ann.Smith@example.com").await?;
        // The default password forgives letter case and stray spaces.
        page.fill("#password", " smith ").await?;
        page.click("form[action='/login'] button[type=submit]").await?;
        page.wait_for_text("Welcome, Ann Smith").await?;
        page.click_text("Not now, take me to my photos").await?;
        page.wait_for_text("My events").await?;
        page.click_text("Session ann-wedding").await?;
        page.find(".grid .tile").await?;
        ensure!(page.all(".grid .tile").await?.len() == 5, "the grid shows all five photos");
        ensure!(favorite_count(&page).await? == "0");

        // Open the first photo from the keyboard: focus its link and press Enter.
        page.js("document.querySelector('.grid .tile-link').focus(); return true;", vec![]).await?;
        page.press(&Key::Enter.to_string()).await?;
        page.find(".lightbox.open").await?;
        ensure!(page.text(".lightbox figcaption").await?.contains("ann-1.jpg · 1 of 5"));
        // F, →, F, →, F: three favorites without touching the mouse.
        for step in 1..=3 {
            page.press("f").await?;
            page.wait_for(
                "the heart to fill",
                "return document.querySelector('.lb-heart').getAttribute('aria-pressed') === 'true';",
            )
            .await?;
            if step < 3 {
                page.press(&Key::Right.to_string()).await?;
            }
        }
        ensure!(page.text(".lightbox figcaption").await?.contains("ann-3.jpg · 3 of 5"));
        page.press(&Key::Right.to_string()).await?;
        ensure!(!lightbox_heart_pressed(&page).await?, "the fourth photo is not a favorite");
        page.press(&Key::Left.to_string()).await?;
        ensure!(lightbox_heart_pressed(&page).await?, "back on the third, its heart is full");

        // A note on the third favorite, typed in the lightbox.
        page.fill(".lightbox .lb-note input", "Please retouch the flyaway hair").await?;
        page.press(&Key::Enter.to_string()).await?;
        page.wait_for_text("Note saved").await?;
        page.press(&Key::Escape.to_string()).await?; // leaves the note field
        page.press(&Key::Escape.to_string()).await?; // closes the lightbox
        page.wait_for(
            "the lightbox to close",
            "return !document.querySelector('.lightbox.open');",
        )
        .await?;
        ensure!(favorite_count(&page).await? == "3", "the counter shows three favorites");

        // What the studio will receive: the favorites page after a reload, with the note.
        page.click_text("Notes").await?;
        page.wait_for_text("My favorites").await?;
        let names: Vec<String> = {
            let mut names = Vec::new();
            for item in page.all(".favorite-list strong").await? {
                names.push(item.text().await?);
            }
            names
        };
        ensure!(
            names == ["ann-1.jpg", "ann-2.jpg", "ann-3.jpg"],
            "favorites kept: {names:?}"
        );
        ensure!(page.text(".favorite-list").await?.contains("Please retouch the flyaway hair"));

        // A group of her own, with one photo in it.
        page.click_text("Session ann-wedding").await?;
        page.click_text("My groups").await?;
        page.fill("#new-group", "Parents' album").await?;
        page.click_text("Make group").await?;
        page.wait_for_text("Parents' album (0)").await?;
        page.find(".grid .tile:nth-child(4) .tile-link").await?.click().await?;
        page.click(".lightbox.open .lb-open").await?;
        page.click_text("+ Parents' album").await?;
        page.wait_for_text("✓ Parents' album").await?;

        // The yearbook photo, from the same photo page.
        page.click_text("Pick for the yearbook").await?;
        page.wait_for_text("This is your yearbook photo.").await?;
        page.click_text("Session ann-wedding").await?;
        page.click_text("Parents' album (1)").await?;
        ensure!(page.all(".grid .tile").await?.len() == 1, "the group filter shows its photo");
        let event_path = page.path().await?;

        // Signing out closes the gallery to this browser.
        page.click_text("Sign out").await?;
        page.wait_for_text("Have an event code?").await?;
        page.goto(&event_path).await?;
        page.wait_for_text("We could not find that page").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn a_guest_opens_a_private_event_with_its_code_registers_and_hearts_a_photo() {
    let (app, _library) = studio().await;
    story("guest_code_register", &app.base_url, Screen::Desktop, |page| async move {
        page.goto("/").await?;
        page.fill("#code", "party8").await?;
        page.press(&Key::Enter.to_string()).await?;
        page.wait_for_text("That code").await.context("a wrong code is refused kindly")?;
        page.fill("#code", "party7").await?;
        page.press(&Key::Enter.to_string()).await?;
        page.wait_for_text("Session bo-party").await?;
        ensure!(page.all(".grid .tile").await?.len() == 2);
        ensure!(page.all(".heart").await?.is_empty(), "no hearts before registering");

        page.click_text("register as a guest").await?;
        page.fill("#name", "Cleo Park").await?;
        page.fill("#email", "cleo@example.com").await?;
        page.fill("#password", "correct horse").await?;
        page.click_text("Register").await?;
        page.wait_for_text("Session bo-party").await?;
        page.wait_for_text("Sign out Cleo Park").await.ok();
        page.click(".grid .tile:nth-child(2) .heart").await?;
        page.wait_for_text("Added to favorites").await?;
        ensure!(favorite_count(&page).await? == "1");

        // Her favorite is kept on the server: a reload still shows it, and My events lists
        // the party she opened.
        page.client.refresh().await?;
        page.wait_for(
            "the heart to stay after a reload",
            "return document.querySelectorAll('.tile.is-favorite').length === 1;",
        )
        .await?;
        page.click_text("My events").await?;
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
        ensure!(!page.text("body").await?.contains("Session bo-party"), "private events unlisted");

        // Typed into the date pickers as digits, the way a keyboard user fills them.
        page.find("input[name=from]").await?.send_keys("06142026").await?;
        page.find("input[name=to]").await?.send_keys("06142026").await?;
        page.click_text("Find").await?;
        page.wait_for_text("Show all").await?;
        ensure!(page.path().await? == "/?from=2026-06-14&to=2026-06-14", "{}", page.path().await?);
        ensure!(page.all(".event-card").await?.len() == 1, "one event that day");
        page.click_text("Session county-fair").await?;
        page.find(".grid .tile").await?;
        page.wait_for(
            "every thumbnail to load",
            "const imgs = [...document.querySelectorAll('.grid img')]; \
             imgs.forEach(i => i.scrollIntoView()); \
             return imgs.length === 6 && imgs.every(i => i.complete && i.naturalWidth > 0);",
        )
        .await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_phone_the_grid_has_one_or_two_columns_and_nothing_scrolls_sideways() {
    let (app, _library) = studio().await;
    story("phone_grid", &app.base_url, Screen::Phone, |page| async move {
        page.goto("/").await?;
        page.click_text("Session county-fair").await?;
        page.find(".grid .tile").await?;
        let layout = page
            .js(
                "const tiles = [...document.querySelectorAll('.grid .tile')]; \
                 const lefts = new Set(tiles.map(t => Math.round(t.getBoundingClientRect().left))); \
                 return { width: window.innerWidth, columns: lefts.size, \
                          scroll: document.documentElement.scrollWidth, \
                          tileWidth: tiles[0].getBoundingClientRect().width };",
                vec![],
            )
            .await?;
        ensure!(layout["width"] == json!(360), "a 360 px wide phone: {layout}");
        let columns = layout["columns"].as_u64().unwrap_or(0);
        ensure!((1..=2).contains(&columns), "one or two columns: {layout}");
        ensure!(layout["scroll"].as_u64() <= layout["width"].as_u64(), "no sideways scroll: {layout}");
        ensure!(layout["tileWidth"].as_f64().unwrap_or(0.0) >= 140.0, "thumbnails big enough to tap: {layout}");

        // A tap opens the lightbox, which fits the screen.
        page.click(".grid .tile:first-child .tile-link").await?;
        page.find(".lightbox.open").await?;
        page.wait_for(
            "the proof to fit the screen",
            "const img = document.querySelector('.lightbox img'); \
             return img.complete && img.naturalWidth > 0 && \
                    img.getBoundingClientRect().width <= window.innerWidth;",
        )
        .await?;
        Ok(())
    })
    .await;
}
