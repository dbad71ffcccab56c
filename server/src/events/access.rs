//! Who may see an event. Until client logins and event codes arrive (storefront issue), only
//! public events that have not expired are visible; everything else is a plain 404 so private
//! events are not even confirmed to exist.

use diesel::prelude::*;

use super::models::EventRow;
use crate::db::schema::events;
use crate::db::{self, EventId};
use crate::error::AppError;
use crate::studio;
use crate::web::State;
use proofroom_wire::EventType;

pub enum Visibility {
    Visible(Box<EventRow>),
    Expired(Box<EventRow>),
}

pub async fn event_visibility(state: &State, event_id: &EventId) -> Result<Visibility, AppError> {
    let id = event_id.clone();
    let (event, today) = db::run(&state.pool, move |conn| {
        let event: Option<EventRow> =
            events::table.find(&id).select(EventRow::as_select()).first(conn).optional()?;
        let today = match studio::load(conn)? {
            Some(s) => s.today(),
            None => chrono::Utc::now().date_naive(),
        };
        Ok((event, today))
    })
    .await?;
    let event = event
        .filter(|e| e.event_type() == EventType::Public)
        .ok_or_else(|| AppError::not_found("event_not_found", "There is no such gallery."))?;
    if event.is_expired(today) {
        Ok(Visibility::Expired(Box::new(event)))
    } else {
        Ok(Visibility::Visible(Box::new(event)))
    }
}

/// For image bytes: visible, or an error (expired galleries serve no image).
pub async fn check_event_visible(state: &State, event_id: &EventId) -> Result<(), AppError> {
    match event_visibility(state, event_id).await? {
        Visibility::Visible(_) => Ok(()),
        Visibility::Expired(_) => Err(AppError::new(
            actix_web::http::StatusCode::GONE,
            "gallery_expired",
            "This gallery has expired.",
        )),
    }
}
