//! The studio's calendar: expiry dates are days in the studio's time zone, so "today" is too.

use proofroom_wire::StudioState;

/// Today in the studio's time zone (UTC when it is unknown).
pub(crate) fn studio_today(studio: &StudioState) -> chrono::NaiveDate {
    let now = chrono::Utc::now();
    studio
        .profile
        .as_ref()
        .and_then(|p| p.time_zone.parse::<chrono_tz::Tz>().ok())
        .map_or_else(|| now.date_naive(), |tz| now.with_timezone(&tz).date_naive())
}
