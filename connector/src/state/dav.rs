//! The calendar and contacts sync's memory: per user, each collection's sync token and each
//! linked event or card (its UID, address, ETag and the hash of what was sent or brought back).
//! Running the sync again finds everything here, so nothing is ever sent twice.

use diesel::prelude::*;

use super::schema::{dav_collections, dav_items};
use super::{State, StateError};

/// Who made a linked resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The library's: a session, an appointment or a client, sent out.
    Studio,
    /// Made on the phone, brought back to the inbox.
    Remote,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Studio => "studio",
            Origin::Remote => "remote",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "studio" { Origin::Studio } else { Origin::Remote }
    }
}

/// One linked event or card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavItem {
    pub uid: String,
    pub href: String,
    pub etag: Option<String>,
    pub origin: Origin,
    /// For the studio's: `session/<id>`, `calendar/<id>`, `client/<id>`.
    pub source: Option<String>,
    pub content_hash: String,
    /// For the phone's: the resource as last fetched.
    pub data: Option<String>,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = dav_items)]
struct Row {
    user_id: String,
    kind: String,
    uid: String,
    href: String,
    etag: Option<String>,
    origin: String,
    source: Option<String>,
    content_hash: String,
    data: Option<String>,
}

impl State {
    /// The collection `kind` of `user` synced with last, its sync token, and the user's
    /// switches then.
    pub fn dav_collection(
        &mut self,
        user: &str,
        kind: &str,
    ) -> Result<Option<(String, Option<String>, String)>, StateError> {
        dav_collections::table
            .find((user, kind))
            .select((dav_collections::href, dav_collections::sync_token, dav_collections::settings))
            .first(&mut self.conn)
            .optional()
            .map_err(|e| self.fail(e))
    }

    pub fn set_dav_collection(
        &mut self,
        user: &str,
        kind: &str,
        href: &str,
        sync_token: Option<&str>,
        settings: &str,
    ) -> Result<(), StateError> {
        diesel::replace_into(dav_collections::table)
            .values((
                dav_collections::user_id.eq(user),
                dav_collections::kind.eq(kind),
                dav_collections::href.eq(href),
                dav_collections::sync_token.eq(sync_token),
                dav_collections::settings.eq(settings),
            ))
            .execute(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Every linked item of `user`'s `kind`.
    pub fn dav_items(&mut self, user: &str, kind: &str) -> Result<Vec<DavItem>, StateError> {
        let rows: Vec<Row> = dav_items::table
            .filter(dav_items::user_id.eq(user).and(dav_items::kind.eq(kind)))
            .order(dav_items::uid)
            .load(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        Ok(rows
            .into_iter()
            .map(|r| DavItem {
                uid: r.uid,
                href: r.href,
                etag: r.etag,
                origin: Origin::parse(&r.origin),
                source: r.source,
                content_hash: r.content_hash,
                data: r.data,
            })
            .collect())
    }

    /// Remembers one linked item (replacing what was known of its UID).
    pub fn save_dav_item(
        &mut self,
        user: &str,
        kind: &str,
        item: &DavItem,
    ) -> Result<(), StateError> {
        let row = Row {
            user_id: user.into(),
            kind: kind.into(),
            uid: item.uid.clone(),
            href: item.href.clone(),
            etag: item.etag.clone(),
            origin: item.origin.as_str().into(),
            source: item.source.clone(),
            content_hash: item.content_hash.clone(),
            data: item.data.clone(),
        };
        diesel::replace_into(dav_items::table)
            .values(&row)
            .execute(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    pub fn forget_dav_item(&mut self, user: &str, kind: &str, uid: &str) -> Result<(), StateError> {
        diesel::delete(dav_items::table.find((user, kind, uid)))
            .execute(&mut self.conn)
            .map_err(|e| self.fail(e))?;
        Ok(())
    }
}
