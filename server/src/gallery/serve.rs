//! Serving image bytes.
//!
//! URLs carry the file's hash (`/images/{id}/thumb/{sha16}.jpg`), so a URL's bytes never change
//! and browsers may keep them for a year; a stale hash still answers, with the current bytes
//! and a short lifetime. Every variant goes through the same access check as the event page.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;

use super::models::Derivative;
use crate::db::schema::{events, image_derivatives, images};
use crate::db::{self, EventId, ImageId};
use crate::error::AppError;
use crate::events::access;
use crate::web::{State, etag_matches};

pub fn url(image_id: &ImageId, kind: Derivative, sha256: &str) -> String {
    format!("/images/{image_id}/{}/{}.jpg", kind.as_str(), &sha256[..16.min(sha256.len())])
}

pub async fn image_bytes(
    req: HttpRequest,
    state: State,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (image_id, kind, file) = path.into_inner();
    let missing = || AppError::not_found("image_not_found", "This image is not available.");
    let image_id = ImageId::parse(&image_id).ok_or_else(missing)?;
    let kind = Derivative::parse_served(&kind).ok_or_else(missing)?;
    let url_hash = file.strip_suffix(".jpg").ok_or_else(missing)?.to_string();
    let found = db::run(&state.pool, move |conn| {
        Ok(images::table
            .inner_join(image_derivatives::table)
            .inner_join(events::table)
            .filter(images::id.eq(&image_id))
            .filter(image_derivatives::kind.eq(kind.as_str()))
            .select((events::id, image_derivatives::store_key, image_derivatives::sha256))
            .first::<(EventId, String, String)>(conn)
            .optional()?)
    })
    .await?;
    let (event_id, key, sha256) = found.ok_or_else(missing)?;
    access::check_event_visible(&state, &event_id).await?;
    let etag = format!("\"{sha256}\"");
    let cache = if sha256.starts_with(&url_hash) && url_hash.len() == 16 {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=60"
    };
    if etag_matches(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish());
    }
    let store = state.store.clone();
    let bytes = web::block(move || store.get(&key))
        .await
        .map_err(|e| AppError::internal(format!("read task: {e}")))??
        .ok_or_else(|| AppError::internal("derivative missing from the store"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/jpeg"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(bytes))
}
