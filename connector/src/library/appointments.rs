//! `calendar/<id>.toml`: the studio's appointments that are not photo sessions (a consultation,
//! a viewing, studio cleaning), on the calendars of the staff they name.

use calcard::icalendar::{ICalendar, ICalendarProperty, ICalendarRecurrenceRule, ICalendarValue};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use super::check::Problems;
use super::schedule::{self, RawWhen, When};
use crate::ItemError;
use crate::manifest::LocalDateTime;

/// One `calendar/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// The file name without `.toml`.
    pub id: String,
    pub title: String,
    pub when: When,
    pub staff: Vec<String>,
    /// The client it is with (a `clients/` or session client id), for the event's notes.
    pub client: Option<String>,
    /// Pencilled in, not confirmed: the calendar shows it as tentative.
    pub tentative: bool,
    /// `repeat = "FREQ=WEEKLY;BYDAY=TU"`: an RRULE (RFC 5545), checked when read.
    pub repeat: Option<ICalendarRecurrenceRule>,
    pub location: Option<String>,
    pub notes: Option<String>,
}

impl Appointment {
    /// `calendar/<id>.toml`.
    pub fn item(&self) -> String {
        format!("calendar/{}.toml", self.id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppointment {
    title: Spanned<String>,
    starts: Spanned<LocalDateTime>,
    ends: Spanned<LocalDateTime>,
    time_zone: Option<Spanned<String>>,
    #[serde(default)]
    staff: Vec<Spanned<String>>,
    client: Option<Spanned<String>>,
    #[serde(default)]
    tentative: bool,
    repeat: Option<Spanned<String>>,
    location: Option<String>,
    notes: Option<String>,
}

/// Parses `calendar/<id>.toml` (its text given); `studio_zone` is the zone of times given
/// without one.
pub fn parse_appointment(
    id: &str,
    text: &str,
    studio_zone: Option<Tz>,
) -> Result<Appointment, Vec<ItemError>> {
    let mut p = Problems::new(format!("calendar/{id}.toml"), text);
    let raw: RawAppointment = p.parse()?;
    let title = p.required_text(&raw.title, "title");
    let when = RawWhen {
        starts: Some(&raw.starts),
        ends: Some(&raw.ends),
        time_zone: raw.time_zone.as_ref(),
    };
    let when = schedule::when(&mut p, when, studio_zone);
    let staff = schedule::staff(&mut p, &raw.staff);
    if raw.staff.is_empty() {
        p.add(raw.title.span(), "staff", "needed: the user ids whose calendars show it");
    }
    let repeat = raw.repeat.as_ref().and_then(|rule| {
        let parsed = recurrence_rule(rule.get_ref());
        if parsed.is_none() {
            p.add(
                rule.span(),
                "repeat",
                format!(
                    "expected a repeat rule like \"FREQ=WEEKLY;BYDAY=TU;COUNT=10\", found \"{}\"",
                    rule.get_ref()
                ),
            );
        }
        parsed
    });
    let client = raw.client.as_ref().map(|c| p.required_text(c, "client"));
    let Some(when) = when else {
        return Err(p.result(()).err().unwrap_or_default());
    };
    p.result(Appointment {
        id: id.to_string(),
        title,
        when,
        staff,
        client,
        tentative: raw.tentative,
        repeat,
        location: schedule::text(raw.location),
        notes: schedule::text(raw.notes),
    })
}

/// An RRULE value (`FREQ=…;…`) as calcard reads it, or none when it is not one.
pub fn recurrence_rule(text: &str) -> Option<ICalendarRecurrenceRule> {
    let text = text.trim();
    let text = text.strip_prefix("RRULE:").unwrap_or(text);
    if text.is_empty()
        || text.contains(['\r', '\n'])
        || !text.to_ascii_uppercase().contains("FREQ=")
    {
        return None;
    }
    let ics = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:{text}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let calendar = ICalendar::parse(&ics).ok()?;
    let event = calendar.components.iter().find(|c| c.has_property(&ICalendarProperty::Rrule))?;
    match event.property(&ICalendarProperty::Rrule)?.values.first()? {
        ICalendarValue::RecurrenceRule(rule) => Some((**rule).clone()),
        _ => None,
    }
}
