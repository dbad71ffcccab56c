//! Contracts for e-signature: the studio pushes a contract with a session
//! (`PUT /api/v1/sessions/{session}/contracts/{contract}`, [`publish`]), the session's client
//! reads and signs it ([`pages`], [`sign`]), and the signed PDF ([`pdf`]) with its evidence
//! goes back to the studio through the feed. Every step leaves a row in the contract's chained
//! audit trail ([`audit`]); [`verify`] walks the trails and the stored documents.
//!
//! Owns `contracts`, `contract_signatures` and `contract_audit`. Only the session's client ever
//! sees a contract: to anyone else it does not exist (404).

pub mod audit;
pub mod document;
pub mod emails;
pub mod pages;
pub mod pdf;
pub mod publish;
pub mod sign;
pub mod verify;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use proofroom_wire::contracts::{ContractState, ContractSummary, SignedContract};

use crate::db::schema::{contract_signatures, contracts};
use crate::db::{self, ClientId, ContractId, DbConn, EventId};
use crate::error::AppError;

/// Why the contracts' data layer refused a change; the HTTP edge turns it into an answer.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error(transparent)]
    Db(#[from] db::Error),
    /// The studio's contract cannot be taken (422 `invalid_contract`).
    #[error("{0}")]
    Invalid(String),
    /// Its session is not online (404 `session_not_online`).
    #[error("{0}")]
    SessionNotOnline(String),
    /// No such contract (404 `contract_not_found`).
    #[error("{0}")]
    NotFound(String),
    /// Signed, and so final (409 `contract_signed`).
    #[error("{0}")]
    Signed(String),
    /// Withdrawn by the studio (410 `contract_withdrawn`).
    #[error("The studio withdrew this contract; there is nothing to sign.")]
    Withdrawn,
    /// The studio replaced the text while the client was reading it (409 `contract_changed`).
    #[error("The studio changed this contract while it was being read.")]
    Changed,
    /// The signed PDF could not be made (500).
    #[error("the signed PDF: {0}")]
    Pdf(String),
}

impl From<diesel::result::Error> for ContractError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

impl From<ContractError> for AppError {
    fn from(e: ContractError) -> Self {
        match e {
            ContractError::Db(e) => e.into(),
            ContractError::Invalid(m) => AppError::unprocessable("invalid_contract", m),
            ContractError::SessionNotOnline(m) => AppError::not_found("session_not_online", m),
            ContractError::NotFound(m) => AppError::not_found("contract_not_found", m),
            ContractError::Signed(m) => AppError::conflict("contract_signed", m),
            ContractError::Withdrawn => pages::withdrawn(),
            ContractError::Changed => AppError::conflict("contract_changed", sign::CHANGED),
            ContractError::Pdf(m) => AppError::internal(format!("the signed PDF: {m}")),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contracts)]
pub struct ContractRow {
    pub id: ContractId,
    pub event_id: Option<EventId>,
    pub studio_session_id: String,
    pub studio_contract_id: String,
    pub client_id: ClientId,
    pub title: String,
    pub due: Option<NaiveDate>,
    pub source_sha256: String,
    /// The studio's Markdown with its merge fields, as pushed.
    pub source_markdown: String,
    /// The same with the fields filled: what the PDF lays out.
    pub document_markdown: String,
    pub document_html: String,
    pub document_sha256: String,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub reminded_at: Option<NaiveDateTime>,
    pub audit_rows: i32,
    pub audit_head: String,
}

/// A contract's page on the site.
pub fn contract_path(event: &EventId, contract: &ContractId) -> String {
    format!("/events/{event}/contracts/{contract}")
}

/// Takes the contract's row lock (PostgreSQL) inside the caller's transaction, so a signature,
/// a studio push and an audit row never interleave.
pub fn lock(conn: &mut DbConn, contract: &ContractId) -> db::Result<()> {
    diesel::update(contracts::table.find(contract))
        .set(contracts::audit_rows.eq(contracts::audit_rows))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &ContractId) -> db::Result<Option<ContractRow>> {
    Ok(contracts::table.find(id).select(ContractRow::as_select()).first(conn).optional()?)
}

/// When the contract was signed, if it was.
pub fn signed_at(conn: &mut DbConn, id: &ContractId) -> db::Result<Option<NaiveDateTime>> {
    Ok(contract_signatures::table
        .find(id)
        .select(contract_signatures::signed_at)
        .first(conn)
        .optional()?)
}

/// A contract online for an event's client, on the event page and My events.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContractLink {
    pub title: String,
    pub url: String,
    pub signed: bool,
    /// Sign by, as the studio's locale writes the date.
    pub due: Option<String>,
}

/// A contract's id, event, title, due date and when it was signed.
type LinkRow = (ContractId, Option<EventId>, String, Option<NaiveDate>, Option<NaiveDateTime>);

/// The contracts of these events the client may read (not withdrawn), per event.
pub fn of_events_for_client(
    conn: &mut DbConn,
    events: &[EventId],
    client: &ClientId,
    locale: proofroom_wire::locale::Locale,
) -> db::Result<Vec<(EventId, ContractLink)>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<LinkRow> = contracts::table
        .left_join(contract_signatures::table)
        .filter(contracts::event_id.eq_any(events))
        .filter(contracts::client_id.eq(client))
        .filter(contracts::withdrawn_at.is_null())
        .order((contracts::published_at.asc(), contracts::studio_contract_id.asc()))
        .select((
            contracts::id,
            contracts::event_id,
            contracts::title,
            contracts::due,
            contract_signatures::signed_at.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, event, title, due, signed)| {
            let event = event?;
            let url = contract_path(&event, &id);
            let due = due.map(|d| locale.date(d));
            Some((event, ContractLink { title, url, signed: signed.is_some(), due }))
        })
        .collect())
}

/// Every contract the server holds, for the studio.
pub fn summaries(conn: &mut DbConn) -> db::Result<Vec<ContractSummary>> {
    let rows: Vec<(ContractRow, Option<NaiveDateTime>)> = contracts::table
        .left_join(contract_signatures::table)
        .order((contracts::studio_session_id.asc(), contracts::studio_contract_id.asc()))
        .select((ContractRow::as_select(), contract_signatures::signed_at.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, signed_at)| ContractSummary {
            state: match (signed_at, row.withdrawn_at) {
                (Some(_), _) => ContractState::Signed,
                (None, Some(_)) => ContractState::Withdrawn,
                (None, None) => ContractState::Waiting,
            },
            session_id: row.studio_session_id,
            contract_id: row.studio_contract_id,
            title: row.title,
            due: row.due,
            source_sha256: row.source_sha256,
            document_sha256: row.document_sha256,
            signed_at,
        })
        .collect())
}

/// A signed contract as the studio gets it (the feed's content), or `None` when it is not
/// signed or gone.
pub fn signed_record(conn: &mut DbConn, id: &ContractId) -> db::Result<Option<SignedContract>> {
    let Some(row) = find(conn, id)? else { return Ok(None) };
    let found: Option<(String, String)> = contract_signatures::table
        .find(id)
        .select((contract_signatures::evidence_json, contract_signatures::pdf_sha256))
        .first(conn)
        .optional()?;
    let Some((evidence, pdf_sha256)) = found else { return Ok(None) };
    let Ok(stored) = serde_json::from_str::<sign::StoredEvidence>(&evidence) else {
        tracing::error!(contract = %id, "a signature's stored evidence does not read");
        return Ok(None);
    };
    Ok(Some(SignedContract {
        session_id: row.studio_session_id,
        contract_id: row.studio_contract_id,
        title: row.title,
        evidence: stored.evidence,
        pdf_sha256,
        audit: stored.audit,
    }))
}

/// The signed PDF of a contract, if it is signed.
pub fn signed_pdf(conn: &mut DbConn, id: &ContractId) -> db::Result<Option<Vec<u8>>> {
    Ok(contract_signatures::table
        .find(id)
        .select(contract_signatures::pdf)
        .first(conn)
        .optional()?)
}

/// A contract by the studio's ids.
pub fn by_studio_ids(
    conn: &mut DbConn,
    session: &str,
    contract: &str,
) -> db::Result<Option<ContractRow>> {
    Ok(contracts::table
        .filter(contracts::studio_session_id.eq(session))
        .filter(contracts::studio_contract_id.eq(contract))
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?)
}

/// With a take-down: contracts nobody signed go with the gallery (and their trails); signed
/// ones stay, without their gallery, for the studio and for `verify`.
pub fn drop_unsigned(conn: &mut DbConn, event: &EventId) -> db::Result<()> {
    use crate::db::schema::contract_audit;
    let unsigned: Vec<ContractId> = contracts::table
        .left_join(contract_signatures::table)
        .filter(contracts::event_id.eq(event))
        .filter(contract_signatures::contract_id.nullable().is_null())
        .select(contracts::id)
        .load(conn)?;
    for id in unsigned {
        // Under its lock, and only if still unsigned: a signature that came first stays.
        lock(conn, &id)?;
        if signed_at(conn, &id)?.is_some() {
            continue;
        }
        diesel::delete(contract_audit::table.filter(contract_audit::contract_id.eq(&id)))
            .execute(conn)?;
        diesel::delete(contracts::table.find(&id)).execute(conn)?;
    }
    Ok(())
}
