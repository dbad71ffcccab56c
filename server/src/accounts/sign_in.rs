//! Signing in and out, and the account page where a client chooses their own user name and
//! password (or a guest a new password).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::browser_session::{self, CurrentSession};
use crate::auth::{Auth, SignedIn, passwords, people};
use crate::db::{self, ClientId, DbConn, GuestId};
use crate::error::AppError;
use crate::events::Events;
use crate::events::access::PassAccount;
use crate::events::unlock::keep_passes;
use crate::site::{self, local_path, render_status, see_other};
use crate::throttle::{client_address, too_many};
use crate::web::format::urlencode;
use crate::web::{CsrfForm, State};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    welcome: Option<String>,
    saved: Option<String>,
}

pub async fn login_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let mut context = site::form_page(&req, &state, &session).await?;
    context.insert("next", &local_path(query.next.as_deref()).unwrap_or_default());
    context.insert("user_name", "");
    state.render("login.html", &context)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    user_name: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Replaces the request's session with a new one for `person` (a new id at every sign-in), and
/// keeps the events it had opened — on the new session and on the account.
pub fn rotate_session(
    conn: &mut DbConn,
    old_session: Option<&str>,
    client_id: Option<&ClientId>,
    guest_id: Option<&GuestId>,
) -> db::Result<String> {
    db::write_transaction(conn, |conn| {
        let (token, new_id, _) = browser_session::create(conn, client_id, guest_id)?;
        if let Some(old) = old_session {
            let account = match (guest_id, client_id) {
                (Some(guest), _) => Some(PassAccount::Guest(guest.clone())),
                (None, Some(client)) => Some(PassAccount::Client(client.clone())),
                (None, None) => None,
            };
            keep_passes(conn, old, &new_id, account.as_ref())?;
            browser_session::delete(conn, old)?;
        }
        Ok(token)
    })
}

pub async fn login(
    req: HttpRequest,
    state: State,
    auth: Auth,
    events: Events,
    session: CurrentSession,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let form = form.into_inner();
    let account = form.user_name.trim().to_lowercase();
    let address = client_address(&req, &state.config);
    let pair_key = format!("login:{account}|{address}");
    let account_key = format!("login:{account}");
    let address_key = format!("login:{address}");
    let throttles = state.throttles;
    // Counted before the password is checked, so sign-ins sent at once are held to the limit.
    // Failures lock one account for one address first; the owner elsewhere still signs in
    // until the account-wide cap, which only guessing from many addresses reaches.
    let keys = (pair_key.clone(), account_key.clone(), address_key.clone());
    db::run(&state.pool, move |conn| -> db::Result<_> {
        let (pair, account, address) = &keys;
        if let Err(wait) = throttles.login_pair.attempt(conn, pair)? {
            return Ok(Err(wait));
        }
        if let Err(wait) = throttles.login_account.attempt(conn, account)? {
            throttles.login_pair.succeeded(conn, pair)?;
            return Ok(Err(wait));
        }
        if let Err(wait) = throttles.login_address.attempt(conn, address)? {
            throttles.login_pair.succeeded(conn, pair)?;
            throttles.login_account.succeeded(conn, account)?;
            return Ok(Err(wait));
        }
        Ok(Ok(()))
    })
    .await?
    .map_err(|wait| too_many(wait, "sign-in attempts"))?;
    let user_name = form.user_name.clone();
    let found = db::run(&state.pool, move |conn| people::candidates(conn, &user_name)).await?;
    let password = form.password.clone();
    let matched = auth.passwords.run(move || people::check_password(&found, &password)).await?;
    let Some((client_id, guest_id, default_login)) = matched else {
        let mut context = site::form_page(&req, &state, &session).await?;
        context.insert("next", &local_path(Some(&form.next)).unwrap_or_default());
        context.insert("user_name", &form.user_name);
        context.insert(
            "error",
            "That user name and password do not match. Clients: your user name is your email \
             and your password is your last name, unless you chose your own.",
        );
        return render_status(&state, "login.html", &context, StatusCode::UNAUTHORIZED);
    };
    db::run(&state.pool, move |conn| {
        throttles.login_pair.clear(conn, &pair_key)?;
        throttles.login_account.succeeded(conn, &account_key)?;
        throttles.login_address.succeeded(conn, &address_key)
    })
    .await?;
    let old = session.id().map(str::to_string);
    let token = db::run(&state.pool, move |conn| {
        rotate_session(conn, old.as_deref(), client_id.as_ref(), guest_id.as_ref())
    })
    .await?;
    if let Some(old) = session.id() {
        auth.sessions.forget(old);
    }
    events.access.invalidate();
    browser_session::set_cookie(&req, token, true);
    let next = local_path(Some(&form.next)).unwrap_or_else(|| "/my-events".to_string());
    // A client still on the default login is offered their own — not made to take it.
    if default_login {
        let next = format!("/account?welcome=1&next={}", urlencode(&next));
        return Ok(see_other(&next));
    }
    Ok(see_other(&next))
}

pub async fn logout(
    req: HttpRequest,
    state: State,
    auth: Auth,
    events: Events,
    session: CurrentSession,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    if let Some(id) = session.id().map(str::to_string) {
        let deleted = id.clone();
        db::run(&state.pool, move |conn| browser_session::delete(conn, &deleted)).await?;
        // After the delete: a request in between would otherwise cache the session again.
        auth.sessions.forget(&id);
        events.access.invalidate();
    }
    browser_session::clear_cookie(&req);
    Ok(see_other("/"))
}

pub async fn account_page(
    req: HttpRequest,
    state: State,
    SignedIn { session, person }: SignedIn,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let mut context = site::form_page(&req, &state, &session).await?;
    let is_client = person.client_id().is_some();
    let user_name = db::run(&state.pool, move |conn| people::user_name_of(conn, &person)).await?;
    context.insert("user_name", &user_name);
    context.insert("is_client", &is_client);
    context.insert("welcome", &query.welcome.is_some());
    context.insert("saved", &query.saved.is_some());
    context.insert("next", &local_path(query.next.as_deref()).unwrap_or("/my-events".into()));
    state.render("account.html", &context)
}

#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user_name: String,
    password: String,
    password_again: String,
    #[serde(default)]
    next: String,
}

pub async fn save_account(
    req: HttpRequest,
    state: State,
    auth: Auth,
    SignedIn { session, person }: SignedIn,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let form = form.into_inner();
    let result = check_account_form(&form);
    let outcome = match result {
        Err(message) => Err(message),
        Ok(()) => {
            let hash = auth.passwords.hash(&form.password).await?;
            let user_name = form.user_name.trim().to_lowercase();
            let keep = session.id().map(str::to_string);
            let person = person.clone();
            db::run(&state.pool, move |conn| {
                db::write_transaction(conn, |conn| {
                    people::save_login(conn, &person, &user_name, &hash, keep.as_deref())
                })
            })
            .await?
        }
    };
    match outcome {
        Ok(()) => {
            auth.sessions.forget_all();
            let next = local_path(Some(&form.next)).unwrap_or_else(|| "/my-events".into());
            Ok(see_other(&format!("/account?saved=1&next={}", urlencode(&next))))
        }
        Err(message) => {
            let mut context = site::form_page(&req, &state, &session).await?;
            context.insert("user_name", &form.user_name);
            context.insert("is_client", &person.client_id().is_some());
            context.insert("welcome", &false);
            context.insert("saved", &false);
            context.insert("next", &local_path(Some(&form.next)).unwrap_or("/my-events".into()));
            context.insert("error", &message);
            render_status(&state, "account.html", &context, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

fn check_account_form(form: &AccountForm) -> Result<(), String> {
    if let Err(e) = passwords::check_new(&form.password) {
        return Err(e.message);
    }
    if form.password != form.password_again {
        return Err("The two passwords are not the same.".into());
    }
    Ok(())
}

pub(super) fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}
