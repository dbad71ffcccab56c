//! `/api/v1/sessions`: publishing, listing and taking down sessions.

use actix_web::{HttpResponse, delete, get, put, web};
use proofroom_wire::{ApiError, ExpiryChange, SessionList, SessionSummary, SessionUpsert};

use super::auth::Studio;
use crate::auth::people;
use crate::db;
use crate::error::AppError;
use crate::events::access::studio_today;
use crate::events::models::EventRow;
use crate::events::publish;
use crate::gallery::ingest::{self, delete_unreferenced};
use crate::web::State;
use crate::{prepaid, price_lists};

/// The session as the studio API reports it, with its count of images online.
fn summary_of(conn: &mut db::DbConn, event: EventRow) -> db::Result<SessionSummary> {
    let count = crate::gallery::view::image_count(conn, &event.id)?;
    Ok(publish::to_summary(event, count))
}

/// Publishes a session in one transaction: its price list must be there, its client record,
/// its event with the image list, and the images it no longer lists removed (their store keys
/// are returned, to delete after commit).
fn publish_session(
    conn: &mut db::DbConn,
    id: &str,
    checked: &publish::CheckedSession,
) -> Result<(SessionSummary, Vec<String>), AppError> {
    let today = studio_today(conn)?;
    let session = &checked.session;
    db::write_transaction(conn, |conn| {
        if let Some(list) = &session.price_list
            && !price_lists::exists(conn, list)?
        {
            return Err(AppError::unprocessable(
                "unknown_price_list",
                format!("Session {id} uses price list \"{list}\", which has not been uploaded."),
            ));
        }
        let client_id = people::upsert_client(conn, &session.client)?;
        let event_id = publish::upsert_event(conn, today, id, checked, client_id)?;
        // A new client, a corrected name or date: the unsigned contracts read it at once.
        crate::contracts::publish::refresh_unsigned(conn, Some(&event_id))?;
        let wanted = session.images.iter().map(|i| i.name.as_str()).collect();
        let dropped = ingest::drop_images_not_in(conn, &event_id, &wanted)?;
        let event = crate::events::access::load_event(conn, &event_id)?
            .ok_or_else(|| AppError::internal("a published event vanished"))?;
        Ok((summary_of(conn, event)?, dropped))
    })
}

/// Store keys a take-down leaves to delete after commit: the images' and the album pages'.
struct TakenDown {
    image_keys: Vec<String>,
    album_keys: Vec<String>,
}

/// Takes a session down in one transaction: its images, its albums, its unsubmitted prepaid
/// packages, its unsigned contracts and its event; returns the store keys to delete after
/// commit (none: no such session online).
fn take_down(conn: &mut db::DbConn, id: &str) -> db::Result<Option<TakenDown>> {
    db::write_transaction(conn, |conn| {
        let Some(event) = publish::find_by_studio_id(conn, id)? else {
            return Ok(None);
        };
        let image_keys = ingest::delete_event_images(conn, &event.id)?;
        let album_keys = crate::albums::drop_for_event(conn, &event.id)?;
        prepaid::drop_unsubmitted(conn, &event.id)?;
        crate::contracts::drop_unsigned(conn, &event.id)?;
        publish::delete_event(conn, &event.id)?;
        Ok(Some(TakenDown { image_keys, album_keys }))
    })
}

/// Every session online.
#[utoipa::path(tag = "sessions", responses((status = 200, body = SessionList), (status = 401, body = ApiError)))]
#[get("/sessions")]
pub async fn list_sessions(_: Studio, state: State) -> Result<web::Json<SessionList>, AppError> {
    let sessions = db::run(&state.pool, |conn| -> db::Result<_> {
        let counts = ingest::image_counts(conn)?;
        let mut all: Vec<SessionSummary> = publish::all(conn)?
            .into_iter()
            .map(|event| {
                let count = counts.get(&event.id).copied().unwrap_or(0);
                publish::to_summary(event, count)
            })
            .collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    })
    .await?;
    Ok(web::Json(SessionList { sessions }))
}

/// Creates or updates a session: its client, event settings and the images that should be
/// online. Images online but no longer listed are removed; listed images are uploaded
/// separately.
#[utoipa::path(
    tag = "sessions",
    params(("id" = String, Path, description = "The studio's session id (its folder name), percent-encoded. Any file name is an id; empty, `.`, `..`, over 200 bytes, or holding a slash, backslash or control character is 422 `invalid_id`")),
    request_body = SessionUpsert,
    responses(
        (status = 200, body = SessionSummary),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "An id no folder name can be (`invalid_id`), unknown price list, private event without a code, …"),
    )
)]
#[put("/sessions/{id}")]
pub async fn put_session(
    _: Studio,
    state: State,
    id: web::Path<String>,
    body: web::Json<SessionUpsert>,
) -> Result<web::Json<SessionSummary>, AppError> {
    let id = id.into_inner();
    let session = body.into_inner();
    super::refuse_nul("session", &session)?;
    let session = publish::validate(&id, session)?;
    let worker = state.clone();
    let summary = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let (summary, dropped) = publish_session(conn, &id, &session)?;
        delete_unreferenced(conn, worker.store.as_ref(), dropped)?;
        Ok(summary)
    })
    .await?;
    Ok(web::Json(summary))
}

/// Sets a gallery's expiry date: `until` a date, or `expire` now (yesterday was its last day).
/// The date stands over `first_online + days_active` until the manifest's `days_active` changes.
#[utoipa::path(
    tag = "sessions",
    params(("id" = String, Path, description = "The studio's session id")),
    request_body = ExpiryChange,
    responses(
        (status = 200, body = SessionSummary),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError),
        (status = 422, body = ApiError, description = "A date over ten years away"),
    )
)]
#[put("/sessions/{id}/expiry")]
pub async fn put_expiry(
    _: Studio,
    state: State,
    id: web::Path<String>,
    body: web::Json<ExpiryChange>,
) -> Result<web::Json<SessionSummary>, AppError> {
    let id = id.into_inner();
    let change = body.into_inner();
    let summary = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let today = studio_today(conn)?;
        let event = publish::change_expiry(conn, today, &id, &change)?;
        Ok(summary_of(conn, event)?)
    })
    .await?;
    Ok(web::Json(summary))
}

/// Takes a session down: the event, its images and their files are deleted.
#[utoipa::path(
    tag = "sessions",
    params(("id" = String, Path, description = "The studio's session id")),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError))
)]
#[delete("/sessions/{id}")]
pub async fn delete_session(
    _: Studio,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let worker = state.clone();
    db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let gone = take_down(conn, &id)?.ok_or_else(|| publish::session_not_found(&id))?;
        delete_unreferenced(conn, worker.store.as_ref(), gone.image_keys)?;
        crate::albums::delete_unreferenced(conn, worker.store.as_ref(), gone.album_keys)
            .map_err(AppError::from)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
