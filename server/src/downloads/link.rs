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

/// The links of one person in one event: what the downloads page hands out and what a
/// download checks.
pub struct Links<'a> {
    key: &'a SiteKey,
    person_id: &'a str,
    event_id: &'a str,
}

impl<'a> Links<'a> {
    pub fn new(key: &'a SiteKey, person_id: &'a str, event_id: &'a str) -> Self {
        Self { key, person_id, event_id }
    }

    fn signature(&self, target: Target<'_>, until: i64) -> String {
        let message =
            format!("{}\n{}\n{}\n{until}", self.person_id, self.event_id, target.as_str());
        self.key.sign(Signing::DownloadLink, &message)
    }

    /// The link for `target`, working until the Unix time `until`.
    pub fn url(&self, target: Target<'_>, until: i64) -> String {
        let sig = self.signature(target, until);
        let file = match target {
            Target::Photo(id) => id,
            Target::All => "all.zip",
        };
        format!("/events/{}/downloads/{file}?until={until}&sig={sig}", self.event_id)
    }

    /// Checks a link's `until` and `sig` for `target` at the Unix time `now`.
    pub fn check(
        &self,
        target: Target<'_>,
        until: &str,
        sig: &str,
        now: i64,
    ) -> Result<(), Refusal> {
        let until: i64 = until.trim().parse().map_err(|_| Refusal::Forged)?;
        let expected = self.signature(target, until);
        if !bool::from(expected.as_bytes().ct_eq(sig.trim().as_bytes())) {
            return Err(Refusal::Forged);
        }
        if now >= until {
            return Err(Refusal::Expired);
        }
        Ok(())
    }
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
        let ann = Links::new(&k, "ann", "ev1");
        let url = ann.url(Target::Photo("img1"), 1_000);
        assert!(url.starts_with("/events/ev1/downloads/img1?until=1000&sig="));
        let (until, sig) = parts(&url);
        let check_as = |person: &str, event: &str, target: Target<'_>, now: i64| {
            Links::new(&k, person, event).check(target, &until, &sig, now)
        };
        assert_eq!(check_as("ann", "ev1", Target::Photo("img1"), 999), Ok(()));
        assert_eq!(check_as("ann", "ev1", Target::Photo("img1"), 1_000), Err(Refusal::Expired));
        assert_eq!(check_as("bob", "ev1", Target::Photo("img1"), 999), Err(Refusal::Forged));
        assert_eq!(check_as("ann", "ev2", Target::Photo("img1"), 999), Err(Refusal::Forged));
        assert_eq!(check_as("ann", "ev1", Target::Photo("img2"), 999), Err(Refusal::Forged));
        assert_eq!(check_as("ann", "ev1", Target::All, 999), Err(Refusal::Forged));
        // A later time written over the link's own.
        assert_eq!(ann.check(Target::Photo("img1"), "9999", &sig, 999), Err(Refusal::Forged));
        assert_eq!(ann.check(Target::Photo("img1"), "soon", &sig, 999), Err(Refusal::Forged));
        // A CSRF token of the same text is no download signature.
        let csrf = k.sign(Signing::Csrf, &format!("ann\nev1\nimg1\n{until}"));
        assert_eq!(ann.check(Target::Photo("img1"), &until, &csrf, 999), Err(Refusal::Forged));
    }
}
