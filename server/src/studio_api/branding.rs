//! `PUT /api/v1/studio/branding/{slot}`: the logo, marketing image and watermark image.

use actix_web::{HttpRequest, put, web};
use proofroom_wire::{ApiError, BrandingSlot, UploadOutcome, UploadResult};

use super::auth::Studio;
use crate::db;
use crate::error::AppError;
use crate::gallery::Gallery;
use crate::gallery::rerender;
use crate::gallery::upload::{self, image_error};
use crate::images::{self, BrandingKind};
use crate::storage::{content_key, leases, sha256_hex};
use crate::studio::BrandingRow;
use crate::web::State;

/// Uploads a branding image. It is re-encoded without metadata; a new watermark image
/// re-renders every proof in the background.
#[utoipa::path(
    tag = "studio",
    params(("slot" = String, Path, description = "logo, marketing_image or watermark")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = UploadResult),
        (status = 400, body = ApiError, description = "Missing or wrong SHA-256"),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "Unknown slot"),
        (status = 413, body = ApiError, description = "Too many bytes or pixels"),
        (status = 415, body = ApiError, description = "Not a JPEG, PNG or WebP"),
        (status = 422, body = ApiError, description = "The image is damaged"),
    )
)]
#[put("/studio/branding/{slot}")]
pub async fn put_branding(
    _: Studio,
    req: HttpRequest,
    state: State,
    gallery: Gallery,
    slot: web::Path<String>,
    payload: web::Payload,
) -> Result<web::Json<UploadResult>, AppError> {
    let slot = BrandingSlot::parse(&slot).ok_or_else(|| {
        AppError::not_found(
            "unknown_branding_slot",
            format!("\"{slot}\" is not a branding slot: use logo, marketing_image or watermark."),
        )
    })?;
    upload::check_declared_size(&req, &state)?;
    let claimed = upload::claimed_sha256(&req)?;
    let received = upload::receive(payload, &state, &gallery, &claimed).await?;
    let (_admitted, received, probe) =
        crate::gallery::ingest::admit(&state, &gallery, received).await?;
    let kind = match slot {
        BrandingSlot::Logo => BrandingKind::Logo,
        BrandingSlot::MarketingImage => BrandingKind::MarketingImage,
        BrandingSlot::Watermark => BrandingKind::Watermark,
    };
    let worker = state.clone();
    let result = web::block(move || {
        let limits = images::Limits::of(&worker.config);
        let (bytes, format) =
            images::normalize_branding(&received.temp, kind, &limits).map_err(image_error)?;
        let key = content_key("branding", &sha256_hex(&bytes), format.extension());
        let mut conn = worker.pool.get().map_err(|e| AppError::internal(format!("pool: {e}")))?;
        let row = BrandingRow {
            slot: slot.as_str().into(),
            source_sha256: received.sha256.clone(),
            store_key: key.clone(),
            content_type: format.mime().into(),
            updated_at: db::now(),
        };
        // Held while written and recorded, like every shared file (see `storage::leases`).
        let store = worker.store.as_ref();
        let in_use = |conn: &mut db::DbConn, key: &str| crate::studio::branding_uses(conn, key);
        let write = |conn: &mut db::DbConn| -> Result<_, AppError> {
            store.put_bytes(&key, &bytes)?;
            // Logo and watermark may be the same file, and so share a key.
            Ok(crate::studio::save_branding(conn, &row)?)
        };
        let held = [key.clone()];
        if let Some(unused) = leases::writing(&mut conn, store, &held, &in_use, write)? {
            leases::delete_unreferenced(&mut conn, store, &[unused], &in_use)?;
        }
        Ok::<_, AppError>(UploadResult {
            name: slot.as_str().into(),
            sha256: received.sha256,
            outcome: UploadOutcome::Stored,
            width: probe.width as i32,
            height: probe.height as i32,
        })
    })
    .await
    .map_err(|e| AppError::internal(format!("branding task: {e}")))??;
    if slot == BrandingSlot::Watermark {
        rerender::start(state.clone(), gallery.clone());
    }
    Ok(web::Json(result))
}
