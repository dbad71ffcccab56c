//! The connector through crashes, faults and outages: nothing a client did is lost or
//! doubled, and nothing half-uploaded is ever online.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use proofroom_tests::proxy::{Fault, FaultProxy};
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images, inbox_files, printed};
use reqwest::StatusCode;

/// A public event with two photos, pushed.
async fn studio() -> (TestApp, LibraryBuilder) {
    // The kill story registers two guests a cycle, for up to 1,000 cycles.
    let app = TestApp::builder().registrations_per_event_hour(10_000).spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("fair-public")
        .event_type("public")
        .image("p1.jpg", images::jpeg(600, 400))
        .image("p2.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    (app, library)
}

/// A new visitor registers as a guest of the event and hearts its first photo.
async fn guest_registers(app: &TestApp, event: &str, email: &str) {
    let event_id = &event["/events/".len()..];
    let mut guest = Visitor::elsewhere(&app.base_url);
    let registered =
        app.register_guest(&mut guest, Some(event_id), "Guest", email, "knitting123").await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER, "{email} registers");
    let photo = guest.get(event).await.links(&format!("{event}/photos/")).remove(0);
    guest.get(&photo).await;
    guest.post(&format!("{photo}/favorite"), &[("on", "1")]).await;
}

/// The connector binary with this server's address and token.
fn connector(
    app: &TestApp,
    server: &str,
    library: &Path,
    args: &[&str],
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(proofroom_tests::connector_binary());
    command
        .args(args)
        .arg("--library")
        .arg(library)
        .arg("--server")
        .arg(server)
        .arg("--progress")
        .arg("plain")
        .env("PROOFROOM_TOKEN", &app.token)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    command
}

/// Runs `sync` through the proxy, asserting it succeeded; answers what it printed.
async fn sync_through(app: &TestApp, proxy: &FaultProxy, library: &Path) -> String {
    let output = connector(app, &proxy.base_url, library, &["sync"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()
        .await
        .unwrap();
    let said = printed(&output);
    assert!(output.status.success(), "{said}");
    said
}

/// What `logs --last N` prints.
async fn logs(library: &Path, last: u32) -> String {
    let output = tokio::process::Command::new(proofroom_tests::connector_binary())
        .args(["logs", "--last", &last.to_string(), "--library"])
        .arg(library)
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    printed(&output)
}

/// The guests of `guests.csv`, by email, with how many lines each has.
fn guest_lines(library: &Path) -> BTreeMap<String, usize> {
    let files = inbox_files(library);
    let mut count = BTreeMap::new();
    for line in files.get("guests.csv").map(String::as_str).unwrap_or("").lines().skip(1) {
        let email = line.split(',').nth(2).unwrap_or("").to_string();
        *count.entry(email).or_insert(0) += 1;
    }
    count
}

/// The task ids of `tasks.csv`, asserting none is there twice.
fn task_ids(library: &Path) -> BTreeSet<String> {
    let files = inbox_files(library);
    let mut ids = BTreeSet::new();
    for line in files.get("tasks.csv").map(String::as_str).unwrap_or("").lines().skip(1) {
        let id = line.split(',').next().unwrap().to_string();
        assert!(ids.insert(id.clone()), "task {id} is in tasks.csv twice");
    }
    ids
}

/// Starts a `sync` and, at a random point of `span` (how long an undisturbed one takes, with
/// room), kills it with SIGKILL if it is still running; answers whether it was cut short.
async fn sync_killed_at_random(
    app: &TestApp,
    library: &Path,
    span: Duration,
    rng: &mut fastrand::Rng,
) -> bool {
    killed_at_random(connector(app, &app.base_url, library, &["sync"]), span, rng).await
}

/// Starts `command` and kills it with SIGKILL at a random point of `span` if it is still
/// running; answers whether it was cut short.
async fn killed_at_random(
    mut command: tokio::process::Command,
    span: Duration,
    rng: &mut fastrand::Rng,
) -> bool {
    let mut child = command.spawn().unwrap();
    tokio::time::sleep(span.mul_f64(rng.f64())).await;
    let running = child.try_wait().unwrap().is_none();
    if running {
        child.start_kill().unwrap(); // SIGKILL
    }
    child.wait().await.unwrap();
    running
}

/// How many of a kill story's steps (from `count_var`, else `default`) and the random points it
/// cuts at, seeded from `PROOFROOM_KILL_SEED` when set (printed, so a failing run can be repeated).
fn kill_plan(count_var: &str, default: usize, what: &str) -> (usize, fastrand::Rng) {
    let count = std::env::var(count_var).ok().and_then(|n| n.parse().ok()).unwrap_or(default);
    let seed: u64 = std::env::var("PROOFROOM_KILL_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("{count} {what}, PROOFROOM_KILL_SEED={seed}");
    (count, fastrand::Rng::with_seed(seed))
}

#[tokio::test]
async fn a_connector_killed_at_random_points_loses_and_doubles_nothing() {
    let (cycles, mut rng) = kill_plan("PROOFROOM_KILL_CYCLES", 50, "cycles");
    let (app, library) = studio().await;
    let event = app.event_path("fair-public");

    // How long an undisturbed sync of a few items takes, so kills land all over it.
    guest_registers(&app, &event, "guest-0@example.com").await;
    let started = Instant::now();
    app.sync(library.path()).await;
    let span = started.elapsed().mul_f32(1.3);

    let mut registered = vec!["guest-0@example.com".to_string()];
    let mut killed = 0;
    for cycle in 1..=cycles {
        for k in 0..2 {
            let email = format!("guest-{cycle}-{k}@example.com");
            guest_registers(&app, &event, &email).await;
            registered.push(email);
        }
        if sync_killed_at_random(&app, library.path(), span, &mut rng).await {
            killed += 1;
        }
    }
    assert!(killed * 3 >= cycles, "only {killed} of {cycles} runs were cut short");

    let printed = app.sync(library.path()).await;
    assert!(printed.contains("0 waiting, 0 errors"), "{printed}");
    assert_eq!(app.feed_waiting(), 0, "the server shows every item acknowledged");
    let lines = guest_lines(library.path());
    for email in &registered {
        assert_eq!(lines.get(email), Some(&1), "{email} is in guests.csv once");
    }
    assert_eq!(lines.len(), registered.len(), "no guest from nowhere");
    let guest_files = inbox_files(library.path())
        .keys()
        .filter(|k| k.starts_with("guests/") && k.ends_with(".json"))
        .count();
    assert_eq!(guest_files, registered.len());
    let tasks = task_ids(library.path());
    assert!(tasks.len() >= registered.len(), "a task line for each guest at least");
    let leftovers: Vec<String> =
        inbox_files(library.path()).into_keys().filter(|k| k.ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "unfinished files were cleared: {leftovers:?}");
    // Every favorite made shows: the event's favorites file holds each guest.
    let favorites = &inbox_files(library.path())["favorites/fair-public.txt"];
    for email in &registered {
        assert!(favorites.contains(&format!("<{email}>")), "{email} in favorites");
    }
}

#[tokio::test]
async fn a_push_cut_off_mid_upload_leaves_nothing_half_online_and_finishes_next_time() {
    let (app, library) = studio().await;
    let proxy = FaultProxy::start(&app.base_url).await;
    // Noise does not compress: a photo of a few hundred kilobytes.
    let big = images::noise_jpeg(1600, 1200);
    assert!(big.len() > 400_000, "{} bytes", big.len());
    library.write("sessions/fair-public/big.jpg", &big);
    proxy.throttle(100_000);

    let mut child = connector(&app, &proxy.base_url, library.path(), &["sync"]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy.body_bytes() < 150_000 {
        assert!(Instant::now() < deadline, "the upload never started");
        assert!(child.try_wait().unwrap().is_none(), "the sync ended before the upload was cut");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    // Online: the two photos, not a piece of the third.
    let held = app.get_json("/api/v1/sessions/fair-public/images").await;
    assert_eq!(proofroom_tests::held_image_names(&held), ["p1.jpg", "p2.jpg"]);
    let event = app.event_path("fair-public");
    let photos = Visitor::new(&app.base_url).get(&event).await.links(&format!("{event}/photos/"));
    assert_eq!(photos.len(), 2, "visitors see only whole photos");

    proxy.throttle(0);
    let said = sync_through(&app, &proxy, library.path()).await;
    assert!(said.contains("uploaded sessions/fair-public/big.jpg"), "{said}");
    let held = app.get_json("/api/v1/sessions/fair-public/images").await;
    let big_held = held["images"].as_array().unwrap().iter().find(|i| i["name"] == "big.jpg");
    let sha = proofroom_connector::sha256_file(&library.file("sessions/fair-public/big.jpg"));
    assert_eq!(big_held.unwrap()["sha256"], sha.unwrap().0, "the whole photo, byte for byte");
    let photos = Visitor::new(&app.base_url).get(&event).await.links(&format!("{event}/photos/"));
    assert_eq!(photos.len(), 3);
}

/// A retried upload whose first try still arrives reaches the server twice at once (as in the
/// story above): every copy is taken, and the photo is online once.
#[tokio::test]
async fn the_same_photo_uploaded_several_times_at_once_is_online_once() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let session = serde_json::json!({
        "description": "Twice", "date": "2026-04-12", "price_list": null, "days_active": 30,
        "event_type": "public", "event_code": null, "event_description": null,
        "client": { "id": "C-1", "first_name": "Ann", "last_name": "Smith",
                    "email": "ann.smith@example.com", "phone": null, "address": null },
        "images": [{ "name": "p1.jpg" }, { "name": "twice.jpg" }]
    });
    let sent = http
        .put(format!("{}/api/v1/sessions/twice", app.base_url))
        .bearer_auth(&app.token)
        .json(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::OK, "{}", sent.text().await.unwrap());
    let upload = |name: &str, photo: &[u8]| {
        http.put(format!("{}/api/v1/sessions/twice/images", app.base_url))
            .query(&[("name", name)])
            .bearer_auth(&app.token)
            .header("x-content-sha256", images::sha256(photo))
            .body(photo.to_vec())
            .send()
    };
    let first = upload("p1.jpg", &images::jpeg(600, 400)).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let photo = images::jpeg(900, 600);
    let uploads = (0..6).map(|_| upload("twice.jpg", &photo));
    for answer in futures_util::future::join_all(uploads).await {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{}", answer.text().await.unwrap());
    }
    let held = app.get_json("/api/v1/sessions/twice/images").await;
    assert_eq!(proofroom_tests::held_image_names(&held), ["p1.jpg", "twice.jpg"]);
    let event = app.event_path("twice");
    let photos = Visitor::new(&app.base_url).get(&event).await.links(&format!("{event}/photos/"));
    assert_eq!(photos.len(), 2);
}

#[tokio::test]
async fn a_server_that_answers_500_or_429_for_a_while_delays_but_loses_nothing() {
    let (app, library) = studio().await;
    let event = app.event_path("fair-public");
    let proxy = FaultProxy::start(&app.base_url).await;
    guest_registers(&app, &event, "early@example.com").await;
    library.write("sessions/fair-public/p3.jpg", images::jpeg(600, 400));

    // A short spell: every kind of "later", each answered by a retry.
    proxy.fail_next(1, Fault::Status { code: 429, retry_after: Some(1) });
    proxy.fail_next(1, Fault::Status { code: 500, retry_after: None });
    proxy.fail_next(1, Fault::Status { code: 503, retry_after: None });
    proxy.fail_next(1, Fault::Hangup);
    // And the upload itself, which is sent again from the file.
    proxy.fail_next_matching(
        "PUT",
        "/images?name=p3.jpg",
        1,
        Fault::Status { code: 502, retry_after: None },
    );
    let started = Instant::now();
    let said = sync_through(&app, &proxy, library.path()).await;
    assert_eq!(proxy.faults(), 5);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was waited for");
    assert!(said.contains("1 images uploaded"), "{said}");
    assert!(guest_lines(library.path()).contains_key("early@example.com"));
    assert_eq!(app.feed_waiting(), 0);
    let said = logs(library.path(), 1).await;
    assert!(said.contains(": ok"), "{said}");
    assert!(said.contains("5 requests were tried again"), "{said}");

    // A long spell: the run fails, says why, and the next one carries on.
    guest_registers(&app, &event, "during@example.com").await;
    proxy.fail_all(Fault::Status { code: 500, retry_after: None });
    let output = connector(&app, &proxy.base_url, library.path(), &["sync"]).status().await;
    assert_eq!(output.unwrap().code(), Some(1), "nothing could move");
    let said = logs(library.path(), 1).await;
    assert!(said.contains(": failed"), "{said}");
    assert!(said.contains("the proxy answered 500"), "the reason is logged: {said}");
    assert_eq!(app.feed_waiting(), 2, "the new guest and the hearts wait on the server");

    proxy.heal();
    let output = connector(&app, &proxy.base_url, library.path(), &["sync"]).status().await;
    assert!(output.unwrap().success());
    let lines = guest_lines(library.path());
    assert_eq!(lines.get("early@example.com"), Some(&1));
    assert_eq!(lines.get("during@example.com"), Some(&1));
    assert_eq!(app.feed_waiting(), 0);
    task_ids(library.path());

    // And with no server at all.
    let down = connector(&app, "http://127.0.0.1:9", library.path(), &["sync"]).status().await;
    assert_eq!(down.unwrap().code(), Some(1));
    let said = logs(library.path(), 1).await;
    assert!(said.contains(": failed") && said.contains("cannot reach"), "{said}");
}

#[tokio::test]
async fn the_daemon_told_to_stop_mid_sync_stops_at_once_and_logs_the_run_as_stopped() {
    let (app, library) = studio().await;
    let proxy = FaultProxy::start(&app.base_url).await;
    library.write("sessions/fair-public/big.jpg", images::noise_jpeg(1600, 1200));
    proxy.throttle(50_000);
    let mut daemon = connector(&app, &proxy.base_url, library.path(), &["run"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy.body_bytes() < 50_000 {
        assert!(Instant::now() < deadline, "the upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A manual sync now waits for the daemon's, and says for whom.
    let mut manual = connector(&app, &app.base_url, library.path(), &["sync"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(manual.try_wait().unwrap().is_none(), "the manual sync waits");

    let pid = daemon.id().unwrap() as i32;
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let stopped = tokio::time::timeout(Duration::from_secs(10), daemon.wait())
        .await
        .expect("stops within 10 s, not after the upload")
        .unwrap();
    assert!(stopped.success(), "{stopped}");
    let mut out = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut daemon.stdout.take().unwrap(), &mut out)
        .await
        .unwrap();
    assert!(out.contains("stopped during a sync"), "{out}");

    // The manual sync goes ahead once the daemon is gone, and finishes the upload.
    let finished = tokio::time::timeout(Duration::from_secs(60), manual.wait_with_output())
        .await
        .expect("the manual sync finishes")
        .unwrap();
    let said = printed(&finished);
    assert!(finished.status.success(), "{said}");
    assert!(said.contains("another sync is running (pid"), "{said}");
    assert!(said.contains("uploaded sessions/fair-public/big.jpg"), "{said}");
    let log = logs(library.path(), 2).await;
    assert!(log.contains(": stopped\n"), "{log}");
    assert!(log.contains("told to stop before it finished"), "{log}");
    assert!(log.contains(": ok\n"), "{log}");
}

#[tokio::test]
async fn orders_placed_while_the_connector_is_killed_at_random_points_land_once_each() {
    let (orders, mut rng) = kill_plan("PROOFROOM_KILL_ORDERS", 1000, "orders");
    let app = TestApp::spawn().await;
    let library = proofroom_tests::shop::shop(&app).await;
    let event = app.event_path("smith");
    let mut ann = proofroom_tests::shop::ann(&app).await;
    let photo = proofroom_tests::shop::photos(&mut ann, &event).await.remove(0);
    let image = proofroom_tests::shop::image_id(&photo).to_string();

    let mut placed: Vec<String> = Vec::with_capacity(orders);
    // How long an undisturbed sync of a cycle's orders takes, so kills land all over one.
    let per_cycle = 20;
    for _ in 0..per_cycle {
        placed.push(place_order(&ann, &event, &image).await);
    }
    let started = Instant::now();
    app.sync(library.path()).await;
    let span = started.elapsed().mul_f32(1.3);

    // Orders come in while syncs start and are killed at random points.
    let mut killed = 0;
    let mut cycles = 0;
    while placed.len() < orders {
        for _ in 0..per_cycle.min(orders - placed.len()) {
            placed.push(place_order(&ann, &event, &image).await);
        }
        if sync_killed_at_random(&app, library.path(), span, &mut rng).await {
            killed += 1;
        }
        cycles += 1;
    }
    assert!(killed * 3 >= cycles, "only {killed} of {cycles} runs were cut short");

    let said = app.sync(library.path()).await;
    assert!(said.contains("0 waiting, 0 errors"), "{said}");
    assert_eq!(app.feed_waiting(), 0, "the server shows every order acknowledged");
    let files = inbox_files(library.path());
    let in_inbox: BTreeSet<&str> = files
        .keys()
        .filter_map(|k| k.strip_prefix("orders/").and_then(|k| k.strip_suffix(".json")))
        .collect();
    let placed_set: BTreeSet<&str> = placed.iter().map(String::as_str).collect();
    assert_eq!(placed_set.len(), orders, "every confirmation number is different");
    assert_eq!(in_inbox, placed_set, "each order placed is in the inbox, and nothing else");
    for number in &placed {
        let json: serde_json::Value =
            serde_json::from_str(&files[&format!("orders/{number}.json")]).unwrap();
        assert_eq!(json["number"], number.as_str());
        assert_eq!(json["total"], "15.02");
    }
    task_ids(library.path());
    let tasks = &files["tasks.csv"];
    for number in &placed {
        assert_eq!(tasks.matches(&format!("Order {number} ")).count(), 1, "{number} has one task");
    }
    let leftovers: Vec<&String> = files.keys().filter(|k| k.ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "unfinished files were cleared: {leftovers:?}");
}

/// One order: a print in the cart, then checkout with its own one-time key; answers its number.
async fn place_order(ann: &Visitor, event: &str, image: &str) -> String {
    let added = ann.submit(&format!("{event}/cart"), &[("sku", "P5X7"), ("image_id", image)]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let key = uuid::Uuid::new_v4().simple().to_string();
    let order = ann
        .submit(
            &format!("{event}/checkout"),
            &[
                ("checkout_key", key.as_str()),
                ("shipping", "pickup"),
                ("payment", "pay_at_studio"),
                ("action", "place"),
            ],
        )
        .await;
    assert_eq!(order.status, StatusCode::SEE_OTHER, "{}", order.body);
    order.location.unwrap().trim_start_matches("/orders/").to_string()
}

#[tokio::test]
async fn contracts_signed_while_the_connector_is_killed_at_random_points_land_once_each() {
    let (cycles, mut rng) = kill_plan("PROOFROOM_KILL_CONTRACTS", 16, "contract cycles");
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    proofroom_tests::shop::write_studio(&library);
    let mut manifest = String::new();
    for n in 0..=cycles {
        library.write(
            &format!("sessions/smith/contracts/c{n}.md"),
            format!("# Contract {n}\n\nI, {{{{client.first_name}}}} {{{{client.last_name}}}}, agree to clause {n}.\n"),
        );
        manifest.push_str(&format!(
            "\n[[contracts]]\nid = \"c{n}\"\ntitle = \"Contract {n}\"\nfile = \"contracts/c{n}.md\"\n"
        ));
    }
    library
        .session("smith")
        .event_type("none")
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .manifest(&manifest)
        .write();
    app.push(library.path()).await;
    let mut ann = proofroom_tests::shop::ann(&app).await;
    let event = app.event_path("smith");
    let paths = ann.get(&event).await.links(&format!("{event}/contracts/"));
    assert_eq!(paths.len(), cycles + 1, "every contract is on the event page");
    let sign = |path: String| {
        let mut ann = Visitor::new(&app.base_url);
        async move {
            ann.sign_in("ann.smith@example.com", "smith").await;
            let page = ann.get(&path).await;
            let read = page.body.split("id=\"document-hash\">").nth(1).unwrap();
            let read = read.split('<').next().unwrap();
            let fields =
                [("consent", "yes"), ("signer_name", "Ann Smith"), ("document_sha256", read)];
            let signed = ann.post_multipart(&format!("{path}/sign"), &fields, None).await;
            assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        }
    };

    // How long an undisturbed sync of one signed contract takes, so kills land all over one.
    sign(paths[0].clone()).await;
    let started = Instant::now();
    app.sync(library.path()).await;
    let span = started.elapsed().mul_f32(1.3);

    let mut killed = 0;
    for path in paths.iter().skip(1) {
        sign(path.clone()).await;
        if sync_killed_at_random(&app, library.path(), span, &mut rng).await {
            killed += 1;
        }
    }
    assert!(killed * 3 >= cycles, "only {killed} of {cycles} runs were cut short");

    let said = app.sync(library.path()).await;
    assert!(said.contains("0 waiting, 0 errors"), "{said}");
    assert_eq!(app.feed_waiting(), 0, "the server shows every signature acknowledged");
    let files = inbox_files(library.path());
    let contracts: Vec<&String> = files.keys().filter(|k| k.starts_with("contracts/")).collect();
    assert_eq!(
        contracts.len(),
        2 * (cycles + 1),
        "a PDF and a JSON each, nothing more: {contracts:?}"
    );
    for n in 0..=cycles {
        let pdf =
            std::fs::read(library.path().join(format!("inbox/contracts/smith/c{n}-signed.pdf")))
                .unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&files[&format!("contracts/smith/c{n}.json")]).unwrap();
        assert_eq!(json["contract_id"], format!("c{n}"));
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&pdf))
        };
        assert_eq!(
            json["pdf_sha256"],
            sha.as_str(),
            "c{n}: the PDF whole, the one the server holds"
        );
    }
    task_ids(library.path());
    let tasks = &files["tasks.csv"];
    for n in 0..=cycles {
        let line = format!("Contract \"\"Contract {n}\"\" signed by Ann Smith");
        assert_eq!(tasks.matches(&line).count(), 1, "c{n} has one task line");
    }
    let leftovers: Vec<&String> = files.keys().filter(|k| k.ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "unfinished files were cleared: {leftovers:?}");
}

#[tokio::test]
async fn album_answers_pulled_while_the_connector_is_killed_at_random_points_land_once_each() {
    let (cycles, mut rng) = kill_plan("PROOFROOM_KILL_ALBUMS", 12, "album cycles");
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    proofroom_tests::shop::write_studio(&library);
    let mut manifest = String::new();
    for n in 0..=cycles {
        library
            .write(&format!("sessions/smith/albums/a{n}/r1/001.jpg"), images::grey_jpeg(1200, 600));
        manifest.push_str(&format!(
            "\n[[albums]]\nid = \"a{n}\"\ndescription = \"Album {n}\"\nstatus = \"ready-for-upload\"\nrevision = 1\n"
        ));
    }
    library
        .session("smith")
        .event_type("none")
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .manifest(&manifest)
        .write();
    app.push(library.path()).await;
    let mut ann = proofroom_tests::shop::ann(&app).await;
    let event = app.event_path("smith");
    let albums = ann.get(&event).await.links(&format!("{event}/albums/"));
    assert_eq!(albums.len(), cycles + 1, "every album is on the event page");
    let answer = |album: String| {
        let mut ann = Visitor::new(&app.base_url);
        async move {
            ann.sign_in("ann.smith@example.com", "smith").await;
            ann.get(&album).await;
            let fields = [
                ("revision", "1"),
                ("page", "1"),
                ("x", "0.5"),
                ("y", "0.5"),
                ("text", "Brighter"),
            ];
            let noted = ann.post_json(&format!("{album}/notes"), &fields).await;
            assert_eq!(noted.status, StatusCode::OK, "{}", noted.body);
            let sent = ann.post(&format!("{album}/send"), &[("revision", "1")]).await;
            assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        }
    };

    // How long an undisturbed sync of one answered album takes, so kills land all over one.
    answer(albums[0].clone()).await;
    let started = Instant::now();
    app.sync(library.path()).await;
    let span = started.elapsed().mul_f32(1.3);

    let mut killed = 0;
    for album in albums.iter().skip(1) {
        answer(album.clone()).await;
        if sync_killed_at_random(&app, library.path(), span, &mut rng).await {
            killed += 1;
        }
    }
    assert!(killed * 3 >= cycles, "only {killed} of {cycles} runs were cut short");

    let said = app.sync(library.path()).await;
    assert!(said.contains("0 waiting, 0 errors"), "{said}");
    assert_eq!(app.feed_waiting(), 0, "the server shows every answer acknowledged");
    let files = inbox_files(library.path());
    let written: Vec<&String> = files.keys().filter(|k| k.starts_with("albums/")).collect();
    assert_eq!(
        written.len(),
        2 * (cycles + 1),
        "a JSON and a pinned page each, nothing more: {written:?}"
    );
    for n in 0..=cycles {
        let json: serde_json::Value =
            serde_json::from_str(&files[&format!("albums/smith/a{n}-r1.json")]).unwrap();
        assert_eq!(
            (json["album_id"].as_str(), json["decision"].as_str()),
            (Some(format!("a{n}").as_str()), Some("comments"))
        );
        let pinned =
            std::fs::read(library.path().join(format!("inbox/albums/smith/a{n}-r1/001.jpg")))
                .unwrap();
        assert!(image::load_from_memory(&pinned).is_ok(), "a{n}: the pinned page is whole");
    }
    task_ids(library.path());
    let tasks = &files["tasks.csv"];
    for n in 0..=cycles {
        let line = format!("Album \"\"Album {n}\"\" revision 1: Ann Smith sent 1 notes on 1 pages");
        assert_eq!(tasks.matches(&line).count(), 1, "a{n} has one task line");
    }
    let leftovers: Vec<&String> = files.keys().filter(|k| k.ends_with(".tmp")).collect();
    assert!(leftovers.is_empty(), "unfinished files were cleared: {leftovers:?}");
}

#[tokio::test]
async fn a_calendar_sync_killed_at_random_points_doubles_no_event_card_or_appointment() {
    use proofroom_tests::dav::{DavServer, PASSWORD, Peer, phone_event};
    let (cycles, mut rng) = kill_plan("PROOFROOM_KILL_CYCLES", 20, "calendar cycles");
    let Some(server) = DavServer::start(Peer::Radicale, &["anna"]).await else { return };
    let library = LibraryBuilder::new();
    library.write("studio.toml", proofroom_tests::library::STUDIO_TOML);
    library.write("secrets/anna.password", PASSWORD);
    library.write("connector.toml", server.user_toml("anna", "contacts_group = \"weddings\""));
    let today = proofroom_tests::library::studio_today();
    let calendar = server.calendar_href("anna");
    let mut phone = 0;
    let mut sessions = 0;
    let add_sessions = |library: &LibraryBuilder, sessions: &mut usize, count: usize| {
        for _ in 0..count {
            *sessions += 1;
            let n = *sessions;
            let day = today + chrono::Days::new(n as u64 % 60 + 1);
            library
                .session(&format!("s{n}"))
                .setting(&format!(
                    "starts = \"{day} 10:00\"\nends = \"{day} 11:00\"\nstaff = [\"anna\"]"
                ))
                .write();
            library.write(
                &format!("clients/c{n}.toml"),
                format!("name = \"Client {n}\"\ngroups = [\"weddings\"]\n"),
            );
        }
    };
    add_sessions(&library, &mut sessions, 30);
    let sync = || {
        let mut command = tokio::process::Command::new(proofroom_tests::connector_binary());
        command
            .args(["calendar", "sync", "--library"])
            .arg(library.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        command
    };
    assert!(sync().status().await.unwrap().success());
    // How long a sync of one cycle's changes takes, so kills land all over it.
    add_sessions(&library, &mut sessions, 3);
    let started = Instant::now();
    assert!(sync().status().await.unwrap().success());
    let span = started.elapsed().mul_f32(1.3);

    let mut killed = 0;
    for _ in 1..=cycles {
        add_sessions(&library, &mut sessions, 3);
        phone += 1;
        let day = (today + chrono::Days::new(phone as u64 % 50 + 1)).format("%Y%m%d");
        let event = phone_event(
            &format!("phone-{phone}@phone"),
            &format!("Phone {phone}"),
            "America/Chicago",
            &format!("{day}T070000"),
            &format!("{day}T073000"),
            "",
        );
        server.put("anna", &calendar, &format!("phone-{phone}.ics"), "text/calendar", &event).await;
        if killed_at_random(sync(), span, &mut rng).await {
            killed += 1;
        }
    }
    assert!(killed * 3 >= cycles, "only {killed} of {cycles} runs were cut short");
    let output = sync().output().await.unwrap();
    assert!(output.status.success(), "{}", printed(&output));

    let events = server.events("anna").await;
    let mut uids: Vec<String> = events
        .iter()
        .map(|(_, d)| d.lines().find_map(|l| l.strip_prefix("UID:")).unwrap().trim().to_string())
        .collect();
    uids.sort();
    let distinct: BTreeSet<&String> = uids.iter().collect();
    assert_eq!(distinct.len(), uids.len(), "no event twice: {uids:?}");
    assert_eq!(uids.len(), sessions + phone, "every session and every phone event, once");
    assert_eq!(server.cards("anna").await.len(), sessions, "every client card, once");
    let appointments = inbox_files(library.path())
        .keys()
        .filter(|k| k.starts_with("appointments/") && k.ends_with(".json"))
        .count();
    assert_eq!(appointments, phone, "every phone event in the inbox");
    let tasks = task_ids(library.path());
    assert_eq!(
        tasks.iter().filter(|t| t.starts_with("appointment-")).count(),
        phone,
        "one task each"
    );
}
