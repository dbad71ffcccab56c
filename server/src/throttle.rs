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

    /// `Err(wait)` once `key` has failed `limit` times in the current window.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let counts = self.counts.lock().expect("throttle");
        match counts.get(key) {
            Some((started, n)) if *n >= self.limit && started.elapsed() < self.window => {
                Err(self.window - started.elapsed())
            }
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: &str) {
        let mut counts = self.counts.lock().expect("throttle");
        if counts.len() >= MAX_KEYS {
            let window = self.window;
            counts.retain(|_, (started, _)| started.elapsed() < window);
        }
        let entry = counts.entry(key.to_string()).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }

    pub fn clear(&self, key: &str) {
        self.counts.lock().expect("throttle").remove(key);
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
            assert!(t.check("a").is_ok());
            t.fail("a");
        }
        assert!(t.check("a").is_err());
        assert!(t.check("b").is_ok());
        t.clear("a");
        assert!(t.check("a").is_ok());
    }

    #[test]
    fn a_window_ends() {
        let t = Throttle::new(1, Duration::from_millis(1));
        t.fail("a");
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.check("a").is_ok());
    }
}
