//! When and where a session or an appointment happens, and who works it: `starts`, `ends`
//! (wall-clock times), `time_zone` (the studio's unless given), `location` and `staff` — what the
//! calendar sync sends to each photographer's own calendar.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use toml::Spanned;

use super::check::Problems;
use crate::manifest::LocalDateTime;

/// Wall-clock start and end in one zone. The zone travels with the event to the calendar
/// (`DTSTART;TZID=…`), so a phone set to another zone shows the same instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When {
    pub starts: NaiveDateTime,
    pub ends: NaiveDateTime,
    pub time_zone: Tz,
}

impl When {
    pub fn starts_utc(&self) -> DateTime<Utc> {
        instant(self.time_zone, self.starts)
    }

    pub fn ends_utc(&self) -> DateTime<Utc> {
        instant(self.time_zone, self.ends)
    }
}

/// The instant a wall-clock time names; in the hour clocks go back, the first of the two.
fn instant(zone: Tz, at: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&at) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        // Checked when read (`when`); kept total for callers.
        LocalResult::None => Utc.from_utc_datetime(&at),
    }
}

/// The schedule fields as a manifest writes them.
pub(super) struct RawWhen<'a> {
    pub starts: Option<&'a Spanned<LocalDateTime>>,
    pub ends: Option<&'a Spanned<LocalDateTime>>,
    pub time_zone: Option<&'a Spanned<String>>,
}

/// Checks `starts`/`ends`/`time_zone`: both times or neither, the end after the start, a zone
/// from the time zone database, and times that exist there (not in the hour skipped when clocks
/// go forward). `studio_zone` is used when no `time_zone` is given.
pub(super) fn when(
    p: &mut Problems<'_>,
    raw: RawWhen<'_>,
    studio_zone: Option<Tz>,
) -> Option<When> {
    let (starts, ends) = match (raw.starts, raw.ends) {
        (None, None) => {
            if let Some(zone) = raw.time_zone {
                p.add(zone.span(), "time_zone", "needs `starts` and `ends`");
            }
            return None;
        }
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => {
            p.add(s.span(), "ends", "needed with `starts`: when the appointment is over");
            return None;
        }
        (None, Some(e)) => {
            p.add(e.span(), "starts", "needed with `ends`");
            return None;
        }
    };
    let time_zone = match raw.time_zone {
        Some(zone) => match Tz::from_str(zone.get_ref().trim()) {
            Ok(tz) => tz,
            Err(_) => {
                p.add(
                    zone.span(),
                    "time_zone",
                    format!(
                        "expected a time zone name like \"America/Chicago\", found \"{}\"",
                        zone.get_ref()
                    ),
                );
                return None;
            }
        },
        None => match studio_zone {
            Some(tz) => tz,
            None => {
                p.add(
                    starts.span(),
                    "time_zone",
                    "needed here: studio.toml has no usable time zone",
                );
                return None;
            }
        },
    };
    let mut ok = true;
    for (field, at) in [("starts", starts), ("ends", ends)] {
        if let LocalResult::None = time_zone.from_local_datetime(&at.get_ref().0) {
            p.add(
                at.span(),
                field,
                format!(
                    "{} does not exist in {time_zone}: the clocks skip that hour",
                    at.get_ref().0.format("%Y-%m-%d %H:%M")
                ),
            );
            ok = false;
        }
    }
    let when = When { starts: starts.get_ref().0, ends: ends.get_ref().0, time_zone };
    if ok && when.ends_utc() <= when.starts_utc() {
        p.add(ends.span(), "ends", "must be after `starts`");
        ok = false;
    }
    ok.then_some(when)
}

/// `staff = ["anna", "ben"]`: user ids (connector.toml `[[users]]`), each once.
pub(super) fn staff(p: &mut Problems<'_>, raw: &[Spanned<String>]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut staff = Vec::new();
    for id in raw {
        let text = p.required_text(id, "staff");
        p.once(&mut seen, text.clone(), &text, id.span(), "staff");
        if !text.is_empty() {
            staff.push(text);
        }
    }
    staff
}

/// Optional free text, trimmed; empty is none.
pub(super) fn text(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}
