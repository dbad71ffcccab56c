//! Calendar events both ways, read and written by calcard: what the studio sends (a session or
//! an appointment, with its own TZID and a VTIMEZONE for it) and what comes back from the phone
//! (its own zone kept, repeats expanded for the conflict check).

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz as CalTz;
use calcard::icalendar::dates::TimeOrDelta;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameter,
    ICalendarProperty, ICalendarRecurrenceRule, ICalendarStatus, ICalendarValue,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::collection::Outbound;
use crate::library::When;

/// A session or an appointment as it goes to a photographer's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub uid: String,
    /// `session/<id>` or `calendar/<id>`.
    pub source: String,
    pub title: String,
    pub when: When,
    pub location: Option<String>,
    pub description: Option<String>,
    pub tentative: bool,
    pub repeat: Option<ICalendarRecurrenceRule>,
}

const PRODID: &str = "-//Proofroom//Studio connector//EN";

impl Outgoing {
    /// The event as iCalendar text: DTSTART/DTEND in the event's own zone with its VTIMEZONE,
    /// and DTSTAMP when `stamp` is given.
    pub fn ics(&self, stamp: Option<DateTime<Utc>>) -> String {
        let mut event = ICalendarComponent::new(ICalendarComponentType::VEvent);
        event.add_uid(&self.uid);
        if let Some(stamp) = stamp {
            event.add_dtstamp(PartialDateTime::from_utc_timestamp(stamp.timestamp()));
        }
        let zone = self.when.time_zone.name().to_string();
        for (property, at) in [
            (ICalendarProperty::Dtstart, self.when.starts),
            (ICalendarProperty::Dtend, self.when.ends),
        ] {
            event.add_property_with_params(
                property,
                [ICalendarParameter::tzid(zone.clone())],
                local(at),
            );
        }
        event.add_property(ICalendarProperty::Summary, ICalendarValue::Text(self.title.clone()));
        if let Some(location) = &self.location {
            event.add_property(ICalendarProperty::Location, ICalendarValue::Text(location.clone()));
        }
        if let Some(description) = &self.description {
            event.add_property(
                ICalendarProperty::Description,
                ICalendarValue::Text(description.clone()),
            );
        }
        if let Some(rule) = &self.repeat {
            event.add_property(ICalendarProperty::Rrule, ICalendarValue::from(rule.clone()));
        }
        let status =
            if self.tentative { ICalendarStatus::Tentative } else { ICalendarStatus::Confirmed };
        event.add_property(ICalendarProperty::Status, ICalendarValue::Status(status));
        event.add_property(ICalendarProperty::Categories, ICalendarValue::Text("Proofroom".into()));
        let mut calendar = ICalendar {
            components: vec![ICalendarComponent::new(ICalendarComponentType::VCalendar), event],
        };
        let root = &mut calendar.components[0];
        root.add_property(ICalendarProperty::Version, ICalendarValue::Text("2.0".into()));
        root.add_property(ICalendarProperty::Prodid, ICalendarValue::Text(PRODID.into()));
        root.component_ids = vec![1];
        calendar.add_missing_timezones();
        calendar.to_string()
    }
}

/// How events are written: raise it when `ics` writes something new, so every event is sent
/// again once.
const EVENT_FORMAT: u32 = 1;

impl Outbound for Outgoing {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn source(&self) -> String {
        self.source.clone()
    }

    /// The hash of what the event says (not of its text, which takes building a VTIMEZONE).
    fn content_hash(&self) -> String {
        let rule = self.repeat.as_ref().map(ToString::to_string);
        let said = format!(
            "{EVENT_FORMAT}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{}\u{1f}{:?}",
            self.uid,
            self.title,
            self.when.starts,
            self.when.ends,
            self.when.time_zone.name(),
            self.location,
            self.description,
            self.tentative,
            rule
        );
        hex::encode(Sha256::digest(said.as_bytes()))
    }

    /// The event as it is sent, stamped now.
    fn body(&self) -> String {
        self.ics(Some(Utc::now()))
    }
}

/// A wall-clock time as a DATE-TIME without a zone of its own (the TZID parameter gives it).
fn local(at: NaiveDateTime) -> PartialDateTime {
    PartialDateTime::from_naive_timestamp(at.and_utc().timestamp())
}

/// An event read from a calendar, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remote {
    pub uid: String,
    pub title: String,
    /// Local date and time in `time_zone` (`2026-06-13 14:00`), or the date of an all-day event.
    pub starts: String,
    pub ends: String,
    /// The event's own zone, as its calendar gave it (`UTC` for times in UTC, `floating` for
    /// times without one, read in the studio's zone).
    pub time_zone: String,
    pub all_day: bool,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub tentative: bool,
    pub cancelled: bool,
    /// The RRULE of a repeating event, as written.
    pub repeat: Option<String>,
    /// Occurrences taken out (EXDATE) and moved or changed (RECURRENCE-ID), by their start.
    pub exceptions: Vec<String>,
    #[serde(skip)]
    pub starts_utc: DateTime<Utc>,
    #[serde(skip)]
    pub ends_utc: DateTime<Utc>,
}

/// Reads the first event of `data` (the series, when it repeats). `studio_zone` is where
/// floating times are.
pub fn read_remote(data: &str, studio_zone: Tz) -> Result<Remote, String> {
    let calendar = ICalendar::parse(data).map_err(|_| "not an iCalendar object".to_string())?;
    let (index, master) = calendar
        .components
        .iter()
        .enumerate()
        .find(|(_, c)| {
            c.component_type == ICalendarComponentType::VEvent
                && !c.has_property(&ICalendarProperty::RecurrenceId)
        })
        .ok_or("no event in it")?;
    let uid = master.uid().ok_or("the event has no UID")?.to_string();
    let expanded = calendar.expand_dates(CalTz::Tz(studio_zone), 1);
    let first = expanded
        .events
        .iter()
        .find(|e| e.comp_id as usize == index)
        .ok_or("the event has no usable start")?;
    let start = first.start;
    let end = match first.end {
        TimeOrDelta::Time(t) => t,
        TimeOrDelta::Delta(d) => start + d,
    };
    let dtstart = master.property(&ICalendarProperty::Dtstart);
    let all_day = dtstart
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_partial_date_time())
        .is_some_and(|p| p.hour.is_none());
    let zone = dtstart.and_then(tzid).map(str::to_string).unwrap_or_else(|| {
        let utc = dtstart
            .and_then(|e| e.values.first())
            .and_then(|v| v.as_partial_date_time())
            .is_some_and(|p| p.tz_hour == Some(0) && p.tz_minute == Some(0));
        if utc {
            "UTC".into()
        } else if all_day {
            String::new()
        } else {
            "floating".into()
        }
    });
    let shown = |t: DateTime<CalTz>| {
        if all_day {
            t.naive_local().format("%Y-%m-%d").to_string()
        } else {
            t.naive_local().format("%Y-%m-%d %H:%M").to_string()
        }
    };
    let text = |p: ICalendarProperty| {
        master
            .property(&p)
            .and_then(|e| e.values.first())
            .and_then(|v| v.as_text())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let mut exceptions: Vec<String> = master
        .properties(&ICalendarProperty::Exdate)
        .flat_map(|e| e.values.iter())
        .filter_map(|v| v.as_partial_date_time())
        .filter_map(|p| p.to_date_time())
        .map(|d| d.date_time.format("%Y-%m-%d %H:%M").to_string())
        .collect();
    exceptions.extend(
        calendar
            .components
            .iter()
            .filter(|c| c.uid() == Some(uid.as_str()))
            .filter_map(|c| c.property(&ICalendarProperty::RecurrenceId))
            .filter_map(|e| e.values.first()?.as_partial_date_time()?.to_date_time())
            .map(|d| d.date_time.format("%Y-%m-%d %H:%M").to_string()),
    );
    Ok(Remote {
        title: text(ICalendarProperty::Summary).unwrap_or_else(|| "(no title)".into()),
        starts: shown(start),
        ends: shown(end),
        time_zone: zone,
        all_day,
        location: text(ICalendarProperty::Location),
        notes: text(ICalendarProperty::Description),
        tentative: master.status() == Some(&ICalendarStatus::Tentative),
        cancelled: master.status() == Some(&ICalendarStatus::Cancelled),
        repeat: master.property(&ICalendarProperty::Rrule).and_then(|e| e.values.first()).and_then(
            |v| match v {
                ICalendarValue::RecurrenceRule(rule) => Some(rule.to_string()),
                _ => None,
            },
        ),
        exceptions,
        starts_utc: start.with_timezone(&Utc),
        ends_utc: end.with_timezone(&Utc),
        uid,
    })
}

/// Whether the phone's version of a studio event says something else about when or where.
pub fn differs(event: &Outgoing, remote: &Remote) -> bool {
    let ours = (
        event.when.starts.format("%Y-%m-%d %H:%M").to_string(),
        event.when.ends.format("%Y-%m-%d %H:%M").to_string(),
    );
    let same_times = if remote.time_zone == event.when.time_zone.name() {
        (remote.starts.clone(), remote.ends.clone()) == ours
    } else {
        remote.starts_utc == event.when.starts_utc() && remote.ends_utc == event.when.ends_utc()
    };
    !same_times || remote.title != event.title || remote.location != event.location
}

fn tzid(entry: &ICalendarEntry) -> Option<&str> {
    entry
        .params
        .iter()
        .find(|p| p.name == calcard::icalendar::ICalendarParameterName::Tzid)
        .and_then(|p| p.value.as_text())
}

/// Every occurrence of the events in `data` that overlaps `from..to`, repeats expanded (with
/// their exceptions) and each in its own zone, as UTC instants.
pub fn occurrences(
    data: &str,
    studio_zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let Ok(calendar) = ICalendar::parse(data) else { return Vec::new() };
    let cancelled: Vec<usize> = calendar
        .components
        .iter()
        .enumerate()
        .filter(|(_, c)| c.status() == Some(&ICalendarStatus::Cancelled))
        .map(|(i, _)| i)
        .collect();
    calendar
        .expand_dates(CalTz::Tz(studio_zone), 5000)
        .events
        .into_iter()
        .filter(|e| !cancelled.contains(&(e.comp_id as usize)))
        .map(|e| {
            let end = match e.end {
                TimeOrDelta::Time(t) => t,
                TimeOrDelta::Delta(d) => e.start + d,
            };
            (e.start.with_timezone(&Utc), end.with_timezone(&Utc))
        })
        .filter(|(start, end)| *end > from && *start < to)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::recurrence_rule;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn wedding() -> Outgoing {
        Outgoing {
            uid: "session-2026-0412@maplelane.example".into(),
            source: "session/2026-0412".into(),
            title: "Smith wedding".into(),
            when: When {
                starts: at("2026-03-08 01:30"),
                ends: at("2026-03-08 04:30"),
                time_zone: chrono_tz::America::Chicago,
            },
            location: Some("Rose Garden, 12 Main St".into()),
            description: Some("Ann Smith, +1 555 0100".into()),
            tentative: false,
            repeat: None,
        }
    }

    #[test]
    fn an_outgoing_event_keeps_its_zone_and_reads_back_the_same() {
        let ics = wedding().ics(Some(Utc::now()));
        assert!(ics.contains("DTSTART;TZID=America/Chicago:20260308T013000"), "{ics}");
        assert!(ics.contains("BEGIN:VTIMEZONE"), "{ics}");
        let back = read_remote(&ics, chrono_tz::Europe::Lisbon).unwrap();
        assert_eq!(back.uid, "session-2026-0412@maplelane.example");
        assert_eq!(
            (back.starts.as_str(), back.ends.as_str()),
            ("2026-03-08 01:30", "2026-03-08 04:30")
        );
        assert_eq!(back.time_zone, "America/Chicago");
        // Across the night clocks go forward: 3 hours on the clock are 2 hours long.
        assert_eq!(back.ends_utc - back.starts_utc, chrono::Duration::hours(2));
        assert_eq!(back.location.as_deref(), Some("Rose Garden, 12 Main St"));
        assert_eq!(wedding().content_hash(), wedding().content_hash(), "no stamp in the hash");
        let mut moved = wedding();
        moved.when.starts = at("2026-03-08 01:45");
        assert_ne!(moved.content_hash(), wedding().content_hash());
    }

    #[test]
    fn a_weekly_event_with_an_exception_expands_without_it() {
        let mut weekly = wedding();
        weekly.when = When {
            starts: at("2026-06-02 09:00"),
            ends: at("2026-06-02 10:00"),
            time_zone: chrono_tz::America::Chicago,
        };
        weekly.repeat = recurrence_rule("FREQ=WEEKLY;COUNT=4");
        let ics = weekly
            .ics(None)
            .replace("END:VEVENT", "EXDATE;TZID=America/Chicago:20260609T090000\r\nEND:VEVENT");
        let from = Utc::now() - chrono::Duration::days(3650);
        let to = Utc::now() + chrono::Duration::days(3650);
        let found = occurrences(&ics, chrono_tz::UTC, from, to);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0.to_rfc3339(), "2026-06-02T14:00:00+00:00");
        assert_eq!(found[1].0.to_rfc3339(), "2026-06-16T14:00:00+00:00");
        let remote = read_remote(&ics, chrono_tz::UTC).unwrap();
        assert_eq!(remote.repeat.as_deref(), Some("FREQ=WEEKLY;COUNT=4"));
        assert_eq!(remote.exceptions, vec!["2026-06-09 09:00"]);
    }
}
