//! The sign-in, sign-out, account and guest registration pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;

use super::passwords;
use super::session::{self, CurrentSession, Person};
use crate::auth::Auth;
use crate::db::schema::{clients, event_passes, guests, web_sessions};
use crate::db::{self, ClientId, DbConn, EventId, GuestId, InviteId};
use crate::error::AppError;
use crate::events::Events;
use crate::events::unlock::add_pass;
use crate::site::{self, local_path, render_status, see_other};
use crate::throttle::{client_address, too_many};
use crate::web::State;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

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

/// Someone who may sign in with a user name.
enum Candidate {
    Client { id: ClientId, last_name: String, password_hash: Option<String> },
    Guest { id: GuestId, password_hash: String },
}

fn candidates(conn: &mut DbConn, user_name: &str) -> Result<Vec<Candidate>, AppError> {
    let key = user_name.trim().to_lowercase();
    if key.is_empty() {
        return Ok(Vec::new());
    }
    let chosen: Vec<(ClientId, String, Option<String>)> = clients::table
        .filter(clients::login_name.eq(&key))
        .select((clients::id, clients::last_name, clients::password_hash))
        .load(conn)?;
    let by_email: Vec<(ClientId, String, Option<String>)> = clients::table
        .filter(clients::login_name.is_null())
        .filter(lower(clients::email).eq(&key))
        .select((clients::id, clients::last_name, clients::password_hash))
        .load(conn)?;
    let guests: Vec<(GuestId, String)> = guests::table
        .filter(guests::email_key.eq(&key))
        .filter(guests::confirmed_at.is_not_null())
        .select((guests::id, guests::password_hash))
        .load(conn)?;
    let mut found: Vec<Candidate> = chosen
        .into_iter()
        .chain(by_email)
        .map(|(id, last_name, password_hash)| Candidate::Client { id, last_name, password_hash })
        .collect();
    found.extend(
        guests.into_iter().map(|(id, password_hash)| Candidate::Guest { id, password_hash }),
    );
    Ok(found)
}

/// The match: the client or guest, and whether it was a client's default password.
type Matched = (Option<ClientId>, Option<GuestId>, bool);

/// Checks the password against each account the user name may mean (argon2 work, so on the
/// blocking pool); the first that matches signs in.
fn check_password(found: &[Candidate], password: &str) -> Option<Matched> {
    let mut matched = None;
    let mut checked_a_hash = false;
    for candidate in found {
        let ok = match candidate {
            Candidate::Client { last_name, password_hash: None, .. } => {
                passwords::matches_default(password, last_name)
            }
            Candidate::Client { password_hash: Some(hash), .. }
            | Candidate::Guest { password_hash: hash, .. } => {
                checked_a_hash = true;
                passwords::verify(password, hash)
            }
        };
        if ok && matched.is_none() {
            matched = Some(match candidate {
                Candidate::Client { id, password_hash, .. } => {
                    (Some(id.clone()), None, password_hash.is_none())
                }
                Candidate::Guest { id, .. } => (None, Some(id.clone()), false),
            });
        }
    }
    if !checked_a_hash {
        passwords::spend_verify_time(password);
    }
    matched
}

/// Replaces the request's session with a new one for `person` (a new id at every sign-in), and
/// keeps the events it had opened — on the new session and, for a guest, on the account.
pub fn rotate_session(
    conn: &mut DbConn,
    old_session: Option<&str>,
    client_id: Option<&ClientId>,
    guest_id: Option<&GuestId>,
) -> Result<String, AppError> {
    db::write_transaction(conn, |conn| {
        let (token, new_id, _) = session::create(conn, client_id, guest_id)?;
        if let Some(old) = old_session {
            keep_passes(conn, old, &new_id, guest_id)?;
            diesel::delete(web_sessions::table.find(old)).execute(conn)?;
        }
        Ok(token)
    })
}

/// Gives the events `from` had opened (by code or invite) to the session `to` and, for a
/// guest, to their account.
pub fn keep_passes(
    conn: &mut DbConn,
    from: &str,
    to: &str,
    guest_id: Option<&GuestId>,
) -> Result<(), AppError> {
    let passes: Vec<(EventId, Option<String>, Option<InviteId>)> = event_passes::table
        .filter(event_passes::web_session_id.eq(from))
        .select((event_passes::event_id, event_passes::code, event_passes::invite_id))
        .load(conn)?;
    for (event_id, code, invite_id) in passes {
        add_pass(
            conn,
            &event_id,
            to,
            guest_id.map(|g| g.as_str()),
            code.as_deref(),
            invite_id.as_ref(),
        )?;
    }
    Ok(())
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
    let throttles = &state.throttles;
    // Counted before the password is checked, so sign-ins sent at once are held to the limit.
    // Failures lock one account for one address first; the owner elsewhere still signs in
    // until the account-wide cap, which only guessing from many addresses reaches.
    throttles.login_pair.attempt(&pair_key).map_err(|w| too_many(w, "sign-in attempts"))?;
    if let Err(wait) = throttles.login_account.attempt(&account_key) {
        throttles.login_pair.succeeded(&pair_key);
        return Err(too_many(wait, "sign-in attempts"));
    }
    if let Err(wait) = throttles.login_address.attempt(&address_key) {
        throttles.login_pair.succeeded(&pair_key);
        throttles.login_account.succeeded(&account_key);
        return Err(too_many(wait, "sign-in attempts"));
    }
    let user_name = form.user_name.clone();
    let found = db::run(&state.pool, move |conn| candidates(conn, &user_name)).await?;
    let password = form.password.clone();
    let matched = auth.passwords.run(move || check_password(&found, &password)).await?;
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
    throttles.login_pair.clear(&pair_key);
    throttles.login_account.succeeded(&account_key);
    throttles.login_address.succeeded(&address_key);
    let old = session.id().map(str::to_string);
    let token = db::run(&state.pool, move |conn| {
        rotate_session(conn, old.as_deref(), client_id.as_ref(), guest_id.as_ref())
    })
    .await?;
    if let Some(old) = session.id() {
        auth.sessions.forget(old);
    }
    events.access.invalidate();
    session::set_cookie(&req, token, true);
    let next = local_path(Some(&form.next)).unwrap_or_else(|| "/my-events".to_string());
    // A client still on the default login is offered their own — not made to take it.
    if default_login {
        let next = format!("/account?welcome=1&next={}", urlencode(&next));
        return Ok(see_other(&next));
    }
    Ok(see_other(&next))
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e[1..].to_string()).unwrap_or_default()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
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
        db::run(&state.pool, move |conn| session::delete(conn, &deleted)).await?;
        // After the delete: a request in between would otherwise cache the session again.
        auth.sessions.forget(&id);
        events.access.invalidate();
    }
    session::clear_cookie(&req);
    Ok(see_other("/"))
}

pub async fn account_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let Some(person) = session.person().cloned() else {
        return Ok(see_other("/login?next=/account"));
    };
    let mut context = site::form_page(&req, &state, &session).await?;
    let user_name = current_user_name(&state, &person).await?;
    context.insert("user_name", &user_name);
    context.insert("is_client", &person.client_id().is_some());
    context.insert("welcome", &query.welcome.is_some());
    context.insert("saved", &query.saved.is_some());
    context.insert("next", &local_path(query.next.as_deref()).unwrap_or("/my-events".into()));
    state.render("account.html", &context)
}

async fn current_user_name(state: &State, person: &Person) -> Result<String, AppError> {
    let person = person.clone();
    db::run(&state.pool, move |conn| {
        Ok(match &person {
            Person::Client { id, .. } => {
                let (login, email): (Option<String>, String) = clients::table
                    .find(id)
                    .select((clients::login_name, clients::email))
                    .first(conn)?;
                login.unwrap_or(email)
            }
            Person::Guest { id, .. } => {
                guests::table.find(id).select(guests::email).first::<String>(conn)?
            }
        })
    })
    .await
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
    session: CurrentSession,
    form: web::Form<AccountForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let Some(person) = session.person().cloned() else {
        return Ok(see_other("/login?next=/account"));
    };
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
                    save_login(conn, &person, &user_name, &hash, keep.as_deref())
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

/// Stores a client's own user name and password (or a guest's new password) and ends their
/// other sessions.
fn save_login(
    conn: &mut DbConn,
    person: &Person,
    user_name: &str,
    hash: &str,
    keep_session: Option<&str>,
) -> Result<Result<(), String>, AppError> {
    match person {
        Person::Client { id, .. } => {
            if user_name.len() < 3
                || user_name.len() > 200
                || user_name.chars().any(char::is_whitespace)
            {
                return Ok(
                    Err("Choose a user name of 3 to 200 characters, without spaces.".into()),
                );
            }
            let taken_by_client: i64 = clients::table
                .filter(clients::id.ne(id))
                .filter(clients::login_name.eq(user_name).or(lower(clients::email).eq(user_name)))
                .count()
                .get_result(conn)?;
            let taken_by_guest: i64 = guests::table
                .filter(guests::email_key.eq(user_name))
                .filter(guests::confirmed_at.is_not_null())
                .count()
                .get_result(conn)?;
            if taken_by_client + taken_by_guest > 0 {
                return Ok(Err("That user name is taken; choose another.".into()));
            }
            diesel::update(clients::table.find(id))
                .set((
                    clients::login_name.eq(Some(user_name)),
                    clients::password_hash.eq(Some(hash)),
                    clients::updated_at.eq(db::now()),
                ))
                .execute(conn)?;
            let others = web_sessions::table
                .filter(web_sessions::client_id.eq(id.as_str()))
                .filter(web_sessions::id.ne(keep_session.unwrap_or("")));
            diesel::delete(others).execute(conn)?;
        }
        Person::Guest { id, .. } => {
            diesel::update(guests::table.find(id))
                .set(guests::password_hash.eq(hash))
                .execute(conn)?;
            let others = web_sessions::table
                .filter(web_sessions::guest_id.eq(id.as_str()))
                .filter(web_sessions::id.ne(keep_session.unwrap_or("")));
            diesel::delete(others).execute(conn)?;
        }
    }
    Ok(Ok(()))
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
