//! The cart: price-list items with the images picked for them, kept on the server per person
//! per event, so it survives signing out and another device. It holds SKUs and quantities
//! only; what they cost is read from the price list whenever the cart is shown or checked out.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::catalog::Catalog;
use super::totals::{self, MAX_QUANTITY};
use crate::auth::SignedIn;
use crate::auth::browser_session::{CurrentSession, Person};
use crate::db::schema::{cart_item_images, cart_items};
use crate::db::{self, DbConn, EventId, ImageId};
use crate::error::AppError;
use crate::gallery::acting::{Acting, image_of_event};
use crate::gallery::view::{ImageCard, image_options, load_gallery};
use crate::site::{self, base_context};
use crate::web::CsrfForm;
use crate::web::State;
use crate::web::format::urlencode;

/// Someone who may order in an event, and what they can order there.
pub struct Shop {
    pub acting: Acting,
    pub catalog: Catalog,
}

pub fn ordering_closed() -> AppError {
    AppError::not_found(
        "ordering_closed",
        "Prints cannot be ordered from this gallery online; please ask the studio.",
    )
}

/// The signed-in person in an event they may see, with its price list; a gallery without
/// one, or a studio that takes no payment, has no shop.
pub async fn open_shop(state: &State, acting: Acting) -> Result<Shop, AppError> {
    let event = acting.event.clone();
    let catalog = db::run(&state.pool, move |conn| Catalog::load(conn, &event)).await?;
    let catalog = catalog.ok_or_else(ordering_closed)?;
    if !catalog.takes_orders(state.config.takes_cards()) {
        return Err(ordering_closed());
    }
    Ok(Shop { acting, catalog })
}

/// A cart line as stored.
#[derive(Debug, Clone)]
pub struct CartLine {
    pub id: String,
    pub sku: String,
    pub quantity: i32,
    /// The image picked for each slot, by slot number.
    pub picks: Vec<(i32, ImageId)>,
}

impl CartLine {
    pub fn pick(&self, slot: i32) -> Option<&ImageId> {
        self.picks.iter().find(|(s, _)| *s == slot).map(|(_, id)| id)
    }
}

/// The person's cart in an event, oldest line first.
pub fn load_lines(
    conn: &mut DbConn,
    event: &EventId,
    person_id: &str,
) -> db::Result<Vec<CartLine>> {
    let rows: Vec<(String, String, i32)> = cart_items::table
        .filter(cart_items::event_id.eq(event))
        .filter(cart_items::person_id.eq(person_id))
        .order((cart_items::created_at.asc(), cart_items::id.asc()))
        .select((cart_items::id, cart_items::sku, cart_items::quantity))
        .load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let picks: Vec<(String, i32, ImageId)> = cart_item_images::table
        .filter(cart_item_images::cart_item_id.eq_any(&ids))
        .select((
            cart_item_images::cart_item_id,
            cart_item_images::slot,
            cart_item_images::image_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, sku, quantity)| CartLine {
            picks: picks
                .iter()
                .filter(|(line, _, _)| *line == id)
                .map(|(_, slot, image)| (*slot, image.clone()))
                .collect(),
            id,
            sku,
            quantity,
        })
        .collect())
}

/// Whether the cart holds anything to send or hand over: files alone need no shipping method
/// and no address.
pub fn ships(catalog: &Catalog, lines: &[CartLine]) -> bool {
    !catalog.shipping_methods.is_empty() && !files_only(catalog, lines)
}

/// Whether every line of the cart is a file (downloaded, not sent).
pub fn files_only(catalog: &Catalog, lines: &[CartLine]) -> bool {
    !lines.is_empty()
        && lines.iter().all(|l| catalog.item(&l.sku).is_some_and(|i| i.kind.is_digital()))
}

/// The cart's lines as [`totals`] prices them; an explanation for the client when the cart
/// cannot be ordered as it is (an item taken off the price list, an image not picked yet).
pub fn priced_lines(catalog: &Catalog, lines: &[CartLine]) -> Result<Vec<totals::Line>, String> {
    let mut priced = Vec::with_capacity(lines.len());
    for line in lines {
        let Some(item) = catalog.item(&line.sku) else {
            return Err(format!(
                "\"{}\" is no longer offered; remove it from the cart to go on.",
                line.sku
            ));
        };
        if (0..item.images).any(|slot| line.pick(slot).is_none()) {
            return Err(format!("Pick a photo for each print of \"{}\".", item.name));
        }
        if item.kind.is_digital() && line.quantity != 1 {
            return Err(format!("\"{}\" is a file: it is bought once (quantity 1).", item.name));
        }
        priced.push(totals::Line {
            sku: item.sku.clone(),
            name: item.name.clone(),
            unit_cents: item.price_cents,
            quantity: u32::try_from(line.quantity).unwrap_or(0),
            taxable: item.taxable,
        });
    }
    Ok(priced)
}

/// A quantity as typed: a whole number from 1 to 999.
pub fn parse_quantity(raw: &str) -> Result<i32, AppError> {
    match raw.trim().parse::<i64>() {
        Ok(q) if (1..=i64::from(MAX_QUANTITY)).contains(&q) => Ok(q as i32),
        Ok(q) if q <= 0 => Err(AppError::unprocessable(
            "invalid_quantity",
            "A quantity is at least 1; to take an item out of the cart, remove it.",
        )),
        _ => Err(AppError::unprocessable(
            "invalid_quantity",
            format!("Type a quantity from 1 to {MAX_QUANTITY}."),
        )),
    }
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    sku: String,
    #[serde(default = "one")]
    quantity: String,
    /// The photo the item is ordered from: the first photo of a package, the others are
    /// picked in the cart.
    #[serde(default)]
    image_id: String,
    /// The page to go back to (the photo's), told what was added; else the cart.
    #[serde(default)]
    back: String,
}

fn one() -> String {
    "1".into()
}

/// Puts an item in the cart, made from one photo. The same print from the same photo again
/// adds to its quantity; a package always starts a line of its own, its first photo the one
/// it was ordered from and the others for the client to pick.
pub async fn add_to_cart(
    req: HttpRequest,
    state: State,
    acting: Acting,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    let shop = open_shop(&state, acting).await?;
    let item = shop.catalog.item(form.sku.trim()).cloned().ok_or_else(|| {
        AppError::unprocessable("unknown_item", "That item is not on this gallery's price list.")
    })?;
    // A file is bought once, whatever the panel's stepper says.
    let quantity = if item.kind.is_digital() { 1 } else { parse_quantity(&form.quantity)? };
    let image = if item.images > 0 {
        Some(image_of_event(&state, &shop.acting.event, &form.image_id).await?)
    } else {
        None
    };
    let person = shop.acting.person.clone();
    let event = shop.acting.event.id.clone();
    let sku = item.sku.clone();
    let count = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let lines = load_lines(conn, &event, person.person_id())?;
            let same = lines.iter().find(|l| {
                item.images <= 1
                    && l.sku == item.sku
                    && l.picks.len() == item.images as usize
                    && l.picks.iter().all(|(_, id)| Some(id) == image.as_ref())
            });
            match same {
                // Already in the cart: a file is bought once.
                Some(_) if item.kind.is_digital() => {}
                Some(line) => {
                    let total = line.quantity + quantity;
                    if total > MAX_QUANTITY as i32 {
                        return Err(AppError::unprocessable(
                            "invalid_quantity",
                            format!("At most {MAX_QUANTITY} of one item in an order."),
                        ));
                    }
                    diesel::update(cart_items::table.find(&line.id))
                        .set((cart_items::quantity.eq(total), cart_items::updated_at.eq(db::now())))
                        .execute(conn)?;
                }
                None => insert_line(conn, &event, &person, &item.sku, quantity, image.as_ref())?,
            }
            Ok(count_of_person(conn, &person)?)
        })
    })
    .await?;
    let cart = format!("/events/{}/cart", shop.acting.event.id);
    let back = match site::local_path(Some(&form.back)) {
        Some(back) => {
            let (path, fragment) = back.split_once('#').unwrap_or((back.as_str(), ""));
            let join = if path.contains('?') { '&' } else { '?' };
            let added = urlencode(&sku);
            let fragment = if fragment.is_empty() { String::new() } else { format!("#{fragment}") };
            format!("{path}{join}added={added}{fragment}")
        }
        None => cart.clone(),
    };
    let to_pick = (item.images - 1).max(0);
    Ok(site::done(
        &req,
        &back,
        serde_json::json!({ "added": sku, "name": item.name, "cart": cart, "count": count,
                            "to_pick": to_pick }),
    ))
}

/// How many items (quantities added up) the person has in the carts of all their events.
pub fn count_of_person(conn: &mut DbConn, person: &Person) -> db::Result<i64> {
    let quantities: Vec<i32> = cart_items::table
        .filter(cart_items::person_id.eq(person.person_id()))
        .filter(cart_items::person_kind.eq(person.kind()))
        .select(cart_items::quantity)
        .load(conn)?;
    Ok(quantities.into_iter().map(i64::from).sum())
}

/// A new cart line; its first photo slot (if it has one) holds `image`.
fn insert_line(
    conn: &mut DbConn,
    event: &EventId,
    person: &Person,
    sku: &str,
    quantity: i32,
    image: Option<&ImageId>,
) -> db::Result<()> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = db::now();
    diesel::insert_into(cart_items::table)
        .values((
            cart_items::id.eq(&id),
            cart_items::event_id.eq(event),
            cart_items::person_id.eq(person.person_id()),
            cart_items::person_kind.eq(person.kind()),
            cart_items::sku.eq(sku),
            cart_items::quantity.eq(quantity),
            cart_items::created_at.eq(now),
            cart_items::updated_at.eq(now),
        ))
        .execute(conn)?;
    if let Some(image) = image {
        set_pick(conn, &id, 0, image)?;
    }
    Ok(())
}

/// Whether the line `line_id` is in this person's cart of this event.
fn owns_line(
    conn: &mut DbConn,
    line_id: &str,
    event: &EventId,
    person_id: &str,
) -> db::Result<bool> {
    let found: i64 = cart_items::table
        .filter(cart_items::id.eq(line_id))
        .filter(cart_items::event_id.eq(event))
        .filter(cart_items::person_id.eq(person_id))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

fn line_not_found() -> AppError {
    AppError::not_found("cart_line_not_found", "That item is not in your cart.")
}

/// Changes a line's quantity and the photo of each of its slots. The form holds `quantity`
/// and one `pick_<slot>` per slot.
pub async fn update_line(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    acting.session.check_csrf(field("csrf"))?;
    let (_, line_id) = path.into_inner();
    let shop = open_shop(&state, acting).await?;
    let quantity = parse_quantity(field("quantity").unwrap_or("1"))?;
    let mut picks: Vec<(i32, ImageId)> = Vec::new();
    for (key, value) in form.iter() {
        let Some(slot) = key.strip_prefix("pick_") else { continue };
        let slot: i32 = slot.parse().map_err(|_| {
            AppError::unprocessable("invalid_form", format!("\"{key}\" is not a photo slot."))
        })?;
        // "Pick a photo…" left as it is: that slot stays empty.
        if value.is_empty() {
            continue;
        }
        picks.push((slot, image_of_event(&state, &shop.acting.event, value).await?));
    }
    let person_id = shop.acting.person.person_id().to_string();
    let event = shop.acting.event.id.clone();
    let skus: Vec<(String, i32)> =
        shop.catalog.items.iter().map(|i| (i.sku.clone(), i.images)).collect();
    let line = line_id.clone();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            if !owns_line(conn, &line, &event, &person_id)? {
                return Err(line_not_found());
            }
            let sku: String = cart_items::table.find(&line).select(cart_items::sku).first(conn)?;
            let slots = skus.iter().find(|(s, _)| *s == sku).map_or(0, |(_, n)| *n);
            if let Some((slot, _)) = picks.iter().find(|(slot, _)| !(0..slots).contains(slot)) {
                return Err(AppError::unprocessable(
                    "invalid_form",
                    format!("This item has no photo number {}.", i64::from(*slot) + 1),
                ));
            }
            diesel::update(cart_items::table.find(&line))
                .set((cart_items::quantity.eq(quantity), cart_items::updated_at.eq(db::now())))
                .execute(conn)?;
            for (slot, image) in &picks {
                set_pick(conn, &line, *slot, image)?;
            }
            Ok(())
        })
    })
    .await?;
    let cart = format!("/events/{}/cart", shop.acting.event.id);
    Ok(site::done(&req, &cart, serde_json::json!({ "updated": line_id, "quantity": quantity })))
}

pub async fn remove_line(
    req: HttpRequest,
    state: State,
    acting: Acting,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    let (_, line_id) = path.into_inner();
    let person_id = acting.person.person_id().to_string();
    let event = acting.event.id.clone();
    let line = line_id.clone();
    db::run(&state.pool, move |conn| -> Result<_, AppError> {
        db::write_transaction(conn, |conn| {
            if !owns_line(conn, &line, &event, &person_id)? {
                return Err(line_not_found());
            }
            diesel::delete(cart_items::table.find(&line)).execute(conn)?;
            Ok(())
        })
    })
    .await?;
    let cart = format!("/events/{}/cart", acting.event.id);
    Ok(site::done(&req, &cart, serde_json::json!({ "removed": line_id })))
}

#[derive(Serialize)]
pub struct LineView {
    pub id: String,
    pub sku: String,
    pub name: String,
    pub quantity: i32,
    /// The quantity field's value: the quantity, or what was typed when it was refused.
    pub quantity_field: String,
    /// Why what was typed for this line was refused.
    pub error: Option<String>,
    pub unit: String,
    pub total: String,
    pub offered: bool,
    /// A file: bought once, no quantity to choose.
    pub file: bool,
    pub slots: Vec<SlotView>,
}

#[derive(Serialize)]
pub struct SlotView {
    pub slot: i32,
    pub number: i32,
    /// What the photo becomes: "8×10", "5×7 #1", or "Photo 2" when the studio named nothing.
    pub label: String,
    pub image_id: String,
    pub name: String,
    pub thumb_url: String,
}

/// The cart's lines as the pages show them, with each picked photo's name and thumbnail.
pub fn line_views(catalog: &Catalog, lines: &[CartLine], images: &[ImageCard]) -> Vec<LineView> {
    lines
        .iter()
        .map(|line| {
            let item = catalog.item(&line.sku);
            let slots = item.map_or(0, |i| i.images);
            let labels = item.map(|i| i.slot_names()).unwrap_or_default();
            let unit = item.map_or(0, |i| i.price_cents);
            LineView {
                id: line.id.clone(),
                sku: line.sku.clone(),
                name: item.map_or_else(|| line.sku.clone(), |i| i.name.clone()),
                quantity: line.quantity,
                quantity_field: line.quantity.to_string(),
                error: None,
                unit: catalog.money(unit),
                total: catalog.money(unit * i64::from(line.quantity)),
                offered: item.is_some(),
                file: item.is_some_and(|i| i.kind.is_digital()),
                slots: (0..slots)
                    .map(|slot| {
                        let card = line
                            .pick(slot)
                            .and_then(|id| images.iter().find(|c| c.id == id.as_str()));
                        SlotView {
                            slot,
                            number: slot + 1,
                            label: labels.get(slot as usize).cloned().unwrap_or_default(),
                            image_id: card.map(|c| c.id.clone()).unwrap_or_default(),
                            name: card.map(|c| c.name.clone()).unwrap_or_default(),
                            thumb_url: card.map(|c| c.thumb_url.clone()).unwrap_or_default(),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// What the cart form sent and was refused: each line's quantity as typed and why it was
/// refused, and the photos picked, shown again as they were.
#[derive(Default)]
struct Typed {
    quantities: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    picks: Vec<(String, i32, ImageId)>,
}

/// The cart's subtotal at the current price list (an item no longer offered counts nothing).
fn subtotal(catalog: &Catalog, lines: &[CartLine]) -> i64 {
    lines
        .iter()
        .filter_map(|l| catalog.item(&l.sku).map(|i| i.price_cents * i64::from(l.quantity)))
        .sum()
}

/// The cart page: each line with its photos (each can be changed), quantity, price and the
/// subtotal; checkout from here.
pub async fn cart_page(
    req: HttpRequest,
    state: State,
    acting: Acting,
) -> Result<HttpResponse, AppError> {
    let shop = open_shop(&state, acting).await?;
    let session = &shop.acting.session;
    render_cart(&req, &state, session, &shop, &Typed::default(), StatusCode::OK).await
}

/// Renders the cart as stored, with what was typed and refused (`typed`) over it.
async fn render_cart(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    shop: &Shop,
    typed: &Typed,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let event_id = shop.acting.event.id.clone();
    let gallery = load_gallery(state, session, &event_id)
        .await?
        .map_err(|_| AppError::not_found("event_not_found", "There is no such gallery."))?;
    let person_id = shop.acting.person.person_id().to_string();
    let event = event_id.clone();
    let (mut lines, favorites) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let favorites = crate::favorites::notes_of(conn, &event, &person_id)?;
        let favorites: HashSet<String> = favorites.into_keys().map(|id| id.to_string()).collect();
        Ok((load_lines(conn, &event, &person_id)?, favorites))
    })
    .await?;
    let problem = priced_lines(&shop.catalog, &lines).err();
    let subtotal = subtotal(&shop.catalog, &lines);
    for (line_id, slot, image) in &typed.picks {
        if let Some(line) = lines.iter_mut().find(|l| l.id == *line_id) {
            line.picks.retain(|(s, _)| s != slot);
            line.picks.push((*slot, image.clone()));
        }
    }
    let mut views = line_views(&shop.catalog, &lines, &gallery.images);
    for view in &mut views {
        if let Some((_, raw)) = typed.quantities.iter().find(|(id, _)| *id == view.id) {
            view.quantity_field = raw.clone();
        }
        view.error = typed.errors.iter().find(|(id, _)| *id == view.id).map(|(_, e)| e.clone());
    }
    let options = image_options(&gallery.images, &favorites);
    let mut context = base_context(req, state, session, &shop.acting.studio).await?;
    context.insert("event_url", &format!("/events/{event_id}"));
    context.insert("description", &shop.acting.event.description);
    context.insert("lines", &views);
    context.insert("image_options", &options);
    context.insert("subtotal", &shop.catalog.money(subtotal));
    context.insert("problem", &problem);
    site::render_status(state, "cart.html", &context, status)
}

/// `pick_<line>_<slot>` of the cart form: the line and the slot.
fn pick_field(key: &str) -> Option<Result<(&str, i32), AppError>> {
    let rest = key.strip_prefix("pick_")?;
    let bad = || AppError::unprocessable("invalid_form", format!("\"{key}\" is not a photo slot."));
    Some(match rest.rsplit_once('_') {
        Some((line, slot)) => slot.parse().map(|slot| (line, slot)).map_err(|_| bad()),
        None => Err(bad()),
    })
}

/// "Update cart" (and "Check out", which saves first), and the page's script as the client
/// changes the cart: saves every line of the cart form at once — `quantity_<line>` and
/// `pick_<line>_<slot>` — or, when one is refused, none, and shows the cart again with what
/// was typed and why. `then=checkout` goes on to checkout. Lines the form does not name stay
/// as they are; names of lines no longer in the cart are passed over.
pub async fn update_cart(
    req: HttpRequest,
    state: State,
    acting: Acting,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    acting.session.check_csrf(field("csrf"))?;
    let shop = open_shop(&state, acting).await?;
    let session = &shop.acting.session;
    let mut typed = Typed::default();
    for (key, value) in form.iter() {
        if let Some(line) = key.strip_prefix("quantity_") {
            typed.quantities.push((line.to_string(), value.clone()));
        } else if let Some(pick) = pick_field(key) {
            let (line, slot) = pick?;
            // "Pick a photo…" left as it is: that slot stays as it was.
            if !value.is_empty() {
                let image = image_of_event(&state, &shop.acting.event, value).await?;
                typed.picks.push((line.to_string(), slot, image));
            }
        }
    }
    let person_id = shop.acting.person.person_id().to_string();
    let event = shop.acting.event.id.clone();
    let catalog = shop.catalog.clone();
    let (quantities, picks) = (typed.quantities.clone(), typed.picks.clone());
    let saved = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let lines = load_lines(conn, &event, &person_id)?;
            let mut changes = Vec::new();
            let mut refused = Vec::new();
            for line in &lines {
                let Some((_, raw)) = quantities.iter().find(|(id, _)| *id == line.id) else {
                    continue;
                };
                match parse_quantity(raw) {
                    Ok(quantity) => changes.push((line.id.clone(), quantity)),
                    Err(e) => refused.push((line.id.clone(), e.message)),
                }
            }
            for (line_id, slot, _) in &picks {
                let Some(line) = lines.iter().find(|l| l.id == *line_id) else { continue };
                let slots = catalog.item(&line.sku).map_or(0, |i| i.images);
                if !(0..slots).contains(slot) {
                    return Err(AppError::unprocessable(
                        "invalid_form",
                        format!("This item has no photo number {}.", i64::from(*slot) + 1),
                    ));
                }
            }
            if !refused.is_empty() {
                return Ok(Err(refused));
            }
            for (line, quantity) in &changes {
                diesel::update(cart_items::table.find(line))
                    .set((cart_items::quantity.eq(quantity), cart_items::updated_at.eq(db::now())))
                    .execute(conn)?;
            }
            for (line, slot, image) in picks.iter().filter(|p| lines.iter().any(|l| l.id == p.0)) {
                set_pick(conn, line, *slot, image)?;
            }
            Ok(Ok(load_lines(conn, &event, &person_id)?))
        })
    })
    .await?;
    let lines = match saved {
        Ok(lines) => lines,
        Err(refused) => {
            let message = refused.first().map(|(_, m)| m.clone()).unwrap_or_default();
            if site::wants_json(&req) {
                let by_line: serde_json::Map<String, serde_json::Value> =
                    refused.into_iter().map(|(id, m)| (id, m.into())).collect();
                return Ok(HttpResponse::UnprocessableEntity().json(serde_json::json!({
                    "error": "invalid_quantity",
                    "message": message,
                    "lines": by_line,
                })));
            }
            typed.errors = refused;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_cart(&req, &state, session, &shop, &typed, status).await;
        }
    };
    let catalog = &shop.catalog;
    let answer = serde_json::json!({
        "lines": lines.iter().map(|l| {
            let unit = catalog.item(&l.sku).map_or(0, |i| i.price_cents);
            serde_json::json!({
                "id": l.id,
                "quantity": l.quantity,
                "total": catalog.money(unit * i64::from(l.quantity)),
            })
        }).collect::<Vec<_>>(),
        "subtotal": catalog.money(subtotal(catalog, &lines)),
        "problem": priced_lines(catalog, &lines).err(),
    });
    let event_url = format!("/events/{}", shop.acting.event.id);
    let next = if field("then") == Some("checkout") {
        format!("{event_url}/checkout")
    } else {
        format!("{event_url}/cart")
    };
    Ok(site::done(&req, &next, answer))
}

/// Puts `image` in a line's photo slot.
fn set_pick(conn: &mut DbConn, line: &str, slot: i32, image: &ImageId) -> db::Result<()> {
    diesel::delete(cart_item_images::table.find((line, slot))).execute(conn)?;
    diesel::insert_into(cart_item_images::table)
        .values((
            cart_item_images::cart_item_id.eq(line),
            cart_item_images::slot.eq(slot),
            cart_item_images::image_id.eq(image),
        ))
        .execute(conn)?;
    Ok(())
}

/// The events a person has a cart in, with how many items each holds, latest change first.
fn carts_of_person(conn: &mut DbConn, person: &Person) -> db::Result<Vec<(EventId, i64)>> {
    let rows: Vec<(EventId, i32, chrono::NaiveDateTime)> = cart_items::table
        .filter(cart_items::person_id.eq(person.person_id()))
        .filter(cart_items::person_kind.eq(person.kind()))
        .select((cart_items::event_id, cart_items::quantity, cart_items::updated_at))
        .load(conn)?;
    let mut carts: Vec<(EventId, i64, chrono::NaiveDateTime)> = Vec::new();
    for (event, quantity, at) in rows {
        match carts.iter_mut().find(|c| c.0 == event) {
            Some(cart) => {
                cart.1 += i64::from(quantity);
                cart.2 = cart.2.max(at);
            }
            None => carts.push((event, i64::from(quantity), at)),
        }
    }
    carts.sort_by_key(|c| std::cmp::Reverse(c.2));
    Ok(carts.into_iter().map(|(event, count, _)| (event, count)).collect())
}

#[derive(Serialize)]
struct CartCard {
    url: String,
    description: String,
    count: i64,
}

/// The header's cart: the person's one cart, or their carts by event to choose from (a cart
/// is kept per event, since each has its own price list).
pub async fn carts_page(
    req: HttpRequest,
    state: State,
    signed_in: SignedIn,
) -> Result<HttpResponse, AppError> {
    let person = signed_in.person.clone();
    let (studio, carts) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let studio = site::studio_view(conn)?.1;
        let mut cards = Vec::new();
        for (event_id, count) in carts_of_person(conn, &person)? {
            let Some(event) = crate::events::access::load_event(conn, &event_id)? else {
                continue;
            };
            cards.push(CartCard {
                url: format!("/events/{event_id}/cart"),
                description: event.description,
                count,
            });
        }
        Ok((studio, cards))
    })
    .await?;
    if let [only] = carts.as_slice() {
        return Ok(site::see_other(&only.url));
    }
    let mut context = base_context(&req, &state, &signed_in.session, &studio).await?;
    context.insert("carts", &carts);
    state.render("carts.html", &context)
}
