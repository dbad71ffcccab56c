//! Rendered gallery pages kept in memory, so a client flicking back to a 200-photo event page
//! costs no database queries and no template rendering.
//!
//! A page is kept per browser session and URL, so it is only ever served to the session that it
//! was rendered for (its CSRF token, name and favorites are in it). Pages of visitors without a
//! session are shared: they show only what anyone may see. A page that made a visitor's session
//! while rendering (a new cookie, a new token) is never kept.
//!
//! Pages go out gzipped to browsers that accept it (all do): a 200-photo page is ~270 KB of
//! HTML and ~25 KB compressed, a difference a phone on a cellular network feels. The page is
//! compressed once, when it is rendered, not at every request.
//!
//! Staleness: every change — each state-changing request (a favorite, a note, a sign-in, a
//! studio push; see [`forget_after_changes`]), a followed invite link, a re-rendered proof —
//! bumps one generation counter *after* the change is done, and a page rendered in an older
//! generation is not used again. Pages also age out after a minute, so a gallery expiring at the
//! studio's midnight shows it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, Uri};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;

use crate::auth::browser_session::CurrentSession;
use crate::db::changes::{Changes, Kinds};

const PAGE_LIFETIME: Duration = Duration::from_secs(60);

pub struct PageCache {
    /// The site's other servers, told when something changed here.
    changes: Changes,
    generation: AtomicU64,
    pages: quick_cache::sync::Cache<PageKey, CachedPage, PageWeighter>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct PageKey {
    session_id: Option<String>,
    path_and_query: String,
}

#[derive(Clone)]
struct CachedPage {
    generation: u64,
    made: Instant,
    page: Page,
}

/// A page's HTML, as it is and gzipped.
#[derive(Clone)]
pub struct Page {
    html: Bytes,
    gzipped: Bytes,
}

impl Page {
    pub fn new(html: Bytes) -> Self {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(html.len() / 6),
            flate2::Compression::default(),
        );
        // Writing to a Vec cannot fail.
        let gzipped = encoder.write_all(&html).and_then(|()| encoder.finish()).unwrap_or_default();
        Self { html, gzipped: Bytes::from(gzipped) }
    }

    /// The answer for a request with these headers: gzipped when the browser takes it.
    pub fn response(&self, headers: &HeaderMap) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        response
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::VARY, "Accept-Encoding"));
        if accepts_gzip(headers) && !self.gzipped.is_empty() {
            response.insert_header((header::CONTENT_ENCODING, "gzip")).body(self.gzipped.clone())
        } else {
            response.body(self.html.clone())
        }
    }
}

fn path_and_query(uri: &Uri) -> &str {
    uri.path_and_query().map_or("/", |p| p.as_str())
}

/// True when `Accept-Encoding` lists gzip (or `*`) without `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
    })
}

#[derive(Clone)]
struct PageWeighter;

impl quick_cache::Weighter<PageKey, CachedPage> for PageWeighter {
    fn weight(&self, key: &PageKey, kept: &CachedPage) -> u64 {
        (kept.page.html.len() + kept.page.gzipped.len() + key.path_and_query.len() + 200) as u64
    }
}

/// Where a request's page would be kept, read before its data is loaded.
pub struct PageTicket {
    key: PageKey,
    generation: u64,
}

impl PageCache {
    pub fn new(max_bytes: u64, changes: Changes) -> Self {
        let items = (max_bytes / 50_000).clamp(100, 100_000) as usize;
        Self {
            changes,
            generation: AtomicU64::new(0),
            pages: quick_cache::sync::Cache::with_weighter(items, max_bytes, PageWeighter),
        }
    }

    /// Something changed: no page rendered before now is served again, here or on the site's
    /// other servers.
    pub fn forget_all(&self) {
        self.forget_here();
        self.changes.tell(Kinds::PAGES);
    }

    /// No page rendered in this process before now is served again: another server changed
    /// something.
    pub fn forget_here(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The kept page for this request, if it is still current; otherwise a ticket to keep the
    /// page about to be rendered.
    pub fn lookup(
        &self,
        req: &HttpRequest,
        session: &CurrentSession,
    ) -> Result<HttpResponse, PageTicket> {
        let key = PageKey {
            session_id: session.id().map(str::to_string),
            path_and_query: path_and_query(req.uri()).to_string(),
        };
        // Read first: a change that lands while the page renders makes it stale at once.
        let generation = self.generation.load(Ordering::SeqCst);
        match self.current(&key, generation) {
            Some(page) => Ok(page.response(req.headers())),
            None => Err(PageTicket { key, generation }),
        }
    }

    /// The kept page for a request answered before the App (see [`crate::lane`]).
    pub fn kept(
        &self,
        session: &CurrentSession,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Option<HttpResponse> {
        let key = PageKey {
            session_id: session.id().map(str::to_string),
            path_and_query: path_and_query(uri).to_string(),
        };
        let page = self.current(&key, self.generation.load(Ordering::SeqCst))?;
        Some(page.response(headers))
    }

    fn current(&self, key: &PageKey, generation: u64) -> Option<Page> {
        self.pages
            .get(key)
            .filter(|kept| kept.generation == generation && kept.made.elapsed() < PAGE_LIFETIME)
            .map(|kept| kept.page)
    }

    /// Keeps a freshly rendered page for its session, when it may be served again as it is.
    pub fn keep(
        &self,
        req: &HttpRequest,
        session: &CurrentSession,
        ticket: PageTicket,
        page: &Page,
    ) {
        // A page that made a visitor's session carries that session's token: never share it.
        if session.made_csrf(req).is_some() {
            return;
        }
        let kept =
            CachedPage { generation: ticket.generation, made: Instant::now(), page: page.clone() };
        self.pages.insert(ticket.key, kept);
    }
}

/// Middleware: after any request that may have changed something, forget the kept pages.
/// That is every request but GET and HEAD — and GET of an invite link, which opens an event.
pub async fn forget_after_changes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let changes =
        !matches!(*req.method(), Method::GET | Method::HEAD) || req.path().starts_with("/invite/");
    let events = req.app_data::<super::Events>().cloned();
    let res = next.call(req).await;
    if changes && let Some(events) = events {
        events.pages.forget_all();
    }
    res
}
