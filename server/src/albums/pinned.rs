//! A marked-up page for the designer: the clean page with a numbered pin at each note and the
//! notes listed below it, drawn on demand from the stored page and the notes (nothing extra is
//! stored; the same notes always draw the same picture).

use diesel::prelude::*;

use super::{AlbumError, PageRow, Result};
use crate::db::schema::{album_pages, album_revisions, albums};
use crate::db::{self, DbConn};
use crate::events::publish::find_by_studio_id;
use crate::images::pins::Pin;

/// What to draw for a page: its clean preview's store key, the heading and the pins.
pub struct PinnedPage {
    pub clean_key: String,
    pub heading: String,
    pub comment: Option<String>,
    pub pins: Vec<Pin>,
}

/// The page `file_name` of revision `number` of the studio's album, with its notes.
pub fn pinned_page(
    conn: &mut DbConn,
    session: &str,
    album_id: &str,
    number: i32,
    file_name: &str,
) -> Result<PinnedPage> {
    let not_found = || {
        AlbumError::PageNotFound(format!(
            "Album \"{album_id}\" of session {session} has no page \"{file_name}\" in revision \
             {number}."
        ))
    };
    let event = find_by_studio_id(conn, session)?.ok_or_else(not_found)?;
    let found: Option<(PageRow, String, db::AlbumRevisionId, Option<String>)> = album_pages::table
        .inner_join(album_revisions::table.inner_join(albums::table))
        .filter(albums::event_id.eq(&event.id))
        .filter(albums::studio_album_id.eq(album_id))
        .filter(album_revisions::number.eq(number))
        .filter(album_pages::file_name.eq(file_name))
        .select((
            PageRow::as_select(),
            albums::description,
            album_revisions::id,
            album_revisions::decision,
        ))
        .first(conn)
        .optional()?;
    let (page, description, revision, decision) = found.ok_or_else(not_found)?;
    // Notes are the client's draft until sent: the studio sees them only once answered.
    if decision.is_none() {
        return Err(AlbumError::NotAnswered(format!(
            "Revision {number} of album \"{album_id}\" is not answered yet: its notes are the \
             client's draft until they send their comments or approve."
        )));
    }
    let clean_key = page.clean_key.clone().ok_or_else(not_found)?;
    let notes = super::notes_of(conn, &revision)?;
    let pins = super::numbered(&notes, &page.id)
        .map(|(number, note)| {
            let mut text = note.body.clone();
            if let Some(swap) = &note.swap_file_name {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&format!("[swap in {swap}]"));
            }
            Pin { x: note.x, y: note.y, number, text }
        })
        .collect();
    let album = if description.is_empty() { album_id.to_string() } else { description };
    let heading = format!("{album} · revision {number} · page {} ({file_name})", page.position);
    let comment = Some(page.comment.trim().to_string()).filter(|c| !c.is_empty());
    Ok(PinnedPage { clean_key, heading, comment, pins })
}
