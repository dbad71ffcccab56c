//! Who an email address or user name belongs to. Clients and guests share one namespace: an
//! address that is a client's email or user name cannot become a guest account, and no page
//! tells a visitor whether an address has an account (the email to its holder does).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::browser_session::Person;
use super::links::Holder;
use super::passwords;
use crate::db::schema::{clients, guests, web_sessions};
use crate::db::{self, ClientId, DbConn, EventId, GuestId};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// An account that can sign in, and where to write to its holder.
#[derive(Debug, Clone)]
pub struct Account {
    pub holder: Holder,
    pub email: String,
    /// The name to greet them by.
    pub name: String,
}

/// The account `user_name` (an email or a client's chosen user name, any case) names: a
/// client, or a guest who confirmed their address.
pub fn find(conn: &mut DbConn, user_name: &str) -> db::Result<Option<Account>> {
    let key = user_name.trim().to_lowercase();
    if key.is_empty() {
        return Ok(None);
    }
    let client: Option<(ClientId, String, String)> = clients::table
        .filter(clients::login_name.eq(&key).or(lower(clients::email).eq(&key)))
        .select((clients::id, clients::email, clients::first_name))
        .first(conn)
        .optional()?;
    if let Some((id, email, name)) = client {
        return Ok(Some(Account { holder: Holder::Client(id), email, name }));
    }
    let guest: Option<(GuestId, String, String)> = guests::table
        .filter(guests::email_key.eq(&key))
        .filter(guests::confirmed_at.is_not_null())
        .select((guests::id, guests::email, guests::name))
        .first(conn)
        .optional()?;
    Ok(guest.map(|(id, email, name)| Account { holder: Holder::Guest(id), email, name }))
}

/// The registration waiting for its confirmation at `email_key`, if any.
pub fn pending_guest(conn: &mut DbConn, email_key: &str) -> db::Result<Option<GuestId>> {
    Ok(guests::table
        .filter(guests::email_key.eq(email_key))
        .filter(guests::confirmed_at.is_null())
        .select(guests::id)
        .first(conn)
        .optional()?)
}

/// Deletes registrations never confirmed within a week: their links ran out long ago.
pub fn delete_unconfirmed(conn: &mut DbConn) -> db::Result<usize> {
    let cutoff = crate::db::now() - chrono::Duration::days(7);
    Ok(diesel::delete(
        guests::table.filter(guests::confirmed_at.is_null()).filter(guests::created_at.le(cutoff)),
    )
    .execute(conn)?)
}

/// Someone who may sign in with a user name.
pub enum Candidate {
    Client { id: ClientId, last_name: String, password_hash: Option<String> },
    Guest { id: GuestId, password_hash: String },
}

/// Everyone `user_name` may mean: a client by chosen user name or by email (while on the
/// default login), a confirmed guest by email.
pub fn candidates(conn: &mut DbConn, user_name: &str) -> db::Result<Vec<Candidate>> {
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
pub type Matched = (Option<ClientId>, Option<GuestId>, bool);

/// Checks the password against each account the user name may mean (argon2 work, so on the
/// password workers); the first that matches signs in.
pub fn check_password(found: &[Candidate], password: &str) -> Option<Matched> {
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

/// What the person signs in with: a client's chosen user name or email, a guest's email.
pub fn user_name_of(conn: &mut DbConn, person: &Person) -> db::Result<String> {
    Ok(match person {
        Person::Client { id, .. } => {
            let (login, email): (Option<String>, String) = clients::table
                .find(id)
                .select((clients::login_name, clients::email))
                .first(conn)?;
            login.unwrap_or(email)
        }
        Person::Guest { id, .. } => guests::table.find(id).select(guests::email).first(conn)?,
    })
}

/// Stores a client's own user name and password (or a guest's new password) and ends their
/// other sessions; `Ok(Err(..))` says what to change.
pub fn save_login(
    conn: &mut DbConn,
    person: &Person,
    user_name: &str,
    hash: &str,
    keep_session: Option<&str>,
) -> db::Result<Result<(), String>> {
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

/// A new password, or (`None`, clients only) back to the email and last name; every session
/// the person had ends, so whoever knew the old password is out.
pub fn reset_login(conn: &mut DbConn, holder: &Holder, hash: Option<&str>) -> db::Result<()> {
    match (holder, hash) {
        (Holder::Client(id), Some(hash)) => diesel::update(clients::table.find(id))
            .set((clients::password_hash.eq(Some(hash)), clients::updated_at.eq(db::now())))
            .execute(conn)?,
        (Holder::Client(id), None) => diesel::update(clients::table.find(id))
            .set((
                clients::login_name.eq(None::<String>),
                clients::password_hash.eq(None::<String>),
                clients::updated_at.eq(db::now()),
            ))
            .execute(conn)?,
        (Holder::Guest(id), Some(hash)) => diesel::update(guests::table.find(id))
            .set(guests::password_hash.eq(hash))
            .execute(conn)?,
        (Holder::Guest(_), None) => 0,
    };
    match holder {
        Holder::Client(id) => {
            diesel::delete(web_sessions::table.filter(web_sessions::client_id.eq(id.as_str())))
                .execute(conn)?
        }
        Holder::Guest(id) => {
            diesel::delete(web_sessions::table.filter(web_sessions::guest_id.eq(id.as_str())))
                .execute(conn)?
        }
    };
    Ok(())
}

/// A guest registration as typed, its password already hashed.
pub struct NewGuest<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub email_key: &'a str,
    pub password_hash: &'a str,
    pub event_id: Option<&'a EventId>,
}

/// Records a registration waiting for its confirmation. Registering again before confirming
/// starts over: the newest name, password and event.
pub fn save_pending_guest(conn: &mut DbConn, guest: &NewGuest) -> db::Result<GuestId> {
    if let Some(id) = pending_guest(conn, guest.email_key)? {
        diesel::update(guests::table.find(&id))
            .set((
                guests::name.eq(guest.name),
                guests::email.eq(guest.email),
                guests::password_hash.eq(guest.password_hash),
                guests::event_id.eq(guest.event_id),
            ))
            .execute(conn)?;
        return Ok(id);
    }
    let id = GuestId::new();
    diesel::insert_into(guests::table)
        .values((
            guests::id.eq(&id),
            guests::name.eq(guest.name),
            guests::email.eq(guest.email),
            guests::email_key.eq(guest.email_key),
            guests::password_hash.eq(guest.password_hash),
            guests::event_id.eq(guest.event_id),
            guests::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// A guest's name and email.
pub fn guest_name_and_email(conn: &mut DbConn, id: &GuestId) -> db::Result<(String, String)> {
    Ok(guests::table.find(id).select((guests::name, guests::email)).first(conn)?)
}

/// Confirms a guest's address; returns the event they registered from.
pub fn confirm_guest(conn: &mut DbConn, id: &GuestId) -> db::Result<Option<EventId>> {
    diesel::update(guests::table.find(id).filter(guests::confirmed_at.is_null()))
        .set(guests::confirmed_at.eq(Some(db::now())))
        .execute(conn)?;
    Ok(guests::table.find(id).select(guests::event_id).first::<Option<EventId>>(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clients)]
pub struct ClientRow {
    pub id: ClientId,
    pub studio_client_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// None while the client signs in with their email.
    pub login_name: Option<String>,
    /// None while the client signs in with their last name.
    pub password_hash: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Creates or updates the client a published session names (by the studio's client id).
pub fn upsert_client(
    conn: &mut DbConn,
    client: &proofroom_wire::SessionClient,
) -> db::Result<ClientId> {
    let now = db::now();
    let existing: Option<ClientId> = clients::table
        .filter(clients::studio_client_id.eq(&client.id))
        .select(clients::id)
        .first(conn)
        .optional()?;
    match existing {
        Some(id) => {
            diesel::update(clients::table.find(&id))
                .set((
                    clients::first_name.eq(client.first_name.trim()),
                    clients::last_name.eq(client.last_name.trim()),
                    clients::email.eq(client.email.trim()),
                    clients::phone.eq(&client.phone),
                    clients::address.eq(&client.address),
                    clients::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(id)
        }
        None => {
            let row = ClientRow {
                id: ClientId::new(),
                studio_client_id: client.id.clone(),
                first_name: client.first_name.trim().into(),
                last_name: client.last_name.trim().into(),
                email: client.email.trim().into(),
                phone: client.phone.clone(),
                address: client.address.clone(),
                login_name: None,
                password_hash: None,
                created_at: now,
                updated_at: now,
            };
            diesel::insert_into(clients::table).values(&row).execute(conn)?;
            Ok(row.id)
        }
    }
}

/// A guest as the studio's inbox records them: name, email, when they registered and the
/// event they registered from.
pub type GuestRow = (String, String, NaiveDateTime, Option<EventId>);

/// The guest `id` as [`GuestRow`], if they are there.
pub fn guest_record(conn: &mut DbConn, id: &str) -> db::Result<Option<GuestRow>> {
    Ok(guests::table
        .filter(guests::id.eq(id))
        .select((guests::name, guests::email, guests::created_at, guests::event_id))
        .first(conn)
        .optional()?)
}

/// A person's id as the studio knows it (a client's studio id, a guest's own), name and email;
/// empty name and email when they are gone.
pub fn who(conn: &mut DbConn, kind: &str, person_id: &str) -> db::Result<(String, String, String)> {
    if kind == "client" {
        let found: Option<(String, String, String, String)> = clients::table
            .filter(clients::id.eq(person_id))
            .select((
                clients::studio_client_id,
                clients::first_name,
                clients::last_name,
                clients::email,
            ))
            .first(conn)
            .optional()?;
        if let Some((id, first, last, email)) = found {
            return Ok((id, format!("{first} {last}"), email));
        }
    } else {
        let found: Option<(String, String)> = guests::table
            .filter(guests::id.eq(person_id))
            .select((guests::name, guests::email))
            .first(conn)
            .optional()?;
        if let Some((name, email)) = found {
            return Ok((person_id.to_string(), name, email));
        }
    }
    Ok((person_id.to_string(), String::new(), String::new()))
}

/// A client's id as the studio knows it and their full name, if the client is there.
pub fn client_name(conn: &mut DbConn, id: &str) -> db::Result<Option<(String, String)>> {
    let found: Option<(String, String, String)> = clients::table
        .filter(clients::id.eq(id))
        .select((clients::studio_client_id, clients::first_name, clients::last_name))
        .first(conn)
        .optional()?;
    Ok(found.map(|(studio_id, first, last)| (studio_id, format!("{first} {last}"))))
}

/// A client's record.
pub fn client(conn: &mut DbConn, id: &ClientId) -> db::Result<ClientRow> {
    Ok(clients::table.find(id).select(ClientRow::as_select()).first(conn)?)
}

/// The client the studio knows by `studio_client_id`.
pub fn client_by_studio_id(
    conn: &mut DbConn,
    studio_client_id: &str,
) -> db::Result<Option<ClientId>> {
    Ok(clients::table
        .filter(clients::studio_client_id.eq(studio_client_id))
        .select(clients::id)
        .first(conn)
        .optional()?)
}

/// How to reach a person: for an order's customer.
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// A client's id as the studio knows it; `None` for a guest.
    pub studio_client_id: Option<String>,
}

/// The person's name and how to reach them.
pub fn contact(conn: &mut DbConn, person: &Person) -> db::Result<Contact> {
    if let Some(id) = person.client_id() {
        let client = client(conn, id)?;
        return Ok(Contact {
            name: format!("{} {}", client.first_name, client.last_name),
            email: client.email,
            phone: client.phone,
            address: client.address,
            studio_client_id: Some(client.studio_client_id),
        });
    }
    let (name, email): (String, String) =
        guests::table.find(person.person_id()).select((guests::name, guests::email)).first(conn)?;
    Ok(Contact { name, email, phone: None, address: None, studio_client_id: None })
}

/// How a client signs in, for an email: never a password, only which one.
pub fn sign_in_help(site_url: &str, client: &ClientRow) -> String {
    let user = client.login_name.as_deref().unwrap_or(&client.email);
    let password =
        if client.password_hash.is_some() { "the password you chose" } else { "your last name" };
    format!(
        "Sign in at {site_url}/login\n  User name: {user}\n  Password: {password}\n\
         Forgot your password? {site_url}/forgot\n"
    )
}
