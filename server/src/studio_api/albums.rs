//! `/api/v1/albums` and `/api/v1/sessions/{session}/albums/{album}`: the studio's albums
//! (`[[albums]]` of session.toml), their page files, and the marked-up pages drawn for the
//! designer.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use proofroom_wire::albums::{AlbumList, AlbumPageQuery, AlbumPushResult, AlbumUpsert};
use proofroom_wire::{ApiError, UploadResult};

use super::auth::Studio;
use crate::albums::{self, pinned, publish};
use crate::db;
use crate::error::AppError;
use crate::gallery::{Gallery, upload};
use crate::web::{State, check_studio_id};

/// Every album the server holds with its latest revision: its state and the page files held.
#[utoipa::path(
    tag = "albums",
    responses((status = 200, body = AlbumList), (status = 401, body = ApiError))
)]
#[get("/albums")]
pub async fn list_albums(_: Studio, state: State) -> Result<web::Json<AlbumList>, AppError> {
    let albums = db::run(&state.pool, albums::summaries).await?;
    Ok(web::Json(AlbumList { albums }))
}

/// Declares an album's revision and its pages, in order; answers the page files still to
/// upload. A higher revision starts a new one (the earlier stay as history); the same one with
/// changed pages replaces them until the client has answered it.
#[utoipa::path(
    tag = "albums",
    params(
        ("session" = String, Path, description = "The studio's session id, percent-encoded"),
        ("album" = String, Path, description = "The album's id in session.toml, percent-encoded"),
    ),
    request_body = AlbumUpsert,
    responses(
        (status = 200, body = AlbumPushResult),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "`session_not_online`"),
        (status = 409, body = ApiError, description = "`album_revision_answered`: the client answered this revision, its pages never change; `album_revision_older`: a higher revision is online"),
        (status = 422, body = ApiError, description = "`invalid_album`: no pages, a bad page name, a revision below 1"),
    )
)]
#[put("/sessions/{session}/albums/{album}")]
pub async fn put_album(
    _: Studio,
    state: State,
    path: web::Path<(String, String)>,
    body: web::Json<AlbumUpsert>,
) -> Result<web::Json<AlbumPushResult>, AppError> {
    let (session, id) = path.into_inner();
    let album = body.into_inner();
    super::refuse_nul("album", &album)?;
    check_studio_id("album", &id)?;
    let site_url = state.site_url.clone();
    let worker = state.clone();
    let (result, queued) = db::run(&state.pool, move |conn| {
        let done =
            publish::upsert(conn, &session, &id, &album, &site_url).map_err(AppError::from)?;
        albums::delete_unreferenced(conn, worker.store.as_ref(), done.unreferenced)
            .map_err(AppError::from)?;
        Ok::<_, AppError>((done.result, done.queued_email))
    })
    .await?;
    if queued {
        state.mailer.wake();
    }
    Ok(web::Json(result))
}

/// Uploads one page file of a revision, streamed; its previews are made like proofs. If the
/// server already holds these bytes for the page the body is not read.
#[utoipa::path(
    tag = "albums",
    params(
        ("session" = String, Path, description = "The studio's session id"),
        ("album" = String, Path, description = "The album's id"),
        AlbumPageQuery,
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = UploadResult),
        (status = 400, body = ApiError, description = "Missing or wrong SHA-256"),
        (status = 401, body = ApiError),
        (status = 409, body = ApiError, description = "`album_revision_answered`"),
        (status = 413, body = ApiError, description = "Too many bytes or pixels"),
        (status = 415, body = ApiError, description = "Not a JPEG, PNG or WebP"),
        (status = 422, body = ApiError, description = "`page_not_in_album`: send the album first"),
    )
)]
#[put("/sessions/{session}/albums/{album}/pages")]
pub async fn put_page(
    _: Studio,
    req: HttpRequest,
    state: State,
    gallery: Gallery,
    path: web::Path<(String, String)>,
    query: web::Query<AlbumPageQuery>,
    payload: web::Payload,
) -> Result<web::Json<UploadResult>, AppError> {
    upload::check_declared_size(&req, &state)?;
    let claimed = upload::claimed_sha256(&req)?;
    let (session, album) = path.into_inner();
    let query = query.into_inner();
    let receiving = {
        let (state, gallery, claimed) = (state.clone(), gallery.clone(), claimed.clone());
        async move { upload::receive(payload, &state, &gallery, &claimed).await }
    };
    let result = publish::store_page(
        &state,
        &gallery,
        (session, album, query.revision, query.name),
        claimed,
        receiving,
    )
    .await?;
    Ok(web::Json(result))
}

/// A marked-up page for the designer: the page with a numbered pin at each of the client's
/// notes and the notes listed below it (JPEG). Only of a revision the client answered: until
/// then the notes are their draft.
#[utoipa::path(
    tag = "albums",
    params(
        ("session" = String, Path, description = "The studio's session id"),
        ("album" = String, Path, description = "The album's id"),
        ("revision" = i32, Path, description = "The revision's number"),
        ("page" = String, Path, description = "The page's file name"),
    ),
    responses(
        (status = 200, content_type = "image/jpeg", body = Vec<u8>),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "`album_page_not_found`"),
        (status = 409, body = ApiError, description = "`album_revision_not_answered`: the notes are still the client's draft"),
    )
)]
#[get("/albums/{session}/{album}/revisions/{revision}/pinned/{page}")]
pub async fn pinned_page(
    _: Studio,
    state: State,
    gallery: Gallery,
    path: web::Path<(String, String, i32, String)>,
) -> Result<HttpResponse, AppError> {
    let (session, album, revision, page) = path.into_inner();
    let found = db::run(&state.pool, move |conn| {
        pinned::pinned_page(conn, &session, &album, revision, &page).map_err(AppError::from)
    })
    .await?;
    let bytes = crate::gallery::serve::read_bytes(&state, &gallery, &found.clean_key).await?;
    let drawn = web::block(move || {
        crate::images::pins::pin_page(&bytes, &found.heading, found.comment.as_deref(), &found.pins)
    })
    .await
    .map_err(|e| AppError::internal(format!("pin task: {e}")))?
    .map_err(|e| AppError::internal(format!("drawing the pinned page: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header(("Cache-Control", "no-store"))
        .body(drawn.bytes))
}
