//! Galleries that show photos whole, in headless Chromium at a laptop's and a phone's width:
//! the event opens on its cover, the grid keeps each photo's shape, a phone loads the middle
//! size and never the 2048 px proof for the grid, the lightbox changes what it says only with
//! the photo on screen and has a slideshow, and a public event can be shared.

use anyhow::{Context, ensure};
use proofroom_tests::browser::{Page, Screen, story};
use proofroom_tests::{LibraryBuilder, TestApp, images};
use serde_json::{Value, json};

/// A public fair of six photos of three shapes, opening on a portrait (`cover`).
async fn fair() -> (TestApp, LibraryBuilder) {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("fair")
        .setting("cover = \"c-portrait.jpg\"")
        .image("a-wide.jpg", images::jpeg(1500, 1000))
        .image("b-wide.jpg", images::jpeg(1500, 1000))
        .image("c-portrait.jpg", images::jpeg(1000, 1500))
        .image("d-panorama.jpg", images::jpeg(2400, 800))
        .image("e-wide.jpg", images::jpeg(1500, 1000))
        .image("f-portrait.jpg", images::jpeg(1000, 1500))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    (app, library)
}

/// Every resource the page has loaded so far, by path.
async fn loaded_paths(page: &Page) -> anyhow::Result<Vec<String>> {
    let names = page
        .js(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(names)?)
}

async fn the_event_opens_on_its_cover_and_the_grid_keeps_each_shape(screen: Screen, name: &str) {
    let (app, _library) = fair().await;
    let event = app.event_path("fair");
    let phone = matches!(screen, Screen::Phone);
    story(name, &app.base_url, screen, |page| async move {
        page.goto(&event).await?;
        // The cover is the portrait the studio chose, with the title over it.
        let cover = page.find(".cover .cover-img").await?;
        let title = page.shown(".cover h1").await?;
        ensure!(title == "Session fair", "the title is on the cover: {title}");
        page.wait_for("the cover to load", "return document.querySelector('.cover-img').complete;")
            .await?;
        let portrait = page
            .js(
                "return [...document.querySelectorAll('.tile')] \
                   .find(t => t.dataset.name === 'c-portrait.jpg').dataset.id;",
                vec![],
            )
            .await?;
        let src = cover.prop("currentSrc").await?.unwrap_or_default();
        ensure!(
            src.contains(portrait.as_str().unwrap_or("?")),
            "the cover is c-portrait.jpg: {src}"
        );
        let size = if phone { "/middle/" } else { "/proof/" };
        ensure!(src.contains(size), "the cover at the right size ({size}): {src}");
        if phone {
            // The grid starts right below the cover, on the first screen.
            let grid_top = page
                .js("return document.querySelector('.grid').getBoundingClientRect().top;", vec![])
                .await?;
            let fold = page.js("return window.innerHeight;", vec![]).await?;
            ensure!(
                grid_top.as_f64() < fold.as_f64().map(|f| f - 100.0),
                "the grid starts on the first screen: {grid_top} of {fold}"
            );
        }
        page.thumbnails_loaded(6).await?;
        page.snapshot("event").await?;

        // Each tile keeps its photo's shape (within the rounding of the row), and a row's
        // tiles are one height.
        let tiles: Vec<Value> = serde_json::from_value(
            page.js(
                "return [...document.querySelectorAll('.grid .tile img')].map(i => { \
                   const r = i.getBoundingClientRect(); \
                   return { name: i.alt, shown: r.width / r.height, own: i.naturalWidth / i.naturalHeight, \
                            top: Math.round(r.top), height: r.height }; });",
                vec![],
            )
            .await?,
        )?;
        for tile in &tiles {
            let (shown, own) = (tile["shown"].as_f64().unwrap_or(0.0), tile["own"].as_f64().unwrap_or(1.0));
            ensure!((shown / own - 1.0).abs() < 0.08, "{} is shown at its own shape: {tile}", tile["name"]);
        }
        let mut rows: std::collections::BTreeMap<i64, Vec<f64>> = Default::default();
        for tile in &tiles {
            rows.entry(tile["top"].as_i64().unwrap_or(0)).or_default().push(tile["height"].as_f64().unwrap_or(0.0));
        }
        for (top, heights) in &rows {
            let (low, high) = heights.iter().fold((f64::MAX, 0.0_f64), |(l, h), x| (l.min(*x), h.max(*x)));
            ensure!(high - low < 3.0, "the row at {top} is one height: {heights:?}");
        }
        let tallest = tiles.iter().filter_map(|t| t["height"].as_f64()).fold(0.0, f64::max);
        if phone {
            ensure!(tallest >= 100.0, "tiles large enough to see on a phone: {tallest}");
        } else {
            ensure!(tallest >= 200.0, "larger tiles on a laptop: {tallest}");
        }
        let wider = page.js("return document.documentElement.scrollWidth - innerWidth;", vec![]).await?;
        ensure!(wider.as_f64() <= Some(0.0), "nothing scrolls sideways: {wider}");

        // What the grid loaded: a phone at pixel ratio 3 takes the middle size, never the proof.
        let loaded = loaded_paths(&page).await?;
        let grid: Vec<&String> = loaded.iter().filter(|p| p.starts_with("/images/")).collect();
        ensure!(!grid.iter().any(|p| p.contains("/proof/")) || !phone, "no proof on a phone: {grid:?}");
        if phone {
            ensure!(
                grid.iter().filter(|p| p.contains("/middle/")).count() >= 6,
                "the middle size for each tile (and the cover): {grid:?}"
            );
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_laptop_the_event_opens_on_its_cover_and_the_grid_keeps_each_photos_shape() {
    the_event_opens_on_its_cover_and_the_grid_keeps_each_shape(Screen::Desktop, "cover_laptop")
        .await;
}

#[tokio::test]
async fn on_a_phone_the_event_opens_on_its_cover_and_the_grid_loads_no_proof() {
    the_event_opens_on_its_cover_and_the_grid_keeps_each_shape(Screen::Phone, "cover_phone").await;
}

/// The lightbox: the caption always names the photo on screen, neighbours are loaded ahead,
/// keyboard hints only where there is a keyboard, a slideshow; and the share button.
async fn the_lightbox_follows_the_photo_on_screen(screen: Screen, name: &str) {
    let (app, _library) = fair().await;
    let event = app.event_path("fair");
    let phone = matches!(screen, Screen::Phone);
    story(name, &app.base_url, screen, |page| async move {
        page.goto(&event).await?;
        page.thumbnails_loaded(6).await?;
        page.click(".grid .tile:nth-child(2) .tile-link").await?;
        page.lightbox_shows("b-wide.jpg · 2 of 6").await?;
        // From now on, every change of the caption or the photo is noted with both.
        page.js(
            "window.seen = []; const box = document.querySelector('.lightbox'); \
             const note = () => window.seen.push([box.querySelector('figcaption').textContent, \
                                                  box.querySelector('.lb-frame img').getAttribute('src')]); \
             new MutationObserver(note).observe(box, {subtree: true, childList: true, \
               characterData: true, attributes: true, attributeFilter: ['src']}); return true;",
            vec![],
        )
        .await?;
        let ids: Value = page
            .js("return [...document.querySelectorAll('.tile')].map(t => t.dataset.id);", vec![])
            .await?;
        let ids: Vec<String> = serde_json::from_value(ids)?;
        // The neighbours of the second photo are loaded ahead.
        page.wait_for(
            "the neighbours' proofs to be loaded ahead",
            &format!(
                "const seen = performance.getEntriesByType('resource').map(e => e.name); \
                 return [{}, {}].every(id => seen.some(n => n.includes(id) && n.includes('/proof/')));",
                json!(ids[0]),
                json!(ids[2])
            ),
        )
        .await?;
        for n in 3..=4 {
            page.next_photo().await?;
            page.lightbox_shows(&format!(" · {n} of 6")).await?;
        }
        page.wait_for("the fourth photo's proof", "return !!document.querySelector('.lightbox').dataset.proofOf;")
            .await?;
        let seen: Vec<(String, String)> =
            serde_json::from_value(page.js("return window.seen;", vec![]).await?)?;
        ensure!(!seen.is_empty(), "the lightbox changed");
        for (caption, src) in &seen {
            let position: usize = caption
                .split(" · ")
                .nth(1)
                .and_then(|p| p.split(' ').next())
                .and_then(|p| p.parse().ok())
                .context("a caption with a position")?;
            ensure!(
                src.contains(&ids[position - 1]),
                "the caption \"{caption}\" was shown with another photo: {src}"
            );
        }
        // Keyboard hints only where there is a keyboard.
        let heart_label = page.find(".lightbox .lb-close").await?.attr("aria-label").await?;
        ensure!(
            heart_label.as_deref() == Some(if phone { "Close" } else { "Close (Esc)" }),
            "{heart_label:?}"
        );
        page.axe().await?;

        // The slideshow moves on by itself until paused.
        page.click(".lightbox.open .lb-play").await?;
        page.lightbox_shows(" · 5 of 6").await?;
        page.click(".lightbox.open .lb-play").await?;
        let pressed = page.find(".lightbox.open .lb-play").await?.attr("aria-pressed").await?;
        ensure!(pressed.as_deref() == Some("false"), "paused: {pressed:?}");
        page.snapshot("lightbox").await?;
        page.click(".lightbox.open .lb-close").await?;

        // A public event can be shared: the link to it, copied or shown to copy.
        page.click("[data-share]").await?;
        page.wait_for(
            "the link to be copied or shown",
            "const f = document.getElementById('share-link'); \
             const toast = document.getElementById('live'); \
             return (!!f && f.value === location.origin + location.pathname) || \
                    (!!toast && toast.textContent.includes(location.pathname));",
        )
        .await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_laptop_the_lightbox_follows_the_photo_on_screen_and_plays_a_slideshow() {
    the_lightbox_follows_the_photo_on_screen(Screen::Desktop, "lightbox_laptop").await;
}

#[tokio::test]
async fn on_a_phone_the_lightbox_follows_the_photo_on_screen_and_plays_a_slideshow() {
    the_lightbox_follows_the_photo_on_screen(Screen::Phone, "lightbox_phone").await;
}
