//! The calendar sync: each user's sessions and appointments out to the calendar on their phone,
//! and what they book there back to the inbox (`calendar sync`, and a step of `sync`).
//!
//! Each user syncs alone: one user's wrong password or a server that is down is that user's
//! error line, and the others go on. What the sync knows (UIDs, addresses, ETags, sync tokens)
//! is in `.proofroom/state.db`, so running it again, or after it was killed, adds nothing twice.

use std::path::Path;

use chrono::Utc;

use crate::Progress;
use crate::accounts::{User, load_smtp, load_users};
use crate::inbox::Inbox;
use crate::library::{Library, LibraryError, load_library};
use crate::output::Output;
use crate::state::{State, StateError};

mod cards;
mod collection;
mod dav;
mod events;
mod inbox;
mod mail;
mod oauth;
mod outgoing;
mod user;

/// How far back a first sync reaches, either way: three months.
const POPULATE_DAYS: i64 = 92;

/// What a calendar sync did, a line per user.
#[derive(Debug, Default)]
pub struct CalendarReport {
    pub lines: Vec<String>,
    /// One per user whose sync failed, and one per bad file.
    pub errors: Vec<String>,
    /// Overlaps listed in `inbox/conflicts.csv`.
    pub conflicts: usize,
    /// How many users were synced (none: connector.toml has no `[[users]]`).
    pub users: usize,
}

impl CalendarReport {
    pub fn exit_code(&self) -> u8 {
        if self.errors.is_empty() { 0 } else { 3 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error(transparent)]
    Library(#[from] LibraryError),
    #[error("{0}")]
    Users(String),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot write the inbox: {0}")]
    Inbox(#[from] std::io::Error),
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
}

/// `calendar sync [--user U]`: reads the library and syncs each user (or only `only`).
pub async fn calendar_sync(
    library: &Path,
    only: Option<&str>,
) -> Result<CalendarReport, CalendarError> {
    if !library.is_dir() {
        return Err(LibraryError::NotAFolder { path: library.to_path_buf() }.into());
    }
    // One sync at a time per library: the daemon's sync does the calendar too.
    let out = Output::new(Progress::Auto);
    let _lock = crate::lock::sync_lock(library, "calendar sync", &out).await?;
    let lib = load_library(library)?;
    let mut state = State::open(library)?;
    let mut report = sync_users(&lib, &mut state, only).await?;
    // Alone, the calendar sync tells of the library's mistakes itself (`sync` does in its push):
    // what a file with one held stays on the phones as it was until it is fixed.
    report.errors.extend(lib.errors.iter().map(ToString::to_string));
    Ok(report)
}

/// `calendar authorize USER`: signs an OAuth2 (Google) user in once, in a browser or, with
/// `on_device`, with a code entered on another device; keeps the refresh token.
pub async fn authorize(library: &Path, user: &str, on_device: bool) -> Result<(), CalendarError> {
    let users = load_users(library).map_err(|errors| {
        CalendarError::Users(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    })?;
    let user = users.iter().find(|u| u.id == user).ok_or_else(|| {
        CalendarError::Users(format!("connector.toml has no user \"{user}\" in [[users]]"))
    })?;
    let crate::accounts::Login::OAuth(client) = &user.login else {
        return Err(CalendarError::Users(format!(
            "user \"{}\" signs in with password_file; only [users.oauth] accounts are authorized",
            user.id
        )));
    };
    let done = if on_device {
        oauth::authorize_on_device(library, user, client).await
    } else {
        oauth::authorize_in_browser(library, user, client).await
    };
    done.map_err(CalendarError::Users)
}

/// (the file, the staff id) of each staff id the library names that no user has.
fn staff_without_user(lib: &Library, users: &[User]) -> Vec<(String, String)> {
    let known = |id: &String| users.iter().any(|u| &u.id == id);
    let sessions = lib
        .sessions
        .iter()
        .filter_map(|s| s.schedule.as_ref().map(|schedule| (s.manifest_item(), &schedule.staff)));
    let appointments = lib.appointments.iter().map(|a| (a.item(), &a.staff));
    sessions
        .chain(appointments)
        .flat_map(|(item, staff)| {
            staff.iter().filter(|id| !known(id)).map(move |id| (item.clone(), id.clone()))
        })
        .collect()
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Syncs the users of `connector.toml` with the library as read.
pub(crate) async fn sync_users(
    lib: &Library,
    state: &mut State,
    only: Option<&str>,
) -> Result<CalendarReport, CalendarError> {
    let users = load_users(&lib.root).map_err(|errors| {
        CalendarError::Users(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    })?;
    let users: Vec<User> = match only {
        Some(id) => {
            let user = users.into_iter().find(|u| u.id == id).ok_or_else(|| {
                CalendarError::Users(format!("connector.toml has no user \"{id}\" in [[users]]"))
            })?;
            vec![user]
        }
        None => users,
    };
    let mut report = CalendarReport { users: users.len(), ..Default::default() };
    if users.is_empty() {
        report.lines.push("calendar: no [[users]] in connector.toml; nothing to sync".into());
        return Ok(report);
    }
    let Some(zone) = lib.studio.as_ref().and_then(|s| s.zone()) else {
        let why: Vec<String> = lib
            .errors
            .iter()
            .filter(|e| e.item == "studio.toml")
            .map(ToString::to_string)
            .collect();
        return Err(CalendarError::Users(format!(
            "the calendar sync needs the studio's time zone, and studio.toml cannot be read{}",
            if why.is_empty() { String::new() } else { format!(":\n{}", why.join("\n")) }
        )));
    };
    for (item, id) in staff_without_user(lib, &load_users(&lib.root).unwrap_or_default()) {
        report.lines.push(format!(
            "note: {item} names \"{id}\" in staff, who is no user in connector.toml: it reaches no calendar"
        ));
    }
    let inbox = Inbox::new(&lib.root);
    let window_start = Utc::now() - chrono::Duration::days(POPULATE_DAYS);
    let mut news = Vec::new();
    for user in &users {
        let mut said = mail::UserNews::default();
        match user::sync_user(state, &inbox, lib, user, zone, window_start).await {
            Ok(counts) => {
                let written = &counts.written;
                let c = &counts.calendar;
                let mut line = format!(
                    "{}: calendar — {} sent, {} updated, {} removed; {} and {} back",
                    user.id,
                    c.sent,
                    c.updated,
                    c.removed,
                    count(c.appointments.len(), "appointment", "appointments"),
                    count(c.proposed.len(), "proposed change", "proposed changes"),
                );
                said.moved =
                    c.sent + c.updated + c.removed + c.appointments.len() + c.proposed.len() > 0;
                if let Some(k) = &counts.contacts {
                    line.push_str(&format!(
                        "; contacts — {} sent, {} updated, {} removed; {} back",
                        k.sent,
                        k.updated,
                        k.removed,
                        count(k.new.len(), "contact", "contacts"),
                    ));
                    said.moved |= k.sent + k.updated + k.removed + k.new.len() > 0;
                }
                if !written.is_empty() {
                    line.push_str(&format!(" ({})", written.join(", ")));
                }
                said.line = line.clone();
                report.lines.push(line);
            }
            Err(e) => {
                report.errors.push(format!("{}: {e}", user.id));
                said.error = Some(e.to_string());
            }
        }
        news.push((user, said));
    }
    // The clash list covers every user, also when only one was synced.
    let everyone =
        if only.is_some() { load_users(&lib.root).unwrap_or_default() } else { users.clone() };
    let clashes = inbox::conflicts(&inbox, lib, state, &everyone, zone)?;
    report.conflicts = clashes.len();
    if report.conflicts > 0 {
        report.lines.push(format!(
            "calendar: {} clash{} between appointments and sessions (inbox/conflicts.csv)",
            report.conflicts,
            if report.conflicts == 1 { "" } else { "es" }
        ));
    }
    for row in &clashes {
        if let (Some((_, said)), [_, title, _, starts, _, session, _, session_starts, ..]) =
            (news.iter_mut().find(|(u, _)| u.id == row[0]), row.as_slice())
        {
            said.clashes.push(format!(
                "{title} at {starts} overlaps session {session} at {session_starts}"
            ));
        }
    }
    match load_smtp(&lib.root) {
        Ok(Some(smtp)) => report.errors.extend(mail::send(&smtp, state, &news).await?),
        Ok(None) => {
            if news.iter().any(|(u, n)| {
                u.warnings_to.is_some() && (n.error.is_some() || !n.clashes.is_empty())
            }) {
                report.lines.push(
                    "calendar: warnings are not emailed: connector.toml has no [smtp]".into(),
                );
            }
        }
        Err(e) => report.errors.push(e.to_string()),
    }
    Ok(report)
}
