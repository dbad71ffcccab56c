//! Serving image bytes.
//!
//! URLs carry the file's hash (`/images/{id}/thumb/{sha16}.jpg`), so a URL's bytes never change
//! and browsers may keep them for a year; a stale hash still answers, with the current bytes
//! and a short lifetime. Every variant goes through the same access check as the event page.
//!
//! This is the hottest path: a gallery page asks for dozens of thumbnails at once. Which event
//! an image belongs to, the viewer's access to that event and the bytes themselves are kept in
//! memory, so a repeated request touches neither the database nor the disk, and image requests
//! are answered before actix-web's App (see [`crate::lane`]).
//!
//! With `[s3] signed_url_seconds`, an allowed request is answered with a redirect to a signed
//! address on the bucket instead of the bytes: the check is the same, the bytes go from the
//! bucket, and the address stops working within that time (a withdrawn guest's too).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_http::Request;
use actix_web::HttpMessage;
use actix_web::body::BoxBody;
use actix_web::dev::Response;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web;
use bytes::Bytes;
use diesel::prelude::*;

use super::GalleryState;
use super::models::Derivative;
use crate::auth::Auth;
use crate::auth::browser_session::CurrentSession;
use crate::db::changes::{Changes, Kinds};
use crate::db::schema::{image_derivatives, images};
use crate::db::{self, EventId, ImageId};
use crate::error::AppError;
use crate::events::EventsState;
use crate::events::access::{Access, ViewerKey};
use crate::storage::Store;
use crate::web::State;

pub fn url(image_id: &ImageId, kind: Derivative, sha256: &str) -> String {
    format!("/images/{image_id}/{}/{}.jpg", kind.as_str(), &sha256[..16.min(sha256.len())])
}

/// Where a derivative's bytes are: its event, store key and hash (and its ETag, made once).
struct Located {
    /// The cache's generation when this was read: a place from before a forgetting is not used.
    generation: u64,
    event_id: EventId,
    key: String,
    sha256: String,
    etag: HeaderValue,
}

/// In-memory copies: derivative locations (emptied whenever images change) and file bytes by
/// content-addressed key (which never go stale), bounded by total size.
pub struct ImageCache {
    located: quick_cache::sync::Cache<(uuid::Uuid, Derivative), Arc<Located>>,
    /// Bumped by each forgetting: a place read before it is not kept after it.
    generation: std::sync::atomic::AtomicU64,
    bytes: quick_cache::sync::Cache<String, Bytes, BytesWeighter>,
    /// How long a signed address on the bucket works, when image requests are answered with
    /// one (`[s3] signed_url_seconds`); `None`: the bytes are sent from here.
    signed_for: Option<Duration>,
    /// Signed addresses by store key, used while at least half their time is left: a browser
    /// asking again soon gets the same address, and so finds the bytes in its own cache.
    signed: quick_cache::sync::Cache<String, Arc<SignedLink>>,
    /// The site's other servers, told when images changed here.
    changes: Changes,
}

/// An address on the bucket and the time it surely still works until.
struct SignedLink {
    location: HeaderValue,
    until: Instant,
}

#[derive(Clone)]
struct BytesWeighter;

impl quick_cache::Weighter<String, Bytes> for BytesWeighter {
    fn weight(&self, _key: &String, value: &Bytes) -> u64 {
        value.len() as u64 + 64
    }
}

impl ImageCache {
    pub fn new(max_bytes: u64, signed_for: Option<Duration>, changes: Changes) -> Self {
        let items = (max_bytes / 40_000).clamp(1_000, 1_000_000) as usize;
        Self {
            located: quick_cache::sync::Cache::new(200_000),
            generation: Default::default(),
            bytes: quick_cache::sync::Cache::with_weighter(items, max_bytes, BytesWeighter),
            signed_for,
            // ~1 KB an address: up to ~20 MB. One pushed out is signed again when asked for.
            signed: quick_cache::sync::Cache::new(if signed_for.is_some() { 20_000 } else { 1 }),
            changes,
        }
    }

    /// A signed address on the bucket for `key`, and how long a browser may keep the redirect
    /// to it; `None` when the bytes are to be sent from here.
    fn signed_link(&self, store: &dyn Store, key: &str) -> Option<(HeaderValue, Duration)> {
        let valid = self.signed_for?;
        let now = Instant::now();
        // A browser keeps the redirect only while the address still has half its time left.
        if let Some(link) = self.signed.get(key)
            && let Some(left) = link.until.checked_duration_since(now + valid / 2)
        {
            return Some((link.location.clone(), left));
        }
        let cache_control = format!("private, max-age={}", valid.as_secs());
        let signed = match store.signed_url(key, valid, "image/jpeg", &cache_control)? {
            Ok(url) => HeaderValue::from_str(&url).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match signed {
            Ok(location) => {
                // The address's time is counted from its signing date, cut to the second.
                let until = now + valid.saturating_sub(Duration::from_secs(1));
                let keep = until.saturating_duration_since(now + valid / 2);
                self.signed.insert(
                    key.to_string(),
                    Arc::new(SignedLink { location: location.clone(), until }),
                );
                Some((location, keep))
            }
            Err(e) => {
                // The bytes still go out, from here.
                tracing::warn!("signing the address of {key} failed, sending the bytes: {e}");
                None
            }
        }
    }

    /// Forget where derivatives are (images were replaced, re-rendered or removed), here and
    /// on the site's other servers.
    pub fn images_changed(&self) {
        self.forget_here();
        self.changes.tell(Kinds::IMAGES);
    }

    /// Forget where derivatives are in this process: another server changed images.
    pub fn forget_here(&self) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.located.clear();
    }
}

/// What an image URL names: `/images/{id}/{kind}/{hash}.jpg`.
struct ImageAddress<'a> {
    image: uuid::Uuid,
    kind: Derivative,
    url_hash: &'a str,
}

impl<'a> ImageAddress<'a> {
    fn parse(path: &'a str) -> Option<Self> {
        let mut parts = path.strip_prefix("/images/")?.split('/');
        let (id, kind, file) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            image: uuid::Uuid::try_parse(id).ok()?,
            kind: Derivative::parse_served(kind)?,
            url_hash: file.strip_suffix(".jpg")?,
        })
    }
}

/// Answers `GET`/`HEAD /images/…`: the bytes (or a redirect to a signed address on the
/// bucket), a 304, or an HTML error page for a person who opened the address directly.
pub async fn answer(
    state: &State,
    auth: &Auth,
    events: &EventsState,
    gallery: &GalleryState,
    req: &Request,
) -> Response<BoxBody> {
    let mut res = match image_response(state, auth, events, gallery, req).await {
        Ok(res) => res,
        Err(e) => crate::site::error_page(state, e.status, Some(&e), None).await.into(),
    };
    state.security_headers.add_to(res.headers_mut());
    res
}

async fn image_response(
    state: &State,
    auth: &Auth,
    events: &EventsState,
    gallery: &GalleryState,
    req: &Request,
) -> Result<Response<BoxBody>, AppError> {
    let missing = || AppError::not_found("image_not_found", "This image is not available.");
    let address = ImageAddress::parse(req.path()).ok_or_else(missing)?;
    let located = locate(state, gallery, &address).await?.ok_or_else(missing)?;
    let session = CurrentSession::from_headers(&state.pool, auth, req.headers()).await?;
    match events.access.access(state, ViewerKey::from(&session), &located.event_id).await? {
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
    let current = address.url_hash.len() == 16 && located.sha256.starts_with(address.url_hash);
    // Private to the browser: these bytes are behind a sign-in or a code.
    let cache = HeaderValue::from_static(if current {
        "private, max-age=31536000, immutable"
    } else {
        "private, max-age=60"
    });
    let etag = located.etag.to_str().unwrap_or_default();
    let mut res = if crate::web::etag_matches(req.headers(), etag) {
        Response::with_body(StatusCode::NOT_MODIFIED, BoxBody::new(()))
    } else if let Some((location, keep)) = (req.method() == Method::GET)
        .then(|| gallery.image_cache.signed_link(state.store.as_ref(), &located.key))
        .flatten()
    {
        // Checked above: the bytes come from the bucket, at an address that stops working
        // within `signed_url_seconds`. (Signed for a GET only: a HEAD is answered below.)
        let mut res = Response::with_body(StatusCode::TEMPORARY_REDIRECT, BoxBody::new(()));
        res.headers_mut().insert(header::LOCATION, location);
        let cache = format!("private, max-age={}", keep.as_secs());
        let cache = HeaderValue::try_from(cache).unwrap_or(HeaderValue::from_static("no-store"));
        res.headers_mut().insert(header::CACHE_CONTROL, cache);
        return Ok(res);
    } else {
        let bytes = read_bytes(state, gallery, &located.key).await?;
        let mut res = Response::with_body(StatusCode::OK, BoxBody::new(bytes));
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
        res
    };
    res.headers_mut().insert(header::ETAG, located.etag.clone());
    res.headers_mut().insert(header::CACHE_CONTROL, cache);
    Ok(res)
}

/// Where the derivative is, from memory or the database; `None` when there is no such image.
async fn locate(
    state: &State,
    gallery: &GalleryState,
    address: &ImageAddress<'_>,
) -> Result<Option<Arc<Located>>, AppError> {
    let cache_key = (address.image, address.kind);
    let generation = gallery.image_cache.generation.load(std::sync::atomic::Ordering::SeqCst);
    if let Some(found) = gallery.image_cache.located.get(&cache_key)
        && found.generation == generation
    {
        return Ok(Some(found));
    }
    let id = ImageId::from_stored(address.image.to_string());
    let kind = address.kind;
    let found = db::run(&state.pool, move |conn| -> db::Result<_> {
        Ok(images::table
            .inner_join(image_derivatives::table)
            .filter(images::id.eq(&id))
            .filter(image_derivatives::kind.eq(kind.as_str()))
            .select((images::event_id, image_derivatives::store_key, image_derivatives::sha256))
            .first::<(EventId, String, String)>(conn)
            .optional()?)
    })
    .await?;
    let Some((event_id, key, sha256)) = found else { return Ok(None) };
    let etag = HeaderValue::from_str(&format!("\"{sha256}\""))
        .map_err(|e| AppError::internal(format!("stored hash {sha256:?}: {e}")))?;
    // Kept with the generation it was read in: if a change came meanwhile, it is not used.
    let located = Arc::new(Located { generation, event_id, key, sha256, etag });
    gallery.image_cache.located.insert(cache_key, located.clone());
    Ok(Some(located))
}

/// The file's bytes, from memory or the store (content-addressed keys only: cached for good).
pub async fn read_bytes(
    state: &State,
    gallery: &GalleryState,
    key: &str,
) -> Result<Bytes, AppError> {
    if let Some(bytes) = gallery.image_cache.bytes.get(key) {
        return Ok(bytes);
    }
    let store = state.store.clone();
    let owned = key.to_string();
    let bytes = web::block(move || store.get(&owned))
        .await
        .map_err(|e| AppError::internal(format!("read task: {e}")))??
        .ok_or_else(|| AppError::internal("derivative missing from the store"))?;
    gallery.image_cache.bytes.insert(key.to_string(), bytes.clone());
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_address_names_image_kind_and_hash() {
        let id = "0c55cc8a-5511-47c0-bdc4-44daf926dccb";
        let path = format!("/images/{id}/thumb/b65b3550a7ece7ae.jpg");
        let a = ImageAddress::parse(&path).unwrap();
        assert_eq!(a.image.to_string(), id);
        assert_eq!(a.kind, Derivative::Thumb);
        assert_eq!(a.url_hash, "b65b3550a7ece7ae");
        for bad in [
            format!("/images/{id}/master/b65b3550a7ece7ae.jpg"),
            format!("/images/{id}/thumb/b65b3550a7ece7ae.png"),
            format!("/images/{id}/thumb/b65b3550a7ece7ae.jpg/more"),
            format!("/images/{id}/thumb"),
            "/images/not-an-id/thumb/b65b3550a7ece7ae.jpg".to_string(),
        ] {
            assert!(ImageAddress::parse(&bad).is_none(), "{bad}");
        }
    }
}
