//! `price-lists/<id>.toml`: one price list, its products in the order written.

use std::collections::BTreeSet;

use proofroom_wire::{PriceList, PriceListItem};
use serde::Deserialize;
use toml::Spanned;

use super::check::{Problems, yes};
use crate::ItemError;
use crate::manifest::{Count, Money};

/// `price-lists/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceListFile {
    /// The file stem.
    pub id: String,
    /// e.g. `price-lists/portrait-2026.toml`.
    pub item: String,
    pub list: PriceList,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriceList {
    name: Spanned<String>,
    #[serde(default)]
    items: Vec<RawPriceListItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriceListItem {
    sku: Spanned<String>,
    name: Spanned<String>,
    category: Spanned<String>,
    price: Money,
    images: Option<Count>,
    #[serde(default = "yes")]
    taxable: bool,
}

/// Parses one price list; `item` is its name in messages (`price-lists/<id>.toml`).
pub fn parse_price_list(item: &str, text: &str) -> Result<PriceList, Vec<ItemError>> {
    let mut p = Problems::new(item, text);
    let raw: RawPriceList = p.parse()?;
    let name = p.required_text(&raw.name, "name");
    let mut skus = BTreeSet::new();
    let items = raw
        .items
        .iter()
        .map(|i| {
            let sku = p.required_text(&i.sku, "items.sku");
            p.once(&mut skus, sku.clone(), &sku, i.sku.span(), "items.sku");
            PriceListItem {
                sku,
                name: p.required_text(&i.name, "items.name"),
                category: p.required_text(&i.category, "items.category"),
                price_cents: i.price.0,
                images: i.images.map_or(1, |c| c.0 as i32),
                taxable: i.taxable,
            }
        })
        .collect();
    p.result(PriceList { name, items })
}
