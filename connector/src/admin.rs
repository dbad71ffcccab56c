//! The studio's one-off commands: `reset-login CLIENT`, `extend` / `expire SESSION`, and
//! `take-down`.

use std::io::{BufRead, IsTerminal, Write};

use proofroom_wire::{ExpiryChange, SessionList, SessionSummary, StudioState, paths};

use crate::api::{self, Api};
use crate::push::{fatal, options_config};
use crate::sync::SyncError;
use crate::{ItemError, PushError, PushOptions};

fn connect(options: &PushOptions) -> Result<Api, SyncError> {
    if !options.library.is_dir() {
        let path = options.library.clone();
        return Err(PushError::Library(crate::LibraryError::NotAFolder { path }).into());
    }
    let config = options_config(options).map_err(PushError::from)?;
    Ok(Api::new(&config).map_err(|e| PushError::Client(e.to_string()))?)
}

/// Puts a client's sign-in back to their email and last name, signing them out everywhere.
pub async fn reset_login(options: PushOptions, client_id: &str) -> Result<(), SyncError> {
    let api = connect(&options)?;
    api.post_empty(&api::reset_login_path(client_id)).await.map_err(|f| fatal(&api, f))?;
    Ok(())
}

/// Moves a session's expiry date on the server; answers the session as it is now.
pub async fn change_expiry(
    options: PushOptions,
    session_id: &str,
    change: &ExpiryChange,
) -> Result<SessionSummary, SyncError> {
    let api = connect(&options)?;
    let path = format!("{}/expiry", api::session_path(session_id));
    api.put(&path, change).await.map_err(|f| match f.status().map(|s| s.as_u16()) {
        // No such session, or a date out of range: the command line asked for it.
        Some(404 | 422) => SyncError::Usage(f.to_string()),
        _ => fatal(&api, f).into(),
    })
}

/// What to take down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeDownWhich {
    /// Every session online whose gallery has expired.
    Expired,
    /// These sessions (the studio's ids), expired or not.
    Named(Vec<String>),
}

/// What `take-down` did.
#[derive(Debug, Default)]
pub struct TakeDown {
    pub removed: Vec<String>,
    pub errors: Vec<ItemError>,
    /// The studio answered no at the question.
    pub declined: bool,
}

/// Lists the sessions to remove and, once confirmed (`yes`, or an answer at the terminal),
/// removes them and their files from the server. The library is not touched.
pub async fn take_down(
    options: PushOptions,
    which: TakeDownWhich,
    yes: bool,
) -> Result<TakeDown, SyncError> {
    let api = connect(&options)?;
    let studio: StudioState = api.get(paths::STUDIO).await.map_err(|f| fatal(&api, f))?;
    let sessions: SessionList = api.get(paths::SESSIONS).await.map_err(|f| fatal(&api, f))?;
    let today = crate::status::studio_today(&studio);
    let chosen: Vec<&SessionSummary> = match &which {
        TakeDownWhich::Expired => {
            sessions.sessions.iter().filter(|s| s.expires_on < today).collect()
        }
        TakeDownWhich::Named(ids) => {
            let unknown: Vec<&str> = ids
                .iter()
                .filter(|id| !sessions.sessions.iter().any(|s| &s.id == *id))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                return Err(SyncError::Usage(format!(
                    "not online: {}; `status` lists the sessions online",
                    unknown.join(", ")
                )));
            }
            sessions.sessions.iter().filter(|s| ids.contains(&s.id)).collect()
        }
    };
    let mut report = TakeDown::default();
    if chosen.is_empty() {
        println!("no expired session is online");
        return Ok(report);
    }
    let images: i64 = chosen.iter().map(|s| s.image_count).sum();
    println!("{} sessions, {images} images, will be removed from the server:", chosen.len());
    for s in &chosen {
        let when = if s.expires_on < today { "expired" } else { "expires" };
        println!(
            "  {} ({}): {when} {}, {} images",
            s.id, s.description, s.expires_on, s.image_count
        );
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(SyncError::Usage(
                "take-down asks before it removes anything; answer at a terminal or add --yes"
                    .to_string(),
            ));
        }
        print!("Remove them? Type yes to go on: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim().to_lowercase().as_str(), "yes" | "y") {
            println!("nothing removed");
            report.declined = true;
            return Ok(report);
        }
    }
    for s in chosen {
        match api.delete(&api::session_path(&s.id)).await {
            Ok(()) => {
                println!("removed {}", s.id);
                report.removed.push(s.id.clone());
            }
            Err(f) => {
                let error = ItemError::new(format!("sessions/{}", s.id), f.to_string());
                eprintln!("error: {error}");
                report.errors.push(error);
            }
        }
    }
    Ok(report)
}
