//! A real SMTP server for the stories that read email: `aiosmtpd` (PyPI) with its `Mailbox`
//! handler, which keeps every message it is handed in a Maildir the test reads.
//!
//! Without aiosmtpd the stories that need it are skipped with a warning, except under
//! `CI=true`, where that is a failure (`.ci/run` installs it).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: TempDir,
}

/// One message as it arrived.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

impl SmtpServer {
    /// Starts aiosmtpd on a free port; `None` (after a warning) when it is not installed and
    /// this is not CI.
    pub fn start() -> Option<Self> {
        let installed = Command::new(python())
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true but aiosmtpd is missing: pip install aiosmtpd");
            }
            eprintln!("warning: skipped an email story: pip install aiosmtpd to run it");
            return None;
        }
        let maildir = tempfile::tempdir().expect("temp dir");
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(python())
                .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(maildir.path().join("mail"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("aiosmtpd starts");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(15) {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(Self { child, port, maildir });
                }
                if child.try_wait().ok().flatten().is_some() {
                    break; // the port was taken after all: try another
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("aiosmtpd did not start");
    }

    /// The server's address as the Proofroom config takes it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn new_dir(&self) -> PathBuf {
        self.maildir.path().join("mail").join("new")
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.new_dir()) else { return Vec::new() };
        let mut found: Vec<(std::time::SystemTime, Mail)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let modified = e.metadata().ok()?.modified().ok()?;
                let text = std::fs::read_to_string(e.path()).ok()?;
                Some((modified, parse(&text)))
            })
            .collect();
        found.sort_by_key(|(at, _)| *at);
        found.into_iter().map(|(_, m)| m).collect()
    }

    /// Waits up to 20 s until at least `count` messages have arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count || started.elapsed() > Duration::from_secs(20) {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Headers and body of a plain-text message, its quoted-printable soft breaks and escapes
/// undone.
fn parse(text: &str) -> Mail {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let quoted = header("Content-Transfer-Encoding").eq_ignore_ascii_case("quoted-printable");
    let body = if quoted { unquote(body) } else { body.to_string() };
    Mail { to: header("To"), subject: decode_words(&header("Subject")), body }
}

fn unquote(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `=?utf-8?b?…?=` words as lettre writes non-ASCII subjects; plain subjects pass as they are.
fn decode_words(subject: &str) -> String {
    if !subject.contains("=?") {
        return subject.to_string();
    }
    subject
        .split_whitespace()
        .map(|word| {
            let inner = word.strip_prefix("=?").and_then(|w| w.strip_suffix("?="));
            match inner.map(|w| w.splitn(3, '?').collect::<Vec<_>>()) {
                Some(parts) if parts.len() == 3 && parts[1].eq_ignore_ascii_case("q") => {
                    unquote(&parts[2].replace('_', " "))
                }
                _ => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("")
}
