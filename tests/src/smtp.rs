//! A real SMTP server for the stories that read email: `aiosmtpd` (PyPI) with its `Mailbox`
//! handler, which keeps every message it is handed in a Maildir the test reads.
//!
//! Without aiosmtpd the stories that need it are skipped with a warning, except under
//! `CI=true`, where that is a failure (`.ci/run` installs it).

use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The test server's `mail_from`: not the studio's name, so a From that names the studio took
/// it from the studio.
pub const MAIL_FROM: &str = "Proofroom <mail@proofroom.example>";
pub const MAIL_FROM_ADDRESS: &str = "mail@proofroom.example";

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: TempDir,
}

/// One message as it arrived.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// The plain text: the whole body of a plain message, the `text/plain` part of a
    /// multipart one.
    pub body: String,
    /// The `text/html` part, when there is one.
    pub html: Option<String>,
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
}

/// A `From` or `Reply-To`: the display name (words decoded, quotes undone) and the address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mailbox {
    pub name: String,
    pub address: String,
}

impl Mailbox {
    /// `"Name" <address>`, `=?utf-8?b?…?= <address>`, `Name <address>` or a bare address.
    pub fn parse(value: &str) -> Self {
        let value = value.trim();
        match value.rsplit_once('<') {
            Some((name, rest)) => {
                let address = rest.trim_end().trim_end_matches('>').trim().to_string();
                let name = name.trim();
                let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                    Some(quoted) => quoted.replace("\\\"", "\"").replace("\\\\", "\\"),
                    None => decode_words(name),
                };
                Self { name, address }
            }
            None => Self { name: String::new(), address: value.to_string() },
        }
    }
}

impl Mail {
    /// Asserts the message speaks as the studio `studio`: From its name at `mail_from`'s
    /// address, Reply-To `reply_to`, and an HTML part with the studio's name (escaped) and one
    /// button, which opens the page the text names (a link in the text starting with `page`).
    /// Answers the HTML.
    pub fn assert_from_studio(&self, studio: &str, reply_to: Option<&str>, page: &str) -> &str {
        assert_eq!(self.from.name, studio, "From: {:?}", self.from);
        assert_eq!(self.from.address, MAIL_FROM_ADDRESS, "the address stays mail_from's");
        assert_eq!(self.reply_to.as_ref().map(|r| r.address.as_str()), reply_to, "{self:?}");
        let html = self.html.as_deref().unwrap_or_else(|| panic!("no HTML part: {self:?}"));
        assert!(html.contains(&escape_html(studio)), "the studio's name: {html}");
        assert!(html.contains("max-width:600px"), "{html}");
        let button = self.button_link().unwrap_or_else(|| panic!("no button: {html}"));
        assert!(button.starts_with(page), "the button opens {button}, not {page}…");
        assert!(
            self.body.split_whitespace().any(|word| word == button),
            "the button opens the page the text names ({button}): {}",
            self.body
        );
        html
    }

    /// The `href` of the HTML part's button (its one link that is not `mailto:`).
    pub fn button_link(&self) -> Option<String> {
        let html = self.html.as_deref()?;
        let mut links = html
            .split("<a href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|href| !href.starts_with("mailto:"));
        let first = links.next()?.to_string();
        assert!(links.next().is_none(), "more than one button: {html}");
        Some(first)
    }
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

/// A message as the tests read it: its headers (folded lines unfolded, encoded words
/// decoded) and its text — for `multipart/alternative`, the `text/plain` part as `body` and the
/// `text/html` part as `html`, each undone from its transfer encoding (quoted-printable or
/// base64, whichever lettre chose for it).
pub fn parse_message(text: &str) -> Mail {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let headers = unfold(head);
    let header = |name: &str| header_of(&headers, name).unwrap_or_default();
    let mut mail = Mail {
        to: header("To"),
        subject: decode_words(&header("Subject")),
        from: Mailbox::parse(&header("From")),
        reply_to: header_of(&headers, "Reply-To").map(|v| Mailbox::parse(&v)),
        ..Mail::default()
    };
    let content_type = header("Content-Type");
    match boundary(&content_type) {
        Some(boundary) if content_type.to_ascii_lowercase().starts_with("multipart/") => {
            for part in parts(body, &boundary) {
                let (part_head, content) = part.split_once("\n\n").unwrap_or((part, ""));
                let part_headers = unfold(part_head);
                let kind = header_of(&part_headers, "Content-Type").unwrap_or_default();
                let encoding = header_of(&part_headers, "Content-Transfer-Encoding");
                let decoded = decode_body(content, encoding.as_deref());
                let kind = kind.to_ascii_lowercase();
                if kind.starts_with("text/plain") {
                    mail.body = decoded;
                } else if kind.starts_with("text/html") {
                    mail.html = Some(decoded);
                }
            }
        }
        _ => {
            let encoding = header_of(&headers, "Content-Transfer-Encoding");
            mail.body = decode_body(body, encoding.as_deref());
        }
    }
    mail
}

/// Header lines with their folded continuations joined.
fn unfold(head: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in head.lines() {
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim_start());
            }
            _ => lines.push(line.to_string()),
        }
    }
    lines
}

fn header_of(headers: &[String], name: &str) -> Option<String> {
    headers.iter().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    })
}

/// The `boundary` parameter of a `Content-Type`.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|param| {
        let (key, value) = param.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The parts between `--boundary` lines, up to `--boundary--`.
fn parts<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let delimiter = format!("--{boundary}");
    let end = format!("--{boundary}--");
    let body = body.split(end.as_str()).next().unwrap_or(body);
    body.split(delimiter.as_str())
        .skip(1)
        .map(|part| part.strip_prefix('\n').unwrap_or(part))
        .map(|part| part.strip_suffix('\n').unwrap_or(part))
        .collect()
}

fn decode_body(content: &str, encoding: Option<&str>) -> String {
    match encoding.map(str::to_ascii_lowercase).as_deref() {
        Some("quoted-printable") => unquote(content),
        Some("base64") => {
            let joined: String = content.split_whitespace().collect();
            String::from_utf8_lossy(&unbase64(&joined)).into_owned()
        }
        _ => content.to_string(),
    }
}

/// Standard base64, padding optional.
fn unbase64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0);
    for c in text.bytes().filter_map(value) {
        bits = (bits << 6) | c;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
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

/// `=?utf-8?q?…?=` and `=?utf-8?b?…?=` words as lettre writes non-ASCII headers; plain ones
/// pass as they are.
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
                Some(parts) if parts.len() == 3 && parts[1].eq_ignore_ascii_case("b") => {
                    String::from_utf8_lossy(&unbase64(parts[2])).into_owned()
                }
                _ => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("")
}

/// `& < > " '` as the site's email escapes them.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message as lettre writes one: folded headers, quoted name, quoted-printable text,
    /// base64 HTML.
    #[test]
    fn both_parts_and_the_headers_are_read() {
        let html_b64 = "PHA+UGFyayAmYW1wOyBMYW5lPC9wPg=="; // <p>Park &amp; Lane</p>
        let raw = format!(
            "From: \"Park & <Lane>\" <mail@proofroom.example>\r\n\
             Reply-To: \"Park & <Lane>\"\r\n <hello@park.example>\r\n\
             To: ann@example.com\r\n\
             Subject: =?utf-8?b?Q2Fmw6k=?=\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: multipart/alternative;\r\n boundary=\"XyZ\"\r\n\
             \r\n\
             --XyZ\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\
             \r\n\
             Caf=C3=A9 and a long line that goes =\r\non\r\n\
             --XyZ\r\n\
             Content-Type: text/html; charset=utf-8\r\n\
             Content-Transfer-Encoding: base64\r\n\
             \r\n\
             {html_b64}\r\n\
             --XyZ--\r\n"
        );
        let mail = parse_message(&raw);
        assert_eq!(
            mail.from,
            Mailbox { name: "Park & <Lane>".into(), address: MAIL_FROM_ADDRESS.into() }
        );
        assert_eq!(mail.reply_to.unwrap().address, "hello@park.example");
        assert_eq!(mail.subject, "Café");
        assert_eq!(mail.body, "Café and a long line that goes on");
        assert_eq!(mail.html.as_deref(), Some("<p>Park &amp; Lane</p>"));
        let plain = parse_message("From: a@b.example\nSubject: Hi\n\nJust text\n");
        assert_eq!((plain.body.as_str(), plain.html), ("Just text\n", None));
        assert_eq!(plain.from.address, "a@b.example");
    }
}
