//! Who may see an event — one rule for pages and for every image variant.
//!
//! - *public*: anyone.
//! - the session's client: always.
//! - *private*: anyone holding a pass made with the event's current code.
//! - any type: a guest holding a pass from a client's invite that is not revoked.
//!
//! Passes belong to a browser session and, once a guest has an account, to the account. A code
//! pass names the event it was made for, so a second event with the same code stays closed.
//! Expired galleries are shown as expired only to those who may see them, and serve no image.
//! Everyone else gets a 404 (or, for a private event, the code box), so unguessable URLs do not
//! even confirm an event exists.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::NaiveDate;
use diesel::prelude::*;
use proofroom_wire::EventType;

use super::models::EventRow;
use crate::auth::browser_session::{CurrentSession, Person};
use crate::db::changes::{Changes, Kinds};
use crate::db::schema::{event_passes, events, guest_invites};
use crate::db::{self, ClientId, DbConn, EventId, GuestId};
use crate::error::AppError;
use crate::studio;
use crate::web::State;

/// Who is asking: the browser session and the signed-in person, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ViewerKey {
    pub session_id: Option<String>,
    pub client_id: Option<ClientId>,
    pub guest_id: Option<GuestId>,
}

impl From<&CurrentSession> for ViewerKey {
    fn from(current: &CurrentSession) -> Self {
        let person = current.person();
        Self {
            session_id: current.id().map(str::to_string),
            client_id: person.and_then(|p| p.client_id().cloned()),
            guest_id: person.and_then(|p| p.guest_id().cloned()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allowed,
    Expired,
    /// A private event this viewer has not opened: show the code box.
    NeedsCode,
    /// Not for this viewer, or not there at all.
    Hidden,
}

/// Decides access to a loaded event.
pub fn decide(
    conn: &mut DbConn,
    viewer: &ViewerKey,
    event: &EventRow,
    today: NaiveDate,
) -> db::Result<Access> {
    let kind = event.event_type();
    let allowed = kind == EventType::Public
        || viewer.client_id.as_ref() == Some(&event.client_id)
        || has_pass(conn, viewer, event)?;
    Ok(match (allowed, kind) {
        (true, _) if event.is_expired(today) => Access::Expired,
        (true, _) => Access::Allowed,
        (false, EventType::Private) => Access::NeedsCode,
        (false, _) => Access::Hidden,
    })
}

/// The account a pass is kept on besides the browser session: a guest's or a client's.
#[derive(Debug, Clone)]
pub enum PassAccount {
    Guest(GuestId),
    Client(ClientId),
}

impl PassAccount {
    pub fn of(person: &Person) -> Option<Self> {
        match (person.guest_id(), person.client_id()) {
            (Some(guest), _) => Some(Self::Guest(guest.clone())),
            (None, Some(client)) => Some(Self::Client(client.clone())),
            (None, None) => None,
        }
    }
}

/// Who holds a viewer's passes: their browser session and their account, as id lists for
/// `eq_any` (empty: none of that kind).
pub(super) struct PassHolders {
    pub sessions: Vec<String>,
    pub guests: Vec<String>,
    pub clients: Vec<String>,
}

impl PassHolders {
    pub fn of(viewer: &ViewerKey) -> Self {
        Self {
            sessions: viewer.session_id.iter().cloned().collect(),
            guests: viewer.guest_id.iter().map(ToString::to_string).collect(),
            clients: viewer.client_id.iter().map(ToString::to_string).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.guests.is_empty() && self.clients.is_empty()
    }
}

fn has_pass(conn: &mut DbConn, viewer: &ViewerKey, event: &EventRow) -> db::Result<bool> {
    let holders = PassHolders::of(viewer);
    if holders.is_empty() {
        return Ok(false);
    }
    let passes: Vec<(Option<String>, Option<String>, Option<chrono::NaiveDateTime>)> =
        event_passes::table
            .left_join(guest_invites::table)
            .filter(event_passes::event_id.eq(&event.id))
            .filter(
                event_passes::web_session_id
                    .eq_any(&holders.sessions)
                    .or(event_passes::guest_id.eq_any(&holders.guests))
                    .or(event_passes::client_id.eq_any(&holders.clients)),
            )
            .select((
                event_passes::code,
                event_passes::invite_id,
                guest_invites::revoked_at.nullable(),
            ))
            .load(conn)?;
    let private = event.event_type() == EventType::Private;
    Ok(passes.iter().any(|(code, invite, revoked)| match (code, invite) {
        (_, Some(_)) => revoked.is_none(),
        (Some(code), None) => private && event.event_code.as_deref() == Some(code.as_str()),
        (None, None) => false,
    }))
}

pub fn load_event(conn: &mut DbConn, id: &EventId) -> db::Result<Option<EventRow>> {
    Ok(events::table.find(id).select(EventRow::as_select()).first(conn).optional()?)
}

/// Today in the studio's calendar.
pub fn studio_today(conn: &mut DbConn) -> db::Result<NaiveDate> {
    Ok(match studio::load(conn)? {
        Some(s) => s.today(),
        None => chrono::Utc::now().date_naive(),
    })
}

/// The event and this viewer's access to it (`Hidden` when there is no such event).
pub async fn event_access(
    state: &State,
    viewer: ViewerKey,
    event_id: &EventId,
) -> Result<(Access, Option<EventRow>), AppError> {
    let id = event_id.clone();
    db::run(&state.pool, move |conn| {
        let Some(event) = load_event(conn, &id)? else {
            return Ok((Access::Hidden, None));
        };
        let today = studio_today(conn)?;
        let access = decide(conn, &viewer, &event, today)?;
        Ok((access, Some(event)))
    })
    .await
}

/// Access decisions recently made, for image requests: a gallery page asks for dozens of
/// thumbnails at once. Anything that can change access (a studio push, a code change, an invite
/// revoked, a sign-in) bumps the generation and so empties it; entries also age out so that
/// a gallery's expiry at midnight is noticed.
#[derive(Default)]
pub struct AccessCache {
    generation: AtomicU64,
    entries: RwLock<HashMap<(ViewerKey, EventId), Decided>>,
    /// The site's other servers, told when access changed here.
    changes: Changes,
}

/// An access decision, the generation it was made in, and when.
type Decided = (Access, u64, Instant);

const ACCESS_CACHE_SECONDS: u64 = 60;
const ACCESS_CACHE_MAX: usize = 100_000;

impl AccessCache {
    pub fn new(changes: Changes) -> Self {
        Self { changes, ..Self::default() }
    }

    /// Access changed here (after its commit): forgotten here and on the other servers.
    pub fn invalidate(&self) {
        self.forget_here();
        self.changes.tell(Kinds::ACCESS);
    }

    /// Forgets every decision kept in this process: another server changed access.
    pub fn forget_here(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.write().expect("access cache").clear();
    }

    pub async fn access(
        &self,
        state: &State,
        viewer: ViewerKey,
        event_id: &EventId,
    ) -> Result<Access, AppError> {
        let key = (viewer, event_id.clone());
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some((access, g, at)) = self.entries.read().expect("access cache").get(&key)
            && *g == generation
            && at.elapsed().as_secs() < ACCESS_CACHE_SECONDS
        {
            return Ok(*access);
        }
        let (access, _) = event_access(state, key.0.clone(), event_id).await?;
        let mut entries = self.entries.write().expect("access cache");
        // A change while this was decided must not leave a stale answer behind.
        if self.generation.load(Ordering::SeqCst) == generation {
            if entries.len() >= ACCESS_CACHE_MAX {
                entries.clear();
            }
            entries.insert(key, (access, generation, Instant::now()));
        }
        Ok(access)
    }
}

/// A page in an event only signed-in people use (`/events/{id}/…`): the event's id and the
/// person. The id must be a real one first (anything else is the gallery's 404), so only a
/// real id goes into the address a visitor is sent to sign in and come back to.
pub struct SignedInEvent {
    pub event_id: EventId,
    pub session: CurrentSession,
    pub person: crate::auth::browser_session::Person,
}

impl actix_web::FromRequest for SignedInEvent {
    type Error = actix_web::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let event_id = req.match_info().get("id").and_then(EventId::parse);
        let current = CurrentSession::from_request(req, payload);
        // The page's address with the id as it is written canonically.
        let page = req.path().splitn(4, '/').nth(3).unwrap_or_default().to_string();
        let back_to = event_id.as_ref().map(|id| format!("/events/{id}/{page}"));
        Box::pin(async move {
            let event_id = event_id.ok_or_else(|| {
                crate::error::AppError::not_found("event_not_found", "There is no such gallery.")
            })?;
            let session = current.await?;
            match session.person().cloned() {
                Some(person) => Ok(SignedInEvent { event_id, session, person }),
                None => {
                    Err(crate::auth::signed_in::SignInFirst::back_to(&back_to.unwrap_or_default())
                        .into())
                }
            }
        })
    }
}
