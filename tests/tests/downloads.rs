//! Digital downloads: files a client bought come once the order is paid, a session may give its
//! photos away (everyone's favorites, or all of them), each link works for its person only and
//! not for long, and "Download all" is one ZIP holding every file once, with the right bytes —
//! never a watermark, never a GPS position.

use std::io::Read;

use anyhow::ensure;
use proofroom_tests::browser::{Page, Screen, story};

use proofroom_tests::shop::{PRICE_LIST_TOML, add, ann, field, photos, post_owned, write_studio};
use proofroom_tests::smtp::SmtpServer;
use proofroom_tests::stripe::LocalStripe;
use proofroom_tests::visitor::Answer;
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images, inbox_files, printed};
use reqwest::StatusCode;

/// The sample price list, and a photo's file (15.00) and every photo as files (99.00).
fn files_price_list() -> String {
    format!(
        "{PRICE_LIST_TOML}
[[items]]
sku = \"FILE\"
name = \"Digital file\"
category = \"Digital\"
price = \"15.00\"
kind = \"digital\"

[[items]]
sku = \"ALLFILES\"
name = \"Every photo as files\"
category = \"Digital\"
price = \"99.00\"
kind = \"digital-all\"
"
    )
}

/// The photos of the session: one straight from a camera (EXIF with orientation 6 and a GPS
/// position), a plain JPEG, and a PNG.
fn photo_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("Smith 01.jpg", images::jpeg_with_exif(640, 480, 6)),
        ("Smith 02.jpg", images::noise_jpeg(600, 400)),
        ("Smith 03.png", images::png(300, 200)),
    ]
}

/// The studio, selling files, and Ann's session "smith" with `settings` (e.g. `downloads =
/// "all"`), pushed.
async fn files_studio(app: &TestApp, settings: &[&str]) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    write_studio(&library);
    library.write("price-lists/portrait-2026.toml", files_price_list());
    let mut session = library.session("smith").event_type("none");
    for (name, bytes) in photo_files() {
        session = session.image(name, bytes);
    }
    for line in settings {
        session = session.setting(line);
    }
    session.write();
    app.push(library.path()).await;
    library
}

/// The download links of a page, `&amp;` read as `&`.
fn download_links(page: &Answer, event: &str) -> Vec<String> {
    page.links(&format!("{event}/downloads/"))
        .into_iter()
        .map(|l| l.replace("&amp;", "&"))
        .filter(|l| l.contains("sig="))
        .collect()
}

fn photo_link<'a>(links: &'a [String], image_id: &str) -> &'a str {
    links.iter().find(|l| l.contains(&format!("/downloads/{image_id}?"))).expect("a link")
}

/// The status and error code of a refused download, asked as a script would (JSON).
async fn refused_code(visitor: &Visitor, path: &str) -> (StatusCode, String) {
    let answer = visitor.get_json(path).await;
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap_or_default();
    (answer.status, body["error"].as_str().unwrap_or_default().to_string())
}

fn disposition(headers: &reqwest::header::HeaderMap) -> String {
    headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

#[tokio::test]
async fn a_bought_file_downloads_once_paid_whole_and_without_gps() {
    let (Some(stripe), Some(smtp)) = (LocalStripe::start(), SmtpServer::start()) else { return };
    let app = TestApp::builder().stripe(&stripe).smtp(&smtp).spawn().await;
    stripe.send_webhooks_to(&app.url("/stripe/webhook")).await;
    let library = files_studio(&app, &[]).await;
    // The price list sells files: the server kept every original.
    let listing = app.get_json("/api/v1/sessions/smith/images").await;
    let missing: Vec<&serde_json::Value> = listing["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["original_missing"] == true)
        .collect();
    assert!(missing.is_empty(), "{listing}");

    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let photos = photos(&mut ann, &event).await;
    let first = proofroom_tests::shop::image_id(&photos[0]).to_string();
    let second = proofroom_tests::shop::image_id(&photos[1]).to_string();

    // The file is sold beside the photo; a quantity of 3 still buys one file.
    let panel = ann.get(&photos[0]).await;
    assert!(panel.body.contains("Digital file"), "{}", panel.body);
    let added = add(&mut ann, &event, "FILE", "3", &photos[0]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    add(&mut ann, &event, "FILE", "1", &photos[0]).await;
    let cart = ann.get(&format!("{event}/cart")).await;
    assert!(cart.body.contains("Digital file<input type=\"hidden\""), "{}", cart.body);

    // Files only: nothing to ship, no address asked.
    let checkout = ann.get(&format!("{event}/checkout")).await;
    assert!(checkout.body.contains("Files only: nothing is shipped"), "{}", checkout.body);
    assert!(!checkout.body.contains("name=\"address\""), "{}", checkout.body);
    assert!(!checkout.body.contains("name=\"shipping\""), "{}", checkout.body);
    // 15.00 + 7.25 % tax = 16.09.
    assert!(checkout.body.contains("$16.09"), "{}", checkout.body);
    let form = vec![
        ("checkout_key", field(&checkout, "checkout_key")),
        ("payment", "card".to_string()),
        ("action", "place".to_string()),
    ];
    let placed = post_owned(&mut ann, &format!("{event}/checkout"), &form).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let number = placed.location.unwrap().trim_start_matches("/orders/").replace("/pay", "");

    // Not paid yet: no file, whatever the link.
    let unpaid = format!("{event}/downloads/{first}?until=99999999999&sig=0");
    assert_eq!(
        refused_code(&ann, &unpaid).await,
        (StatusCode::FORBIDDEN, "download_not_allowed".into())
    );
    let (status, _, _) = ann.download(&unpaid).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let page = ann.get(&format!("{event}/downloads")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(download_links(&page, &event).is_empty(), "{}", page.body);
    assert!(page.body.contains("You have no files of this gallery yet"), "{}", page.body);
    let order = ann.get(&format!("/orders/{number}")).await;
    assert!(order.body.contains("as soon as the order is paid"), "{}", order.body);
    assert!(!order.body.contains("order-steps"), "files have no production steps");

    // Paid by card: the order page leads to the file.
    ann.get(&format!("/orders/{number}/pay")).await;
    let token = stripe.card_token("4242424242424242").await;
    let paying = ann.post_json(&format!("/orders/{number}/pay"), &[("token", &token)]).await;
    assert_eq!(paying.status, StatusCode::OK, "{}", paying.body);
    let mut paid = false;
    for _ in 0..100 {
        let order = ann.get(&format!("/orders/{number}")).await;
        if order.body.contains("Download your files") {
            paid = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(paid, "the order page offers the files once paid");
    let page = ann.get(&format!("{event}/downloads")).await;
    let links = download_links(&page, &event);
    assert_eq!(links.len(), 1, "one file, no ZIP of one: {links:?}");
    let link = photo_link(&links, &first).to_string();
    let (status, headers, bytes) = ann.download(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-type").unwrap(), "image/jpeg");
    assert_eq!(disposition(&headers), "attachment; filename=\"Smith 01.jpg\"");
    // The studio's own pixels, not the watermarked proof; no GPS; still upright (orientation 6
    // is the one tag kept).
    let original = &photo_files()[0].1;
    assert!(images::has_gps(original));
    assert!(!images::has_gps(&bytes), "no GPS in a downloaded file");
    assert_eq!(images::decode(&bytes), images::decode(original));
    assert!(bytes.len() < original.len());
    assert!(bytes.windows(2).any(|w| w == [0x01, 0x12]), "the orientation tag is kept");
    // The photo page offers it too.
    let photo = ann.get(&photos[0]).await;
    assert!(photo.body.contains("Download this photo"), "{}", photo.body);

    // Another photo is not bought; this link is for this photo and this time only.
    let other = format!("{event}/downloads/{second}?{}", link.split_once('?').unwrap().1);
    assert_eq!(ann.download(&other).await.0, StatusCode::FORBIDDEN);
    let later = link.replace("until=", "until=9");
    assert_eq!(refused_code(&ann, &later).await, (StatusCode::FORBIDDEN, "link_invalid".into()));
    // Someone else holding Ann's link gets nothing.
    let stranger = Visitor::new(&app.base_url);
    let (status, _, bytes) = stranger.download(&link).await;
    assert!(status == StatusCode::SEE_OTHER || status == StatusCode::NOT_FOUND, "{status}");
    assert!(bytes.len() < 10_000, "no file for a stranger");

    // The studio: the order's line says it is a file, and the download is counted.
    app.sync(library.path()).await;
    let inbox = inbox_files(library.path());
    let record = &inbox[&format!("orders/{number}.json")];
    let record: serde_json::Value = serde_json::from_str(record).unwrap();
    assert_eq!(record["items"][0]["kind"], "digital");
    assert_eq!(record["shipping"], serde_json::Value::Null);
    let counts = app.get_json("/api/v1/downloads").await;
    assert_eq!(counts["sessions"][0]["session"], "smith");
    assert_eq!(counts["sessions"][0]["files"], 1);
    assert_eq!(counts["sessions"][0]["photos"][0]["name"], "Smith 01.jpg");
    let status = app.connector(library.path(), &["status"]).await;
    let said = proofroom_tests::printed(&status);
    assert!(said.contains("smith (Session smith): 1 files by 1 person"), "{said}");
    assert!(said.contains("Smith 01.jpg ×1"), "{said}");
}

#[tokio::test]
async fn files_paid_at_the_studio_come_once_the_studio_marks_the_order_paid() {
    let app = TestApp::spawn().await;
    let library = files_studio(&app, &[]).await;
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;

    // Every photo as files, from the Downloads page, to be paid at the studio.
    let page = ann.get(&format!("{event}/downloads")).await;
    assert!(page.body.contains("Every photo as files"), "{}", page.body);
    let added = ann
        .post(
            &format!("{event}/cart"),
            &[("sku", "ALLFILES"), ("back", &format!("{event}/downloads"))],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let placed = proofroom_tests::shop::check_out(&mut ann, &event, "pay_at_studio", None).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let number = placed.location.unwrap().trim_start_matches("/orders/").to_string();
    let page = ann.get(&format!("{event}/downloads")).await;
    assert!(download_links(&page, &event).is_empty(), "not paid: {}", page.body);
    let confirmation = app.emails_to("ann.smith@example.com");
    assert!(
        confirmation
            .iter()
            .any(|m| m.body.contains("download your files from your order's page once it is paid")),
        "{confirmation:?}"
    );

    // Paid at the counter: the studio says so, Ann is told, and the files are hers.
    let paid = app.connector(library.path(), &["order-paid", &number.to_lowercase()]).await;
    assert!(paid.status.success(), "{}", printed(&paid));
    assert!(printed(&paid).contains(&format!("order {number} is now: Paid")), "{}", printed(&paid));
    let again = app.connector(library.path(), &["order-paid", &number]).await;
    assert!(printed(&again).contains("was already: Paid"), "{}", printed(&again));
    let unknown = app.connector(library.path(), &["order-paid", "ZZZZ-ZZZZ"]).await;
    assert_eq!(unknown.status.code(), Some(2), "{}", printed(&unknown));
    let mail = app.emails_to("ann.smith@example.com");
    let ready: Vec<_> = mail
        .iter()
        .filter(|m| m.subject == format!("Your files are ready: order {number}"))
        .collect();
    assert_eq!(ready.len(), 1, "one email, however often it is marked: {mail:?}");
    assert!(ready[0].body.contains(&format!("{event}/downloads")), "{}", ready[0].body);
    let page = ann.get(&format!("{event}/downloads")).await;
    assert_eq!(download_links(&page, &event).len(), 4, "three files and the ZIP: {}", page.body);
    let order = ann.get(&format!("/orders/{number}")).await;
    assert!(order.body.contains("Download your files"), "{}", order.body);

    app.sync(library.path()).await;
    let inbox = inbox_files(library.path());
    let record: serde_json::Value =
        serde_json::from_str(&inbox[&format!("orders/{number}.json")]).unwrap();
    assert_eq!(record["payment_status"], "paid");
    assert_eq!(record["items"][0]["kind"], "digital-all");
    assert_eq!(record["items"][0]["images"], serde_json::json!([]));
}

/// The ZIP's entries: name → bytes, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().expect("a UTF-8 name").to_string(), data)
        })
        .collect()
}

#[tokio::test]
async fn download_all_is_one_zip_holding_every_file_once_with_its_bytes() {
    let app = TestApp::spawn().await;
    files_studio(&app, &["downloads = \"all\""]).await;
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let page = ann.get(&format!("{event}/downloads")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("3 files"), "{}", page.body);
    let links = download_links(&page, &event);
    let zip_link = links.iter().find(|l| l.contains("/all.zip?")).expect("a ZIP link").clone();
    let (status, headers, bytes) = ann.download(&zip_link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-type").unwrap(), "application/zip");
    assert_eq!(disposition(&headers), "attachment; filename=\"Session smith.zip\"");
    let entries = unzip(&bytes);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Smith 01.jpg", "Smith 02.jpg", "Smith 03.png"]);
    let uploaded = photo_files();
    // A file without metadata comes back byte for byte; the camera's loses its GPS only.
    assert_eq!(images::sha256(&entries[1].1), images::sha256(&uploaded[1].1));
    assert_eq!(images::sha256(&entries[2].1), images::sha256(&uploaded[2].1));
    assert!(!images::has_gps(&entries[0].1));
    assert_eq!(images::decode(&entries[0].1), images::decode(&uploaded[0].1));
    // The same bytes as the photo's own link gives.
    let (_, _, single) = ann.download(photo_link(&links, &single_id(&links))).await;
    assert_eq!(single, entries[0].1);
    // Every photo counted once for the ZIP, once more for the single file.
    let counts = app.get_json("/api/v1/downloads").await;
    assert_eq!(counts["sessions"][0]["files"], 4, "{counts}");
    assert_eq!(counts["sessions"][0]["photos"][0]["name"], "Smith 01.jpg");
    assert_eq!(counts["sessions"][0]["photos"][0]["count"], 2);
}

/// The image id of the first photo's link (the camera file sorts first).
fn single_id(links: &[String]) -> String {
    let first = links.iter().find(|l| !l.contains("/all.zip?")).unwrap();
    first.split("/downloads/").nth(1).unwrap().split('?').next().unwrap().to_string()
}

#[tokio::test]
async fn a_guest_downloads_only_their_favorites_at_the_sessions_size() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    write_studio(&library);
    library
        .session("fair")
        .event_type("public")
        .setting("downloads = \"favorites\"")
        .setting("download_size = \"2048\"")
        .image("Fair 1.png", images::png(2400, 1600))
        .image("Fair 2.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    let event = app.event_path("fair");
    let event_id = event.trim_start_matches("/events/").to_string();
    let mut guest = Visitor::new(&app.base_url);
    app.register_guest(&mut guest, Some(&event_id), "Cleo", "cleo@example.com", "knitting123")
        .await;
    let photos = photos(&mut guest, &event).await;
    let nothing = guest.get(&format!("{event}/downloads")).await;
    assert!(nothing.body.contains("Your favorites can be downloaded free"), "{}", nothing.body);
    assert!(download_links(&nothing, &event).is_empty());

    guest.get(&photos[0]).await;
    let hearted = guest.post(&format!("{}/favorite", photos[0]), &[("on", "1")]).await;
    assert!(hearted.status.is_redirection() || hearted.status.is_success(), "{}", hearted.body);
    let page = guest.get(&format!("{event}/downloads")).await;
    let links = download_links(&page, &event);
    assert_eq!(links.len(), 1, "one favorite, one file, no ZIP: {links:?}");
    assert!(page.body.contains("For screens · 2048 × 1365 px"), "{}", page.body);
    let favorite = proofroom_tests::shop::image_id(&photos[0]);
    let (status, headers, bytes) = guest.download(photo_link(&links, favorite)).await;
    assert_eq!(status, StatusCode::OK);
    // At 2048 px, as a JPEG named after the studio's file, without a watermark: the clean copy.
    assert_eq!(disposition(&headers), "attachment; filename=\"Fair 1.jpg\"");
    let image = images::decode(&bytes);
    assert_eq!((image.width(), image.height()), (2048, 1365));

    // The other photo is not the guest's to download, nor is a ZIP.
    let other = proofroom_tests::shop::image_id(&photos[1]);
    let forged = format!("{event}/downloads/{other}?until=99999999999&sig=0");
    assert_eq!(
        refused_code(&guest, &forged).await,
        (StatusCode::FORBIDDEN, "download_not_allowed".into())
    );
    let zip = format!("{event}/downloads/all.zip?until=99999999999&sig=0");
    assert_eq!(guest.download(&zip).await.0, StatusCode::FORBIDDEN);
    // A visitor who is not signed in is sent to sign in first.
    let mut visitor = Visitor::new(&app.base_url);
    let page = visitor.get(&format!("{event}/downloads")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location.unwrap().starts_with("/login?next="), "back to the downloads after");
}

#[tokio::test]
async fn an_expired_link_is_refused_and_the_page_makes_new_ones() {
    let app = TestApp::builder().download_link_seconds(0).spawn().await;
    files_studio(&app, &["downloads = \"all\""]).await;
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let page = ann.get(&format!("{event}/downloads")).await;
    let links = download_links(&page, &event);
    assert_eq!(links.len(), 4, "three files and the ZIP: {links:?}");
    for link in &links {
        assert_eq!(
            refused_code(&ann, link).await,
            (StatusCode::GONE, "link_expired".into()),
            "{link}"
        );
    }
    let (status, _, body) = ann.download(&links[0]).await;
    assert_eq!(status, StatusCode::GONE);
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("Open Downloads in the gallery again"), "{body}");
    let counts = app.get_json("/api/v1/downloads").await;
    assert_eq!(counts["sessions"].as_array().unwrap().len(), 0, "nothing served, nothing counted");
}

#[tokio::test]
async fn originals_come_up_when_a_session_starts_giving_files() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    write_studio(&library);
    let write = |settings: &[&str]| {
        let mut session = library
            .session("smith")
            .event_type("none")
            .image("Smith 01.jpg", images::jpeg(600, 400))
            .image("Smith 02.jpg", images::noise_jpeg(600, 400));
        for line in settings {
            session = session.setting(line);
        }
        session.write();
    };
    write(&[]);
    app.push(library.path()).await;
    let listing = app.get_json("/api/v1/sessions/smith/images").await;
    assert!(
        listing["images"].as_array().unwrap().iter().all(|i| i.get("original_missing").is_none())
    );

    // The studio gives the photos away: the next sync sends the originals the server lacks.
    write(&["downloads = \"all\""]);
    let said = app.sync(library.path()).await;
    assert!(said.contains("2 images uploaded"), "{said}");
    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let page = ann.get(&format!("{event}/downloads")).await;
    assert_eq!(download_links(&page, &event).len(), 3, "two files and the ZIP: {}", page.body);
    // Then nothing is missing, and a sync sends nothing.
    let said = app.sync(library.path()).await;
    assert!(said.contains("0 images uploaded"), "{said}");
}

/// In a browser: Ann's gallery gives her favorites away and sells files. She finds Downloads,
/// buys one photo's file beside the photo (a cart and checkout of files only: no quantity, no
/// address), learns it comes once paid, hearts a photo and downloads it free.
async fn ann_downloads_her_favorite_and_buys_a_file(screen: Screen, name: &str) {
    let app = TestApp::spawn().await;
    files_studio(&app, &["downloads = \"favorites\""]).await;
    app.wait_for_proofs().await;
    let event = app.event_path("smith");
    story(name, &app.base_url, screen, |page: Page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", &event).await?;
        page.heading("Session smith").await?;
        page.press_on("#downloads-link").await?;
        page.heading("Downloads").await?;
        page.says("#nothing-to-download", "Your favorites can be downloaded free").await?;
        page.says(".files-for-sale", "Every photo as files").await?;
        page.axe().await?;
        page.snapshot("nothing-yet").await?;

        // A photo's file, bought beside the photo.
        page.goto(&event).await?;
        let photos = page
            .js(
                "return [...document.querySelectorAll('.grid .tile')].map(t => t.dataset.photo);",
                vec![],
            )
            .await?;
        let photos: Vec<String> = serde_json::from_value(photos)?;
        ensure!(photos.len() == 3, "three photos: {photos:?}");
        page.goto(&format!("{}#order", photos[1])).await?;
        page.says(".buy-panel", "Digital file").await?;
        page.press_on(".buy-panel input[name=sku][value=FILE]").await?;
        page.says(".buy-panel", "download it once paid").await?;
        let stepper =
            page.js("return document.querySelector('.buy-panel .stepper').hidden;", vec![]).await?;
        ensure!(stepper == serde_json::json!(true), "no quantity beside a file");
        page.press_on_text("Add to cart").await?;
        page.wait_for_text("Added ✓ Digital file").await?;
        page.press_on_text("View cart").await?;
        page.heading("My cart").await?;
        page.says(".cart-line", "Digital file").await?;
        ensure!(
            page.all(".cart-line input[type=number]").await?.is_empty(),
            "no quantity for a file"
        );
        page.axe().await?;
        page.press_on_text("Check out").await?;
        page.heading("Checkout").await?;
        page.says(".files-note", "Files only: nothing is shipped").await?;
        ensure!(page.all("#address").await?.is_empty(), "no address for files");
        page.shows("#order-total", "$16.09").await?;
        page.axe().await?;
        page.snapshot("checkout").await?;
        page.press_on("#place-order").await?;
        page.says(".files-ready", "as soon as the order is paid").await?;
        ensure!(page.all(".order-steps").await?.is_empty(), "no production steps for files");
        page.axe().await?;

        // A favorite, downloaded free.
        page.goto(&photos[0]).await?;
        page.press_on(".heart-big").await?;
        page.wait_for_text("♥ Favorite").await?;
        page.goto(&format!("{event}/downloads")).await?;
        page.heading("Downloads").await?;
        page.says(".download-list", "Smith 01.jpg").await?;
        page.says(".download-list", "Original · 480 × 640 px").await?;
        let links = page.all(".download-list a[download]").await?;
        ensure!(links.len() == 1, "one favorite, one file");
        page.axe().await?;
        page.snapshot("one-favorite").await?;

        // The lightbox offers the favorite's file, and no other.
        page.goto(&event).await?;
        page.thumbnails_loaded(3).await?;
        page.press_on(".grid .tile:nth-child(1) .tile-link").await?;
        page.lightbox_shows("Smith 01.jpg · 1 of 3").await?;
        page.wait_for(
            "the lightbox's Download button",
            "const a = document.querySelector('.lightbox.open .lb-download'); \
             return !!a && !a.hidden && a.href.includes('/downloads/');",
        )
        .await?;
        page.axe().await?;
        page.next_photo().await?;
        page.lightbox_shows("Smith 02.jpg · 2 of 3").await?;
        let hidden = page
            .js("return document.querySelector('.lightbox.open .lb-download').hidden;", vec![])
            .await?;
        ensure!(hidden == serde_json::json!(true), "no Download for a photo not hers to download");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn browser_downloads_and_files_on_a_laptop() {
    ann_downloads_her_favorite_and_buys_a_file(Screen::Desktop, "downloads-desktop").await;
}

#[tokio::test]
async fn browser_downloads_and_files_on_a_phone() {
    ann_downloads_her_favorite_and_buys_a_file(Screen::Phone, "downloads-phone").await;
}
