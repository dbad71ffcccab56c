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
    /// What each picked photo becomes ("8×10", "5×7", "5×7"): one name per image.
    #[serde(default)]
    prints: Option<Spanned<Vec<String>>>,
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
            let prints: Vec<String> = i.prints.as_ref().map_or_else(Vec::new, |p| {
                p.get_ref().iter().map(|name| name.trim().to_string()).collect()
            });
            // Without `images`, the named prints say how many photos the item takes.
            let images = match (&i.images, prints.len()) {
                (Some(count), _) => count.0 as i32,
                (None, 0) => 1,
                (None, named) => named as i32,
            };
            if let Some(spanned) = &i.prints {
                if prints.iter().any(String::is_empty) {
                    p.add(spanned.span(), "items.prints", "a print's name is empty");
                } else if prints.len() != images as usize {
                    p.add(
                        spanned.span(),
                        "items.prints",
                        format!(
                            "names {} prints, but the item takes {images} images",
                            prints.len()
                        ),
                    );
                }
            }
            PriceListItem {
                sku,
                name: p.required_text(&i.name, "items.name"),
                category: p.required_text(&i.category, "items.category"),
                price_cents: i.price.0,
                images,
                taxable: i.taxable,
                prints,
            }
        })
        .collect();
    p.result(PriceList { name, items })
}
