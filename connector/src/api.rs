//! The studio API client: JSON requests and streamed uploads with bearer auth, timeouts, and
//! errors that carry the server's own message.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use proofroom_wire::{ApiError, SHA256_HEADER, UploadResult, paths};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::PushError;
use crate::config::Config;
use crate::retry::{self, RetryPolicy};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A whole JSON request, answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// No byte for this long while waiting for an answer: the connection is dead.
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// An upload that sends no byte for this long has stalled. There is no cap on the whole
/// upload: a large file over a slow uplink takes as long as it takes while bytes move.
pub const UPLOAD_STALL_TIMEOUT: Duration = Duration::from_secs(120);
/// After the last byte is sent the server decodes and renders the image before it answers.
pub const UPLOAD_ANSWER_TIMEOUT: Duration = Duration::from_secs(300);
/// Files are hashed and sent in pieces of this size; never read whole into memory.
pub const CHUNK: usize = 64 * 1024;

/// Percent-encodes one path segment or query value (UTF-8 bytes): the server's pages encode
/// the same ids with the same function.
pub use proofroom_wire::path_segment as encode;

/// `/api/v1/sessions/{id}`.
pub fn session_path(id: &str) -> String {
    format!("{}/{}", paths::SESSIONS, encode(id))
}

/// `/api/v1/sessions/{id}/images`.
pub fn session_images_path(id: &str) -> String {
    format!("{}/images", session_path(id))
}

/// `/api/v1/sessions/{id}/images?name={name}`.
pub fn session_image_path(id: &str, name: &str) -> String {
    format!("{}?name={}", session_images_path(id), encode(name))
}

/// `/api/v1/clients/{id}/reset-login`.
pub fn reset_login_path(client_id: &str) -> String {
    format!("/api/v1/clients/{}/reset-login", encode(client_id))
}

/// `/api/v1/sessions/{session}/contracts/{contract}`.
pub fn contract_path(session: &str, contract: &str) -> String {
    format!("{}/contracts/{}", session_path(session), encode(contract))
}

/// `/api/v1/contracts/{session}/{contract}/signed.pdf`.
pub fn signed_pdf_path(session: &str, contract: &str) -> String {
    format!("{}/{}/{}/signed.pdf", paths::CONTRACTS, encode(session), encode(contract))
}

/// `/api/v1/sessions/{session}/albums/{album}`.
pub fn album_path(session: &str, album: &str) -> String {
    format!("{}/albums/{}", session_path(session), encode(album))
}

/// `/api/v1/sessions/{session}/albums/{album}/pages?revision={n}&name={name}`.
pub fn album_page_path(session: &str, album: &str, revision: i32, name: &str) -> String {
    format!("{}/pages?revision={revision}&name={}", album_path(session, album), encode(name))
}

/// `/api/v1/albums/{session}/{album}/revisions/{n}/pinned/{page}`: a page drawn with its notes.
pub fn pinned_page_path(session: &str, album: &str, revision: i32, page: &str) -> String {
    format!(
        "{}/{}/{}/revisions/{revision}/pinned/{}",
        paths::ALBUMS,
        encode(session),
        encode(album),
        encode(page)
    )
}

/// `/api/v1/price-lists/{id}`.
pub fn price_list_path(id: &str) -> String {
    format!("{}/{}", paths::PRICE_LISTS, encode(id))
}

/// The hex SHA-256 and the length of a file, read in 64 KiB pieces.
pub fn sha256_file(path: &Path) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    hash_reader(&mut file)
}

fn hash_reader(r: &mut impl Read) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut len = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), len))
}

/// A file opened once, hashed, and rewound: what is uploaded is what was hashed, even if the
/// file is replaced meanwhile (an edit in place is caught by the server's hash check).
pub(crate) struct HashedFile {
    file: File,
    pub sha256: String,
    pub len: u64,
    /// As it was before it was read — `None` when its size or mtime moved while it was read,
    /// so the hash is of no known state of the file and must not be remembered.
    pub meta: Option<std::fs::Metadata>,
}

pub(crate) async fn open_and_hash(path: PathBuf) -> io::Result<HashedFile> {
    tokio::task::spawn_blocking(move || {
        let mut file = File::open(&path)?;
        let before = file.metadata()?;
        let (sha256, len) = hash_reader(&mut file)?;
        let after = file.metadata()?;
        file.seek(SeekFrom::Start(0))?;
        let stamp = crate::filecache::stamp_of;
        let meta = (stamp(&before).is_some() && stamp(&before) == stamp(&after)).then_some(before);
        Ok(HashedFile { file, sha256, len, meta })
    })
    .await
    .map_err(io::Error::other)?
}

/// Why a request failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No answer: connection refused, DNS, TLS, timeout, reset.
    Transport { method: Method, url: String, detail: String },
    /// An answer with an error status; `retry_after` as the server asked.
    Status { status: StatusCode, message: String, retry_after: Option<Duration> },
    /// A 2xx answer that is not what the API promises.
    Decode { method: Method, url: String, detail: String },
}

impl Failure {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Worth trying again: no answer, or an answer that says "later".
    pub fn retryable(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Status { status, .. } => retry::retryable_status(*status),
            Self::Decode { .. } => false,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport { method, url, detail } => write!(f, "{method} {url}: {detail}"),
            // The server's message is for people; the status is for whoever debugs.
            Self::Status { status, message, .. } => {
                write!(f, "{message} (HTTP {})", status.as_u16())
            }
            Self::Decode { method, url, detail } => {
                write!(f, "{method} {url}: unexpected answer: {detail}")
            }
        }
    }
}

/// What went wrong with a request, in the words of its innermost cause ("Connection refused
/// (os error 111)", "failed to lookup address information: …"), which says more than reqwest's
/// own "error sending request".
pub(crate) fn error_chain(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".to_string();
    }
    let mut innermost: Option<&dyn std::error::Error> = None;
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        innermost = Some(s);
        source = s.source();
    }
    innermost.map_or_else(|| e.to_string(), |s| s.to_string())
}

pub(crate) struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
    /// Without reqwest's read timeout, which would fire during a long upload while the server
    /// has nothing to say yet; uploads watch their own progress instead.
    upload_http: reqwest::Client,
    retry: RetryPolicy,
    retried: AtomicU64,
}

impl Api {
    pub fn new(config: &Config) -> Result<Self, reqwest::Error> {
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .user_agent(concat!("proofroom-connector/", env!("CARGO_PKG_VERSION")))
        };
        Ok(Self {
            base: config.server.clone(),
            token: config.token.clone(),
            http: builder().read_timeout(READ_TIMEOUT).build()?,
            upload_http: builder().build()?,
            retry: RetryPolicy::default(),
            retried: AtomicU64::new(0),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A failure that ends the command: of a push's first request, or of a one-off command's.
    pub(crate) fn fatal(&self, f: Failure) -> PushError {
        let server = self.base().to_string();
        match f {
            Failure::Transport { detail, .. } => PushError::Unreachable { server, detail },
            Failure::Status { status, message, .. }
                if status.as_u16() == 401 || status.as_u16() == 403 =>
            {
                PushError::Unauthorized { server, message }
            }
            other => PushError::Server { server, detail: other.to_string() },
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn request(&self, method: Method, path: &str) -> (reqwest::RequestBuilder, String) {
        let url = self.url(path);
        (self.http.request(method, &url).bearer_auth(&self.token), url)
    }

    /// Sends the request, trying again as [`RetryPolicy`] says when there is no answer or the
    /// answer says "later". A request whose body cannot be sent twice (a streamed upload) is
    /// tried once; its caller retries with the file opened again.
    async fn send(
        &self,
        method: Method,
        url: &str,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Failure> {
        let mut retry = 0;
        let mut builder = builder;
        loop {
            let again = builder.try_clone();
            let failure = match self.send_once(&method, url, builder).await {
                Ok(response) => return Ok(response),
                Err(failure) => failure,
            };
            retry += 1;
            let Some(next) = again.filter(|_| retry < self.retry.attempts && failure.retryable())
            else {
                return Err(failure);
            };
            self.retried.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(self.retry.delay(retry, failure.retry_after())).await;
            builder = next;
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &str,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Failure> {
        let response = builder.send().await.map_err(|e| Failure::Transport {
            method: method.clone(),
            url: url.to_string(),
            detail: error_chain(&e),
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry::retry_after(response.headers());
        let body = response.text().await.unwrap_or_default();
        let message = match serde_json::from_str::<ApiError>(&body) {
            Ok(e) => e.message,
            Err(_) => {
                let snippet: String = body
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(200)
                    .collect();
                let reason = status.canonical_reason().unwrap_or("error");
                if snippet.is_empty() {
                    format!("{method} {url}: {reason}")
                } else {
                    format!("{method} {url}: {reason}: {snippet}")
                }
            }
        };
        Err(Failure::Status { status, message, retry_after })
    }

    /// Notes a try made again outside [`Api::send`] (an upload, sent again from the file).
    pub fn count_retry(&self) {
        self.retried.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests tried again so far (each further try counts once).
    pub fn retried(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    async fn json<T: DeserializeOwned>(
        method: Method,
        url: &str,
        response: reqwest::Response,
    ) -> Result<T, Failure> {
        let bytes = response.bytes().await.map_err(|e| Failure::Transport {
            method: method.clone(),
            url: url.to_string(),
            detail: error_chain(&e),
        })?;
        serde_json::from_slice(&bytes).map_err(|e| Failure::Decode {
            method,
            url: url.to_string(),
            detail: e.to_string(),
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        let (b, url) = self.request(Method::GET, path);
        let response = self.send(Method::GET, &url, b.timeout(REQUEST_TIMEOUT)).await?;
        Self::json(Method::GET, &url, response).await
    }

    /// `GET` a file whole (a signed contract's PDF: tens of kilobytes).
    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>, Failure> {
        let (b, url) = self.request(Method::GET, path);
        let response = self.send(Method::GET, &url, b.timeout(REQUEST_TIMEOUT)).await?;
        let bytes = response.bytes().await.map_err(|e| Failure::Transport {
            method: Method::GET,
            url: url.clone(),
            detail: error_chain(&e),
        })?;
        Ok(bytes.to_vec())
    }

    /// `PUT` a JSON body and read a JSON answer.
    pub async fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        let (b, url) = self.request(Method::PUT, path);
        let response = self.send(Method::PUT, &url, b.json(body).timeout(REQUEST_TIMEOUT)).await?;
        Self::json(Method::PUT, &url, response).await
    }

    /// `POST` a JSON body and read a JSON answer.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        let (b, url) = self.request(Method::POST, path);
        let response = self.send(Method::POST, &url, b.json(body).timeout(REQUEST_TIMEOUT)).await?;
        Self::json(Method::POST, &url, response).await
    }

    /// `POST` without a body; any 2xx answer will do.
    pub async fn post_empty(&self, path: &str) -> Result<(), Failure> {
        let (b, url) = self.request(Method::POST, path);
        self.send(Method::POST, &url, b.timeout(REQUEST_TIMEOUT)).await.map(drop)
    }

    /// `PUT` a JSON body; any 2xx answer will do.
    pub async fn put_ignoring_answer<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<(), Failure> {
        let (b, url) = self.request(Method::PUT, path);
        self.send(Method::PUT, &url, b.json(body).timeout(REQUEST_TIMEOUT)).await.map(drop)
    }

    pub async fn delete(&self, path: &str) -> Result<(), Failure> {
        let (b, url) = self.request(Method::DELETE, path);
        self.send(Method::DELETE, &url, b.timeout(REQUEST_TIMEOUT)).await.map(drop)
    }

    /// Streams an opened file as the body of a `PUT`, with its length and SHA-256 in headers.
    /// Fails when no byte has gone out for [`UPLOAD_STALL_TIMEOUT`], or when the answer takes
    /// longer than [`UPLOAD_ANSWER_TIMEOUT`] after the last byte.
    pub async fn upload(&self, path: &str, file: HashedFile) -> Result<UploadResult, Failure> {
        self.upload_watched(path, file, UPLOAD_STALL_TIMEOUT, UPLOAD_ANSWER_TIMEOUT).await
    }

    async fn upload_watched(
        &self,
        path: &str,
        file: HashedFile,
        stall: Duration,
        answer: Duration,
    ) -> Result<UploadResult, Failure> {
        let url = self.url(path);
        let len = file.len;
        let started = Instant::now();
        // Milliseconds since `started` when the body last moved; u64::MAX once it is all sent.
        let last_progress = Arc::new(AtomicU64::new(0));
        let progress = Arc::clone(&last_progress);
        let reader = tokio::fs::File::from_std(file.file).take(len);
        let stream = tokio_util::io::ReaderStream::with_capacity(reader, CHUNK)
            .inspect(move |_| progress.store(elapsed_ms(started), Ordering::Relaxed))
            .chain(futures_util::stream::poll_fn({
                let done = Arc::clone(&last_progress);
                move |_| {
                    done.store(u64::MAX, Ordering::Relaxed);
                    std::task::Poll::Ready(None)
                }
            }));
        let request = self
            .upload_http
            .put(&url)
            .bearer_auth(&self.token)
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, len)
            .header(SHA256_HEADER, &file.sha256)
            .body(reqwest::Body::wrap_stream(stream));
        let exchange = async {
            let response = self.send(Method::PUT, &url, request).await?;
            Self::json(Method::PUT, &url, response).await
        };
        tokio::pin!(exchange);
        let mut sent_at: Option<Instant> = None;
        let timed_out =
            |detail: String| Failure::Transport { method: Method::PUT, url: url.clone(), detail };
        loop {
            tokio::select! {
                result = &mut exchange => return result,
                () = tokio::time::sleep(WATCHDOG_TICK.min(stall)) => {}
            }
            let last = last_progress.load(Ordering::Relaxed);
            if last == u64::MAX {
                let sent = *sent_at.get_or_insert_with(Instant::now);
                if sent.elapsed() > answer {
                    return Err(timed_out(format!(
                        "no answer {} s after the upload finished",
                        answer.as_secs_f32()
                    )));
                }
            } else if elapsed_ms(started).saturating_sub(last) > stall.as_millis() as u64 {
                return Err(timed_out(format!(
                    "the upload stalled: nothing sent for {} s",
                    stall.as_secs_f32()
                )));
            }
        }
    }
}

/// How often an upload's watchdog looks at its progress.
const WATCHDOG_TICK: Duration = Duration::from_secs(1);

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    fn api(base: String) -> Api {
        let config = Config {
            server: base,
            token: "t".into(),
            token_source: crate::config::TokenSource::Flag,
            interval_minutes: 15,
        };
        Api::new(&config).unwrap()
    }

    async fn hashed(len: usize) -> (tempfile::NamedTempFile, HashedFile) {
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        tmp.write_all(&bytes).unwrap();
        let file = open_and_hash(tmp.path().to_path_buf()).await.unwrap();
        (tmp, file)
    }

    /// Reads the request head, then the body `chunk` bytes at a time with `pause` between
    /// reads, then answers like the studio API.
    async fn slow_server(chunk: usize, pause: Duration) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; chunk];
            let mut head = Vec::new();
            let body_start = loop {
                let n = socket.read(&mut buf[..1024.min(chunk)]).await.unwrap();
                head.extend_from_slice(&buf[..n]);
                if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
            };
            let text = String::from_utf8_lossy(&head[..body_start]).to_lowercase();
            let len: usize = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            let mut got = head.len() - body_start;
            while got < len {
                tokio::time::sleep(pause).await;
                got += socket.read(&mut buf).await.unwrap();
            }
            let body = r#"{"name":"a.jpg","sha256":"x","outcome":"stored","width":1,"height":1}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(answer.as_bytes()).await.unwrap();
        });
        base
    }

    #[tokio::test]
    async fn open_and_hash_hashes_and_rewinds() {
        let (_tmp, mut file) = hashed(200_000).await;
        let mut content = Vec::new();
        file.file.read_to_end(&mut content).unwrap();
        assert_eq!(content.len(), 200_000);
        assert_eq!(file.len, 200_000);
        assert_eq!(file.sha256, hex::encode(Sha256::digest(&content)));
    }

    #[tokio::test]
    async fn an_upload_slower_than_the_stall_limit_finishes_while_bytes_move() {
        // About 6 MB/s: the kernel's socket buffers (a few MB on loopback) fill, and then the
        // body moves as the server drains them.
        let base = slow_server(64 * 1024, Duration::from_millis(10)).await;
        let (_tmp, file) = hashed(24 << 20).await;
        let stall = Duration::from_secs(2);
        let started = Instant::now();
        let result =
            api(base).upload_watched("/up", file, stall, Duration::from_secs(10)).await.unwrap();
        assert_eq!(result.name, "a.jpg");
        // Longer in all than the stall limit: only a pause, not the whole upload, is capped.
        assert!(started.elapsed() > stall, "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_stalled_upload_fails_with_a_reason() {
        // The server takes the connection and never reads: the socket buffers fill, then
        // nothing moves.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let holder = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(socket);
        });
        let (_tmp, file) = hashed(64 << 20).await;
        let err = api(base)
            .upload_watched("/up", file, Duration::from_secs(1), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("stalled"), "{err}");
        holder.abort();
    }

    #[test]
    fn names_are_percent_encoded() {
        assert_eq!(encode("IMG 1.jpg"), "IMG%201.jpg");
        assert_eq!(encode("Family #2 & co.jpg"), "Family%20%232%20%26%20co.jpg");
        assert_eq!(encode("a@b$c+d%e.png"), "a%40b%24c%2Bd%25e.png");
        assert_eq!(encode("Crème brûlée.jpg"), "Cr%C3%A8me%20br%C3%BBl%C3%A9e.jpg");
        assert_eq!(encode("🎉 party.webp"), "%F0%9F%8E%89%20party.webp");
        assert_eq!(encode("a/b?c=d"), "a%2Fb%3Fc%3Dd");
        assert_eq!(encode("keep-._~"), "keep-._~");
    }

    #[test]
    fn paths_encode_ids_and_names() {
        assert_eq!(session_path("2026-0412"), "/api/v1/sessions/2026-0412");
        assert_eq!(session_path("Smith & Co #2"), "/api/v1/sessions/Smith%20%26%20Co%20%232");
        assert_eq!(
            session_image_path("Zoë", "Family #2 & co.jpg"),
            "/api/v1/sessions/Zo%C3%AB/images?name=Family%20%232%20%26%20co.jpg"
        );
        assert_eq!(price_list_path("portrait 2026"), "/api/v1/price-lists/portrait%202026");
    }

    #[test]
    fn encoded_names_survive_url_parsing() {
        // reqwest parses the URL; the encoding must come through untouched so the server
        // decodes exactly the original name.
        for name in [
            "IMG 1.jpg",
            "Family #2 & co.jpg",
            "a+b%20c.png",
            "Crème.jpg",
            "🎉.webp",
            "100% @home$.jpeg",
        ] {
            let url = reqwest::Url::parse(&format!("http://h{}", session_image_path("s 1", name)))
                .unwrap();
            let got: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            assert_eq!(got, vec![("name".to_string(), name.to_string())]);
            let segment = url.path_segments().unwrap().nth(3).unwrap();
            assert_eq!(percent_encoding::percent_decode_str(segment).decode_utf8().unwrap(), "s 1");
        }
    }

    #[test]
    fn hashing_streams_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big file.bin");
        // Larger than one chunk and not a multiple of it.
        let data: Vec<u8> = (0..(CHUNK * 3 + 17)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let (sha, len) = sha256_file(&path).unwrap();
        assert_eq!(len, data.len() as u64);
        assert_eq!(sha, hex::encode(Sha256::digest(&data)));
        let (empty, zero) = hash_reader(&mut io::empty()).unwrap();
        assert_eq!(zero, 0);
        assert_eq!(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
