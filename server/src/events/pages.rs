//! The home page, the event page and branding images.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use proofroom_wire::{BrandingSlot, EventType};
use serde::Serialize;

use super::access::{Visibility, event_visibility};
use super::models::EventRow;
use crate::db::schema::{branding_files, events, image_derivatives, images};
use crate::db::{self, DbConn, EventId, ImageId};
use crate::error::AppError;
use crate::gallery::models::Derivative;
use crate::gallery::serve;
use crate::studio::{self, BrandingRow, StudioRow};
use crate::web::{State, etag_matches};

#[derive(Serialize)]
struct StudioView {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    logo_url: Option<String>,
    marketing_url: Option<String>,
}

#[derive(Serialize)]
struct EventCard {
    url: String,
    description: String,
    date: String,
    cover_url: Option<String>,
    image_count: i64,
}

#[derive(Serialize)]
struct ImageCard {
    name: String,
    thumb_url: String,
    proof_url: String,
    thumb_width: i32,
    thumb_height: i32,
}

fn branding_url(row: &BrandingRow) -> String {
    let ext = if row.content_type == "image/png" { "png" } else { "jpg" };
    format!(
        "/branding/{}/{}.{ext}",
        row.slot,
        &row.source_sha256[..16.min(row.source_sha256.len())]
    )
}

fn studio_view(conn: &mut DbConn) -> Result<(Option<StudioRow>, StudioView), AppError> {
    let row = studio::load(conn)?;
    let branding = studio::branding(conn)?;
    let url_of =
        |slot: BrandingSlot| branding.iter().find(|b| b.slot == slot.as_str()).map(branding_url);
    let view = StudioView {
        name: row.as_ref().map_or_else(|| "Proofroom".to_string(), |s| s.name.clone()),
        email: row.as_ref().and_then(|s| s.email.clone()),
        phone: row.as_ref().and_then(|s| s.phone.clone()),
        logo_url: url_of(BrandingSlot::Logo),
        marketing_url: url_of(BrandingSlot::MarketingImage),
    };
    Ok((row, view))
}

pub fn display_date(date: NaiveDate) -> String {
    date.format("%B %-d, %Y").to_string()
}

/// The first image of an event by file name, as its cover.
fn cover(conn: &mut DbConn, event_id: &EventId) -> Result<Option<String>, AppError> {
    let first: Option<(ImageId, String)> = images::table
        .inner_join(image_derivatives::table)
        .filter(images::event_id.eq(event_id))
        .filter(image_derivatives::kind.eq(Derivative::Thumb.as_str()))
        .order(images::file_name)
        .select((images::id, image_derivatives::sha256))
        .first(conn)
        .optional()?;
    Ok(first.map(|(id, sha)| serve::url(&id, Derivative::Thumb, &sha)))
}

pub async fn home(state: State) -> Result<HttpResponse, AppError> {
    let (studio, events) = db::run(&state.pool, |conn| {
        let (row, view) = studio_view(conn)?;
        let today = row.as_ref().map_or_else(|| chrono::Utc::now().date_naive(), StudioRow::today);
        let public: Vec<EventRow> = events::table
            .filter(events::event_type.eq(EventType::Public.as_str()))
            .filter(events::expires_on.ge(today))
            .order((events::session_date.desc(), events::description))
            .select(EventRow::as_select())
            .load(conn)?;
        let mut cards = Vec::with_capacity(public.len());
        for event in public {
            let image_count: i64 =
                images::table.filter(images::event_id.eq(&event.id)).count().get_result(conn)?;
            cards.push(EventCard {
                url: format!("/events/{}", event.id),
                cover_url: cover(conn, &event.id)?,
                description: event.description,
                date: display_date(event.session_date),
                image_count,
            });
        }
        Ok((view, cards))
    })
    .await?;
    let mut context = tera::Context::new();
    context.insert("studio", &studio);
    context.insert("studio_name", &studio.name);
    context.insert("events", &events);
    state.render("home.html", &context)
}

pub async fn event_page(state: State, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let event_id = EventId::parse(&path)
        .ok_or_else(|| AppError::not_found("event_not_found", "There is no such gallery."))?;
    let visibility = event_visibility(&state, &event_id).await?;
    let (event, expired) = match visibility {
        Visibility::Visible(e) => (e, false),
        Visibility::Expired(e) => (e, true),
    };
    let id = event.id.clone();
    let (studio, cards) = db::run(&state.pool, move |conn| {
        let (_, view) = studio_view(conn)?;
        if expired {
            return Ok((view, Vec::new()));
        }
        let rows: Vec<(ImageId, String, String, String, i32, i32)> = images::table
            .inner_join(image_derivatives::table)
            .filter(images::event_id.eq(&id))
            .filter(
                image_derivatives::kind
                    .eq_any([Derivative::Thumb.as_str(), Derivative::Proof.as_str()]),
            )
            .order((images::file_name, image_derivatives::kind))
            .select((
                images::id,
                images::file_name,
                image_derivatives::kind,
                image_derivatives::sha256,
                image_derivatives::width,
                image_derivatives::height,
            ))
            .load(conn)?;
        // Rows come as (proof, thumb) pairs per image, ordered by name then kind.
        let mut cards: Vec<ImageCard> = Vec::new();
        let mut proof: Option<(ImageId, String)> = None;
        for (image_id, name, kind, sha, width, height) in rows {
            if kind == Derivative::Proof.as_str() {
                proof = Some((image_id.clone(), serve::url(&image_id, Derivative::Proof, &sha)));
            } else if let Some((_, proof_url)) = proof.take().filter(|(pid, _)| *pid == image_id) {
                cards.push(ImageCard {
                    name,
                    thumb_url: serve::url(&image_id, Derivative::Thumb, &sha),
                    proof_url,
                    thumb_width: width,
                    thumb_height: height,
                });
            }
        }
        // By name in byte order on both backends (PostgreSQL's collation may differ).
        cards.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((view, cards))
    })
    .await?;
    let mut context = tera::Context::new();
    context.insert("studio", &studio);
    context.insert("studio_name", &studio.name);
    context.insert("description", &event.description);
    context.insert("event_description", &event.event_description);
    context.insert("date", &display_date(event.session_date));
    context.insert("expires", &display_date(event.expires_on));
    context.insert("expired", &expired);
    context.insert("images", &cards);
    let mut response = state.render("event.html", &context)?;
    if expired {
        *response.status_mut() = actix_web::http::StatusCode::GONE;
    }
    Ok(response)
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
    if etag_matches(&req, &etag) {
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
