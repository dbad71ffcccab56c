//! "Pick N, send, done": a session asks its client to choose a number of photos by a date; the
//! client hearts them, sees the count, and sends them to the studio, which gets an email, the
//! list in its inbox and a line in tasks.csv; a client who has not sent is reminded before the
//! date. Over HTTP and the real connector, and in headless Chromium at both widths.

use anyhow::ensure;
use proofroom_tests::browser::{Screen, story};
use proofroom_tests::shop::{ann, photos};
use proofroom_tests::{LibraryBuilder, TestApp, images, inbox_files, library, shop};
use reqwest::StatusCode;

/// Ann's session of three photos, of which she chooses two by `choose_by` days from today.
async fn choosing(app: &TestApp, choose_by_in_days: u64) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    shop::write_studio(&library);
    let by = library::studio_today() + chrono::Days::new(choose_by_in_days);
    library
        .session("smith")
        .event_type("none")
        .setting(&format!("choose = 2\nchoose_by = \"{by}\""))
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .image("Smith 02.jpg", images::jpeg(600, 400))
        .image("Smith 03.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    app.wait_for_proofs().await;
    library
}

#[tokio::test]
async fn a_client_chooses_the_photos_asked_for_sends_them_and_the_studio_gets_them() {
    let app = TestApp::builder().notice_seconds(1).spawn().await;
    let library = choosing(&app, 20).await;
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let photos = photos(&mut ann, &event).await;
    let page = ann.get(&format!("{event}/favorites")).await;
    assert!(page.body.contains("0 of 2 chosen"), "{}", page.body);
    assert!(page.body.contains("Heart the photos you choose first"));

    // One is too few, three too many: each says what to do, and sending is refused.
    let heart = |n: usize, on: &'static str| (format!("{}/favorite", photos[n]), on);
    let (url, on) = heart(0, "1");
    ann.post(&url, &[("on", on)]).await;
    let page = ann.get(&format!("{event}/favorites")).await;
    assert!(page.body.contains("1 of 2 chosen") && page.body.contains("Choose 1 more to send"));
    assert!(!page.body.contains("id=\"send-favorites\""), "no button until two are chosen");
    let refused = ann.post(&format!("{event}/favorites/send"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("Choose 1 more to send"), "{}", refused.body);
    for n in [1, 2] {
        let (url, on) = heart(n, "1");
        ann.post(&url, &[("on", on)]).await;
    }
    let page = ann.get(&format!("{event}/favorites")).await;
    assert!(page.body.contains("take the heart off 1 to send"), "{}", page.body);
    let (url, on) = heart(2, "0");
    ann.post(&url, &[("on", on)]).await;

    // Two of two: sent.
    let studio_mails = app.emails_to("hello@maplelane.example").len();
    let sent = ann.post(&format!("{event}/favorites/send"), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let page = ann.get(&format!("{event}/favorites")).await;
    assert!(page.body.contains("Sent to the studio on"), "{}", page.body);
    assert!(page.body.contains("2 photos"));

    // The studio's email says who sent how many, of how many asked for.
    let mail = app.next_email_to("hello@maplelane.example", studio_mails).await;
    assert!(mail.subject.contains("Ann Smith sent their favorites"), "{}", mail.subject);
    assert!(mail.body.contains("sent 2 favorites of the 2 asked for"), "{}", mail.body);
    // From the studio's name; a reply goes to Ann; the HTML's button opens the gallery.
    assert_eq!(mail.from.name, "Maple Lane Photography");
    assert_eq!(mail.reply_to.as_ref().map(|r| r.address.as_str()), Some("ann.smith@example.com"));
    let html = mail.html.as_deref().expect("an HTML part");
    assert!(html.contains("sent 2 favorites of the 2 asked for"), "{html}");
    assert!(html.contains(&format!("<a href=\"{}{event}\"", app.base_url)), "{html}");

    // The connector brings the list into the inbox, with a line in tasks.csv.
    app.sync(library.path()).await;
    let inbox = inbox_files(library.path());
    let list = inbox
        .iter()
        .find(|(name, _)| name.starts_with("favorites/smith-sent-") && name.ends_with(".txt"))
        .map(|(_, text)| text.clone())
        .unwrap_or_else(|| panic!("no sent list in {:?}", inbox.keys().collect::<Vec<_>>()));
    assert!(list.contains("Smith 01.jpg\nSmith 02.jpg\n"), "{list}");
    assert!(list.contains(": 2 of 2"), "{list}");
    let tasks = &inbox["tasks.csv"];
    assert!(tasks.contains("Ann Smith sent 2 favorites of 2 asked"), "{tasks}");
}

#[tokio::test]
async fn a_client_who_has_not_sent_is_reminded_before_the_date() {
    let app = TestApp::builder().notice_seconds(1).spawn().await;
    choosing(&app, 1).await;
    let by = library::studio_today() + chrono::Days::new(1);
    // The photos are online (that email first), then the reminder: once.
    for _ in 0..200 {
        if app.emails_to("ann.smith@example.com").iter().any(|m| m.subject.starts_with("Choose")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mails = app.emails_to("ann.smith@example.com");
    let reminders: Vec<_> = mails.iter().filter(|m| m.subject.starts_with("Choose")).collect();
    assert_eq!(reminders.len(), 1, "{:?}", mails.iter().map(|m| &m.subject).collect::<Vec<_>>());
    let by_words = by.format("%B %-d, %Y").to_string();
    assert_eq!(reminders[0].subject, format!("Choose your 2 photos by {by_words}"));
    assert!(reminders[0].body.contains("You have 0 so far"), "{}", reminders[0].body);
    assert!(reminders[0].body.contains("/favorites"));
    let html = reminders[0].html.as_deref().expect("an HTML part");
    assert!(html.contains("/favorites\" target=\"_blank\""), "the button: {html}");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let again = app.emails_to("ann.smith@example.com");
    assert_eq!(again.iter().filter(|m| m.subject.starts_with("Choose")).count(), 1, "only once");
}

async fn choose_and_send(screen: Screen, name: &str) {
    let app = TestApp::spawn().await;
    let _library = choosing(&app, 20).await;
    let event = app.event_path("smith");
    let phone = matches!(screen, Screen::Phone);
    story(name, &app.base_url, screen, |page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", &event).await?;
        page.heading("Session smith").await?;
        page.thumbnails_loaded(3).await?;
        ensure!(page.shown(".filters").await?.contains("♥ Favorites 0 of 2"));
        page.click(".grid .tile:nth-child(1) .tile-link").await?;
        page.lightbox_shows("Smith 01.jpg · 1 of 3").await?;
        for n in 1..=2 {
            page.click(".lightbox.open .lb-heart").await?;
            page.shows(".lightbox.open .lb-count", &format!("{n} of 2 chosen")).await?;
            if n == 1 {
                page.next_photo().await?;
                page.lightbox_shows("Smith 02.jpg · 2 of 3").await?;
            }
        }
        let heart = page.find(".lightbox.open .lb-heart").await?.text().await?;
        ensure!(heart.starts_with('♥'), "a favorite's heart is filled, not only coloured: {heart}");
        ensure!(phone != heart.contains("(F)"), "keyboard hints only with a keyboard: {heart}");
        page.axe().await?;
        page.click(".lightbox.open .lb-close").await?;
        page.click_text("Review and send favorites").await?;
        page.heading("My favorites").await?;
        page.shows(".choose-count", "2 of 2 chosen").await?;
        page.click("#send-favorites").await?;
        page.wait_for_text("Sent to the studio on").await?;
        page.axe().await?;
        page.snapshot("sent").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn on_a_laptop_a_client_chooses_two_photos_and_sends_them() {
    choose_and_send(Screen::Desktop, "choose_laptop").await;
}

#[tokio::test]
async fn on_a_phone_a_client_chooses_two_photos_and_sends_them() {
    choose_and_send(Screen::Phone, "choose_phone").await;
}
