//! Shared web pieces that know no feature: the state every handler shares, templates, embedded
//! static assets, security headers, ETags, the extractors' error answers, `CsrfForm`, and how
//! amounts and dates read ([`format`]). A feature's own state is its own `web::Data`, registered
//! by [`crate::app`].

pub mod format;

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::config::Config;
use crate::db::Pool;
use crate::error::AppError;
use crate::storage::Store;

/// What every feature's handlers share; built once by [`crate::app::Application::build`]. A
/// feature's own state (its caches, its workers) is registered beside it as its own
/// `web::Data`, so this layer names no feature.
pub struct AppState {
    pub pool: Pool,
    /// Tells the site's other servers what changed here (PostgreSQL; nobody with SQLite).
    pub changes: crate::db::changes::Changes,
    /// Statements the pool's connections have run since start.
    pub queries: crate::db::QueryCount,
    pub store: Arc<dyn Store>,
    pub config: Config,
    pub templates: tera::Tera,
    /// Scratch space for uploads, on the same filesystem as the store.
    pub upload_dir: PathBuf,
    pub throttles: crate::throttle::Throttles,
    /// Sends what `outgoing_emails` holds; woken after a transaction queued a message.
    pub mailer: Arc<crate::email::Mailer>,
    /// The site's address as clients reach it, for links in email.
    pub site_url: String,
    /// What every response carries (see [`SecurityHeaders`]).
    pub security_headers: SecurityHeaders,
}

pub type State = web::Data<AppState>;

/// Templates are compiled into the binary so the server runs from any directory.
pub fn templates() -> Result<tera::Tera, tera::Error> {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates([
        ("base.html", include_str!("../../../templates/base.html")),
        ("macros.html", include_str!("../../../templates/macros.html")),
        ("home.html", include_str!("../../../templates/home.html")),
        ("event.html", include_str!("../../../templates/event.html")),
        ("error.html", include_str!("../../../templates/error.html")),
        ("login.html", include_str!("../../../templates/login.html")),
        ("account.html", include_str!("../../../templates/account.html")),
        ("register.html", include_str!("../../../templates/register.html")),
        ("register_sent.html", include_str!("../../../templates/register_sent.html")),
        ("confirm.html", include_str!("../../../templates/confirm.html")),
        ("forgot.html", include_str!("../../../templates/forgot.html")),
        ("forgot_sent.html", include_str!("../../../templates/forgot_sent.html")),
        ("reset.html", include_str!("../../../templates/reset.html")),
        ("my_events.html", include_str!("../../../templates/my_events.html")),
        ("unlock.html", include_str!("../../../templates/unlock.html")),
        ("choose_event.html", include_str!("../../../templates/choose_event.html")),
        ("photo.html", include_str!("../../../templates/photo.html")),
        ("favorites.html", include_str!("../../../templates/favorites.html")),
        ("invites.html", include_str!("../../../templates/invites.html")),
        ("cart.html", include_str!("../../../templates/cart.html")),
        ("checkout.html", include_str!("../../../templates/checkout.html")),
        ("order.html", include_str!("../../../templates/order.html")),
        ("orders.html", include_str!("../../../templates/orders.html")),
        ("pay.html", include_str!("../../../templates/pay.html")),
        ("prepaid.html", include_str!("../../../templates/prepaid.html")),
        ("contract.html", include_str!("../../../templates/contract.html")),
        ("album.html", include_str!("../../../templates/album.html")),
        ("carts.html", include_str!("../../../templates/carts.html")),
        ("downloads.html", include_str!("../../../templates/downloads.html")),
    ])?;
    tera.set_escape_fn(escape_html);
    Ok(tera)
}

/// Every value a template prints is escaped with this (the one `| safe` is a contract's frozen
/// HTML, made by `contracts::document`, where nothing of the Markdown becomes markup): `& < > " '`
/// cannot open a tag or leave a quoted attribute. Unlike tera's default it leaves `/` alone,
/// so links the server built (their studio ids percent-encoded) read as written.
pub use crate::email::letter::escape_html;

impl AppState {
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
        bytes: include_bytes!("../../../static/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../static/app.js"),
    },
    Asset {
        name: "order.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../static/order.js"),
    },
    Asset {
        name: "pay.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../static/pay.js"),
    },
    Asset {
        name: "contract.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../static/contract.js"),
    },
    Asset {
        name: "album.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../static/album.js"),
    },
    Asset {
        name: "empty-slot.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../static/empty-slot.svg"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../static/favicon.svg"),
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

/// The headers on every response: no inline script, no framing, no MIME sniffing. Made once
/// at start: images may also come from the bucket (`[s3] signed_url_seconds`).
#[derive(Clone)]
pub struct SecurityHeaders([(HeaderName, HeaderValue); 4]);

/// The pages' content security policy.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    script-src 'self'; style-src 'self'; frame-src https://www.youtube-nocookie.com \
    https://player.vimeo.com https://s3.amazonaws.com/embed.animoto.com/ \
    https://embed.animoto.com https://animoto.com; frame-ancestors 'none'; base-uri 'self'; \
    form-action 'self'";

impl SecurityHeaders {
    /// `image_source`: where else images come from (`https://bucket.example/site/`), if
    /// anywhere. Without one the policy is a static value, copied for free on every answer.
    pub fn new(image_source: Option<&str>) -> Result<Self, header::InvalidHeaderValue> {
        let policy = match image_source {
            None => HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            Some(source) => HeaderValue::from_str(&CONTENT_SECURITY_POLICY.replacen(
                "img-src 'self' data:",
                &format!("img-src 'self' data: {source}"),
                1,
            ))?,
        };
        Ok(Self([
            (header::CONTENT_SECURITY_POLICY, policy),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        ]))
    }

    /// Sets them on an answer made outside the App (see [`crate::lane`]).
    pub fn add_to(&self, headers: &mut actix_web::http::header::HeaderMap) {
        for (name, value) in &self.0 {
            headers.insert(name.clone(), value.clone());
        }
    }

    /// As middleware, for everything the App serves.
    pub fn middleware(&self) -> DefaultHeaders {
        self.0.iter().cloned().fold(DefaultHeaders::new(), |headers, h| headers.add(h))
    }
}

/// Middleware: a request that changed something is answered only once the site's other
/// servers have heard what to forget (`db::changes`), so that the next request — on whichever
/// server the load balancer picks — sees the change. Only requests that may change something
/// wait (all but GET and HEAD, and the invite links that open an event); with one server
/// nothing waits.
pub async fn wait_until_others_heard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let may_change =
        !matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD)
            || req.path().starts_with("/invite/");
    let changes = req.app_data::<State>().map(|state| state.changes.clone()).filter(|_| may_change);
    let before = changes.as_ref().map_or(0, |changes| changes.marked());
    let res = next.call(req).await?;
    if let Some(changes) = changes {
        let after = changes.marked();
        if after > before {
            changes.heard(after).await;
        }
    }
    Ok(res)
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

/// True when the page's script sent the form and wants JSON back.
pub fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// A form that carries only its CSRF token (sign out, remove, revoke).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// A studio id (session, invoice, price list): any folder or file name, by the one rule of
/// [`proofroom_wire::studio_id_problem`]. Ids are percent-encoded wherever they go into a URL.
pub fn check_studio_id(kind: &str, id: &str) -> Result<(), AppError> {
    match proofroom_wire::studio_id_problem(id) {
        None => Ok(()),
        Some(problem) => Err(AppError::unprocessable(
            "invalid_id",
            format!("The {kind} id {id:?} {problem}; rename its folder or file and push again."),
        )),
    }
}
