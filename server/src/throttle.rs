//! Counting failures per key (an account, an address, an event code) in fixed windows, to slow
//! guessing of passwords and event codes. Kept in memory: one server process answers a studio.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::StatusCode;

use crate::error::AppError;

pub struct Throttle {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

const MAX_KEYS: usize = 200_000;

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window, counts: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt at `key` before its outcome is known: `Err(wait)` once `limit`
    /// attempts are counted in the current window. Counting first, under one lock, means
    /// concurrent attempts cannot all pass a check before any of them is recorded; an attempt
    /// that turns out right gives its count back with [`Throttle::succeeded`].
    pub fn attempt(&self, key: &str) -> Result<(), Duration> {
        let key = stored_key(key);
        let mut counts = self.counts.lock().expect("throttle");
        if let Some((started, n)) = counts.get(key.as_ref())
            && *n >= self.limit
            && started.elapsed() < self.window
        {
            return Err(self.window - started.elapsed());
        }
        if counts.len() >= MAX_KEYS {
            let window = self.window;
            counts.retain(|_, (started, _)| started.elapsed() < window);
        }
        let entry = counts.entry(key.into_owned()).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
        Ok(())
    }

    /// The attempt counted at `key` was not a failure: its count is given back.
    pub fn succeeded(&self, key: &str) {
        let key = stored_key(key);
        let mut counts = self.counts.lock().expect("throttle");
        if let Some((_, n)) = counts.get_mut(key.as_ref()) {
            *n = n.saturating_sub(1);
        }
    }

    /// Forgets `key`'s failures (a successful sign-in to the account).
    pub fn clear(&self, key: &str) {
        self.counts.lock().expect("throttle").remove(stored_key(key).as_ref());
    }
}

/// Keys hold what the visitor typed (a code, a user name): a long one is kept as its hash, so
/// the table's memory stays bounded by its number of keys.
fn stored_key(key: &str) -> std::borrow::Cow<'_, str> {
    if key.len() <= 128 {
        key.into()
    } else {
        format!("sha256:{}", crate::storage::sha256_hex(key.as_bytes())).into()
    }
}

/// The throttles of the site.
pub struct Throttles {
    /// Failed sign-ins per user name.
    pub login_account: Throttle,
    /// Failed sign-ins per address.
    pub login_address: Throttle,
    /// Wrong event codes per address.
    pub code_address: Throttle,
    /// Wrong tries of one code value, from anywhere.
    pub code_value: Throttle,
}

impl Default for Throttles {
    fn default() -> Self {
        let hour = Duration::from_secs(3600);
        Self {
            login_account: Throttle::new(20, hour),
            login_address: Throttle::new(60, hour),
            code_address: Throttle::new(20, hour),
            code_value: Throttle::new(20, hour),
        }
    }
}

/// The answer once a throttle holds: 429, saying how long to wait.
pub fn too_many(wait: Duration, what: &str) -> AppError {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        format!(
            "Too many {what} from here. For your security, try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ),
    )
}

/// The caller's address: the peer, or the first forwarded one when a trusted proxy is in front.
pub fn client_address(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy && let Some(ip) = req.connection_info().realip_remote_addr() {
        return ip.to_string();
    }
    req.peer_addr().map_or_else(|| "unknown".to_string(), |a| a.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_locks_after_its_limit_and_others_do_not() {
        let t = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.attempt("a").is_ok());
        }
        assert!(t.attempt("a").is_err());
        assert!(t.attempt("b").is_ok());
        t.clear("a");
        assert!(t.attempt("a").is_ok());
    }

    #[test]
    fn a_success_gives_its_attempt_back() {
        let t = Throttle::new(2, Duration::from_secs(60));
        for _ in 0..10 {
            assert!(t.attempt("a").is_ok());
            t.succeeded("a");
        }
        assert!(t.attempt("a").is_ok());
        assert!(t.attempt("a").is_ok());
        assert!(t.attempt("a").is_err());
    }

    #[test]
    fn attempts_at_once_never_pass_the_limit() {
        let t = std::sync::Arc::new(Throttle::new(20, Duration::from_secs(60)));
        let passed: usize = (0..8)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || (0..500).filter(|_| t.attempt("a").is_ok()).count())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(passed, 20);
    }

    #[test]
    fn long_keys_are_kept_short() {
        let t = Throttle::new(1, Duration::from_secs(60));
        let long = "x".repeat(50_000);
        assert!(t.attempt(&long).is_ok());
        assert!(t.attempt(&long).is_err());
        assert!(t.counts.lock().unwrap().keys().all(|k| k.len() <= 128));
    }

    #[test]
    fn a_window_ends() {
        let t = Throttle::new(1, Duration::from_millis(1));
        t.attempt("a").unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.attempt("a").is_ok());
    }
}
