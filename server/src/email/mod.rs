//! Email the site sends: order confirmations, order status changes.
//!
//! A message is first a row in `outgoing_emails`, written in the same transaction as what it
//! tells of, so a crash never loses one and a rolled-back order never sends one. Its
//! `dedupe_key` (e.g. `order-confirmation:<order id>`) makes a second attempt to queue the same
//! message — a webhook delivered ten times — a no-op. A background task hands due rows to the
//! SMTP server configured (`smtp_url`), or, with none, writes them as `.eml` files into
//! `<data_dir>/outbox/`, and retries a failed hand-over with growing pauses.
//!
//! Each message speaks as the studio ([`letter`]): its row keeps the sender's display name (the
//! studio's), the Reply-To (the studio's email) and an HTML part, written when it is queued, so
//! the sender needs nothing else to send it. The address stays `mail_from`'s. A row without
//! them (queued before they existed) goes as plain text from `mail_from` as it is.

pub mod letter;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::config::Config;
use crate::db::schema::outgoing_emails;
use crate::db::{self, DbConn, Pool};

/// A message to queue.
pub struct NewEmail<'a> {
    /// What makes this message the one it is: queuing the same key again sends nothing more.
    pub dedupe_key: String,
    pub to: &'a str,
    pub subject: String,
    /// The plain text, always sent (first, before the HTML part).
    pub body: String,
    /// Who the message speaks as and its HTML part: [`letter::Letterhead::style`].
    pub styled: letter::Styled,
}

/// A file sent with a message (a signed contract's PDF), kept in its row until sent.
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The dedupe keys of the messages queued or sent whose key starts with `prefix`.
pub fn keys_starting(
    conn: &mut DbConn,
    prefix: &str,
) -> db::Result<std::collections::HashSet<String>> {
    Ok(outgoing_emails::table
        .filter(outgoing_emails::dedupe_key.like(format!("{prefix}%")))
        .select(outgoing_emails::dedupe_key)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Queues `email` inside the caller's transaction; `false` when one with its key was queued
/// before. The insert runs in a savepoint so that on PostgreSQL a refused duplicate does not
/// abort the caller's transaction.
pub fn enqueue(conn: &mut DbConn, email: NewEmail<'_>) -> db::Result<bool> {
    enqueue_with(conn, email, None)
}

/// [`enqueue`], with a file attached.
pub fn enqueue_with(
    conn: &mut DbConn,
    email: NewEmail<'_>,
    attachment: Option<Attachment>,
) -> db::Result<bool> {
    let now = db::now();
    let (attachment_name, attachment_type, attachment) = match attachment {
        Some(a) => (Some(a.file_name), Some(a.content_type), Some(a.bytes)),
        None => (None, None, None),
    };
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(outgoing_emails::table)
            .values((
                outgoing_emails::id.eq(uuid::Uuid::new_v4().to_string()),
                outgoing_emails::dedupe_key.eq(&email.dedupe_key),
                outgoing_emails::to_address.eq(email.to),
                outgoing_emails::subject.eq(&email.subject),
                outgoing_emails::body.eq(&email.body),
                outgoing_emails::from_name.eq(&email.styled.from_name),
                outgoing_emails::reply_to.eq(&email.styled.reply_to),
                outgoing_emails::html_body.eq(&email.styled.html),
                outgoing_emails::created_at.eq(now),
                outgoing_emails::send_after.eq(now),
                outgoing_emails::attempts.eq(0),
                outgoing_emails::attachment_name.eq(&attachment_name),
                outgoing_emails::attachment_type.eq(&attachment_type),
                outgoing_emails::attachment.eq(&attachment),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Where messages go.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// The sender's settings and the bell that wakes it when something was queued.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    wake: Notify,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail_from \"{}\": {e}", config.mail_from))?;
        let transport = match config.smtp_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("smtp_url: {e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            None => Transport::Outbox(config.data_dir.join("outbox")),
        };
        Ok(Self { transport, from, wake: Notify::new() })
    }

    /// Tells the sender there is something to send (after the transaction committed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The message of a row: from the studio's name at `mail_from`'s address, Reply-To the
    /// studio, the text and the HTML as alternatives — or, for a row with none of them, plain
    /// text from `mail_from`.
    fn message(&self, row: &QueuedEmail, to: Mailbox) -> Result<Message, lettre::error::Error> {
        let name = row.from_name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let from = match name {
            Some(name) => Mailbox::new(Some(name.to_string()), self.from.email.clone()),
            None => self.from.clone(),
        };
        let mut builder = Message::builder().from(from).to(to).subject(&row.subject);
        if let Some(reply_to) = row.reply_to.as_deref() {
            match reply_to.parse::<lettre::Address>() {
                Ok(address) => builder = builder.reply_to(Mailbox::new(None, address)),
                Err(e) => tracing::warn!("Reply-To \"{reply_to}\": {e}; left out"),
            }
        }
        let text = match &row.html_body {
            Some(html) => MultiPart::alternative_plain_html(row.body.clone(), html.clone()),
            None if row.attachment.is_some() => {
                MultiPart::mixed().singlepart(SinglePart::plain(row.body.clone()))
            }
            None => return builder.header(ContentType::TEXT_PLAIN).body(row.body.clone()),
        };
        let (Some(bytes), Some(name)) = (&row.attachment, &row.attachment_name) else {
            return builder.multipart(text);
        };
        let content_type = row.attachment_type.as_deref().unwrap_or("application/octet-stream");
        let content_type = ContentType::parse(content_type).unwrap_or(ContentType::TEXT_PLAIN);
        let file = lettre::message::Attachment::new(name.clone()).body(bytes.clone(), content_type);
        builder.multipart(MultiPart::mixed().multipart(text).singlepart(file))
    }

    async fn deliver(&self, row: &QueuedEmail) -> Result<(), String> {
        let to: Mailbox =
            row.to_address.parse().map_err(|e| format!("address {}: {e}", row.to_address))?;
        let message = self.message(row, to).map_err(|e| format!("building the message: {e}"))?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map(|_| ()).map_err(|e| e.to_string())
            }
            Transport::Outbox(dir) => {
                let bytes = message.formatted();
                let dir = dir.clone();
                let name = format!("{}.eml", row.id);
                tokio::task::spawn_blocking(move || write_whole(&dir, &name, &bytes))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| format!("writing the outbox: {e}"))
            }
        }
    }
}

/// Writes `name` into `dir` whole: a temporary file, then a rename.
fn write_whole(dir: &std::path::Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{name}.tmp"));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(name))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outgoing_emails)]
struct QueuedEmail {
    id: String,
    to_address: String,
    subject: String,
    body: String,
    from_name: Option<String>,
    reply_to: Option<String>,
    html_body: Option<String>,
    attachment_name: Option<String>,
    attachment_type: Option<String>,
    attachment: Option<Vec<u8>>,
}

/// Messages sent per round before the queue is read again.
const BATCH: i64 = 20;
/// How long the sender sleeps when nothing wakes it: picks up retries that came due.
const IDLE: Duration = Duration::from_secs(15);

/// The pause before the next try after `attempts` failed ones: 30 s, 2 min, 4.5 min, … at most
/// an hour. A message is never given up on; the log says why it waits.
fn retry_after(attempts: i32) -> chrono::Duration {
    let attempts = i64::from(attempts.max(1));
    chrono::Duration::seconds((30 * attempts * attempts).min(3600))
}

/// Sends what is queued until the server stops; dropping the handle stops it.
pub fn start(pool: Pool, mailer: Arc<Mailer>) -> SenderTask {
    SenderTask(tokio::spawn(async move {
        loop {
            let due = match db::run(&pool, load_due).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!("reading the email queue failed, will retry: {e}");
                    Vec::new()
                }
            };
            let full = due.len() as i64 == BATCH;
            for row in due {
                // Every server's sender reads the same queue: the one that claims a row sends it.
                let id = row.id.clone();
                let claimed = match db::run(&pool, move |conn| claim(conn, &id)).await {
                    Ok(Some(claimed)) => claimed,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!("claiming an email to send failed, will retry: {e}");
                        continue;
                    }
                };
                let outcome = mailer.deliver(&row).await;
                if let Err(e) = &outcome {
                    tracing::warn!(to = %row.to_address, "email not sent yet (try {}): {e}", claimed.attempts + 1);
                }
                let id = row.id.clone();
                if let Err(e) =
                    db::run(&pool, move |conn| mark(conn, &id, &claimed, outcome.err())).await
                {
                    tracing::warn!("recording an email's delivery failed: {e}");
                }
            }
            if !full {
                let _ = tokio::time::timeout(IDLE, mailer.wake.notified()).await;
            }
        }
    }))
}

fn load_due(conn: &mut DbConn) -> db::Result<Vec<QueuedEmail>> {
    Ok(outgoing_emails::table
        .filter(outgoing_emails::sent_at.is_null())
        .filter(outgoing_emails::send_after.le(db::now()))
        .order(outgoing_emails::created_at.asc())
        .limit(BATCH)
        .select(QueuedEmail::as_select())
        .load(conn)?)
}

/// How long a claimed row is left to the server that claimed it: longer than a hand-over to
/// the SMTP server can take (its timeouts are 30 s). A server that dies after claiming leaves
/// the row to be sent by another once this has passed.
const CLAIM: chrono::Duration = chrono::Duration::minutes(2);

/// A row this server claimed: until when, and how many tries it had before.
struct Claimed {
    until: NaiveDateTime,
    attempts: i32,
}

/// Claims a due row for this server by moving its `send_after` past the claim: one statement,
/// so of several servers reading the same due row, one sends it. [`mark`] then records the
/// outcome (sent, or the next try's time) — only while the claim is still this server's.
fn claim(conn: &mut DbConn, id: &str) -> db::Result<Option<Claimed>> {
    use chrono::SubsecRound;
    let now = db::now();
    // Whole microseconds, as PostgreSQL keeps them, so that `mark` finds the value again.
    let until = (now + CLAIM).trunc_subsecs(6);
    let claimed = diesel::update(outgoing_emails::table.find(id))
        .filter(outgoing_emails::sent_at.is_null())
        .filter(outgoing_emails::send_after.le(now))
        .set(outgoing_emails::send_after.eq(until))
        .execute(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    // Read after claiming: another server may have tried it since this one's batch was read.
    let attempts = outgoing_emails::table.find(id).select(outgoing_emails::attempts).first(conn)?;
    Ok(Some(Claimed { until, attempts }))
}

fn mark(conn: &mut DbConn, id: &str, claimed: &Claimed, error: Option<String>) -> db::Result<()> {
    let now: NaiveDateTime = db::now();
    // Still this server's claim: a hand-over slower than the claim may have been taken over.
    let row = outgoing_emails::table
        .find(id)
        .filter(outgoing_emails::sent_at.is_null())
        .filter(outgoing_emails::send_after.eq(claimed.until));
    let attempts = claimed.attempts + 1;
    match error {
        None => diesel::update(row)
            .set((outgoing_emails::sent_at.eq(now), outgoing_emails::attempts.eq(attempts)))
            .execute(conn)?,
        Some(error) => diesel::update(row)
            .set((
                outgoing_emails::attempts.eq(attempts),
                outgoing_emails::last_error.eq(error),
                outgoing_emails::send_after.eq(now + retry_after(attempts)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// The running sender of [`start`]; dropping it stops the task.
pub struct SenderTask(tokio::task::JoinHandle<()>);

impl Drop for SenderTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::{Mailer, QueuedEmail, retry_after};

    fn row(from_name: Option<&str>, reply_to: Option<&str>, html: Option<&str>) -> QueuedEmail {
        QueuedEmail {
            id: "1".into(),
            to_address: "ann@example.com".into(),
            subject: "Your order".into(),
            body: "Hello Ann,\n".into(),
            from_name: from_name.map(str::to_string),
            reply_to: reply_to.map(str::to_string),
            html_body: html.map(str::to_string),
            attachment_name: None,
            attachment_type: None,
            attachment: None,
        }
    }

    fn formatted(mailer: &Mailer, row: &QueuedEmail) -> String {
        let to = row.to_address.parse().unwrap();
        String::from_utf8(mailer.message(row, to).unwrap().formatted()).unwrap()
    }

    #[test]
    fn a_message_speaks_as_the_studio_from_mail_froms_address_in_text_then_html() {
        let mailer = Mailer::from_config(&crate::config::Config::default()).unwrap();
        let styled =
            row(Some("Park & <Lane>"), Some("hello@park.example"), Some("<p>Hello Ann,</p>"));
        let message = formatted(&mailer, &styled);
        // The name with `<` in it goes as an encoded word (base64 of "Park & <Lane>").
        let from = "From: =?utf-8?b?UGFyayAmIDxMYW5lPg==?= <proofroom@localhost>\r\n";
        assert!(message.contains(from), "{message}");
        assert!(message.contains("Reply-To: hello@park.example\r\n"), "{message}");
        assert!(message.contains("Content-Type: multipart/alternative;"), "{message}");
        let plain = message.find("Content-Type: text/plain").expect("a text part");
        let html = message.find("Content-Type: text/html").expect("an HTML part");
        assert!(plain < html, "the text first: {message}");

        // A row queued before the studio's columns: plain text from mail_from, as before.
        let message = formatted(&mailer, &row(None, None, None));
        assert!(message.contains("From: Proofroom <proofroom@localhost>\r\n"), "{message}");
        assert!(!message.contains("Reply-To") && !message.contains("multipart"), "{message}");
        assert!(message.contains("Content-Type: text/plain"), "{message}");
    }

    #[test]
    fn retries_slow_down_to_an_hour() {
        assert_eq!(retry_after(1).num_seconds(), 30);
        assert_eq!(retry_after(2).num_seconds(), 120);
        assert_eq!(retry_after(100).num_seconds(), 3600);
    }
}
