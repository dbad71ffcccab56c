//! Who an email address or user name belongs to. Clients and guests share one namespace: an
//! address that is a client's email or user name cannot become a guest account, and no page
//! tells a visitor whether an address has an account (the email to its holder does).

use diesel::prelude::*;

use super::links::Holder;
use crate::db::schema::{clients, guests};
use crate::db::{ClientId, DbConn, GuestId};
use crate::error::AppError;

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
pub fn find(conn: &mut DbConn, user_name: &str) -> Result<Option<Account>, AppError> {
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
pub fn pending_guest(conn: &mut DbConn, email_key: &str) -> Result<Option<GuestId>, AppError> {
    Ok(guests::table
        .filter(guests::email_key.eq(email_key))
        .filter(guests::confirmed_at.is_null())
        .select(guests::id)
        .first(conn)
        .optional()?)
}

/// Deletes registrations never confirmed within a week: their links ran out long ago.
pub fn delete_unconfirmed(conn: &mut DbConn) -> Result<usize, AppError> {
    let cutoff = crate::db::now() - chrono::Duration::days(7);
    Ok(diesel::delete(
        guests::table.filter(guests::confirmed_at.is_null()).filter(guests::created_at.le(cutoff)),
    )
    .execute(conn)?)
}
