//! `price-lists/<id>.toml`: one price list, its products in the order written.

use std::collections::BTreeSet;

use proofroom_wire::downloads::ItemKind;
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
    /// `print` (the default), `digital` (one photo's file) or `digital-all` (every photo's).
    kind: Option<Spanned<ItemKind>>,
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
            let kind = i.kind.as_ref().map_or(ItemKind::Print, |k| *k.get_ref());
            // Without `images`, the named prints say how many photos the item takes; a digital
            // item's kind says it.
            let images = match (&i.images, kind.fixed_images(), prints.len()) {
                (Some(count), Some(fixed), _) if count.0 as i32 != fixed => {
                    let span = i.kind.as_ref().map_or(0..0, Spanned::span);
                    let what = match kind {
                        ItemKind::DigitalAll => "every photo of the event: leave out `images`",
                        _ => "one photo's file: `images = 1`, or leave it out",
                    };
                    p.add(span, "items.images", format!("a {} item is {what}", kind.as_str()));
                    fixed
                }
                (_, Some(fixed), _) => fixed,
                (Some(count), None, _) => count.0 as i32,
                (None, None, 0) => 1,
                (None, None, named) => named as i32,
            };
            if let (Some(spanned), true) = (&i.prints, kind.is_digital()) {
                p.add(
                    spanned.span(),
                    "items.prints",
                    "a digital item is a file: it names no prints",
                );
            }
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
                kind,
            }
        })
        .collect();
    p.result(PriceList { name, items })
}
