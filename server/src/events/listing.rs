//! The events a page lists and what an event shows besides its images: the public events of
//! a date range, the events a viewer has opened, the studio's online groups and the videos.

use chrono::NaiveDate;
use diesel::prelude::*;
use proofroom_wire::EventType;

use super::access::ViewerKey;
use super::models::EventRow;
use crate::db::schema::{
    event_online_groups, event_passes, event_videos, events, session_image_groups, session_images,
};
use crate::db::{self, DbConn, EventId};

/// Public events still online, newest first, within `range` when given; at most 200.
pub fn public_events(
    conn: &mut DbConn,
    today: NaiveDate,
    range: Option<(NaiveDate, NaiveDate)>,
) -> db::Result<Vec<EventRow>> {
    let mut q = events::table
        .filter(events::event_type.eq(EventType::Public.as_str()))
        .filter(events::expires_on.ge(today))
        .into_boxed();
    if let Some((from, to)) = range {
        q = q.filter(events::session_date.between(from, to));
    }
    Ok(q.order((events::session_date.desc(), events::description))
        .limit(200)
        .select(EventRow::as_select())
        .load(conn)?)
}

/// The client's own events and those the viewer opened by code or invite (may repeat).
pub fn opened_by(conn: &mut DbConn, viewer: &ViewerKey) -> db::Result<Vec<EventId>> {
    let mut ids: Vec<EventId> = Vec::new();
    if let Some(client) = &viewer.client_id {
        ids.extend(
            events::table
                .filter(events::client_id.eq(client))
                .select(events::id)
                .load::<EventId>(conn)?,
        );
    }
    let holders = super::access::PassHolders::of(viewer);
    ids.extend(
        event_passes::table
            .filter(
                event_passes::web_session_id
                    .eq_any(&holders.sessions)
                    .or(event_passes::guest_id.eq_any(&holders.guests))
                    .or(event_passes::client_id.eq_any(&holders.clients)),
            )
            .select(event_passes::event_id)
            .load::<EventId>(conn)?,
    );
    Ok(ids)
}

/// The studio's groups shown online, in the studio's order.
pub fn online_groups(conn: &mut DbConn, event: &EventId) -> db::Result<Vec<String>> {
    Ok(event_online_groups::table
        .filter(event_online_groups::event_id.eq(event))
        .order(event_online_groups::position)
        .select(event_online_groups::name)
        .load(conn)?)
}

/// Which of the studio's groups each image file is in: (file name, group).
pub fn image_groups(conn: &mut DbConn, event: &EventId) -> db::Result<Vec<(String, String)>> {
    Ok(session_image_groups::table
        .filter(session_image_groups::event_id.eq(event))
        .select((session_image_groups::file_name, session_image_groups::group_name))
        .load(conn)?)
}

/// The event's videos in order: (description, the URL as the studio gave it).
pub fn videos(conn: &mut DbConn, event: &EventId) -> db::Result<Vec<(String, String)>> {
    Ok(event_videos::table
        .filter(event_videos::event_id.eq(event))
        .order(event_videos::position)
        .select((event_videos::description, event_videos::embed_url))
        .load(conn)?)
}

/// Events whose client has not yet been told their images are online.
pub fn awaiting_online_notice(conn: &mut DbConn) -> db::Result<Vec<EventRow>> {
    Ok(events::table
        .filter(events::online_notice_at.is_null())
        .select(EventRow::as_select())
        .load(conn)?)
}

/// Notes that the client was told (or that there is nothing left to tell: it expired).
pub fn mark_online_notice_sent(conn: &mut DbConn, event: &EventId) -> db::Result<()> {
    diesel::update(events::table.find(event))
        .set(events::online_notice_at.eq(crate::db::now()))
        .execute(conn)?;
    Ok(())
}

/// Events whose client was told they are online and which expire between `from` and `to`.
pub fn told_expiring(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> db::Result<Vec<EventRow>> {
    Ok(events::table
        .filter(events::online_notice_at.is_not_null())
        .filter(events::expires_on.ge(from))
        .filter(events::expires_on.le(to))
        .select(EventRow::as_select())
        .load(conn)?)
}

/// Galleries online whose photos are to be chosen (`choose_by`) from `from` to `to`.
pub fn choosing_due(
    conn: &mut DbConn,
    from: NaiveDate,
    to: NaiveDate,
) -> db::Result<Vec<EventRow>> {
    Ok(events::table
        .filter(events::online_notice_at.is_not_null())
        .filter(events::choose_by.ge(from))
        .filter(events::choose_by.le(to))
        .select(EventRow::as_select())
        .load(conn)?)
}

/// How many images the session lists (uploaded or not).
pub fn listed_image_count(conn: &mut DbConn, event: &EventId) -> db::Result<i64> {
    Ok(session_images::table.filter(session_images::event_id.eq(event)).count().get_result(conn)?)
}

/// Whether the session lists the image `name`.
pub fn lists_image(conn: &mut DbConn, event: &EventId, name: &str) -> db::Result<bool> {
    let listed: i64 = session_images::table
        .filter(session_images::event_id.eq(event))
        .filter(session_images::file_name.eq(name))
        .count()
        .get_result(conn)?;
    Ok(listed > 0)
}

/// Takes the image `name` off the session's list of images wanted online.
pub fn unlist_image(conn: &mut DbConn, event: &EventId, name: &str) -> db::Result<()> {
    diesel::delete(
        session_images::table
            .filter(session_images::event_id.eq(event))
            .filter(session_images::file_name.eq(name)),
    )
    .execute(conn)?;
    Ok(())
}

/// The event of the studio's session `id`, if it is online.
pub fn by_studio_session_id(conn: &mut DbConn, id: &str) -> db::Result<Option<EventRow>> {
    Ok(events::table
        .filter(events::studio_session_id.eq(id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}
