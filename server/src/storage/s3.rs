//! The [`Store`] on S3-compatible object storage (AWS S3, R2, B2, Garage, MinIO, Ceph), through
//! the `object_store` crate.
//!
//! The trait is blocking (callers are on `web::block` threads), so the store owns a small tokio
//! runtime of its own and waits on it: its HTTP connections live there, not on a request
//! worker. Nothing is held whole in memory but small files: a large original goes up in
//! multipart pieces, and an opened file is read as one streamed GET from where it is read.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{
    ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart,
};

use super::{Store, StoredFile, check_key};
use crate::config::S3Config;

/// Files up to this size go up in one PUT; larger ones in parts of this size (S3's smallest
/// part is 5 MiB), one sent while the next fills: an upload holds about 10 MB while it is sent.
const PART_BYTES: usize = 5 * 1024 * 1024;
/// How much of a file is read from disk at a time while sending it.
const READ_BYTES: usize = 256 * 1024;

pub struct S3Store {
    bucket: Arc<AmazonS3>,
    prefix: String,
    /// Always `Some` until dropped (see the `Drop` impl).
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for S3Store {
    /// A runtime may not be dropped where blocking is not allowed (a server shutting down on
    /// its own async runtime): let it go without waiting.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl S3Store {
    pub fn new(config: &S3Config) -> io::Result<Self> {
        if config.signed_url_seconds > 3600 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "[s3] signed_url_seconds = {}: at most 3600 (an hour); a signed address \
                     keeps working for a guest whose access was withdrawn until it expires",
                    config.signed_url_seconds
                ),
            ));
        }
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_virtual_hosted_style_request(!config.path_style);
        // No limit on a whole request: an original streamed to a slow client may take an hour.
        // A connection that will not open, or a body that stops arriving, still fails. (Set
        // first: the options replace the client's, `allow_http` among them.)
        builder = builder.with_client_options(
            ClientOptions::new()
                .with_timeout_disabled()
                .with_connect_timeout(Duration::from_secs(10))
                .with_read_timeout(Duration::from_secs(60)),
        );
        if let Some(endpoint) = &config.endpoint {
            // object_store takes a virtual-hosted endpoint as the bucket's own address: the
            // service's address with the bucket's name in front.
            let endpoint = if config.path_style {
                endpoint.trim_end_matches('/').to_string()
            } else {
                bucket_address(endpoint, &config.bucket)?
            };
            builder =
                builder.with_allow_http(endpoint.starts_with("http:")).with_endpoint(endpoint);
        }
        let credentials = config.credentials().map_err(io::Error::other)?;
        builder = builder
            .with_access_key_id(&credentials.access_key_id)
            .with_secret_access_key(credentials.secret_access_key.expose());
        if let Some(token) = &credentials.session_token {
            builder = builder.with_token(token.expose());
        }
        let bucket = builder
            .build()
            .map_err(|e| io::Error::other(format!("S3 bucket {:?}: {e}", config.bucket)))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("proofroom-s3")
            .enable_all()
            .build()?;
        let prefix = config.prefix.trim_matches('/').to_string();
        Ok(Self { bucket: Arc::new(bucket), prefix, runtime: Some(runtime) })
    }

    fn block_on<F: std::future::Future>(&self, work: F) -> F::Output {
        self.runtime
            .as_ref()
            .expect("the store's runtime lives as long as the store")
            .block_on(work)
    }

    fn path(&self, key: &str) -> io::Result<ObjectPath> {
        check_key(key)?;
        let full =
            if self.prefix.is_empty() { key.to_string() } else { format!("{}/{key}", self.prefix) };
        ObjectPath::parse(full)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
    }

    async fn put_parts(&self, path: &ObjectPath, source: &Path) -> io::Result<()> {
        use tokio::io::AsyncReadExt;
        let mut file = tokio::fs::File::open(source).await?;
        let size = file.metadata().await?.len();
        if size <= PART_BYTES as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes).await?;
            self.bucket.put(path, PutPayload::from(bytes)).await.map_err(to_io)?;
            return Ok(());
        }
        let upload = self.bucket.put_multipart(path).await.map_err(to_io)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut piece = vec![0u8; READ_BYTES];
        let sent: io::Result<()> = async {
            loop {
                let read = file.read(&mut piece).await?;
                if read == 0 {
                    return Ok(());
                }
                // One part being sent while the next fills.
                writer.wait_for_capacity(1).await.map_err(to_io)?;
                writer.write(&piece[..read]);
            }
        }
        .await;
        match sent {
            Ok(()) => writer.finish().await.map(drop).map_err(to_io),
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }
}

impl Store for S3Store {
    fn put_bytes(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(key)?;
        let payload = PutPayload::from(Bytes::copy_from_slice(bytes));
        self.block_on(self.bucket.put(&path, payload)).map(drop).map_err(to_io)
    }

    fn put_file(&self, key: &str, source: &Path) -> io::Result<()> {
        let path = self.path(key)?;
        self.block_on(self.put_parts(&path, source))?;
        // The caller's scratch file: the store has its own copy now.
        let _ = std::fs::remove_file(source);
        Ok(())
    }

    fn get(&self, key: &str) -> io::Result<Option<Bytes>> {
        let path = self.path(key)?;
        self.block_on(async {
            match self.bucket.get(&path).await {
                Ok(found) => found.bytes().await.map(Some).map_err(to_io),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(to_io(e)),
            }
        })
    }

    fn open(&self, key: &str) -> io::Result<Option<Box<dyn StoredFile>>> {
        let path = self.path(key)?;
        let size = match self.block_on(self.bucket.head(&path)) {
            Ok(meta) => meta.size,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(to_io(e)),
        };
        Ok(Some(Box::new(ObjectReader {
            bucket: self.bucket.clone(),
            handle: self.runtime.as_ref().expect("alive").handle().clone(),
            path,
            size,
            position: 0,
            body: None,
            pending: Bytes::new(),
        })))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        let path = self.path(key)?;
        match self.block_on(self.bucket.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(to_io(e)),
        }
    }

    fn signed_url(
        &self,
        key: &str,
        valid: Duration,
        content_type: &str,
        cache_control: &str,
    ) -> Option<io::Result<String>> {
        use futures_util::FutureExt;
        use object_store::signer::{SignedUrlOptions, Signer};
        let path = match self.path(key) {
            Ok(path) => path,
            Err(e) => return Some(Err(e)),
        };
        // The bucket answers with these headers (S3's `response-*` overrides, signed too).
        let options = SignedUrlOptions::new().with_query([
            ("response-cache-control", cache_control),
            ("response-content-type", content_type),
        ]);
        // Signing is arithmetic with the configured keys, so the future is ready at once: it is
        // polled here, on a request's worker, rather than sent to the store's runtime.
        let signed = self
            .bucket
            .signed_url_opts(reqwest::Method::GET, &path, valid, &options)
            .now_or_never()
            .unwrap_or_else(|| {
                Err(object_store::Error::NotSupported {
                    source: "signing waited on credentials".into(),
                })
            });
        Some(signed.map(String::from).map_err(to_io))
    }

    fn exists(&self, key: &str) -> io::Result<bool> {
        let path = self.path(key)?;
        match self.block_on(self.bucket.head(&path)) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(to_io(e)),
        }
    }

    fn keys(&self, under: &str) -> io::Result<Vec<String>> {
        let start =
            if self.prefix.is_empty() { String::new() } else { format!("{}/", self.prefix) };
        let listed = ObjectPath::from(format!("{start}{}", under.trim_matches('/')));
        self.block_on(async {
            let mut keys = Vec::new();
            let mut listing = self.bucket.list(Some(&listed));
            while let Some(meta) = listing.next().await {
                let meta = meta.map_err(to_io)?;
                let location = meta.location.as_ref();
                keys.push(location.strip_prefix(&start).unwrap_or(location).to_string());
            }
            Ok(keys)
        })
    }
}

/// `https://host` and `photos` → `https://photos.host` (a virtual-hosted bucket's address).
fn bucket_address(endpoint: &str, bucket: &str) -> io::Result<String> {
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("[s3] endpoint {endpoint:?} is not an http(s) address"),
        )
    };
    let (scheme, rest) = endpoint.split_once("://").ok_or_else(invalid)?;
    if rest.is_empty() || !matches!(scheme, "http" | "https") {
        return Err(invalid());
    }
    Ok(format!("{scheme}://{bucket}.{}", rest.trim_end_matches('/')))
}

/// An object read in order with one GET from the current position; a seek elsewhere drops
/// that response and the next read starts another from there.
struct ObjectReader {
    bucket: Arc<AmazonS3>,
    handle: tokio::runtime::Handle,
    path: ObjectPath,
    size: u64,
    position: u64,
    body: Option<BoxStream<'static, object_store::Result<Bytes>>>,
    pending: Bytes,
}

impl ObjectReader {
    /// The next piece of the body. A body broken off (the store closed a connection left idle
    /// while a slow client read) is asked for again from where it stopped, once.
    fn next_piece(&mut self) -> io::Result<Option<Bytes>> {
        match self.next_piece_once() {
            Err(_) => {
                self.body = None;
                self.next_piece_once()
            }
            read => read,
        }
    }

    fn next_piece_once(&mut self) -> io::Result<Option<Bytes>> {
        if self.body.is_none() {
            let options = GetOptions {
                range: Some(GetRange::Offset(self.position)),
                ..GetOptions::default()
            };
            let found =
                self.handle.block_on(self.bucket.get_opts(&self.path, options)).map_err(to_io)?;
            self.body = Some(found.into_stream());
        }
        let body = self.body.as_mut().expect("opened above");
        self.handle.block_on(body.next()).transpose().map_err(to_io)
    }
}

impl io::Read for ObjectReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.position >= self.size {
            return Ok(0);
        }
        while self.pending.is_empty() {
            match self.next_piece()? {
                Some(piece) => self.pending = piece,
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("{} ended at {} of {} bytes", self.path, self.position, self.size),
                    ));
                }
            }
        }
        let taken = out.len().min(self.pending.len());
        out[..taken].copy_from_slice(&self.pending.split_to(taken));
        self.position += taken as u64;
        Ok(taken)
    }
}

impl io::Seek for ObjectReader {
    fn seek(&mut self, to: io::SeekFrom) -> io::Result<u64> {
        let target = match to {
            io::SeekFrom::Start(at) => Some(at),
            io::SeekFrom::End(back) => self.size.checked_add_signed(back),
            io::SeekFrom::Current(by) => self.position.checked_add_signed(by),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        if target != self.position {
            let ahead = target.checked_sub(self.position);
            match ahead {
                // A short skip forward within what has arrived costs no new request.
                Some(ahead) if ahead < self.pending.len() as u64 => {
                    let _ = self.pending.split_to(ahead as usize);
                }
                _ => {
                    self.body = None;
                    self.pending = Bytes::new();
                }
            }
            self.position = target;
        }
        Ok(self.position)
    }
}

fn to_io(error: object_store::Error) -> io::Error {
    io::Error::other(error.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_virtual_hosted_bucket_is_addressed_by_its_name_in_front_of_the_service() {
        assert_eq!(
            super::bucket_address("https://acc.r2.cloudflarestorage.com/", "photos").unwrap(),
            "https://photos.acc.r2.cloudflarestorage.com"
        );
        assert!(super::bucket_address("acc.r2.cloudflarestorage.com", "photos").is_err());
    }

    fn bucket(
        endpoint: &str,
        path_style: bool,
        signed_url_seconds: u64,
    ) -> crate::config::S3Config {
        crate::config::S3Config {
            bucket: "photos".into(),
            endpoint: Some(endpoint.into()),
            path_style,
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some(crate::config::Secret::new("example-secret")),
            signed_url_seconds,
            ..Default::default()
        }
    }

    /// The pages' content security policy names the host the signed addresses go to.
    #[test]
    fn signed_addresses_point_at_the_bucket_and_last_at_most_an_hour() {
        use crate::storage::{Store, signed_url_source};
        let r2 = super::S3Store::new(&bucket("https://acc.r2.cloudflarestorage.com", false, 300))
            .unwrap();
        assert_eq!(signed_url_source(&r2).unwrap(), "https://photos.acc.r2.cloudflarestorage.com");
        let shared = crate::config::S3Config {
            prefix: "/studio-7/".into(),
            ..bucket("https://acc.r2.cloudflarestorage.com", false, 300)
        };
        let shared = super::S3Store::new(&shared).unwrap();
        assert_eq!(
            signed_url_source(&shared).unwrap(),
            "https://photos.acc.r2.cloudflarestorage.com/studio-7/",
            "only this site's folder of the bucket"
        );
        let garage = super::S3Store::new(&bucket("http://127.0.0.1:3900", true, 300)).unwrap();
        assert_eq!(signed_url_source(&garage).unwrap(), "http://127.0.0.1:3900/photos/");
        let url = garage
            .signed_url(
                "derivatives/ab/abc.jpg",
                std::time::Duration::from_secs(300),
                "image/jpeg",
                "private, max-age=300",
            )
            .unwrap()
            .unwrap();
        assert!(url.starts_with("http://127.0.0.1:3900/photos/derivatives/ab/abc.jpg?"), "{url}");
        for part in ["X-Amz-Expires=300", "X-Amz-Signature=", "response-content-type=image%2Fjpeg"]
        {
            assert!(url.contains(part), "{part} in {url}");
        }

        let refused = super::S3Store::new(&bucket("http://127.0.0.1:3900", true, 7200));
        let message = refused.err().expect("more than an hour is refused").to_string();
        assert!(message.contains("signed_url_seconds = 7200"), "{message}");
    }
}
