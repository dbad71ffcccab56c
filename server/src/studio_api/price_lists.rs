//! `GET/PUT /api/v1/price-lists/{id}`.

use actix_web::{get, put, web};
use proofroom_wire::{ApiError, PriceList};

use super::auth::Studio;
use crate::db;
use crate::error::AppError;
use crate::price_lists::{load, save, validate};
use crate::web::State;

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
        crate::db::write_transaction(conn, |conn| save(conn, &id, &list))
    })
    .await?;
    Ok(web::Json(stored))
}
