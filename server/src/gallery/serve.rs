//! Serving image bytes.
//!
//! URLs carry the file's hash (`/images/{id}/thumb/{sha16}.jpg`), so a URL's bytes never change
//! and browsers may keep them for a year; a stale hash still answers, with the current bytes
//! and a short lifetime. Every variant goes through the same access check as the event page.
//!
//! This is a hot path: a gallery page asks for dozens of thumbnails at once. Which event an
//! image belongs to, the viewer's access to that event and the bytes themselves are kept in
//! memory, so a repeated request touches neither the database nor the disk.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use diesel::prelude::*;

use super::models::Derivative;
use crate::auth::session::CurrentSession;
use crate::db::schema::{image_derivatives, images};
use crate::db::{self, EventId, ImageId};
use crate::error::AppError;
use crate::events::access::{Access, ViewerKey};
use crate::web::{State, etag_matches};

pub fn url(image_id: &ImageId, kind: Derivative, sha256: &str) -> String {
    format!("/images/{image_id}/{}/{}.jpg", kind.as_str(), &sha256[..16.min(sha256.len())])
}

/// Where a derivative's bytes are: its event, store key and hash.
#[derive(Clone)]
struct Located {
    event_id: EventId,
    key: String,
    sha256: String,
}

/// In-memory copies: derivative locations (emptied whenever images change) and file bytes by
/// content-addressed key (which never go stale), bounded by total size.
pub struct ImageCache {
    located: quick_cache::sync::Cache<(ImageId, &'static str), Located>,
    bytes: quick_cache::sync::Cache<String, Bytes, BytesWeighter>,
}

#[derive(Clone)]
struct BytesWeighter;

impl quick_cache::Weighter<String, Bytes> for BytesWeighter {
    fn weight(&self, _key: &String, value: &Bytes) -> u64 {
        value.len() as u64 + 64
    }
}

impl ImageCache {
    pub fn new(max_bytes: u64) -> Self {
        let items = (max_bytes / 40_000).clamp(1_000, 1_000_000) as usize;
        Self {
            located: quick_cache::sync::Cache::new(200_000),
            bytes: quick_cache::sync::Cache::with_weighter(items, max_bytes, BytesWeighter),
        }
    }

    /// Forget where derivatives are (images were replaced, re-rendered or removed).
    pub fn images_changed(&self) {
        self.located.clear();
    }
}

pub async fn image_bytes(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (image_id, kind, file) = path.into_inner();
    let missing = || AppError::not_found("image_not_found", "This image is not available.");
    let image_id = ImageId::parse(&image_id).ok_or_else(missing)?;
    let kind = Derivative::parse_served(&kind).ok_or_else(missing)?;
    let url_hash = file.strip_suffix(".jpg").ok_or_else(missing)?;
    let cache_key = (image_id.clone(), kind.as_str());
    let located = match state.image_cache.located.get(&cache_key) {
        Some(found) => found,
        None => {
            let id = image_id.clone();
            let found = db::run(&state.pool, move |conn| {
                Ok(images::table
                    .inner_join(image_derivatives::table)
                    .filter(images::id.eq(&id))
                    .filter(image_derivatives::kind.eq(kind.as_str()))
                    .select((
                        images::event_id,
                        image_derivatives::store_key,
                        image_derivatives::sha256,
                    ))
                    .first::<(EventId, String, String)>(conn)
                    .optional()?)
            })
            .await?;
            let (event_id, key, sha256) = found.ok_or_else(missing)?;
            let located = Located { event_id, key, sha256 };
            state.image_cache.located.insert(cache_key, located.clone());
            located
        }
    };
    match state.access.access(&state, ViewerKey::from(&session), &located.event_id).await? {
        Access::Allowed => {}
        Access::Expired => {
            return Err(AppError::new(
                StatusCode::GONE,
                "gallery_expired",
                "This gallery has expired.",
            ));
        }
        Access::NeedsCode | Access::Hidden => return Err(missing()),
    }
    let etag = format!("\"{}\"", located.sha256);
    let current = url_hash.len() == 16 && located.sha256.starts_with(url_hash);
    // Private to the browser: these bytes are behind a sign-in or a code.
    let cache =
        if current { "private, max-age=31536000, immutable" } else { "private, max-age=60" };
    if etag_matches(&req, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish());
    }
    let bytes = match state.image_cache.bytes.get(&located.key) {
        Some(bytes) => bytes,
        None => {
            let store = state.store.clone();
            let key = located.key.clone();
            let bytes = web::block(move || store.get(&key))
                .await
                .map_err(|e| AppError::internal(format!("read task: {e}")))??
                .ok_or_else(|| AppError::internal("derivative missing from the store"))?;
            state.image_cache.bytes.insert(located.key.clone(), bytes.clone());
            bytes
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/jpeg"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(bytes))
}
