//! No dead ends, in headless Chromium at a laptop's and a phone's width: a signed-out client
//! opening their gallery's link is asked to sign in and brought back; an event opened with a
//! code stays on the account after the browser session ends; an error page keeps the studio's
//! logo, header and footer.

use anyhow::ensure;
use proofroom_tests::browser::{Page, Screen, story};
use proofroom_tests::{LibraryBuilder, TestApp, images, shop};

/// The sample studio (with its logo): Ann's client-only session and Bo's private party.
async fn studio() -> (TestApp, LibraryBuilder) {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    shop::write_studio(&library);
    library
        .session("ann")
        .event_type("none")
        .image("ann-1.jpg", images::jpeg(600, 400))
        .image("ann-2.jpg", images::jpeg(400, 600))
        .write();
    library
        .session("bo-party")
        .event_type("private")
        .event_code("PARTY7")
        .client(("C-2", "Bo", "Jones", "bo@example.com"))
        .image("bo-1.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    (app, library)
}

async fn sign_in_here(page: &Page) -> anyhow::Result<()> {
    page.heading("Sign in").await?;
    page.sign_in_form("ann.smith@example.com", "smith").await?;
    page.click_text("Not now, take me to my photos").await
}

async fn no_dead_ends(screen: Screen, name: &str) {
    let (app, _library) = studio().await;
    let ann_event = app.event_path("ann");
    let photo = {
        let id: String = app.with_db(|conn| {
            use diesel::prelude::*;
            use proofroom_server::db::schema::images;
            images::table
                .filter(images::file_name.eq("ann-2.jpg"))
                .select(images::id)
                .first(conn)
                .unwrap()
        });
        format!("{ann_event}/photos/{id}")
    };
    story(name, &app.base_url, screen, |page| async move {
        // Her photo's link, opened signed out (another phone, an emailed link): sign in, then
        // the same photo.
        page.goto(&photo).await?;
        sign_in_here(&page).await?;
        page.wait_for("the photo page", "return !!document.querySelector('.photo img');").await?;
        ensure!(page.path().await? == photo, "back on her photo: {}", page.path().await?);
        page.axe().await?;

        // Bo's party, opened with its code while signed in, is kept on her account.
        page.goto("/").await?;
        page.fill("#code", "party7").await?;
        page.click("form[action='/unlock'] button[type=submit]").await?;
        page.heading("Session bo-party").await?;
        page.click_text("Sign out").await?;
        page.wait_for_text("Have an event code?").await?;
        page.goto("/my-events").await?;
        sign_in_here(&page).await?;
        page.goto("/my-events").await?;
        page.heading("My events").await?;
        page.wait_for_text("Session bo-party").await?;
        ensure!(page.shown("main").await?.contains("Session ann"), "her own session too");
        page.snapshot("my-events").await?;

        // A photo that is not there: an error page with the studio's logo, header and footer.
        page.goto(&format!("{ann_event}/photos/00000000-0000-4000-8000-000000000000")).await?;
        page.heading("Page not found").await?;
        ensure!(!page.all(".site-header .brand-logo").await?.is_empty(), "the studio's logo");
        ensure!(!page.all(".site-header a[href='/my-events']").await?.is_empty(), "her menu");
        let footer = page.shown(".site-footer").await?;
        ensure!(footer.contains("Maple Lane Photography"), "the studio's footer: {footer}");
        page.snapshot("not-found").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_laptop_no_link_a_client_follows_is_a_dead_end() {
    no_dead_ends(Screen::Desktop, "dead_ends_laptop").await;
}

#[tokio::test]
async fn on_a_phone_no_link_a_client_follows_is_a_dead_end() {
    no_dead_ends(Screen::Phone, "dead_ends_phone").await;
}
