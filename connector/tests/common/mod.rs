//! A stand-in for the server's studio API, small enough to read: HTTP/1.1 by hand over tokio,
//! state in memory. It checks what the real server must be able to rely on (bearer token,
//! Content-Length and x-content-sha256 on uploads, percent-encoded ids and names) and records
//! every request so tests can count them. The real server is tested end to end elsewhere.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use proofroom_wire::*;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub const TOKEN: &str = "test-token";

#[derive(Default)]
pub struct State {
    pub profile: Option<StudioProfile>,
    pub branding: BTreeMap<String, String>,
    pub price_lists: BTreeMap<String, PriceList>,
    pub sessions: BTreeMap<String, SessionUpsert>,
    /// session id → image name → (sha256, bytes)
    pub images: BTreeMap<String, BTreeMap<String, (String, Vec<u8>)>>,
    /// "METHOD decoded-path [name]" of every request.
    pub log: Vec<String>,
    /// Image names the server refuses with 422.
    pub refuse: Vec<String>,
}

impl State {
    pub fn count(&self, prefix: &str) -> usize {
        self.log.iter().filter(|l| l.starts_with(prefix)).count()
    }
}

pub struct MockServer {
    pub url: String,
    pub state: Arc<Mutex<State>>,
}

impl MockServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, state).await;
                });
            }
        });
        Self { url, state }
    }

    pub fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().log)
    }
}

struct Request {
    method: String,
    path: String,
    query: Option<String>,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

async fn serve(stream: tokio::net::TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        assert!(
            !headers.contains_key("transfer-encoding"),
            "bodies must have a Content-Length"
        );
        let len: usize = headers
            .get("content-length")
            .map_or(0, |v| v.parse().unwrap());
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await?;
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (target.clone(), None),
        };
        let request = Request {
            method,
            path,
            query,
            headers,
            body,
        };
        let (status, json) = handle(&request, &mut state.lock().unwrap());
        let reason = match status {
            200 => "OK",
            204 => "No Content",
            401 => "Unauthorized",
            404 => "Not Found",
            _ => "Error",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            json.len()
        );
        write.write_all(head.as_bytes()).await?;
        write.write_all(json.as_bytes()).await?;
    }
}

fn error(status: u16, code: &str, message: &str) -> (u16, String) {
    let e = ApiError {
        error: code.into(),
        message: message.into(),
    };
    (status, serde_json::to_string(&e).unwrap())
}

fn ok<T: serde::Serialize>(v: &T) -> (u16, String) {
    (200, serde_json::to_string(v).unwrap())
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

/// Like a form decoder (actix's `Query`): `+` is a space.
fn query_name(q: &Option<String>) -> Option<String> {
    let q = q.as_deref()?;
    let value = q.strip_prefix("name=")?;
    Some(decode(&value.replace('+', " ")))
}

fn handle(r: &Request, s: &mut State) -> (u16, String) {
    let segments: Vec<String> = r
        .path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let name = query_name(&r.query);
    s.log.push(format!(
        "{} /{}{}",
        r.method,
        segments.join("/"),
        name.as_ref().map(|n| format!(" {n}")).unwrap_or_default()
    ));
    if r.headers.get("authorization").map(String::as_str) != Some(&format!("Bearer {TOKEN}")) {
        return error(401, "unauthorized", "unknown studio token");
    }
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (r.method.as_str(), seg.as_slice()) {
        ("GET", ["api", "v1", "studio"]) => ok(&studio_state(s)),
        ("PUT", ["api", "v1", "studio"]) => {
            s.profile = Some(serde_json::from_slice(&r.body).unwrap());
            ok(&studio_state(s))
        }
        ("PUT", ["api", "v1", "studio", "branding", slot]) => {
            let sha = match checked_sha(r) {
                Ok(sha) => sha,
                Err(e) => return e,
            };
            s.branding.insert(slot.to_string(), sha.clone());
            ok(&UploadResult {
                name: slot.to_string(),
                sha256: sha,
                outcome: UploadOutcome::Stored,
                width: 1,
                height: 1,
            })
        }
        ("PUT", ["api", "v1", "price-lists", id]) => {
            s.price_lists
                .insert(id.to_string(), serde_json::from_slice(&r.body).unwrap());
            (200, "{}".into())
        }
        ("GET", ["api", "v1", "sessions"]) => {
            let sessions = s.sessions.iter().map(|(id, u)| summary(id, u, s)).collect();
            ok(&SessionList { sessions })
        }
        ("PUT", ["api", "v1", "sessions", id]) => {
            let upsert: SessionUpsert = serde_json::from_slice(&r.body).unwrap();
            let held = s.images.entry(id.to_string()).or_default();
            held.retain(|name, _| upsert.images.iter().any(|i| &i.name == name));
            s.sessions.insert(id.to_string(), upsert);
            ok(&summary(id, &s.sessions[*id], s))
        }
        ("GET", ["api", "v1", "sessions", id, "images"]) => {
            let Some(held) = s.images.get(*id).filter(|_| s.sessions.contains_key(*id)) else {
                return error(404, "not_found", "no such session");
            };
            let images = held
                .iter()
                .map(|(name, (sha, bytes))| HeldImage {
                    name: name.clone(),
                    sha256: sha.clone(),
                    bytes: bytes.len() as i64,
                })
                .collect();
            ok(&ImageListing {
                session: id.to_string(),
                images,
            })
        }
        ("PUT", ["api", "v1", "sessions", id, "images"]) => {
            let Some(name) = name else {
                return error(400, "bad_request", "name is missing");
            };
            let Some(session) = s.sessions.get(*id) else {
                return error(404, "not_found", "no such session");
            };
            if !session.images.iter().any(|i| i.name == name) {
                return error(422, "not_listed", "the session does not list this image");
            }
            if s.refuse.contains(&name) {
                return error(422, "bad_image", "cannot decode the image");
            }
            let sha = match checked_sha(r) {
                Ok(sha) => sha,
                Err(e) => return e,
            };
            let held = s.images.entry(id.to_string()).or_default();
            let outcome = if held.get(&name).is_some_and(|(h, _)| *h == sha) {
                UploadOutcome::Unchanged
            } else {
                UploadOutcome::Stored
            };
            held.insert(name.clone(), (sha.clone(), r.body.clone()));
            ok(&UploadResult {
                name,
                sha256: sha,
                outcome,
                width: 1,
                height: 1,
            })
        }
        ("DELETE", ["api", "v1", "sessions", id, "images"]) => {
            let removed = name.and_then(|n| s.images.get_mut(*id).and_then(|h| h.remove(&n)));
            if removed.is_some() {
                (204, String::new())
            } else {
                error(404, "not_found", "no such image")
            }
        }
        _ => error(404, "not_found", "no such route"),
    }
}

fn checked_sha(r: &Request) -> Result<String, (u16, String)> {
    assert_eq!(
        r.headers.get("content-type").map(String::as_str),
        Some("application/octet-stream")
    );
    let sent = r.headers.get(SHA256_HEADER).cloned().unwrap_or_default();
    let actual = hex::encode(Sha256::digest(&r.body));
    if sent != actual {
        return Err(error(
            400,
            "sha256_mismatch",
            "the bytes do not match x-content-sha256",
        ));
    }
    Ok(actual)
}

fn studio_state(s: &State) -> StudioState {
    StudioState {
        profile: s.profile.clone(),
        branding: s
            .branding
            .iter()
            .map(|(slot, sha)| BrandingFile {
                slot: BrandingSlot::parse(slot).unwrap(),
                sha256: sha.clone(),
            })
            .collect(),
    }
}

fn summary(id: &str, u: &SessionUpsert, s: &State) -> SessionSummary {
    SessionSummary {
        id: id.to_string(),
        description: u.description.clone(),
        event_type: u.event_type,
        first_online: u.date,
        expires_on: u.date,
        image_count: s.images.get(id).map_or(0, |h| h.len() as i64),
    }
}

/// Writes a file under `root`, making folders.
pub fn write(root: &std::path::Path, rel: &str, content: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

pub const STUDIO: &str = r#"name = "Maple Lane Photography"
time_zone = "America/Chicago"
currency = "USD"
logo = "branding/logo.png"

[watermark]
text = "© Maple Lane"
opacity = 0.35
"#;

pub const PRICE_LIST: &str = r#"name = "Portrait 2026"
[[items]]
sku = "P8X10"
name = "8×10 print"
category = "Prints"
price = "24.00"
"#;

pub fn session(publish: bool, extra: &str) -> String {
    format!(
        r#"description = "Smith Family"
date = "2026-04-12"
price_list = "portrait-2026"
days_active = 30
publish = {publish}
{extra}
[client]
id = "C-1"
first_name = "Ann"
last_name = "Smith"
email = "ann@example.com"
"#
    )
}

/// Image names that need encoding in URLs.
pub const ODD_NAMES: [&str; 6] = [
    "IMG 1.jpg",
    "Family #2 & co.jpg",
    "a@b $5.png",
    "50% + more.jpeg",
    "Crème brûlée.jpg",
    "🎉 party.webp",
];
