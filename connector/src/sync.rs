//! `sync`: push what the studio changed, then pull what clients did — and log the run in the
//! connector's state (`.proofroom/state.db`).

use crate::api::Api;
use crate::output::Output;
use crate::pull::{PullReport, PullStop, pull};
use crate::state::{State, StateError};
use crate::{LibraryError, PushError, PushOptions, PushReport, push};

/// What a sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub push: PushReport,
    pub pull: PullReport,
    /// Why the pull stopped early, if it did.
    pub pull_stopped: Option<String>,
}

impl SyncReport {
    pub fn errors(&self) -> Vec<String> {
        let mut errors: Vec<String> = self.push.errors.iter().map(ToString::to_string).collect();
        errors.extend(self.pull.errors.iter().map(ToString::to_string));
        errors.extend(self.pull_stopped.iter().map(|s| format!("pull stopped: {s}")));
        errors
    }

    fn moved_anything(&self) -> bool {
        self.push.pushed_anything() || self.pull.written() > 0
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

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Push(#[from] PushError),
    #[error(transparent)]
    State(#[from] StateError),
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

/// One sync run: push, then pull, logged whatever happens.
pub async fn sync(options: PushOptions) -> Result<SyncReport, SyncError> {
    if !options.library.is_dir() {
        return Err(PushError::Library(LibraryError::NotAFolder { path: options.library }).into());
    }
    let mut state = State::open(&options.library)?;
    let run = state.start_run()?;
    let outcome = run_sync(&options, &mut state).await;
    match &outcome {
        Ok(report) => {
            let summary = [report.push.summary(), report.pull.summary()];
            state.finish_run(run, report.result(), &summary, &report.errors())?;
        }
        Err(e) => state.finish_run(run, "failed", &[], &[e.to_string()])?,
    }
    outcome
}

async fn run_sync(options: &PushOptions, state: &mut State) -> Result<SyncReport, SyncError> {
    let push = push(options.clone()).await?;
    let mut report = SyncReport { push, ..Default::default() };
    let config = crate::push::options_config(options).map_err(PushError::from)?;
    let api = Api::new(&config).map_err(|e| PushError::Client(e.to_string()))?;
    let out = Output::new(options.progress);
    match pull(&api, &options.library, state, &out, &mut report.pull).await {
        Ok(()) => {}
        Err(PullStop::State(e)) => return Err(e.into()),
        Err(PullStop::Server(detail)) => {
            out.line(&format!("error: pull stopped: {detail}"));
            report.pull_stopped = Some(detail);
        }
    }
    out.finish(&report.pull.summary());
    Ok(report)
}
