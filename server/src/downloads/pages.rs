//! `/events/{id}/downloads`: the person's files of one event, each with its link, and "Download
//! all" as one ZIP; the file and ZIP answers behind those links.
//!
//! Every answer checks, in order: signed in and allowed in the event ([`Acting`]), the photo is
//! the person's to download ([`Allowance`]: 403 when not, e.g. an order not yet paid), then the
//! link (410 once expired, 403 when altered or someone else's). Files are streamed from the
//! store through [`clean::copy_clean`] (no EXIF, GPS or XMP), never held whole in memory; a ZIP
//! stores them as they are (photos do not compress) and is written as it is sent.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use proofroom_wire::downloads::{DownloadSize, FreeDownloads, ItemKind};
use serde::{Deserialize, Serialize};

use super::allowance::{Allowance, Offer};
use super::link::{Links, Refusal, Target};
use super::log::{self, Served};
use super::stream;
use crate::auth::Auth;
use crate::auth::browser_session::Person;
use crate::checkout::catalog::Catalog;
use crate::db;
use crate::error::AppError;
use crate::events::models::EventRow;
use crate::gallery::acting::Acting;
use crate::gallery::files::{self, PhotoFiles, StoredFile};
use crate::gallery::view::thumb_urls;
use crate::images::ImageFormat;
use crate::images::clean;
use crate::site::base_context;
use crate::storage::Store;
use crate::web::State;

/// One photo on the downloads page.
#[derive(Serialize)]
struct FileView {
    name: String,
    thumb_url: Option<String>,
    /// The signed link; `None` while the studio's original is not up yet.
    url: Option<String>,
    /// "Original · 6000 × 4000 · 12.3 MB", "2048 px · 1.1 MB".
    detail: String,
    bought: bool,
}

/// A file the price list sells, to point the client to it.
#[derive(Serialize)]
struct ForSale {
    sku: String,
    name: String,
    price: String,
    /// `digital-all`: bought here, from the page; `digital`: beside each photo.
    whole_event: bool,
}

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// What the person may download from the event, and the event's photos by file name.
async fn offered(state: &State, acting: &Acting) -> Result<(Allowance, Vec<PhotoFiles>), AppError> {
    let event = acting.event.clone();
    let person_id = acting.person.person_id().to_string();
    Ok(db::run(&state.pool, move |conn| -> db::Result<_> {
        Ok((Allowance::load(conn, &event, &person_id)?, files::of_event(conn, &event.id)?))
    })
    .await?)
}

/// The downloads page.
pub async fn downloads_page(
    req: HttpRequest,
    state: State,
    auth: Auth,
    acting: Acting,
) -> Result<HttpResponse, AppError> {
    let (allowance, photos) = offered(&state, &acting).await?;
    let event_id = acting.event.id.to_string();
    let person_id = acting.person.person_id().to_string();
    let until = now_unix() + state.config.download_link_seconds as i64;
    let links = Links::new(&auth.site_key, &person_id, &event_id);
    let locale = acting.studio.locale;
    let ids: Vec<String> = photos.iter().map(|p| p.image_id.clone()).collect();
    let event = acting.event.clone();
    let (thumbs, catalog) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        Ok((thumb_urls(conn, &event.id, &ids)?, Catalog::load(conn, &event)?))
    })
    .await?;
    let mut views = Vec::new();
    let (mut ready, mut total_bytes) = (0usize, 0i64);
    for photo in &photos {
        let (url, detail, bought) = match allowance.offer(photo) {
            Offer::No => continue,
            Offer::Preparing => {
                (None, "The studio is still uploading this photo's original.".into(), true)
            }
            Offer::File { file, size, bought } => {
                ready += 1;
                total_bytes += file.bytes;
                let url = links.url(Target::Photo(&photo.image_id), until);
                let what = match size {
                    DownloadSize::Original => "Original",
                    DownloadSize::Web => "For screens",
                };
                let detail = format!(
                    "{what} · {} × {} px · {}",
                    file.width,
                    file.height,
                    locale.file_size(file.bytes)
                );
                (Some(url), detail, bought)
            }
        };
        views.push(FileView {
            name: photo.file_name.clone(),
            thumb_url: thumbs.get(&photo.image_id).cloned(),
            url,
            detail,
            bought,
        });
    }
    let takes_cards = state.config.takes_cards();
    let for_sale: Vec<ForSale> = catalog
        .as_ref()
        .filter(|c| c.takes_orders(takes_cards))
        .map(|c| {
            c.items
                .iter()
                .filter(|i| i.kind.is_digital())
                .filter(|i| !(i.kind == ItemKind::DigitalAll && allowance.bought_all()))
                .map(|i| ForSale {
                    sku: i.sku.clone(),
                    name: i.name.clone(),
                    price: c.money(i.price_cents),
                    whole_event: i.kind == ItemKind::DigitalAll,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut context = base_context(&req, &state, &acting.session, &acting.studio).await?;
    context.insert("event_url", &format!("/events/{event_id}"));
    context.insert("description", &acting.event.description);
    context.insert("files", &views);
    context.insert("ready", &ready);
    context.insert("total_size", &locale.file_size(total_bytes));
    context.insert("zip_url", &(ready > 1).then(|| links.url(Target::All, until)));
    context.insert("favorites_free", &(allowance.free_downloads() == FreeDownloads::Favorites));
    context.insert("for_sale", &for_sale);
    state.render("downloads.html", &context)
}

/// The link to each photo's file the person may download now, by image id: for the gallery's
/// lightbox and the photo's page (both rendered for this person only).
pub async fn photo_links(
    state: &State,
    auth: &Auth,
    event: &EventRow,
    person: &Person,
) -> Result<HashMap<String, String>, AppError> {
    let (event_row, person_id) = (event.clone(), person.person_id().to_string());
    let offered = db::run(&state.pool, move |conn| -> db::Result<Vec<String>> {
        let allowance = Allowance::load(conn, &event_row, &person_id)?;
        Ok(files::of_event(conn, &event_row.id)?
            .into_iter()
            .filter(|p| matches!(allowance.offer(p), Offer::File { .. }))
            .map(|p| p.image_id)
            .collect())
    })
    .await?;
    let until = now_unix() + state.config.download_link_seconds as i64;
    let links = Links::new(&auth.site_key, person.person_id(), event.id.as_str());
    Ok(offered
        .into_iter()
        .map(|id| {
            let url = links.url(Target::Photo(&id), until);
            (id, url)
        })
        .collect())
}

/// `until` and `sig` of a download link.
#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    until: String,
    #[serde(default)]
    sig: String,
}

impl LinkQuery {
    /// Whether this link is the acting person's for `target`, and still works.
    fn check(&self, auth: &Auth, acting: &Acting, target: Target<'_>) -> Result<(), AppError> {
        Links::new(&auth.site_key, acting.person.person_id(), acting.event.id.as_str())
            .check(target, &self.until, &self.sig, now_unix())
            .map_err(refused)
    }
}

fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::Expired => AppError::new(
            StatusCode::GONE,
            "link_expired",
            "This download link has expired. Open Downloads in the gallery again for a new one.",
        ),
        Refusal::Forged => AppError::new(
            StatusCode::FORBIDDEN,
            "link_invalid",
            "This download link is not valid for you. Open Downloads in the gallery for yours.",
        ),
    }
}

fn not_yours() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "download_not_allowed",
        "This photo's file is not yours to download: buy it beside the photo, or, if you \
         have, it can be downloaded once the order is paid.",
    )
}

fn preparing() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "file_not_ready",
        "The studio is still uploading this photo's original; try again in a little while.",
    )
}

/// The name a file gets on the client's device: the studio's file name, with `.jpg` for a
/// 2048 px copy (always a JPEG); repeated names get " (2)", " (3)" … before the extension.
fn file_name(photo: &PhotoFiles, size: DownloadSize, taken: &mut HashSet<String>) -> String {
    let name = photo.file_name.as_str();
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (name, ""),
    };
    let ext = match size {
        DownloadSize::Web
            if !ext.eq_ignore_ascii_case("jpg") && !ext.eq_ignore_ascii_case("jpeg") =>
        {
            "jpg"
        }
        _ => ext,
    };
    let dotted = if ext.is_empty() { String::new() } else { format!(".{ext}") };
    let mut candidate = format!("{stem}{dotted}");
    let mut n = 1;
    while !taken.insert(candidate.to_lowercase()) {
        n += 1;
        candidate = format!("{stem} ({n}){dotted}");
    }
    candidate
}

fn format_of(file: &StoredFile) -> ImageFormat {
    match file.extension.as_str() {
        "png" => ImageFormat::Png,
        "webp" => ImageFormat::WebP,
        _ => ImageFormat::Jpeg,
    }
}

/// Writes one stored file, cleaned, to `out`.
fn write_clean(store: &dyn Store, file: &StoredFile, out: &mut impl io::Write) -> io::Result<u64> {
    let source = store.open(&file.key)?.ok_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, format!("{} is missing from the store", file.key))
    })?;
    clean::copy_clean(format_of(file), source, out)
}

fn attachment(name: &str) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name.to_string())],
    }
}

/// One photo's file: `/events/{id}/downloads/{image}?until=…&sig=…`.
pub async fn download_photo(
    state: State,
    auth: Auth,
    acting: Acting,
    path: web::Path<(String, String)>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, AppError> {
    let image_id = path.into_inner().1;
    let (allowance, photos) = offered(&state, &acting).await?;
    let photo = photos.into_iter().find(|p| p.image_id == image_id).ok_or_else(|| {
        AppError::not_found("image_not_found", "This photo is not in the gallery.")
    })?;
    let (file, size, bought) = match allowance.offer(&photo) {
        Offer::File { file, size, bought } => (file.clone(), size, bought),
        Offer::Preparing => return Err(preparing()),
        Offer::No => return Err(not_yours()),
    };
    query.check(&auth, &acting, Target::Photo(&photo.image_id))?;
    let person = acting.person.clone();
    let event_id = acting.event.id.clone();
    let name = file_name(&photo, size, &mut HashSet::new());
    let logged = photo.clone();
    db::run(&state.pool, move |conn| {
        let served =
            Served { image_id: &logged.image_id, file_name: &logged.file_name, bought, size };
        log::record(conn, &event_id, &person, &[served], false)
    })
    .await?;
    let store = state.store.clone();
    let mime = format_of(&file).mime();
    let body = stream::body(file.key.clone(), move |out| {
        write_clean(store.as_ref(), &file, out).map(|_| ())
    });
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header(attachment(&name))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}

/// One file of a ZIP: its name there, the stored file, and what the log keeps of it.
struct ZipEntry {
    name: String,
    file: StoredFile,
    image_id: String,
    /// The photo's name in the studio's library.
    studio_name: String,
    uploaded_at: chrono::NaiveDateTime,
    size: DownloadSize,
    bought: bool,
}

/// Every file the person may download, as one ZIP: `/events/{id}/downloads/all.zip?…`.
pub async fn download_all(
    state: State,
    auth: Auth,
    acting: Acting,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, AppError> {
    let (allowance, photos) = offered(&state, &acting).await?;
    query.check(&auth, &acting, Target::All)?;
    let person = acting.person.clone();
    let event_id = acting.event.id.clone();
    let mut taken = HashSet::new();
    let mut entries: Vec<ZipEntry> = Vec::new();
    for photo in &photos {
        if let Offer::File { file, size, bought } = allowance.offer(photo) {
            entries.push(ZipEntry {
                name: file_name(photo, size, &mut taken),
                file: file.clone(),
                image_id: photo.image_id.clone(),
                studio_name: photo.file_name.clone(),
                uploaded_at: photo.uploaded_at,
                size,
                bought,
            });
        }
    }
    if entries.is_empty() {
        return Err(not_yours());
    }
    // Logged first (each photo once), then written; both read the one list.
    let entries = Arc::new(entries);
    let listed = entries.clone();
    db::run(&state.pool, move |conn| {
        let served: Vec<Served<'_>> = listed
            .iter()
            .map(|e| Served {
                image_id: &e.image_id,
                file_name: &e.studio_name,
                bought: e.bought,
                size: e.size,
            })
            .collect();
        log::record(conn, &event_id, &person, &served, true)
    })
    .await?;
    let zip_name = format!("{}.zip", safe_zip_name(&acting.event.description));
    let store = state.store.clone();
    let body = stream::body(zip_name.clone(), move |out| {
        let mut zip = zip::ZipWriter::new_stream(out);
        for entry in entries.iter() {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .last_modified_time(zip_time(entry.uploaded_at))
                .large_file(entry.file.bytes >= u32::MAX as i64 / 2);
            zip.start_file(entry.name.as_str(), options).map_err(io::Error::other)?;
            write_clean(store.as_ref(), &entry.file, &mut zip)?;
        }
        zip.finish().map_err(io::Error::other)?;
        Ok(())
    });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(attachment(&zip_name))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}

/// The event's title as a file name: letters, digits, spaces and `-_.,()` only.
fn safe_zip_name(description: &str) -> String {
    let name: String = description
        .chars()
        .map(|c| if c.is_alphanumeric() || " -_.,()".contains(c) { c } else { '-' })
        .collect();
    let name = name.trim().trim_matches('.').trim();
    if name.is_empty() { "Photos".into() } else { name.chars().take(100).collect() }
}

fn zip_time(at: chrono::NaiveDateTime) -> zip::DateTime {
    use chrono::{Datelike, Timelike};
    zip::DateTime::from_date_and_time(
        at.year().clamp(1980, 2107) as u16,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(name: &str) -> PhotoFiles {
        PhotoFiles {
            image_id: "x".into(),
            file_name: name.into(),
            width: 1,
            height: 1,
            uploaded_at: chrono::NaiveDateTime::default(),
            original: None,
            master: None,
        }
    }

    #[test]
    fn files_keep_the_studios_names_once_each() {
        let mut taken = HashSet::new();
        let mut name = |n: &str, size| file_name(&photo(n), size, &mut taken);
        assert_eq!(name("IMG_0001.jpg", DownloadSize::Original), "IMG_0001.jpg");
        assert_eq!(name("Family #2.png", DownloadSize::Original), "Family #2.png");
        assert_eq!(name("Family #2.PNG", DownloadSize::Web), "Family #2.jpg");
        assert_eq!(name("family #2.jpg", DownloadSize::Web), "family #2 (2).jpg");
        assert_eq!(name("README", DownloadSize::Original), "README");
    }

    #[test]
    fn a_zip_is_named_after_the_event() {
        assert_eq!(safe_zip_name("Smith Family Portraits"), "Smith Family Portraits");
        assert_eq!(safe_zip_name("Ann & Bob / 2026"), "Ann - Bob - 2026");
        assert_eq!(safe_zip_name("../.."), "-");
        assert_eq!(safe_zip_name("***"), "---");
        assert_eq!(safe_zip_name(""), "Photos");
    }
}
