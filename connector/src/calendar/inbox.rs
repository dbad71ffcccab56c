//! What the calendar sync brings back, in the studio's inbox: appointments made on a phone
//! (`inbox/appointments/<uid>.json` and the `.ics`), studio sessions changed there (proposed
//! changes, `inbox/session-changes/`), and the clashes between the two (`inbox/conflicts.csv`).
//! The library stays the studio's: the sync writes only here. Every file is named by what it
//! holds, so a sync run again writes the same files, and `tasks.csv` gets each line once.

use std::io;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::cards::Contact;
use super::events::{Outgoing, Remote, occurrences};
use super::user::CalendarCounts;
use crate::accounts::User;
use crate::inbox::{Inbox, csv_line, json, safe_name};
use crate::library::Library;
use crate::state::{Origin, State};

#[derive(Serialize)]
struct AppointmentFile<'a> {
    #[serde(flatten)]
    remote: &'a Remote,
    /// Whose calendar it was made on.
    user: &'a str,
    user_name: &'a str,
    /// Put `appointment = "<uid>"` in a session.toml to make it that session.
    link_with: String,
}

#[derive(Serialize)]
struct Times<'a> {
    title: &'a str,
    starts: String,
    ends: String,
    time_zone: String,
    location: Option<&'a str>,
}

#[derive(Serialize)]
struct ProposedChange<'a> {
    /// `session/<id>` or `calendar/<id>`: the library file it would change.
    source: &'a str,
    uid: &'a str,
    user: &'a str,
    studio: Times<'a>,
    phone: Times<'a>,
}

fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..6])
}

fn now() -> String {
    Utc::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

#[derive(Serialize)]
struct ContactFile<'a> {
    #[serde(flatten)]
    contact: &'a Contact,
    /// Whose address book it was added to, and the client group it belongs to.
    user: &'a str,
    group: &'a str,
}

/// Writes what one user's calendar brought back: appointments and proposed changes; answers
/// the files and folders written to.
pub fn write_calendar(
    inbox: &Inbox,
    user: &User,
    counts: &CalendarCounts,
) -> io::Result<Vec<String>> {
    let mut written = Vec::new();
    for (remote, ics, known) in &counts.appointments {
        let name = safe_name(&remote.uid);
        let file = AppointmentFile {
            remote,
            user: &user.id,
            user_name: &user.name,
            link_with: format!("appointment = \"{}\"", remote.uid),
        };
        inbox.put(&format!("appointments/{name}.ics"), ics.as_bytes())?;
        inbox.put(&format!("appointments/{name}.json"), &json(&file)?)?;
        let what = format!(
            "{} on {}'s calendar: {}, {} to {}{} (inbox/appointments/{name}.json)",
            match (remote.cancelled, known) {
                (true, _) => "Cancelled appointment",
                (false, true) => "Changed appointment",
                (false, false) => "New appointment",
            },
            user.name,
            remote.title,
            remote.starts,
            remote.ends,
            zone_note(&remote.time_zone),
        );
        let task = format!("appointment-{}", short_hash(ics));
        inbox.add_task(&task, &now(), "appointment", "", &what)?;
    }
    for uid in &counts.cancelled {
        let name = safe_name(uid);
        let what = format!(
            "Appointment deleted on {}'s calendar (inbox/appointments/{name}.json)",
            user.name
        );
        inbox.add_task(
            &format!("appointment-gone-{}", short_hash(uid)),
            &now(),
            "appointment",
            "",
            &what,
        )?;
    }
    if !counts.appointments.is_empty() || !counts.cancelled.is_empty() {
        written.push("inbox/appointments".to_string());
    }
    for (event, remote) in &counts.proposed {
        let change = ProposedChange {
            source: &event.source,
            uid: &event.uid,
            user: &user.id,
            studio: Times {
                title: &event.title,
                starts: event.when.starts.format("%Y-%m-%d %H:%M").to_string(),
                ends: event.when.ends.format("%Y-%m-%d %H:%M").to_string(),
                time_zone: event.when.time_zone.name().to_string(),
                location: event.location.as_deref(),
            },
            phone: Times {
                title: &remote.title,
                starts: remote.starts.clone(),
                ends: remote.ends.clone(),
                time_zone: remote.time_zone.clone(),
                location: remote.location.as_deref(),
            },
        };
        let bytes = json(&change)?;
        let id = event.source.rsplit('/').next().unwrap_or(&event.source);
        let hash = short_hash(&String::from_utf8_lossy(&bytes));
        let file = format!("session-changes/{}-{hash}.json", safe_name(id));
        inbox.put(&file, &bytes)?;
        let session = if event.source.starts_with("session/") { id } else { "" };
        let mut what_changed = Vec::new();
        if (change.studio.starts.as_str(), change.studio.ends.as_str())
            != (remote.starts.as_str(), remote.ends.as_str())
            || change.studio.time_zone != remote.time_zone
        {
            what_changed.push(format!(
                "moved it from {} to {}{}",
                change.studio.starts,
                remote.starts,
                zone_note(&remote.time_zone)
            ));
        }
        if remote.title != event.title {
            what_changed.push(format!("renamed it \"{}\"", remote.title));
        }
        if remote.location != event.location {
            what_changed.push(match &remote.location {
                Some(place) => format!("set its place to \"{place}\""),
                None => "took its place away".to_string(),
            });
        }
        let what = format!(
            "{} {} on their calendar; the library is unchanged until you change it (inbox/{file}, \"{}\")",
            user.name,
            what_changed.join(" and "),
            event.title,
        );
        inbox.add_task(
            &format!("calendar-change-{hash}"),
            &now(),
            "session-change",
            session,
            &what,
        )?;
        written.push(format!("inbox/{file}"));
    }
    Ok(written)
}

/// Writes the contacts one user added on the phone.
pub fn write_contacts(
    inbox: &Inbox,
    user: &User,
    new_contacts: &[(Contact, String, bool)],
) -> io::Result<Vec<String>> {
    let mut written = Vec::new();
    for (contact, vcf, known) in new_contacts {
        let group = user.contacts_group.as_deref().unwrap_or("");
        let name = safe_name(&contact.uid);
        inbox.put(&format!("contacts/{name}.vcf"), vcf.as_bytes())?;
        let file = ContactFile { contact, user: &user.id, group };
        inbox.put(&format!("contacts/{name}.json"), &json(&file)?)?;
        let what = format!(
            "{} on {}'s phone: {}{}: add to clients/ with groups = [\"{group}\"] (inbox/contacts/{name}.json)",
            if *known { "Changed contact" } else { "New contact" },
            user.name,
            contact.name,
            contact.emails.first().map(|e| format!(" <{e}>")).unwrap_or_default(),
        );
        inbox.add_task(&format!("contact-{}", short_hash(vcf)), &now(), "contact", "", &what)?;
    }
    if !new_contacts.is_empty() {
        written.push("inbox/contacts".to_string());
    }
    Ok(written)
}

fn zone_note(zone: &str) -> String {
    if zone.is_empty() || zone == "floating" { String::new() } else { format!(" ({zone})") }
}

/// Rebuilds `inbox/conflicts.csv`: every occurrence of an appointment made on a user's phone
/// that overlaps a studio session the same user works. Answers the rows (user first).
pub fn conflicts(
    inbox: &Inbox,
    lib: &Library,
    state: &mut State,
    users: &[User],
    zone: Tz,
) -> Result<Vec<Vec<String>>, super::CalendarError> {
    let from = Utc::now() - chrono::Duration::days(super::POPULATE_DAYS);
    let to = Utc::now() + chrono::Duration::days(3 * 366);
    let mut rows = Vec::new();
    for user in users {
        let sessions: Vec<Outgoing> = super::outgoing::for_user(lib, user, from)
            .into_iter()
            .filter(|e| e.source.starts_with("session/"))
            .collect();
        if sessions.is_empty() {
            continue;
        }
        for item in state.dav_items(&user.id, "calendar")? {
            let (Origin::Remote, Some(data)) = (item.origin, item.data.as_deref()) else {
                continue;
            };
            let Ok(remote) = super::events::read_remote(data, zone) else { continue };
            for (start, end) in occurrences(data, zone, from, to) {
                for session in &sessions {
                    if start < session.when.ends_utc() && session.when.starts_utc() < end {
                        rows.push(vec![
                            user.id.clone(),
                            remote.title.clone(),
                            remote.uid.clone(),
                            shown(start, zone),
                            shown(end, zone),
                            session.source.trim_start_matches("session/").to_string(),
                            session.title.clone(),
                            shown(session.when.starts_utc(), zone),
                            shown(session.when.ends_utc(), zone),
                        ]);
                    }
                }
            }
        }
    }
    rows.sort();
    let mut text = String::new();
    csv_line(
        &mut text,
        &[
            "user",
            "appointment",
            "appointment_uid",
            "appointment_starts",
            "appointment_ends",
            "session_id",
            "session",
            "session_starts",
            "session_ends",
        ],
    );
    for row in &rows {
        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
        csv_line(&mut text, &fields);
    }
    inbox.put("conflicts.csv", text.as_bytes())?;
    Ok(rows)
}

/// An instant in the studio's zone, as the inbox shows times.
fn shown(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}
