//! What favorites, groups, yearbook picks, the cart and prepaid packages share: a signed-in
//! person in an event they may see, and an image of that event.

use actix_web::http::StatusCode;
use diesel::prelude::*;

use crate::auth::browser_session::{CurrentSession, Person};
use crate::db::schema::images;
use crate::db::{self, EventId, ImageId};
use crate::error::AppError;
use crate::events::access::{self, Access, ViewerKey};
use crate::events::models::EventRow;
use crate::site::{self, StudioView};
use crate::web::State;

pub struct Acting {
    pub person: Person,
    pub event: EventRow,
    pub studio: StudioView,
}

pub async fn acting_in_event(
    state: &State,
    session: &CurrentSession,
    event_id: &str,
) -> Result<Acting, AppError> {
    let missing = || AppError::not_found("event_not_found", "There is no such gallery.");
    let event_id = EventId::parse(event_id).ok_or_else(missing)?;
    let person = session.person().cloned().ok_or_else(|| {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "sign_in_needed",
            "Sign in (or register as a guest) to keep favorites and groups.",
        )
    })?;
    let (access, event) = access::event_access(state, ViewerKey::from(session), &event_id).await?;
    match (access, event) {
        (Access::Allowed, Some(event)) => {
            let studio = db::run(&state.pool, site::studio_view).await?.1;
            Ok(Acting { person, event, studio })
        }
        (Access::Expired, _) => {
            Err(AppError::new(StatusCode::GONE, "gallery_expired", "This gallery has expired."))
        }
        _ => Err(missing()),
    }
}

pub use crate::events::access::SignedInEvent;

/// The image, checked to belong to the event.
pub async fn image_of_event(
    state: &State,
    event: &EventRow,
    image_id: &str,
) -> Result<ImageId, AppError> {
    let missing = || AppError::not_found("image_not_found", "This photo is not in the gallery.");
    let image_id = ImageId::parse(image_id).ok_or_else(missing)?;
    let (iid, eid) = (image_id.clone(), event.id.clone());
    let found: i64 = db::run(&state.pool, move |conn| {
        Ok(images::table
            .filter(images::id.eq(&iid))
            .filter(images::event_id.eq(&eid))
            .count()
            .get_result(conn)?)
    })
    .await?;
    if found == 0 {
        return Err(missing());
    }
    Ok(image_id)
}
