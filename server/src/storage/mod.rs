//! Where image files live: a [`Store`] of content-addressed keys.
//!
//! Two stores: [`FileStore`] (a folder, for one server) and [`s3::S3Store`] (a bucket that
//! several servers share), chosen by `store` in the config. Methods are blocking: callers run them inside `web::block` like database work. Keys are made
//! from the content's SHA-256, so writing a key that exists is a no-op and files never change
//! under a URL.

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::config::{Config, StoreKind};

pub mod leases;
pub mod migrate;
pub mod s3;

/// The store the config names, and the local folder uploads are received into before they go
/// to it (the same filesystem as a [`FileStore`], so a finished upload is only renamed).
pub fn open(config: &Config) -> io::Result<(std::sync::Arc<dyn Store>, PathBuf)> {
    match config.store {
        StoreKind::Files => {
            let root = config.data_dir.join("files");
            let store = FileStore::new(&root)?;
            Ok((std::sync::Arc::new(store), root.join(".tmp")))
        }
        StoreKind::S3 => {
            let scratch = config.data_dir.join("uploads");
            std::fs::create_dir_all(&scratch)?;
            Ok((std::sync::Arc::new(s3::S3Store::new(&config.s3)?), scratch))
        }
    }
}

pub trait Store: Send + Sync + 'static {
    /// Stores `bytes` under `key`; a key that exists is left as it is (same content).
    fn put_bytes(&self, key: &str, bytes: &[u8]) -> io::Result<()>;
    /// Moves (or copies) the file at `source` under `key`.
    fn put_file(&self, key: &str, source: &Path) -> io::Result<()>;
    fn get(&self, key: &str) -> io::Result<Option<Bytes>>;
    /// The file under `key` to read a little at a time (downloads of originals, never whole in
    /// memory); `None` when there is none.
    fn open(&self, key: &str) -> io::Result<Option<Box<dyn StoredFile>>>;
    fn delete(&self, key: &str) -> io::Result<()>;
    fn exists(&self, key: &str) -> io::Result<bool>;
    /// Every key under `under` (`derivatives`, `originals`…), in no particular order: for
    /// copying one store into another and for checks, never on a request's path.
    fn keys(&self, under: &str) -> io::Result<Vec<String>>;
    /// An address a browser can fetch `key` from directly, signed by the store to work for
    /// `valid` (an S3 presigned GET), answered with `content_type` and `cache_control`. `None`
    /// when the store has no such addresses (files on the server's disk).
    fn signed_url(
        &self,
        _key: &str,
        _valid: std::time::Duration,
        _content_type: &str,
        _cache_control: &str,
    ) -> Option<io::Result<String>> {
        None
    }
}

/// Where the store's signed addresses point, as a content security policy source: the host
/// and, with a path-style bucket or a prefix, the folder (`http://127.0.0.1:3900/photos/site/`),
/// so pages may show images from this bucket and not every bucket on that host. Asked of the
/// store itself, so path- and host-style buckets come out right.
pub fn signed_url_source(store: &dyn Store) -> io::Result<String> {
    const PROBE: &str = "derivatives/00/probe.jpg";
    let probe = store
        .signed_url(PROBE, std::time::Duration::from_secs(60), "image/jpeg", "")
        .unwrap_or_else(|| Err(io::Error::other("this store has no signed addresses")))?;
    let url = reqwest::Url::parse(&probe).map_err(io::Error::other)?;
    let origin = url.origin().ascii_serialization();
    let folder = url.path().strip_suffix(PROBE).unwrap_or("/");
    // A folder the policy cannot hold as it is (`;`, `,`, spaces) widens to the whole host.
    let plain = folder.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b',');
    Ok(if folder == "/" || !plain { origin } else { format!("{origin}{folder}") })
}

/// A stored file being read: in order, or at places (a WebP's chunk headers).
pub trait StoredFile: io::Read + io::Seek + Send {}

impl<T: io::Read + io::Seek + Send> StoredFile for T {}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A content-addressed key: `<prefix>/<first two hex>/<sha256>.<ext>`.
pub fn content_key(prefix: &str, sha256_hex: &str, extension: &str) -> String {
    let fan = sha256_hex.get(..2).unwrap_or("00");
    format!("{prefix}/{fan}/{sha256_hex}.{extension}")
}

/// Keys are ours (`derivatives/ab/<sha256>.jpg`): plain parts, never `..`, never empty.
fn check_key(key: &str) -> io::Result<()> {
    let safe = !key.is_empty()
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    if safe {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, format!("bad store key {key:?}")))
    }
}

pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(root.join(".tmp"))?;
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(key))
    }

    /// A scratch file on the same filesystem, so finished files can be renamed into place.
    pub fn temp_file(&self) -> io::Result<tempfile::NamedTempFile> {
        tempfile::NamedTempFile::new_in(self.root.join(".tmp"))
    }
}

impl Store for FileStore {
    fn put_bytes(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key)?;
        if path.exists() {
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut temp = self.temp_file()?;
        io::Write::write_all(&mut temp, bytes)?;
        temp.as_file().sync_data()?;
        temp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    fn put_file(&self, key: &str, source: &Path) -> io::Result<()> {
        let path = self.path(key)?;
        if path.exists() {
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::rename(source, &path).is_err() {
            let temp = self.temp_file()?;
            std::fs::copy(source, temp.path())?;
            temp.persist(&path).map_err(|e| e.error)?;
        }
        Ok(())
    }

    fn get(&self, key: &str) -> io::Result<Option<Bytes>> {
        match std::fs::read(self.path(key)?) {
            Ok(bytes) => Ok(Some(Bytes::from(bytes))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn open(&self, key: &str) -> io::Result<Option<Box<dyn StoredFile>>> {
        match std::fs::File::open(self.path(key)?) {
            Ok(file) => Ok(Some(Box::new(file))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(key)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn exists(&self, key: &str) -> io::Result<bool> {
        Ok(self.path(key)?.exists())
    }

    fn keys(&self, under: &str) -> io::Result<Vec<String>> {
        fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) -> io::Result<()> {
            let entries = match std::fs::read_dir(dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            };
            for entry in entries {
                let path = entry?.path();
                if path.is_dir() {
                    walk(root, &path, found)?;
                } else if let Ok(key) = path.strip_prefix(root) {
                    found.push(key.to_string_lossy().replace('\\', "/"));
                }
            }
            Ok(())
        }
        let mut found = Vec::new();
        let under = under.trim_matches('/');
        if !under.is_empty() {
            check_key(under)?;
        }
        walk(&self.root, &self.root.join(under), &mut found)?;
        // The scratch folder holds no keys.
        found.retain(|key| !key.starts_with(".tmp/"));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_escape_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path()).unwrap();
        let key = content_key("derivatives", "abcdef", "jpg");
        assert_eq!(key, "derivatives/ab/abcdef.jpg");
        store.put_bytes(&key, b"hello").unwrap();
        assert_eq!(store.get(&key).unwrap().unwrap(), Bytes::from_static(b"hello"));
        store.delete(&key).unwrap();
        assert!(store.get(&key).unwrap().is_none());
        assert!(store.put_bytes("../escape", b"x").is_err());
        assert!(store.put_bytes("a/../../b", b"x").is_err());
    }
}
