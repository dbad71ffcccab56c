//! Events: the studio's photo sessions, as published.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use proofroom_wire::EventType;
use proofroom_wire::downloads::{DownloadSize, FreeDownloads};

use crate::db::schema::events;
use crate::db::{ClientId, EventId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: EventId,
    pub studio_session_id: String,
    pub client_id: ClientId,
    pub description: String,
    pub session_date: NaiveDate,
    pub price_list_id: Option<String>,
    pub days_active: i32,
    pub first_online: NaiveDate,
    pub expires_on: NaiveDate,
    pub event_type: String,
    pub event_code: Option<String>,
    pub event_description: Option<String>,
    pub yearbook_selection: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// SHA-256 of the session's canonical JSON as last accepted
    /// ([`proofroom_wire::manifest_sha256`]).
    pub manifest_sha256: Option<String>,
    /// Set by the connector's `extend` / `expire`; stands over `first_online + days_active`
    /// until the manifest's `days_active` changes.
    pub expiry_override: Option<NaiveDate>,
    /// The photo the event opens on, by file name; `None`: the first.
    pub cover_file: Option<String>,
    /// How many photos the client chooses and sends (`choose`), by when, and whether fewer do.
    pub choose_count: Option<i32>,
    pub choose_by: Option<NaiveDate>,
    pub choose_fewer: bool,
    /// Which photos anyone who may see the event downloads free (`none`, `favorites`, `all`),
    /// and at what size (`original`, `2048`).
    pub downloads: String,
    pub download_size: String,
}

impl EventRow {
    /// Whether `count` favorites may be sent: any, at least one, without `choose`; exactly
    /// `choose` (or from one up to it when fewer will do) with it. `Err` says why not.
    pub fn may_send(&self, count: usize) -> Result<(), String> {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        match self.choose_count.map(i64::from) {
            _ if count == 0 => Err("Heart the photos you choose first.".into()),
            None => Ok(()),
            Some(asked) if count > asked => Err(format!(
                "The studio asked for {asked}: take the heart off {} to send.",
                count - asked
            )),
            Some(asked) if count < asked && !self.choose_fewer => {
                Err(format!("Choose {} more to send: the studio asked for {asked}.", asked - count))
            }
            Some(_) => Ok(()),
        }
    }

    pub fn free_downloads(&self) -> FreeDownloads {
        FreeDownloads::parse(&self.downloads).unwrap_or_default()
    }

    pub fn download_size(&self) -> DownloadSize {
        DownloadSize::parse(&self.download_size).unwrap_or_default()
    }

    pub fn event_type(&self) -> EventType {
        EventType::parse(&self.event_type).unwrap_or_default()
    }

    /// Expired from the day after `expires_on`, in the studio's calendar.
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        today > self.expires_on
    }
}
