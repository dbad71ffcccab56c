//! Album proofing: the studio pushes an album's pages revision by revision ([`publish`]), the
//! session's client looks through them ([`pages`]), marks them up with sticky notes and
//! comments ([`markup`]) and sends comments or approves ([`answer`]); the answer goes back to the
//! studio through the feed, each marked page drawn with numbered pins ([`pinned`]).
//!
//! Owns `albums`, `album_revisions`, `album_pages` and `album_notes`, and the page files in the
//! store (`album-pages/…`, content-addressed). Only the session's client ever sees an album: to
//! anyone else it does not exist (404).

pub mod answer;
pub mod emails;
pub mod markup;
pub mod pages;
pub mod pinned;
pub mod publish;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use proofroom_wire::albums::{
    AlbumDecision, AlbumFeedback, AlbumNote, AlbumPageFeedback, AlbumPageFile, AlbumState,
    AlbumSummary,
};

use crate::db::schema::{album_notes, album_pages, album_revisions, albums};
use crate::db::{
    self, AlbumId, AlbumNoteId, AlbumPageId, AlbumRevisionId, ClientId, DbConn, EventId, ImageId,
};
use crate::error::AppError;
use crate::storage::Store;

/// Where album page files live in the store; nothing else uses this prefix.
pub const STORE_PREFIX: &str = "album-pages";

/// Why the albums' data layer refused something; the HTTP edge turns it into an answer.
#[derive(Debug, thiserror::Error)]
pub enum AlbumError {
    #[error(transparent)]
    Db(#[from] db::Error),
    /// The studio's album cannot be taken (422 `invalid_album`).
    #[error("{0}")]
    Invalid(String),
    /// Its session is not online (404 `session_not_online`).
    #[error("{0}")]
    SessionNotOnline(String),
    /// No such album, or not the viewer's (404 `album_not_found`).
    #[error("There is no such album.")]
    NotFound,
    /// No such revision of the album online (404 `album_revision_not_found`).
    #[error("{0}")]
    RevisionNotFound(String),
    /// The client answered the revision: it never changes (409 `album_revision_answered`).
    #[error("{0}")]
    Answered(String),
    /// The studio sent a revision below the one online (409 `album_revision_older`).
    #[error("{0}")]
    Older(String),
    /// The client has not answered the revision: its notes are a draft (409
    /// `album_revision_not_answered`).
    #[error("{0}")]
    NotAnswered(String),
    /// No such page in the revision (404 `album_page_not_found`).
    #[error("{0}")]
    PageNotFound(String),
    /// No such note of the viewer's (404 `album_note_not_found`).
    #[error("There is no such note on this album.")]
    NoteNotFound,
    /// A note or comment the site cannot keep (422 `invalid_note`).
    #[error("{0}")]
    InvalidNote(String),
    /// A note placed off the page (422 `note_outside_page`).
    #[error("A note must sit on the page: x and y are fractions from 0 to 1.")]
    OutsidePage,
    /// The uploaded page is not the file the album lists (422 `page_not_in_album`).
    #[error("{0}")]
    PageNotListed(String),
    /// The file store failed (500).
    #[error("album page files: {0}")]
    Store(#[from] std::io::Error),
}

impl From<diesel::result::Error> for AlbumError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

impl From<AlbumError> for AppError {
    fn from(e: AlbumError) -> Self {
        let message = e.to_string();
        match e {
            AlbumError::Db(e) => e.into(),
            AlbumError::Invalid(_) => AppError::unprocessable("invalid_album", message),
            AlbumError::SessionNotOnline(_) => AppError::not_found("session_not_online", message),
            AlbumError::NotFound => AppError::not_found("album_not_found", message),
            AlbumError::RevisionNotFound(_) => {
                AppError::not_found("album_revision_not_found", message)
            }
            AlbumError::Answered(_) => AppError::conflict("album_revision_answered", message),
            AlbumError::Older(_) => AppError::conflict("album_revision_older", message),
            AlbumError::NotAnswered(_) => {
                AppError::conflict("album_revision_not_answered", message)
            }
            AlbumError::PageNotFound(_) => AppError::not_found("album_page_not_found", message),
            AlbumError::NoteNotFound => AppError::not_found("album_note_not_found", message),
            AlbumError::InvalidNote(_) => AppError::unprocessable("invalid_note", message),
            AlbumError::OutsidePage => AppError::unprocessable("note_outside_page", message),
            AlbumError::PageNotListed(_) => AppError::unprocessable("page_not_in_album", message),
            AlbumError::Store(_) => AppError::internal(message),
        }
    }
}

pub type Result<T> = std::result::Result<T, AlbumError>;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = albums)]
pub struct AlbumRow {
    pub id: AlbumId,
    pub event_id: EventId,
    pub studio_album_id: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = album_revisions)]
pub struct RevisionRow {
    pub id: AlbumRevisionId,
    pub album_id: AlbumId,
    pub number: i32,
    /// Every page held: the client sees it.
    pub ready_at: Option<NaiveDateTime>,
    pub decision: Option<String>,
    pub answered_at: Option<NaiveDateTime>,
    pub answered_by: Option<ClientId>,
    pub approved_name: Option<String>,
    pub general_comment: String,
    pub notified_at: Option<NaiveDateTime>,
    pub reminded_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl RevisionRow {
    pub fn decision(&self) -> Option<AlbumDecision> {
        match self.decision.as_deref() {
            Some("approved") => Some(AlbumDecision::Approved),
            Some(_) => Some(AlbumDecision::Comments),
            None => None,
        }
    }

    pub fn state(&self) -> AlbumState {
        match (self.decision(), self.ready_at) {
            (Some(AlbumDecision::Approved), _) => AlbumState::Approved,
            (Some(AlbumDecision::Comments), _) => AlbumState::CommentsReceived,
            (None, Some(_)) => AlbumState::WaitingForClient,
            (None, None) => AlbumState::Uploading,
        }
    }
}

pub fn decision_str(decision: AlbumDecision) -> &'static str {
    match decision {
        AlbumDecision::Comments => "comments",
        AlbumDecision::Approved => "approved",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = album_pages)]
pub struct PageRow {
    pub id: AlbumPageId,
    pub revision_id: AlbumRevisionId,
    pub position: i32,
    pub file_name: String,
    pub source_sha256: String,
    pub source_bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub clean_key: Option<String>,
    pub view_key: Option<String>,
    pub thumb_key: Option<String>,
    pub comment: String,
}

impl PageRow {
    /// Its store keys, for cleanup once nothing refers to them.
    fn keys(&self) -> impl Iterator<Item = String> {
        [self.clean_key.clone(), self.view_key.clone(), self.thumb_key.clone()]
            .into_iter()
            .flatten()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = album_notes)]
pub struct NoteRow {
    pub id: AlbumNoteId,
    pub page_id: AlbumPageId,
    pub x: f64,
    pub y: f64,
    pub body: String,
    pub swap_image_id: Option<ImageId>,
    pub swap_file_name: Option<String>,
    pub author_id: ClientId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An album's page on the site.
pub fn album_path(event: &EventId, album: &AlbumId) -> String {
    format!("/events/{event}/albums/{album}")
}

pub fn find(conn: &mut DbConn, id: &AlbumId) -> db::Result<Option<AlbumRow>> {
    Ok(albums::table.find(id).select(AlbumRow::as_select()).first(conn).optional()?)
}

/// The album's revisions, oldest first.
pub fn revisions(conn: &mut DbConn, album: &AlbumId) -> db::Result<Vec<RevisionRow>> {
    Ok(album_revisions::table
        .filter(album_revisions::album_id.eq(album))
        .order(album_revisions::number.asc())
        .select(RevisionRow::as_select())
        .load(conn)?)
}

/// A revision's pages, in page order.
pub fn pages_of(conn: &mut DbConn, revision: &AlbumRevisionId) -> db::Result<Vec<PageRow>> {
    Ok(album_pages::table
        .filter(album_pages::revision_id.eq(revision))
        .order(album_pages::position.asc())
        .select(PageRow::as_select())
        .load(conn)?)
}

/// The notes on a revision's pages, oldest first (their numbers on each page follow this).
pub fn notes_of(conn: &mut DbConn, revision: &AlbumRevisionId) -> db::Result<Vec<NoteRow>> {
    Ok(album_notes::table
        .inner_join(album_pages::table)
        .filter(album_pages::revision_id.eq(revision))
        .order((album_notes::created_at.asc(), album_notes::id.asc()))
        .select(NoteRow::as_select())
        .load(conn)?)
}

/// Every album the server holds, with its latest revision, for the studio's connector.
pub fn summaries(conn: &mut DbConn) -> db::Result<Vec<AlbumSummary>> {
    let rows: Vec<AlbumRow> = albums::table.select(AlbumRow::as_select()).load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for album in rows {
        let Some(session_id) = studio_session_id(conn, &album.event_id)? else { continue };
        let Some(latest) = revisions(conn, &album.id)?.pop() else { continue };
        let pages = pages_of(conn, &latest.id)?
            .into_iter()
            .map(|p| AlbumPageFile { name: p.file_name, sha256: p.source_sha256 })
            .collect();
        out.push(AlbumSummary {
            session_id,
            album_id: album.studio_album_id,
            description: album.description,
            revision: latest.number,
            state: latest.state(),
            pages,
            answered_at: latest.answered_at,
        });
    }
    // Sorted here: the backends order text differently.
    out.sort_by(|a, b| (&a.session_id, &a.album_id).cmp(&(&b.session_id, &b.album_id)));
    Ok(out)
}

/// An album online for an event's client, on the event page and My events.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AlbumLink {
    pub title: String,
    pub url: String,
    pub revision: i32,
    /// Waiting for the client's comments or approval.
    pub to_review: bool,
    pub approved: bool,
}

/// The albums of `events` with a revision online, for their client: the caller passes only
/// events whose client is the viewer (nobody else ever sees an album).
pub fn of_clients_events(
    conn: &mut DbConn,
    events_of: &[EventId],
) -> db::Result<Vec<(EventId, AlbumLink)>> {
    if events_of.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(AlbumRow, RevisionRow)> = albums::table
        .inner_join(album_revisions::table)
        .filter(albums::event_id.eq_any(events_of))
        .filter(album_revisions::ready_at.is_not_null())
        .order((albums::created_at.asc(), album_revisions::number.asc()))
        .select((AlbumRow::as_select(), RevisionRow::as_select()))
        .load(conn)?;
    let mut links: Vec<(EventId, AlbumId, AlbumLink)> = Vec::new();
    for (album, revision) in rows {
        let link = AlbumLink {
            title: if album.description.is_empty() {
                "Album".to_string()
            } else {
                album.description.clone()
            },
            url: album_path(&album.event_id, &album.id),
            revision: revision.number,
            to_review: revision.decision.is_none(),
            approved: revision.decision() == Some(AlbumDecision::Approved),
        };
        // Ordered by number: the last one seen is the latest.
        match links.iter_mut().find(|(_, id, _)| *id == album.id) {
            Some(entry) => entry.2 = link,
            None => links.push((album.event_id.clone(), album.id.clone(), link)),
        }
    }
    Ok(links.into_iter().map(|(event, _, link)| (event, link)).collect())
}

/// What the studio gets back when a revision is answered: every note, comment and the decision
/// (`None` until it is answered, or when it is gone).
pub fn feedback(
    conn: &mut DbConn,
    revision: &AlbumRevisionId,
) -> db::Result<Option<AlbumFeedback>> {
    let Some(rev) = album_revisions::table
        .find(revision)
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let (Some(decision), Some(answered_at), Some(client_id)) =
        (rev.decision(), rev.answered_at, rev.answered_by.clone())
    else {
        return Ok(None);
    };
    let Some(album) = find(conn, &rev.album_id)? else { return Ok(None) };
    let Some(session_id) = studio_session_id(conn, &album.event_id)? else { return Ok(None) };
    let client = crate::auth::people::client(conn, &client_id)?;
    let client_name = format!("{} {}", client.first_name, client.last_name).trim().to_string();
    let pages = pages_of(conn, &rev.id)?;
    let notes = notes_of(conn, &rev.id)?;
    let mut out_pages = Vec::new();
    for page in &pages {
        let on_page: Vec<AlbumNote> = numbered(&notes, &page.id)
            .map(|(number, n)| AlbumNote {
                number,
                x: n.x,
                y: n.y,
                text: n.body.clone(),
                author: client_name.clone(),
                at: n.updated_at,
                swap: n.swap_file_name.clone(),
            })
            .collect();
        let comment = Some(page.comment.trim().to_string()).filter(|c| !c.is_empty());
        if on_page.is_empty() && comment.is_none() {
            continue;
        }
        out_pages.push(AlbumPageFeedback {
            page: page.position as u32,
            file_name: page.file_name.clone(),
            comment,
            notes: on_page,
        });
    }
    Ok(Some(AlbumFeedback {
        session_id,
        album_id: album.studio_album_id,
        description: album.description,
        revision: rev.number,
        decision,
        answered_at,
        client_id: client.studio_client_id,
        client_name,
        client_email: client.email,
        approved_name: rev.approved_name,
        general_comment: Some(rev.general_comment.trim().to_string()).filter(|c| !c.is_empty()),
        pages: out_pages,
    }))
}

/// The studio's id of the event's session.
fn studio_session_id(conn: &mut DbConn, event: &EventId) -> db::Result<Option<String>> {
    Ok(crate::events::access::load_event(conn, event)?.map(|e| e.studio_session_id))
}

/// The notes on `page` with their pin numbers (1, 2, … in the order they were placed).
pub fn numbered<'a>(
    notes: &'a [NoteRow],
    page: &'a AlbumPageId,
) -> impl Iterator<Item = (u32, &'a NoteRow)> + 'a {
    notes.iter().filter(move |n| n.page_id == *page).zip(1u32..).map(|(n, i)| (i, n))
}

/// Removes an event's albums with their revisions, pages and notes (a take-down, inside the
/// caller's transaction); returns the page files' store keys, for [`delete_unreferenced`].
pub fn drop_for_event(conn: &mut DbConn, event: &EventId) -> db::Result<Vec<String>> {
    let ids: Vec<AlbumId> =
        albums::table.filter(albums::event_id.eq(event)).select(albums::id).load(conn)?;
    let mut keys = Vec::new();
    for album in &ids {
        for rev in revisions(conn, album)? {
            for page in pages_of(conn, &rev.id)? {
                keys.extend(page.keys());
                diesel::delete(album_notes::table.filter(album_notes::page_id.eq(&page.id)))
                    .execute(conn)?;
            }
            diesel::delete(album_pages::table.filter(album_pages::revision_id.eq(&rev.id)))
                .execute(conn)?;
        }
        diesel::delete(album_revisions::table.filter(album_revisions::album_id.eq(album)))
            .execute(conn)?;
    }
    diesel::delete(albums::table.filter(albums::event_id.eq(event))).execute(conn)?;
    Ok(keys)
}

/// Whether an album page refers to the stored file `key` (its clean, view or thumbnail file).
pub fn page_uses(conn: &mut DbConn, key: &str) -> db::Result<bool> {
    let refs: i64 = album_pages::table
        .filter(
            album_pages::clean_key
                .eq(key)
                .or(album_pages::view_key.eq(key))
                .or(album_pages::thumb_key.eq(key)),
        )
        .count()
        .get_result(conn)?;
    Ok(refs > 0)
}

/// Deletes page files no album page refers to any more (pages are content-addressed and a
/// revision often keeps most of the previous one's files), as decided in the database
/// ([`crate::storage::leases`]).
pub fn delete_unreferenced(conn: &mut DbConn, store: &dyn Store, keys: Vec<String>) -> Result<()> {
    crate::storage::leases::delete_unreferenced(conn, store, &keys, &page_uses).map_err(
        |e| match e {
            crate::storage::leases::DeleteError::Db(e) => AlbumError::Db(e),
            crate::storage::leases::DeleteError::Store(e) => AlbumError::Store(e),
        },
    )?;
    Ok(())
}
