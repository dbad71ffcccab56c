//! The contract's page: the document as frozen, the sign form, and once signed the signature
//! and the PDF. Only the session's client: anyone else — a guest, another client, nobody
//! signed in — gets 404, as for a contract that does not exist.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use proofroom_wire::contracts::CONSENT_TEXT;
use serde::Serialize;

use super::ContractRow;
use super::audit::{self, Action};
use crate::auth::browser_session::CurrentSession;
use crate::auth::people::{self, ClientRow};
use crate::db::schema::contract_signatures;
use crate::db::{self, ContractId, EventId};
use crate::error::AppError;
use crate::site::{self, StudioView, base_context};
use crate::web::State;

pub fn missing() -> AppError {
    AppError::not_found("contract_not_found", "There is no such contract.")
}

pub fn withdrawn() -> AppError {
    AppError::new(
        StatusCode::GONE,
        "contract_withdrawn",
        "The studio withdrew this contract; there is nothing to sign. Ask the studio if you \
         expected one.",
    )
}

/// A signature as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SignedView {
    pub signer_name: String,
    pub signed_at_local: String,
    pub drawn: bool,
}

/// A contract its client is looking at.
pub struct Owned {
    pub contract: ContractRow,
    pub event_id: EventId,
    pub event_description: String,
    pub client: ClientRow,
    pub studio: StudioView,
    pub signed: Option<SignedView>,
}

/// The contract `contract` of event `event`, when the signed-in person is its client.
pub async fn own_contract(
    state: &State,
    session: &CurrentSession,
    event: &str,
    contract: &str,
) -> Result<Owned, AppError> {
    let (Some(event), Some(contract)) = (EventId::parse(event), ContractId::parse(contract)) else {
        return Err(missing());
    };
    let Some(client) = session.person().and_then(|p| p.client_id()).cloned() else {
        return Err(missing());
    };
    let found = db::run(&state.pool, move |conn| -> db::Result<_> {
        let Some(row) = super::find(conn, &contract)? else { return Ok(None) };
        if row.client_id != client || row.event_id.as_ref() != Some(&event) {
            return Ok(None);
        }
        let Some(event_row) = crate::events::access::load_event(conn, &event)? else {
            return Ok(None);
        };
        // The session's client now: a session moved to another client takes its contracts.
        if event_row.client_id != client {
            return Ok(None);
        }
        let signed: Option<(String, String, Option<String>)> = contract_signatures::table
            .find(&row.id)
            .select((
                contract_signatures::signer_name,
                contract_signatures::signed_at_local,
                contract_signatures::drawing_sha256,
            ))
            .first(conn)
            .optional()?;
        let client = people::client(conn, &client)?;
        let studio = site::studio_view(conn)?.1;
        Ok(Some(Owned {
            contract: row,
            event_id: event,
            event_description: event_row.description,
            client,
            studio,
            signed: signed.map(|(signer_name, signed_at_local, drawing)| SignedView {
                signer_name,
                signed_at_local,
                drawn: drawing.is_some(),
            }),
        }))
    })
    .await?;
    found.ok_or_else(missing)
}

/// What a render of the page adds: a form's error and what was typed.
#[derive(Debug, Default)]
pub struct Shown {
    pub error: Option<String>,
    pub typed: Option<String>,
}

pub async fn render_page(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    owned: &Owned,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let row = &owned.contract;
    let mut context = base_context(req, state, session, &owned.studio).await?;
    let url = super::contract_path(&owned.event_id, &row.id);
    context.insert("event_url", &format!("/events/{}", owned.event_id));
    context.insert("description", &owned.event_description);
    context.insert("title", &row.title);
    context.insert("document_html", &row.document_html);
    context.insert("document_sha256", &row.document_sha256);
    context.insert("due", &row.due.map(|d| owned.studio.locale.date(d)));
    context.insert("contract_url", &url);
    context.insert("sign_url", &format!("{url}/sign"));
    context.insert("pdf_url", &format!("{url}/signed.pdf"));
    context.insert("signed", &owned.signed);
    context.insert("consent_text", CONSENT_TEXT);
    context
        .insert("client_name", &format!("{} {}", owned.client.first_name, owned.client.last_name));
    context.insert("typed", &shown.typed);
    context.insert("error", &shown.error);
    site::render_status(state, "contract.html", &context, status)
}

/// Who did it, from where: an audit row's detail.
fn who(req: &HttpRequest, state: &State, owned: &Owned) -> String {
    format!(
        "by {} {} from {}",
        owned.client.first_name,
        owned.client.last_name,
        crate::throttle::client_address(req, &state.config)
    )
}

/// `GET /events/{id}/contracts/{contract}`: read, and sign.
pub async fn contract_page(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event, contract) = path.into_inner();
    let owned = own_contract(&state, &session, &event, &contract).await?;
    if owned.contract.withdrawn_at.is_some() {
        return Err(withdrawn());
    }
    let detail = who(&req, &state, &owned);
    let id = owned.contract.id.clone();
    db::run(&state.pool, move |conn| audit::record(conn, &id, Action::Viewed, &detail)).await?;
    render_page(&req, &state, &session, &owned, Shown::default(), StatusCode::OK).await
}

/// `GET /events/{id}/contracts/{contract}/signed.pdf`: the signed PDF, once signed.
pub async fn signed_pdf(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event, contract) = path.into_inner();
    let owned = own_contract(&state, &session, &event, &contract).await?;
    if owned.signed.is_none() {
        return Err(AppError::not_found(
            "contract_not_signed",
            "This contract is not signed yet; its signed PDF comes once you sign it.",
        ));
    }
    let detail = who(&req, &state, &owned);
    let id = owned.contract.id.clone();
    let pdf = db::run(&state.pool, move |conn| -> db::Result<_> {
        let pdf = super::signed_pdf(conn, &id)?;
        audit::record(conn, &id, Action::PdfDownloaded, &detail)?;
        Ok(pdf)
    })
    .await?
    .ok_or_else(missing)?;
    Ok(pdf_response(pdf, &owned.contract.studio_contract_id))
}

/// A signed PDF as a download.
pub fn pdf_response(pdf: Vec<u8>, studio_contract_id: &str) -> HttpResponse {
    let name = format!("{}-signed.pdf", super::emails::pdf_file_stem(studio_contract_id));
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(pdf)
}
