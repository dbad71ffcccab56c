//! `/api/v1/sessions`: publishing, listing and taking down sessions.

use actix_web::{HttpResponse, delete, get, put, web};
use proofroom_wire::{ApiError, ExpiryChange, SessionList, SessionSummary, SessionUpsert};

use super::auth::Studio;
use crate::db;
use crate::error::AppError;
use crate::events::access::studio_today;
use crate::events::sessions;
use crate::gallery::Gallery;
use crate::gallery::ingest::delete_unreferenced;
use crate::web::State;

/// Every session online.
#[utoipa::path(tag = "sessions", responses((status = 200, body = SessionList), (status = 401, body = ApiError)))]
#[get("/sessions")]
pub async fn list_sessions(_: Studio, state: State) -> Result<web::Json<SessionList>, AppError> {
    let sessions = db::run(&state.pool, sessions::list).await?;
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
    gallery: Gallery,
    id: web::Path<String>,
    body: web::Json<SessionUpsert>,
) -> Result<web::Json<SessionSummary>, AppError> {
    let id = id.into_inner();
    let session = body.into_inner();
    super::refuse_nul("session", &session)?;
    sessions::validate(&id, &session)?;
    let (worker, parts) = (state.clone(), gallery.clone());
    let summary = db::run(&state.pool, move |conn| {
        let today = studio_today(conn)?;
        let (summary, dropped) = sessions::upsert(conn, today, &id, &session)?;
        delete_unreferenced(conn, &worker, &parts, dropped)?;
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
    let summary = db::run(&state.pool, move |conn| {
        let today = studio_today(conn)?;
        sessions::change_expiry(conn, today, &id, &change)
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
    gallery: Gallery,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (worker, parts) = (state.clone(), gallery.clone());
    db::run(&state.pool, move |conn| {
        let keys = sessions::take_down(conn, &id)?;
        delete_unreferenced(conn, &worker, &parts, keys)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
