//! Shared web pieces: application state, templates, embedded static assets, security headers and
//! the HTML rendering of errors for pages.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{HttpRequest, HttpResponse, web};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::db::Pool;
use crate::error::AppError;
use crate::storage::Store;

/// Everything a handler needs; built once in [`crate::Application::build`].
pub struct AppState {
    pub pool: Pool,
    pub store: Arc<dyn Store>,
    pub config: Config,
    pub templates: tera::Tera,
    /// Scratch space for uploads, on the same filesystem as the store.
    pub upload_dir: PathBuf,
    /// Bounds how many images are decoded at once, and so the memory they take.
    pub ingest_slots: Semaphore,
    /// Bounds the memory all decodes take together (`max_ingest_memory`).
    pub decode_budget: crate::gallery::ingest::DecodeBudget,
    pub rerender: crate::gallery::rerender::RerenderFlags,
    pub watermark_cache: crate::studio::WatermarkCache,
    /// Held shared while files are written and recorded, exclusively while unreferenced files
    /// are counted and deleted: content-addressed files can be shared between images.
    pub file_lock: std::sync::RwLock<()>,
    /// Upload bodies read since start (images and branding): a push that skips unchanged files
    /// must not move this.
    pub upload_bodies_read: std::sync::atomic::AtomicU64,
    pub sessions: crate::auth::session::SessionCache,
    /// Signs visitors' form cookies into CSRF tokens.
    pub form_key: crate::auth::session::FormKey,
    /// Bounds the argon2 hashes computed at once.
    pub password_work: crate::auth::passwords::PasswordWork,
    pub access: crate::events::access::AccessCache,
    pub image_cache: crate::gallery::serve::ImageCache,
    pub pages: crate::events::page_cache::PageCache,
    pub throttles: crate::throttle::Throttles,
    /// Sends what `outgoing_emails` holds; woken after a transaction queued a message.
    pub mailer: Arc<crate::email::Mailer>,
    /// The site's address as clients reach it, for links in email.
    pub site_url: String,
    /// Card payments, when the server is configured for them.
    pub stripe: Option<crate::checkout::stripe::Stripe>,
}

pub type State = web::Data<AppState>;

/// Templates are compiled into the binary so the server runs from any directory.
pub fn templates() -> Result<tera::Tera, tera::Error> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates([
        ("base.html", include_str!("../../templates/base.html")),
        ("home.html", include_str!("../../templates/home.html")),
        ("event.html", include_str!("../../templates/event.html")),
        ("error.html", include_str!("../../templates/error.html")),
        ("login.html", include_str!("../../templates/login.html")),
        ("account.html", include_str!("../../templates/account.html")),
        ("register.html", include_str!("../../templates/register.html")),
        ("register_sent.html", include_str!("../../templates/register_sent.html")),
        ("confirm.html", include_str!("../../templates/confirm.html")),
        ("forgot.html", include_str!("../../templates/forgot.html")),
        ("forgot_sent.html", include_str!("../../templates/forgot_sent.html")),
        ("reset.html", include_str!("../../templates/reset.html")),
        ("my_events.html", include_str!("../../templates/my_events.html")),
        ("unlock.html", include_str!("../../templates/unlock.html")),
        ("choose_event.html", include_str!("../../templates/choose_event.html")),
        ("photo.html", include_str!("../../templates/photo.html")),
        ("favorites.html", include_str!("../../templates/favorites.html")),
        ("invites.html", include_str!("../../templates/invites.html")),
        ("cart.html", include_str!("../../templates/cart.html")),
        ("checkout.html", include_str!("../../templates/checkout.html")),
        ("order.html", include_str!("../../templates/order.html")),
        ("orders.html", include_str!("../../templates/orders.html")),
        ("pay.html", include_str!("../../templates/pay.html")),
        ("prepaid.html", include_str!("../../templates/prepaid.html")),
    ])?;
    tera.set_escape_fn(escape_html);
    Ok(tera)
}

/// Every value a template prints is escaped with this (no template uses `| safe`): `& < > " '`
/// cannot open a tag or leave a quoted attribute. Unlike tera's default it leaves `/` alone,
/// so links the server built (their studio ids percent-encoded) read as written.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

impl AppState {
    /// The studio changed events or images: forget cached access decisions, image places and pages.
    pub fn catalog_changed(&self) {
        self.access.invalidate();
        self.image_cache.images_changed();
        self.pages.forget_all();
    }

    pub fn render(
        &self,
        template: &str,
        context: &tera::Context,
    ) -> Result<HttpResponse, AppError> {
        let html = self.templates.render(template, context)?;
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(html))
    }
}

/// Static assets, embedded, served with a content hash in the URL for long caching.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/app.js"),
    },
    Asset {
        name: "order.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/order.js"),
    },
    Asset {
        name: "pay.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/pay.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../static/favicon.svg"),
    },
];

/// Each asset's ETag, hashed once rather than at every request.
static ASSET_ETAGS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    ASSETS.iter().map(|a| format!("\"{}\"", &crate::storage::sha256_hex(a.bytes)[..16])).collect()
});

pub async fn static_asset(
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (asset, etag) = ASSETS
        .iter()
        .zip(ASSET_ETAGS.iter())
        .find(|(a, _)| a.name == name.as_str())
        .ok_or_else(|| AppError::not_found("not_found", "No such file."))?;
    let etag = etag.clone();
    if etag_matches(req.headers(), &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(asset.bytes))
}

/// True when the request's `If-None-Match` names `etag` (or `*`).
pub fn etag_matches(headers: &header::HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// Headers on every response: no inline script, no framing, no MIME sniffing.
pub fn security_header_list() -> [(HeaderName, HeaderValue); 4] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; \
                 frame-src https://www.youtube-nocookie.com https://player.vimeo.com \
                 https://s3.amazonaws.com/embed.animoto.com/ https://embed.animoto.com \
                 https://animoto.com; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            ),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}

/// Sets [`security_header_list`] on an answer made outside the App (see [`crate::lane`]).
pub fn add_security_headers(headers: &mut actix_web::http::header::HeaderMap) {
    for (name, value) in security_header_list() {
        headers.insert(name, value);
    }
}

/// [`security_header_list`] as middleware, for everything the App serves.
pub fn security_headers() -> DefaultHeaders {
    security_header_list().into_iter().fold(DefaultHeaders::new(), |headers, h| headers.add(h))
}

/// Pages get errors as HTML; the API, Stripe's webhook, the checkout's totals (only ever JSON)
/// and the pages' own script (which asks for JSON) keep their JSON.
pub async fn html_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/")
        || req.path().starts_with("/stripe/")
        || req.path().ends_with("/checkout/totals")
        || crate::site::wants_json(req.request());
    let state = req.app_data::<State>().cloned();
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    let already_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_api || already_html || !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let Some(state) = state else { return Ok(res) };
    let app_error = res.response().error().and_then(|e| e.as_error::<AppError>()).cloned();
    let response = error_page(&state, status, app_error.as_ref()).await;
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, response))
}

/// The friendly HTML page for an error answer: the error's own message for a person's mistake,
/// a general one otherwise.
pub async fn error_page(
    state: &State,
    status: StatusCode,
    app_error: Option<&AppError>,
) -> HttpResponse {
    let (title, message) = match app_error {
        Some(e) if e.status.is_client_error() => (friendly_title(status), e.message.clone()),
        Some(e) => ("Something went wrong".to_string(), e.message.clone()),
        None => (friendly_title(status), friendly_message(status)),
    };
    let mut context = tera::Context::new();
    context.insert("title", &title);
    context.insert("message", &message);
    context.insert("studio_name", &crate::events::studio_name(state).await);
    let html = match state.templates.render("error.html", &context) {
        Ok(html) => html,
        Err(_) => format!(
            "<!doctype html><title>{}</title><p>{}</p>",
            escape_html(&title),
            escape_html(&message)
        ),
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")))
        .body(html)
}

/// No one types a NUL character, PostgreSQL text cannot hold one and SQLite would keep it
/// silently: a page request whose address or form holds one (`%00`) gets a 400 page before any
/// handler runs, alike on both backends. (The API refuses NUL in its JSON bodies itself.)
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.path().starts_with("/api/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let mut nul = req.uri().path_and_query().is_some_and(|pq| holds_nul(pq.as_str().as_bytes()));
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !nul && is_form {
        // Forms are small (see `form_config`); the body is read here and handed on as read.
        let body = match req.extract::<web::Bytes>().await {
            Ok(body) => body,
            Err(e) => return Ok(req.error_response(e)),
        };
        nul = holds_nul(&body);
        req.set_payload(body.into());
    }
    if nul {
        return Ok(req.error_response(AppError::bad_request(
            "invalid_character",
            "The address or form holds a character that cannot be used (a NUL, %00). Go back \
             and try again.",
        )));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A raw NUL byte, or `%00`, its URL encoding.
fn holds_nul(raw: &[u8]) -> bool {
    raw.contains(&0) || raw.windows(3).any(|w| w == b"%00")
}

fn friendly_title(status: StatusCode) -> String {
    match status.as_u16() {
        404 => "Page not found".into(),
        401 => "Please sign in".into(),
        403 => "Not allowed".into(),
        410 => "This gallery has expired".into(),
        429 => "Please wait a moment".into(),
        413 => "Too large".into(),
        _ => "Something is not right".into(),
    }
}

fn friendly_message(status: StatusCode) -> String {
    match status.as_u16() {
        404 => "We could not find that page. It may have been taken down.".into(),
        405 => "That page cannot be used that way.".into(),
        _ => "Your request could not be handled. Please go back and try again.".into(),
    }
}

/// Turns actix's own extractor errors (bad JSON, bad query, bad path) into [`AppError`]s so the
/// API always answers in its JSON shape.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().limit(4 * 1024 * 1024).error_handler(|err, _req| {
        let message = format!("The JSON body could not be read: {err}");
        let status = match &err {
            actix_web::error::JsonPayloadError::OverflowKnownLength { .. }
            | actix_web::error::JsonPayloadError::Overflow { .. } => {
                AppError::too_large("body_too_large", message)
            }
            actix_web::error::JsonPayloadError::ContentType => AppError::unsupported_media(
                "unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json.",
            ),
            // Well-formed JSON of the wrong shape is 422; broken JSON is 400.
            actix_web::error::JsonPayloadError::Deserialize(e) if e.is_data() => {
                AppError::unprocessable("invalid_body", message)
            }
            _ => AppError::bad_request("invalid_body", message),
        };
        status.into()
    })
}

/// A form with a field missing or malformed gets a page that says so, not a bare 400.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(64 * 1024).error_handler(|err, _req| {
        AppError::bad_request(
            "invalid_form",
            format!(
                "The form could not be read ({err}). Go back, fill in every field and try again."
            ),
        )
        .into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        AppError::bad_request("invalid_query", format!("The query string could not be read: {err}"))
            .into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        AppError::not_found("not_found", format!("No such resource: {err}")).into()
    })
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::not_found("not_found", "There is nothing at this address."))
}

/// Middleware: the first time a request arrives with forwarding headers while `trust_proxy` is
/// off, says so in the log. Behind a proxy every visitor then shares the proxy's address, and
/// 20 wrong event codes from anyone lock the whole site out for an hour.
pub async fn warn_of_an_untrusted_proxy(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.load(Ordering::Relaxed)
        && (req.headers().contains_key(header::X_FORWARDED_FOR)
            || req.headers().contains_key(header::FORWARDED))
        && req.app_data::<State>().is_some_and(|s| !s.config.trust_proxy)
        && !WARNED.swap(true, Ordering::Relaxed)
    {
        tracing::warn!(
            "requests arrive with X-Forwarded-For/Forwarded but trust_proxy is off: if a proxy \
             is in front, every visitor shares its address for the sign-in and event-code \
             limits (20 wrong codes lock everyone out for an hour); set trust_proxy = true and \
             trusted_proxies to the proxy's address"
        );
    }
    next.call(req).await
}
