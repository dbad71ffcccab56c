//! `proofroom storage migrate --to s3|files`: copies every file of one store into the other,
//! checking each against the SHA-256 its key is named by, on the way out and back from the
//! target. Resumable: each file verified in the target is written to a progress file beside the
//! data, and a run started again (after a crash, a kill, a lost connection) skips those.

use std::collections::HashSet;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{Store, check_key};

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Copied and verified now.
    pub copied: usize,
    pub bytes: u64,
    /// Verified by an earlier run (the progress file).
    pub earlier: usize,
    /// Files that could not be copied, with why.
    pub failed: Vec<(String, String)>,
}

/// Copies every key of `from` into `to`. `scratch` is a local folder for one file at a time;
/// `progress` the file that remembers what is done; `said` hears a line per file.
pub fn migrate(
    from: &dyn Store,
    to: &dyn Store,
    scratch: &Path,
    progress: &Path,
    said: &mut dyn FnMut(&str),
) -> io::Result<Migrated> {
    let done = read_progress(progress)?;
    let mut record = std::fs::OpenOptions::new().create(true).append(true).open(progress)?;
    let mut keys = from.keys("")?;
    keys.sort();
    let mut outcome = Migrated::default();
    for key in keys {
        if done.contains(&key) {
            outcome.earlier += 1;
            continue;
        }
        match copy_one(from, to, scratch, &key) {
            Ok(bytes) => {
                writeln!(record, "{key}")?;
                record.flush()?;
                outcome.copied += 1;
                outcome.bytes += bytes;
                said(&format!("copied {key} ({bytes} bytes, SHA-256 checked)"));
            }
            Err(e) => {
                said(&format!("failed {key}: {e}"));
                outcome.failed.push((key, e.to_string()));
            }
        }
    }
    record.sync_all()?;
    Ok(outcome)
}

/// The content hash a key is named by (`derivatives/ab/<sha256>.jpg`).
fn named_hash(key: &str) -> Option<&str> {
    let name = key.rsplit('/').next()?;
    let stem = name.split('.').next()?;
    (stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}

/// One file through a scratch copy: read (hashing), put, read back from the target (hashing).
fn copy_one(from: &dyn Store, to: &dyn Store, scratch: &Path, key: &str) -> io::Result<u64> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let mut source = from.open(key)?.ok_or_else(|| invalid("gone from the source".into()))?;
    let temp = tempfile::NamedTempFile::new_in(scratch)?;
    let (bytes, read_hash) = {
        let mut out = io::BufWriter::new(temp.as_file());
        let hashed = copy_hashing(&mut source, &mut out)?;
        out.flush()?;
        hashed
    };
    let expected = match named_hash(key) {
        Some(named) if !named.eq_ignore_ascii_case(&read_hash) => {
            return Err(invalid(format!(
                "the source file does not match its name (SHA-256 {read_hash}); left out"
            )));
        }
        Some(named) => named.to_ascii_lowercase(),
        None => read_hash,
    };
    // The store takes the scratch file (a file store renames it into place).
    let path: PathBuf = temp.into_temp_path().keep().map_err(|e| e.error)?;
    let put = to.put_file(key, &path);
    let _ = std::fs::remove_file(&path);
    put?;
    let mut back =
        to.open(key)?.ok_or_else(|| invalid("not in the target after writing".into()))?;
    let (back_bytes, back_hash) = copy_hashing(&mut back, &mut io::sink())?;
    if back_hash != expected || back_bytes != bytes {
        return Err(invalid(format!(
            "the target holds other bytes ({back_bytes} bytes, SHA-256 {back_hash})"
        )));
    }
    Ok(bytes)
}

fn copy_hashing(source: &mut dyn Read, out: &mut dyn Write) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut piece = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let read = source.read(&mut piece)?;
        if read == 0 {
            return Ok((total, hex::encode(hasher.finalize())));
        }
        hasher.update(&piece[..read]);
        out.write_all(&piece[..read])?;
        total += read as u64;
    }
}

/// Keys an earlier run verified; a line cut short by a crash is no key and is ignored.
fn read_progress(progress: &Path) -> io::Result<HashSet<String>> {
    let file = match std::fs::File::open(progress) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(e),
    };
    let mut done = HashSet::new();
    for line in io::BufReader::new(file).lines() {
        let line = line?;
        if check_key(&line).is_ok() {
            done.insert(line);
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{FileStore, content_key, sha256_hex};

    #[test]
    fn every_file_is_copied_once_checked_and_a_second_run_copies_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let from = FileStore::new(dir.path().join("a")).unwrap();
        let to = FileStore::new(dir.path().join("b")).unwrap();
        let scratch = dir.path().join("scratch");
        std::fs::create_dir_all(&scratch).unwrap();
        let progress = dir.path().join("progress");
        let mut keys = Vec::new();
        for n in 0..5u8 {
            let bytes = vec![n; 1000 + usize::from(n)];
            let key = content_key("derivatives", &sha256_hex(&bytes), "jpg");
            from.put_bytes(&key, &bytes).unwrap();
            keys.push(key);
        }
        // A file whose bytes are not what its name says (a damaged disk) is not copied.
        let damaged = content_key("originals", &sha256_hex(b"what it was"), "jpg");
        from.put_bytes(&damaged, b"what it is now").unwrap();

        let mut lines = Vec::new();
        let first =
            migrate(&from, &to, &scratch, &progress, &mut |l| lines.push(l.to_string())).unwrap();
        assert_eq!((first.copied, first.earlier, first.failed.len()), (5, 0, 1));
        assert_eq!(first.failed[0].0, damaged);
        assert!(first.failed[0].1.contains("does not match its name"), "{:?}", first.failed);
        for key in &keys {
            assert_eq!(to.get(key).unwrap(), from.get(key).unwrap());
            assert!(from.exists(key).unwrap(), "the source keeps its files");
        }
        assert!(!to.exists(&damaged).unwrap());

        // A line cut short by a kill is ignored; the rest are not copied again.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&progress)
            .unwrap()
            .write_all(b"derivatives/0")
            .unwrap();
        let again = migrate(&from, &to, &scratch, &progress, &mut |_| {}).unwrap();
        assert_eq!((again.copied, again.earlier, again.failed.len()), (0, 5, 1));
        assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0, "no scratch file is left");
    }
}
