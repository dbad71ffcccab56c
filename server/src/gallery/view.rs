//! The gallery as a viewer sees it: the event (if they may see it), its images as cards with
//! their proof and thumbnail addresses, the studio's online groups and the videos. Composed
//! from the owners' functions — events for access, groups and videos, the gallery's own
//! images and derivatives. What is one viewer's own (favorites, their groups, the yearbook pick,
//! prepaid packages) is laid over it by the pages that show it.

use std::collections::{HashMap, HashSet};

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::Serialize;

use super::models::Derivative;
use super::serve;
use crate::auth::browser_session::CurrentSession;
use crate::auth::signed_in::SignInFirst;
use crate::db::schema::{image_derivatives, images};
use crate::db::{self, DbConn, EventId, ImageId};
use crate::error::AppError;
use crate::events::access::{self, Access, ViewerKey};
use crate::events::listing;
use crate::events::models::EventRow;
use crate::site::{self, StudioView, form_context, render_status};
use crate::studio::StudioRow;
use crate::web::State;

#[derive(Serialize, Clone)]
pub struct ImageCard {
    pub id: String,
    pub name: String,
    pub thumb_url: String,
    pub proof_url: String,
    /// The middle size (about 1024 px), or the proof for an image stored before it existed.
    pub middle_url: String,
    pub photo_url: String,
    pub thumb_width: i32,
    pub thumb_height: i32,
    pub middle_width: i32,
    pub proof_width: i32,
    pub proof_height: i32,
    /// Its shape for the grid's rows: width ÷ height × 10, rounded, from 3 (tall) to 30 (a
    /// panorama) — a class the style sheet sizes (no inline styles under the CSP).
    pub shape: i32,
    /// The viewer's own marks, laid over by the page (empty here).
    pub favorite: bool,
    pub note: String,
    pub studio_groups: Vec<String>,
    pub my_groups: Vec<String>,
}

#[derive(Serialize)]
pub struct VideoView {
    description: String,
    embed_url: String,
}

/// A photo a package's slot can take, for the pickers: the client's favorites first.
#[derive(Serialize)]
pub struct ImageOption {
    id: String,
    name: String,
    thumb_url: String,
    favorite: bool,
}

/// The event's photos as choices for a slot: the person's favorites first, then the rest, each
/// part in the gallery's order.
pub fn image_options(images: &[ImageCard], favorites: &HashSet<String>) -> Vec<ImageOption> {
    let mut options: Vec<ImageOption> = images
        .iter()
        .map(|i| ImageOption {
            favorite: favorites.contains(&i.id),
            id: i.id.clone(),
            name: i.name.clone(),
            thumb_url: i.thumb_url.clone(),
        })
        .collect();
    // Stable: the gallery's order is kept within each part.
    options.sort_by_key(|o| !o.favorite);
    options
}

/// Everything anyone allowed in sees of an event.
pub struct Gallery {
    pub event: EventRow,
    pub studio: StudioView,
    /// The studio as stored (its currency, payment methods), `None` before its first push.
    pub studio_row: Option<StudioRow>,
    pub expired: bool,
    pub images: Vec<ImageCard>,
    pub studio_groups: Vec<String>,
    pub videos: Vec<VideoView>,
    pub is_client: bool,
    /// The event gives files away or its price list sells them: the gallery links to its
    /// downloads.
    pub offers_files: bool,
}

/// Why a viewer may not see the event: their access, the event if there is one, the studio.
pub type NotVisible = (Access, Option<EventRow>, StudioView);

/// Loads the gallery when the viewer may see it: `Err` 404 when not, and the code box's answer
/// for a private event they have not opened.
pub async fn load_gallery(
    state: &State,
    session: &CurrentSession,
    event_id: &EventId,
) -> Result<Result<Gallery, NotVisible>, AppError> {
    let viewer = ViewerKey::from(session);
    let id = event_id.clone();
    db::run(&state.pool, move |conn| {
        let (studio_row, studio) = site::studio_view(conn)?;
        let Some(event) = access::load_event(conn, &id)? else {
            return Ok(Err((Access::Hidden, None, studio)));
        };
        // The studio row just read says what day it is there: no second read.
        let today =
            studio_row.as_ref().map_or_else(|| chrono::Utc::now().date_naive(), StudioRow::today);
        let access = access::decide(conn, &viewer, &event, today)?;
        let expired = match access {
            Access::Allowed => false,
            Access::Expired => true,
            other => return Ok(Err((other, Some(event), studio))),
        };
        let is_client = viewer.client_id.as_ref() == Some(&event.client_id);
        let mut gallery = Gallery {
            studio,
            studio_row,
            expired,
            images: Vec::new(),
            studio_groups: Vec::new(),
            videos: Vec::new(),
            is_client,
            offers_files: false,
            event,
        };
        if !expired {
            gallery.offers_files = !gallery.event.free_downloads().is_none()
                || match &gallery.event.price_list_id {
                    Some(list) => crate::price_lists::sells_files(conn, list)?,
                    None => false,
                };
            fill_gallery(conn, &mut gallery)?;
        }
        Ok(Ok(gallery))
    })
    .await
}

fn fill_gallery(conn: &mut DbConn, g: &mut Gallery) -> db::Result<()> {
    let id = g.event.id.clone();
    let mut by_image: HashMap<ImageId, (String, Sizes)> = HashMap::new();
    for (image_id, name, kind, sha, w, h) in shown_variants(conn, &id)? {
        let entry = by_image.entry(image_id).or_insert_with(|| (name, Sizes::default()));
        let size = Some((sha, w, h));
        match kind.as_str() {
            k if k == Derivative::Thumb.as_str() => entry.1.thumb = size,
            k if k == Derivative::Middle.as_str() => entry.1.middle = size,
            _ => entry.1.proof = size,
        }
    }
    g.studio_groups = listing::online_groups(conn, &id)?;
    let online: HashSet<&str> = g.studio_groups.iter().map(String::as_str).collect();
    let mut studio_groups_of: HashMap<String, Vec<String>> = HashMap::new();
    for (file, group) in listing::image_groups(conn, &id)? {
        if online.contains(group.as_str()) {
            studio_groups_of.entry(file).or_default().push(group);
        }
    }
    g.videos = listing::videos(conn, &id)?
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
        .filter_map(|(image_id, (name, sizes))| {
            let ((tsha, tw, th), (psha, pw, ph)) = (sizes.thumb?, sizes.proof?);
            let proof_url = serve::url(&image_id, Derivative::Proof, &psha);
            let (middle_url, middle_width) = match sizes.middle {
                Some((msha, mw, _)) => (serve::url(&image_id, Derivative::Middle, &msha), mw),
                None => (proof_url.clone(), pw),
            };
            Some(ImageCard {
                id: image_id.to_string(),
                thumb_url: serve::url(&image_id, Derivative::Thumb, &tsha),
                proof_url,
                middle_url,
                photo_url: format!("{event_path}/photos/{image_id}"),
                thumb_width: tw,
                thumb_height: th,
                middle_width,
                proof_width: pw,
                proof_height: ph,
                shape: shape(pw, ph),
                favorite: false,
                note: String::new(),
                studio_groups: studio_groups_of.remove(&name).unwrap_or_default(),
                my_groups: Vec::new(),
                name,
            })
        })
        .collect();
    // By name in byte order on both backends (PostgreSQL's collation may differ).
    g.images.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// An image's shape for the grid: width ÷ height × 10, rounded, within 3..=30.
fn shape(width: i32, height: i32) -> i32 {
    if width <= 0 || height <= 0 {
        return 15;
    }
    ((f64::from(width) / f64::from(height) * 10.0).round() as i32).clamp(3, 30)
}

/// A derivative's hash, width and height.
type Variant = (String, i32, i32);

/// The sizes of one image a page shows.
#[derive(Default)]
struct Sizes {
    thumb: Option<Variant>,
    middle: Option<Variant>,
    proof: Option<Variant>,
}

/// An image's thumbnail, middle size or proof: (image, file name, kind, hash, width, height).
type VariantRow = (ImageId, String, String, String, i32, i32);

/// Each image's thumbnail, middle size and proof.
fn shown_variants(conn: &mut DbConn, event: &EventId) -> db::Result<Vec<VariantRow>> {
    Ok(images::table
        .inner_join(image_derivatives::table)
        .filter(images::event_id.eq(event))
        .filter(image_derivatives::kind.eq_any([
            Derivative::Thumb.as_str(),
            Derivative::Middle.as_str(),
            Derivative::Proof.as_str(),
        ]))
        .select((
            images::id,
            images::file_name,
            image_derivatives::kind,
            image_derivatives::sha256,
            image_derivatives::width,
            image_derivatives::height,
        ))
        .load(conn)?)
}

/// The thumbnail of an event's cover: the studio's `cover`, else its first image by file name.
pub fn cover(conn: &mut DbConn, event: &EventRow) -> db::Result<Option<String>> {
    let mut thumbs: Vec<(String, ImageId, String)> = images::table
        .inner_join(image_derivatives::table)
        .filter(images::event_id.eq(&event.id))
        .filter(image_derivatives::kind.eq(Derivative::Thumb.as_str()))
        .select((images::file_name, images::id, image_derivatives::sha256))
        .load(conn)?;
    thumbs.sort_by(|a, b| a.0.cmp(&b.0));
    let chosen = thumbs.iter().position(|t| Some(&t.0) == event.cover_file.as_ref()).unwrap_or(0);
    Ok(thumbs.into_iter().nth(chosen).map(|(_, id, sha)| serve::url(&id, Derivative::Thumb, &sha)))
}

impl Gallery {
    /// The photo the event opens on: the studio's `cover`, else the first.
    pub fn cover(&self) -> Option<&ImageCard> {
        let chosen = self.event.cover_file.as_ref();
        self.images.iter().find(|i| Some(&i.name) == chosen).or_else(|| self.images.first())
    }
}

/// How many images an event has online.
pub fn image_count(conn: &mut DbConn, event_id: &EventId) -> db::Result<i64> {
    Ok(images::table.filter(images::event_id.eq(event_id)).count().get_result(conn)?)
}

/// The answer for a viewer who may not see the event: the code box for a private event; the
/// sign-in page (and back) for a visitor not signed in, who may be its client or a guest on
/// another device — for any event address, one that is there or not, so the answer tells
/// nothing; a plain 404 otherwise.
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
        (Access::Hidden, _) if session.person().is_none() && req.method() == Method::GET => {
            let back = match req.query_string() {
                "" => req.path().to_string(),
                query => format!("{}?{query}", req.path()),
            };
            Ok(site::see_other(&SignInFirst::back_to(&back).location()))
        }
        _ => Err(AppError::not_found(
            "event_not_found",
            "There is no such gallery, or it has been taken down.",
        )),
    }
}

/// The file names of images, by id (an image deleted since is absent).
pub fn file_names(conn: &mut DbConn, ids: &[ImageId]) -> db::Result<HashMap<ImageId, String>> {
    Ok(images::table
        .filter(images::id.eq_any(ids))
        .select((images::id, images::file_name))
        .load::<(ImageId, String)>(conn)?
        .into_iter()
        .collect())
}

/// When each of an event's images arrived.
pub fn arrival_times(conn: &mut DbConn, event: &EventId) -> db::Result<Vec<chrono::NaiveDateTime>> {
    Ok(images::table.filter(images::event_id.eq(event)).select(images::created_at).load(conn)?)
}

/// The file names of images by id, only of `event` when given (an image deleted since is
/// absent).
pub fn file_names_of(
    conn: &mut DbConn,
    event: Option<&EventId>,
    ids: &[&str],
) -> db::Result<HashMap<String, String>> {
    let mut query = images::table.filter(images::id.eq_any(ids)).into_boxed();
    if let Some(event) = event {
        query = query.filter(images::event_id.eq(event));
    }
    Ok(query
        .select((images::id, images::file_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Every image of an event with its file name and thumbnail address, by file name.
pub fn thumbs_of_event(
    conn: &mut DbConn,
    event: &EventId,
) -> db::Result<Vec<(ImageId, String, String)>> {
    let mut rows: Vec<(ImageId, String, String)> = images::table
        .inner_join(image_derivatives::table)
        .filter(images::event_id.eq(event))
        .filter(image_derivatives::kind.eq(Derivative::Thumb.as_str()))
        .select((images::id, images::file_name, image_derivatives::sha256))
        .load(conn)?;
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(rows
        .into_iter()
        .map(|(id, name, sha)| {
            let url = serve::url(&id, Derivative::Thumb, &sha);
            (id, name, url)
        })
        .collect())
}

/// The thumbnail addresses of an event's images, by image id.
pub fn thumb_urls(
    conn: &mut DbConn,
    event: &EventId,
    ids: &[&str],
) -> db::Result<HashMap<String, String>> {
    let rows: Vec<(ImageId, String)> = images::table
        .inner_join(image_derivatives::table)
        .filter(images::id.eq_any(ids))
        .filter(images::event_id.eq(event))
        .filter(image_derivatives::kind.eq(Derivative::Thumb.as_str()))
        .select((images::id, image_derivatives::sha256))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, sha)| {
            let url = serve::url(&id, Derivative::Thumb, &sha);
            (id.to_string(), url)
        })
        .collect())
}

/// The thumbnails an email may show of `event`: only those anyone may load — the event's access
/// check answers a viewer signed in nowhere, as a mail client is (a public event while it is
/// online); for any other event none, since its images are served only to a browser that may
/// see it. Of the images `ids` in their order, or, with none, the cover and the photos after it
/// by file name; at most `max`.
pub fn public_thumbs(
    conn: &mut DbConn,
    event: &EventId,
    ids: &[&str],
    max: usize,
) -> db::Result<Vec<String>> {
    let Some(row) = access::load_event(conn, event)? else { return Ok(Vec::new()) };
    let today = access::studio_today(conn)?;
    if access::decide(conn, &ViewerKey::default(), &row, today)? != Access::Allowed {
        return Ok(Vec::new());
    }
    if !ids.is_empty() {
        let urls = thumb_urls(conn, event, ids)?;
        let mut seen = HashSet::new();
        return Ok(ids
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| urls.get(*id).cloned())
            .take(max)
            .collect());
    }
    let mut thumbs: Vec<(String, ImageId, String)> = images::table
        .inner_join(image_derivatives::table)
        .filter(images::event_id.eq(event))
        .filter(image_derivatives::kind.eq(Derivative::Thumb.as_str()))
        .select((images::file_name, images::id, image_derivatives::sha256))
        .load(conn)?;
    thumbs.sort_by(|a, b| a.0.cmp(&b.0));
    let cover = thumbs.iter().position(|t| Some(&t.0) == row.cover_file.as_ref()).unwrap_or(0);
    thumbs.rotate_left(cover);
    Ok(thumbs
        .into_iter()
        .take(max)
        .map(|(_, id, sha)| serve::url(&id, Derivative::Thumb, &sha))
        .collect())
}
