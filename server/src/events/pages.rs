//! The home page, "my events", the event page with its filters, the photo page, and branding
//! images.

use std::collections::{HashMap, HashSet};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use proofroom_wire::{BrandingSlot, EventType};
use serde::{Deserialize, Serialize};

use bytes::Bytes;

use super::Events;
use super::access::{self, Access, ViewerKey};
use super::models::EventRow;
use super::page_cache;
use crate::auth::browser_session::{CurrentSession, Person};
use crate::db::schema::{
    branding_files, event_online_groups, event_passes, event_videos, events, favorites,
    image_derivatives, images, person_group_images, person_groups, session_image_groups,
    yearbook_picks,
};
use crate::db::{self, DbConn, EventId, ImageId};
use crate::error::AppError;
use crate::gallery::models::Derivative;
use crate::gallery::serve;
use crate::site::{self, StudioView, base_context, form_context, render_status};
use crate::studio::{BrandingRow, StudioRow};
use crate::web::{State, etag_matches};

#[derive(Serialize)]
struct EventCard {
    url: String,
    description: String,
    date: String,
    expires: String,
    expired: bool,
    cover_url: Option<String>,
    image_count: i64,
}

pub fn display_date(date: NaiveDate) -> String {
    date.format("%B %-d, %Y").to_string()
}

/// The first image of an event by file name, as its cover.
fn cover(conn: &mut DbConn, event_id: &EventId) -> Result<Option<String>, AppError> {
    let mut thumbs: Vec<(String, ImageId, String)> = images::table
        .inner_join(image_derivatives::table)
        .filter(images::event_id.eq(event_id))
        .filter(image_derivatives::kind.eq(Derivative::Thumb.as_str()))
        .select((images::file_name, images::id, image_derivatives::sha256))
        .load(conn)?;
    thumbs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(thumbs.into_iter().next().map(|(_, id, sha)| serve::url(&id, Derivative::Thumb, &sha)))
}

fn event_card(conn: &mut DbConn, event: EventRow, today: NaiveDate) -> Result<EventCard, AppError> {
    let image_count: i64 =
        images::table.filter(images::event_id.eq(&event.id)).count().get_result(conn)?;
    let expired = event.is_expired(today);
    Ok(EventCard {
        url: format!("/events/{}", event.id),
        cover_url: if expired { None } else { cover(conn, &event.id)? },
        expires: display_date(event.expires_on),
        expired,
        description: event.description,
        date: display_date(event.session_date),
        image_count,
    })
}

#[derive(Deserialize)]
pub struct HomeQuery {
    /// One day, or the first day of a range.
    from: Option<String>,
    /// The last day of a range.
    to: Option<String>,
}

pub async fn home(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    query: web::Query<HomeQuery>,
) -> Result<HttpResponse, AppError> {
    let parse = |s: &Option<String>| -> Result<Option<NaiveDate>, String> {
        match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("\"{s}\" is not a date; use the date picker or YYYY-MM-DD.")),
        }
    };
    let (from, to, date_error) = match (parse(&query.from), parse(&query.to)) {
        (Ok(f), Ok(t)) => (f, t, None),
        (Err(e), _) | (_, Err(e)) => (None, None, Some(e)),
    };
    // One date alone finds that day.
    let (from, to) = match (from, to) {
        (Some(f), None) => (Some(f), Some(f)),
        (None, Some(t)) => (Some(t), Some(t)),
        (Some(f), Some(t)) if t < f => (Some(t), Some(f)),
        other => other,
    };
    let (studio, cards) = db::run(&state.pool, move |conn| {
        let (row, view) = site::studio_view(conn)?;
        let today = row.as_ref().map_or_else(|| chrono::Utc::now().date_naive(), StudioRow::today);
        let mut q = events::table
            .filter(events::event_type.eq(EventType::Public.as_str()))
            .filter(events::expires_on.ge(today))
            .into_boxed();
        if let (Some(f), Some(t)) = (from, to) {
            q = q.filter(events::session_date.between(f, t));
        }
        let public: Vec<EventRow> = q
            .order((events::session_date.desc(), events::description))
            .limit(200)
            .select(EventRow::as_select())
            .load(conn)?;
        let cards = public
            .into_iter()
            .map(|e| event_card(conn, e, today))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((view, cards))
    })
    .await?;
    let mut context = form_context(&req, &state, &session, &studio).await?;
    context.insert("events", &cards);
    context.insert("searched", &from.is_some());
    context.insert("from", &from.map(|d| d.to_string()).unwrap_or_default());
    context
        .insert("to", &to.filter(|t| Some(*t) != from).map(|d| d.to_string()).unwrap_or_default());
    context.insert("date_error", &date_error);
    context.insert("code_error", &None::<String>);
    state.render("home.html", &context)
}

/// A client's sessions and the events a guest or visitor opened, with expire dates.
pub async fn my_events(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
) -> Result<HttpResponse, AppError> {
    let viewer = ViewerKey::from(&session);
    if viewer.session_id.is_none() {
        return Ok(site::see_other("/login?next=/my-events"));
    }
    let (studio, cards) = db::run(&state.pool, move |conn| {
        let (row, view) = site::studio_view(conn)?;
        let today = row.as_ref().map_or_else(|| chrono::Utc::now().date_naive(), StudioRow::today);
        let mut ids: Vec<EventId> = Vec::new();
        if let Some(client) = &viewer.client_id {
            ids.extend(
                events::table
                    .filter(events::client_id.eq(client))
                    .select(events::id)
                    .load::<EventId>(conn)?,
            );
        }
        let mut passes = event_passes::table.select(event_passes::event_id).into_boxed();
        passes = match (&viewer.session_id, &viewer.guest_id) {
            (Some(s), Some(g)) => passes.filter(
                event_passes::web_session_id.eq(s).or(event_passes::guest_id.eq(g.as_str())),
            ),
            (Some(s), None) => passes.filter(event_passes::web_session_id.eq(s)),
            (None, Some(g)) => passes.filter(event_passes::guest_id.eq(g.as_str())),
            (None, None) => passes.filter(event_passes::id.eq("")),
        };
        ids.extend(passes.load::<EventId>(conn)?);
        let mut seen = HashSet::new();
        let mut cards = Vec::new();
        let mut rows: Vec<EventRow> = Vec::new();
        for id in ids {
            if !seen.insert(id.clone()) {
                continue;
            }
            let Some(event) = access::load_event(conn, &id)? else { continue };
            // Only what the viewer may still open (a revoked invite, a changed code: gone).
            if matches!(
                access::decide(conn, &viewer, &event, today)?,
                Access::Allowed | Access::Expired
            ) {
                rows.push(event);
            }
        }
        rows.sort_by_key(|e| std::cmp::Reverse(e.session_date));
        for event in rows {
            cards.push(event_card(conn, event, today)?);
        }
        Ok((view, cards))
    })
    .await?;
    let mut context = base_context(&req, &state, &session, &studio).await?;
    context.insert("events", &cards);
    state.render("my_events.html", &context)
}

#[derive(Serialize, Clone)]
pub struct ImageCard {
    pub id: String,
    pub name: String,
    pub thumb_url: String,
    pub proof_url: String,
    pub photo_url: String,
    pub thumb_width: i32,
    pub thumb_height: i32,
    pub proof_width: i32,
    pub proof_height: i32,
    pub favorite: bool,
    pub note: String,
    pub studio_groups: Vec<String>,
    pub my_groups: Vec<String>,
}

#[derive(Serialize)]
pub struct GroupView {
    id: String,
    name: String,
    count: usize,
}

#[derive(Serialize)]
struct VideoView {
    description: String,
    embed_url: String,
}

/// Everything the event and photo pages show, for one viewer.
pub struct Gallery {
    pub event: EventRow,
    pub studio: StudioView,
    pub expired: bool,
    pub images: Vec<ImageCard>,
    pub studio_groups: Vec<String>,
    pub my_groups: Vec<GroupView>,
    pub yearbook_pick: Option<String>,
    videos: Vec<VideoView>,
    pub is_client: bool,
    /// The client's prepaid packages in this event: invoice id and whether submitted.
    pub prepaid: Vec<(String, bool)>,
}

/// Loads the gallery when the viewer may see it: `Err` 404 when not, and the code box's answer
/// for a private event they have not opened.
pub async fn load_gallery(
    state: &State,
    session: &CurrentSession,
    event_id: &EventId,
) -> Result<Result<Gallery, (Access, Option<EventRow>, StudioView)>, AppError> {
    let viewer = ViewerKey::from(session);
    let person = session.person().cloned();
    let id = event_id.clone();
    db::run(&state.pool, move |conn| {
        let (_, studio) = site::studio_view(conn)?;
        let Some(event) = access::load_event(conn, &id)? else {
            return Ok(Err((Access::Hidden, None, studio)));
        };
        let today = access::studio_today(conn)?;
        let access = access::decide(conn, &viewer, &event, today)?;
        let expired = match access {
            Access::Allowed => false,
            Access::Expired => true,
            other => return Ok(Err((other, Some(event), studio))),
        };
        let is_client = viewer.client_id.as_ref() == Some(&event.client_id);
        let mut gallery = Gallery {
            studio,
            expired,
            images: Vec::new(),
            studio_groups: Vec::new(),
            my_groups: Vec::new(),
            yearbook_pick: None,
            videos: Vec::new(),
            is_client,
            prepaid: Vec::new(),
            event,
        };
        if !expired {
            fill_gallery(conn, &mut gallery, person.as_ref())?;
            if is_client {
                gallery.prepaid = crate::prepaid::of_event(conn, &gallery.event.id)?;
            }
        }
        Ok(Ok(gallery))
    })
    .await
}

fn fill_gallery(
    conn: &mut DbConn,
    g: &mut Gallery,
    person: Option<&Person>,
) -> Result<(), AppError> {
    let id = g.event.id.clone();
    let rows: Vec<(ImageId, String, String, String, i32, i32)> = images::table
        .inner_join(image_derivatives::table)
        .filter(images::event_id.eq(&id))
        .filter(
            image_derivatives::kind
                .eq_any([Derivative::Thumb.as_str(), Derivative::Proof.as_str()]),
        )
        .select((
            images::id,
            images::file_name,
            image_derivatives::kind,
            image_derivatives::sha256,
            image_derivatives::width,
            image_derivatives::height,
        ))
        .load(conn)?;
    let mut by_image: HashMap<ImageId, (String, Option<Variant>, Option<Variant>)> = HashMap::new();
    for (image_id, name, kind, sha, w, h) in rows {
        let entry = by_image.entry(image_id).or_insert_with(|| (name, None, None));
        if kind == Derivative::Thumb.as_str() {
            entry.1 = Some((sha, w, h));
        } else {
            entry.2 = Some((sha, w, h));
        }
    }
    let mut studio_groups_of: HashMap<String, Vec<String>> = HashMap::new();
    g.studio_groups = event_online_groups::table
        .filter(event_online_groups::event_id.eq(&id))
        .order(event_online_groups::position)
        .select(event_online_groups::name)
        .load(conn)?;
    let online: HashSet<&str> = g.studio_groups.iter().map(String::as_str).collect();
    for (file, group) in session_image_groups::table
        .filter(session_image_groups::event_id.eq(&id))
        .select((session_image_groups::file_name, session_image_groups::group_name))
        .load::<(String, String)>(conn)?
    {
        if online.contains(group.as_str()) {
            studio_groups_of.entry(file).or_default().push(group);
        }
    }
    let mut favorite_notes: HashMap<ImageId, Option<String>> = HashMap::new();
    let mut groups_of: HashMap<ImageId, Vec<String>> = HashMap::new();
    if let Some(person) = person {
        favorite_notes = favorites::table
            .filter(favorites::event_id.eq(&id))
            .filter(favorites::person_id.eq(person.person_id()))
            .select((favorites::image_id, favorites::note))
            .load::<(ImageId, Option<String>)>(conn)?
            .into_iter()
            .collect();
        let groups: Vec<(String, String)> = person_groups::table
            .filter(person_groups::event_id.eq(&id))
            .filter(person_groups::person_id.eq(person.person_id()))
            .order(person_groups::created_at)
            .select((person_groups::id, person_groups::name))
            .load(conn)?;
        let members: Vec<(String, ImageId)> = person_group_images::table
            .inner_join(person_groups::table)
            .filter(person_groups::event_id.eq(&id))
            .filter(person_groups::person_id.eq(person.person_id()))
            .select((person_group_images::group_id, person_group_images::image_id))
            .load(conn)?;
        for (group_id, image_id) in &members {
            groups_of.entry(image_id.clone()).or_default().push(group_id.clone());
        }
        g.my_groups = groups
            .into_iter()
            .map(|(gid, name)| GroupView {
                count: members.iter().filter(|(m, _)| *m == gid).count(),
                id: gid,
                name,
            })
            .collect();
    }
    g.yearbook_pick = yearbook_picks::table
        .find(&id)
        .select(yearbook_picks::image_id)
        .first::<String>(conn)
        .optional()?;
    g.videos = event_videos::table
        .filter(event_videos::event_id.eq(&id))
        .order(event_videos::position)
        .select((event_videos::description, event_videos::embed_url))
        .load::<(String, String)>(conn)?
        .into_iter()
        // Checked again on the way out: only a URL the allow-list rebuilds is ever shown.
        .filter_map(|(description, url)| {
            proofroom_wire::video_embed_url(&url)
                .ok()
                .map(|embed_url| VideoView { description, embed_url })
        })
        .collect();
    let event_path = format!("/events/{id}");
    g.images = by_image
        .into_iter()
        .filter_map(|(image_id, (name, thumb, proof))| {
            let ((tsha, tw, th), (psha, pw, ph)) = (thumb?, proof?);
            let note = favorite_notes.get(&image_id);
            Some(ImageCard {
                id: image_id.to_string(),
                thumb_url: serve::url(&image_id, Derivative::Thumb, &tsha),
                proof_url: serve::url(&image_id, Derivative::Proof, &psha),
                photo_url: format!("{event_path}/photos/{image_id}"),
                thumb_width: tw,
                thumb_height: th,
                proof_width: pw,
                proof_height: ph,
                favorite: note.is_some(),
                note: note.cloned().flatten().unwrap_or_default(),
                studio_groups: studio_groups_of.remove(&name).unwrap_or_default(),
                my_groups: groups_of.remove(&image_id).unwrap_or_default(),
                name,
            })
        })
        .collect();
    // By name in byte order on both backends (PostgreSQL's collation may differ).
    g.images.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// A derivative's hash, width and height.
type Variant = (String, i32, i32);

#[derive(Deserialize, Default)]
pub struct GalleryFilter {
    /// A studio group's name.
    group: Option<String>,
    /// One of the viewer's own groups, by id.
    mine: Option<String>,
    /// Only the viewer's favorites.
    favorites: Option<String>,
}

/// The answer for a viewer who may not see the event: the code box for a private event, a
/// plain 404 otherwise.
pub async fn not_visible(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    access: Access,
    event: Option<EventRow>,
    studio: &StudioView,
) -> Result<HttpResponse, AppError> {
    match (access, event) {
        (Access::NeedsCode, Some(event)) => {
            let mut context = form_context(req, state, session, studio).await?;
            context.insert("event_id", &event.id.to_string());
            context.insert("error", &None::<String>);
            render_status(state, "unlock.html", &context, StatusCode::FORBIDDEN)
        }
        _ => Err(AppError::not_found(
            "event_not_found",
            "There is no such gallery, or it has been taken down.",
        )),
    }
}

pub async fn event_page(
    req: HttpRequest,
    state: State,
    events: Events,
    session: CurrentSession,
    path: web::Path<String>,
    filter: web::Query<GalleryFilter>,
) -> Result<HttpResponse, AppError> {
    let event_id = EventId::parse(&path)
        .ok_or_else(|| AppError::not_found("event_not_found", "There is no such gallery."))?;
    let ticket = match events.pages.lookup(&req, &session) {
        Ok(kept) => return Ok(kept),
        Err(ticket) => ticket,
    };
    let gallery = match load_gallery(&state, &session, &event_id).await? {
        Ok(g) => g,
        Err((access, event, studio)) => {
            return not_visible(&req, &state, &session, access, event, &studio).await;
        }
    };
    let filter = filter.into_inner();
    let mut context = base_context(&req, &state, &session, &gallery.studio).await?;
    let total = gallery.images.len();
    let group = filter.group.clone().filter(|g| !g.is_empty());
    let mine = filter.mine.clone().filter(|m| !m.is_empty());
    let only_favorites = group.is_none() && mine.is_none() && filter.favorites.is_some();
    let shown: Vec<&ImageCard> = gallery
        .images
        .iter()
        .filter(|i| match (&group, &mine) {
            (Some(g), _) => i.studio_groups.contains(g),
            (None, Some(m)) => i.my_groups.contains(m),
            (None, None) => !only_favorites || i.favorite,
        })
        .collect();
    context.insert("active_all", &(group.is_none() && mine.is_none() && !only_favorites));
    context.insert("active_group", &group.unwrap_or_default());
    context.insert("active_mine", &mine.unwrap_or_default());
    context.insert("active_favorites", &only_favorites);
    insert_event(&mut context, &gallery, session.person());
    context.insert("images", &shown);
    context.insert("total", &total);
    context.insert("favorite_count", &gallery.images.iter().filter(|i| i.favorite).count());
    if gallery.expired {
        let mut response = state.render("event.html", &context)?;
        *response.status_mut() = StatusCode::GONE;
        return Ok(response);
    }
    let html = Bytes::from(state.templates.render("event.html", &context)?);
    let page = page_cache::Page::new(html);
    events.pages.keep(&req, &session, ticket, &page);
    Ok(page.response(req.headers()))
}

fn insert_event(context: &mut tera::Context, g: &Gallery, person: Option<&Person>) {
    let e = &g.event;
    context.insert("event_id", &e.id.to_string());
    context.insert("event_url", &format!("/events/{}", e.id));
    context.insert("description", &e.description);
    context.insert("event_description", &e.event_description);
    context.insert("date", &display_date(e.session_date));
    context.insert("expires", &display_date(e.expires_on));
    context.insert("expired", &g.expired);
    context.insert("studio_groups", &g.studio_groups);
    context.insert("my_groups", &g.my_groups);
    context.insert("videos", &g.videos);
    context.insert("is_client", &g.is_client);
    context.insert("signed_in", &person.is_some());
    context.insert("can_favorite", &g.studio.favorites);
    context.insert("can_group", &g.studio.client_groups);
    context
        .insert("yearbook", &(g.is_client && e.yearbook_selection && g.studio.yearbook_selection));
    context.insert("yearbook_pick", &g.yearbook_pick);
    context.insert("can_invite", &g.is_client);
    context.insert("can_order", &e.price_list_id.is_some());
    let prepaid: Vec<serde_json::Value> = g
        .prepaid
        .iter()
        .map(|(id, done)| {
            serde_json::json!({ "url": crate::prepaid::package_path(&e.id, id), "submitted": done })
        })
        .collect();
    context.insert("prepaid", &prepaid);
}

/// One photo, large, with favorite, note, groups and yearbook controls: the lightbox for
/// browsers without script, and a page to link to.
pub async fn photo_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event_id, image_id) = path.into_inner();
    let missing = || AppError::not_found("image_not_found", "This photo is not in the gallery.");
    let event_id = EventId::parse(&event_id).ok_or_else(missing)?;
    let gallery = match load_gallery(&state, &session, &event_id).await? {
        Ok(g) => g,
        Err((access, event, studio)) => {
            return not_visible(&req, &state, &session, access, event, &studio).await;
        }
    };
    if gallery.expired {
        return Err(AppError::new(
            StatusCode::GONE,
            "gallery_expired",
            "This gallery has expired.",
        ));
    }
    let index = gallery.images.iter().position(|i| i.id == image_id).ok_or_else(missing)?;
    let mut context = base_context(&req, &state, &session, &gallery.studio).await?;
    insert_event(&mut context, &gallery, session.person());
    let image = &gallery.images[index];
    context.insert("image", image);
    context.insert("position", &(index + 1));
    context.insert("total", &gallery.images.len());
    context.insert("prev_url", &index.checked_sub(1).map(|i| gallery.images[i].photo_url.clone()));
    context.insert("next_url", &gallery.images.get(index + 1).map(|i| i.photo_url.clone()));
    context.insert("order_items", &order_items(&state, &session, &gallery).await?);
    state.render("photo.html", &context)
}

#[derive(Serialize)]
struct OrderItemView {
    sku: String,
    name: String,
    price: String,
}

/// What a signed-in viewer can order from a photo: the session's price list, when the studio
/// takes orders.
async fn order_items(
    state: &State,
    session: &CurrentSession,
    gallery: &Gallery,
) -> Result<Vec<OrderItemView>, AppError> {
    if session.person().is_none() || gallery.event.price_list_id.is_none() {
        return Ok(Vec::new());
    }
    let event = gallery.event.clone();
    let catalog =
        db::run(&state.pool, move |conn| crate::checkout::catalog::Catalog::load(conn, &event))
            .await?;
    let Some(catalog) = catalog.filter(|c| c.takes_orders(state.config.takes_cards())) else {
        return Ok(Vec::new());
    };
    Ok(catalog
        .items
        .iter()
        .map(|i| OrderItemView {
            sku: i.sku.clone(),
            name: i.name.clone(),
            price: catalog.money(i.price_cents),
        })
        .collect())
}

/// Logo and marketing image (the watermark image is never served).
pub async fn branding_image(
    req: HttpRequest,
    state: State,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slot, _file) = path.into_inner();
    let missing = || AppError::not_found("not_found", "No such image.");
    let slot =
        BrandingSlot::parse(&slot).filter(|s| *s != BrandingSlot::Watermark).ok_or_else(missing)?;
    let row = db::run(&state.pool, move |conn| {
        Ok(branding_files::table
            .find(slot.as_str())
            .select(BrandingRow::as_select())
            .first(conn)
            .optional()?)
    })
    .await?
    .ok_or_else(missing)?;
    let etag = format!("\"{}\"", row.store_key);
    if etag_matches(req.headers(), &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let store = state.store.clone();
    let key = row.store_key.clone();
    let bytes = web::block(move || store.get(&key))
        .await
        .map_err(|e| AppError::internal(format!("read task: {e}")))??
        .ok_or_else(missing)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, row.content_type))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(bytes))
}
