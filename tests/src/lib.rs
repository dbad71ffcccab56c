//! The end-to-end test harness: the real server on a real port (in this process, port 0), a
//! fresh database per test, and the real connector binary.
//!
//! The backend is SQLite unless `PROOFROOM_TEST_POSTGRES` names a PostgreSQL server
//! (e.g. `postgres://postgres@127.0.0.1:5432/test`); then each test gets its own database there.

use std::path::{Path, PathBuf};
use std::process::Output;

use diesel::{Connection, PgConnection, RunQueryDsl};
use proofroom_server::Application;
use proofroom_server::config::{Config, StoreKind};
use tempfile::TempDir;

pub mod browser;
pub mod cluster;
pub mod dav;
pub mod images;
pub mod library;
pub mod proxy;
pub mod python;
pub mod shop;
pub mod smtp;
pub mod stripe;
pub mod visitor;

pub use library::LibraryBuilder;
pub use visitor::Visitor;

/// What a command printed: its standard output, then its standard error.
pub fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The text of a PDF, as `pdftotext` (poppler-utils) extracts it, with runs of whitespace made
/// one space so wrapped lines read as one.
pub fn pdf_text(pdf: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext (Debian's poppler-utils) is needed to read the signed PDFs");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext could not read the PDF");
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How many pictures a PDF shows, as `pdfimages -list` (poppler-utils) lists them (a picture's
/// transparency, its `smask` row, is not counted apart).
pub fn pdf_image_count(pdf: &[u8]) -> usize {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pdf).unwrap();
    let out = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(file.path())
        .output()
        .expect("pdfimages (Debian's poppler-utils) is needed to read the signed PDFs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| line.split_whitespace().nth(2) == Some("image"))
        .count()
}

/// The image names of a `GET /api/v1/sessions/{id}/images` answer.
pub fn held_image_names(listing: &serde_json::Value) -> Vec<String> {
    listing["images"]
        .as_array()
        .expect("an image listing")
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// Every file under the library's `inbox/`, by path relative to it, with its content.
pub fn inbox_files(library: &Path) -> std::collections::BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, found: &mut std::collections::BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, found);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                // A signed PDF is binary: compared by what it says, never read as text here.
                let bytes = std::fs::read(&path).unwrap();
                found.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    let mut found = std::collections::BTreeMap::new();
    walk(&library.join("inbox"), &library.join("inbox"), &mut found);
    found
}

/// A server with its own data folder and database, and a studio token.
pub struct TestApp {
    pub base_url: String,
    pub token: String,
    pub http: reqwest::Client,
    pub data: TempDir,
    pub config: Config,
    pub state: actix_web::web::Data<proofroom_server::web::AppState>,
    /// The gallery's own state (its upload counter, its caches).
    pub gallery: actix_web::web::Data<proofroom_server::gallery::GalleryState>,
    handle: actix_web::dev::ServerHandle,
    postgres: Option<TestDatabase>,
}

#[derive(Default)]
pub struct TestAppBuilder {
    max_upload_bytes: Option<u64>,
    max_pixels: Option<u64>,
    session_cleanup_seconds: Option<u64>,
    smtp_url: Option<String>,
    stripe: Option<(String, String)>,
    notice_seconds: Option<u64>,
    trust_proxy: bool,
    registrations_per_event_hour: Option<u32>,
    public_url: Option<String>,
    download_link_seconds: Option<u64>,
    store: Option<StoreKind>,
    signed_url_seconds: Option<u64>,
}

impl TestAppBuilder {
    pub fn max_upload_bytes(mut self, bytes: u64) -> Self {
        self.max_upload_bytes = Some(bytes);
        self
    }

    pub fn max_pixels(mut self, pixels: u64) -> Self {
        self.max_pixels = Some(pixels);
        self
    }

    /// How often the server deletes expired sessions by itself.
    pub fn session_cleanup_seconds(mut self, seconds: u64) -> Self {
        self.session_cleanup_seconds = Some(seconds);
        self
    }

    /// Sends the site's email to this SMTP server (else it goes to the outbox folder).
    pub fn smtp(mut self, server: &smtp::SmtpServer) -> Self {
        self.smtp_url = Some(server.url());
        self
    }

    /// Looks for gallery emails due (images online, expiry reminders) this often; stories that
    /// do not read those emails leave it at an hour, so none arrives unasked.
    pub fn notice_seconds(mut self, seconds: u64) -> Self {
        self.notice_seconds = Some(seconds);
        self
    }

    /// Behind a proxy: the client's address is taken from `X-Forwarded-For` when the request
    /// comes from a trusted proxy (loopback, as every test request does).
    pub fn trust_proxy(mut self) -> Self {
        self.trust_proxy = true;
        self
    }

    /// How many guests may register for one event in an hour (stories that register hundreds).
    pub fn registrations_per_event_hour(mut self, limit: u32) -> Self {
        self.registrations_per_event_hour = Some(limit);
        self
    }

    /// The site's address as clients reach it (`public_url`), for every absolute link it makes.
    pub fn public_url(mut self, url: &str) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// How long download links work; 0: a link has expired by the time anyone follows it.
    pub fn download_link_seconds(mut self, seconds: u64) -> Self {
        self.download_link_seconds = Some(seconds);
        self
    }

    /// Keeps the files in the S3 bucket of `PROOFROOM_TEST_S3` (stories call
    /// [`s3_or_skip`] first), whatever `PROOFROOM_TEST_STORE` says.
    pub fn s3(mut self) -> Self {
        self.store = Some(StoreKind::S3);
        self
    }

    /// Keeps the files in the S3 bucket (as [`Self::s3`]) and answers image requests with
    /// addresses on it signed for `seconds` (`[s3] signed_url_seconds`).
    pub fn signed_urls(mut self, seconds: u64) -> Self {
        self.store = Some(StoreKind::S3);
        self.signed_url_seconds = Some(seconds);
        self
    }

    /// Keeps the files on the server's disk, whatever `PROOFROOM_TEST_STORE` says.
    pub fn files(mut self) -> Self {
        self.store = Some(StoreKind::Files);
        self
    }

    /// Takes cards through this localstripe (its API and its Stripe.js).
    pub fn stripe(mut self, stripe: &stripe::LocalStripe) -> Self {
        self.stripe = Some((stripe.url(), stripe.js_url()));
        self
    }

    pub async fn spawn(self) -> TestApp {
        let data = tempfile::tempdir().expect("temp dir");
        let postgres =
            std::env::var("PROOFROOM_TEST_POSTGRES").ok().map(|url| TestDatabase::create(&url));
        let mut config = Config {
            host: "127.0.0.1".into(),
            port: 0,
            data_dir: data.path().join("data"),
            database_url: postgres.as_ref().map(|db| db.url.clone()),
            workers: Some(2),
            ..Config::default()
        };
        let whole_suite_on_s3 = std::env::var("PROOFROOM_TEST_STORE").is_ok_and(|v| v == "s3");
        let on_s3 = self.store.map_or(whole_suite_on_s3, |kind| kind == StoreKind::S3);
        if on_s3 {
            config.store = StoreKind::S3;
            config.s3 = test_s3().expect(
                "PROOFROOM_TEST_STORE=s3 or a story on S3 needs PROOFROOM_TEST_S3 (scripts/garage.sh)",
            );
            config.s3.signed_url_seconds = self.signed_url_seconds.unwrap_or(0);
        }
        if let Some(bytes) = self.max_upload_bytes {
            config.max_upload_bytes = bytes;
        }
        if let Some(pixels) = self.max_pixels {
            config.max_pixels = pixels;
        }
        if let Some(seconds) = self.session_cleanup_seconds {
            config.session_cleanup_seconds = seconds;
        }
        config.smtp_url = self.smtp_url;
        config.trust_proxy = self.trust_proxy;
        if let Some(limit) = self.registrations_per_event_hour {
            config.registrations_per_event_hour = limit;
        }
        config.public_url = self.public_url;
        if let Some(seconds) = self.download_link_seconds {
            config.download_link_seconds = seconds;
        }
        config.notice_seconds = self.notice_seconds.unwrap_or(3600);
        if let Some((api, js)) = self.stripe {
            config.stripe_secret_key = Some(stripe::SECRET_KEY.into());
            config.stripe_publishable_key = Some(stripe::PUBLISHABLE_KEY.into());
            config.stripe_webhook_secret = Some(stripe::WEBHOOK_SECRET.into());
            config.stripe_api_url = api;
            config.stripe_js_url = js;
        }
        // Not the studio's name: the email's sender name is the studio's, taken from it.
        config.mail_from = smtp::MAIL_FROM.into();
        let app = Application::build(config.clone()).expect("server starts");
        let port = app.port();
        let token = {
            let state = app.state();
            let mut conn = state.pool.get().expect("db connection");
            proofroom_server::studio_api::auth::create_token(&mut conn).expect("token")
        };
        let handle = app.handle();
        let (state, gallery) = (app.state(), app.gallery());
        tokio::spawn(app.run_until_stopped());
        TestApp {
            base_url: format!("http://127.0.0.1:{port}"),
            token,
            http: reqwest::Client::new(),
            data,
            config,
            state,
            gallery,
            handle,
            postgres,
        }
    }
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// The keys the site's file store holds under `under` (`derivatives`, `originals`,
    /// `album-pages`…), on disk or in the bucket.
    pub fn stored_keys(&self, under: &str) -> Vec<String> {
        let store = self.state.store.clone();
        let under = under.to_string();
        off_runtime(move || store.keys(&under)).expect("listing the store")
    }

    /// The bytes stored under `key`, if any.
    pub fn stored(&self, key: &str) -> Option<Vec<u8>> {
        let store = self.state.store.clone();
        let key = key.to_string();
        off_runtime(move || store.get(&key)).expect("reading the store").map(|b| b.to_vec())
    }

    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request to the studio API with the studio token.
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(&self.token)
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let response = self.api(reqwest::Method::GET, path).send().await.expect("request");
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.json().await.expect("json")
    }

    /// The ids of the sessions online, as `GET /api/v1/sessions` lists them.
    pub async fn online_session_ids(&self) -> Vec<String> {
        let listing = self.get_json("/api/v1/sessions").await;
        let sessions = listing["sessions"].as_array().expect("a session listing");
        sessions.iter().map(|s| s["id"].as_str().unwrap().to_string()).collect()
    }

    /// The page's HTML, asserting it answered 200.
    pub async fn page(&self, path: &str) -> String {
        let response = self.http.get(self.url(path)).send().await.expect("request");
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("body")
    }

    pub async fn bytes(&self, path: &str) -> (reqwest::StatusCode, Vec<u8>) {
        let response = self.http.get(self.url(path)).send().await.expect("request");
        let status = response.status();
        (status, response.bytes().await.expect("body").to_vec())
    }

    /// Runs the real connector binary against this server (asynchronously: the server runs on
    /// this test's runtime and must keep answering meanwhile).
    pub async fn connector(&self, library: &Path, args: &[&str]) -> Output {
        let mut command = tokio::process::Command::new(connector_binary());
        command
            .args(args)
            .arg("--library")
            .arg(library)
            .arg("--server")
            .arg(&self.base_url)
            .env("PROOFROOM_TOKEN", &self.token)
            .env_remove("PROOFROOM_CONFIG");
        command.output().await.expect("connector runs")
    }

    /// Pushes the library, asserting the connector succeeded; returns its standard output.
    pub async fn push(&self, library: &Path) -> String {
        let output = self.connector(library, &["push"]).await;
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert!(output.status.success(), "push failed: {}\n{stdout}\n{stderr}", output.status);
        format!("{stdout}{stderr}")
    }

    /// Runs `sync`, asserting it succeeded; returns what it printed (stdout, then stderr).
    pub async fn sync(&self, library: &Path) -> String {
        let output = self.connector(library, &["sync"]).await;
        let printed = printed(&output);
        assert!(output.status.success(), "sync failed ({}):\n{printed}", output.status);
        printed
    }

    /// Feed items not yet acknowledged by the connector, as the server's database holds them.
    pub fn feed_waiting(&self) -> i64 {
        use diesel::{ExpressionMethods, QueryDsl};
        use proofroom_server::db::schema::feed_items;
        self.with_db(|conn| {
            feed_items::table
                .filter(feed_items::downloaded_at.is_null())
                .count()
                .get_result(conn)
                .unwrap()
        })
    }

    /// Waits until background re-rendering of proofs has finished.
    pub async fn wait_for_proofs(&self) {
        for _ in 0..300 {
            let state = self.get_json("/api/v1/studio").await;
            if state["proofs_pending"].as_i64() == Some(0) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("proofs were not re-rendered within 30 s");
    }

    /// Works on the server's own database, for what no API shows (ids of private events) or
    /// what only time does (expiry). The server is told its data changed behind its back, as
    /// its own requests tell it, so it keeps no page or decision made before.
    pub fn with_db<T>(&self, work: impl FnOnce(&mut proofroom_server::db::DbConn) -> T) -> T {
        let mut conn = self.state.pool.get().expect("db connection");
        let done = work(&mut conn);
        self.catalog_changed();
        done
    }

    /// Tells the server its events or images changed behind its back, as a studio push does:
    /// it forgets the pages, access decisions and image places it kept.
    pub fn catalog_changed(&self) {
        self.gallery.catalog_changed();
    }

    /// Today in the studio's time zone, as the server and connector count gallery days (in
    /// the hours after UTC midnight it is still yesterday in Chicago).
    pub fn studio_today(&self) -> chrono::NaiveDate {
        self.with_db(|conn| proofroom_server::events::access::studio_today(conn).expect("studio"))
    }

    /// The page address of a session's event (its id is private: no API shows it).
    pub fn event_path(&self, session: &str) -> String {
        use diesel::{ExpressionMethods, QueryDsl};
        use proofroom_server::db::schema::events;
        let id: String = self.with_db(|conn| {
            events::table
                .filter(events::studio_session_id.eq(session))
                .select(events::id)
                .first(conn)
                .expect("the session is online")
        });
        format!("/events/{id}")
    }

    /// Every email the server wrote to its outbox folder (it has no SMTP server), oldest first.
    pub fn outbox(&self) -> Vec<smtp::Mail> {
        assert!(
            self.config.smtp_url.is_none(),
            "this server sends through SMTP: read the SmtpServer's messages instead"
        );
        let Ok(entries) = std::fs::read_dir(self.config.data_dir.join("outbox")) else {
            return Vec::new();
        };
        let mut found: Vec<(std::time::SystemTime, smtp::Mail)> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| {
                let modified = e.metadata().ok()?.modified().ok()?;
                let text = std::fs::read_to_string(e.path()).ok()?;
                Some((modified, smtp::parse_message(&text)))
            })
            .collect();
        found.sort_by_key(|(at, _)| *at);
        found.into_iter().map(|(_, m)| m).collect()
    }

    /// The emails the server queued for `address`, oldest first, whether or not sent yet (the
    /// queue is a table: reading it stays quick in stories that register thousands of guests).
    pub fn emails_to(&self, address: &str) -> Vec<smtp::Mail> {
        use diesel::{ExpressionMethods, QueryDsl};
        use proofroom_server::db::schema::outgoing_emails;
        type Row = (String, String, String, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = self.with_db(|conn| {
            outgoing_emails::table
                .filter(outgoing_emails::to_address.eq(address))
                .order(outgoing_emails::created_at)
                .select((
                    outgoing_emails::to_address,
                    outgoing_emails::subject,
                    outgoing_emails::body,
                    outgoing_emails::html_body,
                    outgoing_emails::from_name,
                    outgoing_emails::reply_to,
                ))
                .load(conn)
                .unwrap()
        });
        let from_address = self
            .config
            .mail_from
            .rsplit_once('<')
            .map_or(self.config.mail_from.as_str(), |(_, address)| address.trim_end_matches('>'));
        rows.into_iter()
            .map(|(to, subject, body, html, from_name, reply_to)| smtp::Mail {
                to,
                subject,
                body,
                html,
                from: smtp::Mailbox {
                    name: from_name.unwrap_or_default(),
                    address: from_address.to_string(),
                },
                reply_to: reply_to.map(|address| smtp::Mailbox { name: String::new(), address }),
            })
            .collect()
    }

    /// Waits up to 20 s until `address` has more than `already` emails queued; returns the
    /// newest.
    pub async fn next_email_to(&self, address: &str, already: usize) -> smtp::Mail {
        for _ in 0..200 {
            let mut mails = self.emails_to(address);
            if mails.len() > already {
                return mails.pop().unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no new email to {address} within 20 s (had {already})");
    }

    /// The path of the first link in `mail` to this site that starts with `prefix`.
    pub fn link_in(&self, mail: &smtp::Mail, prefix: &str) -> String {
        let start = format!("{}{prefix}", self.base_url);
        mail.body
            .split_whitespace()
            .find(|word| word.starts_with(&start))
            .map(|url| url[self.base_url.len()..].to_string())
            .unwrap_or_else(|| panic!("no {prefix} link in: {}", mail.body))
    }

    /// `visitor` registers as a guest (from the event `event_id`, if given), then follows the
    /// link of the confirmation email; returns the confirmation's answer (a redirect to the
    /// event, or My events).
    pub async fn register_guest(
        &self,
        visitor: &mut Visitor,
        event_id: Option<&str>,
        name: &str,
        email: &str,
        password: &str,
    ) -> visitor::Answer {
        let event = event_id.unwrap_or_default();
        visitor.get(&format!("/register?event={event}")).await;
        let already = self.emails_to(email).len();
        let fields = [("name", name), ("email", email), ("password", password), ("event", event)];
        let sent = visitor.post("/register", &fields).await;
        assert_eq!(sent.status, 200, "{email} registers: {}", sent.body);
        assert!(sent.body.contains("Check your email"), "{}", sent.body);
        let mail = self.next_email_to(email, already).await;
        let link = self.link_in(&mail, "/register/confirm/");
        let page = visitor.get(&link).await;
        assert_eq!(page.status, 200, "the confirmation page: {}", page.body);
        visitor.post(&link, &[]).await
    }

    pub fn backend(&self) -> &'static str {
        if self.postgres.is_some() { "postgres" } else { "sqlite" }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the database is dropped after (with FORCE, so open pool
        // connections do not keep it).
        drop(self.handle.stop(false));
    }
}

/// The connector binary cargo built next to this test binary (target/<profile>/).
pub fn connector_binary() -> PathBuf {
    built_binary("proofroom-connector", "proofroom-connector")
}

/// The server binary, for stories that watch it as its own process (its memory).
pub fn server_binary() -> PathBuf {
    built_binary("proofroom", "proofroom-server")
}

fn built_binary(name: &str, package: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let binary = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run `cargo test --workspace` (it builds the binaries) or \
         `cargo build -p {package}` first",
        binary.display()
    );
    binary
}

/// The store's calls block (an S3 store waits on its own runtime), so tests make them from a
/// thread of their own rather than from the test's async runtime.
fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(work).join().expect("store call panicked")
}

/// The test S3 bucket, or `None` when there is none here: a story on S3 then returns early
/// with a note, except under `CI=true`, where a missing S3 server is a failure.
pub fn s3_or_skip(story: &str) -> Option<proofroom_server::config::S3Config> {
    let found = test_s3();
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{story}: PROOFROOM_TEST_S3 is not set; CI needs an S3 server (scripts/garage.sh)"
        );
        eprintln!("skipped {story}: no S3 server (set PROOFROOM_TEST_S3; see scripts/garage.sh)");
    }
    found
}

/// `PROOFROOM_TEST_S3=http://<key id>:<secret>@host:port/<bucket>?region=<region>` (what
/// `scripts/garage.sh` prints) puts every test server's files in that bucket, each under a
/// prefix of its own, instead of on disk.
pub fn test_s3() -> Option<proofroom_server::config::S3Config> {
    let raw = std::env::var("PROOFROOM_TEST_S3").ok().filter(|v| !v.trim().is_empty())?;
    let url = url::Url::parse(raw.trim())
        .unwrap_or_else(|e| panic!("PROOFROOM_TEST_S3 is not a URL ({e})"));
    let region = url
        .query_pairs()
        .find(|(k, _)| k == "region")
        .map_or("us-east-1".to_string(), |(_, v)| v.into_owned());
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    Some(proofroom_server::config::S3Config {
        bucket: url.path().trim_matches('/').to_string(),
        region,
        endpoint: Some(format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().expect("PROOFROOM_TEST_S3 names a host"),
            url.port_or_known_default().expect("a port")
        )),
        path_style: true,
        prefix: format!("test-{}", uuid_simple()),
        access_key_id: Some(decode(url.username())),
        secret_access_key: Some(proofroom_server::config::Secret::new(decode(
            url.password().unwrap_or_default(),
        ))),
        ..Default::default()
    })
}

/// A PostgreSQL database made for one test and dropped after it.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    fn create(admin_url: &str) -> Self {
        let name = format!("proofroom_test_{}", uuid_simple());
        let mut admin = PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("PROOFROOM_TEST_POSTGRES={admin_url}: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create db");
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
        // Without TLS unless asked for: each server's pool (r2d2, on its own threads) may
        // still be opening connections when the test binary exits, and a TLS handshake then
        // races OpenSSL's exit-time cleanup ("double free or corruption", SIGABRT after
        // "test result: ok"). A local test server needs no TLS.
        let query = match admin_url.split_once('?') {
            Some((_, query)) if query.contains("sslmode=") => format!("?{query}"),
            _ => "?sslmode=disable".to_string(),
        };
        let base = base.split_once('?').map_or(base, |(base, _)| base);
        Self { admin_url: admin_url.into(), url: format!("{base}/{name}{query}"), name }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                    .execute(&mut admin);
        }
    }
}

fn uuid_simple() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The database URL tests of the data layer use directly: a fresh PostgreSQL database when
/// `PROOFROOM_TEST_POSTGRES` is set, else a SQLite file in `dir`.
pub fn scratch_database(dir: &Path) -> (String, Option<TestDatabase>) {
    match std::env::var("PROOFROOM_TEST_POSTGRES") {
        Ok(url) => {
            let db = TestDatabase::create(&url);
            (db.url.clone(), Some(db))
        }
        Err(_) => (format!("sqlite://{}", dir.join("scratch.db").display()), None),
    }
}
