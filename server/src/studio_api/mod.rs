//! The studio API (`/api/v1`): what the connector in the studio calls to publish.
//!
//! Every call needs the studio token ([`auth::Studio`]). Upserts are idempotent and keyed by the
//! studio's own ids. The OpenAPI document is collected from these handlers' annotations, so it
//! cannot list a route that does not exist.

pub mod albums;
pub mod auth;
pub mod branding;
pub mod clients;
pub mod contracts;
pub mod downloads;
pub mod feed;
pub mod images;
pub mod orders;
pub mod prepaid;
pub mod price_lists;
pub mod sessions;
pub mod studio;

use actix_web::{HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Proofroom studio API",
        description = "Publishes a studio's profile, price lists and sessions. Every call needs \
                       `Authorization: Bearer <studio token>`; errors are \
                       `{\"error\": code, \"message\": text}`."
    ),
    modifiers(&StudioToken),
    security(("studio_token" = []))
)]
pub struct ApiDoc;

struct StudioToken;

impl Modify for StudioToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "studio_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(studio::get_studio)
        .service(studio::put_studio)
        .service(branding::put_branding)
        .service(price_lists::get_price_list)
        .service(price_lists::put_price_list)
        .service(sessions::list_sessions)
        .service(sessions::put_session)
        .service(sessions::delete_session)
        .service(sessions::put_expiry)
        .service(images::list_images)
        .service(images::put_image)
        .service(images::delete_image)
        .service(clients::reset_login)
        .service(feed::get_feed)
        .service(feed::feed_waiting)
        .service(feed::ack_feed)
        .service(orders::put_order_status)
        .service(orders::put_order_payment)
        .service(prepaid::list_prepaid)
        .service(prepaid::put_prepaid)
        .service(downloads::download_counts)
        .service(contracts::list_contracts)
        .service(contracts::put_contract)
        .service(contracts::delete_contract)
        .service(contracts::signed_pdf)
        .service(contracts::verify_contract_pdf)
        .service(albums::list_albums)
        .service(albums::put_album)
        .service(albums::put_page)
        .service(albums::pinned_page);
}

/// PostgreSQL text cannot hold a NUL character and SQLite would keep it silently; neither is
/// anything a studio means to send, so any string holding one is refused up front.
pub fn refuse_nul<T: serde::Serialize>(
    what: &str,
    value: &T,
) -> Result<(), crate::error::AppError> {
    let json = serde_json::to_string(value)
        .map_err(|e| crate::error::AppError::internal(format!("re-serialising {what}: {e}")))?;
    if json.contains("\\u0000") {
        return Err(crate::error::AppError::unprocessable(
            "invalid_character",
            format!("The {what} holds a NUL character (\\u0000); remove it and send it again."),
        ));
    }
    Ok(())
}

/// Middleware: whatever the studio changes through the API may change who sees what, so cached
/// access decisions and image places are dropped after every successful change.
pub async fn catalog_changes(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    // Acknowledging the feed changes nothing anyone sees.
    let changes = req.path().starts_with("/api/")
        && req.method() != actix_web::http::Method::GET
        && req.path() != proofroom_wire::paths::FEED_ACK;
    let gallery = req.app_data::<crate::gallery::Gallery>().cloned();
    let res = next.call(req).await?;
    if changes && let Some(gallery) = gallery {
        gallery.catalog_changed();
    }
    Ok(res)
}

pub async fn openapi_json(doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.get_ref())
}
