//! `prepaid/<invoice-id>.toml`: a package sold at the session, for the client to fill online.
//! Its session must be in the library, and each SKU on that session's price list.

use proofroom_wire::prepaid::{PrepaidInvoice, PrepaidItem};
use serde::Deserialize;
use toml::Spanned;

use super::check::Problems;
use super::{PriceListFile, Session};
use crate::ItemError;
use crate::manifest::{Money, Quantity};

/// `prepaid/<invoice-id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepaidFile {
    pub id: String,
    /// e.g. `prepaid/INV-2041.toml`.
    pub item: String,
    pub invoice: PrepaidInvoice,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrepaid {
    session: Spanned<String>,
    paid: Money,
    #[serde(default)]
    items: Vec<RawPrepaidItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrepaidItem {
    sku: Spanned<String>,
    quantity: Option<Quantity>,
}

/// Parses one prepaid invoice; its session must be in the library and each SKU on that
/// session's price list.
pub fn parse_prepaid(
    item: &str,
    text: &str,
    sessions: &[Session],
    price_lists: &[PriceListFile],
) -> Result<PrepaidInvoice, Vec<ItemError>> {
    let mut p = Problems::new(item, text);
    let raw: RawPrepaid = p.parse()?;
    let session_id = p.required_text(&raw.session, "session");
    let session = sessions.iter().find(|s| s.id == session_id);
    let list = session
        .and_then(|s| s.upsert.price_list.as_deref())
        .and_then(|id| price_lists.iter().find(|l| l.id == id));
    match (session, list) {
        (None, _) if !session_id.is_empty() => p.add(
            raw.session.span(),
            "session",
            format!("there is no session \"{session_id}\" in sessions/"),
        ),
        (Some(_), None) => p.add(
            raw.session.span(),
            "session",
            format!("session \"{session_id}\" has no price list to take the items from"),
        ),
        _ => {}
    }
    if raw.items.is_empty() {
        p.add(0..0, "items", "a prepaid package needs at least one [[items]]");
    }
    let items = raw
        .items
        .iter()
        .map(|i| {
            let sku = p.required_text(&i.sku, "items.sku");
            if let Some(list) = list
                && !sku.is_empty()
                && !list.list.items.iter().any(|listed| listed.sku == sku)
            {
                p.add(
                    i.sku.span(),
                    "items.sku",
                    format!("\"{sku}\" is not on price list {}", list.id),
                );
            }
            PrepaidItem { sku, quantity: i.quantity.map_or(1, |q| q.0 as i32) }
        })
        .collect();
    p.result(PrepaidInvoice { session: session_id, paid_cents: raw.paid.0, items })
}
