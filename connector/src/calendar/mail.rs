//! The calendar sync's emails, by the studio's SMTP server (`[smtp]` of connector.toml): a
//! warning to a user's `warnings_to` when their sync failed or their calendar clashes with a
//! session — once per new warning, not every 15 minutes — and, when wanted, a report to
//! `report_to` of each sync that moved something.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::accounts::{Smtp, User};
use crate::state::{State, StateError};

/// What one user's sync has to say by email.
#[derive(Debug, Default)]
pub struct UserNews {
    /// Why the sync failed, if it did.
    pub error: Option<String>,
    /// Clashes of their appointments with their sessions, one line each.
    pub clashes: Vec<String>,
    /// The sync's line, and whether it moved anything (for the report).
    pub line: String,
    pub moved: bool,
}

/// Sends each user's warning (when it is new) and report; answers what could not be sent.
pub async fn send(
    smtp: &Smtp,
    state: &mut State,
    users: &[(&User, UserNews)],
) -> Result<Vec<String>, StateError> {
    let mut failed = Vec::new();
    let transport = match transport(smtp) {
        Ok(t) => t,
        Err(e) => {
            failed.push(format!("cannot use [smtp] of connector.toml: {e}"));
            return Ok(failed);
        }
    };
    let from: Mailbox = match smtp.from.parse() {
        Ok(from) => from,
        Err(e) => {
            failed.push(format!("[smtp] from \"{}\": {e}", smtp.from));
            return Ok(failed);
        }
    };
    for (user, news) in users {
        if let Some(to) = &user.warnings_to {
            let body = warning(user, news);
            let cursor = format!("calendar-warning-{}", user.id);
            let hash = body.as_deref().map_or(0, fingerprint);
            if state.cursor(&cursor)? != hash {
                if let Some(body) = &body {
                    let subject = if news.error.is_some() {
                        format!("Calendar sync for {} failed", user.name)
                    } else {
                        format!("Calendar clash for {}", user.name)
                    };
                    if let Err(e) = deliver(&transport, &from, to, &subject, body).await {
                        failed.push(format!("{}: cannot email the warning to {to}: {e}", user.id));
                        continue;
                    }
                }
                state.set_cursor(&cursor, hash)?;
            }
        }
        if let (Some(to), true) = (&user.report_to, news.moved) {
            let subject = format!("Calendar sync for {}", user.name);
            let mut body = format!("{}\n", news.line);
            for clash in &news.clashes {
                body.push_str(&format!("clash: {clash}\n"));
            }
            if let Err(e) = deliver(&transport, &from, to, &subject, &body).await {
                failed.push(format!("{}: cannot email the report to {to}: {e}", user.id));
            }
        }
    }
    Ok(failed)
}

/// The warning's text, or none when all is well.
fn warning(user: &User, news: &UserNews) -> Option<String> {
    let mut text = String::new();
    if let Some(error) = &news.error {
        text.push_str(&format!(
            "The studio's connector could not sync {}'s calendar:\n\n  {error}\n\n\
             It tries again at every sync. If the password changed, put the new one (an app \
             password for iCloud or Fastmail) in the password file named in connector.toml; \
             for a Google account, run `proofroom-connector calendar authorize {}` again.\n",
            user.name, user.id
        ));
    }
    if !news.clashes.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!(
            "Appointments on {}'s calendar overlap sessions of the studio:\n\n",
            user.name
        ));
        for clash in &news.clashes {
            text.push_str(&format!("  {clash}\n"));
        }
        text.push_str("\nThe list is in the studio library's inbox/conflicts.csv.\n");
    }
    (!text.is_empty()).then_some(text)
}

/// A warning's fingerprint, so the same warning is sent once (0 is "nothing to warn of").
fn fingerprint(text: &str) -> i64 {
    let digest = Sha256::digest(text.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes).max(1)
}

fn transport(smtp: &Smtp) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)
        .map_err(|e| e.to_string())?
        .timeout(Some(Duration::from_secs(30)));
    if let Some(user_name) = &smtp.user_name {
        let password = match &smtp.password_file {
            Some(file) => std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?
                .trim()
                .to_string(),
            None => String::new(),
        };
        builder = builder.credentials(Credentials::new(user_name.clone(), password));
    }
    Ok(builder.build())
}

async fn deliver(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    let to: Mailbox = to.parse().map_err(|e| format!("\"{to}\": {e}"))?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .body(body.to_string())
        .map_err(|e| e.to_string())?;
    transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
}
