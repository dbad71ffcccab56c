//! A fault-injecting HTTP proxy in front of the real server: the connector talks to it as to
//! the server, and a test decides what goes wrong — answers of 500 or 429 instead of the
//! server's, or a slow uplink.
//!
//! One request per connection: the proxy reads a request's head, answers a planned fault
//! itself or passes the request on (with `Connection: close`) and copies the server's answer
//! back. Request bodies are streamed through as they arrive, so a client killed mid-upload
//! leaves the server with a cut-short body, as a real network would.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy answers instead of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// This status with a JSON error body; `retry_after` seconds in `Retry-After` if given.
    Status { code: u16, retry_after: Option<u64> },
    /// The connection is closed without an answer.
    Hangup,
}

/// Which requests a planned fault is for: the method, and a piece of the path and query.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Filter {
    method: String,
    target: String,
}

#[derive(Default)]
struct Control {
    /// Faults for the next requests, in order; one with a filter waits for a request that
    /// matches it.
    planned: Mutex<VecDeque<(Option<Filter>, Fault)>>,
    /// Every request fails with this until cleared.
    always: Mutex<Option<Fault>>,
    /// Bytes per second from client to server; 0 for no limit.
    throttle: AtomicU64,
    requests: AtomicU64,
    faults: AtomicU64,
    /// Request body bytes passed on to the server.
    body_bytes: AtomicU64,
}

pub struct FaultProxy {
    pub base_url: String,
    control: Arc<Control>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1 and passes requests on to `upstream`
    /// (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let control = Arc::new(Control::default());
        let accept = tokio::spawn({
            let control = Arc::clone(&control);
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    let control = Arc::clone(&control);
                    let upstream = upstream.clone();
                    tokio::spawn(async move {
                        let _ = serve(client, &upstream, &control).await;
                    });
                }
            }
        });
        FaultProxy { base_url, control, accept }
    }

    /// The next `n` requests get `fault`, after any planned already.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        let mut planned = self.control.planned.lock().unwrap();
        planned.extend(std::iter::repeat_n((None, fault), n));
    }

    /// The next `n` requests of `method` whose path and query hold `target` get `fault`.
    pub fn fail_next_matching(&self, method: &str, target: &str, n: usize, fault: Fault) {
        let filter = Filter { method: method.to_string(), target: target.to_string() };
        let mut planned = self.control.planned.lock().unwrap();
        planned.extend(std::iter::repeat_n((Some(filter), fault), n));
    }

    /// Every request gets `fault` until [`FaultProxy::heal`].
    pub fn fail_all(&self, fault: Fault) {
        *self.control.always.lock().unwrap() = Some(fault);
    }

    /// No more faults (planned ones are dropped too).
    pub fn heal(&self) {
        *self.control.always.lock().unwrap() = None;
        self.control.planned.lock().unwrap().clear();
    }

    /// Request bodies go to the server at most this fast.
    pub fn throttle(&self, bytes_per_second: u64) {
        self.control.throttle.store(bytes_per_second, Ordering::Relaxed);
    }

    pub fn requests(&self) -> u64 {
        self.control.requests.load(Ordering::Relaxed)
    }

    pub fn faults(&self) -> u64 {
        self.control.faults.load(Ordering::Relaxed)
    }

    /// Request body bytes passed on so far.
    pub fn body_bytes(&self) -> u64 {
        self.control.body_bytes.load(Ordering::Relaxed)
    }
}

async fn serve(mut client: TcpStream, upstream: &str, control: &Control) -> std::io::Result<()> {
    // The head, and whatever of the body came with it.
    let mut buffered = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let head_end = loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffered.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffered.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    control.requests.fetch_add(1, Ordering::Relaxed);
    let request_line = String::from_utf8_lossy(&buffered[..head_end]);
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let fault = {
        let always = *control.always.lock().unwrap();
        always.or_else(|| {
            let mut planned = control.planned.lock().unwrap();
            let matches = |f: &Option<Filter>| {
                f.as_ref().is_none_or(|f| f.method == method && target.contains(&f.target))
            };
            let i = planned.iter().position(|(filter, _)| matches(filter))?;
            planned.remove(i).map(|(_, fault)| fault)
        })
    };
    if let Some(fault) = fault {
        control.faults.fetch_add(1, Ordering::Relaxed);
        if let Fault::Status { code, retry_after } = fault {
            let body = format!(
                r#"{{"error":"injected","message":"the proxy answered {code} for the test"}}"#
            );
            let retry = retry_after.map(|s| format!("retry-after: {s}\r\n")).unwrap_or_default();
            let answer = format!(
                "HTTP/1.1 {code} Injected\r\ncontent-type: application/json\r\n{retry}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes()).await?;
        }
        return client.shutdown().await;
    }

    let head = String::from_utf8_lossy(&buffered[..head_end]).to_string();
    let mut length = 0u64;
    let mut rewritten = String::new();
    for (i, line) in head.split("\r\n").enumerate() {
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if i > 0 && (lower.starts_with("connection:") || line.is_empty()) {
            continue;
        }
        rewritten.push_str(line);
        rewritten.push_str("\r\n");
    }
    rewritten.push_str("connection: close\r\n\r\n");

    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(rewritten.as_bytes()).await?;
    let mut left = length;
    let early = &buffered[head_end..];
    let take = early.len().min(left as usize);
    send_body(&mut server, &early[..take], control).await?;
    left -= take as u64;
    while left > 0 {
        let want = chunk.len().min(left as usize);
        let n = client.read(&mut chunk[..want]).await?;
        if n == 0 {
            // The client went away mid-body: so does the server's connection.
            return Ok(());
        }
        send_body(&mut server, &chunk[..n], control).await?;
        left -= n as u64;
    }
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    client.write_all(&answer).await?;
    client.shutdown().await
}

async fn send_body(server: &mut TcpStream, bytes: &[u8], control: &Control) -> std::io::Result<()> {
    let rate = control.throttle.load(Ordering::Relaxed);
    if rate == 0 {
        server.write_all(bytes).await?;
        control.body_bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        return Ok(());
    }
    // In pieces of a tenth of a second's worth.
    for piece in bytes.chunks((rate / 10).max(1) as usize) {
        server.write_all(piece).await?;
        control.body_bytes.fetch_add(piece.len() as u64, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}
