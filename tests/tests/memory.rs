//! How much memory a burst of password work takes: alone in its test binary, so the process's
//! peak (VmHWM) is this story's.

use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images};
use reqwest::StatusCode;

/// The process's peak resident memory so far, in bytes.
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib * 1024
}

const BUDGET: u64 = 200 * 1024 * 1024;

/// 300 sign-ins and then 300 guest registrations arrive at once, each from its own address:
/// every one is answered, and the hashes (19 MiB each) wait their turn instead of all taking
/// their memory together — the server's peak grows by under 200 MB.
#[tokio::test]
async fn three_hundred_password_checks_at_once_stay_under_200_mb() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    library.session("fair").event_type("public").image("f1.jpg", images::jpeg(600, 400)).write();
    app.push(library.path()).await;
    let fair = app.event_path("fair");
    let fair_id = fair["/events/".len()..].to_string();

    // Each visitor has their form ready, and one sign-in has warmed everything up.
    let mut visitors = Vec::new();
    for _ in 0..300 {
        let mut visitor = Visitor::elsewhere(&app.base_url);
        visitor.get("/login").await;
        visitors.push(visitor);
    }
    let warm = visitors[0].submit("/login", &[("user_name", "x@example.com"), ("password", "p")]);
    assert_eq!(warm.await.status, StatusCode::UNAUTHORIZED);
    let before = peak_memory();

    let sign_ins = visitors.iter().enumerate().map(|(i, v)| async move {
        let user = format!("nobody{i}@example.com");
        v.submit("/login", &[("user_name", &user), ("password", "a guess")]).await.status
    });
    let answers = futures_util::future::join_all(sign_ins).await;
    assert!(answers.iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{answers:?}");
    let after_sign_ins = peak_memory();

    let registrations = visitors.iter().enumerate().map(|(i, v)| {
        let fair_id = fair_id.clone();
        async move {
            let email = format!("guest{i}@example.com");
            let fields = [
                ("name", "Guest"),
                ("email", email.as_str()),
                ("password", "knitting123"),
                ("event", fair_id.as_str()),
            ];
            v.submit("/register", &fields).await.status
        }
    });
    let answers = futures_util::future::join_all(registrations).await;
    assert!(answers.iter().all(|s| *s == StatusCode::OK), "{answers:?}");
    let after_registrations = peak_memory();

    let mb = |bytes: u64| bytes as f64 / 1024.0 / 1024.0;
    eprintln!(
        "peak memory: {:.0} MB before, {:.0} MB after 300 sign-ins, {:.0} MB after 300 \
         registrations",
        mb(before),
        mb(after_sign_ins),
        mb(after_registrations)
    );
    assert!(
        after_registrations - before < BUDGET,
        "peak grew by {:.0} MB (budget 200 MB)",
        mb(after_registrations - before)
    );
}
