//! What every page shares: the studio's name, logo and contact, who is signed in, the CSRF
//! token for forms, and the answers of form posts (a redirect for browsers without script,
//! JSON for the page's own script).

use crate::db;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use proofroom_wire::BrandingSlot;
use serde::Serialize;

use crate::auth::browser_session::{CurrentSession, Person};
use crate::db::DbConn;
use crate::email::letter::Letterhead;
use crate::error::AppError;
use crate::studio::{self, BrandingRow, StudioRow};
use crate::web::State;
use crate::web::format::Locale;

#[derive(Serialize, Clone)]
pub struct StudioView {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub logo_url: Option<String>,
    pub marketing_url: Option<String>,
    pub favorites: bool,
    pub client_groups: bool,
    pub yearbook_selection: bool,
    pub guest_registration: bool,
    /// How amounts and dates read on the studio's pages.
    #[serde(skip)]
    pub locale: Locale,
}

pub fn branding_url(row: &BrandingRow) -> String {
    let ext = if row.content_type == "image/png" { "png" } else { "jpg" };
    format!(
        "/branding/{}/{}.{ext}",
        row.slot,
        &row.source_sha256[..16.min(row.source_sha256.len())]
    )
}

pub fn studio_view(conn: &mut DbConn) -> db::Result<(Option<StudioRow>, StudioView)> {
    let row = studio::load(conn)?;
    let branding = studio::branding(conn)?;
    let url_of =
        |slot: BrandingSlot| branding.iter().find(|b| b.slot == slot.as_str()).map(branding_url);
    let view = StudioView {
        name: row.as_ref().map_or_else(|| "Proofroom".to_string(), |s| s.name.clone()),
        email: row.as_ref().and_then(|s| s.email.clone()),
        phone: row.as_ref().and_then(|s| s.phone.clone()),
        logo_url: url_of(BrandingSlot::Logo),
        marketing_url: url_of(BrandingSlot::MarketingImage),
        favorites: row.as_ref().is_none_or(|s| s.allow_favorites),
        client_groups: row.as_ref().is_none_or(|s| s.allow_client_groups),
        yearbook_selection: row.as_ref().is_none_or(|s| s.allow_yearbook_selection),
        guest_registration: row.as_ref().is_none_or(|s| s.allow_guest_registration),
        locale: row.as_ref().map(StudioRow::locale).unwrap_or_default(),
    };
    Ok((row, view))
}

/// Who the site's email speaks as: the studio, with its name, contact and logo (a public
/// address, put on `site_url` in the letter).
pub fn letterhead(conn: &mut DbConn, site_url: &str) -> db::Result<Letterhead> {
    Ok(letterhead_of(&studio_view(conn)?.1, site_url))
}

/// [`letterhead`] of the studio as a page read it.
pub fn letterhead_of(studio: &StudioView, site_url: &str) -> Letterhead {
    Letterhead {
        studio: studio.name.clone(),
        email: studio.email.clone(),
        phone: studio.phone.clone(),
        logo_path: studio.logo_url.clone(),
        site_url: site_url.to_string(),
        locale: studio.locale,
    }
}

#[derive(Serialize)]
struct PersonView<'a> {
    name: &'a str,
    kind: &'a str,
}

/// How many items a signed-in person has in their carts, for the header of every page.
///
/// The app installs checkout's count as app data: checkout owns the carts and builds its pages
/// on this module, so this module cannot call it by name.
#[derive(Clone, Copy)]
pub struct CartCounter(pub fn(&mut DbConn, &Person) -> db::Result<i64>);

/// The context every page template starts from.
pub async fn base_context(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    studio: &StudioView,
) -> Result<tera::Context, AppError> {
    let mut context = tera::Context::new();
    context.insert("studio", studio);
    context.insert("studio_name", &studio.name);
    if let Some(person) = session.person() {
        context.insert("person", &PersonView { name: person.name(), kind: person.kind() });
        if let Some(counter) = req.app_data::<actix_web::web::Data<CartCounter>>() {
            let (count, person) = (counter.0, person.clone());
            let items = db::run(&state.pool, move |conn| count(conn, &person)).await?;
            context.insert("cart_count", &items);
        }
    }
    // Only an existing session's token: a visitor merely looking gets no session row.
    if let Some(s) = session.web_session() {
        context.insert("csrf", &s.csrf_token);
    } else if let Some(token) = session.made_csrf(req) {
        context.insert("csrf", &token);
    }
    Ok(context)
}

/// [`base_context`] for a page with a form a visitor may send (sign in, event code): gives a
/// visitor a CSRF token of their own (a signed cookie, no session row).
pub async fn form_context(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    studio: &StudioView,
) -> Result<tera::Context, AppError> {
    let token = session.csrf_token(req);
    let mut context = base_context(req, state, session, studio).await?;
    context.insert("csrf", &token);
    Ok(context)
}

/// [`form_context`] with the studio read for it: the start of every page with a form.
pub async fn form_page(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
) -> Result<tera::Context, AppError> {
    let studio = crate::db::run(&state.pool, studio_view).await?.1;
    form_context(req, state, session, &studio).await
}

/// Renders a page with a status other than 200.
pub fn render_status(
    state: &State,
    template: &str,
    context: &tera::Context,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut response = state.render(template, context)?;
    *response.status_mut() = status;
    Ok(response)
}

pub use crate::web::wants_json;

/// The answer to a form post: JSON for the script, otherwise "see other" to `location`.
pub fn done(req: &HttpRequest, location: &str, json: serde_json::Value) -> HttpResponse {
    if wants_json(req) { HttpResponse::Ok().json(json) } else { see_other(location) }
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location.to_string())).finish()
}

/// A `next` address from a form or query, kept only when it is a path on this site (and so
/// can go in a `Location` header: no control characters).
pub fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(char::is_control)
    })
    .map(str::to_string)
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
        || crate::web::wants_json(req.request());
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
    // Who is signed in, when the handler had looked (the page keeps its header).
    let session = res.request().extensions().get::<CurrentSession>().cloned();
    let response = error_page(&state, status, app_error.as_ref(), session.as_ref()).await;
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(req, response))
}

/// The friendly HTML page for an error answer: the error's own message for a person's mistake,
/// a general one otherwise — with the studio's logo, header and footer like every page.
pub async fn error_page(
    state: &State,
    status: StatusCode,
    app_error: Option<&AppError>,
    session: Option<&CurrentSession>,
) -> HttpResponse {
    let (title, message) = match app_error {
        Some(e) if e.status.is_client_error() => (friendly_title(status), e.message.clone()),
        Some(e) => ("Something went wrong".to_string(), e.message.clone()),
        None => (friendly_title(status), friendly_message(status)),
    };
    let mut context = tera::Context::new();
    context.insert("title", &title);
    context.insert("message", &message);
    match crate::db::run(&state.pool, studio_view).await {
        Ok((_, studio)) => {
            context.insert("studio_name", &studio.name);
            context.insert("studio", &studio);
        }
        // The database itself may be what failed: the page still goes out, plainer.
        Err(_) => context.insert("studio_name", "Proofroom"),
    }
    if let Some(session) = session
        && let (Some(person), Some(web)) = (session.person(), session.web_session())
    {
        context.insert("person", &PersonView { name: person.name(), kind: person.kind() });
        context.insert("csrf", &web.csrf_token);
    }
    let html = match state.templates.render("error.html", &context) {
        Ok(html) => html,
        Err(_) => format!(
            "<!doctype html><title>{}</title><p>{}</p>",
            crate::web::escape_html(&title),
            crate::web::escape_html(&message)
        ),
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")))
        .body(html)
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

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(local_path(Some("/events/x")).as_deref(), Some("/events/x"));
        assert_eq!(local_path(Some("//evil.example/")), None);
        assert_eq!(local_path(Some("https://evil.example/")), None);
        assert_eq!(local_path(Some("/\\evil.example")), None);
        assert_eq!(local_path(Some("/events\r\nSet-Cookie: x=1")), None);
        assert_eq!(local_path(None), None);
    }
}
