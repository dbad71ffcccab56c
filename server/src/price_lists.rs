//! The studio's price lists, as the connector sends them: what each item is and costs. Owns
//! `price_lists` and `price_list_items`; checkout and prepaid packages read them through
//! [`load`], the studio API writes them through [`save`].

use std::collections::HashSet;

use diesel::prelude::*;
use proofroom_wire::downloads::ItemKind;
use proofroom_wire::{PriceList, PriceListItem};

use crate::db::schema::{price_list_items, price_lists};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::web::check_studio_id;

/// Refuses a price list no studio could mean: an empty name, a repeated SKU, an impossible
/// price or image count.
pub fn validate(id: &str, list: &PriceList) -> Result<(), AppError> {
    check_studio_id("price list", id)?;
    let invalid = |message: String| AppError::unprocessable("invalid_price_list", message);
    if list.name.trim().is_empty() {
        return Err(invalid(format!("Price list {id} needs a name.")));
    }
    let mut skus = HashSet::new();
    for item in &list.items {
        if item.sku.trim().is_empty() || !skus.insert(item.sku.as_str()) {
            return Err(invalid(format!(
                "Price list {id}: SKU \"{}\" is empty or repeated.",
                item.sku
            )));
        }
        if item.price_cents < 0 || item.price_cents > 100_000_000 {
            return Err(invalid(format!("Price list {id}: {} has an impossible price.", item.sku)));
        }
        if !(0..=100).contains(&item.images) {
            return Err(invalid(format!(
                "Price list {id}: {} must take from 0 to 100 images.",
                item.sku
            )));
        }
        if let Some(fixed) = item.kind.fixed_images()
            && (item.images != fixed || !item.prints.is_empty())
        {
            return Err(invalid(format!(
                "Price list {id}: {} is a {} item, which takes {fixed} images and names no prints.",
                item.sku,
                item.kind.as_str()
            )));
        }
        let named = item.prints.len();
        if named > 0
            && (named != item.images as usize
                || item.prints.iter().any(|p| p.trim().is_empty() || p.contains('\n')))
        {
            return Err(invalid(format!(
                "Price list {id}: {} names {named} prints for {} images; name one print per \
                 image, each on one line.",
                item.sku, item.images
            )));
        }
    }
    Ok(())
}

/// The price list `id` as stored, items in the studio's order.
pub fn load(conn: &mut DbConn, id: &str) -> db::Result<Option<PriceList>> {
    let name: Option<String> =
        price_lists::table.find(id).select(price_lists::name).first(conn).optional()?;
    let Some(name) = name else { return Ok(None) };
    Ok(Some(PriceList { name, items: items(conn, id)? }))
}

/// The items of the price list `id` in the studio's order (none for a list never sent).
pub fn items(conn: &mut DbConn, id: &str) -> db::Result<Vec<PriceListItem>> {
    type ItemRow = (String, String, String, i64, i32, bool, String, String);
    let rows: Vec<ItemRow> = price_list_items::table
        .filter(price_list_items::price_list_id.eq(id))
        .order(price_list_items::position)
        .select((
            price_list_items::sku,
            price_list_items::name,
            price_list_items::category,
            price_list_items::price_cents,
            price_list_items::images_per_item,
            price_list_items::taxable,
            price_list_items::print_names,
            price_list_items::kind,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(sku, name, category, price_cents, images, taxable, prints, kind)| PriceListItem {
            sku,
            name,
            category,
            price_cents,
            images,
            taxable,
            prints: prints.lines().map(str::to_string).collect(),
            kind: ItemKind::parse(&kind).unwrap_or_default(),
        })
        .collect())
}

/// Whether the price list `id` sells files (so its sessions keep their originals).
pub fn sells_files(conn: &mut DbConn, id: &str) -> db::Result<bool> {
    let digital: i64 = price_list_items::table
        .filter(price_list_items::price_list_id.eq(id))
        .filter(price_list_items::kind.ne(ItemKind::Print.as_str()))
        .count()
        .get_result(conn)?;
    Ok(digital > 0)
}

/// Whether the price list `id` was sent.
pub fn exists(conn: &mut DbConn, id: &str) -> db::Result<bool> {
    let known: i64 = price_lists::table.find(id).count().get_result(conn)?;
    Ok(known > 0)
}

/// Stores the price list, replacing its items, inside the caller's transaction.
pub fn save(conn: &mut DbConn, id: &str, list: &PriceList) -> db::Result<()> {
    let now = db::now();
    let updated = diesel::update(price_lists::table.find(&id))
        .set((price_lists::name.eq(&list.name), price_lists::updated_at.eq(now)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(price_lists::table)
            .values((
                price_lists::id.eq(&id),
                price_lists::name.eq(&list.name),
                price_lists::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    diesel::delete(price_list_items::table.filter(price_list_items::price_list_id.eq(&id)))
        .execute(conn)?;
    for (i, item) in list.items.iter().enumerate() {
        diesel::insert_into(price_list_items::table)
            .values((
                price_list_items::price_list_id.eq(&id),
                price_list_items::sku.eq(&item.sku),
                price_list_items::position.eq(i as i32),
                price_list_items::name.eq(&item.name),
                price_list_items::category.eq(&item.category),
                price_list_items::price_cents.eq(item.price_cents),
                price_list_items::images_per_item.eq(item.images),
                price_list_items::taxable.eq(item.taxable),
                price_list_items::print_names.eq(item.prints.join("\n")),
                price_list_items::kind.eq(item.kind.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
