//! "Forgot your password?": a single-use link by email, good for an hour. The answer to the
//! request is the same whether or not the address has an account. Following the link, a guest
//! or client chooses a new password — or a client goes back to signing in with their email and
//! last name — and every session the person had is ended.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::sign_in::rotate_session;
use crate::auth::browser_session::{self, CurrentSession};
use crate::auth::links::{self, Holder, Link, Purpose};
use crate::auth::people::{self, Account};
use crate::auth::{Auth, passwords};
use crate::db::{self, DbConn};
use crate::email::letter::{Button, Letter, Letterhead};
use crate::email::{self, NewEmail};
use crate::error::AppError;
use crate::events::Events;
use crate::site::{self, form_context, render_status, see_other};
use crate::throttle::{client_address, too_many};
use crate::web::State;

pub async fn forgot_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
) -> Result<HttpResponse, AppError> {
    let mut context = site::form_page(&req, &state, &session).await?;
    context.insert("user_name", "");
    state.render("forgot.html", &context)
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    user_name: String,
}

pub async fn forgot(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let user_name = form.user_name.trim().to_string();
    let studio = db::run(&state.pool, site::studio_view).await?.1;
    if user_name.is_empty() || user_name.chars().count() > 254 {
        let mut context = form_context(&req, &state, &session, &studio).await?;
        context.insert("user_name", &user_name);
        context.insert("error", "Please give the email or user name you sign in with.");
        return render_status(&state, "forgot.html", &context, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (address, throttle) = (client_address(&req, &state.config), state.throttles.reset_address);
    db::run(&state.pool, move |conn| throttle.attempt(conn, &address))
        .await?
        .map_err(|w| too_many(w, "reset requests"))?;
    let head = site::letterhead_of(&studio, &state.site_url);
    let lookup = user_name.clone();
    let account = db::run(&state.pool, move |conn| people::find(conn, &lookup)).await?;
    // Nothing is said of whether an account was found, nor of a mailbox already written to.
    if let Some(account) = account {
        let throttle = state.throttles.emails_to_address;
        db::run(&state.pool, move |conn| -> db::Result<_> {
            if throttle.attempt(conn, &email_key(&account.email))?.is_err() {
                return Ok(());
            }
            db::write_transaction(conn, |conn| {
                let token = links::create(conn, Purpose::Reset, &account.holder, None)?;
                email::enqueue(conn, reset_email(&account, &token, &head))?;
                Ok(())
            })
        })
        .await?;
        state.mailer.wake();
    }
    let mut context = form_context(&req, &state, &session, &studio).await?;
    context.insert("user_name", &user_name);
    state.render("forgot_sent.html", &context)
}

/// The key that counts emails to one mailbox, from registration and resets alike.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn reset_email<'a>(account: &'a Account, token: &str, head: &Letterhead) -> NewEmail<'a> {
    let (studio, site) = (&head.studio, &head.site_url);
    let client_extra = if matches!(account.holder, Holder::Client(_)) {
        "The same link also lets you go back to signing in with your email and last name."
    } else {
        ""
    };
    let link = format!("{site}/reset/{token}");
    let ignore = "Did not ask for this? Ignore this email; your password stays as it is.";
    let subject = format!("Choose a new password for {studio}");
    let mut after: Vec<String> = vec![ignore.into()];
    if !client_extra.is_empty() {
        after.insert(0, client_extra.into());
    }
    let letter = Letter {
        heading: "Choose a new password".into(),
        paragraphs: vec![
            format!("Hello {},", account.name),
            "To choose a new password, open this link within an hour. It works once.".into(),
        ],
        button: Some(Button::new("Choose a new password", &link)),
        after,
        ..Letter::default()
    };
    let client_extra =
        if client_extra.is_empty() { String::new() } else { format!("\n{client_extra}\n") };
    NewEmail {
        dedupe_key: format!("reset:{}", browser_session::token_hash(token)),
        to: &account.email,
        body: format!(
            "Hello {},\n\nTo choose a new password, open this link within an hour. It works \
             once.\n\n{link}\n{client_extra}\n{ignore}\n\n{studio}\n",
            account.name,
        ),
        styled: head.style(&subject, &letter),
        subject,
    }
}

fn link_not_valid() -> AppError {
    AppError::not_found(
        "link_not_valid",
        "This link is not valid any more: it was used already, or more than an hour has \
         passed. Ask for a new one under \"Forgot your password?\" on the sign-in page.",
    )
}

/// Whether the link is a client's (who may also go back to the default sign-in).
fn live_link(conn: &mut DbConn, token: &str) -> db::Result<Option<Link>> {
    links::find_live(conn, Purpose::Reset, token)
}

pub async fn reset_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let link = db::run(&state.pool, move |conn| live_link(conn, &token)).await?;
    let link = link.ok_or_else(link_not_valid)?;
    reset_form(&req, &state, &session, &link, None, StatusCode::OK).await
}

async fn reset_form(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    link: &Link,
    error: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut context = site::form_page(req, state, session).await?;
    context.insert("is_client", &matches!(link.holder, Holder::Client(_)));
    if let Some(error) = error {
        context.insert("error", error);
    }
    render_status(state, "reset.html", &context, status)
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    /// A client going back to their email and last name.
    #[serde(default)]
    default_login: Option<String>,
}

pub async fn reset(
    req: HttpRequest,
    state: State,
    auth: Auth,
    events: Events,
    session: CurrentSession,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let token = token.into_inner();
    let lookup = token.clone();
    let link = db::run(&state.pool, move |conn| live_link(conn, &lookup)).await?;
    let link = link.ok_or_else(link_not_valid)?;
    let back_to_default = form.default_login.is_some() && matches!(link.holder, Holder::Client(_));
    let new_hash = if back_to_default {
        None
    } else {
        let problem = passwords::check_new(&form.password).err().map(|e| e.message).or_else(|| {
            (form.password != form.password_again)
                .then(|| "The two passwords are not the same.".to_string())
        });
        if let Some(problem) = problem {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return reset_form(&req, &state, &session, &link, Some(&problem), status).await;
        }
        Some(auth.passwords.hash(&form.password).await?)
    };
    let old = session.id().map(str::to_string);
    let done = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if !links::spend(conn, &link)? {
                return Ok(None);
            }
            links::spend_all(conn, Purpose::Reset, &link.holder)?;
            people::reset_login(conn, &link.holder, new_hash.as_deref())?;
            let (client_id, guest_id) = match &link.holder {
                Holder::Client(id) => (Some(id), None),
                Holder::Guest(id) => (None, Some(id)),
            };
            rotate_session(conn, old.as_deref(), client_id, guest_id).map(Some)
        })
    })
    .await?;
    let token = done.ok_or_else(link_not_valid)?;
    auth.sessions.forget_all();
    events.access.invalidate();
    browser_session::set_cookie(&req, token, true);
    Ok(see_other("/account?saved=1&next=/my-events"))
}
