//! Headless Chromium, driven over WebDriver (Debian's `chromium` + `chromium-driver`, through
//! fantoccini), for the stories a person lives in a browser: keyboard, lightbox, phone widths.
//!
//! Each story gets its own chromedriver (on a free port, in its own process group so nothing
//! outlives the test) and an empty Chromium profile. A story that fails saves a screenshot and
//! the page's HTML to `target/browser-failures/<story>.png|.html` before the test fails.
//!
//! Without Chromium the stories are skipped with a warning, except under `CI=true`, where that
//! is a failure: CI installs both packages.

use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use tokio::sync::Semaphore;

/// How long a step waits for what it expects (an element, a condition) before it fails.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Two browsers at once at most: each Chromium wants a core while it starts.
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// The window a story runs in.
#[derive(Clone, Copy, Debug)]
pub enum Screen {
    /// A laptop-sized window, 1280×900.
    Desktop,
    /// A phone: Chromium's device emulation at 360×740 CSS pixels, touch, pixel ratio 3.
    Phone,
}

/// A tab on the site under test: paths are relative to its base URL.
#[derive(Clone)]
pub struct Page {
    pub client: Client,
    base: String,
}

/// Runs `story` in a fresh headless Chromium against the site at `base`. On failure (an error or
/// a panic) it saves a screenshot and the HTML, then fails the test with the story's message.
pub async fn story<F, Fut>(name: &str, base: &str, screen: Screen, story: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let Some(binaries) = Binaries::find() else {
        return;
    };
    let _slot = BROWSERS.acquire().await.expect("semaphore");
    let mut driver = Driver::start(&binaries).await.unwrap_or_else(|e| panic!("{name}: {e:#}"));
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver, &binaries, profile.path(), screen)
        .await
        .unwrap_or_else(|e| panic!("{name}: starting Chromium: {e:#}"));
    let page = Page { client: client.clone(), base: base.trim_end_matches('/').to_string() };
    let outcome = std::panic::AssertUnwindSafe(story(page.clone())).catch_unwind().await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e:#}")),
        Err(panic) => Some(panic_message(&panic)),
    };
    if let Some(message) = &failure {
        let saved = page.save_evidence(name).await;
        let _ = client.close().await;
        driver.stop().await;
        panic!("browser story {name} failed: {message}\n{saved}");
    }
    let _ = client.close().await;
    driver.stop().await;
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panicked".into())
}

struct Binaries {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Binaries {
    /// `CHROMIUM` / `CHROMEDRIVER`, else Debian's paths, else the first on `PATH`.
    fn find() -> Option<Self> {
        let locate = |env: &str, names: &[&str]| -> Option<PathBuf> {
            if let Some(path) = std::env::var_os(env) {
                return Some(PathBuf::from(path));
            }
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
                .find(|candidate| candidate.is_file())
        };
        let chromium = locate("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
        let chromedriver = locate("CHROMEDRIVER", &["chromedriver"]);
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Some(Self { chromium, chromedriver }),
            _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
                "CI=true but Chromium or ChromeDriver is missing: \
                 apt-get install chromium chromium-driver"
            ),
            _ => {
                eprintln!(
                    "warning: skipped a browser story: install Debian's chromium and \
                     chromium-driver (or set CHROMIUM and CHROMEDRIVER) to run it"
                );
                None
            }
        }
    }
}

/// A chromedriver process of our own, in its own process group.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(binaries: &Binaries) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(&binaries.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binaries.chromedriver.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            let ready = http.get(format!("{url}/status")).send().await;
            if let Ok(answer) = ready
                && let Ok(status) = answer.json::<Value>().await
                && status["value"]["ready"] == json!(true)
            {
                return Ok(Self { child, url });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("chromedriver did not answer on {url} within 10 s")
    }

    /// Ends chromedriver and whatever Chromium it left behind (the whole process group).
    async fn stop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill").arg("-KILL").arg(format!("-{pid}")).status().await;
        }
        let _ = self.child.wait().await;
    }
}

async fn connect(
    driver: &Driver,
    binaries: &Binaries,
    profile: &std::path::Path,
    screen: Screen,
) -> anyhow::Result<Client> {
    // The flags keep Chromium off the network it cannot reach here (sync, updates, QUIC).
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--lang=en-US".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut options = json!({ "binary": binaries.chromium, "prefs": { "intl.accept_languages": "en-US" } });
    match screen {
        Screen::Desktop => args.push("--window-size=1280,900".into()),
        Screen::Phone => {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": 360, "height": 740, "pixelRatio": 3.0, "touch": true },
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
                              (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36"
            });
        }
    }
    options["args"] = json!(args);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::native()
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok(client)
}

impl Page {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) -> anyhow::Result<()> {
        self.client.goto(&self.url(path)).await.with_context(|| format!("opening {path}"))
    }

    /// The path (and query) the tab shows now.
    pub async fn path(&self) -> anyhow::Result<String> {
        let url = self.client.current_url().await?;
        Ok(match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        })
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches `{css}`"))
    }

    /// Every element matching `css` now.
    pub async fn all(&self, css: &str) -> anyhow::Result<Vec<Element>> {
        Ok(self.client.find_all(Locator::Css(css)).await?)
    }

    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        self.find(css).await?.click().await.with_context(|| format!("clicking `{css}`"))
    }

    /// The link or button whose visible text contains `text`, clicked.
    pub async fn click_text(&self, text: &str) -> anyhow::Result<()> {
        let xpath = format!(
            "//*[self::a or self::button or self::summary][contains(normalize-space(.), {})]",
            xpath_literal(text)
        );
        let element = self
            .client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::XPath(&xpath))
            .await
            .with_context(|| format!("no link or button says \"{text}\""))?;
        element.click().await.with_context(|| format!("clicking \"{text}\""))
    }

    /// Types into the field (after clearing it), as a person would.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let field = self.find(css).await?;
        field.clear().await?;
        field.send_keys(text).await.with_context(|| format!("typing into `{css}`"))
    }

    /// Sends keys to whatever has the focus.
    pub async fn press(&self, keys: &str) -> anyhow::Result<()> {
        let focused = self.client.active_element().await?;
        focused.send_keys(keys).await.context("pressing keys")
    }

    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        Ok(self.find(css).await?.text().await?)
    }

    /// Runs `script` (a function body; `arguments` as in WebDriver) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        Ok(self.client.execute(script, args).await?)
    }

    /// Waits until `script` returns true; `what` says what was awaited, for the failure message.
    pub async fn wait_for(&self, what: &str, script: &str) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + STEP_TIMEOUT;
        loop {
            if self.js(script, vec![]).await? == json!(true) {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                bail!("waited {STEP_TIMEOUT:?} for {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's text contains `text`.
    pub async fn wait_for_text(&self, text: &str) -> anyhow::Result<()> {
        let script = format!("return document.body.innerText.includes({});", json!(text));
        self.wait_for(&format!("the page to say \"{text}\""), &script).await
    }

    /// Writes the screenshot and HTML of the failed story; returns where they went.
    async fn save_evidence(&self, name: &str) -> String {
        let dir = failures_dir();
        if let Err(e) = std::fs::create_dir_all(&dir) {
            return format!("(could not make {}: {e})", dir.display());
        }
        let mut saved = Vec::new();
        if let Ok(png) = self.client.screenshot().await {
            let path = dir.join(format!("{name}.png"));
            if std::fs::write(&path, png).is_ok() {
                saved.push(path.display().to_string());
            }
        }
        if let Ok(html) = self.client.source().await {
            let path = dir.join(format!("{name}.html"));
            if std::fs::write(&path, html).is_ok() {
                saved.push(path.display().to_string());
            }
        }
        let at = self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        format!("page: {at}\nsaved: {}", saved.join(", "))
    }
}

/// `target/browser-failures/`, beside the test binaries.
fn failures_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors().nth(3).map_or_else(|| PathBuf::from("target"), PathBuf::from).join("browser-failures")
}

/// An XPath string literal for any text (XPath 1.0 has no escapes).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
