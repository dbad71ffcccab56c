//! Events as visitors see them: the home page with the studio and its public events, and the
//! event page.

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
