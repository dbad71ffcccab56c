//! The feed: what clients did, pulled by the connector into the studio's inbox.
//!
//! Each item has an increasing sequence number. `GET /api/v1/feed?after=N` answers the items
//! after `N` — and any older one not yet acknowledged, so an item committed late is not skipped —
//! with what each holds now. The connector writes each into the inbox, then acknowledges it
//! with `POST /api/v1/feed/ack`; the server marks it downloaded.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Query of `GET /api/v1/feed`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct FeedQuery {
    /// The highest sequence number already written; items after it come, with any older one
    /// still waiting. 0 for everything.
    #[serde(default)]
    pub after: i64,
    /// At most this many items (1–500, default 100).
    pub limit: Option<i64>,
    /// Only these kinds, comma-separated (`guest,favorites`); every kind when absent.
    pub kinds: Option<String>,
}

/// `GET /api/v1/feed/waiting`: items not yet acknowledged, per kind (`guest`, `favorites`,
/// `yearbook`, `order`, `prepaid`, `contract`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeedWaiting {
    pub kinds: std::collections::BTreeMap<String, u64>,
}

impl FeedWaiting {
    pub fn total(&self) -> u64 {
        self.kinds.values().sum()
    }
}

/// The kinds of feed items, as on the wire.
pub const FEED_KINDS: [&str; 8] =
    ["guest", "favorites", "favorites_sent", "yearbook", "order", "prepaid", "contract", "album"];

/// One page of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// More items wait after this page.
    pub more: bool,
    /// Items not yet acknowledged, in all (of the kinds asked for).
    pub waiting: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeedItem {
    pub seq: i64,
    /// When the change happened (UTC).
    pub at: NaiveDateTime,
    /// What it holds now; `gone` when its subject was deleted since (nothing to write).
    #[serde(flatten)]
    pub content: FeedContent,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeedContent {
    /// A guest registered: a new client record for the studio.
    Guest(GuestRecord),
    /// An event's favorites changed: all of them, per person.
    Favorites(SessionFavorites),
    /// Someone said they are done choosing and sent their favorites to the studio.
    FavoritesSent(FavoritesSent),
    /// The yearbook pick of a session changed.
    Yearbook(YearbookPick),
    /// An order was placed, or its payment went through: the whole order as it is now.
    Order(Box<crate::orders::OrderRecord>),
    /// A client submitted the picks of a prepaid package.
    Prepaid(crate::prepaid::PrepaidSelection),
    /// A client signed a contract: the evidence; the PDF comes from
    /// `GET /api/v1/contracts/{session}/{contract}/signed.pdf`.
    Contract(Box<crate::contracts::SignedContract>),
    /// A client answered an album revision: their notes, comments and decision.
    Album(Box<crate::albums::AlbumFeedback>),
    /// Deleted since; acknowledge it and write nothing.
    Gone { subject: String },
}

impl FeedContent {
    /// The item's `kind` as it is on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Guest(_) => "guest",
            Self::Favorites(_) => "favorites",
            Self::FavoritesSent(_) => "favorites_sent",
            Self::Yearbook(_) => "yearbook",
            Self::Order(_) => "order",
            Self::Prepaid(_) => "prepaid",
            Self::Contract(_) => "contract",
            Self::Album(_) => "album",
            Self::Gone { .. } => "gone",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GuestRecord {
    pub guest_id: String,
    pub name: String,
    pub email: String,
    /// The studio's session id of the event they registered from.
    pub session_id: Option<String>,
    pub registered_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionFavorites {
    pub session_id: String,
    pub people: Vec<PersonFavorites>,
}

/// Favorites sent to the studio: who, how many (of how many asked for), and which.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FavoritesSent {
    pub session_id: String,
    /// `client` or `guest` (not `kind`: that names the feed item).
    pub person_kind: String,
    /// The studio's client id, or the guest's id.
    pub id: String,
    pub name: String,
    pub email: String,
    /// The photos the session asked for (`choose`), if it did.
    pub choose: Option<i32>,
    pub sent_at: NaiveDateTime,
    pub favorites: Vec<Favorite>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PersonFavorites {
    /// `client` or `guest`.
    pub kind: String,
    /// The studio's client id, or the guest's id.
    pub id: String,
    pub name: String,
    pub email: String,
    pub favorites: Vec<Favorite>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Favorite {
    pub file_name: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct YearbookPick {
    pub session_id: String,
    pub client_id: String,
    pub client_name: String,
    pub file_name: String,
    pub picked_at: NaiveDateTime,
}

/// `POST /api/v1/feed/ack`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeedAck {
    pub seqs: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FeedAckResult {
    /// Items newly marked downloaded (an item acknowledged twice counts once).
    pub acknowledged: u64,
}
