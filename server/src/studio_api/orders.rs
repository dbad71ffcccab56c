//! `PUT /api/v1/orders/{number}/status`: the studio moves an order along (received, in
//! production, ready for pickup, shipped); the client sees it on their order page and gets an
//! email for each change.

use actix_web::{put, web};
use proofroom_wire::ApiError;
use proofroom_wire::orders::{OrderStatusChange, OrderStatusResult};

use super::auth::Studio;
use crate::checkout::{number, orders};
use crate::db::{self};
use crate::email;
use crate::error::AppError;
use crate::web::State;

#[utoipa::path(
    tag = "orders",
    params(("number" = String, Path, description = "The order's confirmation number")),
    request_body = OrderStatusChange,
    responses(
        (status = 200, body = OrderStatusResult),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError),
        (status = 422, body = ApiError, description = "An unknown status"),
    )
)]
#[put("/orders/{number}/status")]
pub async fn put_order_status(
    _: Studio,
    state: State,
    number: web::Path<String>,
    body: web::Json<OrderStatusChange>,
) -> Result<web::Json<OrderStatusResult>, AppError> {
    let missing = || {
        AppError::not_found("order_not_found", "There is no order with that confirmation number.")
    };
    let number = number::normalize(&number).ok_or_else(missing)?;
    let status = body.into_inner().status;
    let site_url = state.site_url.clone();
    let result = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        db::write_transaction(conn, |conn| {
            let order = orders::find_by_number(conn, &number)?.ok_or_else(missing)?;
            if order.status() == status {
                return Ok(OrderStatusResult { number, status, changed: false });
            }
            orders::set_status(conn, &order.id, status)?;
            let full = orders::find_by_id(conn, &order.id)?.ok_or_else(missing)?;
            let message = full.status_email(conn, &site_url)?;
            email::enqueue(conn, message)?;
            Ok(OrderStatusResult { number, status, changed: true })
        })
    })
    .await?;
    if result.changed {
        state.mailer.wake();
    }
    Ok(web::Json(result))
}
