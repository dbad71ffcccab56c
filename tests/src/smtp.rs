//! A real SMTP server for the stories that read email: `aiosmtpd` (PyPI) with its `Mailbox`
//! handler, which keeps every message it is handed in a Maildir the test reads.
//!
//! Without aiosmtpd the stories that need it are skipped with a warning, except under
//! `CI=true`, where that is a failure (`.ci/run` installs it).

use std::path::PathBuf;
use std::process::Child;
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

impl SmtpServer {
    /// Starts aiosmtpd on a free port; `None` (after a warning) when it is not installed and
    /// this is not CI.
    pub fn start() -> Option<Self> {
        if !crate::python::available("aiosmtpd", "an email story") {
            return None;
        }
        let maildir = tempfile::tempdir().expect("temp dir");
        let mail = maildir.path().join("mail").display().to_string();
        let (child, port) = crate::python::start_on_free_port("aiosmtpd", |port| {
            ["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")]
                .into_iter()
                .map(str::to_string)
                .chain(["-c".into(), "aiosmtpd.handlers.Mailbox".into(), mail.clone()])
                .collect()
        });
        Some(Self { child, port, maildir })
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
                Some((modified, parse_message(&text)))
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

/// Headers and body of a plain-text message, its quoted-printable soft breaks and escapes
/// undone.
pub fn parse_message(text: &str) -> Mail {
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
