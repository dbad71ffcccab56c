//! The album's page: every page of a revision large, with its pins, notes and comment, a strip
//! of thumbnails, the revision's history, and the forms to comment, send and approve. Without
//! JavaScript it is a long page of pages with comment boxes; `static/album.js` turns it into a
//! viewer with sticky notes.
//!
//! One access check ([`own_album`]: the album, its event and its revisions, three reads) stands
//! before the page, its images and every action: only the session's current client; anyone
//! else — a guest, another client, nobody signed in — gets 404, as for an album that does not
//! exist.

use std::collections::{HashMap, HashSet};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{AlbumError, AlbumRow, NoteRow, PageRow, RevisionRow, numbered};
use crate::auth::browser_session::CurrentSession;
use crate::auth::people;
use crate::db::schema::album_pages;
use crate::db::{self, AlbumId, AlbumPageId, ClientId, EventId};
use crate::error::AppError;
use crate::events::models::EventRow;
use crate::site::{self, StudioView, base_context};
use crate::web::State;

/// An album its client is looking at, with every revision.
pub struct Owned {
    pub album: AlbumRow,
    pub event: EventRow,
    /// The viewer: the event's client.
    pub client_id: ClientId,
    /// Oldest first; only those online (every page held).
    pub revisions: Vec<RevisionRow>,
}

impl Owned {
    /// The revision numbered `number`, or the latest online.
    pub fn revision(&self, number: Option<i32>) -> Result<&RevisionRow, AlbumError> {
        let found = match number {
            Some(n) => self.revisions.iter().find(|r| r.number == n),
            None => self.revisions.last(),
        };
        found.ok_or_else(|| {
            AlbumError::RevisionNotFound(format!(
                "This album has no revision {} to look at.",
                number.unwrap_or(0)
            ))
        })
    }

    /// Whether the client may still mark up `revision`: the latest online, not yet answered.
    pub fn editable(&self, revision: &RevisionRow) -> bool {
        revision.decision.is_none() && self.revisions.last().is_some_and(|l| l.id == revision.id)
    }

    pub fn path(&self) -> String {
        super::album_path(&self.event.id, &self.album.id)
    }
}

/// The album `album` of event `event`, when the signed-in person is the event's client now.
pub async fn own_album(
    state: &State,
    session: &CurrentSession,
    event: &str,
    album: &str,
) -> Result<Owned, AppError> {
    let missing = || AppError::from(AlbumError::NotFound);
    let (Some(event), Some(album)) = (EventId::parse(event), AlbumId::parse(album)) else {
        return Err(missing());
    };
    let Some(client) = session.person().and_then(|p| p.client_id()).cloned() else {
        return Err(missing());
    };
    let found = db::run(&state.pool, move |conn| -> db::Result<_> {
        let Some(row) = super::find(conn, &album)? else { return Ok(None) };
        if row.event_id != event {
            return Ok(None);
        }
        let Some(event_row) = crate::events::access::load_event(conn, &event)? else {
            return Ok(None);
        };
        // The session's client now: a session moved to another client takes its album.
        if event_row.client_id != client {
            return Ok(None);
        }
        let revisions: Vec<RevisionRow> =
            super::revisions(conn, &row.id)?.into_iter().filter(|r| r.ready_at.is_some()).collect();
        if revisions.is_empty() {
            return Ok(None);
        }
        Ok(Some(Owned { album: row, event: event_row, client_id: client, revisions }))
    })
    .await?;
    found.ok_or_else(missing)
}

/// A page image's address; `v` changes with its content, so it may be cached for good.
pub fn page_image_url(owned_path: &str, page: &PageRow, kind: &str) -> String {
    let key = if kind == "thumb" { &page.thumb_key } else { &page.view_key };
    let version = key
        .as_deref()
        .and_then(|k| k.rsplit('/').next())
        .map(|name| name.chars().take(16).collect::<String>())
        .unwrap_or_default();
    format!("{owned_path}/pages/{}/{kind}.jpg?v={version}", page.id)
}

#[derive(Debug, Serialize)]
pub struct NoteView {
    pub id: String,
    pub number: u32,
    pub x: f64,
    pub y: f64,
    /// Percentages, for the pin's place on the page.
    pub left: String,
    pub top: String,
    pub text: String,
    pub swap_name: Option<String>,
    pub swap_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PageView {
    pub position: i32,
    pub file_name: String,
    pub view_url: String,
    pub thumb_url: String,
    pub width: i32,
    pub height: i32,
    pub comment: String,
    pub notes: Vec<NoteView>,
    pub wide: bool,
    /// Width over height, for the page's box.
    pub ratio: String,
}

#[derive(Debug, Serialize)]
struct RevisionLink {
    number: i32,
    label: &'static str,
    url: String,
    current: bool,
}

#[derive(Debug, Serialize)]
struct EarlierNote {
    page: i32,
    number: u32,
    text: String,
    swap_name: Option<String>,
}

#[derive(Debug, Serialize)]
struct EarlierComment {
    page: i32,
    text: String,
}

#[derive(Debug, Serialize)]
struct Earlier {
    number: i32,
    label: &'static str,
    general_comment: String,
    comments: Vec<EarlierComment>,
    notes: Vec<EarlierNote>,
}

pub fn note_view(number: u32, note: &NoteRow) -> NoteView {
    NoteView {
        id: note.id.to_string(),
        number,
        x: note.x,
        y: note.y,
        left: format!("{:.3}%", note.x * 100.0),
        top: format!("{:.3}%", note.y * 100.0),
        text: note.body.clone(),
        swap_name: note.swap_file_name.clone(),
        swap_id: note.swap_image_id.as_ref().map(|i| i.to_string()),
    }
}

/// The pages of a revision with their notes, as the page shows them.
fn page_views(path: &str, pages: &[PageRow], notes: &[NoteRow]) -> Vec<PageView> {
    pages
        .iter()
        .map(|page| PageView {
            position: page.position,
            file_name: page.file_name.clone(),
            view_url: page_image_url(path, page, "view"),
            thumb_url: page_image_url(path, page, "thumb"),
            width: page.width.unwrap_or(1),
            height: page.height.unwrap_or(1),
            comment: page.comment.clone(),
            notes: numbered(notes, &page.id).map(|(n, note)| note_view(n, note)).collect(),
            wide: page.width.unwrap_or(1) > page.height.unwrap_or(1),
            ratio: format!(
                "{:.5}",
                f64::from(page.width.unwrap_or(1)) / f64::from(page.height.unwrap_or(1).max(1))
            ),
        })
        .collect()
}

/// How the client reads a revision's state: one the studio replaced before they answered it
/// says so, not "waiting for the client".
fn client_label(revision: &RevisionRow, latest: i32) -> &'static str {
    if revision.decision.is_none() && revision.number < latest {
        "replaced before you answered"
    } else {
        revision.state().label()
    }
}

fn earlier(pages: &[PageRow], notes: &[NoteRow], revision: &RevisionRow, latest: i32) -> Earlier {
    let mut out = Earlier {
        number: revision.number,
        label: client_label(revision, latest),
        general_comment: revision.general_comment.clone(),
        comments: Vec::new(),
        notes: Vec::new(),
    };
    for page in pages {
        if !page.comment.trim().is_empty() {
            out.comments.push(EarlierComment { page: page.position, text: page.comment.clone() });
        }
        for (number, note) in numbered(notes, &page.id) {
            out.notes.push(EarlierNote {
                page: page.position,
                number,
                text: note.body.clone(),
                swap_name: note.swap_file_name.clone(),
            });
        }
    }
    out
}

#[derive(Debug, Deserialize)]
pub struct AlbumQuery {
    pub revision: Option<i32>,
    /// "saved", "sent", "approved": what the last form did.
    pub done: Option<String>,
}

/// What a render adds: a form's error.
#[derive(Debug, Default)]
pub struct Shown {
    pub error: Option<String>,
    pub done: Option<String>,
}

pub async fn render(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    owned: &Owned,
    number: Option<i32>,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let revision = owned.revision(number)?.clone();
    let latest = owned.revisions.last().map_or(revision.number, |r| r.number);
    let before = owned.revisions.iter().rev().find(|r| r.number < revision.number).cloned();
    let path = owned.path();
    let (current, reference, studio) = {
        let (rev_id, before) = (revision.id.clone(), before.clone());
        let (path, client) = (path.clone(), owned.client_id.clone());
        db::run(&state.pool, move |conn| -> db::Result<_> {
            let pages = super::pages_of(conn, &rev_id)?;
            let notes = super::notes_of(conn, &rev_id)?;
            let reference = match &before {
                Some(b) => Some(earlier(
                    &super::pages_of(conn, &b.id)?,
                    &super::notes_of(conn, &b.id)?,
                    b,
                    latest,
                )),
                None => None,
            };
            let (row, studio): (_, StudioView) = site::studio_view(conn)?;
            let tz = row.map_or(chrono_tz::UTC, |r| r.tz());
            let client = people::client(conn, &client)?;
            let name = format!("{} {}", client.first_name, client.last_name);
            Ok((page_views(&path, &pages, &notes), reference, (studio, tz, name)))
        })
        .await?
    };
    let (studio, tz, client_name) = studio;
    let mut context = base_context(req, state, session, &studio).await?;
    let title = if owned.album.description.is_empty() {
        "Album".to_string()
    } else {
        owned.album.description.clone()
    };
    let editable = owned.editable(&revision);
    context.insert("title", &title);
    context.insert("description", &owned.event.description);
    context.insert("event_url", &format!("/events/{}", owned.event.id));
    context.insert("album_url", &path);
    context.insert("pages", &current);
    context.insert("revision", &revision.number);
    context.insert("revision_label", client_label(&revision, latest));
    context.insert("superseded", &(revision.decision.is_none() && revision.number < latest));
    context.insert("editable", &editable);
    context.insert("approved_name", &revision.approved_name);
    context.insert(
        "answered_at",
        &revision.answered_at.map(|at| {
            let local = at.and_utc().with_timezone(&tz);
            format!("{} at {}", studio.locale.date(local.date_naive()), local.format("%H:%M"))
        }),
    );
    context.insert(
        "approved",
        &(revision.decision() == Some(proofroom_wire::albums::AlbumDecision::Approved)),
    );
    context.insert("general_comment", &revision.general_comment);
    context.insert("earlier", &reference);
    context.insert("latest", &latest);
    let links: Vec<RevisionLink> = owned
        .revisions
        .iter()
        .map(|r| RevisionLink {
            number: r.number,
            label: client_label(r, latest),
            url: format!("{path}?revision={}", r.number),
            current: r.id == revision.id,
        })
        .collect();
    context.insert("revisions", &links);
    context.insert("client_name", &client_name);
    context.insert("error", &shown.error);
    context.insert("done", &shown.done);
    site::render_status(state, "album.html", &context, status)
}

/// `GET /events/{id}/albums/{album}`: look through a revision (the latest, or `?revision=N`).
pub async fn album_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
    query: web::Query<AlbumQuery>,
) -> Result<HttpResponse, AppError> {
    let (event, album) = path.into_inner();
    let owned = own_album(&state, &session, &event, &album).await?;
    let query = query.into_inner();
    let done = query.done.filter(|d| ["saved", "sent", "approved"].contains(&d.as_str()));
    render(
        &req,
        &state,
        &session,
        &owned,
        query.revision,
        Shown { error: None, done },
        StatusCode::OK,
    )
    .await
}

/// `GET /events/{id}/albums/{album}/pages/{page}/{view|thumb}.jpg`: a page's image, behind the
/// same check as the album.
pub async fn page_image(
    state: State,
    session: CurrentSession,
    gallery: crate::gallery::Gallery,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event, album, page, kind) = path.into_inner();
    let missing = || AppError::not_found("image_not_found", "This image is not available.");
    let thumb = match kind.as_str() {
        "view.jpg" => false,
        "thumb.jpg" => true,
        _ => return Err(missing()),
    };
    let owned = own_album(&state, &session, &event, &album).await?;
    let page = AlbumPageId::parse(&page).ok_or_else(missing)?;
    let online: HashSet<_> = owned.revisions.iter().map(|r| r.id.clone()).collect();
    let key = db::run(&state.pool, move |conn| -> db::Result<_> {
        let row: Option<PageRow> =
            album_pages::table.find(&page).select(PageRow::as_select()).first(conn).optional()?;
        Ok(row
            .filter(|p| online.contains(&p.revision_id))
            .and_then(|p| if thumb { p.thumb_key } else { p.view_key }))
    })
    .await?
    .ok_or_else(missing)?;
    let bytes = crate::gallery::serve::read_bytes(&state, &gallery, &key).await?;
    let etag = format!("\"{}\"", key.rsplit('/').next().unwrap_or_default());
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::ETAG, etag))
        // Private: these bytes are behind a sign-in; the address changes with the content.
        .insert_header((header::CACHE_CONTROL, "private, max-age=31536000, immutable"))
        .body(bytes))
}

#[derive(Debug, Serialize)]
struct Photo {
    id: String,
    name: String,
    thumb_url: String,
    favorite: bool,
}

/// `GET /events/{id}/albums/{album}/photos`: the session's photos for a swap, the client's
/// favorites first.
pub async fn photos(
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event, album) = path.into_inner();
    let owned = own_album(&state, &session, &event, &album).await?;
    let (event_id, client) = (owned.event.id.clone(), owned.client_id.clone());
    let mut photos: Vec<Photo> = db::run(&state.pool, move |conn| -> db::Result<_> {
        let favorites: HashMap<_, _> =
            crate::favorites::notes_of(conn, &event_id, client.as_str())?;
        Ok(crate::gallery::view::thumbs_of_event(conn, &event_id)?
            .into_iter()
            .map(|(id, name, thumb_url)| Photo {
                favorite: favorites.contains_key(&id),
                id: id.to_string(),
                name,
                thumb_url,
            })
            .collect())
    })
    .await?;
    photos.sort_by_key(|p| !p.favorite);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(serde_json::json!({ "photos": photos })))
}
