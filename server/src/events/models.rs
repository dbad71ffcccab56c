//! Clients and their events (the studio's sessions, as published).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use proofroom_wire::EventType;

use crate::db::schema::{clients, events};
use crate::db::{ClientId, EventId};

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
}

impl EventRow {
    pub fn event_type(&self) -> EventType {
        EventType::parse(&self.event_type).unwrap_or_default()
    }

    /// Expired from the day after `expires_on`, in the studio's calendar.
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        today > self.expires_on
    }
}
