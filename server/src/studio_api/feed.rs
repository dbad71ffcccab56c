//! `/api/v1/feed`: what clients did, for the connector to pull (`crate::feed`).

use actix_web::{get, post, web};
use proofroom_wire::ApiError;
use proofroom_wire::feed::{FeedAck, FeedAckResult, FeedPage, FeedQuery, FeedWaiting};

use super::auth::Studio;
use crate::db;
use crate::error::AppError;
use crate::feed;
use crate::web::State;

/// The next page of the feed, oldest first, each item with what it holds now.
#[utoipa::path(
    tag = "feed",
    params(FeedQuery),
    responses(
        (status = 200, body = FeedPage),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "An unknown kind"),
    )
)]
#[get("/feed")]
pub async fn get_feed(
    _: Studio,
    state: State,
    query: web::Query<FeedQuery>,
) -> Result<web::Json<FeedPage>, AppError> {
    let FeedQuery { after, limit, kinds } = query.into_inner();
    let kinds = kinds.as_deref().map(feed::parse_kinds).transpose()?;
    let page = db::run(&state.pool, move |conn| {
        feed::page(conn, after, limit.unwrap_or(100), kinds.as_deref())
    })
    .await?;
    Ok(web::Json(page))
}

/// How many items of each kind wait to be pulled, without fetching them.
#[utoipa::path(
    tag = "feed",
    responses((status = 200, body = FeedWaiting), (status = 401, body = ApiError))
)]
#[get("/feed/waiting")]
pub async fn feed_waiting(_: Studio, state: State) -> Result<web::Json<FeedWaiting>, AppError> {
    Ok(web::Json(db::run(&state.pool, feed::waiting_by_kind).await?))
}

/// Marks items written into the studio's inbox as downloaded. Acknowledging an item twice, or
/// one replaced by a newer change since, is not an error.
#[utoipa::path(
    tag = "feed",
    request_body = FeedAck,
    responses(
        (status = 200, body = FeedAckResult),
        (status = 401, body = ApiError),
        (status = 422, body = ApiError, description = "More than 10,000 items at once"),
    )
)]
#[post("/feed/ack")]
pub async fn ack_feed(
    _: Studio,
    state: State,
    body: web::Json<FeedAck>,
) -> Result<web::Json<FeedAckResult>, AppError> {
    let seqs = body.into_inner().seqs;
    if seqs.len() > 10_000 {
        return Err(AppError::unprocessable(
            "too_many_items",
            "Acknowledge at most 10,000 items at once.",
        ));
    }
    let acknowledged = db::run(&state.pool, move |conn| feed::acknowledge(conn, &seqs)).await?;
    Ok(web::Json(FeedAckResult { acknowledged }))
}
