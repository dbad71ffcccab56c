//! Download links: `/events/{event}/downloads/{image}?until=…&sig=…` for one photo and
//! `/events/{event}/downloads/all.zip?until=…&sig=…` for all of them. The signature (HMAC under
//! the site key) binds the person, the event, the photo and the moment the link stops working,
//! so a link pasted into a chat works for nobody else and not for long. It is checked after
//! the person's sign-in and allowance, never instead of them.

use subtle::ConstantTimeEq;

use crate::auth::browser_session::{Signing, SiteKey};

/// What a link downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    Photo(&'a str),
    All,
}

impl Target<'_> {
    fn as_str(&self) -> &str {
        match self {
            Target::Photo(id) => id,
            Target::All => "*",
        }
    }
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Made for this person and file, but its time is up.
    Expired,
    /// Not made by this site for this person and file (altered, or someone else's).
    Forged,
}

fn signature(
    key: &SiteKey,
    person_id: &str,
    event_id: &str,
    target: Target<'_>,
    until: i64,
) -> String {
    key.sign(
        Signing::DownloadLink,
        &format!("{person_id}\n{event_id}\n{}\n{until}", target.as_str()),
    )
}

/// The link for `target`, working until the Unix time `until`.
pub fn url(
    key: &SiteKey,
    person_id: &str,
    event_id: &str,
    target: Target<'_>,
    until: i64,
) -> String {
    let sig = signature(key, person_id, event_id, target, until);
    let file = match target {
        Target::Photo(id) => id,
        Target::All => "all.zip",
    };
    format!("/events/{event_id}/downloads/{file}?until={until}&sig={sig}")
}

/// Checks a link's `until` and `sig` at the Unix time `now`.
pub fn check(
    key: &SiteKey,
    person_id: &str,
    event_id: &str,
    target: Target<'_>,
    until: &str,
    sig: &str,
    now: i64,
) -> Result<(), Refusal> {
    let until: i64 = until.trim().parse().map_err(|_| Refusal::Forged)?;
    let expected = signature(key, person_id, event_id, target, until);
    if !bool::from(expected.as_bytes().ct_eq(sig.trim().as_bytes())) {
        return Err(Refusal::Forged);
    }
    if now >= until {
        return Err(Refusal::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SiteKey {
        SiteKey::from_secret("test secret")
    }

    fn parts(url: &str) -> (String, String) {
        let query = url.split_once('?').unwrap().1;
        let mut until = String::new();
        let mut sig = String::new();
        for pair in query.split('&') {
            match pair.split_once('=').unwrap() {
                ("until", v) => until = v.into(),
                ("sig", v) => sig = v.into(),
                _ => {}
            }
        }
        (until, sig)
    }

    #[test]
    fn a_link_works_for_its_person_and_file_until_its_time() {
        let k = key();
        let url = url(&k, "ann", "ev1", Target::Photo("img1"), 1_000);
        assert!(url.starts_with("/events/ev1/downloads/img1?until=1000&sig="));
        let (until, sig) = parts(&url);
        let check_as = |person: &str, event: &str, target: Target<'_>, now: i64| {
            check(&k, person, event, target, &until, &sig, now)
        };
        assert_eq!(check_as("ann", "ev1", Target::Photo("img1"), 999), Ok(()));
        assert_eq!(check_as("ann", "ev1", Target::Photo("img1"), 1_000), Err(Refusal::Expired));
        assert_eq!(check_as("bob", "ev1", Target::Photo("img1"), 999), Err(Refusal::Forged));
        assert_eq!(check_as("ann", "ev2", Target::Photo("img1"), 999), Err(Refusal::Forged));
        assert_eq!(check_as("ann", "ev1", Target::Photo("img2"), 999), Err(Refusal::Forged));
        assert_eq!(check_as("ann", "ev1", Target::All, 999), Err(Refusal::Forged));
        // A later time written over the link's own.
        assert_eq!(
            check(&k, "ann", "ev1", Target::Photo("img1"), "9999", &sig, 999),
            Err(Refusal::Forged)
        );
        assert_eq!(
            check(&k, "ann", "ev1", Target::Photo("img1"), "soon", &sig, 999),
            Err(Refusal::Forged)
        );
        // A CSRF token of the same text is no download signature.
        let csrf = k.sign(Signing::Csrf, &format!("ann\nev1\nimg1\n{until}"));
        assert_eq!(
            check(&k, "ann", "ev1", Target::Photo("img1"), &until, &csrf, 999),
            Err(Refusal::Forged)
        );
    }
}
