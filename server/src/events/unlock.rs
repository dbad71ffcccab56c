//! Opening a private event with its code, and personal invite links.
//!
//! The home page's code box may match several events that share a code; then the visitor picks
//! one, and only that one opens. Wrong codes are throttled per address and per code value.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use proofroom_wire::EventType;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::Events;
use super::access::{self, Access, PassAccount, ViewerKey};
use super::models::EventRow;
use crate::auth::browser_session::CurrentSession;
use crate::db::schema::{event_passes, events, guest_invites};
use crate::db::{self, DbConn, EventId, InviteId};
use crate::error::AppError;
use crate::site::{self, form_context, render_status, see_other};
use crate::throttle::{client_address, too_many};
use crate::web::CsrfForm;
use crate::web::State;

diesel::define_sql_function!(fn upper(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    code: String,
}

/// Codes are typed by hand: spaces around and letter case do not matter.
fn normalize(code: &str) -> String {
    code.trim().to_uppercase()
}

/// Records that `event_id` is open to this browser session and, for someone signed in, to
/// their account (so My events keeps it after the browser session ends).
pub fn add_pass(
    conn: &mut DbConn,
    event_id: &EventId,
    session_id: &str,
    account: Option<&PassAccount>,
    code: Option<&str>,
    invite: Option<&InviteId>,
) -> db::Result<()> {
    let now = db::now();
    let (guest, client) = match account {
        Some(PassAccount::Guest(g)) => (Some(g.as_str()), None),
        Some(PassAccount::Client(c)) => (None, Some(c.as_str())),
        None => (None, None),
    };
    let holders = [(Some(session_id), None, None), (None, guest, client)];
    for (session, guest, client) in holders {
        if session.is_none() && guest.is_none() && client.is_none() {
            continue;
        }
        diesel::insert_into(event_passes::table)
            .values((
                event_passes::id.eq(uuid::Uuid::new_v4().to_string()),
                event_passes::event_id.eq(event_id),
                event_passes::web_session_id.eq(session),
                event_passes::guest_id.eq(guest),
                event_passes::client_id.eq(client),
                event_passes::code.eq(code),
                event_passes::invite_id.eq(invite),
                event_passes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Gives the events the browser session `from` had opened (by code or invite) to the session
/// `to` and to the account signing in.
pub fn keep_passes(
    conn: &mut DbConn,
    from: &str,
    to: &str,
    account: Option<&PassAccount>,
) -> db::Result<()> {
    let passes: Vec<(EventId, Option<String>, Option<InviteId>)> = event_passes::table
        .filter(event_passes::web_session_id.eq(from))
        .select((event_passes::event_id, event_passes::code, event_passes::invite_id))
        .load(conn)?;
    for (event_id, code, invite_id) in passes {
        add_pass(conn, &event_id, to, account, code.as_deref(), invite_id.as_ref())?;
    }
    Ok(())
}

/// Applies the throttles, then finds the open private events whose code is `code`.
async fn matching_events(
    req: &HttpRequest,
    state: &State,
    code: &str,
    only: Option<&EventId>,
) -> Result<Vec<EventRow>, AppError> {
    let address_key = format!("code:{}", client_address(req, &state.config));
    let value_key = format!("code-value:{code}");
    let throttles = state.throttles;
    // Counted before the lookup, so a burst of guesses at once is held to the limit too.
    let (address, value) = (address_key.clone(), value_key.clone());
    db::run(&state.pool, move |conn| -> db::Result<_> {
        if let Err(wait) = throttles.code_address.attempt(conn, &address)? {
            return Ok(Err(wait));
        }
        if let Err(wait) = throttles.code_value.attempt(conn, &value)? {
            throttles.code_address.succeeded(conn, &address)?;
            return Ok(Err(wait));
        }
        Ok(Ok(()))
    })
    .await?
    .map_err(|wait| too_many(wait, "event codes tried"))?;
    let code = code.to_string();
    let only = only.cloned();
    let found = db::run(&state.pool, move |conn| -> db::Result<_> {
        let today = access::studio_today(conn)?;
        let mut q = events::table
            .filter(events::event_type.eq(EventType::Private.as_str()))
            .filter(upper(events::event_code.assume_not_null()).eq(&code))
            .filter(events::expires_on.ge(today))
            .into_boxed();
        if let Some(id) = &only {
            q = q.filter(events::id.eq(id));
        }
        Ok(q.order(events::session_date.desc()).select(EventRow::as_select()).load(conn)?)
    })
    .await?;
    if !found.is_empty() {
        db::run(&state.pool, move |conn| {
            throttles.code_address.succeeded(conn, &address_key)?;
            throttles.code_value.succeeded(conn, &value_key)
        })
        .await?;
    }
    Ok(found)
}

#[derive(Serialize)]
struct Choice {
    id: String,
    description: String,
    date: String,
}

/// The home page's code box.
pub async fn unlock_any(
    req: HttpRequest,
    state: State,
    events: Events,
    session: CurrentSession,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let code = normalize(&form.code);
    let found = if code.is_empty() {
        Vec::new()
    } else {
        matching_events(&req, &state, &code, None).await?
    };
    match found.len() {
        0 => wrong_code(&req, &state, &session, None, form.code.trim()).await,
        1 => open(&req, &state, &events, &session, &found[0]).await,
        _ => {
            let studio = crate::db::run(&state.pool, site::studio_view).await?.1;
            let mut context = site::form_context(&req, &state, &session, &studio).await?;
            let choices: Vec<Choice> = found
                .iter()
                .map(|e| Choice {
                    id: e.id.to_string(),
                    description: e.description.clone(),
                    date: studio.locale.date(e.session_date),
                })
                .collect();
            context.insert("choices", &choices);
            context.insert("code", &code);
            state.render("choose_event.html", &context)
        }
    }
}

/// The code box of one private event's page.
pub async fn unlock_event(
    req: HttpRequest,
    state: State,
    events: Events,
    session: CurrentSession,
    path: web::Path<String>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let event_id = EventId::parse(&path)
        .ok_or_else(|| AppError::not_found("event_not_found", "There is no such gallery."))?;
    let code = normalize(&form.code);
    let found = if code.is_empty() {
        Vec::new()
    } else {
        matching_events(&req, &state, &code, Some(&event_id)).await?
    };
    match found.first() {
        Some(event) => open(&req, &state, &events, &session, event).await,
        None => wrong_code(&req, &state, &session, Some(&event_id), form.code.trim()).await,
    }
}

async fn open(
    req: &HttpRequest,
    state: &State,
    events: &Events,
    session: &CurrentSession,
    event: &EventRow,
) -> Result<HttpResponse, AppError> {
    let session_id = session.ensure_id(req, state).await?;
    let account = session.person().and_then(PassAccount::of);
    let (event_id, code) = (event.id.clone(), event.event_code.clone());
    db::run(&state.pool, move |conn| {
        add_pass(conn, &event_id, &session_id, account.as_ref(), code.as_deref(), None)
    })
    .await?;
    events.access.invalidate();
    Ok(see_other(&format!("/events/{}", event.id)))
}

async fn wrong_code(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    event_id: Option<&EventId>,
    code: &str,
) -> Result<HttpResponse, AppError> {
    let studio = db::run(&state.pool, site::studio_view).await?.1;
    let mut context = form_context(req, state, session, &studio).await?;
    let message = "That code does not open a gallery. Check it with the studio and try again.";
    context.insert("error", message);
    // What was typed stays in the box, to be corrected rather than typed again.
    context.insert("code", code);
    context.insert("event_id", &event_id.map(ToString::to_string).unwrap_or_default());
    render_status(state, "unlock.html", &context, StatusCode::NOT_FOUND)
}

// ---------------------------------------------------------------------------------------------
// Invites

#[derive(Serialize)]
struct InviteView {
    id: String,
    guest_name: String,
    url: String,
    created: String,
    revoked: bool,
}

/// Only the session's client manages its invites.
async fn client_event(
    state: &State,
    session: &CurrentSession,
    event_id: &str,
) -> Result<EventRow, AppError> {
    let missing = || AppError::not_found("event_not_found", "There is no such gallery.");
    let event_id = EventId::parse(event_id).ok_or_else(missing)?;
    let (access, event) = access::event_access(state, ViewerKey::from(session), &event_id).await?;
    let event = event.ok_or_else(missing)?;
    let is_client = session.person().and_then(|p| p.client_id()) == Some(&event.client_id);
    if !is_client || access == Access::Hidden {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "not_the_client",
            "Only the client of this session can invite guests. Sign in first.",
        ));
    }
    Ok(event)
}

pub async fn invites_page(
    req: HttpRequest,
    state: State,
    page: super::access::SignedInEvent,
) -> Result<HttpResponse, AppError> {
    let (session, path) = (page.session, page.event_id.to_string());
    let event = client_event(&state, &session, &path).await?;
    // From the configured `public_url`, never from the request's Host or X-Forwarded-Host,
    // which whoever sends the request chooses.
    let base = state.site_url.clone();
    let id = event.id.clone();
    let (studio, invites) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let studio = site::studio_view(conn)?.1;
        let rows: Vec<(
            InviteId,
            String,
            String,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
        )> = guest_invites::table
            .filter(guest_invites::event_id.eq(&id))
            .order(guest_invites::created_at.desc())
            .select((
                guest_invites::id,
                guest_invites::guest_name,
                guest_invites::token,
                guest_invites::created_at,
                guest_invites::revoked_at,
            ))
            .load(conn)?;
        Ok((studio, rows))
    })
    .await?;
    let invites: Vec<InviteView> = invites
        .into_iter()
        .map(|(id, guest_name, token, created, revoked)| InviteView {
            id: id.to_string(),
            guest_name,
            url: format!("{base}/invite/{token}"),
            created: studio.locale.date(created.date()),
            revoked: revoked.is_some(),
        })
        .collect();
    let mut context = form_context(&req, &state, &session, &studio).await?;
    context.insert("event_id", &event.id.to_string());
    context.insert("description", &event.description);
    context.insert("invites", &invites);
    state.render("invites.html", &context)
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    guest_name: String,
}

pub async fn create_invite(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<String>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let event = client_event(&state, &session, &path).await?;
    let name = form.guest_name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::unprocessable(
            "invalid_guest_name",
            "Give the guest's name, so you know whose link it is.",
        ));
    }
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let id = InviteId::new();
    let event_id = event.id.clone();
    let (iid, tok) = (id.clone(), token.clone());
    db::run(&state.pool, move |conn| -> db::Result<_> {
        diesel::insert_into(guest_invites::table)
            .values((
                guest_invites::id.eq(&iid),
                guest_invites::event_id.eq(&event_id),
                guest_invites::token.eq(&tok),
                guest_invites::guest_name.eq(&name),
                guest_invites::created_at.eq(db::now()),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    let url = format!("{}/invite/{token}", state.site_url);
    Ok(site::done(
        &req,
        &format!("/events/{}/invites", event.id),
        serde_json::json!({ "id": id.to_string(), "url": url }),
    ))
}

pub async fn revoke_invite(
    req: HttpRequest,
    state: State,
    events: Events,
    session: CurrentSession,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let (event_id, invite_id) = path.into_inner();
    let event = client_event(&state, &session, &event_id).await?;
    let id = event.id.clone();
    let changed = db::run(&state.pool, move |conn| -> db::Result<_> {
        Ok(diesel::update(
            guest_invites::table
                .filter(guest_invites::id.eq(&invite_id))
                .filter(guest_invites::event_id.eq(&id))
                .filter(guest_invites::revoked_at.is_null()),
        )
        .set(guest_invites::revoked_at.eq(Some(db::now())))
        .execute(conn)?)
    })
    .await?;
    events.access.invalidate();
    Ok(site::done(
        &req,
        &format!("/events/{}/invites", event.id),
        serde_json::json!({ "revoked": changed > 0 }),
    ))
}

/// A guest follows their personal link.
pub async fn follow_invite(
    req: HttpRequest,
    state: State,
    events: Events,
    session: CurrentSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let found = db::run(&state.pool, move |conn| -> db::Result<_> {
        Ok(guest_invites::table
            .filter(guest_invites::token.eq(&token))
            .select((guest_invites::id, guest_invites::event_id, guest_invites::revoked_at))
            .first::<(InviteId, EventId, Option<chrono::NaiveDateTime>)>(conn)
            .optional()?)
    })
    .await?;
    let gone = || {
        AppError::not_found(
            "invite_not_valid",
            "This invitation link is not valid any more. Ask the person who sent it for a new one.",
        )
    };
    let (invite_id, event_id, revoked) = found.ok_or_else(gone)?;
    if revoked.is_some() {
        return Err(gone());
    }
    let session_id = session.ensure_id(&req, &state).await?;
    let account = session.person().and_then(PassAccount::of);
    let eid = event_id.clone();
    db::run(&state.pool, move |conn| {
        add_pass(conn, &eid, &session_id, account.as_ref(), None, Some(&invite_id))
    })
    .await?;
    events.access.invalidate();
    Ok(see_other(&format!("/events/{event_id}")))
}
