//! Counting failures per key (an account, an address, an event code) in fixed windows, to slow
//! guessing of passwords and event codes. Kept in memory: one server process answers a studio.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};

use crate::config::{Cidr, Config};
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
    /// Failed sign-ins to one account from one address: the guesser there is stopped without
    /// locking the account's owner out.
    pub login_pair: Throttle,
    /// Failed sign-ins to one account from anywhere: a cap on guessing from many addresses.
    pub login_account: Throttle,
    /// Failed sign-ins per address.
    pub login_address: Throttle,
    /// Wrong event codes per address.
    pub code_address: Throttle,
    /// Wrong tries of one code value, from anywhere.
    pub code_value: Throttle,
    /// Guest registrations per address (each one costs a password hash and an email).
    pub register_address: Throttle,
    /// Guest registrations per event, from anywhere.
    pub register_event: Throttle,
    /// "Forgot your password?" requests per address.
    pub reset_address: Throttle,
    /// Account emails (confirmations, reset links) to one mailbox, so that nobody can fill
    /// someone's inbox by typing their address again and again.
    pub emails_to_address: Throttle,
}

impl Throttles {
    pub fn new(config: &Config) -> Self {
        let hour = Duration::from_secs(3600);
        Self {
            login_pair: Throttle::new(10, Duration::from_secs(15 * 60)),
            login_account: Throttle::new(100, hour),
            login_address: Throttle::new(60, hour),
            code_address: Throttle::new(20, hour),
            code_value: Throttle::new(20, hour),
            register_address: Throttle::new(20, hour),
            register_event: Throttle::new(config.registrations_per_event_hour, hour),
            reset_address: Throttle::new(10, hour),
            emails_to_address: Throttle::new(5, hour),
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

/// The caller's address: the peer's, or — with `trust_proxy` and a peer among the trusted
/// proxies — the rightmost forwarded address that is not a trusted proxy, as nginx's
/// `real_ip_recursive` finds it. Entries left of that one are whatever the client wrote.
pub fn client_address(req: &HttpRequest, config: &Config) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else { return "unknown".to_string() };
    if !config.trust_proxy {
        return peer.to_string();
    }
    real_address(peer, req.headers(), &config.trusted_proxies).to_string()
}

fn real_address(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|net| net.contains(address));
    let mut client = peer;
    if !is_trusted(peer) {
        return client;
    }
    for hop in forwarded_hops(headers).into_iter().rev() {
        // An entry that is no address (`unknown`, an obfuscated name) ends the trail: what
        // lies to its left cannot be told apart from what the client wrote.
        let Some(address) = hop else { break };
        client = address;
        if !is_trusted(address) {
            break;
        }
    }
    client
}

/// The addresses a request passed through, oldest first: `X-Forwarded-For`, or `Forwarded`'s
/// `for=` when there is no `X-Forwarded-For`.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name| {
        headers
            .get_all(name)
            .map(|v| v.to_str().unwrap_or_default())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let xff = values(header::X_FORWARDED_FOR);
    if !xff.is_empty() {
        return xff.iter().map(|hop| parse_hop(hop)).collect();
    }
    values(header::FORWARDED)
        .iter()
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                name.eq_ignore_ascii_case("for").then(|| parse_hop(value.trim_matches('"')))
            })
        })
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(address) = hop.parse() {
        return Some(address);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    hop.rsplit_once(':').and_then(|(address, _)| address.parse::<Ipv4Addr>().ok()).map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

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

    fn hops(xff: &[&str], forwarded: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in xff {
            headers.append(header::X_FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        for v in forwarded {
            headers.append(header::FORWARDED, HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_wrote() {
        let trusted: Vec<Cidr> = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // The client wrote the leftmost entry; the proxy appended the real one.
        let h = hops(&["6.6.6.6, 203.0.113.7"], &[]);
        assert_eq!(real_address(proxy, &h, &trusted), ip("203.0.113.7"));
        // Two proxies of ours: skip the inner one.
        let h = hops(&["6.6.6.6", "203.0.113.7, 10.1.2.3"], &[]);
        assert_eq!(real_address(proxy, &h, &trusted), ip("203.0.113.7"));
        // A peer that is no proxy of ours is the client, whatever it says.
        assert_eq!(real_address(ip("198.51.100.1"), &h, &trusted), ip("198.51.100.1"));
        // Garbage written by a trusted hop stops the trail at the last address known.
        let h = hops(&["203.0.113.7, unknown, 10.1.2.3"], &[]);
        assert_eq!(real_address(proxy, &h, &trusted), ip("10.1.2.3"));
        // RFC 7239, with ports and brackets.
        let h = hops(&[], &["for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https"]);
        assert_eq!(real_address(proxy, &h, &trusted), ip("2001:db8::7"));
        let h = hops(&["198.51.100.9:5555"], &[]);
        assert_eq!(real_address(proxy, &h, &trusted), ip("198.51.100.9"));
        // No header: the proxy itself.
        assert_eq!(real_address(proxy, &HeaderMap::new(), &trusted), proxy);
    }

    #[test]
    fn a_window_ends() {
        let t = Throttle::new(1, Duration::from_millis(1));
        t.attempt("a").unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.attempt("a").is_ok());
    }
}
