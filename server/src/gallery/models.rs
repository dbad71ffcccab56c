//! Uploaded images and the files made from them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{image_derivatives, images};
use crate::db::{EventId, ImageId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = images)]
pub struct ImageRow {
    pub id: ImageId,
    pub event_id: EventId,
    pub file_name: String,
    pub source_sha256: String,
    pub source_bytes: i64,
    pub source_format: String,
    pub width: i32,
    pub height: i32,
    pub original_key: Option<String>,
    pub watermark_version: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = image_derivatives)]
pub struct DerivativeRow {
    pub image_id: ImageId,
    pub kind: String,
    pub store_key: String,
    pub sha256: String,
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
}

/// The files made from each image. `Master` is clean and never served; it is what proofs are
/// re-rendered from when the watermark changes.
/// An image as ingest made it, before it is recorded: its id and times are the recording's to
/// give (a replaced image keeps its id and creation time, so links to it keep working).
#[derive(Debug, Clone)]
pub struct NewImage {
    pub event_id: EventId,
    pub file_name: String,
    pub source_sha256: String,
    pub source_bytes: i64,
    pub source_format: String,
    pub width: i32,
    pub height: i32,
    pub original_key: Option<String>,
    pub watermark_version: String,
}

impl NewImage {
    /// The row to insert, under `id`.
    pub fn into_row(self, id: ImageId, created_at: NaiveDateTime, now: NaiveDateTime) -> ImageRow {
        ImageRow {
            id,
            event_id: self.event_id,
            file_name: self.file_name,
            source_sha256: self.source_sha256,
            source_bytes: self.source_bytes,
            source_format: self.source_format,
            width: self.width,
            height: self.height,
            original_key: self.original_key,
            watermark_version: self.watermark_version,
            created_at,
            updated_at: now,
        }
    }
}

/// A derivative written to the store, before it is recorded for its image.
#[derive(Debug, Clone)]
pub struct NewDerivative {
    pub kind: Derivative,
    pub store_key: String,
    pub sha256: String,
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
}

impl NewDerivative {
    /// The row to insert for `image_id`.
    pub fn row(&self, image_id: &ImageId) -> DerivativeRow {
        DerivativeRow {
            image_id: image_id.clone(),
            kind: self.kind.as_str().to_string(),
            store_key: self.store_key.clone(),
            sha256: self.sha256.clone(),
            bytes: self.bytes,
            width: self.width,
            height: self.height,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Derivative {
    Master,
    Proof,
    /// About 1024 px: the grid on a phone at pixel ratio 3, without the proof's 2048.
    Middle,
    Thumb,
}

impl Derivative {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Master => "master",
            Self::Proof => "proof",
            Self::Middle => "middle",
            Self::Thumb => "thumb",
        }
    }

    /// Only these may be served to browsers.
    pub fn parse_served(s: &str) -> Option<Self> {
        match s {
            "proof" => Some(Self::Proof),
            "middle" => Some(Self::Middle),
            "thumb" => Some(Self::Thumb),
            _ => None,
        }
    }
}
