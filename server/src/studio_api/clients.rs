//! `/api/v1/clients/{id}/reset-login`: the studio puts a client's sign-in back to the defaults
//! (email + last name) when they forgot what they chose. The studio never sees a password.

use actix_web::{HttpResponse, post, web};
use diesel::prelude::*;
use proofroom_wire::ApiError;

use super::auth::Studio;
use crate::auth::Auth;
use crate::db::schema::{clients, web_sessions};
use crate::db::{self, ClientId};
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
    let found = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let client: Option<ClientId> = clients::table
                .filter(clients::studio_client_id.eq(&studio_client_id))
                .select(clients::id)
                .first(conn)
                .optional()?;
            let Some(client) = client else { return Ok(false) };
            diesel::update(clients::table.find(&client))
                .set((
                    clients::login_name.eq(None::<String>),
                    clients::password_hash.eq(None::<String>),
                    clients::updated_at.eq(db::now()),
                ))
                .execute(conn)?;
            diesel::delete(web_sessions::table.filter(web_sessions::client_id.eq(client.as_str())))
                .execute(conn)?;
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
