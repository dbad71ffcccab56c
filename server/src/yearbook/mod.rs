//! The yearbook pick: when the session asks for one, its client picks one image (and may
//! change it until the studio pulls it).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;

use crate::db;
use crate::db::schema::yearbook_picks;
use crate::error::AppError;
use crate::gallery::acting::{Acting, ClientOption, image_of_event};
use crate::site;
use crate::web::State;

#[derive(Deserialize)]
pub struct PickForm {
    #[serde(default)]
    csrf: String,
    image_id: String,
    #[serde(default)]
    back: String,
}

pub async fn pick(
    req: HttpRequest,
    state: State,
    acting: Acting,
    form: web::Form<PickForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    if !acting.is_the_client() {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "not_the_client",
            "Only the client of this session picks the yearbook image.",
        ));
    }
    acting.allows(ClientOption::YearbookSelection)?;
    let image = image_of_event(&state, &acting.event, &form.image_id).await?;
    let event = acting.event.id.clone();
    let picked = image.clone();
    let client = acting.event.client_id.clone();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            diesel::delete(yearbook_picks::table.find(&event)).execute(conn)?;
            diesel::insert_into(yearbook_picks::table)
                .values((
                    yearbook_picks::event_id.eq(&event),
                    yearbook_picks::image_id.eq(&picked),
                    yearbook_picks::client_id.eq(&client),
                    yearbook_picks::picked_at.eq(db::now()),
                ))
                .execute(conn)?;
            crate::feed::record(conn, crate::feed::Kind::Yearbook, event.as_str())
        })
    })
    .await?;
    let back = site::local_path(Some(&form.back))
        .unwrap_or_else(|| format!("/events/{}/photos/{image}", acting.event.id));
    Ok(site::done(&req, &back, serde_json::json!({ "yearbook": image.to_string() })))
}

/// The image picked for the yearbook in an event, if any.
pub fn pick_of(conn: &mut db::DbConn, event: &db::EventId) -> db::Result<Option<String>> {
    Ok(yearbook_picks::table
        .find(event)
        .select(yearbook_picks::image_id)
        .first::<String>(conn)
        .optional()?)
}

/// An event's yearbook pick as the studio's inbox records it: (image, client, when).
pub fn pick_record(
    conn: &mut db::DbConn,
    event: &str,
) -> db::Result<Option<(db::ImageId, db::ClientId, chrono::NaiveDateTime)>> {
    Ok(yearbook_picks::table
        .filter(yearbook_picks::event_id.eq(event))
        .select((yearbook_picks::image_id, yearbook_picks::client_id, yearbook_picks::picked_at))
        .first(conn)
        .optional()?)
}
