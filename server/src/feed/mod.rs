//! The feed of what clients did, for the studio's connector to pull into its inbox
//! (`proofroom_wire::feed`).
//!
//! The feed is a queue: [`record`], [`page`], [`acknowledge`]. A row only names what changed —
//! a guest account, an event's favorites, an event's yearbook pick, an order, a prepaid
//! package, a signed contract, an answered album revision — and what it holds is read from its owner when the connector fetches it (the
//! studio API passes [`page`] the function that asks each owner). So the connector always
//! writes the current state, and a row waiting for it is replaced by a newer change of the same
//! thing: a client hearting fifty photos leaves one row, not fifty.
//!
//! Rows are recorded in the same transaction as the change they name, so a change is never
//! committed without its row. Sequence numbers increase, but on PostgreSQL two transactions
//! may commit out of order; a page therefore holds every row after the connector's cursor *and*
//! every older row still waiting, so a late commit is never skipped.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use proofroom_wire::feed::{FeedContent, FeedItem, FeedPage, FeedWaiting};

use crate::db::schema::feed_items;
use crate::db::{self, DbConn};
use crate::error::AppError;

/// What a feed row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A new guest account (subject: the guest id).
    Guest,
    /// An event's favorites or their notes (subject: the event id).
    Favorites,
    /// Someone sent their favorites to the studio (subject: `<event id>/<person id>`).
    FavoritesSent,
    /// An event's yearbook pick (subject: the event id).
    Yearbook,
    /// An order placed, or paid (subject: the order id).
    Order,
    /// A prepaid package's picks submitted (subject: the invoice id).
    Prepaid,
    /// A contract signed (subject: the contract id).
    Contract,
    /// An album revision answered (subject: the revision id).
    Album,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Self::Guest,
        Self::Favorites,
        Self::FavoritesSent,
        Self::Yearbook,
        Self::Order,
        Self::Prepaid,
        Self::Contract,
        Self::Album,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::Favorites => "favorites",
            Self::FavoritesSent => "favorites_sent",
            Self::Yearbook => "yearbook",
            Self::Order => "order",
            Self::Prepaid => "prepaid",
            Self::Contract => "contract",
            Self::Album => "album",
        }
    }
}

/// The most items one page holds.
pub const MAX_PAGE: i64 = 500;

/// Notes, inside the caller's transaction, that `subject` changed.
pub fn record(conn: &mut DbConn, kind: Kind, subject: &str) -> db::Result<()> {
    diesel::delete(
        feed_items::table
            .filter(feed_items::kind.eq(kind.as_str()))
            .filter(feed_items::subject.eq(subject))
            .filter(feed_items::downloaded_at.is_null()),
    )
    .execute(conn)?;
    diesel::insert_into(feed_items::table)
        .values((
            feed_items::kind.eq(kind.as_str()),
            feed_items::subject.eq(subject),
            feed_items::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The items after `after`, and any older one still waiting, oldest first, each with what it
/// holds now (`content` reads it from its owner: `None` when it was deleted since); only of
/// `kinds` when given.
pub fn page(
    conn: &mut DbConn,
    after: i64,
    limit: i64,
    kinds: Option<&[Kind]>,
    content: impl Fn(&mut DbConn, Kind, &str) -> db::Result<Option<FeedContent>>,
) -> db::Result<FeedPage> {
    let limit = limit.clamp(1, MAX_PAGE);
    let names: Vec<&str> = kinds.unwrap_or(&Kind::ALL).iter().map(|k| k.as_str()).collect();
    let mut rows: Vec<(i64, String, String, NaiveDateTime)> = feed_items::table
        .filter(feed_items::seq.gt(after).or(feed_items::downloaded_at.is_null()))
        .filter(feed_items::kind.eq_any(&names))
        .order(feed_items::seq.asc())
        .limit(limit + 1)
        .select((feed_items::seq, feed_items::kind, feed_items::subject, feed_items::created_at))
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let waiting = waiting_by_kind(conn)?;
    let waiting = names.iter().filter_map(|k| waiting.kinds.get(*k)).sum();
    let mut items = Vec::with_capacity(rows.len());
    for (seq, kind, subject, at) in rows {
        let held = match Kind::parse(&kind) {
            Some(kind) => content(conn, kind, &subject)?,
            None => None,
        };
        let content = held.unwrap_or(FeedContent::Gone { subject: subject.clone() });
        items.push(FeedItem { seq, at, content });
    }
    Ok(FeedPage { items, more, waiting })
}

/// Reads `guest,favorites` of a query; a clear error names an unknown kind.
pub fn parse_kinds(list: &str) -> Result<Vec<Kind>, AppError> {
    list.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            Kind::parse(k).ok_or_else(|| {
                AppError::unprocessable(
                    "unknown_feed_kind",
                    format!(
                        "The feed has no kind \"{k}\"; the kinds are {}.",
                        proofroom_wire::feed::FEED_KINDS.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// Marks items downloaded; answers how many were newly marked.
pub fn acknowledge(conn: &mut DbConn, seqs: &[i64]) -> db::Result<u64> {
    let mut marked = 0;
    // In chunks: both backends limit the parameters of one statement.
    for chunk in seqs.chunks(500) {
        marked += diesel::update(
            feed_items::table
                .filter(feed_items::seq.eq_any(chunk))
                .filter(feed_items::downloaded_at.is_null()),
        )
        .set(feed_items::downloaded_at.eq(db::now()))
        .execute(conn)?;
    }
    Ok(marked as u64)
}

/// How many items wait for the connector, in all.
pub fn waiting(conn: &mut DbConn) -> db::Result<u64> {
    Ok(waiting_by_kind(conn)?.total())
}

/// How many items of each kind wait for the connector (every kind listed, 0 included).
pub fn waiting_by_kind(conn: &mut DbConn) -> db::Result<FeedWaiting> {
    let counts: Vec<(String, i64)> = feed_items::table
        .filter(feed_items::downloaded_at.is_null())
        .group_by(feed_items::kind)
        .select((feed_items::kind, diesel::dsl::count_star()))
        .load(conn)?;
    let mut waiting = FeedWaiting::default();
    for kind in Kind::ALL {
        waiting.kinds.insert(kind.as_str().to_string(), 0);
    }
    for (kind, n) in counts {
        waiting.kinds.insert(kind, n.max(0) as u64);
    }
    Ok(waiting)
}
