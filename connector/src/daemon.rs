//! `run`: the daemon. A full sync every `interval_minutes` (counted from the start of one sync
//! to the start of the next), one daemon per library, a clean stop on SIGTERM or Ctrl-C.
//!
//! A signal during a sync stops it where it is — everything the connector does is safe to cut
//! short (files are written whole, the feed is acknowledged only after the write, uploads are
//! checked by hash) — and the run is logged as stopped.

use std::time::Duration;

use tokio::time::Instant;

use crate::library::LibraryError;
use crate::lock::{DAEMON_LOCK, LockError, try_lock};
use crate::plan::SyncPlan;
use crate::sync::{SyncReport, sync};
use crate::{PushError, PushOptions, SyncError};

/// Runs until told to stop; answers `Ok` on a clean stop.
pub async fn run(options: PushOptions) -> Result<(), SyncError> {
    let library = options.library.clone();
    if !library.is_dir() {
        return Err(PushError::Library(LibraryError::NotAFolder { path: library }).into());
    }
    let config = crate::config::for_options(&options).map_err(PushError::from)?;
    let _daemon = try_lock(&library, DAEMON_LOCK, "run").map_err(|e| match e {
        LockError::Busy { holder } => SyncError::Usage(format!(
            "a connector is already running for {} ({holder}); stop it first",
            library.display()
        )),
        other => PushError::from(other).into(),
    })?;
    let mut stop = std::pin::pin!(stop_signal()?);
    let every = Duration::from_secs(u64::from(config.interval_minutes) * 60);
    println!(
        "syncing {} with {} every {} minutes; Ctrl-C or SIGTERM stops",
        library.display(),
        config.server,
        config.interval_minutes
    );
    loop {
        let started = Instant::now();
        tokio::select! {
            outcome = sync(options.clone(), SyncPlan::full()) => say(&outcome),
            () = &mut stop => {
                // Dropping the sync logged it as stopped.
                println!("{} stopped during a sync; the next run carries on", now());
                return Ok(());
            }
        }
        tokio::select! {
            () = tokio::time::sleep_until(started + every) => {}
            () = &mut stop => {
                println!("{} stopped", now());
                return Ok(());
            }
        }
    }
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn say(outcome: &Result<SyncReport, SyncError>) {
    match outcome {
        Ok(report) => {
            println!("{} sync {}: {}", now(), report.result(), report.log_lines().join("; "));
            for e in report.errors() {
                println!("  error: {e}");
            }
        }
        Err(e) => println!("{} sync failed: {e}", now()),
    }
}

/// Resolves at the first SIGTERM or Ctrl-C. The handlers are in place when this returns, so a
/// signal from then on is caught.
fn stop_signal() -> Result<impl Future<Output = ()>, SyncError> {
    let cannot = |e: std::io::Error| SyncError::Usage(format!("cannot watch for signals: {e}"));
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(cannot)?;
    #[cfg(not(unix))]
    let _ = cannot;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
}
