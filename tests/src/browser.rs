//! Headless Chromium, driven over WebDriver (Debian's `chromium` + `chromium-driver`, through
//! fantoccini), for the stories a person lives in a browser: keyboard, lightbox, phone widths.
//!
//! Each story gets its own chromedriver (on a free port, in its own process group so nothing
//! outlives the test) and an empty Chromium profile. A story that fails saves a screenshot and
//! the page's HTML to `target/browser-failures/<story>.png|.html` before the test fails.
//!
//! Without Chromium the stories are skipped with a warning, except under `CI=true`, where that
//! is a failure: CI installs both packages.
//!
//! Every page a story opens with [`Page::goto`], and each one it checks with [`Page::axe`], is
//! run through axe-core (from npm; `PROOFROOM_AXE` names its `axe.min.js`, which
//! scripts/test.sh installs): a serious or critical accessibility violation fails the story.
//! Without axe-core that check is skipped with a warning, except under `CI=true`.
//!
//! `PROOFROOM_BROWSER_SHOTS=1` also saves the screenshots a story takes on the way
//! ([`Page::snapshot`]) to `target/browser-shots/`, to look at the pages as a person sees them.

use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use fantoccini::actions::{InputSource, KeyAction, KeyActions, PointerAction, TouchActions};
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
    /// A laptop-sized window, 1366×900.
    Desktop,
    /// A phone: Chromium's device emulation at 390×844 CSS pixels, touch, pixel ratio 3.
    Phone,
    /// The narrowest phone a client still has (many Android phones): 360×740, touch.
    SmallPhone,
}

/// A tab on the site under test: paths are relative to its base URL.
#[derive(Clone)]
pub struct Page {
    pub client: Client,
    /// The window the story runs in.
    pub screen: Screen,
    base: String,
    story: String,
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
    // Dropping the driver (also on a panic) ends chromedriver and its Chromium.
    let driver = Driver::start(&binaries).await.unwrap_or_else(|e| panic!("{name}: {e:#}"));
    let profile = tempfile::tempdir().expect("profile dir");
    let client = connect(&driver, &binaries, profile.path(), screen)
        .await
        .unwrap_or_else(|e| panic!("{name}: starting Chromium: {e:#}"));
    let page = Page {
        client: client.clone(),
        screen,
        base: base.trim_end_matches('/').to_string(),
        story: name.to_string(),
    };
    let outcome = std::panic::AssertUnwindSafe(story(page.clone())).catch_unwind().await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("{e:#}")),
        Err(panic) => Some(panic_message(&panic)),
    };
    let saved = match &failure {
        Some(_) => page.save_evidence(name).await,
        None => String::new(),
    };
    let _ = client.close().await;
    drop(driver);
    if let Some(message) = failure {
        panic!("browser story {name} failed: {message}\n{saved}");
    }
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
                // A path that is not there counts as missing, not as a browser to start.
                return Some(PathBuf::from(path)).filter(|p| p.is_file());
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

/// A chromedriver process of our own, in its own process group; dropping it kills the group.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(binaries: &Binaries) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut child = Command::new(&binaries.chromedriver)
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
            if let Some(status) = child.try_wait()? {
                bail!("{} exited at start: {status}", binaries.chromedriver.display());
            }
            let ready = http.get(format!("{url}/status")).send().await;
            if let Ok(answer) = ready
                && let Ok(status) = answer.json::<Value>().await
                && status["value"]["ready"] == json!(true)
            {
                return Ok(Self { child, url });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let driver = Self { child, url };
        bail!("chromedriver did not answer on {} within 10 s", driver.url)
    }
}

impl Drop for Driver {
    /// Ends chromedriver and the Chromium it started: the whole process group, by its id.
    ///
    /// With a system call, not the `kill` program: Debian 12's procps `kill` reads
    /// `kill -KILL -<pgid>` as `kill -1` for some ids, which ends every process of the user.
    fn drop(&mut self) {
        if let Some(pid) = self.child.id().and_then(|pid| libc::pid_t::try_from(pid).ok())
            && pid > 1
        {
            // SAFETY: kill(2) takes plain integers; `-pid` (pid > 1) names only the process
            // group chromedriver leads (it was spawned with `process_group(0)`).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.start_kill();
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
    let mut options =
        json!({ "binary": binaries.chromium, "prefs": { "intl.accept_languages": "en-US" } });
    match screen {
        Screen::Desktop => args.push("--window-size=1366,900".into()),
        Screen::Phone | Screen::SmallPhone => {
            let (width, height) = match screen {
                Screen::SmallPhone => (360, 740),
                _ => (390, 844),
            };
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 3.0, "touch": true },
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

    /// Opens `path` and checks the page with axe-core.
    pub async fn goto(&self, path: &str) -> anyhow::Result<()> {
        self.client.goto(&self.url(path)).await.with_context(|| format!("opening {path}"))?;
        self.axe().await
    }

    /// Runs axe-core on the page as it is now: fails on any serious or critical violation,
    /// naming the rule and the elements.
    pub async fn axe(&self) -> anyhow::Result<()> {
        let Some(source) = axe_source() else { return Ok(()) };
        let loaded = "return typeof window.axe === 'object';";
        if self.js(loaded, vec![]).await? != json!(true) {
            self.client.execute(source, vec![]).await.context("loading axe-core")?;
        }
        let run = "const done = arguments[arguments.length - 1]; \
            axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations \
              .filter(v => v.impact === 'serious' || v.impact === 'critical') \
              .map(v => `${v.impact} ${v.id}: ${v.help} — ` + \
                   v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))) \
              .catch(e => done(['axe failed: ' + e]));";
        let found = self.client.execute_async(run, vec![]).await.context("running axe-core")?;
        let violations: Vec<String> = serde_json::from_value(found)?;
        if !violations.is_empty() {
            let at = self.path().await.unwrap_or_default();
            bail!("axe-core on {at}:\n  {}", violations.join("\n  "));
        }
        Ok(())
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

    /// The first link or button whose text contains `text`, waiting for it to appear.
    pub async fn find_text(&self, text: &str) -> anyhow::Result<Element> {
        let xpath = format!(
            "//*[self::a or self::button or self::summary][contains(normalize-space(.), {})]",
            xpath_literal(text)
        );
        self.client
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::XPath(&xpath))
            .await
            .with_context(|| format!("no link or button says \"{text}\""))
    }

    /// The link or button whose text contains `text`, clicked.
    pub async fn click_text(&self, text: &str) -> anyhow::Result<()> {
        let element = self.find_text(text).await?;
        element.click().await.with_context(|| format!("clicking \"{text}\""))
    }

    /// Types into the field (after clearing it), as a person would.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let field = self.find(css).await?;
        field.clear().await?;
        field.send_keys(text).await.with_context(|| format!("typing into `{css}`"))
    }

    /// Presses one key (a character or a [`fantoccini::key::Key`]) on whatever has the focus.
    pub async fn press(&self, key: impl Into<char>) -> anyhow::Result<()> {
        self.chord(&[key.into()]).await
    }

    /// Holds the keys down in order and lets go in reverse (e.g. Shift, Tab).
    pub async fn chord(&self, keys: &[char]) -> anyhow::Result<()> {
        let mut actions = KeyActions::new("keyboard".into());
        for &value in keys {
            actions = actions.then(KeyAction::Down { value });
        }
        for &value in keys.iter().rev() {
            actions = actions.then(KeyAction::Up { value });
        }
        self.client.perform_actions(actions).await.context("pressing keys")?;
        Ok(())
    }

    /// Types `text` into whatever has the focus.
    pub async fn type_text(&self, text: &str) -> anyhow::Result<()> {
        let focused = self.client.active_element().await?;
        focused.send_keys(text).await.context("typing")
    }

    /// Whether the element that has the focus matches `css`.
    pub async fn focused_is(&self, css: &str) -> anyhow::Result<bool> {
        let script = "const el = document.activeElement; return !!el && el.matches(arguments[0]);";
        Ok(self.js(script, vec![json!(css)]).await? == json!(true))
    }

    /// Presses Tab until the element matching `css` has the focus (at most `limit` times).
    pub async fn tab_to(&self, css: &str, limit: usize) -> anyhow::Result<()> {
        for _ in 0..limit {
            if self.focused_is(css).await? {
                return Ok(());
            }
            self.press(fantoccini::key::Key::Tab).await?;
        }
        if self.focused_is(css).await? {
            return Ok(());
        }
        bail!("{limit} presses of Tab did not reach `{css}`")
    }

    /// A finger's tap on the element matching `css`.
    pub async fn tap(&self, css: &str) -> anyhow::Result<()> {
        let element = self.find(css).await?;
        self.tap_element(element).await.with_context(|| format!("tapping `{css}`"))
    }

    /// A finger's tap on the link or button whose text contains `text`.
    pub async fn tap_text(&self, text: &str) -> anyhow::Result<()> {
        let element = self.find_text(text).await?;
        self.tap_element(element).await.with_context(|| format!("tapping \"{text}\""))
    }

    /// The element matching `css` pressed as this screen's person would: a tap on a phone, a
    /// click elsewhere.
    pub async fn press_on(&self, css: &str) -> anyhow::Result<()> {
        match self.screen {
            Screen::Phone | Screen::SmallPhone => self.tap(css).await,
            Screen::Desktop => self.click(css).await,
        }
    }

    /// [`Page::press_on`] on the link or button whose text contains `text`.
    pub async fn press_on_text(&self, text: &str) -> anyhow::Result<()> {
        match self.screen {
            Screen::Phone | Screen::SmallPhone => self.tap_text(text).await,
            Screen::Desktop => self.click_text(text).await,
        }
    }

    /// Scrolls the element into the middle of the screen (as a thumb would), then taps it.
    async fn tap_element(&self, element: Element) -> anyhow::Result<()> {
        let script = "arguments[0].scrollIntoView({block: 'center'}); return true;";
        self.js(script, vec![serde_json::to_value(&element)?]).await?;
        let finger = TouchActions::new("finger".into())
            .then(PointerAction::MoveToElement { element, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: 0 })
            .then(PointerAction::Up { button: 0 });
        self.client.perform_actions(finger).await?;
        Ok(())
    }

    /// A finger's swipe across the element, `dx` CSS pixels sideways (negative: to the left).
    pub async fn swipe(&self, css: &str, dx: f64) -> anyhow::Result<()> {
        let element = self.find(css).await?;
        let finger = TouchActions::new("finger".into())
            .then(PointerAction::MoveToElement { element, duration: None, x: -dx / 2.0, y: 0.0 })
            .then(PointerAction::Down { button: 0 })
            .then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(150)),
                x: dx,
                y: 0.0,
            })
            .then(PointerAction::Up { button: 0 });
        self.client.perform_actions(finger).await.with_context(|| format!("swiping `{css}`"))?;
        Ok(())
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

    /// Waits for the page whose heading is `text`, then checks it with axe-core.
    pub async fn heading(&self, text: &str) -> anyhow::Result<()> {
        self.wait_for(
            &format!("the heading \"{text}\""),
            &format!(
                "const h = document.querySelector('h1'); return !!h && h.innerText.trim() === {};",
                json!(text)
            ),
        )
        .await?;
        self.axe().await
    }

    /// The text of the element matching `css`, trimmed; "" when there is none.
    pub async fn shown(&self, css: &str) -> anyhow::Result<String> {
        let text = self
            .js(
                "const el = document.querySelector(arguments[0]); \
                 return el ? el.innerText.trim() : '';",
                vec![json!(css)],
            )
            .await?;
        Ok(text.as_str().unwrap_or_default().to_string())
    }

    /// Waits until the element matching `css` says exactly `text`.
    pub async fn shows(&self, css: &str, text: &str) -> anyhow::Result<()> {
        self.wait_for(
            &format!("`{css}` to say {text}"),
            &format!(
                "const el = document.querySelector({}); return !!el && el.innerText.trim() === {};",
                json!(css),
                json!(text)
            ),
        )
        .await
    }

    /// Waits until the element matching `css` holds `text` somewhere in what it says.
    pub async fn says(&self, css: &str, text: &str) -> anyhow::Result<()> {
        self.wait_for(
            &format!("`{css}` to hold {text}"),
            &format!(
                "const el = document.querySelector({}); return !!el && el.innerText.includes({});",
                json!(css),
                json!(text)
            ),
        )
        .await
    }

    /// Every thumbnail of the grid has loaded (scrolled to, as a person would, for lazy ones).
    pub async fn thumbnails_loaded(&self, count: usize) -> anyhow::Result<()> {
        self.wait_for(
            &format!("{count} thumbnails to load"),
            &format!(
                "const imgs = [...document.querySelectorAll('.grid img')]; \
                 imgs.forEach(i => i.scrollIntoView({{block: 'nearest'}})); \
                 return imgs.length === {count} && imgs.every(i => i.complete && i.naturalWidth > 0);"
            ),
        )
        .await
    }

    /// Waits until the lightbox shows the photo whose caption holds `caption` (the caption
    /// changes once the photo is on screen).
    pub async fn lightbox_shows(&self, caption: &str) -> anyhow::Result<()> {
        self.wait_for(
            &format!("the lightbox to show {caption}"),
            &format!(
                "const c = document.querySelector('.lightbox.open figcaption'); \
                 return !!c && c.innerText.includes({});",
                json!(caption)
            ),
        )
        .await
    }

    /// The lightbox's next photo, as a person would ask for it: a swipe on a phone, the ›
    /// button elsewhere.
    pub async fn next_photo(&self) -> anyhow::Result<()> {
        match self.screen {
            Screen::Phone | Screen::SmallPhone => self.swipe(".lb-stage", -200.0).await,
            Screen::Desktop => self.click(".lightbox.open .lb-next").await,
        }
    }

    /// Fills the sign-in form on the page and sends it, as a person types.
    pub async fn sign_in_form(&self, user: &str, password: &str) -> anyhow::Result<()> {
        self.fill("#user_name", user).await?;
        self.fill("#password", password).await?;
        self.click("form[action='/login'] button[type=submit]").await
    }

    /// Signs in on the sign-in page (passing the offer to choose a login of one's own), then
    /// opens `path`.
    pub async fn sign_in_and_open(
        &self,
        user: &str,
        password: &str,
        path: &str,
    ) -> anyhow::Result<()> {
        self.goto("/login").await?;
        self.sign_in_form(user, password).await?;
        self.wait_for(
            "signing in",
            "return location.pathname !== '/login' && document.readyState === 'complete';",
        )
        .await?;
        self.goto(path).await
    }

    /// With `PROOFROOM_BROWSER_SHOTS` set, saves the page as a person scrolls through it, a
    /// screen at a time, as `target/browser-shots/<story>-<step>-<n>.png` (at most four);
    /// otherwise does nothing.
    pub async fn snapshot(&self, step: &str) -> anyhow::Result<()> {
        if std::env::var_os("PROOFROOM_BROWSER_SHOTS").is_none() {
            return Ok(());
        }
        let dir = target_dir().join("browser-shots");
        std::fs::create_dir_all(&dir)?;
        let start = self.js("return window.scrollY;", vec![]).await?;
        self.js("window.scrollTo(0, 0); return true;", vec![]).await?;
        for n in 1..=4 {
            let png = self.client.screenshot().await?;
            std::fs::write(dir.join(format!("{}-{step}-{n}.png", self.story)), png)?;
            let more = self
                .js(
                    "const before = window.scrollY; window.scrollBy(0, window.innerHeight - 40); \
                     return window.scrollY > before;",
                    vec![],
                )
                .await?;
            if more != json!(true) {
                break;
            }
        }
        self.js("window.scrollTo(0, arguments[0]); return true;", vec![start]).await?;
        Ok(())
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

/// axe-core's script, read once: `PROOFROOM_AXE`, else what scripts/test.sh installs. Missing,
/// the checks are skipped with a warning, except under `CI=true`.
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let path = std::env::var_os("PROOFROOM_AXE").map(PathBuf::from).unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../target/test-node/node_modules/axe-core/axe.min.js")
            });
            match std::fs::read_to_string(&path) {
                Ok(source) => Some(source),
                Err(_) if std::env::var("CI").as_deref() == Ok("true") => panic!(
                    "CI=true but axe-core is missing at {}: scripts/test.sh installs it with npm",
                    path.display()
                ),
                Err(_) => {
                    eprintln!(
                        "warning: no accessibility checks: axe-core is not at {} \
                         (npm install --prefix target/test-node axe-core)",
                        path.display()
                    );
                    None
                }
            }
        })
        .as_deref()
}

/// `target/browser-failures/`, beside the test binaries.
fn failures_dir() -> PathBuf {
    target_dir().join("browser-failures")
}

/// The target folder the test binary was built in (`target/<profile>/deps/<binary>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors().nth(3).map_or_else(|| PathBuf::from("target"), PathBuf::from)
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
