//! The studio token: `Authorization: Bearer <token>` on every studio API call.
//!
//! Only the token's SHA-256 is stored (the token is 256 random bits, so a slow hash adds
//! nothing); `proofroom token create` prints the token once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, http::header};
use diesel::prelude::*;
use rand::RngCore;

use crate::db::{self, DbConn, schema::api_tokens};
use crate::error::AppError;
use crate::storage::sha256_hex;
use crate::web::State;

/// Proof that the request carried a valid studio token.
pub struct Studio;

impl FromRequest for Studio {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let state = req.app_data::<State>().cloned();
        Box::pin(async move {
            let Some(token) = token.filter(|t| !t.is_empty()) else {
                return Err(AppError::unauthorized(
                    "This call needs the studio token: send Authorization: Bearer <token>.",
                ));
            };
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let hash = sha256_hex(token.as_bytes());
            let known = db::run(&state.pool, move |conn| -> db::Result<_> {
                let count: i64 = api_tokens::table
                    .filter(api_tokens::token_sha256.eq(hash))
                    .count()
                    .get_result(conn)?;
                Ok(count > 0)
            })
            .await?;
            if known {
                Ok(Studio)
            } else {
                Err(AppError::unauthorized("The studio token is not valid."))
            }
        })
    }
}

/// Makes a new token, stores its hash and returns the token (shown once).
pub fn create_token(conn: &mut DbConn) -> db::Result<String> {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = format!("prt_{}", hex::encode(raw));
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(uuid::Uuid::new_v4().to_string()),
            api_tokens::token_sha256.eq(sha256_hex(token.as_bytes())),
            api_tokens::created_at.eq(db::now()),
        ))
        .execute(conn)?;
    Ok(token)
}
