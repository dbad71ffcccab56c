//! Prepaid packages: the studio sells a package at the session (an invoice it keeps), pushes
//! it, and the client picks an image for each print of it online. A submitted selection is
//! final and comes back through the feed (`kind = "prepaid"`).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `PUT /api/v1/prepaid/{invoice id}`: `prepaid/<invoice-id>.toml` of the library.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrepaidInvoice {
    /// The session it was sold for (the studio's session id).
    pub session: String,
    /// What the client paid, for the client to see.
    pub paid_cents: i64,
    pub items: Vec<PrepaidItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrepaidItem {
    /// An item of the session's price list.
    pub sku: String,
    pub quantity: i32,
}

/// Where a prepaid invoice is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrepaidState {
    /// Online, waiting for the client's picks.
    Uploaded,
    /// The client submitted their picks: final.
    Selected,
}

/// One invoice the server holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrepaidSummary {
    pub id: String,
    pub state: PrepaidState,
    pub invoice: PrepaidInvoice,
}

/// `GET /api/v1/prepaid`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrepaidList {
    pub invoices: Vec<PrepaidSummary>,
}

/// The client's picks, for the studio's `inbox/prepaid/<invoice-id>.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrepaidSelection {
    pub invoice_id: String,
    pub session_id: String,
    pub client_id: String,
    pub client_name: String,
    pub paid_cents: i64,
    pub submitted_at: NaiveDateTime,
    pub items: Vec<PrepaidPicks>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrepaidPicks {
    pub sku: String,
    pub name: String,
    pub quantity: i32,
    /// For each of the `quantity` prints, the image file picked for each of its images.
    pub picks: Vec<Vec<String>>,
}
