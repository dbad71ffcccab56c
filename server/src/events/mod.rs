//! Events as visitors see them: the home page with the studio and its public events, and the
//! event page.

pub mod access;
pub mod models;
pub mod notices;
pub mod page_cache;
pub mod pages;
pub mod sessions;
pub mod unlock;
pub mod viewer_actions;

use crate::web::State;

/// The studio's name for page titles; "Proofroom" before the studio has published a profile.
pub async fn studio_name(state: &State) -> String {
    let loaded = crate::db::run(&state.pool, crate::studio::load).await;
    match loaded {
        Ok(Some(studio)) => studio.name,
        _ => "Proofroom".to_string(),
    }
}
