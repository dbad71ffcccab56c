//! The Proofroom studio connector: reads the studio library (a folder of session folders with
//! TOML manifests, see `docs/studio-library.md`) and pushes what changed to the server's studio
//! API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), proofroom_connector::PushError> {
//! use proofroom_connector::{push, Progress, PushOptions};
//! let report = push(PushOptions {
//!     library: "/srv/studio".into(),
//!     server: Some("http://127.0.0.1:8080".into()),
//!     token: Some("secret".into()),
//!     jobs: 4,
//!     progress: Progress::Quiet,
//! })
//! .await?;
//! println!("{}", report.summary());
//! # Ok(()) }
//! ```
//!
//! The modules import one way, downwards: `daemon` (and the binary) run [`sync()`]; `sync` runs
//! `push` and `pull` as its [`SyncPlan`] (`plan`) says; the commands `push`, `pull`, `status`,
//! `admin` and `calendar` (the calendar and contacts sync, with its users in `accounts`) stand
//! beside each other and import none of each other; below them are [`library`] (reading the
//! studio library), [`api`] (the studio API), [`state`], [`config`], [`inbox`], `lock`,
//! `filecache`, `output` and `manifest`. This root holds only
//! what all of them share: the options, reports and errors of the commands.

use std::fmt;
use std::path::PathBuf;

mod accounts;
pub mod admin;
pub mod api;
mod calendar;
pub mod config;
pub mod daemon;
mod filecache;
pub mod inbox;
pub mod library;
mod lock;
mod manifest;
mod output;
mod plan;
mod pull;
mod push;
pub mod retry;
pub mod state;
mod status;
mod sync;

pub use api::sha256_file;
pub use calendar::{CalendarError, CalendarReport, authorize, calendar_sync};
pub use config::{Config, ConfigError, TokenSource, load_config};
pub use library::{
    BrandingImage, Library, LibraryError, PriceListFile, Session, Skipped, Studio, load_library,
};
pub use lock::{Lock, LockError};
pub use output::human_bytes;
pub use plan::{SyncItem, SyncPlan};
pub use pull::PullReport;
pub use push::push;
pub use status::status;
pub use sync::{SyncReport, sync};

/// Default number of images uploaded at once.
pub const DEFAULT_JOBS: usize = 4;

/// One thing of the library that could not be read or pushed: `file:line: field: problem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// The file or folder, relative to the library with `/` separators: `studio.toml`,
    /// `price-lists/portrait-2026.toml`, `sessions/2026-0412/session.toml`,
    /// `sessions/2026-0412/IMG 1.jpg`, `branding/logo.png`, `sessions/2026-0412` (the session as
    /// a whole, e.g. when the server refused it).
    pub item: String,
    /// The line in `item` for errors in a manifest.
    pub line: Option<usize>,
    /// The manifest's field, as a dotted path: `days_active`, `client.email`,
    /// `images."IMG 1.jpg".rating`.
    pub field: Option<String>,
    /// What is wrong: `expected a whole number of days, found "thirty"`.
    pub message: String,
}

impl ItemError {
    pub fn new(item: impl Into<String>, message: impl Into<String>) -> Self {
        Self { item: item.into(), line: None, field: None, message: message.into() }
    }

    /// An error at a line of `item` that is about no one field (a TOML syntax error).
    pub fn at_line(item: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        Self { line: Some(line), ..Self::new(item, message) }
    }
}

/// `sessions/2026-0412/session.toml:7: days_active: expected a whole number of days, found "thirty"`
impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.item)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ItemError {}

/// How a push shows what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Progress {
    /// A progress bar when stderr is a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// One line per uploaded or removed image and per error, on stderr; the summary on stdout.
    Plain,
    /// Nothing; the caller reads the report.
    Quiet,
}

#[derive(Debug, Clone)]
pub struct PushOptions {
    /// The studio library folder.
    pub library: PathBuf,
    /// Overrides `server` of `connector.toml`.
    pub server: Option<String>,
    /// Overrides `PROOFROOM_TOKEN` and `token_file` of `connector.toml`.
    pub token: Option<String>,
    /// Images uploaded at once (at least 1).
    pub jobs: usize,
    pub progress: Progress,
}

impl PushOptions {
    /// The library's own configuration, [`DEFAULT_JOBS`], [`Progress::Auto`].
    pub fn new(library: impl Into<PathBuf>) -> Self {
        Self {
            library: library.into(),
            server: None,
            token: None,
            jobs: DEFAULT_JOBS,
            progress: Progress::Auto,
        }
    }
}

/// What a push did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Sessions the server accepted (`PUT /api/v1/sessions/{id}`), even if an image failed.
    pub sessions: usize,
    /// Session images uploaded (new or changed bytes).
    pub uploaded: usize,
    pub uploaded_bytes: u64,
    /// Session images the server already held with the same SHA-256.
    pub unchanged: usize,
    /// Session images the server held that are no longer wanted online.
    pub removed: usize,
    /// The profile of `studio.toml` is on the server (sent now or already equal).
    pub studio_synced: bool,
    /// The profile was sent now because it differed.
    pub studio_sent: bool,
    pub branding_uploaded: usize,
    pub price_lists: usize,
    /// Prepaid invoices sent (new or changed).
    pub prepaid: usize,
    /// Contracts published, replaced or withdrawn.
    pub contracts: usize,
    /// Album revisions sent (new or changed pages).
    pub albums: usize,
    /// Album page files uploaded.
    pub album_pages: usize,
    /// Left out on purpose, e.g. `publish = false` or a folder without `session.toml`.
    pub skipped: Vec<Skipped>,
    /// Everything that failed, the library's manifest errors first.
    pub errors: Vec<ItemError>,
    /// A dry run: nothing was sent, the counts say what would be.
    pub dry_run: bool,
    /// In a dry run, what would be sent, one line each (`would upload sessions/…/IMG 1.jpg`).
    pub planned: Vec<String>,
    /// Worth telling the studio, but not an error (`2 expired sessions are still online …`).
    pub notes: Vec<String>,
}

impl PushReport {
    /// `pushed N sessions: U images uploaded, K unchanged, D removed, E errors`; in a dry run
    /// `would push N sessions: U images to upload (S), K unchanged, D to remove, E errors`.
    pub fn summary(&self) -> String {
        if self.dry_run {
            return format!(
                "would push {} sessions: {} images to upload ({}), {} unchanged, {} to remove, {} errors",
                self.sessions,
                self.uploaded,
                human_bytes(self.uploaded_bytes),
                self.unchanged,
                self.removed,
                self.errors.len()
            );
        }
        format!(
            "pushed {} sessions: {} images uploaded, {} unchanged, {} removed, {} errors",
            self.sessions,
            self.uploaded,
            self.unchanged,
            self.removed,
            self.errors.len()
        )
    }

    /// Whether anything at all reached the server (in a dry run: could).
    pub fn pushed_anything(&self) -> bool {
        self.sessions > 0
            || self.studio_sent
            || self.price_lists > 0
            || self.branding_uploaded > 0
            || self.contracts > 0
            || self.albums > 0
    }

    /// 0: everything pushed; 3: some items failed; 1: items failed and nothing was pushed.
    pub fn exit_code(&self) -> i32 {
        if self.errors.is_empty() {
            0
        } else if self.pushed_anything() {
            3
        } else {
            1
        }
    }
}

/// Why a push could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot reach the Proofroom server at {server}: {detail}")]
    Unreachable { server: String, detail: String },
    #[error("the Proofroom server at {server} refused the token: {message}")]
    Unauthorized { server: String, message: String },
    #[error("the Proofroom server at {server} answered: {detail}")]
    Server { server: String, detail: String },
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error(transparent)]
    Lock(#[from] LockError),
}

impl PushError {
    /// 2 for a problem of the command line or the configuration, 1 when the server could not be
    /// used.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Library(_) | Self::Config(_) => 2,
            _ => 1,
        }
    }
}

/// Why `sync`, `run`, `status` or one of the studio's one-off commands could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Push(#[from] PushError),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// The command cannot go on as asked.
    #[error("{0}")]
    Usage(String),
}

impl SyncError {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Push(e) => e.exit_code(),
            Self::State(_) => 1,
            Self::Usage(_) => 2,
        }
    }
}
