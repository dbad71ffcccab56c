//! `sync`: push what the studio changed, then pull what clients did — and log the run in the
//! connector's state (`.proofroom/state.db`).

use proofroom_wire::feed::FeedWaiting;
use proofroom_wire::paths;

use crate::api::Api;
use crate::library::{LibraryError, load_library};
use crate::output::Output;
use crate::plan::{SyncItem, SyncPlan};
use crate::pull::{PullReport, PullStop, pull};
use crate::push::push_loaded;
use crate::state::State;
use crate::{PushError, PushOptions, PushReport, SyncError};

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub push: PushReport,
    pub pull: PullReport,
    /// Why the pull stopped early, if it did.
    pub pull_stopped: Option<String>,
    /// In a dry run: what waits on the server to be pulled, per feed kind.
    pub waiting: Option<FeedWaiting>,
    /// Requests tried again after no answer or a "later" answer.
    pub retried: u64,
    /// The calendar sync's lines, when connector.toml has users.
    pub calendar: Vec<String>,
    /// The users whose calendar sync failed, or why it could not start.
    pub calendar_errors: Vec<String>,
}

impl SyncReport {
    /// A dry run's answer: what would be pushed, line by line, and what waits to be pulled.
    pub fn dry_run_text(&self) -> String {
        use std::fmt::Write;
        let mut text = String::new();
        for line in &self.push.planned {
            let _ = writeln!(text, "{line}");
        }
        let _ = writeln!(text, "{}", self.push.summary());
        for e in &self.push.errors {
            let _ = writeln!(text, "error: {e}");
        }
        for note in &self.push.notes {
            let _ = writeln!(text, "note: {note}");
        }
        match (&self.waiting, &self.pull_stopped) {
            (Some(waiting), _) => {
                let kinds: Vec<String> =
                    waiting.kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
                let _ = writeln!(
                    text,
                    "waiting on the server to be pulled: {} ({})",
                    waiting.total(),
                    kinds.join(", ")
                );
            }
            (None, Some(why)) => {
                let _ = writeln!(text, "cannot tell what waits on the server: {why}");
            }
            (None, None) => {}
        }
        text.push_str("dry run: nothing was sent or pulled\n");
        text
    }

    /// What moved, one line each, for the run log.
    pub fn log_lines(&self) -> Vec<String> {
        let mut lines = vec![self.push.summary(), self.pull.summary()];
        lines.extend(self.calendar.iter().cloned());
        lines.extend(self.push.notes.iter().cloned());
        if self.retried > 0 {
            lines.push(format!(
                "{} requests were tried again after a network or server fault",
                self.retried
            ));
        }
        lines
    }

    pub fn errors(&self) -> Vec<String> {
        let mut errors: Vec<String> = self.push.errors.iter().map(ToString::to_string).collect();
        errors.extend(self.pull.errors.iter().map(ToString::to_string));
        errors.extend(self.pull_stopped.iter().map(|s| format!("pull stopped: {s}")));
        errors.extend(self.calendar_errors.iter().map(|e| format!("calendar: {e}")));
        errors
    }

    fn moved_anything(&self) -> bool {
        self.push.pushed_anything() || self.pull.written() > 0 || !self.calendar.is_empty()
    }

    /// 0: everything moved; 3: some items failed; 1: something failed and nothing moved.
    pub fn exit_code(&self) -> i32 {
        if self.errors().is_empty() {
            0
        } else if self.moved_anything() {
            3
        } else {
            1
        }
    }

    /// `ok`, `partial` or `failed`, as the run log says.
    pub fn result(&self) -> &'static str {
        match self.exit_code() {
            0 => "ok",
            3 => "partial",
            _ => "failed",
        }
    }
}

/// One sync run: push, then pull, logged whatever happens. One at a time per library: a sync
/// that finds another running waits for it (and says so on stderr).
pub async fn sync(options: PushOptions, plan: SyncPlan) -> Result<SyncReport, SyncError> {
    if !options.library.is_dir() {
        return Err(PushError::Library(LibraryError::NotAFolder { path: options.library }).into());
    }
    let out = Output::new(options.progress);
    let _lock =
        crate::lock::sync_lock(&options.library, "sync", &out).await.map_err(PushError::from)?;
    let mut state = State::open(&options.library)?;
    if plan.dry_run {
        // A dry run moves nothing and is not a run of the log.
        return run_sync(&options, &plan, &mut state, &out).await;
    }
    let run = state.start_run()?;
    let mut unfinished = Unfinished { library: &options.library, run: Some(run) };
    let outcome = run_sync(&options, &plan, &mut state, &out).await;
    unfinished.run = None;
    match &outcome {
        Ok(report) => {
            state.finish_run(run, report.result(), &report.log_lines(), &report.errors())?
        }
        Err(e) => state.finish_run(run, "failed", &[], &[e.to_string()])?,
    }
    outcome
}

/// Logs the run as stopped if the sync is dropped before it finishes (the daemon cancels it
/// on SIGTERM) — while the sync lock is still held, so it is this run that is marked.
struct Unfinished<'a> {
    library: &'a std::path::Path,
    run: Option<i32>,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if let Some(run) = self.run {
            let why = ["told to stop before it finished; the next run carries on".to_string()];
            let _ = State::open(self.library)
                .and_then(|mut state| state.finish_run(run, "stopped", &[], &why));
        }
    }
}

async fn run_sync(
    options: &PushOptions,
    plan: &SyncPlan,
    state: &mut State,
    out: &Output,
) -> Result<SyncReport, SyncError> {
    let library = load_library(&options.library).map_err(PushError::from)?;
    let config = crate::config::for_options(options).map_err(PushError::from)?;
    let api = Api::new(&config).map_err(|e| PushError::Client(e.to_string()))?;
    let push = push_loaded(&api, &library, state, plan, options.jobs, out).await?;
    let mut report = SyncReport { push, ..Default::default() };
    let kinds = plan.feed_kinds();
    let pulls = kinds.as_ref().is_none_or(|k| !k.is_empty());
    if plan.dry_run && !pulls {
        report.retried = api.retried();
        return Ok(report);
    }
    if plan.dry_run {
        match api.get::<FeedWaiting>(paths::FEED_WAITING).await {
            Ok(waiting) => {
                let mut waiting = waiting;
                if let Some(kinds) = &kinds {
                    waiting.kinds.retain(|k, _| kinds.contains(&k.as_str()));
                }
                report.waiting = Some(waiting);
            }
            Err(f) => report.pull_stopped = Some(f.to_string()),
        }
        report.retried = api.retried();
        return Ok(report);
    }
    if pulls {
        match pull(&api, &options.library, state, kinds.as_deref(), out, &mut report.pull).await {
            Ok(()) => {}
            Err(PullStop::State(e)) => return Err(e.into()),
            Err(PullStop::Server(detail)) => {
                out.line(&format!("error: pull stopped: {detail}"));
                report.pull_stopped = Some(detail);
            }
        }
    }
    if plan.wants(SyncItem::Calendar) {
        calendar_step(&library, state, out, &mut report).await?;
    }
    report.retried = api.retried();
    out.finish(&report.pull.summary());
    Ok(report)
}

/// The calendar sync, when connector.toml has users: after the push and the pull, so a session
/// just published and an appointment just made are both in it.
async fn calendar_step(
    library: &crate::library::Library,
    state: &mut State,
    out: &Output,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    match crate::calendar::sync_users(library, state, None).await {
        Ok(calendar) if calendar.users == 0 => {}
        Ok(calendar) => {
            for line in &calendar.lines {
                out.line(line);
            }
            for error in &calendar.errors {
                out.line(&format!("error: calendar: {error}"));
            }
            report.calendar = calendar.lines;
            report.calendar_errors = calendar.errors;
        }
        Err(crate::calendar::CalendarError::State(e)) => return Err(e.into()),
        Err(e) => {
            out.line(&format!("error: calendar: {e}"));
            report.calendar_errors.push(e.to_string());
        }
    }
    Ok(())
}
