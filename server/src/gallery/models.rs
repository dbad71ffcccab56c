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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Derivative {
    Master,
    Proof,
    Thumb,
}

impl Derivative {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Master => "master",
            Self::Proof => "proof",
            Self::Thumb => "thumb",
        }
    }

    /// Only these may be served to browsers.
    pub fn parse_served(s: &str) -> Option<Self> {
        match s {
            "proof" => Some(Self::Proof),
            "thumb" => Some(Self::Thumb),
            _ => None,
        }
    }
}
