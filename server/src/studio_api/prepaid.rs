//! `/api/v1/prepaid`: the studio's prepaid invoices (`prepaid/<invoice-id>.toml`).

use actix_web::{HttpResponse, get, put, web};
use proofroom_wire::ApiError;
use proofroom_wire::prepaid::{PrepaidInvoice, PrepaidList};

use super::auth::Studio;
use crate::db;
use crate::error::AppError;
use crate::prepaid;
use crate::web::State;

/// Every prepaid invoice online, with whether its client has submitted their picks.
#[utoipa::path(
    tag = "prepaid",
    responses((status = 200, body = PrepaidList), (status = 401, body = ApiError))
)]
#[get("/prepaid")]
pub async fn list_prepaid(_: Studio, state: State) -> Result<web::Json<PrepaidList>, AppError> {
    let invoices = db::run(&state.pool, prepaid::summaries).await?;
    Ok(web::Json(PrepaidList { invoices }))
}

/// Puts a prepaid invoice online for its session's client to fill. Sending the same invoice
/// again changes nothing; a changed one starts the picks afresh; once the client has submitted
/// their picks it can no longer change.
#[utoipa::path(
    tag = "prepaid",
    params(("id" = String, Path, description = "The studio's invoice id (its file name without `.toml`), percent-encoded. Any file name is an id; empty, `.`, `..`, over 200 bytes, or holding a slash, backslash or control character is 422 `invalid_id`")),
    request_body = PrepaidInvoice,
    responses(
        (status = 204),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "The session is not online"),
        (status = 409, body = ApiError, description = "The client has submitted their picks"),
        (status = 422, body = ApiError, description = "An id no file name can be (`invalid_id`), an item not on the session's price list, a bad quantity"),
    )
)]
#[put("/prepaid/{id}")]
pub async fn put_prepaid(
    _: Studio,
    state: State,
    id: web::Path<String>,
    body: web::Json<PrepaidInvoice>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let invoice = body.into_inner();
    super::refuse_nul("prepaid invoice", &invoice)?;
    db::run(&state.pool, move |conn| prepaid::upsert(conn, &id, &invoice)).await?;
    Ok(HttpResponse::NoContent().finish())
}
