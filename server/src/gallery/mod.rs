//! The images of events and their derivatives: receiving an upload ([`upload`]), ingest
//! ([`ingest`]), re-rendering after a watermark change ([`rerender`]), serving the bytes behind
//! the one access check ([`serve`]), the gallery read model a page shows ([`view`]), and a
//! signed-in person acting in an event ([`acting`]), and the files downloads hand out
//! ([`files`]). Owns `images` and `image_derivatives`.

pub mod acting;
pub mod files;
pub mod ingest;
pub mod models;
pub mod rerender;
pub mod serve;
pub mod upload;
pub mod view;

use std::sync::atomic::AtomicU64;

use tokio::sync::Semaphore;

/// What the images keep while the server runs, registered as its own `web::Data`.
pub struct GalleryState {
    /// Bounds how many images are decoded at once, and so the memory they take.
    pub ingest_slots: Semaphore,
    /// Bounds the memory all decodes take together (`max_ingest_memory`).
    pub decode_budget: ingest::DecodeBudget,
    pub rerender: rerender::RerenderFlags,
    pub watermark_cache: crate::studio::WatermarkCache,
    /// Upload bodies read since start (images and branding): a push that skips unchanged files
    /// must not move this.
    pub upload_bodies_read: AtomicU64,
    pub image_cache: serve::ImageCache,
    /// The events' caches, forgotten with the gallery's own when the catalog changes.
    pub events: crate::events::Events,
}

impl GalleryState {
    pub fn new(
        config: &crate::config::Config,
        events: crate::events::Events,
        changes: crate::db::changes::Changes,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            ingest_slots: Semaphore::new(config.ingest_jobs.unwrap_or(cores).max(1)),
            decode_budget: ingest::DecodeBudget::new(config.max_ingest_memory),
            rerender: Default::default(),
            watermark_cache: Default::default(),
            upload_bodies_read: Default::default(),
            image_cache: serve::ImageCache::new(
                config.image_cache_bytes,
                config.signed_image_links(),
                changes,
            ),
            events,
        }
    }

    /// The studio changed events or images: forget cached access decisions, image places and
    /// pages.
    pub fn catalog_changed(&self) {
        self.events.access.invalidate();
        self.image_cache.images_changed();
        self.events.pages.forget_all();
    }
}

pub type Gallery = actix_web::web::Data<GalleryState>;
