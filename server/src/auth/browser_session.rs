//! Browser sessions kept on the server. The cookie holds 32 random bytes; the database keeps
//! only their SHA-256, so a copy of the database opens no session. A new id is made at every
//! login and the row is deleted at logout.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, body::MessageBody};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use serde::Serialize;

use super::Auth;
use crate::db::Pool;
use crate::db::changes::{Changes, Kinds};
use crate::db::schema::{clients, guests, web_sessions};
use crate::db::{self, ClientId, DbConn, GuestId};
use crate::error::AppError;
use crate::web::State;

pub const COOKIE: &str = "pr_session";
/// A visitor's random value whose signature is their CSRF token until they have a session.
pub const FORM_COOKIE: &str = "pr_form";
/// A signed-in session lasts this long after its last use.
pub const SIGNED_IN_DAYS: i64 = 30;
/// A visitor's session (an opened event code, a form's CSRF token) lasts this long unused.
pub const VISITOR_DAYS: i64 = 2;

/// Who is signed in.
#[derive(Debug, Clone, Serialize)]
pub enum Person {
    Client { id: ClientId, name: String, default_login: bool },
    Guest { id: GuestId, name: String },
}

impl Person {
    /// The id stored with what the person does (favorites, groups).
    pub fn person_id(&self) -> &str {
        match self {
            Self::Client { id, .. } => id.as_str(),
            Self::Guest { id, .. } => id.as_str(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Client { .. } => "client",
            Self::Guest { .. } => "guest",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Client { name, .. } | Self::Guest { name, .. } => name,
        }
    }

    pub fn client_id(&self) -> Option<&ClientId> {
        match self {
            Self::Client { id, .. } => Some(id),
            Self::Guest { .. } => None,
        }
    }

    pub fn guest_id(&self) -> Option<&GuestId> {
        match self {
            Self::Guest { id, .. } => Some(id),
            Self::Client { .. } => None,
        }
    }
}

/// The session of this request, if its cookie names a live one.
#[derive(Debug, Clone)]
pub struct WebSession {
    /// SHA-256 of the cookie's token.
    pub id: String,
    pub csrf_token: String,
    pub person: Option<Person>,
}

/// Cookies to set on the response, put in the request's extensions by whoever made them.
#[derive(Clone, Default)]
struct PendingCookies(Vec<Cookie<'static>>);

fn add_pending(req: &HttpRequest, cookie: Cookie<'static>) {
    let mut extensions = req.extensions_mut();
    match extensions.get_mut::<PendingCookies>() {
        Some(pending) => {
            // A later cookie of the same name (a sign-in after a visitor's session) wins.
            pending.0.retain(|c| c.name() != cookie.name());
            pending.0.push(cookie);
        }
        None => {
            extensions.insert(PendingCookies(vec![cookie]));
        }
    }
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    crate::storage::sha256_hex(token.as_bytes())
}

/// A client's id, first and last name, chosen user name and password hash.
type ClientLogin = (ClientId, String, String, Option<String>, Option<String>);

#[derive(Queryable)]
struct SessionRow {
    id: String,
    csrf_token: String,
    expires_at: NaiveDateTime,
    last_seen_at: NaiveDateTime,
    client: Option<ClientLogin>,
    guest: Option<(GuestId, String)>,
}

/// Loads the live session named by `token`, sliding its expiry forward now and then.
pub fn load(conn: &mut DbConn, token: &str) -> db::Result<Option<WebSession>> {
    let id = token_hash(token);
    let row: Option<SessionRow> = web_sessions::table
        .left_join(clients::table.on(web_sessions::client_id.eq(clients::id.nullable())))
        .left_join(guests::table.on(web_sessions::guest_id.eq(guests::id.nullable())))
        .filter(web_sessions::id.eq(&id))
        .select((
            web_sessions::id,
            web_sessions::csrf_token,
            web_sessions::expires_at,
            web_sessions::last_seen_at,
            (
                clients::id,
                clients::first_name,
                clients::last_name,
                clients::login_name,
                clients::password_hash,
            )
                .nullable(),
            (guests::id, guests::name).nullable(),
        ))
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    let now = db::now();
    if row.expires_at <= now {
        diesel::delete(web_sessions::table.find(&row.id)).execute(conn)?;
        return Ok(None);
    }
    let person = match (row.client, row.guest) {
        (Some((id, first, last, login_name, password_hash)), _) => Some(Person::Client {
            id,
            name: format!("{first} {last}").trim().to_string(),
            default_login: login_name.is_none() && password_hash.is_none(),
        }),
        (None, Some((id, name))) => Some(Person::Guest { id, name }),
        (None, None) => None,
    };
    // Slide the expiry at most once an hour: most requests only read.
    if now - row.last_seen_at > Duration::hours(1) {
        let days = if person.is_some() { SIGNED_IN_DAYS } else { VISITOR_DAYS };
        diesel::update(web_sessions::table.find(&row.id))
            .set((
                web_sessions::last_seen_at.eq(now),
                web_sessions::expires_at.eq(now + Duration::days(days)),
            ))
            .execute(conn)?;
    }
    Ok(Some(WebSession { id: row.id, csrf_token: row.csrf_token, person }))
}

/// Makes a session row; returns the cookie token (never stored) and the row's id.
pub fn create(
    conn: &mut DbConn,
    client_id: Option<&ClientId>,
    guest_id: Option<&GuestId>,
) -> db::Result<(String, String, String)> {
    let token = random_token();
    let id = token_hash(&token);
    let csrf = random_token();
    let now = db::now();
    let days =
        if client_id.is_some() || guest_id.is_some() { SIGNED_IN_DAYS } else { VISITOR_DAYS };
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::id.eq(&id),
            web_sessions::client_id.eq(client_id),
            web_sessions::guest_id.eq(guest_id),
            web_sessions::csrf_token.eq(&csrf),
            web_sessions::created_at.eq(now),
            web_sessions::last_seen_at.eq(now),
            web_sessions::expires_at.eq(now + Duration::days(days)),
        ))
        .execute(conn)?;
    Ok((token, id, csrf))
}

pub fn delete(conn: &mut DbConn, id: &str) -> db::Result<()> {
    diesel::delete(web_sessions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Removes expired sessions; run now and then.
pub fn delete_expired(conn: &mut DbConn) -> db::Result<usize> {
    Ok(diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(db::now())))
        .execute(conn)?)
}

/// Deletes expired sessions every `every`, the first time at once, so that sessions nobody
/// comes back to do not pile up — and with them spent email links and registrations never
/// confirmed. The work runs on the blocking pool like all database work; a
/// failure is logged and tried again next time. The task ends when its handle is dropped.
pub fn start_cleanup(pool: db::Pool, every: std::time::Duration) -> CleanupTask {
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Of several servers, the one holding the claim sweeps; another takes over only when
        // it has missed two rounds.
        let hold = every * 2;
        loop {
            ticks.tick().await;
            match db::run(&pool, move |conn| crate::jobs::claim(conn, "session-cleanup", hold))
                .await
            {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!("claiming the clean-up failed, will retry: {e}");
                    continue;
                }
            }
            let swept = db::run(&pool, |conn| -> db::Result<_> {
                crate::throttle::delete_stale(conn)?;
                crate::jobs::delete_lapsed(conn)?;
                let links = super::links::delete_expired(conn)?;
                let unconfirmed = super::people::delete_unconfirmed(conn)?;
                Ok(links + unconfirmed)
            })
            .await;
            if let Err(e) = swept {
                tracing::warn!("deleting expired email links failed, will retry: {e}");
            }
            match db::run(&pool, delete_expired).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!("deleted {n} expired sessions"),
                Err(e) => tracing::warn!("deleting expired sessions failed, will retry: {e}"),
            }
        }
    });
    CleanupTask(task)
}

/// The running clean-up of [`start_cleanup`]; dropping it stops the task.
pub struct CleanupTask(tokio::task::JoinHandle<()>);

impl Drop for CleanupTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn cookie(req: &HttpRequest, value: String, max_age_days: i64) -> Cookie<'static> {
    named_cookie(req, COOKIE, value, max_age_days)
}

fn named_cookie(
    req: &HttpRequest,
    name: &'static str,
    value: String,
    max_age_days: i64,
) -> Cookie<'static> {
    let state = req.app_data::<State>();
    // The server speaks plain HTTP itself: only a proxy it trusts says a request came over TLS.
    let secure = state.is_some_and(|s| {
        s.config.secure_cookies
            || (s.config.trust_proxy && req.connection_info().scheme() == "https")
    });
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::days(max_age_days))
        .finish()
}

/// Sets the session cookie on this request's response.
pub fn set_cookie(req: &HttpRequest, token: String, signed_in: bool) {
    let days = if signed_in { SIGNED_IN_DAYS } else { VISITOR_DAYS };
    // Built before borrowing the extensions: `connection_info` keeps its answer there.
    let c = cookie(req, token, days);
    add_pending(req, c);
}

/// Removes the session cookie from the browser.
pub fn clear_cookie(req: &HttpRequest) {
    let mut c = cookie(req, String::new(), 0);
    c.make_removal();
    add_pending(req, c);
}

/// Middleware: writes the cookies a handler asked for.
pub async fn write_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let pending = res.request().extensions().get::<PendingCookies>().cloned().unwrap_or_default();
    for c in pending.0 {
        if let Ok(value) = HeaderValue::from_str(&c.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(res)
}

/// The request's session as an extractor: `None` without a live one. Loaded once per request.
#[derive(Clone, Default)]
pub struct CurrentSession {
    session: Option<Arc<WebSession>>,
    /// The CSRF token a visitor without a session may send: the signature of their form
    /// cookie. Visitors get no session row until they do something that needs one.
    visitor_csrf: Option<String>,
    /// The key that signs a visitor's new form cookie.
    auth: Option<Auth>,
}

impl CurrentSession {
    /// The session named by the request's cookie, for requests answered outside the App.
    pub async fn from_headers(
        pool: &Pool,
        auth: &Auth,
        headers: &HeaderMap,
    ) -> Result<Self, AppError> {
        let session = match token_from_headers(headers) {
            Some(token) => auth.sessions.get(token, pool).await?,
            None => None,
        };
        // The key too: a page rendered after this lookup may hand a visitor a form token.
        Ok(Self { session, visitor_csrf: None, auth: Some(auth.clone()) })
    }

    /// The live session, if the request has one.
    pub fn web_session(&self) -> Option<&WebSession> {
        self.session.as_deref()
    }

    pub fn person(&self) -> Option<&Person> {
        self.session.as_ref().and_then(|s| s.person.as_ref())
    }

    pub fn id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }

    /// The CSRF token for this page's forms. A visitor without a session gets the signature of
    /// a form cookie (set now if they have none): no database row for merely looking.
    pub fn csrf_token(&self, req: &HttpRequest) -> String {
        if let Some(s) = &self.session {
            return s.csrf_token.clone();
        }
        if let Some(made) = self.made_csrf(req) {
            return made;
        }
        let token = match &self.visitor_csrf {
            Some(token) => token.clone(),
            None => {
                // Only a request answered outside the App has no key; its form cannot be sent.
                let Some(auth) = &self.auth else { return String::new() };
                let value = random_token();
                let token = auth.site_key.sign(Signing::Csrf, &value);
                add_pending(req, named_cookie(req, FORM_COOKIE, value, VISITOR_DAYS));
                token
            }
        };
        req.extensions_mut().insert(MadeToken(token.clone()));
        token
    }

    /// The CSRF token handed out in this request to someone who came without a session (a
    /// visitor's form token, or the token of a session made now): a page holding it is theirs
    /// alone and must not be kept for others.
    pub fn made_csrf(&self, req: &HttpRequest) -> Option<String> {
        if let Some(made) = req.extensions().get::<MadeSession>() {
            return Some(made.csrf.clone());
        }
        req.extensions().get::<MadeToken>().map(|m| m.0.clone())
    }

    /// The session id, making a visitor's session when there is none (to hold an event pass).
    pub async fn ensure_id(&self, req: &HttpRequest, state: &State) -> Result<String, AppError> {
        if let Some(s) = &self.session {
            return Ok(s.id.clone());
        }
        if let Some(made) = req.extensions().get::<MadeSession>() {
            return Ok(made.id.clone());
        }
        let (token, id, csrf) = db::run(&state.pool, |conn| create(conn, None, None)).await?;
        set_cookie(req, token, false);
        req.extensions_mut().insert(MadeSession { id: id.clone(), csrf });
        Ok(id)
    }

    /// Refuses a state-changing request whose token is missing or wrong: it must be the
    /// session's token or the signature of the visitor's own form cookie.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        use subtle::ConstantTimeEq;
        let matches = |expected: &str| {
            sent.is_some_and(|sent| bool::from(expected.as_bytes().ct_eq(sent.as_bytes())))
        };
        let ok = self.session.as_ref().is_some_and(|s| matches(&s.csrf_token))
            || self.visitor_csrf.as_deref().is_some_and(matches);
        if ok {
            Ok(())
        } else {
            Err(AppError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "csrf_failed",
                "This form has expired or did not come from this site. Go back, reload the page \
                 and try again.",
            ))
        }
    }
}

#[derive(Clone)]
struct MadeSession {
    id: String,
    csrf: String,
}

/// A visitor's form token handed out in this request.
#[derive(Clone)]
struct MadeToken(String);

impl FromRequest for CurrentSession {
    type Error = AppError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(loaded) = req.extensions().get::<CurrentSession>() {
            let loaded = loaded.clone();
            return Box::pin(async move { Ok(loaded) });
        }
        let token = token_from_headers(req.headers()).map(str::to_string);
        let state = req.app_data::<State>().cloned();
        let auth = req.app_data::<Auth>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let (Some(state), Some(auth)) = (state, auth) else {
                return Ok(CurrentSession::default());
            };
            let visitor_csrf = cookie_value(req.headers(), FORM_COOKIE)
                .filter(|value| value.len() == 64)
                .map(|value| auth.site_key.sign(Signing::Csrf, value));
            let session = match token {
                Some(token) => auth.sessions.get(&token, &state.pool).await?,
                None => None,
            };
            let current = CurrentSession { session, visitor_csrf, auth: Some(auth) };
            req.extensions_mut().insert(current.clone());
            Ok(current)
        })
    }
}

/// The site's signing key: visitors' form cookies into CSRF tokens, download links into
/// tamper-proof ones. Made once per database and kept in `site_keys`, so every server process
/// on it accepts the same signatures. Each use signs under its own [`Signing`] purpose, so a
/// signature made for one is worthless for the other.
pub struct SiteKey(Vec<u8>);

/// What a signature is for.
#[derive(Debug, Clone, Copy)]
pub enum Signing {
    Csrf,
    DownloadLink,
}

impl SiteKey {
    /// Its name in `site_keys` (from when CSRF was its only use).
    const NAME: &'static str = "csrf";

    /// Reads the key, making it first if this database has none (two processes starting at
    /// once both read the one that was stored first).
    pub fn load_or_create(conn: &mut DbConn) -> db::Result<Self> {
        use crate::db::schema::site_keys;
        // In a savepoint: on PostgreSQL a refused duplicate must not abort anything around it.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(site_keys::table)
                .values((
                    site_keys::name.eq(Self::NAME),
                    site_keys::secret.eq(random_token()),
                    site_keys::created_at.eq(db::now()),
                ))
                .execute(conn)
        });
        match inserted {
            Ok(_)
            | Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) => return Err(e.into()),
        }
        let secret: String =
            site_keys::table.find(Self::NAME).select(site_keys::secret).first(conn)?;
        Ok(Self(secret.into_bytes()))
    }

    /// A key from a known secret, for tests of what it signs.
    #[cfg(test)]
    pub fn from_secret(secret: &str) -> Self {
        Self(secret.as_bytes().to_vec())
    }

    /// HMAC-SHA256 of `value` under the key for `purpose`, in hex.
    pub fn sign(&self, purpose: Signing, value: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(match purpose {
            Signing::Csrf => b"csrf:",
            Signing::DownloadLink => b"link:",
        });
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Live sessions recently read, so that a gallery's dozens of image requests do not each ask
/// the database. Entries live a few seconds; logout and login remove theirs at once. Keyed by
/// the cookie's token itself (a hit then costs no SHA-256); the token never leaves memory.
#[derive(Default)]
pub struct SessionCache {
    entries: std::sync::RwLock<HashMap<String, (Arc<WebSession>, Instant)>>,
    /// Bumped by each forgetting: a session read before it is not kept after it.
    generation: std::sync::atomic::AtomicU64,
    /// The site's other servers, told when a session ended here.
    changes: Changes,
}

const CACHE_SECONDS: u64 = 5;
const CACHE_MAX_ENTRIES: usize = 100_000;

impl SessionCache {
    pub fn new(changes: Changes) -> Self {
        Self { changes, ..Self::default() }
    }

    pub async fn get(&self, token: &str, pool: &Pool) -> Result<Option<Arc<WebSession>>, AppError> {
        if let Some((session, at)) = self.entries.read().expect("session cache").get(token)
            && at.elapsed().as_secs() < CACHE_SECONDS
        {
            return Ok(Some(session.clone()));
        }
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let owned = token.to_string();
        let loaded = db::run(pool, move |conn| load(conn, &owned)).await?.map(Arc::new);
        let mut entries = self.entries.write().expect("session cache");
        match &loaded {
            // A session forgotten while it was read (a logout on another server) is not kept.
            Some(_) if self.generation.load(std::sync::atomic::Ordering::SeqCst) != generation => {}
            Some(session) => {
                if entries.len() >= CACHE_MAX_ENTRIES {
                    entries.clear();
                }
                entries.insert(token.to_string(), (session.clone(), Instant::now()));
            }
            None => {
                entries.remove(token);
            }
        }
        Ok(loaded)
    }

    /// Forgets one session by its id (logout, login); rare enough to look through them all.
    pub fn forget(&self, id: &str) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.entries.write().expect("session cache").retain(|_, (session, _)| session.id != id);
        self.changes.tell(Kinds::SESSIONS);
    }

    /// Forgets every session (a login reset by the studio, a password change).
    pub fn forget_all(&self) {
        self.forget_here();
        self.changes.tell(Kinds::SESSIONS);
    }

    /// Forgets every session kept in this process: another server ended one.
    pub fn forget_here(&self) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.entries.write().expect("session cache").clear();
    }
}

/// The browser session's token from the request's `Cookie` headers, if it has one.
pub fn token_from_headers(headers: &HeaderMap) -> Option<&str> {
    cookie_value(headers, COOKIE).filter(|token| token.len() == 64)
}

fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_cleanup_runs_at_start_and_keeps_live_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("sessions.db").display());
        let pool = db::open(&url, 2).unwrap();
        let ids = || -> Vec<String> {
            let mut conn = pool.get().unwrap();
            web_sessions::table.select(web_sessions::id).load(&mut conn).unwrap()
        };
        let (old, live) = {
            let mut conn = pool.get().unwrap();
            let (_, old, _) = create(&mut conn, None, None).unwrap();
            let (_, live, _) = create(&mut conn, None, None).unwrap();
            diesel::update(web_sessions::table.find(&old))
                .set(web_sessions::expires_at.eq(db::now() - Duration::minutes(1)))
                .execute(&mut conn)
                .unwrap();
            (old, live)
        };
        assert_eq!(ids().len(), 2);
        // An hour between runs: only the run at start can delete it within the test.
        let task = start_cleanup(pool.clone(), std::time::Duration::from_secs(3600));
        for _ in 0..200 {
            if !ids().contains(&old) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(ids(), [live]);
        drop(task);
    }

    #[test]
    fn the_session_token_is_found_among_other_cookies() {
        let token = "a".repeat(64);
        let mut headers = HeaderMap::new();
        let cookies = format!("theme=dark; {COOKIE}={token}; x=1");
        headers.insert(header::COOKIE, HeaderValue::from_str(&cookies).unwrap());
        assert_eq!(token_from_headers(&headers), Some(token.as_str()));
        headers.insert(header::COOKIE, HeaderValue::from_static("pr_session_old=1; theme=dark"));
        assert_eq!(token_from_headers(&headers), None);
        headers.insert(header::COOKIE, HeaderValue::from_static("pr_session=short"));
        assert_eq!(token_from_headers(&headers), None);
    }
}
