//! `/api/v1/feed`: what clients did, for the connector to pull (`crate::feed`).

use actix_web::{get, post, web};
use proofroom_wire::ApiError;
use proofroom_wire::feed::{
    Favorite, FavoritesSent, FeedAck, FeedAckResult, FeedContent, FeedPage, FeedQuery, FeedWaiting,
    GuestRecord, PersonFavorites, SessionFavorites, YearbookPick,
};

use super::auth::Studio;
use crate::auth::people;
use crate::db::{self, DbConn};
use crate::db::{AlbumRevisionId, ContractId};
use crate::error::AppError;
use crate::events::publish::studio_session_id;
use crate::feed::{self, Kind};
use crate::gallery::view::file_names;
use crate::web::State;
use crate::{albums, checkout, contracts, favorites, prepaid, yearbook};

/// What a feed row names, as it is now, from the feature that owns it; `None` when it was
/// deleted since.
fn content(conn: &mut DbConn, kind: Kind, subject: &str) -> db::Result<Option<FeedContent>> {
    Ok(match kind {
        Kind::Guest => guest(conn, subject)?.map(FeedContent::Guest),
        Kind::Favorites => session_favorites(conn, subject)?.map(FeedContent::Favorites),
        Kind::FavoritesSent => favorites_sent(conn, subject)?.map(FeedContent::FavoritesSent),
        Kind::Yearbook => yearbook_pick(conn, subject)?.map(FeedContent::Yearbook),
        Kind::Order => checkout::orders::find_by_id(conn, subject)?
            .map(|order| FeedContent::Order(Box::new(order.record()))),
        Kind::Prepaid => prepaid::selection(conn, subject)?.map(FeedContent::Prepaid),
        Kind::Contract => match ContractId::parse(subject) {
            Some(id) => contracts::signed_record(conn, &id)?
                .map(|signed| FeedContent::Contract(Box::new(signed))),
            None => None,
        },
        Kind::Album => match AlbumRevisionId::parse(subject) {
            Some(id) => albums::feedback(conn, &id)?.map(|f| FeedContent::Album(Box::new(f))),
            None => None,
        },
    })
}

fn guest(conn: &mut DbConn, guest_id: &str) -> db::Result<Option<GuestRecord>> {
    let Some((name, email, registered_at, event)) = people::guest_record(conn, guest_id)? else {
        return Ok(None);
    };
    let session_id = match event {
        Some(event) => studio_session_id(conn, event.as_str())?,
        None => None,
    };
    Ok(Some(GuestRecord { guest_id: guest_id.to_string(), name, email, session_id, registered_at }))
}

/// Everyone's favorites in an event, per person, by file name.
fn session_favorites(conn: &mut DbConn, event_id: &str) -> db::Result<Option<SessionFavorites>> {
    let Some(session_id) = studio_session_id(conn, event_id)? else { return Ok(None) };
    let rows = favorites::of_event(conn, event_id)?;
    let ids: Vec<_> = rows.iter().map(|(_, _, image, _)| image.clone()).collect();
    let names = file_names(conn, &ids)?;
    let mut people: Vec<PersonFavorites> = Vec::new();
    let mut last: Option<(String, String)> = None;
    for (kind, person_id, image, note) in rows {
        // A favorite of an image deleted since is not sent.
        let Some(file_name) = names.get(&image).cloned() else { continue };
        let favorite = Favorite { file_name, note };
        let key = (kind, person_id);
        if last.as_ref() == Some(&key)
            && let Some(person) = people.last_mut()
        {
            person.favorites.push(favorite);
            continue;
        }
        let (id, name, email) = people::who(conn, &key.0, &key.1)?;
        people.push(PersonFavorites {
            kind: key.0.clone(),
            id,
            name,
            email,
            favorites: vec![favorite],
        });
        last = Some(key);
    }
    for person in &mut people {
        person.favorites.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    }
    Ok(Some(SessionFavorites { session_id, people }))
}

/// One person's favorites as they sent them (and as they are now), by file name.
fn favorites_sent(conn: &mut DbConn, subject: &str) -> db::Result<Option<FavoritesSent>> {
    let Some((event_id, kind, person_id, sent_at)) = favorites::sent_record(conn, subject)? else {
        return Ok(None);
    };
    let Some(event) = crate::events::access::load_event(conn, &event_id)? else {
        return Ok(None);
    };
    let notes = favorites::notes_of(conn, &event_id, &person_id)?;
    let ids: Vec<_> = notes.keys().cloned().collect();
    let names = file_names(conn, &ids)?;
    let mut favorites: Vec<Favorite> = notes
        .into_iter()
        .filter_map(|(image, note)| Some(Favorite { file_name: names.get(&image)?.clone(), note }))
        .collect();
    favorites.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    let (id, name, email) = people::who(conn, &kind, &person_id)?;
    Ok(Some(FavoritesSent {
        session_id: event.studio_session_id,
        person_kind: kind,
        id,
        name,
        email,
        choose: event.choose_count,
        sent_at,
        favorites,
    }))
}

fn yearbook_pick(conn: &mut DbConn, event_id: &str) -> db::Result<Option<YearbookPick>> {
    let Some(session_id) = studio_session_id(conn, event_id)? else { return Ok(None) };
    let Some((image, client, picked_at)) = yearbook::pick_record(conn, event_id)? else {
        return Ok(None);
    };
    let Some(file_name) = file_names(conn, std::slice::from_ref(&image))?.remove(&image) else {
        return Ok(None);
    };
    let Some((client_id, client_name)) = people::client_name(conn, client.as_str())? else {
        return Ok(None);
    };
    Ok(Some(YearbookPick { session_id, client_id, client_name, file_name, picked_at }))
}

/// The next page of the feed, oldest first, each item with what it holds now.
#[utoipa::path(
    tag = "feed",
    params(FeedQuery),
    responses(
        (status = 200, body = FeedPage),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "An unknown kind"),
    )
)]
#[get("/feed")]
pub async fn get_feed(
    _: Studio,
    state: State,
    query: web::Query<FeedQuery>,
) -> Result<web::Json<FeedPage>, AppError> {
    let FeedQuery { after, limit, kinds } = query.into_inner();
    let kinds = kinds.as_deref().map(feed::parse_kinds).transpose()?;
    let page = db::run(&state.pool, move |conn| {
        feed::page(conn, after, limit.unwrap_or(100), kinds.as_deref(), content)
    })
    .await?;
    Ok(web::Json(page))
}

/// How many items of each kind wait to be pulled, without fetching them.
#[utoipa::path(
    tag = "feed",
    responses((status = 200, body = FeedWaiting), (status = 401, body = ApiError))
)]
#[get("/feed/waiting")]
pub async fn feed_waiting(_: Studio, state: State) -> Result<web::Json<FeedWaiting>, AppError> {
    Ok(web::Json(db::run(&state.pool, feed::waiting_by_kind).await?))
}

/// Marks items written into the studio's inbox as downloaded. Acknowledging an item twice, or
/// one replaced by a newer change since, is not an error.
#[utoipa::path(
    tag = "feed",
    request_body = FeedAck,
    responses(
        (status = 200, body = FeedAckResult),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "More than 10,000 items at once"),
    )
)]
#[post("/feed/ack")]
pub async fn ack_feed(
    _: Studio,
    state: State,
    body: web::Json<FeedAck>,
) -> Result<web::Json<FeedAckResult>, AppError> {
    let seqs = body.into_inner().seqs;
    if seqs.len() > 10_000 {
        return Err(AppError::unprocessable(
            "too_many_items",
            "Acknowledge at most 10,000 items at once.",
        ));
    }
    let acknowledged = db::run(&state.pool, move |conn| feed::acknowledge(conn, &seqs)).await?;
    Ok(web::Json(FeedAckResult { acknowledged }))
}
