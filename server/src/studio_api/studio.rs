//! `GET/PUT /api/v1/studio`: the studio profile and online preferences.

use actix_web::{get, put, web};
use proofroom_wire::{ApiError, BrandingFile, BrandingSlot, StudioProfile, StudioState};

use super::auth::Studio;
use crate::db;
use crate::error::AppError;
use crate::gallery::Gallery;
use crate::gallery::rerender;
use crate::studio;
use crate::web::State;

pub async fn state_of(state: &State) -> Result<StudioState, AppError> {
    db::run(&state.pool, move |conn| {
        let profile = studio::profile(conn)?;
        let branding = studio::branding(conn)?
            .into_iter()
            .filter_map(|row| {
                BrandingSlot::parse(&row.slot)
                    .map(|slot| BrandingFile { slot, sha256: row.source_sha256 })
            })
            .collect();
        let proofs_pending = rerender::pending(conn)?;
        Ok(StudioState { profile, branding, proofs_pending })
    })
    .await
}

/// The studio profile as stored, the branding files held, and how many proofs still wait for
/// the current watermark.
#[utoipa::path(
    tag = "studio",
    responses(
        (status = 200, body = StudioState),
        (status = 401, body = ApiError, description = "No or wrong studio token"),
    )
)]
#[get("/studio")]
pub async fn get_studio(_: Studio, state: State) -> Result<web::Json<StudioState>, AppError> {
    Ok(web::Json(state_of(&state).await?))
}

/// Replaces the studio profile, tax rates, shipping methods, promotions and preferences. A
/// changed watermark re-renders every proof in the background.
#[utoipa::path(
    tag = "studio",
    request_body = StudioProfile,
    responses(
        (status = 200, body = StudioState),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "A field is out of range"),
    )
)]
#[put("/studio")]
pub async fn put_studio(
    _: Studio,
    state: State,
    gallery: Gallery,
    body: web::Json<StudioProfile>,
) -> Result<web::Json<StudioState>, AppError> {
    let profile = body.into_inner();
    super::refuse_nul("studio profile", &profile)?;
    studio::validate(&profile)?;
    db::run(&state.pool, move |conn| -> db::Result<()> {
        studio::save(conn, &profile)?;
        // The studio's name, email, phone or signer in the unsigned contracts.
        crate::contracts::publish::refresh_unsigned(conn, None).map(drop)
    })
    .await?;
    rerender::start(state.clone(), gallery.clone());
    Ok(web::Json(state_of(&state).await?))
}
