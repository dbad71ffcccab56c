//! `/api/v1/clients/{id}/reset-login`: the studio puts a client's sign-in back to the defaults
//! (email + last name) when they forgot what they chose. The studio never sees a password.

use actix_web::{HttpResponse, post, web};
use proofroom_wire::ApiError;

use super::auth::Studio;
use crate::auth::Auth;
use crate::auth::links::Holder;
use crate::auth::people;
use crate::db;
use crate::error::AppError;
use crate::events::Events;
use crate::web::State;

/// Resets the client's user name to their email and password to their last name, and signs
/// them out everywhere.
#[utoipa::path(
    tag = "clients",
    params(("id" = String, Path, description = "The studio's client id")),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError))
)]
#[post("/clients/{id}/reset-login")]
pub async fn reset_login(
    _: Studio,
    state: State,
    auth: Auth,
    events: Events,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let studio_client_id = id.into_inner();
    let found = db::run(&state.pool, move |conn| -> db::Result<_> {
        db::write_transaction(conn, |conn| {
            let Some(client) = people::client_by_studio_id(conn, &studio_client_id)? else {
                return Ok(false);
            };
            // Back to the email and last name; every session the client had ends.
            people::reset_login(conn, &Holder::Client(client), None)?;
            Ok(true)
        })
    })
    .await?;
    if !found {
        return Err(AppError::not_found(
            "client_not_found",
            "There is no client with that id online.",
        ));
    }
    auth.sessions.forget_all();
    events.access.invalidate();
    Ok(HttpResponse::NoContent().finish())
}
