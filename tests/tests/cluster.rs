//! A site of three servers behind nginx, on one PostgreSQL database and one S3 bucket, as a
//! host of many runs Proofroom (`scripts/cluster.sh`): what one server does, every other one
//! knows at once — published photos, a withdrawn invite, a logout, the wrong codes counted —
//! and checkouts placed across them are each kept and confirmed once, even when a server dies.
//!
//! These stories run in the PostgreSQL pass of `scripts/test.sh` (with Garage and nginx).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use proofroom_server::db::schema::orders;
use proofroom_tests::cluster::{Cluster, cluster_or_skip};
use proofroom_tests::shop::{self, checkout_form, write_studio};
use proofroom_tests::smtp::SmtpServer;
use proofroom_tests::visitor::Answer;
use proofroom_tests::{LibraryBuilder, Visitor, images};
use reqwest::StatusCode;

#[tokio::test]
async fn a_change_is_answered_only_once_the_other_server_has_forgotten_what_it_kept() {
    use proofroom_server::db::DbUrl;
    use proofroom_server::db::changes::{Changes, Kinds};
    if std::env::var("PROOFROOM_TEST_POSTGRES").is_err() {
        eprintln!("servers tell each other of changes through PostgreSQL: runs in its pass");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = proofroom_tests::scratch_database(dir.path());
    let url = DbUrl::parse(&url).unwrap();
    let (a, b) = (Changes::start(&url), Changes::start(&url));
    let forgotten = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = forgotten.clone();
    b.on_change(move |kinds| seen.lock().unwrap().push(kinds));
    // Both listen, and each has heard the other say it is there.
    let started = Instant::now();
    while !(a.listening() && b.listening()) && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    forgotten.lock().unwrap().clear();

    for kinds in [Kinds::ACCESS, Kinds::SESSIONS | Kinds::PAGES] {
        a.tell(kinds);
        a.heard(a.marked()).await;
        let applied = forgotten.lock().unwrap().drain(..).fold(Kinds::default(), |all, k| all | k);
        assert!(
            applied.contains(kinds),
            "when the change is answered, the other server has forgotten {kinds:?} ({applied:?})"
        );
    }
    // What a server tells is not applied to its own copies a second time.
    let own = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = own.clone();
    a.on_change(move |_| {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    a.tell(Kinds::IMAGES);
    a.heard(a.marked()).await;
    assert_eq!(own.load(std::sync::atomic::Ordering::SeqCst), 0);
}

/// Every image address on the event's page and on its first photo's page: thumbnails, the
/// middle size and the proof.
async fn image_variants(visitor: &mut Visitor, event: &str) -> Vec<String> {
    let page = visitor.get(event).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut found = page.links("/images/");
    let photo = page.links(&format!("{event}/photos/")).remove(0);
    for link in visitor.get(&photo).await.links("/images/") {
        if !found.contains(&link) {
            found.push(link);
        }
    }
    found
}

#[tokio::test]
async fn photos_published_through_nginx_are_served_by_every_server_and_a_take_down_empties_the_bucket()
 {
    if !cluster_or_skip("publishing on three servers") {
        return;
    }
    let cluster = Cluster::start(3, |app| app).await;
    let library = LibraryBuilder::new();
    write_studio(&library);
    // The two sessions share one photo: its files are one in the bucket, used twice.
    let shared = images::noise_jpeg(900, 600);
    library
        .session("fair")
        .event_type("public")
        .image("shared.jpg", shared.clone())
        .image("fair only.jpg", images::noise_jpeg(900, 601))
        .write();
    library.session("gala").event_type("public").image("shared.jpg", shared).write();
    cluster.push(library.path()).await;

    // As soon as the push is answered, each server shows the gallery and the same image bytes.
    let event = cluster.app.event_path("fair");
    let mut served: Option<Vec<Vec<u8>>> = None;
    for node in 0..3 {
        let mut visitor = Visitor::new(&cluster.nodes[node]);
        let variants = image_variants(&mut visitor, &event).await;
        assert!(variants.len() >= 3, "thumbnails, a middle size and a proof: {variants:?}");
        let mut bytes = Vec::new();
        for image in &variants {
            let (status, body) = visitor.fetch(image).await;
            assert_eq!(status, StatusCode::OK, "server {node} serves {image}");
            bytes.push(body);
        }
        match &served {
            None => served = Some(bytes),
            Some(first) => assert_eq!(first, &bytes, "server {node} serves the same images"),
        }
    }

    // The fair is taken down: its own photo's files go, the shared one's stay for the gala.
    let before = cluster.app.stored_keys("derivatives").len();
    let taken = cluster.connector(library.path(), &["take-down", "fair", "--yes"]).await;
    assert!(taken.status.success(), "{}", proofroom_tests::printed(&taken));
    let after = cluster.app.stored_keys("derivatives");
    assert_eq!(after.len(), before / 2, "the fair's own photo's files are gone, the shared stay");
    let gala = cluster.app.event_path("gala");
    for node in 0..3 {
        let mut visitor = Visitor::new(&cluster.nodes[node]);
        assert_refused(&visitor.get(&event).await, &format!("server {node}: the fair"));
        for image in image_variants(&mut visitor, &gala).await {
            assert_eq!(visitor.fetch(&image).await.0, StatusCode::OK, "server {node}: {image}");
        }
    }
    // And the gala too: nothing refers to any file any more, and the bucket is empty.
    let taken = cluster.connector(library.path(), &["take-down", "gala", "--yes"]).await;
    assert!(taken.status.success(), "{}", proofroom_tests::printed(&taken));
    let left = cluster.app.stored_keys("derivatives");
    assert_eq!(left, Vec::<String>::new(), "the bucket holds no photo's file (only the logo)");
}

/// A gallery page that is not shown: not found, or "sign in first" for a visitor without access.
fn assert_refused(page: &Answer, what: &str) {
    let to_sign_in = page.status == StatusCode::SEE_OTHER
        && page.location.as_deref().is_some_and(|to| to.starts_with("/login"));
    assert!(
        page.status == StatusCode::NOT_FOUND || to_sign_in,
        "{what} is still shown: {} {:?}",
        page.status,
        page.location
    );
}

#[tokio::test]
async fn a_withdrawn_invite_and_a_logout_on_one_server_are_refused_by_the_others_at_once() {
    if !cluster_or_skip("invites and logouts on three servers") {
        return;
    }
    let cluster = Cluster::start(3, |app| app).await;
    let library = LibraryBuilder::new();
    library
        .session("ann")
        .event_type("none")
        .image("a1.jpg", images::jpeg(600, 400))
        .image("a2.jpg", images::jpeg(600, 400))
        .write();
    cluster.push(library.path()).await;
    let event = cluster.app.event_path("ann");

    // Ann invites Grandma, who opens the gallery on every server (each keeps her access).
    let mut ann = cluster.visitor();
    let signed_in = ann.sign_in("ann.smith@example.com", "smith").await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    ann.get(&format!("{event}/invites")).await;
    ann.post(&format!("{event}/invites"), &[("guest_name", "Grandma")]).await;
    let invites = ann.get(&format!("{event}/invites")).await;
    let mut grandma = cluster.visitor();
    let followed = grandma.get(&invites.newest_invite()).await;
    assert_eq!(followed.location.as_deref(), Some(event.as_str()));
    let mut variants = Vec::new();
    for node in 0..3 {
        let mut at_node = cluster.at_node(&grandma, node);
        variants = image_variants(&mut at_node, &event).await;
        for image in &variants {
            assert_eq!(at_node.fetch(image).await.0, StatusCode::OK, "server {node}: {image}");
        }
    }

    // Ann withdraws it on server 1; the very next request on 0 and 2 is refused, every size.
    let mut ann_at_1 = cluster.at_node(&ann, 1);
    ann_at_1.get(&format!("{event}/invites")).await;
    let withdrawn = ann_at_1.post(&invites.newest_revoke(), &[]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{}", withdrawn.body);
    for node in [0, 2] {
        let mut at_node = cluster.at_node(&grandma, node);
        assert_refused(&at_node.get(&event).await, &format!("server {node}: Grandma's gallery"));
        for image in &variants {
            let (status, _) = at_node.fetch(image).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "server {node} still serves {image}");
        }
    }

    // Ann's own cookie, shown to every server, then her logout on server 1.
    let cookie = signed_in
        .set_cookies
        .iter()
        .find_map(|c| c.strip_prefix("pr_session=").map(|v| v.split(';').next().unwrap()))
        .map(|token| format!("pr_session={token}"))
        .expect("a session cookie");
    let with_cookie = |node: usize| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}/account", cluster.nodes[node]))
            .header(reqwest::header::COOKIE, cookie.clone())
    };
    for node in 0..3 {
        let page = with_cookie(node).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "Ann is signed in on server {node}");
    }
    let logged_out = ann_at_1.post("/logout", &[]).await;
    assert_eq!(logged_out.status, StatusCode::SEE_OTHER);
    for node in [0, 2] {
        let page = with_cookie(node).send().await.unwrap();
        let to = page.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(
            page.status().is_redirection() && to.starts_with("/login"),
            "server {node} refuses the old cookie: {} to {to:?}",
            page.status()
        );
    }
}

#[tokio::test]
async fn wrong_event_codes_spread_over_three_servers_are_held_to_twenty_an_hour_in_all() {
    if !cluster_or_skip("event codes on three servers") {
        return;
    }
    let cluster = Cluster::start(3, |app| app).await;
    let library = LibraryBuilder::new();
    library
        .session("gala")
        .event_type("private")
        .event_code("GALA26")
        .image("g.jpg", images::jpeg(600, 400))
        .write();
    cluster.push(library.path()).await;

    // One guesser, 200 wrong codes, each to the next server, ten at a time.
    let mut answered = 0;
    let mut refused = 0;
    for round in 0..20 {
        let tries = (0..10).map(|n| {
            let node = (round * 10 + n) % 3;
            let mut guesser = Visitor::new(&cluster.nodes[node]);
            async move { guesser.enter_code(&format!("WRONG{round}X{n}")).await.status }
        });
        for status in futures_util::future::join_all(tries).await {
            if status == StatusCode::TOO_MANY_REQUESTS {
                refused += 1;
            } else {
                answered += 1;
            }
        }
    }
    assert!(answered <= 20, "{answered} wrong codes were looked up; the limit is 20 an hour");
    assert_eq!(answered + refused, 200);
    // The right code from the same address is held back too, on any server.
    let mut guest = Visitor::new(&cluster.nodes[1]);
    assert_eq!(guest.enter_code("GALA26").await.status, StatusCode::TOO_MANY_REQUESTS);
}

/// A guest of the public event with a print in their cart, through nginx.
async fn guest_with_a_cart(cluster: &Cluster, event: &str, n: usize) -> Visitor {
    let mut guest = Visitor::elsewhere(&cluster.base_url);
    let email = format!("guest-{n}@example.com");
    let registered = cluster.register_guest(&mut guest, &event[8..], "Guest", &email).await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER, "{email} registers: {}", registered.body);
    let photo = shop::photos(&mut guest, event).await.remove(0);
    let added = shop::add(&mut guest, event, "P8X10", "1", &photo).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    guest
}

/// Presses "Place order" (collected at the studio, paid there) until the order is placed, as
/// a client does when an error page comes instead: at most five times, with the form's own key.
/// Answers the last answer, the presses and the time from the first press to that answer.
async fn place_order(guest: &Visitor, event: &str) -> (Answer, usize, Duration) {
    let path = format!("{event}/checkout");
    let form = checkout_form(&uuid::Uuid::new_v4().simple().to_string(), "pay_at_studio");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let started = Instant::now();
    let mut presses = 0;
    loop {
        presses += 1;
        let answer = guest.submit(&path, &fields).await;
        if answer.status == StatusCode::SEE_OTHER || presses == 5 {
            return (answer, presses, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// `clients` guests with a print in their cart, ready at the public event "fair".
async fn guests_with_carts(cluster: &Cluster, clients: usize) -> (String, Vec<Visitor>) {
    let library = LibraryBuilder::new();
    write_studio(&library);
    library.session("fair").event_type("public").image("f.jpg", images::jpeg(600, 400)).write();
    cluster.push(library.path()).await;
    let event = cluster.app.event_path("fair");
    let mut guests = Vec::with_capacity(clients);
    for chunk in (0..clients).collect::<Vec<_>>().chunks(20) {
        let ready = chunk.iter().map(|n| guest_with_a_cart(cluster, &event, *n));
        guests.extend(futures_util::future::join_all(ready).await);
    }
    (event, guests)
}

/// Checkouts per second through nginx with 1, 2 or 3 servers (`PROOFROOM_CLUSTER_NODES`), for
/// `bench/cluster.sh`: `PROOFROOM_LOAD_CLIENTS` clients (200) press "Place order" at once.
#[tokio::test]
#[ignore = "a benchmark: bench/cluster.sh runs it on a release build"]
async fn checkout_throughput_through_nginx() {
    if !cluster_or_skip("checkout throughput") {
        return;
    }
    let number = |name: &str, default: usize| {
        std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
    };
    let (nodes, clients) =
        (number("PROOFROOM_CLUSTER_NODES", 3), number("PROOFROOM_LOAD_CLIENTS", 200));
    let cluster = Cluster::start(nodes, |app| app).await;
    let (event, guests) = guests_with_carts(&cluster, clients).await;
    let started = Instant::now();
    let answers =
        futures_util::future::join_all(guests.iter().map(|guest| place_order(guest, &event))).await;
    let wall = started.elapsed();
    let mut latencies: Vec<Duration> = answers
        .iter()
        .map(|(answer, presses, took)| {
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
            assert_eq!(*presses, 1, "no server died: every order placed at the first press");
            *took
        })
        .collect();
    let placed = cluster.app.with_db(|c| orders::table.count().get_result::<i64>(c).unwrap());
    assert_eq!(placed, clients as i64);
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize].as_millis();
    eprintln!(
        "cluster checkout: {nodes} servers, {clients} clients at once: {:.1} s, {:.0} orders/s, p50 {} ms, p99 {} ms",
        wall.as_secs_f64(),
        clients as f64 / wall.as_secs_f64(),
        at(0.5),
        at(0.99)
    );
}

#[tokio::test]
async fn two_hundred_checkouts_through_nginx_each_land_and_are_confirmed_once_though_a_server_dies()
{
    if !cluster_or_skip("checkouts on three servers") {
        return;
    }
    let Some(smtp) = SmtpServer::start() else { return };
    let clients = 200;
    let cluster = Cluster::start(3, |app| app.smtp(&smtp)).await;
    let (event, guests) = guests_with_carts(&cluster, clients).await;

    // All at once through nginx; server 2 is killed once a quarter of the orders are in. A
    // client whose answer was lost with it (nginx says 502) presses "Place order" again: the
    // form's own key makes that the same order.
    let count_orders =
        || cluster.app.with_db(|c| orders::table.count().get_result::<i64>(c).unwrap());
    let checkouts = guests.iter().map(|guest| place_order(guest, &event));
    let killer = async {
        let started = Instant::now();
        while count_orders() < (clients / 4) as i64 && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        cluster.kill(2);
    };
    let (answers, ()) = tokio::join!(futures_util::future::join_all(checkouts), killer);
    let mut numbers = BTreeSet::new();
    let mut pressed_again = 0;
    for (answer, presses, _) in &answers {
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "after {presses} presses: {}",
            answer.body
        );
        numbers.insert(answer.location.clone().unwrap());
        pressed_again += usize::from(*presses > 1);
    }
    eprintln!("{pressed_again} clients pressed again after server 2 died");
    assert_eq!(numbers.len(), clients, "one order per client: none lost");
    assert_eq!(count_orders(), clients as i64, "none doubled");

    // Each confirmation goes out once, whichever server queued it (a message a dying server
    // had claimed is sent by another once its claim lapses, two minutes on).
    let confirmations = || -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for mail in smtp.messages() {
            if mail.subject.starts_with("Your order") {
                *seen.entry(mail.subject).or_default() += 1;
            }
        }
        seen
    };
    let started = Instant::now();
    while confirmations().len() < clients && started.elapsed() < Duration::from_secs(150) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let seen = confirmations();
    assert_eq!(seen.len(), clients, "a confirmation for every order");
    let doubled: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(doubled.is_empty(), "confirmations sent twice: {doubled:?}");
}
