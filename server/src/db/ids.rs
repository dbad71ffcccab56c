//! Server-made ids: random UUID strings, typed so an image id can't be passed as an event id.
//!
//! They appear in URLs, so they must be unguessable (UUID v4, 122 random bits). Stored as
//! text because the MultiConnection enum has no Uuid column type.

use std::fmt;
use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

#[derive(AsExpression, FromSqlRow, Serialize, Deserialize)]
#[diesel(sql_type = Text)]
#[serde(transparent, bound = "")]
pub struct Id<Kind: 'static>(String, #[serde(skip)] PhantomData<&'static Kind>);

pub enum EventKind {}
pub enum ImageKind {}
pub enum ClientKind {}
pub enum GuestKind {}
pub enum GroupKind {}
pub enum InviteKind {}
pub enum ContractKind {}
pub enum AlbumKind {}
pub enum AlbumRevisionKind {}
pub enum AlbumPageKind {}
pub enum AlbumNoteKind {}

pub type EventId = Id<EventKind>;
pub type ImageId = Id<ImageKind>;
pub type ClientId = Id<ClientKind>;
pub type GuestId = Id<GuestKind>;
/// A group a client or guest made of an event's images.
pub type GroupId = Id<GroupKind>;
pub type InviteId = Id<InviteKind>;
/// A contract online: its address, unrelated to the studio's contract id.
pub type ContractId = Id<ContractKind>;
/// An album online: its address, unrelated to the studio's album id.
pub type AlbumId = Id<AlbumKind>;
pub type AlbumRevisionId = Id<AlbumRevisionKind>;
pub type AlbumPageId = Id<AlbumPageKind>;
/// A client's sticky note on an album page.
pub type AlbumNoteId = Id<AlbumNoteKind>;

impl<K> Id<K> {
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().to_string(), PhantomData)
    }

    /// Accepts only the canonical UUID form, so anything else in a URL is a plain 404.
    pub fn parse(s: &str) -> Option<Self> {
        let uuid = uuid::Uuid::try_parse(s).ok()?;
        Some(Self(uuid.to_string(), PhantomData))
    }

    /// For ids read back from the database.
    pub fn from_stored(s: String) -> Self {
        Self(s, PhantomData)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<K> Default for Id<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}

impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K> Eq for Id<K> {}

impl<K> std::hash::Hash for Id<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl<K> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<K, DB> ToSql<Text, DB> for Id<K>
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(self.0.as_str(), out)
    }
}

impl<K, DB> FromSql<Text, DB> for Id<K>
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        String::from_sql(bytes).map(Self::from_stored)
    }
}
