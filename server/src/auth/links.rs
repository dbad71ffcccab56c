//! Single-use links sent by email (`login_links`): confirming a guest's registration, and
//! resetting a forgotten password. The link carries 32 random bytes; the database keeps only
//! their SHA-256, so a copy of it opens nothing. A link is spent by one conditional update, so
//! two clicks at once use it once.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::browser_session::{random_token, token_hash};
use crate::db::schema::login_links;
use crate::db::{self, ClientId, DbConn, GuestId};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A guest's registration: proves the address is theirs.
    Confirm,
    /// A forgotten password.
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Reset => "reset",
        }
    }

    /// How long a link stays good: an hour to reset a password; a day to confirm, since the
    /// email may be read later on another device.
    pub fn valid_for(self) -> Duration {
        match self {
            Self::Confirm => Duration::hours(24),
            Self::Reset => Duration::hours(1),
        }
    }
}

/// Whose account a link opens.
#[derive(Debug, Clone)]
pub enum Holder {
    Client(ClientId),
    Guest(GuestId),
}

/// A live link, found by its token.
#[derive(Debug, Clone)]
pub struct Link {
    pub id: String,
    pub holder: Holder,
    /// The browser session that registered (confirm links).
    pub web_session_id: Option<String>,
}

/// Makes a link for `holder`; returns the token to put in the email (never stored).
pub fn create(
    conn: &mut DbConn,
    purpose: Purpose,
    holder: &Holder,
    web_session_id: Option<&str>,
) -> db::Result<String> {
    let token = random_token();
    let now = db::now();
    let (client_id, guest_id) = match holder {
        Holder::Client(id) => (Some(id), None),
        Holder::Guest(id) => (None, Some(id)),
    };
    diesel::insert_into(login_links::table)
        .values((
            login_links::id.eq(token_hash(&token)),
            login_links::purpose.eq(purpose.as_str()),
            login_links::client_id.eq(client_id),
            login_links::guest_id.eq(guest_id),
            login_links::web_session_id.eq(web_session_id),
            login_links::created_at.eq(now),
            login_links::expires_at.eq(now + purpose.valid_for()),
        ))
        .execute(conn)?;
    Ok(token)
}

type LinkRow = (String, Option<ClientId>, Option<GuestId>, Option<String>);

/// The link `token` names, if it is for `purpose`, unused and not expired.
pub fn find_live(conn: &mut DbConn, purpose: Purpose, token: &str) -> db::Result<Option<Link>> {
    // A token is 64 hex characters; anything else names no link (and is not hashed).
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let row: Option<LinkRow> = login_links::table
        .filter(login_links::id.eq(token_hash(token)))
        .filter(login_links::purpose.eq(purpose.as_str()))
        .filter(login_links::used_at.is_null())
        .filter(login_links::expires_at.gt(db::now()))
        .select((
            login_links::id,
            login_links::client_id,
            login_links::guest_id,
            login_links::web_session_id,
        ))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(id, client_id, guest_id, web_session_id)| {
        let holder = match (client_id, guest_id) {
            (Some(id), _) => Holder::Client(id),
            (None, Some(id)) => Holder::Guest(id),
            (None, None) => return None,
        };
        Some(Link { id, holder, web_session_id })
    }))
}

/// Uses the link up: `false` when it was used (or had run out) already.
pub fn spend(conn: &mut DbConn, link: &Link) -> db::Result<bool> {
    let now = db::now();
    let spent = diesel::update(
        login_links::table
            .filter(login_links::id.eq(&link.id))
            .filter(login_links::used_at.is_null())
            .filter(login_links::expires_at.gt(now)),
    )
    .set(login_links::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(spent == 1)
}

/// Spends every other live link of `holder` for `purpose`: after a reset, an older reset email
/// opens nothing.
pub fn spend_all(conn: &mut DbConn, purpose: Purpose, holder: &Holder) -> db::Result<()> {
    let (client_id, guest_id) = match holder {
        Holder::Client(id) => (Some(id.as_str()), None),
        Holder::Guest(id) => (None, Some(id.as_str())),
    };
    let now = db::now();
    diesel::update(
        login_links::table
            .filter(login_links::purpose.eq(purpose.as_str()))
            .filter(login_links::used_at.is_null())
            .filter(
                login_links::client_id.eq(client_id).and(login_links::client_id.is_not_null()).or(
                    login_links::guest_id.eq(guest_id).and(login_links::guest_id.is_not_null()),
                ),
            ),
    )
    .set(login_links::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// Deletes links that ran out a day ago or more (kept a day so a late click is told the link
/// ran out, not that it never existed — the answer is the same either way).
pub fn delete_expired(conn: &mut DbConn) -> db::Result<usize> {
    let cutoff: NaiveDateTime = db::now() - Duration::days(1);
    Ok(diesel::delete(login_links::table.filter(login_links::expires_at.le(cutoff)))
        .execute(conn)?)
}
