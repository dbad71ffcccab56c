//! Prepaid packages: invoices the studio sold at the session, pushed with
//! `PUT /api/v1/prepaid/{id}`, and the client's picks of an image for each image of each print
//! ([`pages`]). Submitting the picks is final; the selection goes to the studio through the
//! feed.

pub mod pages;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use proofroom_wire::prepaid::{
    PrepaidInvoice, PrepaidItem, PrepaidPicks, PrepaidSelection, PrepaidState, PrepaidSummary,
};

use crate::db::schema::{prepaid_invoices, prepaid_items, prepaid_picks};
use crate::db::{self, DbConn, EventId};
use crate::error::AppError;
use crate::web::check_studio_id;

/// The address of an invoice's page. The invoice id is the studio's file name and may hold
/// `# ? " < >`: it is percent-encoded, as every studio id in a URL is.
pub fn package_path(event: &EventId, invoice: &str) -> String {
    format!("/events/{event}/prepaid/{}", proofroom_wire::path_segment(invoice))
}

/// The most prints of one item in a package.
pub const MAX_QUANTITY: i32 = 100;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = prepaid_invoices)]
pub struct InvoiceRow {
    pub id: String,
    /// None once the session is taken down (a submitted selection is kept for the studio).
    pub event_id: Option<EventId>,
    pub studio_session_id: String,
    pub studio_client_id: String,
    pub client_name: String,
    pub paid_cents: i64,
    pub submitted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = prepaid_items)]
pub struct ItemRow {
    pub position: i32,
    pub sku: String,
    pub name: String,
    pub images_per_item: i32,
    pub quantity: i32,
    /// What each photo becomes, one name a line (the price list's at the time).
    pub print_names: String,
}

impl ItemRow {
    /// Each photo slot's name: "8×10", "5×7 #1", … (see [`proofroom_wire::slot_names`]).
    pub fn slot_names(&self) -> Vec<String> {
        let prints: Vec<String> = self.print_names.lines().map(str::to_string).collect();
        proofroom_wire::slot_names(&self.name, self.images_per_item, &prints)
    }
}

/// A pick: which print (item position, unit) and which of its images (slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub item: i32,
    pub unit: i32,
    pub slot: i32,
}

pub fn items(conn: &mut DbConn, invoice: &str) -> db::Result<Vec<ItemRow>> {
    Ok(prepaid_items::table
        .filter(prepaid_items::invoice_id.eq(invoice))
        .order(prepaid_items::position)
        .select(ItemRow::as_select())
        .load(conn)?)
}

/// The picks made so far: slot → (image id, file name).
pub fn picks(conn: &mut DbConn, invoice: &str) -> db::Result<HashMap<Slot, (String, String)>> {
    let rows: Vec<(i32, i32, i32, String, String)> = prepaid_picks::table
        .filter(prepaid_picks::invoice_id.eq(invoice))
        .select((
            prepaid_picks::item_position,
            prepaid_picks::unit,
            prepaid_picks::slot,
            prepaid_picks::image_id,
            prepaid_picks::file_name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(item, unit, slot, image, name)| (Slot { item, unit, slot }, (image, name)))
        .collect())
}

/// Every slot of the package, in order.
pub fn slots(items: &[ItemRow]) -> Vec<Slot> {
    items
        .iter()
        .flat_map(|i| {
            (0..i.quantity).flat_map(move |unit| {
                (0..i.images_per_item).map(move |slot| Slot { item: i.position, unit, slot })
            })
        })
        .collect()
}

/// The event's invoices: id and whether submitted.
pub fn of_event(conn: &mut DbConn, event: &EventId) -> db::Result<Vec<(String, bool)>> {
    let rows: Vec<(String, Option<NaiveDateTime>)> = prepaid_invoices::table
        .filter(prepaid_invoices::event_id.eq(event))
        .order(prepaid_invoices::id)
        .select((prepaid_invoices::id, prepaid_invoices::submitted_at))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, at)| (id, at.is_some())).collect())
}

/// Every invoice the server holds, as the studio pushed it.
pub fn summaries(conn: &mut DbConn) -> db::Result<Vec<PrepaidSummary>> {
    let rows: Vec<(String, String, i64, Option<NaiveDateTime>)> = prepaid_invoices::table
        .order(prepaid_invoices::id)
        .select((
            prepaid_invoices::id,
            prepaid_invoices::studio_session_id,
            prepaid_invoices::paid_cents,
            prepaid_invoices::submitted_at,
        ))
        .load(conn)?;
    let mut all = Vec::with_capacity(rows.len());
    for (id, session, paid_cents, submitted) in rows {
        let items = items(conn, &id)?
            .into_iter()
            .map(|i| PrepaidItem { sku: i.sku, quantity: i.quantity })
            .collect();
        all.push(PrepaidSummary {
            state: if submitted.is_some() {
                PrepaidState::Selected
            } else {
                PrepaidState::Uploaded
            },
            invoice: PrepaidInvoice { session, paid_cents, items },
            id,
        });
    }
    Ok(all)
}

/// Stores an invoice the studio pushed. An unchanged one keeps the client's picks; a changed
/// one starts them afresh; a submitted one cannot change (409).
pub fn upsert(conn: &mut DbConn, id: &str, invoice: &PrepaidInvoice) -> Result<bool, AppError> {
    check_studio_id("prepaid invoice", id)?;
    let invalid = |m: String| AppError::unprocessable("invalid_prepaid", m);
    if invoice.items.is_empty() {
        return Err(invalid(format!("Prepaid invoice {id} has no items.")));
    }
    if !(0..=100_000_000).contains(&invoice.paid_cents) {
        return Err(invalid(format!("Prepaid invoice {id}: the amount paid is impossible.")));
    }
    db::write_transaction(conn, |conn| {
        let event = crate::events::listing::by_studio_session_id(conn, &invoice.session)?;
        let client = match &event {
            Some(event) => crate::auth::people::client_name(conn, event.client_id.as_str())?,
            None => None,
        };
        let (Some(event), Some((client_id, client_name))) = (event, client) else {
            return Err(AppError::not_found(
                "session_not_online",
                format!(
                    "Session {} is not online; push it before its prepaid invoices.",
                    invoice.session
                ),
            ));
        };
        let (event_id, price_list) = (event.id, event.price_list_id);
        let list = match &price_list {
            Some(list) => crate::price_lists::load(conn, list)?,
            None => None,
        };
        let Some(list) = list else {
            return Err(invalid(format!(
                "Prepaid invoice {id}: session {} has no price list to take its items from.",
                invoice.session
            )));
        };
        let mut rows = Vec::with_capacity(invoice.items.len());
        for (position, item) in invoice.items.iter().enumerate() {
            let Some(listed) = list.items.iter().find(|i| i.sku == item.sku) else {
                return Err(invalid(format!(
                    "Prepaid invoice {id}: {} is not on the session's price list.",
                    item.sku
                )));
            };
            if !(1..=MAX_QUANTITY).contains(&item.quantity) {
                return Err(invalid(format!(
                    "Prepaid invoice {id}: the quantity of {} must be from 1 to {MAX_QUANTITY}.",
                    item.sku
                )));
            }
            rows.push((position as i32, listed.clone(), item.quantity));
        }
        let now = db::now();
        // Locks the invoice's row (PostgreSQL) before reading it: a client submitting at this
        // moment either finishes first (and the invoice is final) or waits for this change.
        diesel::update(prepaid_invoices::table.find(id))
            .set(prepaid_invoices::updated_at.eq(now))
            .execute(conn)?;
        let held: Option<InvoiceRow> = prepaid_invoices::table
            .find(id)
            .select(InvoiceRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(held) = held {
            let same_items = items(conn, id)?
                .iter()
                .map(|i| (i.sku.as_str(), i.quantity))
                .eq(invoice.items.iter().map(|i| (i.sku.as_str(), i.quantity)));
            let same = same_items
                && held.event_id.as_ref() == Some(&event_id)
                && held.paid_cents == invoice.paid_cents;
            if same {
                return Ok(false);
            }
            if held.submitted_at.is_some() {
                return Err(AppError::conflict(
                    "prepaid_selected",
                    format!(
                        "The client has submitted the picks of prepaid invoice {id}; it can no longer change."
                    ),
                ));
            }
            diesel::delete(prepaid_picks::table.filter(prepaid_picks::invoice_id.eq(id)))
                .execute(conn)?;
            diesel::delete(prepaid_items::table.filter(prepaid_items::invoice_id.eq(id)))
                .execute(conn)?;
            diesel::update(prepaid_invoices::table.find(id))
                .set((
                    prepaid_invoices::event_id.eq(&event_id),
                    prepaid_invoices::studio_session_id.eq(&invoice.session),
                    prepaid_invoices::studio_client_id.eq(&client_id),
                    prepaid_invoices::client_name.eq(&client_name),
                    prepaid_invoices::paid_cents.eq(invoice.paid_cents),
                    prepaid_invoices::updated_at.eq(now),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(prepaid_invoices::table)
                .values((
                    prepaid_invoices::id.eq(id),
                    prepaid_invoices::event_id.eq(&event_id),
                    prepaid_invoices::studio_session_id.eq(&invoice.session),
                    prepaid_invoices::studio_client_id.eq(&client_id),
                    prepaid_invoices::client_name.eq(&client_name),
                    prepaid_invoices::paid_cents.eq(invoice.paid_cents),
                    prepaid_invoices::created_at.eq(now),
                    prepaid_invoices::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        for (position, item, quantity) in rows {
            diesel::insert_into(prepaid_items::table)
                .values((
                    prepaid_items::invoice_id.eq(id),
                    prepaid_items::position.eq(position),
                    prepaid_items::sku.eq(&item.sku),
                    prepaid_items::name.eq(&item.name),
                    prepaid_items::images_per_item.eq(item.images.max(0)),
                    prepaid_items::quantity.eq(quantity),
                    prepaid_items::print_names.eq(item.prints.join("\n")),
                ))
                .execute(conn)?;
        }
        Ok(true)
    })
}

/// The submitted picks of an invoice, for the studio; `None` before submission or when gone.
pub fn selection(conn: &mut DbConn, invoice: &str) -> db::Result<Option<PrepaidSelection>> {
    let found: Option<InvoiceRow> = prepaid_invoices::table
        .find(invoice)
        .select(InvoiceRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = found else { return Ok(None) };
    let Some(submitted_at) = row.submitted_at else { return Ok(None) };
    let picks = picks(conn, invoice)?;
    let items = items(conn, invoice)?
        .into_iter()
        .map(|i| PrepaidPicks {
            picks: (0..i.quantity)
                .map(|unit| {
                    (0..i.images_per_item)
                        .map(|slot| {
                            picks
                                .get(&Slot { item: i.position, unit, slot })
                                .map(|(_, name)| name.clone())
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect(),
            sku: i.sku,
            name: i.name,
            quantity: i.quantity,
        })
        .collect();
    Ok(Some(PrepaidSelection {
        invoice_id: row.id,
        session_id: row.studio_session_id,
        client_id: row.studio_client_id,
        client_name: row.client_name,
        paid_cents: row.paid_cents,
        submitted_at,
        items,
    }))
}

/// With a take-down: a package not filled in goes with its gallery; a submitted one stays
/// (without its gallery) until the studio has pulled it.
pub fn drop_unsubmitted(conn: &mut DbConn, event: &EventId) -> db::Result<()> {
    diesel::delete(
        prepaid_invoices::table
            .filter(prepaid_invoices::event_id.eq(event))
            .filter(prepaid_invoices::submitted_at.is_null()),
    )
    .execute(conn)?;
    Ok(())
}
