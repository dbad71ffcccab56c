//! `PUT /api/v1/orders/{number}/status`: the studio moves an order along (received, in
//! production, ready for pickup, shipped); the client sees it on their order page and gets an
//! email for each change. `PUT /api/v1/orders/{number}/payment`: the studio took the payment of
//! an order to be paid at the studio (its files, if any, can then be downloaded).

use actix_web::{put, web};
use proofroom_wire::ApiError;
use proofroom_wire::orders::{
    OrderPaymentChange, OrderPaymentResult, OrderStatusChange, OrderStatusResult, PaymentStatus,
};

use super::auth::Studio;
use crate::checkout::{number, orders};
use crate::db::{self};
use crate::email;
use crate::error::AppError;
use crate::feed;
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
    let missing = order_not_found;
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

/// Both order calls answer an unknown number alike (the API says which number form it wants).
fn order_not_found() -> AppError {
    AppError::not_found("order_not_found", "There is no order with that confirmation number.")
}

/// Marks an order to be paid at the studio as paid: the client is emailed (with the way to
/// their files, if the order has any), and the studio's inbox copy is written again. An order
/// already paid changes nothing; one being paid by card is Stripe's to settle.
#[utoipa::path(
    tag = "orders",
    params(("number" = String, Path, description = "The order's confirmation number")),
    request_body = OrderPaymentChange,
    responses(
        (status = 200, body = OrderPaymentResult),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "The order is being paid by card"),
        (status = 422, body = ApiError, description = "A status other than `paid`"),
    )
)]
#[put("/orders/{number}/payment")]
pub async fn put_order_payment(
    _: Studio,
    state: State,
    number: web::Path<String>,
    body: web::Json<OrderPaymentChange>,
) -> Result<web::Json<OrderPaymentResult>, AppError> {
    let number = number::normalize(&number).ok_or_else(order_not_found)?;
    if body.status != PaymentStatus::Paid {
        return Err(AppError::unprocessable(
            "invalid_payment_status",
            "An order can only be marked paid (`{\"status\": \"paid\"}`).",
        ));
    }
    let site_url = state.site_url.clone();
    let result = db::run(&state.pool, move |conn| -> Result<_, AppError> {
        db::write_transaction(conn, |conn| {
            let order = orders::find_by_number(conn, &number)?.ok_or_else(order_not_found)?;
            let payment_status = order.payment_status();
            match payment_status {
                PaymentStatus::Paid => {
                    return Ok(OrderPaymentResult { number, payment_status, changed: false });
                }
                PaymentStatus::AwaitingPayment => {
                    return Err(AppError::conflict(
                        "paid_by_card",
                        format!(
                            "Order {number} is being paid by card; it is marked paid when the \
                             card payment goes through."
                        ),
                    ));
                }
                PaymentStatus::DueAtStudio => {}
            }
            orders::mark_paid(conn, &order.id)?;
            feed::record(conn, feed::Kind::Order, &order.id)?;
            let full = orders::find_by_id(conn, &order.id)?.ok_or_else(order_not_found)?;
            let message = full.payment_email(conn, &site_url)?;
            email::enqueue(conn, message)?;
            Ok(OrderPaymentResult { number, payment_status: PaymentStatus::Paid, changed: true })
        })
    })
    .await?;
    if result.changed {
        state.mailer.wake();
    }
    Ok(web::Json(result))
}
