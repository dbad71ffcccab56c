//! Many clients checking out at once: every order is placed exactly once — none lost, none
//! doubled, even when each client's browser sends its checkout twice (a double click).
//!
//! `PROOFROOM_LOAD_CLIENTS` sets how many (default 200). The latencies it prints are for
//! `bench/checkout.sh`, which runs it on a release build; nothing here asserts a time.

use std::time::{Duration, Instant};

use proofroom_tests::shop::{self, write_studio};
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images, inbox_files};
use reqwest::StatusCode;

/// A guest of the public event with a print in their cart, ready to check out.
async fn guest_with_a_cart(app: &TestApp, event: &str, n: usize) -> Visitor {
    let event_id = &event["/events/".len()..];
    let mut guest = Visitor::elsewhere(&app.base_url);
    let email = format!("guest-{n}@example.com");
    let registered =
        app.register_guest(&mut guest, Some(event_id), "Guest", &email, "knitting123").await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER, "{email} registers");
    let photo = shop::photos(&mut guest, event).await.remove(0);
    let added = shop::add(&mut guest, event, "P8X10", "1", &photo).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    guest
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::test]
async fn clients_checking_out_at_once_place_each_order_exactly_once() {
    let clients: usize =
        std::env::var("PROOFROOM_LOAD_CLIENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    write_studio(&library);
    library
        .session("fair")
        .event_type("public")
        .image("fair 1.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    let event = app.event_path("fair");

    let mut guests = Vec::with_capacity(clients);
    for chunk in (0..clients).collect::<Vec<_>>().chunks(20) {
        let ready = chunk.iter().map(|n| guest_with_a_cart(&app, &event, *n));
        guests.extend(futures_util::future::join_all(ready).await);
    }

    // All at once; each browser sends its checkout twice with the same form.
    let path = format!("{event}/checkout");
    let started = Instant::now();
    let checkouts = guests.iter().map(|guest| {
        let path = path.clone();
        async move {
            let key = uuid::Uuid::new_v4().simple().to_string();
            let fields = [
                ("checkout_key", key.as_str()),
                ("shipping", "pickup"),
                ("payment", "pay_at_studio"),
                ("action", "place"),
            ];
            let sent = Instant::now();
            let (first, second) =
                tokio::join!(guest.submit(&path, &fields), guest.submit(&path, &fields));
            (sent.elapsed(), first, second)
        }
    });
    let answers = futures_util::future::join_all(checkouts).await;
    let wall = started.elapsed();

    let mut latencies = Vec::with_capacity(clients);
    let mut numbers = std::collections::BTreeSet::new();
    for (latency, first, second) in &answers {
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
        assert_eq!(first.location, second.location, "the same form twice is the same order");
        numbers.insert(first.location.clone().unwrap());
        latencies.push(*latency);
    }
    assert_eq!(numbers.len(), clients, "one order per client: none lost");
    let in_database: i64 = app.with_db(|conn| {
        use diesel::prelude::*;
        use proofroom_server::db::schema::orders;
        orders::table.count().get_result(conn).unwrap()
    });
    assert_eq!(in_database, clients as i64, "none doubled");
    latencies.sort();
    eprintln!(
        "checkout of {clients} clients at once (each sent twice): {:.2} s in all, p50 {} ms, p99 {} ms, max {} ms ({})",
        wall.as_secs_f64(),
        percentile(&latencies, 0.50).as_millis(),
        percentile(&latencies, 0.99).as_millis(),
        latencies.last().unwrap().as_millis(),
        app.backend()
    );

    // And the studio gets each one once.
    let said = app.sync(library.path()).await;
    assert!(said.contains(&format!("{clients} orders")), "{said}");
    let orders = inbox_files(library.path()).keys().filter(|k| k.starts_with("orders/")).count();
    assert_eq!(orders, clients);
}
