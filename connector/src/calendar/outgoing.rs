//! Which of the library's sessions and appointments go to a user's calendar, and what each
//! says there: the sessions and appointments they are staff on, from three months back on.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::events::Outgoing;
use crate::accounts::User;
use crate::library::Library;

/// The studio's events for `user`, each under its stable UID.
pub fn for_user(lib: &Library, user: &User, window_start: DateTime<Utc>) -> Vec<Outgoing> {
    let domain = uid_domain(lib);
    let mut events = Vec::new();
    for session in &lib.sessions {
        let Some(schedule) = &session.schedule else { continue };
        if !schedule.staff.contains(&user.id) || schedule.when.ends_utc() < window_start {
            continue;
        }
        let client = &session.upsert.client;
        let name = format!("{} {}", client.first_name, client.last_name).trim().to_string();
        let mut notes = vec![format!("Client: {name} <{}>", client.email)];
        notes.extend(client.phone.as_ref().map(|p| format!("Phone: {p}")));
        notes.push(format!("Session {} in the studio library", session.id));
        events.push(Outgoing {
            uid: schedule
                .appointment
                .clone()
                .unwrap_or_else(|| format!("proofroom-session-{}@{domain}", session.id)),
            source: format!("session/{}", session.id),
            title: format!("{} — {name}", session.upsert.description),
            when: schedule.when,
            location: schedule.location.clone(),
            description: Some(notes.join("\n")),
            tentative: false,
            repeat: None,
        });
    }
    for appointment in &lib.appointments {
        let repeats = appointment.repeat.is_some();
        if !appointment.staff.contains(&user.id)
            || (!repeats && appointment.when.ends_utc() < window_start)
        {
            continue;
        }
        let client = appointment.client.as_ref().map(|id| client_name(lib, id));
        let notes: Vec<String> = client
            .iter()
            .map(|c| format!("Client: {c}"))
            .chain(appointment.notes.clone())
            .collect();
        events.push(Outgoing {
            uid: format!("proofroom-calendar-{}@{domain}", appointment.id),
            source: format!("calendar/{}", appointment.id),
            title: appointment.title.clone(),
            when: appointment.when,
            location: appointment.location.clone(),
            description: (!notes.is_empty()).then(|| notes.join("\n")),
            tentative: appointment.tentative,
            repeat: appointment.repeat.clone(),
        });
    }
    events
}

/// The sources of `user`'s events that stay on their calendar though not sent now: every
/// session and appointment they are staff on, whenever it was, and every file with a mistake
/// (until it is fixed, what it held stays where it is).
pub fn kept_events(lib: &Library, user: &User) -> BTreeSet<String> {
    let mut keep: BTreeSet<String> = lib
        .sessions
        .iter()
        .filter(|s| s.schedule.as_ref().is_some_and(|s| s.staff.contains(&user.id)))
        .map(|s| format!("session/{}", s.id))
        .collect();
    keep.extend(
        lib.appointments
            .iter()
            .filter(|a| a.staff.contains(&user.id))
            .map(|a| format!("calendar/{}", a.id)),
    );
    keep.extend(unreadable(lib));
    keep
}

/// The sources of the library's files that could not be read: `session/<id>`, `calendar/<id>`,
/// `client/<id>`.
pub fn unreadable(lib: &Library) -> BTreeSet<String> {
    lib.errors
        .iter()
        .filter_map(|e| {
            let parts: Vec<&str> = e.item.split('/').collect();
            match parts.as_slice() {
                ["sessions", id, "session.toml"] => Some(format!("session/{id}")),
                ["calendar", file] => Some(format!("calendar/{}", file.trim_end_matches(".toml"))),
                ["clients", file] => Some(format!("client/{}", file.trim_end_matches(".toml"))),
                _ => None,
            }
        })
        .collect()
}

/// The studio's own part of every UID: its email's domain, so two studios' "2026-0412" on one
/// photographer's calendar stay two events.
pub fn uid_domain(lib: &Library) -> String {
    lib.studio
        .as_ref()
        .and_then(|s| s.profile.email.as_deref())
        .and_then(|e| e.rsplit_once('@'))
        .map(|(_, domain)| domain.trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "proofroom.studio".into())
}

/// A client's name from `clients/` or a session's `[client]`, else the id as written.
fn client_name(lib: &Library, id: &str) -> String {
    if let Some(card) = lib.clients.iter().find(|c| c.id == id) {
        return card.name.clone();
    }
    lib.sessions
        .iter()
        .map(|s| &s.upsert.client)
        .find(|c| c.id == id)
        .map(|c| format!("{} {}", c.first_name, c.last_name).trim().to_string())
        .unwrap_or_else(|| id.to_string())
}
