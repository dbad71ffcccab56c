//! Answering a revision: **Send comments** (the designer makes another revision) or
//! **Approve** (the name typed and the time recorded, like a signature). Either is final for
//! that revision: from then it is read-only, and the answer waits in the feed for the studio.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use proofroom_wire::albums::AlbumDecision;

use super::markup::{Fields, answered, checked, clean_text, save_comments};
use super::{AlbumError, Result, decision_str};
use crate::auth::browser_session::CurrentSession;
use crate::db::schema::{album_notes, album_pages, album_revisions};
use crate::db::{self, AlbumRevisionId, ClientId, DbConn};
use crate::error::AppError;
use crate::feed;
use crate::site;
use crate::web::State;

/// Records the client's answer, with the comments in `fields`, in one transaction with its
/// feed row.
pub fn answer(
    conn: &mut DbConn,
    revision: &AlbumRevisionId,
    decision: AlbumDecision,
    client: &ClientId,
    approved_name: Option<String>,
    fields: &std::collections::HashMap<String, String>,
) -> Result<()> {
    db::write_transaction(conn, |conn| {
        save_comments(conn, revision, fields)?;
        if decision == AlbumDecision::Comments {
            let notes: i64 = album_notes::table
                .inner_join(album_pages::table)
                .filter(album_pages::revision_id.eq(revision))
                .count()
                .get_result(conn)?;
            let comments: i64 = album_pages::table
                .filter(album_pages::revision_id.eq(revision))
                .filter(album_pages::comment.ne(""))
                .count()
                .get_result(conn)?;
            let general: String = album_revisions::table
                .find(revision)
                .select(album_revisions::general_comment)
                .first(conn)?;
            if notes + comments == 0 && general.trim().is_empty() {
                return Err(AlbumError::InvalidNote(
                    "There is nothing to send yet: put a note on a page or write a comment — or \
                     approve the album if it is right as it is."
                        .into(),
                ));
            }
        }
        let set = diesel::update(
            album_revisions::table.find(revision).filter(album_revisions::decision.is_null()),
        )
        .set((
            album_revisions::decision.eq(decision_str(decision)),
            album_revisions::answered_at.eq(db::now()),
            album_revisions::answered_by.eq(client),
            album_revisions::approved_name.eq(approved_name),
        ))
        .execute(conn)?;
        if set == 0 {
            return Err(answered());
        }
        feed::record(conn, feed::Kind::Album, revision.as_str())?;
        Ok(())
    })
}

/// `POST /events/{id}/albums/{album}/send`: keeps the comments in the form and sends everything.
pub async fn send(
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
    form: Fields,
) -> std::result::Result<HttpResponse, AppError> {
    let (event, album) = path.into_inner();
    let fields = form.into_inner();
    let (owned, revision) = checked(&state, &session, &event, &album, &fields).await?;
    let client = owned.client_id.clone();
    db::run(&state.pool, move |conn| {
        answer(conn, &revision, AlbumDecision::Comments, &client, None, &fields)
            .map_err(AppError::from)
    })
    .await?;
    Ok(site::see_other(&format!("{}?done=sent", owned.path())))
}

/// `POST /events/{id}/albums/{album}/approve`: approves the revision under the name typed.
pub async fn approve(
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
    form: Fields,
) -> std::result::Result<HttpResponse, AppError> {
    let (event, album) = path.into_inner();
    let mut fields = form.into_inner();
    let (owned, revision) = checked(&state, &session, &event, &album, &fields).await?;
    let name = fields.remove("approved_name").unwrap_or_default();
    let name = clean_text(&name, "name").map_err(AppError::from)?;
    if name.is_empty() || name.chars().count() > 200 || name.contains('\n') {
        return Err(AlbumError::InvalidNote(
            "Type your full name to approve the album (one line, at most 200 characters).".into(),
        )
        .into());
    }
    let client = owned.client_id.clone();
    db::run(&state.pool, move |conn| {
        answer(conn, &revision, AlbumDecision::Approved, &client, Some(name), &fields)
            .map_err(AppError::from)
    })
    .await?;
    Ok(site::see_other(&format!("{}?done=approved", owned.path())))
}
