//! The studio's side: `PUT /api/v1/sessions/{session}/albums/{album}` declares a revision and
//! its pages ([`upsert`]); each page file the server lacks is then uploaded ([`store_page`]).
//! A revision goes online for the client once every page is held, and the client is told.
//!
//! A higher revision starts a new one and keeps the earlier ones, with their notes, as
//! history. The same revision sent again with changed pages replaces them until the client has
//! answered it; after that its pages never change (409).

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use proofroom_wire::albums::{AlbumPushResult, AlbumState, AlbumUpsert, MAX_PAGES};
use proofroom_wire::{UploadOutcome, UploadResult};

use super::{AlbumError, AlbumRow, PageRow, Result, RevisionRow, STORE_PREFIX};
use crate::db::schema::{album_notes, album_pages, album_revisions, albums};
use crate::db::{self, AlbumId, AlbumPageId, AlbumRevisionId, DbConn, EventId};
use crate::error::AppError;
use crate::events::publish::find_by_studio_id;
use crate::gallery::upload::{ReceivedFile, image_error};
use crate::gallery::{Gallery, ingest};
use crate::images as imaging;
use crate::storage::{content_key, leases, sha256_hex};
use crate::web::State;

/// What an upsert did, for the HTTP edge: the answer, files to clean up, whether mail waits.
pub struct Upserted {
    pub result: AlbumPushResult,
    pub unreferenced: Vec<String>,
    pub queued_email: bool,
}

fn check(album_id: &str, upsert: &AlbumUpsert) -> Result<()> {
    let invalid = |m: String| Err(AlbumError::Invalid(format!("Album \"{album_id}\": {m}")));
    if upsert.revision < 1 {
        return invalid(format!("revision {} — revisions count from 1.", upsert.revision));
    }
    if upsert.pages.is_empty() {
        return invalid("it has no pages.".into());
    }
    if upsert.pages.len() > MAX_PAGES {
        return invalid(format!("{} pages; an album has at most {MAX_PAGES}.", upsert.pages.len()));
    }
    if upsert.description.chars().count() > 500 || upsert.description.contains('\0') {
        return invalid("its description is longer than 500 characters.".into());
    }
    let mut names = HashSet::new();
    for page in &upsert.pages {
        if let Some(problem) = proofroom_wire::image_name_problem(&page.name) {
            return invalid(format!("the page name {:?} {problem}.", page.name));
        }
        if !names.insert(page.name.as_str()) {
            return invalid(format!("the page \"{}\" is listed twice.", page.name));
        }
        if page.sha256.len() != 64 || !page.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return invalid(format!("the page \"{}\" has no valid SHA-256.", page.name));
        }
    }
    Ok(())
}

fn event_of(conn: &mut DbConn, session: &str) -> Result<EventId> {
    Ok(find_by_studio_id(conn, session)?
        .ok_or_else(|| {
            AlbumError::SessionNotOnline(format!(
                "Session \"{session}\" is not online; push the session before its albums."
            ))
        })?
        .id)
}

fn find_album(
    conn: &mut DbConn,
    event: &EventId,
    studio_album_id: &str,
) -> Result<Option<AlbumRow>> {
    Ok(albums::table
        .filter(albums::event_id.eq(event))
        .filter(albums::studio_album_id.eq(studio_album_id))
        .select(AlbumRow::as_select())
        .first(conn)
        .optional()?)
}

fn revision_numbered(
    conn: &mut DbConn,
    album: &AlbumId,
    number: i32,
) -> Result<Option<RevisionRow>> {
    Ok(album_revisions::table
        .filter(album_revisions::album_id.eq(album))
        .filter(album_revisions::number.eq(number))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Declares the album's revision `upsert.revision` with its pages; answers which page files
/// the server still needs.
pub fn upsert(
    conn: &mut DbConn,
    session: &str,
    album_id: &str,
    upsert: &AlbumUpsert,
    site_url: &str,
) -> Result<Upserted> {
    check(album_id, upsert)?;
    let mut pages = upsert.pages.clone();
    pages.sort_by(|a, b| proofroom_wire::albums::compare_page_names(&a.name, &b.name));
    db::write_transaction(conn, |conn| {
        let event = event_of(conn, session)?;
        let now = db::now();
        let album = match find_album(conn, &event, album_id)? {
            Some(album) => {
                if album.description != upsert.description {
                    diesel::update(albums::table.find(&album.id))
                        .set((
                            albums::description.eq(&upsert.description),
                            albums::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                }
                album
            }
            None => {
                let row = AlbumRow {
                    id: AlbumId::new(),
                    event_id: event.clone(),
                    studio_album_id: album_id.to_string(),
                    description: upsert.description.clone(),
                    created_at: now,
                    updated_at: now,
                };
                diesel::insert_into(albums::table)
                    .values((
                        albums::id.eq(&row.id),
                        albums::event_id.eq(&row.event_id),
                        albums::studio_album_id.eq(&row.studio_album_id),
                        albums::description.eq(&row.description),
                        albums::created_at.eq(now),
                        albums::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                row
            }
        };
        let latest = super::revisions(conn, &album.id)?.pop();
        if let Some(latest) = &latest
            && latest.number > upsert.revision
        {
            return Err(AlbumError::Older(format!(
                "Album \"{album_id}\" is at revision {} on the site; revision {} is older. Raise \
                 `revision` in session.toml to send new pages.",
                latest.number, upsert.revision
            )));
        }
        let mut unreferenced = Vec::new();
        let revision = match latest.filter(|l| l.number == upsert.revision) {
            Some(current) => {
                let held = super::pages_of(conn, &current.id)?;
                let same = held.len() == pages.len()
                    && held.iter().zip(&pages).all(|(h, p)| {
                        h.file_name == p.name && h.source_sha256.eq_ignore_ascii_case(&p.sha256)
                    });
                if !same {
                    if let Some(at) = current.answered_at {
                        return Err(AlbumError::Answered(format!(
                            "Revision {} of album \"{album_id}\" was answered by the client on {} \
                             UTC; its pages never change. To send changed pages, raise \
                             `revision` in session.toml.",
                            current.number,
                            at.format("%Y-%m-%d %H:%M")
                        )));
                    }
                    unreferenced = replace_pages(conn, &current.id, held, &pages)?;
                }
                current
            }
            None => {
                let id = AlbumRevisionId::new();
                diesel::insert_into(album_revisions::table)
                    .values((
                        album_revisions::id.eq(&id),
                        album_revisions::album_id.eq(&album.id),
                        album_revisions::number.eq(upsert.revision),
                        album_revisions::general_comment.eq(""),
                        album_revisions::created_at.eq(now),
                    ))
                    .execute(conn)?;
                replace_pages(conn, &id, Vec::new(), &pages)?;
                revision_numbered(conn, &album.id, upsert.revision)?
                    .ok_or_else(|| AlbumError::Invalid("the new revision vanished".into()))?
            }
        };
        reuse_held_files(conn, &album.id, &revision.id)?;
        let (state, queued_email) = settle(conn, &album, &revision.id, site_url)?;
        let missing = super::pages_of(conn, &revision.id)?
            .into_iter()
            .filter(|p| p.clean_key.is_none())
            .map(|p| p.file_name)
            .collect();
        Ok(Upserted { result: AlbumPushResult { state, missing }, unreferenced, queued_email })
    })
}

/// Makes the revision's pages `wanted` (in order): a page whose file changed waits for its new
/// file and keeps its notes; a page no longer listed goes, with its notes. Returns the store
/// keys no longer used by these pages.
fn replace_pages(
    conn: &mut DbConn,
    revision: &AlbumRevisionId,
    held: Vec<PageRow>,
    wanted: &[proofroom_wire::albums::AlbumPageFile],
) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut by_name: HashMap<String, PageRow> =
        held.into_iter().map(|p| (p.file_name.clone(), p)).collect();
    for (i, page) in wanted.iter().enumerate() {
        let position = i as i32 + 1;
        let sha = page.sha256.to_ascii_lowercase();
        match by_name.remove(&page.name) {
            Some(old) if old.source_sha256 == sha => {
                diesel::update(album_pages::table.find(&old.id))
                    .set(album_pages::position.eq(position))
                    .execute(conn)?;
            }
            Some(old) => {
                keys.extend(old.keys());
                diesel::update(album_pages::table.find(&old.id))
                    .set((
                        album_pages::position.eq(position),
                        album_pages::source_sha256.eq(&sha),
                        album_pages::source_bytes.eq(0i64),
                        album_pages::width.eq(None::<i32>),
                        album_pages::height.eq(None::<i32>),
                        album_pages::clean_key.eq(None::<String>),
                        album_pages::view_key.eq(None::<String>),
                        album_pages::thumb_key.eq(None::<String>),
                    ))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(album_pages::table)
                    .values((
                        album_pages::id.eq(AlbumPageId::new()),
                        album_pages::revision_id.eq(revision),
                        album_pages::position.eq(position),
                        album_pages::file_name.eq(&page.name),
                        album_pages::source_sha256.eq(&sha),
                        album_pages::source_bytes.eq(0i64),
                        album_pages::comment.eq(""),
                    ))
                    .execute(conn)?;
            }
        }
    }
    for gone in by_name.into_values() {
        keys.extend(gone.keys());
        diesel::delete(album_notes::table.filter(album_notes::page_id.eq(&gone.id)))
            .execute(conn)?;
        diesel::delete(album_pages::table.find(&gone.id)).execute(conn)?;
    }
    Ok(keys)
}

/// A page whose very file an earlier revision of the album already holds takes its previews:
/// the pages a designer did not touch are not uploaded again.
fn reuse_held_files(conn: &mut DbConn, album: &AlbumId, revision: &AlbumRevisionId) -> Result<()> {
    let waiting: Vec<PageRow> =
        super::pages_of(conn, revision)?.into_iter().filter(|p| p.clean_key.is_none()).collect();
    for page in waiting {
        let held: Option<PageRow> = album_pages::table
            .inner_join(album_revisions::table)
            .filter(album_revisions::album_id.eq(album))
            .filter(album_pages::source_sha256.eq(&page.source_sha256))
            .filter(album_pages::clean_key.is_not_null())
            .select(PageRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(held) = held {
            set_files(conn, &page.id, &held)?;
        }
    }
    Ok(())
}

fn set_files(conn: &mut DbConn, page: &AlbumPageId, from: &PageRow) -> Result<()> {
    diesel::update(album_pages::table.find(page))
        .set((
            album_pages::source_bytes.eq(from.source_bytes),
            album_pages::width.eq(from.width),
            album_pages::height.eq(from.height),
            album_pages::clean_key.eq(&from.clean_key),
            album_pages::view_key.eq(&from.view_key),
            album_pages::thumb_key.eq(&from.thumb_key),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts the revision online once every page is held (or takes it off while one is missing),
/// queuing the "ready for review" email the first time; answers its state and whether mail
/// waits.
fn settle(
    conn: &mut DbConn,
    album: &AlbumRow,
    revision: &AlbumRevisionId,
    site_url: &str,
) -> Result<(AlbumState, bool)> {
    let missing: i64 = album_pages::table
        .filter(album_pages::revision_id.eq(revision))
        .filter(album_pages::clean_key.is_null())
        .count()
        .get_result(conn)?;
    let row: RevisionRow =
        album_revisions::table.find(revision).select(RevisionRow::as_select()).first(conn)?;
    if row.decision.is_some() {
        return Ok((row.state(), false));
    }
    if missing > 0 {
        diesel::update(album_revisions::table.find(revision))
            .set(album_revisions::ready_at.eq(None::<chrono::NaiveDateTime>))
            .execute(conn)?;
        return Ok((AlbumState::Uploading, false));
    }
    if row.ready_at.is_none() {
        diesel::update(album_revisions::table.find(revision))
            .set(album_revisions::ready_at.eq(db::now()))
            .execute(conn)?;
    }
    let mut queued = false;
    if row.notified_at.is_none() {
        let event = crate::events::access::load_event(conn, &album.event_id)?
            .ok_or_else(|| AlbumError::SessionNotOnline("the album's session vanished".into()))?;
        let client = crate::auth::people::client(conn, &event.client_id)?;
        let head = crate::site::letterhead(conn, site_url)?;
        let before: Option<Option<String>> = album_revisions::table
            .filter(album_revisions::album_id.eq(&album.id))
            .filter(album_revisions::number.lt(row.number))
            .order(album_revisions::number.desc())
            .select(album_revisions::decision)
            .first(conn)
            .optional()?;
        let after_comments = before.flatten().as_deref()
            == Some(super::decision_str(proofroom_wire::albums::AlbumDecision::Comments));
        let ready = super::emails::ready(&head, album, &row, after_comments, &event, &client);
        queued = crate::email::enqueue(conn, ready)?;
        diesel::update(album_revisions::table.find(revision))
            .set(album_revisions::notified_at.eq(db::now()))
            .execute(conn)?;
    }
    Ok((AlbumState::WaitingForClient, queued))
}

/// The page `name` of revision `number` that is waiting for the file `sha256`: `Ok(None)` when
/// it holds that file already.
fn page_waiting_for(
    conn: &mut DbConn,
    session: &str,
    album_id: &str,
    number: i32,
    name: &str,
    sha256: &str,
) -> Result<Option<(AlbumRow, RevisionRow, PageRow)>> {
    let event = event_of(conn, session)?;
    let album = find_album(conn, &event, album_id)?.ok_or_else(|| {
        AlbumError::PageNotListed(format!(
            "Album \"{album_id}\" of session {session} is not on the site; send the album first."
        ))
    })?;
    let revision = revision_numbered(conn, &album.id, number)?.ok_or_else(|| {
        AlbumError::PageNotListed(format!(
            "Album \"{album_id}\" has no revision {number} on the site; send the album first."
        ))
    })?;
    let page: Option<PageRow> = album_pages::table
        .filter(album_pages::revision_id.eq(&revision.id))
        .filter(album_pages::file_name.eq(name))
        .select(PageRow::as_select())
        .first(conn)
        .optional()?;
    let page = page.filter(|p| p.source_sha256.eq_ignore_ascii_case(sha256)).ok_or_else(|| {
        AlbumError::PageNotListed(format!(
            "\"{name}\" with these bytes is not a page of revision {number} of album \
             \"{album_id}\"; send the album first."
        ))
    })?;
    if page.clean_key.is_some() {
        return Ok(None);
    }
    if revision.answered_at.is_some() {
        return Err(AlbumError::Answered(format!(
            "Revision {number} of album \"{album_id}\" was answered by the client; its pages \
             never change."
        )));
    }
    Ok(Some((album, revision, page)))
}

/// Receives a page file: its previews are made (watermarked when the studio says so), stored
/// content-addressed and recorded on every page of the revision waiting for these bytes.
pub async fn store_page(
    state: &State,
    gallery: &Gallery,
    (session, album_id, number, name): (String, String, i32, String),
    claimed: String,
    receive: impl std::future::Future<Output = std::result::Result<ReceivedFile, AppError>>,
) -> std::result::Result<UploadResult, AppError> {
    let lookup = (session, album_id, name.clone(), claimed.clone());
    let waiting = db::run(&state.pool, move |conn| {
        let (session, album_id, name, claimed) = lookup;
        page_waiting_for(conn, &session, &album_id, number, &name, &claimed).map_err(AppError::from)
    })
    .await?;
    let Some((album, revision, page)) = waiting else {
        let (width, height) = page_size(state, &claimed).await?;
        return Ok(UploadResult {
            name,
            sha256: claimed,
            outcome: UploadOutcome::Unchanged,
            width,
            height,
        });
    };
    let received = receive.await?;
    let (_admitted, received, _probe) = ingest::admit(state, gallery, received).await?;
    let (worker, parts) = (state.clone(), gallery.clone());
    let site_url = state.site_url.clone();
    let (result, queued) = actix_web::web::block(move || {
        let (state, gallery) = (worker, parts);
        let limits = imaging::Limits::of(&state.config);
        let watermark = {
            let mut conn =
                state.pool.get().map_err(|e| AppError::internal(format!("pool: {e}")))?;
            let wanted = crate::studio::load(&mut conn)?.is_some_and(|s| s.album_watermark);
            if wanted {
                crate::studio::current_watermark(
                    &mut conn,
                    state.store.as_ref(),
                    &gallery.watermark_cache,
                )?
                .mark
            } else {
                None
            }
        };
        let made = imaging::album_page(&received.temp, watermark.as_ref(), &limits)
            .map_err(image_error)?;
        let mut conn = state.pool.get().map_err(|e| AppError::internal(format!("pool: {e}")))?;
        let key_of = |bytes: &[u8]| content_key(STORE_PREFIX, &sha256_hex(bytes), "jpg");
        let clean_key = key_of(&made.clean.bytes);
        let view_key =
            made.watermarked.as_ref().map_or_else(|| clean_key.clone(), |v| key_of(&v.bytes));
        let thumb_key = key_of(&made.thumb.bytes);
        let new_keys = vec![clean_key.clone(), view_key.clone(), thumb_key.clone()];
        let files_of = PageRow {
            source_bytes: received.bytes as i64,
            width: Some(made.clean.width as i32),
            height: Some(made.clean.height as i32),
            clean_key: Some(clean_key.clone()),
            view_key: Some(view_key.clone()),
            thumb_key: Some(thumb_key.clone()),
            ..page.clone()
        };
        // Held while written and recorded (see `storage::leases`).
        let store = state.store.as_ref();
        let write = |conn: &mut DbConn| -> std::result::Result<_, AppError> {
            store.put_bytes(&clean_key, &made.clean.bytes)?;
            if let Some(view) = &made.watermarked {
                store.put_bytes(&view_key, &view.bytes)?;
            }
            store.put_bytes(&thumb_key, &made.thumb.bytes)?;
            let recorded = db::write_transaction(conn, |conn| -> Result<_> {
                // Every page of the revision waiting for these very bytes (a page listed twice
                // under two names is uploaded once).
                let same: Vec<AlbumPageId> = album_pages::table
                    .filter(album_pages::revision_id.eq(&revision.id))
                    .filter(album_pages::source_sha256.eq(&page.source_sha256))
                    .filter(album_pages::clean_key.is_null())
                    .select(album_pages::id)
                    .load(conn)?;
                for id in &same {
                    set_files(conn, id, &files_of)?;
                }
                settle(conn, &album, &revision.id, &site_url)
            });
            Ok(recorded?)
        };
        let (_, queued) = leases::writing(&mut conn, store, &new_keys, &super::page_uses, write)?;
        Ok::<_, AppError>((
            UploadResult {
                name: page.file_name.clone(),
                sha256: received.sha256.clone(),
                outcome: UploadOutcome::Stored,
                width: made.clean.width as i32,
                height: made.clean.height as i32,
            },
            queued,
        ))
    })
    .await
    .map_err(|e| AppError::internal(format!("album page task: {e}")))??;
    if queued {
        state.mailer.wake();
    }
    Ok(result)
}

/// The preview size of a page file already held.
async fn page_size(state: &State, sha256: &str) -> std::result::Result<(i32, i32), AppError> {
    let sha = sha256.to_string();
    db::run(&state.pool, move |conn| -> db::Result<_> {
        let size: Option<(Option<i32>, Option<i32>)> = album_pages::table
            .filter(album_pages::source_sha256.eq(&sha))
            .filter(album_pages::clean_key.is_not_null())
            .select((album_pages::width, album_pages::height))
            .first(conn)
            .optional()?;
        Ok(size.map_or((0, 0), |(w, h)| (w.unwrap_or(0), h.unwrap_or(0))))
    })
    .await
    .map_err(AppError::from)
}
