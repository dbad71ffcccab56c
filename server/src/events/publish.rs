//! Publishing a studio's photo session as an event: its settings, its image list, groups and
//! videos, its expiry, and removing it. The studio API composes these with the client record
//! (auth), the images (gallery) and prepaid packages in one transaction.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use proofroom_wire::{EventType, ExpiryChange, SessionSummary, SessionUpsert};

use super::models::EventRow;
use crate::db::schema::{
    event_online_groups, event_videos, events, session_image_groups, session_images,
};
use crate::db::{self, ClientId, DbConn, EventId};
use crate::error::AppError;
use crate::web::check_studio_id;

/// A session the studio sent, checked: what [`upsert_event`] stores.
pub struct CheckedSession {
    pub session: SessionUpsert,
    /// Each video's player address as the allow-list rebuilt it (stored instead of what was
    /// sent), in the order of `session.videos`.
    embed_urls: Vec<String>,
}

/// Checks what the studio sent, before anything is stored.
pub fn validate(id: &str, session: SessionUpsert) -> Result<CheckedSession, AppError> {
    check_studio_id("session", id)?;
    let invalid = |code: &'static str, message: String| AppError::unprocessable(code, message);
    if session.event_type == EventType::Private
        && session.event_code.as_deref().is_none_or(|c| c.trim().is_empty())
    {
        return Err(invalid(
            "event_code_required",
            format!("Session {id} is a private event and needs an event_code."),
        ));
    }
    if !(1..=3650).contains(&session.days_active) {
        return Err(invalid(
            "invalid_days_active",
            format!(
                "Session {id}: days_active must be from 1 to 3650 (got {}).",
                session.days_active
            ),
        ));
    }
    let client = &session.client;
    if client.id.trim().is_empty()
        || client.email.trim().is_empty()
        || client.last_name.trim().is_empty()
    {
        return Err(invalid(
            "invalid_client",
            format!("Session {id}: the client needs an id, an email and a last name."),
        ));
    }
    if let Some(cover) = &session.cover
        && !session.images.iter().any(|i| i.name == *cover)
    {
        return Err(invalid(
            "invalid_cover",
            format!("Session {id}: the cover \"{cover}\" is not one of its images online."),
        ));
    }
    if session.choose.is_some_and(|n| !(1..=10_000).contains(&n)) {
        return Err(invalid(
            "invalid_choose",
            format!("Session {id}: choose is a number of photos from 1 to 10000."),
        ));
    }
    let mut video_ids = HashSet::new();
    let mut embed_urls = Vec::with_capacity(session.videos.len());
    for video in &session.videos {
        if video.id.trim().is_empty() || !video_ids.insert(video.id.as_str()) {
            return Err(invalid(
                "invalid_video",
                format!("Session {id}: each video needs its own id (\"{}\").", video.id),
            ));
        }
        match proofroom_wire::video_embed_url(&video.embed_url) {
            Ok(url) => embed_urls.push(url),
            Err(problem) => {
                return Err(invalid(
                    "invalid_video",
                    format!("Session {id}, video {}: {problem}", video.id),
                ));
            }
        }
    }
    let mut names = HashSet::new();
    for image in &session.images {
        if let Some(problem) = proofroom_wire::image_name_problem(&image.name) {
            return Err(invalid(
                "invalid_image_name",
                format!("The image name {:?} {problem}.", image.name),
            ));
        }
        if !names.insert(image.name.as_str()) {
            return Err(invalid("duplicate_image", format!("\"{}\" is listed twice.", image.name)));
        }
    }
    Ok(CheckedSession { session, embed_urls })
}

/// Creates or updates the event and the list of images wanted online, inside the caller's
/// transaction.
pub fn upsert_event(
    conn: &mut DbConn,
    today: NaiveDate,
    id: &str,
    checked: &CheckedSession,
    client_id: ClientId,
) -> db::Result<EventId> {
    let session = &checked.session;
    {
        let now = db::now();
        let existing: Option<EventRow> = events::table
            .filter(events::studio_session_id.eq(id))
            .select(EventRow::as_select())
            .first(conn)
            .optional()?;
        let first_online = existing.as_ref().map_or(today, |e| e.first_online);
        // An `extend` / `expire` stands until the studio changes days_active itself.
        let expiry_override = existing
            .as_ref()
            .filter(|e| e.days_active == session.days_active)
            .and_then(|e| e.expiry_override);
        let expires_on =
            expiry_override.unwrap_or(first_online + chrono::Days::new(session.days_active as u64));
        let manifest = proofroom_wire::manifest_sha256(session);
        let event_code = session.event_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let event_id = match existing {
            Some(event) => {
                diesel::update(events::table.find(&event.id))
                    .set((
                        events::client_id.eq(&client_id),
                        events::description.eq(&session.description),
                        events::session_date.eq(session.date),
                        events::price_list_id.eq(&session.price_list),
                        events::days_active.eq(session.days_active),
                        events::expires_on.eq(expires_on),
                        events::event_type.eq(session.event_type.as_str()),
                        events::event_code.eq(event_code),
                        events::event_description.eq(&session.event_description),
                        events::yearbook_selection.eq(session.yearbook_selection),
                        events::updated_at.eq(now),
                        events::manifest_sha256.eq(&manifest),
                        events::expiry_override.eq(expiry_override),
                        events::cover_file.eq(&session.cover),
                        events::choose_count.eq(session.choose),
                        events::choose_by.eq(session.choose_by),
                        events::choose_fewer.eq(session.choose_fewer),
                        events::downloads.eq(session.downloads.as_str()),
                        events::download_size.eq(session.download_size.as_str()),
                    ))
                    .execute(conn)?;
                event.id
            }
            None => {
                let event = EventRow {
                    id: EventId::new(),
                    studio_session_id: id.to_string(),
                    client_id,
                    description: session.description.clone(),
                    session_date: session.date,
                    price_list_id: session.price_list.clone(),
                    days_active: session.days_active,
                    first_online,
                    expires_on,
                    event_type: session.event_type.as_str().into(),
                    event_code: event_code.map(str::to_string),
                    event_description: session.event_description.clone(),
                    yearbook_selection: session.yearbook_selection,
                    created_at: now,
                    updated_at: now,
                    manifest_sha256: Some(manifest),
                    expiry_override: None,
                    cover_file: session.cover.clone(),
                    choose_count: session.choose,
                    choose_by: session.choose_by,
                    choose_fewer: session.choose_fewer,
                    downloads: session.downloads.as_str().into(),
                    download_size: session.download_size.as_str().into(),
                };
                diesel::insert_into(events::table).values(&event).execute(conn)?;
                event.id
            }
        };
        replace_groups_and_images(conn, &event_id, checked)?;
        Ok(event_id)
    }
}

fn replace_groups_and_images(
    conn: &mut DbConn,
    event_id: &EventId,
    checked: &CheckedSession,
) -> db::Result<()> {
    let session = &checked.session;
    diesel::delete(event_online_groups::table.filter(event_online_groups::event_id.eq(event_id)))
        .execute(conn)?;
    let mut seen = HashSet::new();
    for (i, name) in session.online_groups.iter().enumerate() {
        if seen.insert(name.as_str()) {
            diesel::insert_into(event_online_groups::table)
                .values((
                    event_online_groups::event_id.eq(event_id),
                    event_online_groups::name.eq(name),
                    event_online_groups::position.eq(i as i32),
                ))
                .execute(conn)?;
        }
    }
    diesel::delete(event_videos::table.filter(event_videos::event_id.eq(event_id)))
        .execute(conn)?;
    for (i, (video, url)) in session.videos.iter().zip(&checked.embed_urls).enumerate() {
        diesel::insert_into(event_videos::table)
            .values((
                event_videos::event_id.eq(event_id),
                event_videos::video_id.eq(&video.id),
                event_videos::position.eq(i as i32),
                event_videos::description.eq(&video.description),
                event_videos::embed_url.eq(url),
            ))
            .execute(conn)?;
    }
    diesel::delete(session_image_groups::table.filter(session_image_groups::event_id.eq(event_id)))
        .execute(conn)?;
    diesel::delete(session_images::table.filter(session_images::event_id.eq(event_id)))
        .execute(conn)?;
    for image in &session.images {
        diesel::insert_into(session_images::table)
            .values((
                session_images::event_id.eq(event_id),
                session_images::file_name.eq(&image.name),
                session_images::rating.eq(image.rating.as_str()),
            ))
            .execute(conn)?;
        let groups: HashSet<&String> = image.groups.iter().collect();
        for group in groups {
            diesel::insert_into(session_image_groups::table)
                .values((
                    session_image_groups::event_id.eq(event_id),
                    session_image_groups::file_name.eq(&image.name),
                    session_image_groups::group_name.eq(group),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// What the studio API says of a session.
pub fn to_summary(event: EventRow, image_count: i64) -> SessionSummary {
    SessionSummary {
        event_type: event.event_type(),
        id: event.studio_session_id,
        description: event.description,
        first_online: event.first_online,
        expires_on: event.expires_on,
        image_count,
    }
}

/// Every event, by the studio's session id.
pub fn all(conn: &mut DbConn) -> db::Result<Vec<EventRow>> {
    Ok(events::table.order(events::studio_session_id).select(EventRow::as_select()).load(conn)?)
}

/// Sets the gallery's expiry date as the studio asked (`today` is the studio's).
pub fn change_expiry(
    conn: &mut DbConn,
    today: NaiveDate,
    id: &str,
    change: &ExpiryChange,
) -> Result<EventRow, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let event = find_by_studio_id(conn, id)?.ok_or_else(|| session_not_found(id))?;
        let date = match *change {
            ExpiryChange::Until { date } => {
                let latest = today + chrono::Days::new(3650);
                if date > latest {
                    return Err(AppError::unprocessable(
                        "invalid_date",
                        format!("{date} is more than ten years away; the latest is {latest}."),
                    ));
                }
                date
            }
            ExpiryChange::Expire => today.pred_opt().unwrap_or(today),
        };
        diesel::update(events::table.find(&event.id))
            .set((
                events::expires_on.eq(date),
                events::expiry_override.eq(Some(date)),
                events::updated_at.eq(db::now()),
            ))
            .execute(conn)?;
        Ok(events::table.find(&event.id).select(EventRow::as_select()).first(conn)?)
    })
}

/// The event of the studio's session `id`; none for an id no session folder can have.
pub fn find_by_studio_id(conn: &mut DbConn, id: &str) -> db::Result<Option<EventRow>> {
    if check_studio_id("session", id).is_err() {
        return Ok(None);
    }
    Ok(events::table
        .filter(events::studio_session_id.eq(id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}

/// The studio API's answer for a session that is not online.
pub fn session_not_found(id: &str) -> AppError {
    AppError::not_found("session_not_found", format!("There is no session \"{id}\" online."))
}

/// Deletes the event; its passes, invites, groups, videos and image list go with it. The
/// images and prepaid packages are their owners' to remove first.
pub fn delete_event(conn: &mut DbConn, event_id: &EventId) -> db::Result<()> {
    diesel::delete(events::table.find(event_id)).execute(conn)?;
    Ok(())
}

/// The studio's session id of an event, if the event is still there.
pub fn studio_session_id(conn: &mut DbConn, event_id: &str) -> db::Result<Option<String>> {
    Ok(events::table
        .filter(events::id.eq(event_id))
        .select(events::studio_session_id)
        .first(conn)
        .optional()?)
}
