//! The client's side of a prepaid package: pick an image for each image of each print, review,
//! submit. Only the session's client sees it; submitting is final.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::Serialize;

use super::{InvoiceRow, ItemRow, Slot, slots};
use crate::db::schema::{prepaid_invoices, prepaid_picks};
use crate::db::{self, DbConn, EventId, ImageId};
use crate::error::AppError;
use crate::feed;
use crate::gallery::acting::{Acting, image_of_event};
use crate::gallery::view::file_names_of;
use crate::gallery::view::{image_options, load_gallery};
use crate::site::{self, base_context};
use crate::web::State;

fn missing() -> AppError {
    AppError::not_found("prepaid_not_found", "There is no such prepaid package.")
}

/// The event's client, and their invoice in it.
async fn own_invoice(
    state: &State,
    acting: Acting,
    invoice: &str,
) -> Result<(Acting, InvoiceRow), AppError> {
    if !acting.is_the_client() {
        return Err(missing());
    }
    let (event, invoice) = (acting.event.id.clone(), invoice.to_string());
    let row: Option<InvoiceRow> = db::run(&state.pool, move |conn| -> db::Result<_> {
        Ok(prepaid_invoices::table
            .find(&invoice)
            .filter(prepaid_invoices::event_id.eq(&event))
            .select(InvoiceRow::as_select())
            .first(conn)
            .optional()?)
    })
    .await?;
    Ok((acting, row.ok_or_else(missing)?))
}

#[derive(Serialize)]
struct SlotView {
    field: String,
    label: String,
    image_id: String,
    name: String,
    thumb_url: String,
}

#[derive(Serialize)]
struct PrintView {
    label: String,
    slots: Vec<SlotView>,
}

#[derive(Serialize)]
struct ItemView {
    name: String,
    quantity: i32,
    prints: Vec<PrintView>,
}

fn field_name(s: Slot) -> String {
    format!("pick_{}_{}_{}", s.item, s.unit, s.slot)
}

fn parse_field(name: &str) -> Option<Slot> {
    let mut parts = name.strip_prefix("pick_")?.split('_').map(|p| p.parse::<i32>().ok());
    let (item, unit, slot) = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(Slot { item, unit, slot })
}

/// What the page shows.
enum Show {
    /// The picks, changeable.
    Edit,
    /// The picks, changeable, with why they cannot be reviewed yet (422).
    Missing(String),
    /// Everything picked, one button to submit.
    Review,
    /// Submitted: final.
    Done,
}

async fn render(
    req: &HttpRequest,
    state: &State,
    acting: &Acting,
    invoice: &InvoiceRow,
    show: Show,
) -> Result<HttpResponse, AppError> {
    let session = &acting.session;
    let (mode, error, status) = match show {
        Show::Edit => ("edit", None, StatusCode::OK),
        Show::Missing(why) => ("edit", Some(why), StatusCode::UNPROCESSABLE_ENTITY),
        Show::Review => ("review", None, StatusCode::OK),
        Show::Done => ("done", None, StatusCode::OK),
    };
    let gallery = load_gallery(state, session, &acting.event.id)
        .await?
        .map_err(|_| AppError::not_found("event_not_found", "There is no such gallery."))?;
    let id = invoice.id.clone();
    let (event, person_id) = (acting.event.id.clone(), acting.person.person_id().to_string());
    let (items, picks, favorites) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let favorites: HashSet<String> = crate::favorites::notes_of(conn, &event, &person_id)?
            .into_keys()
            .map(|id| id.to_string())
            .collect();
        Ok((super::items(conn, &id)?, super::picks(conn, &id)?, favorites))
    })
    .await?;
    let thumb = |image: &str| {
        gallery
            .images
            .iter()
            .find(|c| c.id == image)
            .map(|c| c.thumb_url.clone())
            .unwrap_or_default()
    };
    let views: Vec<ItemView> = items
        .iter()
        .map(|item| (item, item.slot_names()))
        .map(|(item, labels)| ItemView {
            name: item.name.clone(),
            quantity: item.quantity,
            prints: (0..item.quantity)
                .map(|unit| PrintView {
                    label: if item.quantity > 1 {
                        format!("{} {} of {}", item.name, unit + 1, item.quantity)
                    } else {
                        item.name.clone()
                    },
                    slots: (0..item.images_per_item)
                        .map(|slot| {
                            let at = Slot { item: item.position, unit, slot };
                            let picked = picks.get(&at);
                            SlotView {
                                field: field_name(at),
                                label: labels.get(slot as usize).cloned().unwrap_or_default(),
                                image_id: picked.map(|p| p.0.clone()).unwrap_or_default(),
                                name: picked.map(|p| p.1.clone()).unwrap_or_default(),
                                thumb_url: picked.map(|p| thumb(&p.0)).unwrap_or_default(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let total = slots(&items).len();
    let options = image_options(&gallery.images, &favorites);
    let currency = db::run(&state.pool, |conn| -> db::Result<_> {
        Ok(crate::studio::load(conn)?.map_or_else(|| "USD".to_string(), |s| s.currency))
    })
    .await?;
    let mut context = base_context(req, state, session, &acting.studio).await?;
    context.insert("event_url", &format!("/events/{}", acting.event.id));
    context.insert("description", &acting.event.description);
    context.insert("invoice_id", &invoice.id);
    context.insert("package_url", &super::package_path(&acting.event.id, &invoice.id));
    let locale = acting.studio.locale;
    context.insert("paid", &locale.money(invoice.paid_cents, &currency));
    context.insert("items", &views);
    context.insert("image_options", &options);
    context.insert("picked", &picks.len().min(total));
    context.insert("total_picks", &total);
    context.insert("mode", mode);
    context.insert("submitted", &invoice.submitted_at.map(|at| locale.date(at.date())));
    context.insert("error", &error);
    site::render_status(state, "prepaid.html", &context, status)
}

pub async fn prepaid_page(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (_, invoice) = path.into_inner();
    let (acting, row) = own_invoice(&state, acting, &invoice).await?;
    let show = if row.submitted_at.is_some() { Show::Done } else { Show::Edit };
    render(&req, &state, &acting, &row, show).await
}

/// Saves the picks sent (`pick_<item>_<print>_<photo>` = image id), then by `action`: `save`
/// shows the page again, `review` shows everything picked with the submit button (or says
/// how many are missing), `submit` makes the selection final.
pub async fn save_prepaid(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    acting.session.check_csrf(field("csrf"))?;
    let (_, invoice) = path.into_inner();
    let (acting, row) = own_invoice(&state, acting, &invoice).await?;
    if row.submitted_at.is_some() {
        return Err(AppError::conflict(
            "prepaid_submitted",
            "These picks were submitted to the studio and are final; contact the studio to change them.",
        ));
    }
    let mut sent: Vec<(Slot, ImageId)> = Vec::new();
    for (key, value) in form.iter().filter(|(k, _)| k.starts_with("pick_")) {
        let slot = parse_field(key).ok_or_else(|| {
            AppError::unprocessable(
                "invalid_form",
                format!("\"{key}\" is not a photo of the package."),
            )
        })?;
        if value.is_empty() {
            continue;
        }
        sent.push((slot, image_of_event(&state, &acting.event, value).await?));
    }
    let action = field("action").unwrap_or("save").to_string();
    let id = row.id.clone();
    let event = acting.event.id.clone();
    let outcome = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| store(conn, &id, &event, &sent, action == "submit"))
    })
    .await?;
    let back = super::package_path(&acting.event.id, &row.id);
    match (outcome, field("action").unwrap_or("save")) {
        (Stored::Missing(n), "review" | "submit") => {
            let message = format!(
                "Pick {n} more photo{} — every print of the package needs one for each of its images.",
                if n == 1 { "" } else { "s" }
            );
            render(&req, &state, &acting, &row, Show::Missing(message)).await
        }
        (Stored::Complete, "review") => render(&req, &state, &acting, &row, Show::Review).await,
        _ => Ok(site::done(&req, &back, serde_json::json!({ "saved": true }))),
    }
}

enum Stored {
    Complete,
    /// This many slots have no photo yet.
    Missing(usize),
}

/// Replaces the picks of the slots sent; with `submit`, a complete package becomes final.
fn store(
    conn: &mut DbConn,
    invoice: &str,
    event: &EventId,
    sent: &[(Slot, ImageId)],
    submit: bool,
) -> Result<Stored, AppError> {
    // Locks the invoice's row first (PostgreSQL): a studio change or another submit waits, and
    // a final invoice is never written to.
    let open = diesel::update(
        prepaid_invoices::table.find(invoice).filter(prepaid_invoices::submitted_at.is_null()),
    )
    .set(prepaid_invoices::updated_at.eq(db::now()))
    .execute(conn)?;
    if open == 0 {
        return Err(AppError::conflict("prepaid_submitted", "These picks are already final."));
    }
    let items: Vec<ItemRow> = super::items(conn, invoice)?;
    let all = slots(&items);
    if let Some((slot, _)) = sent.iter().find(|(s, _)| !all.contains(s)) {
        return Err(AppError::unprocessable(
            "invalid_form",
            format!(
                "The package has no print {} of item {}, photo {}.",
                i64::from(slot.unit) + 1,
                i64::from(slot.item) + 1,
                i64::from(slot.slot) + 1
            ),
        ));
    }
    let ids: Vec<&str> = sent.iter().map(|(_, id)| id.as_str()).collect();
    let names: HashMap<String, String> = file_names_of(conn, Some(event), &ids)?;
    for (slot, image) in sent {
        let Some(name) = names.get(image.as_str()) else { continue };
        diesel::delete(prepaid_picks::table.find((invoice, slot.item, slot.unit, slot.slot)))
            .execute(conn)?;
        diesel::insert_into(prepaid_picks::table)
            .values((
                prepaid_picks::invoice_id.eq(invoice),
                prepaid_picks::item_position.eq(slot.item),
                prepaid_picks::unit.eq(slot.unit),
                prepaid_picks::slot.eq(slot.slot),
                prepaid_picks::image_id.eq(image),
                prepaid_picks::file_name.eq(name),
            ))
            .execute(conn)?;
    }
    let picked = super::picks(conn, invoice)?;
    let missing = all.iter().filter(|s| !picked.contains_key(s)).count();
    if missing > 0 {
        return Ok(Stored::Missing(missing));
    }
    if submit {
        diesel::update(prepaid_invoices::table.find(invoice))
            .set((
                prepaid_invoices::submitted_at.eq(db::now()),
                prepaid_invoices::updated_at.eq(db::now()),
            ))
            .execute(conn)?;
        feed::record(conn, feed::Kind::Prepaid, invoice)?;
    }
    Ok(Stored::Complete)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_fields_name_a_print_and_a_photo() {
        let s = Slot { item: 1, unit: 2, slot: 0 };
        assert_eq!(parse_field(&field_name(s)), Some(s));
        assert_eq!(parse_field("pick_1_2"), None);
        assert_eq!(parse_field("pick_1_2_3_4"), None);
        assert_eq!(parse_field("pick_a_2_3"), None);
        assert_eq!(parse_field("quantity"), None);
    }
}
