//! `/api/v1/contracts` and `/api/v1/sessions/{session}/contracts/{contract}`: the studio's
//! contracts (`[[contracts]]` of session.toml), their signed PDFs, and the check of a PDF.

use actix_web::{HttpResponse, delete, get, post, put, web};
use proofroom_wire::ApiError;
use proofroom_wire::contracts::{
    ContractList, ContractPushResult, ContractUpsert, VerifyPdf, VerifyPdfResult,
};

use super::auth::Studio;
use crate::contracts::{self, audit, publish, verify};
use crate::db;
use crate::error::AppError;
use crate::web::{State, check_studio_id};

/// Every contract the server holds: waiting, signed or withdrawn, with the hash of what was
/// pushed last (so the connector sends a contract again only when its file changed).
#[utoipa::path(
    tag = "contracts",
    responses((status = 200, body = ContractList), (status = 401, body = ApiError))
)]
#[get("/contracts")]
pub async fn list_contracts(_: Studio, state: State) -> Result<web::Json<ContractList>, AppError> {
    let contracts = db::run(&state.pool, contracts::summaries).await?;
    Ok(web::Json(ContractList { contracts }))
}

/// Publishes a contract for the session's client to sign, with its merge fields filled; the
/// text is frozen as the client will read it. Sending it again unchanged does nothing; a
/// changed one replaces it until somebody signs it; a signed one never changes (409).
#[utoipa::path(
    tag = "contracts",
    params(
        ("session" = String, Path, description = "The studio's session id, percent-encoded"),
        ("contract" = String, Path, description = "The contract's id in session.toml, percent-encoded"),
    ),
    request_body = ContractUpsert,
    responses(
        (status = 200, body = ContractPushResult),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "The session is not online"),
        (status = 409, body = ApiError, description = "`contract_signed`: signed and final; give the changed contract a new id"),
        (status = 422, body = ApiError, description = "`invalid_contract`: an unknown merge field (its line named), a field without a value, an empty title, too long"),
    )
)]
#[put("/sessions/{session}/contracts/{contract}")]
pub async fn put_contract(
    _: Studio,
    state: State,
    path: web::Path<(String, String)>,
    body: web::Json<ContractUpsert>,
) -> Result<web::Json<ContractPushResult>, AppError> {
    let (session, id) = path.into_inner();
    let contract = body.into_inner();
    super::refuse_nul("contract", &contract)?;
    check_studio_id("contract", &id)?;
    let site_url = state.site_url.clone();
    let (result, queued) = db::run(&state.pool, move |conn| {
        publish::upsert(conn, &session, &id, &contract, &site_url).map_err(AppError::from)
    })
    .await?;
    if queued {
        state.mailer.wake();
    }
    Ok(web::Json(ContractPushResult { result }))
}

/// Withdraws a contract nobody signed: the client no longer sees it.
#[utoipa::path(
    tag = "contracts",
    params(
        ("session" = String, Path, description = "The studio's session id"),
        ("contract" = String, Path, description = "The contract's id"),
    ),
    responses(
        (status = 204),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "`contract_signed`: a signed contract stays"),
    )
)]
#[delete("/sessions/{session}/contracts/{contract}")]
pub async fn delete_contract(
    _: Studio,
    state: State,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (session, id) = path.into_inner();
    db::run(&state.pool, move |conn| {
        publish::withdraw(conn, &session, &id).map_err(AppError::from)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed PDF of a contract, for the studio's inbox; each fetch is in its audit trail.
#[utoipa::path(
    tag = "contracts",
    params(
        ("session" = String, Path, description = "The studio's session id"),
        ("contract" = String, Path, description = "The contract's id"),
    ),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = ApiError),
        (status = 404, body = ApiError, description = "No such contract, or not signed"),
    )
)]
#[get("/contracts/{session}/{contract}/signed.pdf")]
pub async fn signed_pdf(
    _: Studio,
    state: State,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (session, id) = path.into_inner();
    let not_signed = || {
        AppError::not_found(
            "contract_not_signed",
            format!("Session {session} has no signed contract {id}."),
        )
    };
    let (session_id, contract_id) = (session.clone(), id.clone());
    let pdf = db::run(&state.pool, move |conn| -> db::Result<_> {
        let Some(row) = contracts::by_studio_ids(conn, &session_id, &contract_id)? else {
            return Ok(None);
        };
        let Some(pdf) = contracts::signed_pdf(conn, &row.id)? else { return Ok(None) };
        audit::record(conn, &row.id, audit::Action::PulledByStudio, "by the studio's connector")?;
        Ok(Some(pdf))
    })
    .await?
    .ok_or_else(not_signed)?;
    Ok(contracts::pages::pdf_response(pdf, &id))
}

/// Whether a PDF (by its SHA-256) is a signed PDF the server holds, and whether its document
/// and audit trail still verify.
#[utoipa::path(
    tag = "contracts",
    request_body = VerifyPdf,
    responses((status = 200, body = VerifyPdfResult), (status = 401, body = ApiError))
)]
#[post("/contracts/verify")]
pub async fn verify_contract_pdf(
    _: Studio,
    state: State,
    body: web::Json<VerifyPdf>,
) -> Result<web::Json<VerifyPdfResult>, AppError> {
    let sha256 = body.into_inner().sha256;
    Ok(web::Json(db::run(&state.pool, move |conn| verify::verify_pdf(conn, &sha256)).await?))
}
