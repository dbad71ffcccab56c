//! The pages visitors browse: the home page with the studio's public events, "my events", the
//! event page with its filters, the photo page, and the studio's logo and marketing image. Each
//! composes the gallery read model ([`crate::gallery::view`]) with what is the viewer's own —
//! favorites, their groups, the yearbook pick, prepaid packages — from those features' owners.

use std::collections::{HashMap, HashSet};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use chrono::NaiveDate;
use proofroom_wire::BrandingSlot;
use serde::{Deserialize, Serialize};

use crate::auth::Auth;
use crate::auth::browser_session::{CurrentSession, Person};
use crate::db::{self, DbConn, EventId, ImageId};
use crate::error::AppError;
use crate::events::Events;
use crate::events::access::{self, Access, ViewerKey};
use crate::events::listing;
use crate::events::models::EventRow;
use crate::events::page_cache;
use crate::gallery::view::{self, Gallery, ImageCard, NotVisible};
use crate::site::{self, base_context, form_context};
use crate::studio::{self, StudioRow};
use crate::web::format::Locale;
use crate::web::{State, etag_matches};
use crate::{albums, client_groups, contracts, downloads, favorites, prepaid, yearbook};

#[derive(Serialize)]
struct EventCard {
    url: String,
    description: String,
    date: String,
    expires: String,
    expired: bool,
    cover_url: Option<String>,
    image_count: i64,
    /// The signed-in client's contracts of the event.
    contracts: Vec<contracts::ContractLink>,
    /// The signed-in client's albums of the event.
    albums: Vec<albums::AlbumLink>,
}

fn event_card(
    conn: &mut DbConn,
    event: EventRow,
    today: NaiveDate,
    locale: Locale,
) -> db::Result<EventCard> {
    let image_count = view::image_count(conn, &event.id)?;
    let expired = event.is_expired(today);
    Ok(EventCard {
        url: format!("/events/{}", event.id),
        cover_url: if expired { None } else { view::cover(conn, &event)? },
        expires: locale.date(event.expires_on),
        expired,
        description: event.description,
        date: locale.date(event.session_date),
        image_count,
        contracts: Vec::new(),
        albums: Vec::new(),
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
    let (studio, cards) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let (row, view) = site::studio_view(conn)?;
        let today = row.as_ref().map_or_else(|| chrono::Utc::now().date_naive(), StudioRow::today);
        let public = listing::public_events(conn, today, from.zip(to))?;
        let cards = public
            .into_iter()
            .map(|e| event_card(conn, e, today, view.locale))
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
    let client = session.person().and_then(|p| p.client_id()).cloned();
    let (studio, cards) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let (row, view) = site::studio_view(conn)?;
        let today = row.as_ref().map_or_else(|| chrono::Utc::now().date_naive(), StudioRow::today);
        let ids = listing::opened_by(conn, &viewer)?;
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
        let ids: Vec<EventId> = rows.iter().map(|e| e.id.clone()).collect();
        let mut links = match &client {
            Some(client) => contracts::of_events_for_client(conn, &ids, client, view.locale)?,
            None => Vec::new(),
        };
        let mut album_links = match &client {
            Some(client) => {
                let own: Vec<EventId> =
                    rows.iter().filter(|e| e.client_id == *client).map(|e| e.id.clone()).collect();
                albums::of_clients_events(conn, &own)?
            }
            None => Vec::new(),
        };
        for event in rows {
            let id = event.id.clone();
            let mut card = event_card(conn, event, today, view.locale)?;
            card.contracts = links.extract_if(.., |(e, _)| *e == id).map(|(_, l)| l).collect();
            card.albums = album_links.extract_if(.., |(e, _)| *e == id).map(|(_, l)| l).collect();
            cards.push(card);
        }
        Ok((view, cards))
    })
    .await?;
    let mut context = base_context(&req, &state, &session, &studio).await?;
    context.insert("events", &cards);
    state.render("my_events.html", &context)
}

#[derive(Serialize)]
pub struct GroupView {
    id: String,
    name: String,
    count: usize,
}

/// What of an event is the viewer's own: their groups, the yearbook pick, prepaid packages
/// (invoice id and whether submitted).
#[derive(Default)]
struct Personal {
    groups: Vec<GroupView>,
    yearbook_pick: Option<String>,
    prepaid: Vec<(String, bool)>,
    contracts: Vec<contracts::ContractLink>,
    albums: Vec<albums::AlbumLink>,
}

/// The gallery with the viewer's favorites, notes and groups marked on its images.
async fn personal_gallery(
    state: &State,
    session: &CurrentSession,
    event_id: &EventId,
) -> Result<Result<(Gallery, Personal), NotVisible>, AppError> {
    let mut gallery = match view::load_gallery(state, session, event_id).await? {
        Ok(gallery) => gallery,
        Err(not_visible) => return Ok(Err(not_visible)),
    };
    if gallery.expired {
        return Ok(Ok((gallery, Personal::default())));
    }
    let person = session.person().cloned();
    let (event, is_client) = (gallery.event.id.clone(), gallery.is_client);
    let locale = gallery.studio.locale;
    let (notes, groups, members, yearbook_pick, (prepaid, contracts, albums)) =
        db::run(&state.pool, move |conn| -> db::Result<_> {
            let (notes, groups, members) = match &person {
                Some(person) => mine(conn, &event, person.person_id())?,
                None => Default::default(),
            };
            let pick = yearbook::pick_of(conn, &event)?;
            let client = person.as_ref().and_then(|p| p.client_id()).filter(|_| is_client);
            let own = match client {
                Some(client) => (
                    prepaid::of_event(conn, &event)?,
                    contracts::of_events_for_client(
                        conn,
                        std::slice::from_ref(&event),
                        client,
                        locale,
                    )?
                    .into_iter()
                    .map(|(_, link)| link)
                    .collect(),
                    albums::of_clients_events(conn, std::slice::from_ref(&event))?
                        .into_iter()
                        .map(|(_, link)| link)
                        .collect(),
                ),
                None => (Vec::new(), Vec::new(), Vec::new()),
            };
            Ok((notes, groups, members, pick, own))
        })
        .await?;
    let mut groups_of: HashMap<&ImageId, Vec<String>> = HashMap::new();
    for (group_id, image_id) in &members {
        groups_of.entry(image_id).or_default().push(group_id.clone());
    }
    for card in &mut gallery.images {
        let id = ImageId::from_stored(card.id.clone());
        if let Some(note) = notes.get(&id) {
            card.favorite = true;
            card.note = note.clone().unwrap_or_default();
        }
        card.my_groups = groups_of.remove(&id).unwrap_or_default();
    }
    let groups = groups
        .into_iter()
        .map(|(gid, name)| GroupView {
            count: members.iter().filter(|(m, _)| *m == gid).count(),
            id: gid,
            name,
        })
        .collect();
    Ok(Ok((gallery, Personal { groups, yearbook_pick, prepaid, contracts, albums })))
}

/// A person's favorites with notes, their groups and the groups' images.
type Mine = (HashMap<ImageId, Option<String>>, Vec<(String, String)>, Vec<(String, ImageId)>);

fn mine(conn: &mut DbConn, event: &EventId, person_id: &str) -> db::Result<Mine> {
    let (groups, members) = client_groups::of_person_with_members(conn, event, person_id)?;
    Ok((favorites::notes_of(conn, event, person_id)?, groups, members))
}

#[derive(Deserialize, Default)]
pub struct GalleryFilter {
    /// A studio group's name.
    group: Option<String>,
    /// One of the viewer's own groups, by id.
    mine: Option<String>,
    /// Only the viewer's favorites.
    favorites: Option<String>,
}

pub async fn event_page(
    req: HttpRequest,
    state: State,
    auth: Auth,
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
    let (gallery, own) = match personal_gallery(&state, &session, &event_id).await? {
        Ok(found) => found,
        Err((access, event, studio)) => {
            return view::not_visible(&req, &state, &session, access, event, &studio).await;
        }
    };
    let filter = filter.into_inner();
    let mut context = base_context(&req, &state, &session, &gallery.studio).await?;
    // The lightbox's Download button, for the photos this person may download.
    if let Some(person) = session.person()
        && gallery.offers_files
    {
        let links = downloads::pages::photo_links(&state, &auth, &gallery.event, person).await?;
        context.insert("download_links", &links);
    }
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
    insert_event(&mut context, &gallery, &own, session.person());
    context.insert("images", &shown);
    context.insert("cover", &gallery.cover());
    context.insert("total", &total);
    context.insert("favorite_count", &gallery.images.iter().filter(|i| i.favorite).count());
    if let Some(items) = shop_items(&state, &gallery).await? {
        let shop = serde_json::json!({
            "items": items,
            "signed_in": session.person().is_some(),
            "cart": format!("/events/{}/cart", gallery.event.id),
            "register": gallery.studio.guest_registration,
        });
        context.insert("shop_json", &shop.to_string());
    }
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

fn insert_event(context: &mut tera::Context, g: &Gallery, own: &Personal, person: Option<&Person>) {
    let e = &g.event;
    context.insert("event_id", &e.id.to_string());
    context.insert("event_url", &format!("/events/{}", e.id));
    context.insert("description", &e.description);
    context.insert("event_description", &e.event_description);
    let locale = g.studio_row.as_ref().map(StudioRow::locale).unwrap_or_default();
    context.insert("date", &locale.date(e.session_date));
    context.insert("expires", &locale.date(e.expires_on));
    context.insert("expired", &g.expired);
    context.insert("is_public", &(e.event_type() == proofroom_wire::EventType::Public));
    context.insert("studio_groups", &g.studio_groups);
    context.insert("my_groups", &own.groups);
    context.insert("videos", &g.videos);
    context.insert("is_client", &g.is_client);
    context.insert("signed_in", &person.is_some());
    context.insert("can_favorite", &g.studio.favorites);
    context.insert("choose", &e.choose_count);
    context.insert("can_group", &g.studio.client_groups);
    context
        .insert("yearbook", &(g.is_client && e.yearbook_selection && g.studio.yearbook_selection));
    context.insert("yearbook_pick", &own.yearbook_pick);
    context.insert("can_invite", &g.is_client);
    context.insert("can_order", &e.price_list_id.is_some());
    context.insert("offers_files", &g.offers_files);
    let prepaid: Vec<serde_json::Value> = own
        .prepaid
        .iter()
        .map(|(id, done)| {
            serde_json::json!({ "url": crate::prepaid::package_path(&e.id, id), "submitted": done })
        })
        .collect();
    context.insert("prepaid", &prepaid);
    context.insert("contracts", &own.contracts);
    context.insert("albums", &own.albums);
}

/// One photo, large, with favorite, note, groups and yearbook controls: the lightbox for
/// browsers without script, and a page to link to.
#[derive(Deserialize)]
pub struct PhotoQuery {
    /// The SKU just put in the cart from this page.
    added: Option<String>,
}

pub async fn photo_page(
    req: HttpRequest,
    state: State,
    auth: Auth,
    session: CurrentSession,
    path: web::Path<(String, String)>,
    query: web::Query<PhotoQuery>,
) -> Result<HttpResponse, AppError> {
    let (event_id, image_id) = path.into_inner();
    let missing = || AppError::not_found("image_not_found", "This photo is not in the gallery.");
    let event_id = EventId::parse(&event_id).ok_or_else(missing)?;
    let (gallery, own) = match personal_gallery(&state, &session, &event_id).await? {
        Ok(found) => found,
        Err((access, event, studio)) => {
            return view::not_visible(&req, &state, &session, access, event, &studio).await;
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
    insert_event(&mut context, &gallery, &own, session.person());
    let image = &gallery.images[index];
    context.insert("image", image);
    context.insert("position", &(index + 1));
    context.insert("total", &gallery.images.len());
    context.insert("prev_url", &index.checked_sub(1).map(|i| gallery.images[i].photo_url.clone()));
    context.insert("next_url", &gallery.images.get(index + 1).map(|i| i.photo_url.clone()));
    let items = shop_items(&state, &gallery).await?;
    // Back from "Add to cart" without script: what was added, said beside the photo.
    let added = query
        .added
        .as_deref()
        .and_then(|sku| items.iter().flatten().find(|i| i.sku == sku))
        .map(|i| i.name.clone());
    context.insert("shop_items", &items.unwrap_or_default());
    context.insert("added", &added);
    if let Some(person) = session.person()
        && gallery.offers_files
    {
        let mut links =
            downloads::pages::photo_links(&state, &auth, &gallery.event, person).await?;
        context.insert("download_url", &links.remove(&image_id));
    }
    state.render("photo.html", &context)
}

/// One thing on the price list as the buy panels show it.
#[derive(Serialize)]
struct ShopItemView {
    sku: String,
    name: String,
    category: String,
    price: String,
    /// How many photos one of it takes: 2 or more is a package, picked in the cart.
    images: i32,
    /// A package's prints, named: "8×10, 5×7 #1, 5×7 #2".
    prints: String,
    /// A file: bought once, no quantity.
    file: bool,
}

/// What can be ordered from an event's photos, for anyone who may see them (a visitor sees
/// the prices and is asked to sign in to order); `None` when the event takes no orders.
async fn shop_items(
    state: &State,
    gallery: &Gallery,
) -> Result<Option<Vec<ShopItemView>>, AppError> {
    let Some(studio) = gallery.studio_row.clone() else { return Ok(None) };
    if gallery.event.price_list_id.is_none() || gallery.expired {
        return Ok(None);
    }
    let (event, takes_cards) = (gallery.event.clone(), state.config.takes_cards());
    let (currency, locale) = (studio.currency.clone(), studio.locale());
    let items = db::run(&state.pool, move |conn| {
        crate::checkout::catalog::shop_window(conn, &event, &studio, takes_cards)
    })
    .await?;
    let shown: Vec<ShopItemView> = items
        .iter()
        // An item made from no photo is not ordered from a photo.
        .filter(|i| i.images > 0)
        .map(|i| ShopItemView {
            sku: i.sku.clone(),
            name: i.name.clone(),
            category: i.category.clone(),
            price: locale.money(i.price_cents, &currency),
            images: i.images,
            prints: if i.images > 1 { i.slot_names().join(", ") } else { String::new() },
            file: i.kind.is_digital(),
        })
        .collect();
    Ok((!shown.is_empty()).then_some(shown))
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
    let row = db::run(&state.pool, move |conn| studio::branding_file(conn, slot.as_str()))
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
