//! One connector at a time per library: an advisory lock on a file under `.proofroom/`.
//!
//! `sync.lock` is held for the length of one push or sync, so a manual `sync` during the
//! daemon's sync waits for it (and says so) instead of racing it. `daemon.lock` is held for the
//! daemon's whole life, so a second `run` is refused. The operating system drops a lock when its
//! process ends, even by `kill -9`: a crash never leaves the library locked.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use crate::state::STATE_DIR;

/// Taken for one push or sync.
pub(crate) const SYNC_LOCK: &str = "sync.lock";
/// Taken for the life of `run`.
pub(crate) const DAEMON_LOCK: &str = "daemon.lock";

/// Held until dropped.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot lock {path}: {detail}")]
    Io { path: String, detail: String },
    /// Someone holds it: what they wrote in it (`pid 4242, sync since 2026-12-01 14:00:00 UTC`).
    #[error("{holder}")]
    Busy { holder: String },
}

fn open(library: &Path, name: &str) -> Result<(File, String), LockError> {
    let dir = library.join(STATE_DIR);
    let path = dir.join(name);
    let shown = path.display().to_string();
    let io = |e: std::io::Error| LockError::Io { path: shown.clone(), detail: e.to_string() };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let file = File::options().read(true).write(true).create(true).truncate(false).open(&path);
    Ok((file.map_err(io)?, shown))
}

fn claim(mut file: File, what: &str) -> Lock {
    // Who holds it, for the one who waits; the lock is what counts, so a failed write is fine.
    let note = format!(
        "pid {}, {what} since {} UTC\n",
        std::process::id(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S")
    );
    let _ =
        file.set_len(0).and_then(|()| file.rewind()).and_then(|()| file.write_all(note.as_bytes()));
    Lock { _file: file }
}

fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let text = text.trim();
    if text.is_empty() { "another connector".to_string() } else { text.to_string() }
}

/// Takes the lock now, or says who holds it.
pub(crate) fn try_lock(library: &Path, name: &str, what: &str) -> Result<Lock, LockError> {
    let (mut file, path) = open(library, name)?;
    match file.try_lock() {
        Ok(()) => Ok(claim(file, what)),
        Err(TryLockError::WouldBlock) => Err(LockError::Busy { holder: holder(&mut file) }),
        Err(TryLockError::Error(e)) => Err(LockError::Io { path, detail: e.to_string() }),
    }
}

/// Takes the lock, waiting for whoever holds it; `waiting` is told who that is first.
pub(crate) async fn lock(
    library: &Path,
    name: &str,
    what: &str,
    waiting: impl FnOnce(&str),
) -> Result<Lock, LockError> {
    match try_lock(library, name, what) {
        Err(LockError::Busy { holder }) => waiting(&holder),
        other => return other,
    }
    let (file, path) = open(library, name)?;
    let what = what.to_string();
    tokio::task::spawn_blocking(move || {
        file.lock().map_err(|e| LockError::Io { path: path.clone(), detail: e.to_string() })?;
        Ok(claim(file, &what))
    })
    .await
    .map_err(|e| LockError::Io { path: name.to_string(), detail: e.to_string() })?
}

/// Takes `sync.lock` for a push or sync (`what`), saying on `out` whom it waits for.
pub(crate) async fn sync_lock(
    library: &Path,
    what: &str,
    out: &crate::output::Output,
) -> Result<Lock, LockError> {
    lock(library, SYNC_LOCK, what, |holder| {
        out.line(&format!("another sync is running ({holder}); waiting for it to finish"))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_taker_is_told_who_holds_it_and_waits() {
        let lib = tempfile::tempdir().unwrap();
        let first = try_lock(lib.path(), SYNC_LOCK, "sync").unwrap();
        let busy = try_lock(lib.path(), SYNC_LOCK, "sync").unwrap_err();
        let pid = std::process::id().to_string();
        assert!(matches!(&busy, LockError::Busy { holder } if holder.contains(&pid)), "{busy}");

        let (told, heard) = tokio::sync::oneshot::channel();
        let library = lib.path().to_path_buf();
        let second = tokio::spawn(async move {
            lock(&library, SYNC_LOCK, "push", |h| told.send(h.to_string()).unwrap()).await
        });
        let holder = heard.await.unwrap();
        assert!(holder.contains("sync since"), "{holder}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!second.is_finished(), "waits while the first holds it");
        drop(first);
        second.await.unwrap().unwrap();
        // Other locks are separate.
        try_lock(lib.path(), DAEMON_LOCK, "run").unwrap();
    }
}
