//! Counting failures per key (an account, an address, an event code) in fixed windows, to slow
//! guessing of passwords and event codes (owner of `throttle_counts`). Counted in the database
//! the servers share, so a limit holds for all of a site's servers together.

use std::time::Duration;

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use diesel::prelude::*;

use crate::config::{Cidr, Config};
use crate::db::schema::throttle_counts;
use crate::db::{self, DbConn};
use crate::error::AppError;

/// One limit: at most `limit` counted attempts per key in a window of `window`. Its `name`
/// keeps its keys apart from other throttles' in the shared table.
#[derive(Clone, Copy)]
pub struct Throttle {
    name: &'static str,
    limit: u32,
    window: Duration,
}

/// Whether an attempt may go ahead: `Err(wait)` once the limit is reached.
pub type Verdict = Result<(), Duration>;

impl Throttle {
    pub const fn new(name: &'static str, limit: u32, window: Duration) -> Self {
        Self { name, limit, window }
    }

    /// Counts an attempt at `key` before its outcome is known: `Err(wait)` once `limit`
    /// attempts are counted in the current window. Counting first, each step one statement,
    /// means attempts at once — on one server or several — cannot all pass a check before any
    /// of them is recorded; an attempt that turns out right gives its count back with
    /// [`Throttle::succeeded`]. Not for use inside a transaction (a lost insert race ends it
    /// on PostgreSQL).
    pub fn attempt(&self, conn: &mut DbConn, key: &str) -> db::Result<Verdict> {
        let key = self.stored_key(key);
        let limit = i32::try_from(self.limit).unwrap_or(i32::MAX);
        let window = chrono::Duration::from_std(self.window).expect("a short window");
        let row = || throttle_counts::table.find(&key);
        for _ in 0..8 {
            let now = db::now();
            let window_began = now - window;
            // Read first: an attempt over the limit is refused without writing anything, so a
            // flood of refused guesses does not queue behind other writes.
            let found: Option<(chrono::NaiveDateTime, i32)> = row()
                .select((throttle_counts::window_started_at, throttle_counts::attempts))
                .first(conn)
                .optional()?;
            let written = match found {
                Some((started, attempts)) if started > window_began && attempts >= limit => {
                    let left = (started + window - now).to_std().unwrap_or_default();
                    return Ok(Err(left.max(Duration::from_secs(1))));
                }
                // A window is running and has room: counted only if it still has (the
                // condition is checked again by the statement, against concurrent attempts).
                Some((started, _)) if started > window_began => diesel::update(row())
                    .filter(throttle_counts::window_started_at.gt(window_began))
                    .filter(throttle_counts::attempts.lt(limit))
                    .set(throttle_counts::attempts.eq(throttle_counts::attempts + 1))
                    .execute(conn)?,
                // The last window is over: a new one begins with this attempt.
                Some(_) => diesel::update(row())
                    .filter(throttle_counts::window_started_at.le(window_began))
                    .set((
                        throttle_counts::window_started_at.eq(now),
                        throttle_counts::attempts.eq(1),
                    ))
                    .execute(conn)?,
                None => {
                    let inserted = diesel::insert_into(throttle_counts::table)
                        .values((
                            throttle_counts::throttle_key.eq(&key),
                            throttle_counts::window_started_at.eq(now),
                            throttle_counts::attempts.eq(1),
                        ))
                        .execute(conn);
                    match inserted {
                        Ok(n) => n,
                        // Another attempt at the same key inserted it first: count on its row.
                        Err(e) if db::is_unique_violation(&e) => 0,
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            if written == 1 {
                return Ok(Ok(()));
            }
            // Another attempt changed the row between the read and the write: look again.
        }
        // Lost races again and again: so many attempts at once are themselves too many.
        Ok(Err(Duration::from_secs(60)))
    }

    /// The attempt counted at `key` was not a failure: its count is given back.
    pub fn succeeded(&self, conn: &mut DbConn, key: &str) -> db::Result<()> {
        let key = self.stored_key(key);
        diesel::update(throttle_counts::table.find(&key))
            .filter(throttle_counts::attempts.gt(0))
            .set(throttle_counts::attempts.eq(throttle_counts::attempts - 1))
            .execute(conn)?;
        Ok(())
    }

    /// Forgets `key`'s failures (a successful sign-in to the account).
    pub fn clear(&self, conn: &mut DbConn, key: &str) -> db::Result<()> {
        diesel::delete(throttle_counts::table.find(self.stored_key(key))).execute(conn)?;
        Ok(())
    }

    /// The row's key: the throttle's name and what the visitor typed (a code, a user name) —
    /// a long one kept as its hash, so that rows stay small.
    fn stored_key(&self, key: &str) -> String {
        if key.len() <= 128 {
            format!("{}:{key}", self.name)
        } else {
            format!("{}:sha256:{}", self.name, crate::storage::sha256_hex(key.as_bytes()))
        }
    }
}

/// Deletes counts whose window ended a day ago: the table holds only what may still matter.
pub fn delete_stale(conn: &mut DbConn) -> db::Result<usize> {
    let long_ago = db::now() - chrono::Duration::days(1);
    Ok(diesel::delete(
        throttle_counts::table.filter(throttle_counts::window_started_at.lt(long_ago)),
    )
    .execute(conn)?)
}

/// The throttles of the site.
#[derive(Clone, Copy)]
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
            login_pair: Throttle::new("login-pair", 10, Duration::from_secs(15 * 60)),
            login_account: Throttle::new("login-account", 100, hour),
            login_address: Throttle::new("login-address", 60, hour),
            code_address: Throttle::new("code-address", 20, hour),
            code_value: Throttle::new("code-value", 20, hour),
            register_address: Throttle::new("register-address", 20, hour),
            register_event: Throttle::new(
                "register-event",
                config.registrations_per_event_hour,
                hour,
            ),
            reset_address: Throttle::new("reset-address", 10, hour),
            emails_to_address: Throttle::new("emails-to", 5, hour),
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

    fn conn() -> (tempfile::TempDir, db::Pool) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("throttle.db").display());
        let pool = db::open(&url, 8).unwrap();
        (dir, pool)
    }

    #[test]
    fn a_key_locks_after_its_limit_and_others_do_not() {
        let (_dir, pool) = conn();
        let c = &mut pool.get().unwrap();
        let t = Throttle::new("t", 3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.attempt(c, "a").unwrap().is_ok());
        }
        let wait = t.attempt(c, "a").unwrap().unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(t.attempt(c, "b").unwrap().is_ok());
        // Another throttle's count of the same key is its own.
        assert!(Throttle::new("u", 3, Duration::from_secs(60)).attempt(c, "a").unwrap().is_ok());
        t.clear(c, "a").unwrap();
        assert!(t.attempt(c, "a").unwrap().is_ok());
    }

    #[test]
    fn a_success_gives_its_attempt_back() {
        let (_dir, pool) = conn();
        let c = &mut pool.get().unwrap();
        let t = Throttle::new("t", 2, Duration::from_secs(60));
        for _ in 0..10 {
            assert!(t.attempt(c, "a").unwrap().is_ok());
            t.succeeded(c, "a").unwrap();
        }
        assert!(t.attempt(c, "a").unwrap().is_ok());
        assert!(t.attempt(c, "a").unwrap().is_ok());
        assert!(t.attempt(c, "a").unwrap().is_err());
    }

    #[test]
    fn attempts_at_once_never_pass_the_limit() {
        let (_dir, pool) = conn();
        let t = Throttle::new("t", 20, Duration::from_secs(60));
        let passed: usize = (0..8)
            .map(|_| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let c = &mut pool.get().unwrap();
                    (0..50).filter(|_| t.attempt(c, "a").unwrap().is_ok()).count()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(passed, 20);
    }

    #[test]
    fn attempts_at_once_within_the_limit_all_pass() {
        let (_dir, pool) = conn();
        let t = Throttle::new("t", 40, Duration::from_secs(60));
        let refused: usize = (0..8)
            .map(|_| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let c = &mut pool.get().unwrap();
                    (0..5).filter(|_| t.attempt(c, "fresh").unwrap().is_err()).count()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(refused, 0, "40 attempts at a fresh key, limit 40: none refused");
    }

    #[test]
    fn long_keys_are_kept_short() {
        let (_dir, pool) = conn();
        let c = &mut pool.get().unwrap();
        let t = Throttle::new("t", 1, Duration::from_secs(60));
        let long = "x".repeat(50_000);
        assert!(t.attempt(c, &long).unwrap().is_ok());
        assert!(t.attempt(c, &long).unwrap().is_err());
        let keys: Vec<String> =
            throttle_counts::table.select(throttle_counts::throttle_key).load(c).unwrap();
        assert!(keys.iter().all(|k| k.len() <= 128), "{keys:?}");
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
        let (_dir, pool) = conn();
        let c = &mut pool.get().unwrap();
        let t = Throttle::new("t", 1, Duration::from_millis(1));
        t.attempt(c, "a").unwrap().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.attempt(c, "a").unwrap().is_ok());
        assert_eq!(delete_stale(c).unwrap(), 0);
    }
}
