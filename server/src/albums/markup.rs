//! The client's mark-up of a revision, kept as a draft until it is answered: sticky notes
//! placed on a page (as fractions of its width and height), moved, edited and deleted; a
//! comment per page; a general comment. Notes are plain text, escaped wherever they show.
//!
//! Every change locks the revision's row first and refuses once it is answered, so a note can
//! never slip into a revision the studio already has.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use proofroom_wire::albums::MAX_NOTE_CHARS;

use super::pages::{Owned, note_view, own_album};
use super::{AlbumError, NoteRow, PageRow, Result};
use crate::auth::browser_session::CurrentSession;
use crate::db::schema::{album_notes, album_pages, album_revisions};
use crate::db::{
    self, AlbumNoteId, AlbumPageId, AlbumRevisionId, ClientId, DbConn, EventId, ImageId,
};
use crate::error::AppError;
use crate::site;
use crate::web::{State, wants_json};

/// The most notes one page takes: more is no longer a note but a letter.
pub const MAX_NOTES_PER_PAGE: i64 = 100;

/// A posted form: its fields by name (page comments are `page_<n>`).
pub type Fields = web::Form<HashMap<String, String>>;

/// Plain text the site keeps: trimmed, at most [`MAX_NOTE_CHARS`], no control characters but
/// line breaks and tabs.
pub fn clean_text(text: &str, what: &str) -> Result<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(AlbumError::InvalidNote(format!(
            "The {what} is longer than {MAX_NOTE_CHARS} characters; shorten it a little."
        )));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AlbumError::InvalidNote(format!(
            "The {what} holds characters that are not text."
        )));
    }
    Ok(text.to_string())
}

fn fraction(fields: &HashMap<String, String>, name: &str) -> Result<Option<f64>> {
    let Some(raw) = fields.get(name) else { return Ok(None) };
    let value: f64 = raw.trim().parse().map_err(|_| AlbumError::OutsidePage)?;
    if !value.is_finite() || !(0.0..=1.0).contains(&value) {
        return Err(AlbumError::OutsidePage);
    }
    Ok(Some(value))
}

/// Takes the revision's row lock and checks it is still open for mark-up.
pub fn lock_open(conn: &mut DbConn, revision: &AlbumRevisionId) -> Result<()> {
    let open = diesel::update(
        album_revisions::table.find(revision).filter(album_revisions::decision.is_null()),
    )
    .set(album_revisions::general_comment.eq(album_revisions::general_comment))
    .execute(conn)?;
    if open == 0 {
        return Err(answered());
    }
    Ok(())
}

pub fn answered() -> AlbumError {
    AlbumError::Answered(
        "This revision has been answered; it can no longer change. Your notes on it are kept \
         as they were sent."
            .into(),
    )
}

fn page_at(conn: &mut DbConn, revision: &AlbumRevisionId, position: i32) -> Result<PageRow> {
    album_pages::table
        .filter(album_pages::revision_id.eq(revision))
        .filter(album_pages::position.eq(position))
        .select(PageRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AlbumError::PageNotFound(format!("This revision has no page {position}.")))
}

/// The swap photo named by `id`, when it is one of the event's: (its id, its file name).
fn swap_photo(conn: &mut DbConn, event: &EventId, id: &str) -> Result<Option<(ImageId, String)>> {
    let id = id.trim();
    if id.is_empty() {
        return Ok(None);
    }
    let names = crate::gallery::view::file_names_of(conn, Some(event), &[id])?;
    match (ImageId::parse(id), names.get(id)) {
        (Some(image), Some(name)) => Ok(Some((image, name.clone()))),
        _ => Err(AlbumError::InvalidNote(
            "That photo is not one of this session's; pick another.".into(),
        )),
    }
}

/// What a client sends for a note.
pub struct NoteInput {
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub text: Option<String>,
    /// `Some("")` clears the swap.
    pub swap: Option<String>,
}

impl NoteInput {
    fn of(fields: &HashMap<String, String>) -> Result<Self> {
        Ok(Self {
            x: fraction(fields, "x")?,
            y: fraction(fields, "y")?,
            text: fields.get("text").map(|t| clean_text(t, "note")).transpose()?,
            swap: fields.get("swap").cloned(),
        })
    }
}

/// Adds a note at (x, y) of the page at `position`; answers it with its number on the page.
pub fn add_note(
    conn: &mut DbConn,
    event: &EventId,
    revision: &AlbumRevisionId,
    position: i32,
    input: NoteInput,
    author: &ClientId,
) -> Result<(NoteRow, u32)> {
    let (Some(x), Some(y)) = (input.x, input.y) else { return Err(AlbumError::OutsidePage) };
    db::write_transaction(conn, |conn| {
        lock_open(conn, revision)?;
        let page = page_at(conn, revision, position)?;
        let swap = match &input.swap {
            Some(id) => swap_photo(conn, event, id)?,
            None => None,
        };
        let on_page: i64 = album_notes::table
            .filter(album_notes::page_id.eq(&page.id))
            .count()
            .get_result(conn)?;
        if on_page >= MAX_NOTES_PER_PAGE {
            return Err(AlbumError::InvalidNote(format!(
                "Page {position} already has {MAX_NOTES_PER_PAGE} notes; say the rest in the \
                 page's comment."
            )));
        }
        let text = input.text.clone().unwrap_or_default();
        if text.is_empty() && swap.is_none() {
            return Err(AlbumError::InvalidNote(
                "Write what you would like changed here, or pick a photo to swap in.".into(),
            ));
        }
        let now = db::now();
        let id = AlbumNoteId::new();
        diesel::insert_into(album_notes::table)
            .values((
                album_notes::id.eq(&id),
                album_notes::page_id.eq(&page.id),
                album_notes::x.eq(x),
                album_notes::y.eq(y),
                album_notes::body.eq(&text),
                album_notes::swap_image_id.eq(swap.as_ref().map(|s| &s.0)),
                album_notes::swap_file_name.eq(swap.as_ref().map(|s| &s.1)),
                album_notes::author_id.eq(author),
                album_notes::created_at.eq(now),
                album_notes::updated_at.eq(now),
            ))
            .execute(conn)?;
        numbered_note(conn, revision, &page.id, &id)
    })
}

fn numbered_note(
    conn: &mut DbConn,
    revision: &AlbumRevisionId,
    page: &AlbumPageId,
    id: &AlbumNoteId,
) -> Result<(NoteRow, u32)> {
    let notes = super::notes_of(conn, revision)?;
    super::numbered(&notes, page)
        .find(|(_, n)| n.id == *id)
        .map(|(number, n)| (n.clone(), number))
        .ok_or(AlbumError::NoteNotFound)
}

/// The author's note `id` on the revision, with the revision locked.
fn own_note(
    conn: &mut DbConn,
    revision: &AlbumRevisionId,
    id: &str,
    author: &ClientId,
) -> Result<NoteRow> {
    let id = AlbumNoteId::parse(id).ok_or(AlbumError::NoteNotFound)?;
    lock_open(conn, revision)?;
    album_notes::table
        .inner_join(album_pages::table)
        .filter(album_notes::id.eq(&id))
        .filter(album_pages::revision_id.eq(revision))
        .filter(album_notes::author_id.eq(author))
        .select(NoteRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AlbumError::NoteNotFound)
}

/// Moves or rewrites one of the author's notes.
pub fn update_note(
    conn: &mut DbConn,
    event: &EventId,
    revision: &AlbumRevisionId,
    id: &str,
    input: NoteInput,
    author: &ClientId,
) -> Result<(NoteRow, u32)> {
    db::write_transaction(conn, |conn| {
        let note = own_note(conn, revision, id, author)?;
        let swap = match &input.swap {
            Some(id) => Some(swap_photo(conn, event, id)?),
            None => None,
        };
        let text = input.text.clone().unwrap_or_else(|| note.body.clone());
        let has_swap = match &swap {
            Some(chosen) => chosen.is_some(),
            None => note.swap_image_id.is_some(),
        };
        if text.is_empty() && !has_swap {
            return Err(AlbumError::InvalidNote(
                "A note needs some words or a photo to swap in; delete it instead.".into(),
            ));
        }
        diesel::update(album_notes::table.find(&note.id))
            .set((
                album_notes::x.eq(input.x.unwrap_or(note.x)),
                album_notes::y.eq(input.y.unwrap_or(note.y)),
                album_notes::body.eq(&text),
                album_notes::updated_at.eq(db::now()),
            ))
            .execute(conn)?;
        if let Some(chosen) = swap {
            diesel::update(album_notes::table.find(&note.id))
                .set((
                    album_notes::swap_image_id.eq(chosen.as_ref().map(|s| &s.0)),
                    album_notes::swap_file_name.eq(chosen.as_ref().map(|s| &s.1)),
                ))
                .execute(conn)?;
        }
        numbered_note(conn, revision, &note.page_id, &note.id)
    })
}

pub fn delete_note(
    conn: &mut DbConn,
    revision: &AlbumRevisionId,
    id: &str,
    author: &ClientId,
) -> Result<i32> {
    db::write_transaction(conn, |conn| {
        let note = own_note(conn, revision, id, author)?;
        let position: i32 =
            album_pages::table.find(&note.page_id).select(album_pages::position).first(conn)?;
        diesel::delete(album_notes::table.find(&note.id)).execute(conn)?;
        Ok(position)
    })
}

/// Keeps the page comments (`page_<n>` fields) and the general comment (`general`) sent.
pub fn save_comments(
    conn: &mut DbConn,
    revision: &AlbumRevisionId,
    fields: &HashMap<String, String>,
) -> Result<()> {
    let mut comments = Vec::new();
    for (name, value) in fields {
        let Some(position) = name.strip_prefix("page_") else { continue };
        let position: i32 = position
            .parse()
            .map_err(|_| AlbumError::PageNotFound(format!("There is no page \"{position}\".")))?;
        comments.push((position, clean_text(value, &format!("comment on page {position}"))?));
    }
    let general = fields.get("general").map(|g| clean_text(g, "general comment")).transpose()?;
    lock_open(conn, revision)?;
    for (position, comment) in comments {
        let page = page_at(conn, revision, position)?;
        diesel::update(album_pages::table.find(&page.id))
            .set(album_pages::comment.eq(comment))
            .execute(conn)?;
    }
    if let Some(general) = general {
        diesel::update(album_revisions::table.find(revision))
            .set(album_revisions::general_comment.eq(general))
            .execute(conn)?;
    }
    Ok(())
}

/// The revision a form names (`revision`): it must be the one the client may still mark up.
pub fn open_revision(owned: &Owned, fields: &HashMap<String, String>) -> Result<AlbumRevisionId> {
    let number = fields.get("revision").and_then(|r| r.trim().parse::<i32>().ok());
    let revision = owned.revision(number)?;
    if !owned.editable(revision) {
        return Err(answered());
    }
    Ok(revision.id.clone())
}

/// Checks the form's CSRF token and finds the album; answers the album and the revision.
pub async fn checked(
    state: &State,
    session: &CurrentSession,
    event: &str,
    album: &str,
    fields: &HashMap<String, String>,
) -> std::result::Result<(Owned, AlbumRevisionId), AppError> {
    let owned = own_album(state, session, event, album).await?;
    session.check_csrf(fields.get("csrf").map(String::as_str))?;
    let revision = open_revision(&owned, fields)?;
    Ok((owned, revision))
}

fn note_json((note, number): (NoteRow, u32)) -> HttpResponse {
    HttpResponse::Ok().json(note_view(number, &note))
}

fn back_to(owned: &Owned, position: Option<i32>) -> HttpResponse {
    let anchor = position.map(|p| format!("#page-{p}")).unwrap_or_default();
    site::see_other(&format!("{}?done=saved{anchor}", owned.path()))
}

/// `POST /events/{id}/albums/{album}/notes`: a new note (`revision`, `page`, `x`, `y`, `text`,
/// optional `swap`).
pub async fn add(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
    form: Fields,
) -> std::result::Result<HttpResponse, AppError> {
    let (event, album) = path.into_inner();
    let fields = form.into_inner();
    let (owned, revision) = checked(&state, &session, &event, &album, &fields).await?;
    let position: i32 = fields
        .get("page")
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| AlbumError::PageNotFound("Say which page the note is on.".into()))?;
    let input = NoteInput::of(&fields)?;
    let (event_id, author) = (owned.event.id.clone(), owned.client_id.clone());
    let made = db::run(&state.pool, move |conn| {
        add_note(conn, &event_id, &revision, position, input, &author).map_err(AppError::from)
    })
    .await?;
    if wants_json(&req) { Ok(note_json(made)) } else { Ok(back_to(&owned, Some(position))) }
}

/// `POST /events/{id}/albums/{album}/notes/{note}`: move or rewrite a note.
pub async fn update(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String, String)>,
    form: Fields,
) -> std::result::Result<HttpResponse, AppError> {
    let (event, album, note) = path.into_inner();
    let fields = form.into_inner();
    let (owned, revision) = checked(&state, &session, &event, &album, &fields).await?;
    let input = NoteInput::of(&fields)?;
    let (event_id, author) = (owned.event.id.clone(), owned.client_id.clone());
    let changed = db::run(&state.pool, move |conn| {
        update_note(conn, &event_id, &revision, &note, input, &author).map_err(AppError::from)
    })
    .await?;
    if wants_json(&req) { Ok(note_json(changed)) } else { Ok(back_to(&owned, None)) }
}

/// `POST /events/{id}/albums/{album}/notes/{note}/delete`.
pub async fn delete(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String, String)>,
    form: Fields,
) -> std::result::Result<HttpResponse, AppError> {
    let (event, album, note) = path.into_inner();
    let fields = form.into_inner();
    let (owned, revision) = checked(&state, &session, &event, &album, &fields).await?;
    let author = owned.client_id.clone();
    let position = db::run(&state.pool, move |conn| {
        delete_note(conn, &revision, &note, &author).map_err(AppError::from)
    })
    .await?;
    if wants_json(&req) {
        Ok(HttpResponse::Ok().json(serde_json::json!({ "deleted": true })))
    } else {
        Ok(back_to(&owned, Some(position)))
    }
}

/// `POST /events/{id}/albums/{album}/comments`: keeps the page comments and the general
/// comment as a draft (the form that works without JavaScript).
pub async fn comments(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
    form: Fields,
) -> std::result::Result<HttpResponse, AppError> {
    let (event, album) = path.into_inner();
    let fields = form.into_inner();
    let (owned, revision) = checked(&state, &session, &event, &album, &fields).await?;
    let kept = fields.clone();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| save_comments(conn, &revision, &kept))
            .map_err(AppError::from)
    })
    .await?;
    if wants_json(&req) {
        Ok(HttpResponse::Ok().json(serde_json::json!({ "saved": true })))
    } else {
        Ok(back_to(&owned, None))
    }
}
