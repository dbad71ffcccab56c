//! Knowing a file's SHA-256 without reading it: each hash is remembered (in the state
//! database) with the file's size and modification time, and stands while both are unchanged.
//! Only a file whose size or mtime moved is read and hashed again.
//!
//! A file changed again within its file system's time granularity of being hashed would keep
//! its mtime while its bytes differ, so — as git does with its index — a hash is not remembered
//! while the file's mtime is that recent ([`SETTLED`]); such a file is simply read next time.

use std::collections::HashMap;
use std::fs::Metadata;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::state::{FileStamp, State, StateError};

/// How old an mtime must be for its hash to be remembered: more than the coarsest common
/// timestamp granularity (FAT's 2 s; SMB shares and HFS+ have 1 s).
pub(crate) const SETTLED: Duration = Duration::from_secs(3);

#[derive(Default)]
pub(crate) struct FileCache {
    known: HashMap<String, FileStamp>,
    /// Hashed during this run, not yet saved.
    fresh: Mutex<Vec<FileStamp>>,
}

/// Size and mtime (nanoseconds since 1970) as the cache compares them; `None` when the file
/// system has no modification times.
pub(crate) fn stamp_of(meta: &Metadata) -> Option<(i64, i64)> {
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((i64::try_from(meta.len()).ok()?, i64::try_from(mtime.as_nanos()).ok()?))
}

impl FileCache {
    pub fn load(state: &mut State) -> Result<Self, StateError> {
        let known = state.file_stamps()?.into_iter().map(|s| (s.path.clone(), s)).collect();
        Ok(Self { known, fresh: Mutex::new(Vec::new()) })
    }

    /// The remembered SHA-256 of `path` (under the library) if the file still has the size and
    /// mtime it had when hashed.
    pub fn known(&self, path: &str, meta: &Metadata) -> Option<&str> {
        let (size, mtime_ns) = stamp_of(meta)?;
        self.known
            .get(path)
            .filter(|s| s.size == size && s.mtime_ns == mtime_ns)
            .map(|s| s.sha256.as_str())
    }

    /// Notes what `path` hashed to, with the size and mtime it had before it was read — unless
    /// that mtime is too recent to trust ([`SETTLED`]).
    pub fn remember(&self, path: &str, meta: &Metadata, sha256: &str) {
        let Some((size, mtime_ns)) = stamp_of(meta) else { return };
        let settled = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age > SETTLED);
        if !settled {
            return;
        }
        let unchanged = self.known.get(path).is_some_and(|s| {
            s.size == size && s.mtime_ns == mtime_ns && s.sha256.eq_ignore_ascii_case(sha256)
        });
        if !unchanged {
            let stamp =
                FileStamp { path: path.to_string(), size, mtime_ns, sha256: sha256.to_string() };
            self.fresh.lock().unwrap_or_else(|p| p.into_inner()).push(stamp);
        }
    }

    /// Writes what was hashed since the last save.
    pub fn save(&self, state: &mut State) -> Result<(), StateError> {
        let fresh = std::mem::take(&mut *self.fresh.lock().unwrap_or_else(|p| p.into_inner()));
        state.remember_files(&fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_stands_until_size_or_mtime_change() {
        let lib = tempfile::tempdir().unwrap();
        let file = lib.path().join("a.jpg");
        std::fs::write(&file, b"one").unwrap();
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options().write(true).open(&file).unwrap().set_modified(hour_ago).unwrap();
        let mut state = State::open(lib.path()).unwrap();

        let cache = FileCache::load(&mut state).unwrap();
        let meta = std::fs::metadata(&file).unwrap();
        assert_eq!(cache.known("a.jpg", &meta), None);
        cache.remember("a.jpg", &meta, "aaaa");
        cache.save(&mut state).unwrap();

        let cache = FileCache::load(&mut state).unwrap();
        assert_eq!(cache.known("a.jpg", &meta), Some("aaaa"));
        assert_eq!(cache.known("b.jpg", &meta), None, "another path");

        // Same size, new mtime: read again.
        let later = hour_ago + Duration::from_secs(5);
        std::fs::File::options().write(true).open(&file).unwrap().set_modified(later).unwrap();
        let touched = std::fs::metadata(&file).unwrap();
        assert_eq!(cache.known("a.jpg", &touched), None);
        // New size: read again.
        std::fs::write(&file, b"longer").unwrap();
        let fresh = std::fs::metadata(&file).unwrap();
        assert_eq!(cache.known("a.jpg", &fresh), None);
        // Written just now: its mtime could still be shared by a later write, so the hash is
        // not kept.
        cache.remember("a.jpg", &fresh, "bbbb");
        cache.save(&mut state).unwrap();
        assert_eq!(FileCache::load(&mut state).unwrap().known("a.jpg", &fresh), None);
    }
}
