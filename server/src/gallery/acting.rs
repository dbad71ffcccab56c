//! What favorites, groups, yearbook picks, the cart and prepaid packages share: a signed-in
//! person in an event they may see, and an image of that event.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpRequest};
use diesel::prelude::*;

use crate::auth::browser_session::{CurrentSession, Person};
use crate::auth::signed_in::SignInFirst;
use crate::db::schema::images;
use crate::db::{self, EventId, ImageId};
use crate::error::AppError;
use crate::events::access::{self, Access, ViewerKey};
use crate::events::models::EventRow;
use crate::site::{self, StudioView};
use crate::web::State;

/// A signed-in person acting in an event they may see (`/events/{id}/…`), and the studio's
/// switches for what clients may do.
///
/// As an extractor it answers, in this order: an id that is no event's, 404; nobody signed in,
/// the sign-in page and back for a page (GET), 401 `sign_in_needed` for a form or a script; an
/// event this person may not see, 404, or 410 once it expired.
pub struct Acting {
    pub session: CurrentSession,
    pub person: Person,
    pub event: EventRow,
    pub studio: StudioView,
}

/// What a studio lets its clients do in galleries (studio.toml `[client_options]`).
#[derive(Debug, Clone, Copy)]
pub enum ClientOption {
    Favorites,
    ClientGroups,
    /// Also a setting of each session: both must be on.
    YearbookSelection,
}

impl Acting {
    /// Refuses (403, with the option's own code) what the studio or the session turned off.
    pub fn allows(&self, option: ClientOption) -> Result<(), AppError> {
        let studio = &self.studio.name;
        let (on, code, message) = match option {
            ClientOption::Favorites => (
                self.studio.favorites,
                "favorites_off",
                format!("{studio} has not turned on favorites for online galleries."),
            ),
            ClientOption::ClientGroups => (
                self.studio.client_groups,
                "groups_off",
                format!("{studio} has not turned on client groups."),
            ),
            ClientOption::YearbookSelection => (
                self.event.yearbook_selection && self.studio.yearbook_selection,
                "yearbook_off",
                "This session does not take a yearbook pick.".to_string(),
            ),
        };
        if on { Ok(()) } else { Err(AppError::new(StatusCode::FORBIDDEN, code, message)) }
    }

    /// Whether the person is the client the session was photographed for.
    pub fn is_the_client(&self) -> bool {
        self.person.client_id() == Some(&self.event.client_id)
    }
}

fn no_such_gallery() -> AppError {
    AppError::not_found("event_not_found", "There is no such gallery.")
}

impl FromRequest for Acting {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let event_id = req.match_info().get("id").and_then(EventId::parse);
        let state = req.app_data::<State>().cloned();
        let current = CurrentSession::from_request(req, payload);
        let page = (req.method() == Method::GET).then(|| req.path().to_string());
        Box::pin(async move {
            let event_id = event_id.ok_or_else(no_such_gallery)?;
            let state = state.ok_or_else(|| AppError::internal("no application state"))?;
            let session = current.await?;
            let Some(person) = session.person().cloned() else {
                return Err(match page {
                    Some(page) => SignInFirst::back_to(&page).into(),
                    None => AppError::new(
                        StatusCode::UNAUTHORIZED,
                        "sign_in_needed",
                        "Sign in (or register as a guest) to keep favorites and groups.",
                    )
                    .into(),
                });
            };
            let viewer = ViewerKey::from(&session);
            match access::event_access(&state, viewer, &event_id).await? {
                (Access::Allowed, Some(event)) => {
                    let studio =
                        db::run(&state.pool, site::studio_view).await.map_err(AppError::from)?.1;
                    Ok(Acting { session, person, event, studio })
                }
                (Access::Expired, _) => Err(AppError::new(
                    StatusCode::GONE,
                    "gallery_expired",
                    "This gallery has expired.",
                )
                .into()),
                _ => Err(no_such_gallery().into()),
            }
        })
    }
}

/// The image, checked to belong to the event.
pub async fn image_of_event(
    state: &State,
    event: &EventRow,
    image_id: &str,
) -> Result<ImageId, AppError> {
    let missing = || AppError::not_found("image_not_found", "This photo is not in the gallery.");
    let image_id = ImageId::parse(image_id).ok_or_else(missing)?;
    let (iid, eid) = (image_id.clone(), event.id.clone());
    let found: i64 = db::run(&state.pool, move |conn| -> db::Result<_> {
        Ok(images::table
            .filter(images::id.eq(&iid))
            .filter(images::event_id.eq(&eid))
            .count()
            .get_result(conn)?)
    })
    .await?;
    if found == 0 {
        return Err(missing());
    }
    Ok(image_id)
}
