//! What every page shares: the studio's name, logo and contact, who is signed in, the CSRF
//! token for forms, and the answers of form posts (a redirect for browsers without script,
//! JSON for the page's own script).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use proofroom_wire::BrandingSlot;
use serde::Serialize;

use crate::auth::session::CurrentSession;
use crate::db::DbConn;
use crate::error::AppError;
use crate::studio::{self, BrandingRow, StudioRow};
use crate::web::State;

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
}

pub fn branding_url(row: &BrandingRow) -> String {
    let ext = if row.content_type == "image/png" { "png" } else { "jpg" };
    format!(
        "/branding/{}/{}.{ext}",
        row.slot,
        &row.source_sha256[..16.min(row.source_sha256.len())]
    )
}

pub fn studio_view(conn: &mut DbConn) -> Result<(Option<StudioRow>, StudioView), AppError> {
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
    };
    Ok((row, view))
}

#[derive(Serialize)]
struct PersonView<'a> {
    name: &'a str,
    kind: &'a str,
}

/// The context every page template starts from.
pub async fn base_context(
    req: &HttpRequest,
    _state: &State,
    session: &CurrentSession,
    studio: &StudioView,
) -> Result<tera::Context, AppError> {
    let mut context = tera::Context::new();
    context.insert("studio", studio);
    context.insert("studio_name", &studio.name);
    if let Some(person) = session.person() {
        context.insert("person", &PersonView { name: person.name(), kind: person.kind() });
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
    let token = session.csrf_token(req, state);
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

/// True when the page's script sent the form and wants JSON back.
pub fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

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
