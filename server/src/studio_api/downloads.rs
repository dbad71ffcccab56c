//! `/api/v1/downloads`: how often each photo's file was downloaded, per session, for the
//! connector's `status`.

use actix_web::{get, web};
use proofroom_wire::ApiError;
use proofroom_wire::downloads::DownloadCounts;

use super::auth::Studio;
use crate::db;
use crate::downloads;
use crate::error::AppError;
use crate::web::State;

/// Every session whose files were downloaded: files in all, people, and each photo's count
/// (most downloaded first). A ZIP counts once per photo in it.
#[utoipa::path(
    tag = "downloads",
    responses((status = 200, body = DownloadCounts), (status = 401, body = ApiError))
)]
#[get("/downloads")]
pub async fn download_counts(
    _: Studio,
    state: State,
) -> Result<web::Json<DownloadCounts>, AppError> {
    Ok(web::Json(db::run(&state.pool, downloads::log::counts).await?))
}
