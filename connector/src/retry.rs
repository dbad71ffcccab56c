//! When a request is tried again: exponential backoff with full jitter, and the server's own
//! `Retry-After` when it gives one.
//!
//! Every studio API call is idempotent (upserts keyed by the studio's ids, uploads keyed by
//! name and SHA-256, acknowledgements that count once), so trying one again after a lost
//! answer changes nothing twice. Retried: no answer at all (refused, reset, timed out), and the
//! answers that say "later" — 408, 429, 500, 502, 503, 504. Anything else (a 4xx about the
//! request itself) would fail the same way again.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How often and how patiently requests are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (1: never again).
    pub attempts: u32,
    /// The first backoff's ceiling; each further one doubles it.
    pub base: Duration,
    /// No backoff is longer than this.
    pub cap: Duration,
    /// A `Retry-After` longer than this is cut to it: the run goes on and the next one tries.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Five tries with at most 7.5 s of backoff between them in all (0.5 + 1 + 2 + 4), so a
    /// server that restarts is waited for and a server that is down fails the run in seconds.
    fn default() -> Self {
        Self {
            attempts: 5,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The pause before try number `retry + 1` (`retry` counts from 1): `Retry-After` when the
    /// server gave one, else a uniformly random time from 0 to `min(cap, base · 2^(retry-1))`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        let ceiling = self.base.saturating_mul(1u32 << (retry.saturating_sub(1)).min(20));
        let ceiling = ceiling.min(self.cap);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// Whether an answer with this status is worth trying again.
pub fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` as seconds or as an HTTP date; `None` when absent or unreadable.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_is_jittered_from_zero() {
        let p = RetryPolicy::default();
        for retry in 1..=10 {
            let ceiling = (p.base * 2u32.pow(retry - 1)).min(p.cap);
            let delays: Vec<Duration> = (0..200).map(|_| p.delay(retry, None)).collect();
            assert!(delays.iter().all(|d| *d <= ceiling), "retry {retry}");
            // Full jitter: spread over the whole range, not bunched at the ceiling.
            assert!(delays.iter().any(|d| *d < ceiling / 2), "retry {retry}");
        }
    }

    #[test]
    fn the_servers_retry_after_wins_but_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, Some(Duration::from_secs(3))), Duration::from_secs(3));
        assert_eq!(p.delay(4, Some(Duration::from_secs(3600))), p.max_retry_after);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a date in the past: now");
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&soon).unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30), "{wait:?}");
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn only_answers_that_say_later_are_retried() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 413, 422, 501] {
            assert!(!retryable_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }
}
