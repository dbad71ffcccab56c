//! Guest registration, confirmed by email.
//!
//! Whatever address is typed, the answer is the same "check your email" page, so registration
//! tells nobody whether an address has an account. A new address gets a confirmation link; the
//! account signs in, and reaches the studio's inbox, only once it is followed. An address that
//! already has an account (a client's or a guest's) gets an email saying so, with a sign-in
//! link and a password reset link — never a second account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::sign_in::{looks_like_email, rotate_session};
use crate::auth::browser_session::{self, CurrentSession};
use crate::auth::links::{self, Holder, Purpose};
use crate::auth::people::{self, NewGuest};
use crate::auth::{Auth, passwords};
use crate::db::{self, DbConn, EventId};
use crate::email::letter::{Button, Letter, Letterhead};
use crate::email::{self, NewEmail};
use crate::error::AppError;
use crate::events::Events;
use crate::events::access::{self, Access, PassAccount, ViewerKey};
use crate::events::unlock::keep_passes;
use crate::site::{self, form_context, render_status, see_other};
use crate::throttle::{client_address, too_many};
use crate::web::State;
use crate::web::format::urlencode;

#[derive(Deserialize)]
pub struct RegisterQuery {
    event: Option<String>,
    /// The page of that event to come back to once registered (a photo being ordered).
    next: Option<String>,
}

pub async fn register_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    query: web::Query<RegisterQuery>,
) -> Result<HttpResponse, AppError> {
    let mut context = site::form_page(&req, &state, &session).await?;
    context.insert("event", &query.event.clone().unwrap_or_default());
    context.insert("next", &site::local_path(query.next.as_deref()).unwrap_or_default());
    context.insert("name", "");
    context.insert("email", "");
    state.render("register.html", &context)
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    name: String,
    email: String,
    password: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    next: String,
}

pub async fn register(
    req: HttpRequest,
    state: State,
    auth: Auth,
    session: CurrentSession,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let form = form.into_inner();
    let studio = db::run(&state.pool, site::studio_view).await?.1;
    if !studio.guest_registration {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "registration_closed",
            format!(
                "{} does not take guest registrations online; contact the studio.",
                studio.name
            ),
        ));
    }
    let name = form.name.trim().to_string();
    let email = form.email.trim().to_string();
    let problem = if name.is_empty() || name.chars().count() > 200 {
        Some("Please give your name.".to_string())
    } else if !looks_like_email(&email) {
        Some("Please give a valid email address.".to_string())
    } else {
        passwords::check_new(&form.password).err().map(|e| e.message)
    };
    if let Some(message) = problem {
        let mut context = form_context(&req, &state, &session, &studio).await?;
        context.insert("event", &form.event);
        context.insert("next", &site::local_path(Some(&form.next)).unwrap_or_default());
        context.insert("name", &form.name);
        context.insert("email", &form.email);
        context.insert("error", &message);
        return render_status(&state, "register.html", &context, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The event they register from, only if they may see it.
    let event_id = match EventId::parse(&form.event) {
        Some(id) => {
            let (access, _) = access::event_access(&state, ViewerKey::from(&session), &id).await?;
            (access == Access::Allowed).then_some(id)
        }
        None => None,
    };
    // Counted whatever the outcome: each registration costs a hash and an email.
    let throttles = state.throttles;
    let address = client_address(&req, &state.config);
    let event_key = event_id.as_ref().map_or("", |e| e.as_str()).to_string();
    db::run(&state.pool, move |conn| -> db::Result<_> {
        if let Err(wait) = throttles.register_address.attempt(conn, &address)? {
            return Ok(Err(wait));
        }
        throttles.register_event.attempt(conn, &event_key)
    })
    .await?
    .map_err(|w| too_many(w, "registrations"))?;
    // Hashed whether or not the address has an account, so the time taken tells nothing.
    let hash = auth.passwords.hash(&form.password).await?;
    let email_key = email.to_lowercase();
    // At most a few emails an hour to one address, however often it is typed in.
    let mailbox = super::reset::email_key(&email);
    let may_email =
        db::run(&state.pool, move |conn| throttles.emails_to_address.attempt(conn, &mailbox))
            .await?
            .is_ok();
    let registration = Registration {
        name,
        email: email.clone(),
        email_key,
        hash,
        // Only a page of the event registered from: the link carries it back there.
        next: event_id
            .as_ref()
            .and_then(|id| back_into(id, &form.next))
            .map(|next| format!("?next={}", urlencode(&next)))
            .unwrap_or_default(),
        event_id,
        web_session_id: session.id().map(str::to_string),
        head: site::letterhead_of(&studio, &state.site_url),
    };
    if may_email {
        db::run(&state.pool, move |conn| {
            db::write_transaction(conn, |conn| registration.record(conn))
        })
        .await?;
        state.mailer.wake();
    }
    let mut context = form_context(&req, &state, &session, &studio).await?;
    context.insert("email", &email);
    state.render("register_sent.html", &context)
}

/// A registration as typed, its password already hashed.
struct Registration {
    name: String,
    email: String,
    email_key: String,
    hash: String,
    event_id: Option<EventId>,
    /// The confirmation link's query: `?next=<page of the event>`, or empty.
    next: String,
    web_session_id: Option<String>,
    /// The studio the emails speak as, and the site's address.
    head: Letterhead,
}

/// `next` when it is a page of `event` (a photo, the event itself): where a guest who
/// registered from it is brought back.
fn back_into(event: &EventId, next: &str) -> Option<String> {
    let next = site::local_path(Some(next))?;
    let event_path = format!("/events/{event}");
    let rest = next.strip_prefix(&event_path)?;
    (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?') || rest.starts_with('#'))
        .then_some(next)
}

impl Registration {
    /// Writes the pending guest and its confirmation email — or, when the address already has
    /// an account, the email that tells its holder so.
    fn record(self, conn: &mut DbConn) -> db::Result<()> {
        if let Some(account) = people::find(conn, &self.email_key)? {
            let token = links::create(conn, Purpose::Reset, &account.holder, None)?;
            email::enqueue(conn, self.already_registered_email(&account, &token))?;
            return Ok(());
        }
        let id = people::save_pending_guest(
            conn,
            &NewGuest {
                name: &self.name,
                email: &self.email,
                email_key: &self.email_key,
                password_hash: &self.hash,
                event_id: self.event_id.as_ref(),
            },
        )?;
        let holder = Holder::Guest(id);
        let token = links::create(conn, Purpose::Confirm, &holder, self.web_session_id.as_deref())?;
        email::enqueue(conn, self.confirm_email(&token))?;
        Ok(())
    }

    fn confirm_email(&self, token: &str) -> NewEmail<'_> {
        let (studio, site) = (&self.head.studio, &self.head.site_url);
        let link = format!("{site}/register/confirm/{token}{}", self.next);
        let ignore = "Did not register? Ignore this email; no account is made without it.";
        let subject = format!("Confirm your email for {studio}");
        let letter = Letter {
            heading: "Confirm your email".into(),
            paragraphs: vec![
                format!("Hello {},", self.name),
                format!(
                    "To finish registering as a guest of {studio}, confirm your email address \
                     within 24 hours."
                ),
            ],
            button: Some(Button::new("Confirm my email", &link)),
            after: vec![ignore.into()],
            ..Letter::default()
        };
        NewEmail {
            dedupe_key: format!("confirm:{}", browser_session::token_hash(token)),
            to: &self.email,
            body: format!(
                "Hello {},\n\nTo finish registering as a guest of {studio}, confirm your email \
                 address here within 24 hours:\n\n{link}\n\n{ignore}\n\n{studio}\n",
                self.name,
            ),
            styled: self.head.style(&subject, &letter),
            subject,
        }
    }

    fn already_registered_email<'a>(
        &'a self,
        account: &'a people::Account,
        token: &str,
    ) -> NewEmail<'a> {
        let (studio, site) = (&self.head.studio, &self.head.site_url);
        let tried = format!(
            "Someone — probably you — tried to register at {studio} with this email address. You \
             already have an account, so nothing new was made."
        );
        let reset = format!("{site}/reset/{token}");
        let ignore = "Did not try to register? Ignore this email; your account is unchanged.";
        let subject = format!("You already have an account with {studio}");
        let letter = Letter {
            heading: "You already have an account".into(),
            paragraphs: vec![
                format!("Hello {},", account.name),
                tried.clone(),
                "Forgot your password? Choose a new one within an hour.".into(),
            ],
            button: Some(Button::new("Choose a new password", &reset)),
            after: vec![format!("Remember it? Sign in: {site}/login"), ignore.into()],
            ..Letter::default()
        };
        NewEmail {
            dedupe_key: format!("registered-already:{}", browser_session::token_hash(token)),
            to: &account.email,
            body: format!(
                "Hello {},\n\n{tried}\n\nSign in: {site}/login\n\nForgot your password? Choose a \
                 new one here within an hour:\n\n{reset}\n\n{ignore}\n\n{studio}\n",
                account.name,
            ),
            styled: self.head.style(&subject, &letter),
            subject,
        }
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    /// The page of the event to land on, as the registration's link carries it.
    next: Option<String>,
}

fn link_not_valid() -> AppError {
    AppError::not_found(
        "link_not_valid",
        "This link is not valid any more: it was used already, or more than a day has passed. \
         Register again to get a new one.",
    )
}

/// The page a confirmation link opens: a button to press, so that a mail scanner fetching the
/// link does not use it up.
pub async fn confirm_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    token: web::Path<String>,
    query: web::Query<ConfirmQuery>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let found = db::run(&state.pool, move |conn| pending_of(conn, &token)).await?;
    let (_, name, email) = found.ok_or_else(link_not_valid)?;
    let mut context = site::form_page(&req, &state, &session).await?;
    context.insert("next", &site::local_path(query.next.as_deref()).unwrap_or_default());
    context.insert("name", &name);
    context.insert("email", &email);
    state.render("confirm.html", &context)
}

/// The live confirmation link `token` names, with the guest's name and email.
fn pending_of(conn: &mut DbConn, token: &str) -> db::Result<Option<(links::Link, String, String)>> {
    let Some(link) = links::find_live(conn, Purpose::Confirm, token)? else { return Ok(None) };
    let Holder::Guest(id) = &link.holder else { return Ok(None) };
    let (name, email) = people::guest_name_and_email(conn, id)?;
    Ok(Some((link, name, email)))
}

/// Confirms the address: the account is made whole, signs in here, and keeps the events the
/// browser that registered had opened.
pub async fn confirm(
    req: HttpRequest,
    state: State,
    auth: Auth,
    events: Events,
    session: CurrentSession,
    token: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let token = token.into_inner();
    let old = session.id().map(str::to_string);
    let confirmed = db::run(&state.pool, move |conn| -> db::Result<_> {
        db::write_transaction(conn, |conn| {
            let Some((link, _, _)) = pending_of(conn, &token)? else { return Ok(None) };
            let Holder::Guest(guest_id) = link.holder.clone() else { return Ok(None) };
            if !links::spend(conn, &link)? {
                return Ok(None);
            }
            let event = people::confirm_guest(conn, &guest_id)?;
            // A new client record for the studio, pulled by the connector.
            crate::feed::record(conn, crate::feed::Kind::Guest, guest_id.as_str())?;
            let token = rotate_session(conn, old.as_deref(), None, Some(&guest_id))?;
            let new_id = browser_session::token_hash(&token);
            if let Some(registered_from) = link.web_session_id.as_deref()
                && old.as_deref() != Some(registered_from)
            {
                let account = PassAccount::Guest(guest_id.clone());
                keep_passes(conn, registered_from, &new_id, Some(&account))?;
            }
            Ok(Some((token, event)))
        })
    })
    .await?;
    let (token, event) = confirmed.ok_or_else(link_not_valid)?;
    if let Some(old) = session.id() {
        auth.sessions.forget(old);
    }
    events.access.invalidate();
    browser_session::set_cookie(&req, token, true);
    let landing = match event {
        Some(id) => back_into(&id, &form.next).unwrap_or_else(|| format!("/events/{id}")),
        None => "/my-events".to_string(),
    };
    Ok(see_other(&landing))
}
