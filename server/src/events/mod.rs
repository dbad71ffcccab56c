//! Events: the studio's photo sessions as published ([`publish`]), who may see each one
//! ([`access`]), opening a private one with its code or an invite ([`unlock`]), what a page
//! lists of them ([`listing`]: public events, a viewer's events, groups, videos), and the
//! rendered pages kept per browser session ([`page_cache`]). Owns `events`, `event_passes`,
//! `guest_invites`, `event_online_groups`, `event_videos`, `session_images` and
//! `session_image_groups`.

pub mod access;
pub mod listing;
pub mod models;
pub mod page_cache;
pub mod publish;
pub mod unlock;

/// What events keep while the server runs, registered as its own `web::Data`.
pub struct EventsState {
    pub access: access::AccessCache,
    pub pages: page_cache::PageCache,
}

pub type Events = actix_web::web::Data<EventsState>;
