//! What the studio does to a contract: publish it with its session, replace it while nobody
//! has signed it, withdraw it. The text is filled and rendered here, once, and frozen with its
//! hash; a signed contract never changes.

use diesel::prelude::*;
use proofroom_wire::contracts::{ContractPushed, ContractUpsert, MAX_CONTRACT_BYTES};

use super::audit::{self, Action, GENESIS};
use super::document::{self, FillError, MergeValues};
use super::{ContractError, ContractRow, by_studio_ids, emails};
use crate::auth::people::{self, ClientRow};
use crate::db::schema::{contract_signatures, contracts};
use crate::db::{self, ContractId, DbConn, EventId};
use crate::email;
use crate::events::listing;
use crate::events::models::EventRow;

/// The longest title, in characters.
const MAX_TITLE: usize = 200;

fn invalid(message: String) -> ContractError {
    ContractError::Invalid(message)
}

/// The audit detail of a new or replaced document: its hash first, so [`super::verify`] can
/// tie the trail to the document.
pub fn document_detail(document_sha256: &str, title: &str) -> String {
    format!("document {document_sha256}: \"{title}\"")
}

/// Publishes or replaces the contract `id` of session `session` (an id the caller checked);
/// answers what it did and whether an email was queued.
pub fn upsert(
    conn: &mut DbConn,
    session: &str,
    id: &str,
    contract: &ContractUpsert,
    site_url: &str,
) -> Result<(ContractPushed, bool), ContractError> {
    let title = contract.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(invalid(format!(
            "Contract {id}: the title must be 1 to {MAX_TITLE} characters."
        )));
    }
    if contract.markdown.len() > MAX_CONTRACT_BYTES {
        return Err(invalid(format!(
            "Contract {id} is over {} KB; the site takes contracts up to that size.",
            MAX_CONTRACT_BYTES / 1024
        )));
    }
    let unknown = proofroom_wire::contracts::unknown_fields(&contract.markdown);
    if !unknown.is_empty() {
        return Err(invalid(format!("Contract {id}: {}", FillError::Unknown(unknown).describe())));
    }
    let source_sha256 = contract.source_sha256();
    db::write_transaction(conn, |conn| {
        let Some(event) = listing::by_studio_session_id(conn, session)? else {
            return Err(ContractError::SessionNotOnline(format!(
                "Session {session} is not online; push it before its contracts."
            )));
        };
        let (values, client) = merge_values(conn, &event)?;
        let filled = document::fill(&contract.markdown, &values)
            .map_err(|e| invalid(format!("Contract {id}: {}", e.describe())))?;
        let html = document::render_html(&filled);
        let document_sha256 = document::sha256(&html);
        let now = db::now();
        let held = by_studio_ids(conn, session, id)?;
        let (contract_id, pushed) = match held {
            Some(held) => {
                super::lock(conn, &held.id)?;
                // Read again under the lock: a signature or a withdrawal may have come first.
                let held = super::find(conn, &held.id)?.unwrap_or(held);
                let signed = super::signed_at(conn, &held.id)?.is_some();
                let same = held.source_sha256 == source_sha256
                    && held.document_sha256 == document_sha256
                    && held.event_id.as_ref() == Some(&event.id)
                    && held.client_id == event.client_id;
                if signed {
                    if held.source_sha256 == source_sha256 {
                        // Taken down and published again: the signed contract joins its
                        // gallery again, for its client to read and download.
                        if held.event_id.as_ref() != Some(&event.id) {
                            diesel::update(contracts::table.find(&held.id))
                                .set(contracts::event_id.eq(&event.id))
                                .execute(conn)?;
                        }
                        return Ok((ContractPushed::Unchanged, false));
                    }
                    return Err(ContractError::Signed(format!(
                        "Contract {id} of session {session} is signed and final; to send a \
                         changed contract, give it a new id."
                    )));
                }
                if same && held.withdrawn_at.is_none() {
                    return Ok((ContractPushed::Unchanged, false));
                }
                let due_changed = held.due != contract.due;
                diesel::update(contracts::table.find(&held.id))
                    .set((
                        contracts::event_id.eq(&event.id),
                        contracts::client_id.eq(&event.client_id),
                        contracts::title.eq(title),
                        contracts::due.eq(contract.due),
                        contracts::source_sha256.eq(&source_sha256),
                        contracts::source_markdown.eq(&contract.markdown),
                        contracts::document_markdown.eq(&filled),
                        contracts::document_html.eq(&html),
                        contracts::document_sha256.eq(&document_sha256),
                        contracts::updated_at.eq(now),
                        contracts::withdrawn_at.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(conn)?;
                if due_changed {
                    diesel::update(contracts::table.find(&held.id))
                        .set(contracts::reminded_at.eq(None::<chrono::NaiveDateTime>))
                        .execute(conn)?;
                }
                let (action, pushed) = if held.withdrawn_at.is_some() {
                    (Action::Published, ContractPushed::Published)
                } else {
                    (Action::Replaced, ContractPushed::Replaced)
                };
                audit::append(
                    conn,
                    &held.id,
                    action,
                    &document_detail(&document_sha256, title),
                    now,
                )?;
                (held.id, pushed)
            }
            None => {
                let new_id = ContractId::new();
                diesel::insert_into(contracts::table)
                    .values((
                        contracts::id.eq(&new_id),
                        contracts::event_id.eq(&event.id),
                        contracts::studio_session_id.eq(session),
                        contracts::studio_contract_id.eq(id),
                        contracts::client_id.eq(&event.client_id),
                        contracts::title.eq(title),
                        contracts::due.eq(contract.due),
                        contracts::source_sha256.eq(&source_sha256),
                        contracts::source_markdown.eq(&contract.markdown),
                        contracts::document_markdown.eq(&filled),
                        contracts::document_html.eq(&html),
                        contracts::document_sha256.eq(&document_sha256),
                        contracts::published_at.eq(now),
                        contracts::updated_at.eq(now),
                        contracts::audit_rows.eq(0),
                        contracts::audit_head.eq(GENESIS),
                    ))
                    .execute(conn)?;
                audit::append(
                    conn,
                    &new_id,
                    Action::Published,
                    &document_detail(&document_sha256, title),
                    now,
                )?;
                (new_id, ContractPushed::Published)
            }
        };
        let mut queued = false;
        if pushed == ContractPushed::Published
            && let Some(row) = super::find(conn, &contract_id)?
        {
            let head = crate::site::letterhead(conn, site_url)?;
            queued = email::enqueue(conn, emails::published(&head, &row, &event, &client))?;
        }
        Ok((pushed, queued))
    })
}

/// What the merge fields stand for in `event`'s contracts now, and its client.
fn merge_values(conn: &mut DbConn, event: &EventRow) -> db::Result<(MergeValues, ClientRow)> {
    let studio = crate::studio::load(conn)?;
    let client = people::client(conn, &event.client_id)?;
    let locale = studio.as_ref().map(|s| s.locale()).unwrap_or_default();
    let values = MergeValues {
        client_first_name: client.first_name.clone(),
        client_last_name: client.last_name.clone(),
        client_email: client.email.clone(),
        session_date: locale.date(event.session_date),
        session_description: event.description.clone(),
        studio_name: studio.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        studio_email: studio.as_ref().and_then(|s| s.email.clone()),
        studio_phone: studio.as_ref().and_then(|s| s.phone.clone()),
        studio_signer: studio.as_ref().and_then(|s| s.signer.clone()),
    };
    Ok((values, client))
}

/// Fills the unsigned contracts again — those of `event`, or every one — after the session
/// or the studio changed: a new client, a corrected name, a new date. A contract whose text
/// comes out different is replaced (its client reads the new text; the audit trail says so);
/// one that no longer fills (the studio removed `signer`) keeps its text, and the log says
/// why. Answers how many were replaced.
pub fn refresh_unsigned(conn: &mut DbConn, event: Option<&EventId>) -> db::Result<usize> {
    let mut query = contracts::table
        .left_join(contract_signatures::table)
        .filter(contract_signatures::contract_id.nullable().is_null())
        .filter(contracts::withdrawn_at.is_null())
        .filter(contracts::event_id.is_not_null())
        .select(ContractRow::as_select())
        .into_boxed();
    if let Some(event) = event {
        query = query.filter(contracts::event_id.eq(event));
    }
    let unsigned: Vec<ContractRow> = query.load(conn)?;
    let mut replaced = 0;
    for held in unsigned {
        let Some(event_id) = &held.event_id else { continue };
        let Some(event) = crate::events::access::load_event(conn, event_id)? else { continue };
        let (values, _) = merge_values(conn, &event)?;
        let filled = match document::fill(&held.source_markdown, &values) {
            Ok(filled) => filled,
            Err(e) => {
                tracing::warn!(
                    session = %held.studio_session_id,
                    contract = %held.studio_contract_id,
                    "the contract keeps its text: {}",
                    e.describe()
                );
                continue;
            }
        };
        let html = document::render_html(&filled);
        let document_sha256 = document::sha256(&html);
        if document_sha256 == held.document_sha256 && held.client_id == event.client_id {
            continue;
        }
        db::write_transaction(conn, |conn| -> db::Result<()> {
            super::lock(conn, &held.id)?;
            if super::signed_at(conn, &held.id)?.is_some() {
                return Ok(());
            }
            diesel::update(contracts::table.find(&held.id))
                .set((
                    contracts::client_id.eq(&event.client_id),
                    contracts::document_markdown.eq(&filled),
                    contracts::document_html.eq(&html),
                    contracts::document_sha256.eq(&document_sha256),
                    contracts::updated_at.eq(db::now()),
                ))
                .execute(conn)?;
            let detail = document_detail(&document_sha256, &held.title);
            audit::append(conn, &held.id, Action::Replaced, &detail, db::now())?;
            replaced += 1;
            Ok(())
        })?;
    }
    Ok(replaced)
}

/// Takes an unsigned contract off the site; a signed one cannot be (409).
pub fn withdraw(conn: &mut DbConn, session: &str, id: &str) -> Result<(), ContractError> {
    db::write_transaction(conn, |conn| {
        let held: Option<ContractRow> = by_studio_ids(conn, session, id)?;
        let Some(held) = held else {
            return Err(ContractError::NotFound(format!(
                "Session {session} has no contract {id} online."
            )));
        };
        super::lock(conn, &held.id)?;
        if super::signed_at(conn, &held.id)?.is_some() {
            return Err(ContractError::Signed(format!(
                "Contract {id} of session {session} is signed and stays."
            )));
        }
        if held.withdrawn_at.is_some() {
            return Ok(());
        }
        let now = db::now();
        diesel::update(contracts::table.find(&held.id))
            .set((contracts::withdrawn_at.eq(now), contracts::updated_at.eq(now)))
            .execute(conn)?;
        audit::append(conn, &held.id, Action::Withdrawn, "by the studio", now)?;
        Ok(())
    })
}
