//! `GET/PUT /api/v1/price-lists/{id}`.

use std::collections::HashSet;

use actix_web::{get, put, web};
use diesel::prelude::*;
use proofroom_wire::{ApiError, PriceList, PriceListItem};

use super::auth::Studio;
use crate::db::schema::{price_list_items, price_lists};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::events::sessions::check_studio_id;
use crate::web::State;

fn validate(id: &str, list: &PriceList) -> Result<(), AppError> {
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
    }
    Ok(())
}

/// The price list `id` as stored, items in the studio's order.
pub fn load(conn: &mut DbConn, id: &str) -> Result<Option<PriceList>, AppError> {
    let name: Option<String> =
        price_lists::table.find(id).select(price_lists::name).first(conn).optional()?;
    let Some(name) = name else { return Ok(None) };
    type ItemRow = (String, String, String, i64, i32, bool);
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
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|(sku, name, category, price_cents, images, taxable)| PriceListItem {
            sku,
            name,
            category,
            price_cents,
            images,
            taxable,
        })
        .collect();
    Ok(Some(PriceList { name, items }))
}

/// A price list as stored.
#[utoipa::path(
    tag = "price lists",
    params(("id" = String, Path, description = "The studio's price list id")),
    responses((status = 200, body = PriceList), (status = 401, body = ApiError), (status = 404, body = ApiError))
)]
#[get("/price-lists/{id}")]
pub async fn get_price_list(
    _: Studio,
    state: State,
    id: web::Path<String>,
) -> Result<web::Json<PriceList>, AppError> {
    let id = id.into_inner();
    let found = db::run(&state.pool, {
        let id = id.clone();
        move |conn| load(conn, &id)
    })
    .await?;
    found.map(web::Json).ok_or_else(|| {
        AppError::not_found("price_list_not_found", format!("There is no price list \"{id}\"."))
    })
}

/// Creates or replaces a price list and its items.
#[utoipa::path(
    tag = "price lists",
    params(("id" = String, Path, description = "The studio's price list id, percent-encoded. Any file name is an id; empty, `.`, `..`, over 200 bytes, or holding a slash, backslash or control character is 422 `invalid_id`")),
    request_body = PriceList,
    responses((status = 200, body = PriceList), (status = 401, body = ApiError), (status = 422, body = ApiError, description = "An id no file name can be (`invalid_id`), a repeated SKU, …"))
)]
#[put("/price-lists/{id}")]
pub async fn put_price_list(
    _: Studio,
    state: State,
    id: web::Path<String>,
    body: web::Json<PriceList>,
) -> Result<web::Json<PriceList>, AppError> {
    let id = id.into_inner();
    let list = body.into_inner();
    super::refuse_nul("price list", &list)?;
    validate(&id, &list)?;
    let stored = list.clone();
    db::run(&state.pool, move |conn| {
        crate::db::write_transaction(conn, |conn| {
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
                    ))
                    .execute(conn)?;
            }
            Ok::<_, AppError>(())
        })
    })
    .await?;
    Ok(web::Json(stored))
}
