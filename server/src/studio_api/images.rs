//! `/api/v1/sessions/{id}/images`: what the server holds, uploads and removals.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use proofroom_wire::{ApiError, HeldImage, ImageListing, ImageQuery, UploadOutcome, UploadResult};

use super::auth::Studio;
use crate::db;
use crate::error::AppError;
use crate::events::listing;
use crate::events::publish::{find_by_studio_id, session_not_found};
use crate::gallery::Gallery;
use crate::gallery::ingest::{self, delete_unreferenced, store_upload};
use crate::gallery::upload;
use crate::web::State;

/// An image name as a file name: no control characters (PostgreSQL refuses NUL), no folders.
fn checked_name(name: String) -> Result<String, AppError> {
    if let Some(problem) = proofroom_wire::image_name_problem(&name) {
        return Err(AppError::unprocessable(
            "invalid_image_name",
            format!("The image name {name:?} {problem}."),
        ));
    }
    Ok(name)
}

/// The images held for a session (name, SHA-256 of the uploaded file, size), so the connector
/// can upload only what changed.
#[utoipa::path(
    tag = "images",
    params(("id" = String, Path, description = "The studio's session id")),
    responses((status = 200, body = ImageListing), (status = 401, body = ApiError), (status = 404, body = ApiError))
)]
#[get("/sessions/{id}/images")]
pub async fn list_images(
    _: Studio,
    state: State,
    id: web::Path<String>,
) -> Result<web::Json<ImageListing>, AppError> {
    let id = id.into_inner();
    let listing = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        let event = find_by_studio_id(conn, &id)?.ok_or_else(|| session_not_found(&id))?;
        let rows = ingest::held_files(conn, &event.id)?;
        // Sorted here, not by the database: PostgreSQL orders text by its collation, SQLite
        // by bytes, and both backends must answer alike.
        let mut images: Vec<HeldImage> = rows
            .into_iter()
            .map(|f| HeldImage {
                name: f.name,
                sha256: f.sha256,
                bytes: f.bytes,
                original_missing: f.original_missing,
            })
            .collect();
        images.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(ImageListing { session: id, images, manifest_sha256: event.manifest_sha256 })
    })
    .await?;
    Ok(web::Json(listing))
}

/// Uploads one image of a session, streamed. The name must be in the session's image list.
/// If the server already holds these bytes under this name the body is not read.
#[utoipa::path(
    tag = "images",
    params(("id" = String, Path, description = "The studio's session id"), ImageQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = UploadResult),
        (status = 400, body = ApiError, description = "Missing or wrong SHA-256"),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "No such session"),
        (status = 413, body = ApiError, description = "Too many bytes or pixels"),
        (status = 415, body = ApiError, description = "Not a JPEG, PNG or WebP"),
        (status = 422, body = ApiError, description = "Damaged image, or not in the session's list"),
    )
)]
#[put("/sessions/{id}/images")]
pub async fn put_image(
    _: Studio,
    req: HttpRequest,
    state: State,
    gallery: Gallery,
    id: web::Path<String>,
    query: web::Query<ImageQuery>,
    payload: web::Payload,
) -> Result<web::Json<UploadResult>, AppError> {
    upload::check_declared_size(&req, &state)?;
    let claimed = upload::claimed_sha256(&req)?;
    let id = id.into_inner();
    let name = checked_name(query.into_inner().name)?;
    let lookup = (id.clone(), name.clone(), claimed.clone());
    let (event_id, held) = db::run(&state.pool, move |conn| {
        let (id, name, claimed) = lookup;
        let event = find_by_studio_id(conn, &id)?.ok_or_else(|| session_not_found(&id))?;
        if !listing::lists_image(conn, &event.id, &name)? {
            return Err(AppError::unprocessable(
                "image_not_in_session",
                format!("\"{name}\" is not in session {id}'s image list; send the session first."),
            ));
        }
        let held = ingest::held_size(conn, &event.id, &name, &claimed)?;
        Ok((event.id, held))
    })
    .await?;
    if let Some((width, height)) = held {
        return Ok(web::Json(UploadResult {
            name,
            sha256: claimed,
            outcome: UploadOutcome::Unchanged,
            width,
            height,
        }));
    }
    let received = upload::receive(payload, &state, &gallery, &claimed).await?;
    let result = store_upload(&state, &gallery, event_id, name, received).await?;
    Ok(web::Json(result))
}

/// Removes one image from a session (and from its list of images wanted online).
#[utoipa::path(
    tag = "images",
    params(("id" = String, Path, description = "The studio's session id"), ImageQuery),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError))
)]
#[delete("/sessions/{id}/images")]
pub async fn delete_image(
    _: Studio,
    state: State,
    id: web::Path<String>,
    query: web::Query<ImageQuery>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let name = checked_name(query.into_inner().name)?;
    let worker = state.clone();
    db::run(&state.pool, move |conn| {
        let event = find_by_studio_id(conn, &id)?.ok_or_else(|| session_not_found(&id))?;
        let keys = crate::db::write_transaction(conn, |conn| {
            listing::unlist_image(conn, &event.id, &name)?;
            ingest::delete_image_named(conn, &event.id, &name)?.ok_or_else(|| {
                AppError::not_found(
                    "image_not_found",
                    format!("Session {id} has no image \"{name}\" online."),
                )
            })
        })?;
        delete_unreferenced(conn, worker.store.as_ref(), keys)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
