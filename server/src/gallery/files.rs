//! The files behind an event's photos that downloads hand out: each image's original (as the
//! studio uploaded it, when kept) and its clean master (upright, at most 2048 px, no
//! watermark). Never served by [`super::serve`]; only the downloads feature reads them, after
//! its own check of what the person may have.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::Derivative;
use crate::db::schema::{image_derivatives, images};
use crate::db::{self, DbConn, EventId};

/// One photo's downloadable files.
#[derive(Debug, Clone)]
pub struct PhotoFiles {
    pub image_id: String,
    pub file_name: String,
    pub width: i32,
    pub height: i32,
    pub uploaded_at: NaiveDateTime,
    /// The original's store key, format (`jpg`, `png`, `webp`) and size; `None` when the
    /// studio's upload was not kept (uploaded before the session sold or gave away files).
    pub original: Option<StoredFile>,
    /// The clean master (JPEG).
    pub master: Option<StoredFile>,
}

#[derive(Debug, Clone)]
pub struct StoredFile {
    pub key: String,
    pub extension: String,
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
}

/// Every photo of the event with its files, by file name.
pub fn of_event(conn: &mut DbConn, event_id: &EventId) -> db::Result<Vec<PhotoFiles>> {
    type Row = (String, String, i32, i32, NaiveDateTime, Option<String>, String, i64);
    let rows: Vec<Row> = images::table
        .filter(images::event_id.eq(event_id))
        .order(images::file_name)
        .select((
            images::id,
            images::file_name,
            images::width,
            images::height,
            images::created_at,
            images::original_key,
            images::source_format,
            images::source_bytes,
        ))
        .load(conn)?;
    let masters: Vec<(String, String, i64, i32, i32)> = image_derivatives::table
        .inner_join(images::table)
        .filter(images::event_id.eq(event_id))
        .filter(image_derivatives::kind.eq(Derivative::Master.as_str()))
        .select((
            image_derivatives::image_id,
            image_derivatives::store_key,
            image_derivatives::bytes,
            image_derivatives::width,
            image_derivatives::height,
        ))
        .load(conn)?;
    let mut masters: std::collections::HashMap<String, StoredFile> = masters
        .into_iter()
        .map(|(id, key, bytes, width, height)| {
            (id, StoredFile { key, extension: "jpg".into(), bytes, width, height })
        })
        .collect();
    Ok(rows
        .into_iter()
        .map(|(id, file_name, width, height, uploaded_at, original, format, bytes)| PhotoFiles {
            master: masters.remove(&id),
            original: original.map(|key| StoredFile {
                key,
                extension: format,
                bytes,
                width,
                height,
            }),
            image_id: id,
            file_name,
            width,
            height,
            uploaded_at,
        })
        .collect())
}
