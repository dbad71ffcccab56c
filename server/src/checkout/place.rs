//! Checkout: the client chooses shipping, types an address and maybe a promotion code, sees
//! the amounts, and places the order. Every amount is computed here from the price list; the
//! form carries only choices. A refused checkout is shown again with everything typed kept.
//!
//! The amounts on the page follow every choice: the page's script asks [`checkout_totals`]
//! (JSON), and without script "Update total" posts the form again. The form sends back the
//! total it showed (`shown_total`); an order that would cost anything else is not placed — the
//! page comes back with the new amounts instead, so no one is charged a figure they never saw.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::cart::{self, CartLine, Shop, open_shop};
use super::catalog::Catalog;
use super::number;
use super::orders::{self, OrderLineImageRow, OrderLineRow, OrderRow, OrderTaxRow};
use super::totals::{self, PromotionRefusal, Quote, QuoteError};
use crate::auth::browser_session::{CurrentSession, Person};
use crate::auth::people;
use crate::db::schema::{
    cart_items, order_line_images, order_lines, order_taxes, orders as orders_table,
};
use crate::db::{self, DbConn};
use crate::email;
use crate::error::AppError;
use crate::events::models::EventRow;
use crate::feed;
use crate::gallery::acting::Acting;
use crate::gallery::view::file_names_of;
use crate::gallery::view::load_gallery;
use crate::site::{self, base_context};
use crate::web::State;
use crate::web::format::tax_label;
use proofroom_wire::ShippingMethod;
use proofroom_wire::orders::PaymentStatus;

const MAX_ADDRESS_CHARS: usize = 1000;
const MAX_PHONE_CHARS: usize = 40;
/// A mistyped promotion code is repeated back up to this many characters.
const MAX_CODE_SHOWN: usize = 40;

/// What the checkout form sends: choices only, never an amount.
#[derive(Deserialize, Default, Clone)]
pub struct CheckoutForm {
    #[serde(default)]
    csrf: String,
    /// Made when the form was shown; sending the same form twice finds the first order.
    #[serde(default)]
    checkout_key: String,
    #[serde(default)]
    shipping: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    promotion: String,
    /// `pay_at_studio` or `card`.
    #[serde(default)]
    payment: String,
    /// The total (cents) the page showed when the client placed the order; compared, never
    /// charged. Empty (a form without it): not compared.
    #[serde(default)]
    shown_total: String,
    /// `place` to order; anything else shows the amounts for the choices made.
    #[serde(default)]
    action: String,
}

/// How the client may pay, as the studio allows and this server can take (cards only with
/// Stripe configured).
pub fn payment_choices(catalog: &Catalog, takes_cards: bool) -> Vec<&'static str> {
    let mut choices = Vec::new();
    if catalog.payment.card && takes_cards {
        choices.push("card");
    }
    if catalog.payment.pay_at_studio {
        choices.push("pay_at_studio");
    }
    choices
}

/// The client's words for why a promotion code does not apply, or why there is no total.
pub fn quote_problem(error: &QuoteError, catalog: &Catalog) -> String {
    match error {
        QuoteError::Empty => "Your cart is empty.".into(),
        QuoteError::Quantity { sku, .. } => {
            format!("The quantity of {sku} must be from 1 to {}.", totals::MAX_QUANTITY)
        }
        QuoteError::Price { sku } => {
            format!("{sku} has no valid price; please ask the studio.")
        }
        QuoteError::TooLarge => {
            "This order is too large to place online; please call the studio.".into()
        }
        QuoteError::Promotion(refusal) => match refusal {
            PromotionRefusal::Unknown { code } => {
                // What was typed, but not a page of it.
                let code: String = match code.char_indices().nth(MAX_CODE_SHOWN) {
                    Some((end, _)) => format!("{}…", &code[..end]),
                    None => code.clone(),
                };
                format!(
                    "There is no promotion code “{code}”. Check the spelling, or leave it empty."
                )
            }
            PromotionRefusal::NotYet { code, starts } => {
                format!("The code {code} can be used from {}.", catalog.date(*starts))
            }
            PromotionRefusal::Over { code, ended } => {
                format!("The code {code} ended on {}.", catalog.date(*ended))
            }
            PromotionRefusal::BelowMinimum { code, minimum_cents, subtotal_cents } => format!(
                "The code {code} needs an order of at least {} (this one is {}).",
                catalog.money(*minimum_cents),
                catalog.money(*subtotal_cents)
            ),
        },
    }
}

/// What the page shows for the cart and the choices made.
pub struct Amounts {
    /// With the promotion code when it applies; without it when it is refused, so the
    /// amounts never vanish.
    pub quote: Quote,
    /// Why the code typed does not apply, in the client's words (shown beside the field).
    pub promotion_refused: Option<String>,
}

/// The amounts for the cart, the shipping method and the code typed; `Err` with an error code
/// and the client's words when the cart cannot be priced at all (empty, an item no longer
/// offered, …).
pub fn amounts(
    catalog: &Catalog,
    lines: &[CartLine],
    shipping: Option<&ShippingMethod>,
    promotion: &str,
) -> Result<Amounts, (&'static str, String)> {
    if lines.is_empty() {
        return Err(("cart_empty", quote_problem(&QuoteError::Empty, catalog)));
    }
    let priced = cart::priced_lines(catalog, lines).map_err(|p| ("cart_not_ready", p))?;
    let price = |code: Option<&str>| {
        totals::quote(
            &priced,
            shipping,
            code,
            &catalog.promotions,
            &catalog.tax_rates,
            catalog.today,
        )
    };
    let problem = |e: QuoteError| {
        let code = match e {
            QuoteError::Empty => "cart_empty",
            QuoteError::Quantity { .. } => "invalid_quantity",
            QuoteError::Price { .. } => "invalid_price",
            QuoteError::TooLarge => "order_too_large",
            QuoteError::Promotion(_) => "invalid_promotion",
        };
        (code, quote_problem(&e, catalog))
    };
    match price(Some(promotion)) {
        Ok(quote) => Ok(Amounts { quote, promotion_refused: None }),
        Err(refused @ QuoteError::Promotion(_)) => Ok(Amounts {
            quote: price(None).map_err(problem)?,
            promotion_refused: Some(quote_problem(&refused, catalog)),
        }),
        Err(e) => Err(problem(e)),
    }
}

/// The amounts an order is placed at: a refused code refuses the order (it is never dropped
/// silently); `Err` with the client's words.
fn quote_for(catalog: &Catalog, lines: &[CartLine], form: &CheckoutForm) -> Result<Quote, String> {
    let shipping = catalog.shipping(form.shipping.trim()).filter(|_| cart::ships(catalog, lines));
    match amounts(catalog, lines, shipping, &form.promotion) {
        Ok(Amounts { promotion_refused: Some(_), .. }) => {
            Err("Your order was not placed: the promotion code cannot be used (see beside it). \
             Correct it or leave it empty."
                .into())
        }
        Ok(Amounts { quote, .. }) => Ok(quote),
        Err((_, problem)) => Err(problem),
    }
}

/// `Err` with the client's words when the page showed another total than `quote`'s.
fn check_shown_total(shown: &str, quote: &Quote, catalog: &Catalog) -> Result<(), String> {
    let shown = shown.trim();
    if shown.is_empty() || shown.parse::<i64>().ok() == Some(quote.total_cents) {
        return Ok(());
    }
    Err(format!(
        "The total is now {}: check the amounts below and place the order again.",
        catalog.money(quote.total_cents)
    ))
}

/// Who is ordering, as the order records them.
struct Customer {
    name: String,
    email: String,
    phone: Option<String>,
    address: Option<String>,
    studio_client_id: Option<String>,
}

fn customer(conn: &mut DbConn, person: &Person) -> db::Result<Customer> {
    let contact = people::contact(conn, person)?;
    Ok(Customer {
        name: contact.name,
        email: contact.email,
        phone: contact.phone,
        address: contact.address,
        studio_client_id: contact.studio_client_id,
    })
}

/// What placing an order came to.
enum Placed {
    /// The order (new, or the one this same form placed before); `card` when it is to be
    /// paid by card now.
    Order { number: String, new: bool, card: bool },
    /// Not placed; the client is told why and the form is shown again.
    Refused(String),
}

/// Places the order in one transaction: checks every choice, computes the amounts, writes the
/// order with copies of its lines and photo names, empties the cart, records it for the
/// studio's feed and queues the confirmation email.
fn place(
    conn: &mut DbConn,
    catalog: &Catalog,
    event: &EventRow,
    person: &Person,
    form: &CheckoutForm,
    site: &SiteInfo,
) -> Result<Placed, AppError> {
    db::write_transaction(conn, |conn| {
        let key = form.checkout_key.trim();
        if key.is_empty() || key.len() > 64 {
            return Ok(Placed::Refused(
                "This checkout form is out of date; please check the order and place it again."
                    .into(),
            ));
        }
        if let Some(placed) = placed_with_key(conn, key, person)? {
            return Ok(placed);
        }
        let lines = cart::load_lines(conn, &event.id, person.person_id())?;
        if lines.is_empty() {
            return Ok(Placed::Refused("Your cart is empty.".into()));
        }
        // Files only: nothing to send, so no shipping and no address.
        let shipping = if !cart::ships(catalog, &lines) {
            None
        } else {
            match catalog.shipping(form.shipping.trim()) {
                Some(method) => Some(method),
                None => return Ok(Placed::Refused("Choose how you will get your order.".into())),
            }
        };
        let address = form.address.trim();
        let address = match shipping {
            Some(method) if !method.pickup => {
                if address.is_empty() {
                    return Ok(Placed::Refused(format!(
                        "Type the address to send your order to ({}).",
                        method.name
                    )));
                }
                if address.chars().count() > MAX_ADDRESS_CHARS {
                    return Ok(Placed::Refused("That address is too long.".into()));
                }
                Some(address.to_string())
            }
            _ => None,
        };
        let phone = form.phone.trim();
        if phone.chars().count() > MAX_PHONE_CHARS {
            return Ok(Placed::Refused("That phone number is too long.".into()));
        }
        let payment = form.payment.trim();
        if !payment_choices(catalog, site.takes_cards).contains(&payment) {
            return Ok(Placed::Refused("Choose how you will pay.".into()));
        }
        let quote = match quote_for(catalog, &lines, form) {
            Ok(q) => q,
            Err(problem) => return Ok(Placed::Refused(problem)),
        };
        if let Err(problem) = check_shown_total(&form.shown_total, &quote, catalog) {
            return Ok(Placed::Refused(problem));
        }
        // A card order waits for Stripe; one with nothing to pay is paid as it is placed.
        let payment_status = match payment {
            "card" if quote.total_cents == 0 => PaymentStatus::Paid,
            "card" => {
                let minimum = super::stripe::minimum_cents(&catalog.currency);
                if quote.total_cents < minimum {
                    return Ok(Placed::Refused(format!(
                        "Card payments start at {}; choose to pay at the studio.",
                        catalog.money(minimum)
                    )));
                }
                if super::stripe::stripe_amount(quote.total_cents, &catalog.currency).is_none() {
                    return Ok(Placed::Refused(
                        "This total cannot be paid by card; choose to pay at the studio.".into(),
                    ));
                }
                PaymentStatus::AwaitingPayment
            }
            _ => PaymentStatus::DueAtStudio,
        };
        let who = customer(conn, person)?;
        let now = db::now();
        let order = OrderRow {
            id: uuid::Uuid::new_v4().to_string(),
            number: unused_number(conn)?.ok_or_else(|| {
                AppError::internal("ten confirmation numbers in a row were taken")
            })?,
            checkout_key: key.to_string(),
            event_id: event.id.to_string(),
            studio_session_id: event.studio_session_id.clone(),
            event_description: event.description.clone(),
            person_id: person.person_id().to_string(),
            person_kind: person.kind().to_string(),
            studio_client_id: who.studio_client_id,
            name: who.name,
            email: who.email,
            phone: if phone.is_empty() { who.phone } else { Some(phone.to_string()) },
            shipping_method_id: shipping.map(|s| s.id.clone()),
            shipping_name: shipping.map(|s| s.name.clone()),
            address,
            promotion_code: quote.promotion.as_ref().map(|(code, _)| code.clone()),
            subtotal_cents: quote.subtotal_cents,
            discount_cents: quote.discount_cents(),
            shipping_cents: quote.shipping_cents,
            tax_cents: quote.tax_cents(),
            total_cents: quote.total_cents,
            currency: catalog.currency.clone(),
            payment_method: payment.to_string(),
            payment_status: payment_status.as_str().to_string(),
            stripe_payment_intent: None,
            payment_error: None,
            status: "placed".into(),
            placed_at: now,
            paid_at: (payment_status == PaymentStatus::Paid).then_some(now),
            updated_at: now,
        };
        diesel::insert_into(orders_table::table).values(&order).execute(conn)?;
        write_lines(conn, &order.id, catalog, &lines, &quote)?;
        // The cart becomes the order; a second checkout racing this one finds it gone.
        let ids: Vec<&str> = lines.iter().map(|l| l.id.as_str()).collect();
        let removed =
            diesel::delete(cart_items::table.filter(cart_items::id.eq_any(&ids))).execute(conn)?;
        if removed != lines.len() {
            return Err(AppError::conflict(
                "cart_changed",
                "Your cart changed while the order was being placed; check it and try again.",
            ));
        }
        let number = order.number.clone();
        // A card order reaches the studio and is confirmed once Stripe says it is paid.
        let waits_for_card = payment_status == PaymentStatus::AwaitingPayment;
        if !waits_for_card {
            feed::record(conn, feed::Kind::Order, &order.id)?;
            let full = orders::load_full(conn, order)?;
            let message = full.confirmation_email(conn, &site.url)?;
            email::enqueue(conn, message)?;
        }
        Ok(Placed::Order { number, new: true, card: waits_for_card })
    })
}

/// The order this person placed with the checkout form `key`, if any.
fn placed_with_key(conn: &mut DbConn, key: &str, person: &Person) -> db::Result<Option<Placed>> {
    let found: Option<(String, String)> = orders_table::table
        .filter(orders_table::checkout_key.eq(key))
        .filter(orders_table::person_id.eq(person.person_id()))
        .select((orders_table::number, orders_table::payment_status))
        .first(conn)
        .optional()?;
    Ok(found.map(|(number, payment)| Placed::Order {
        number,
        new: false,
        card: payment == "awaiting_payment",
    }))
}

/// The order this form placed, looked up after the transaction that tried to place it.
async fn placed_again(
    state: &State,
    key: String,
    person: Person,
) -> Result<Option<Placed>, AppError> {
    Ok(db::run(&state.pool, move |conn| placed_with_key(conn, &key, &person)).await?)
}

/// A confirmation number no order has yet (none found in ten tries: something is wrong).
fn unused_number(conn: &mut DbConn) -> db::Result<Option<String>> {
    for _ in 0..10 {
        let candidate = number::new_number();
        let taken: i64 = orders_table::table
            .filter(orders_table::number.eq(&candidate))
            .count()
            .get_result(conn)?;
        if taken == 0 {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

fn write_lines(
    conn: &mut DbConn,
    order_id: &str,
    catalog: &Catalog,
    lines: &[CartLine],
    quote: &Quote,
) -> db::Result<()> {
    let picked: Vec<&str> =
        lines.iter().flat_map(|l| l.picks.iter().map(|(_, id)| id.as_str())).collect();
    let names = file_names_of(conn, None, &picked)?;
    for (position, (line, cents)) in lines.iter().zip(&quote.line_cents).enumerate() {
        let position = position as i32;
        // Checked by `quote_for` before: every line's item is on the price list.
        let Some(item) = catalog.item(&line.sku) else { continue };
        diesel::insert_into(order_lines::table)
            .values(OrderLineRow {
                order_id: order_id.to_string(),
                position,
                sku: item.sku.clone(),
                name: item.name.clone(),
                unit_cents: item.price_cents,
                quantity: line.quantity,
                line_cents: *cents,
                taxable: item.taxable,
                kind: item.kind.as_str().to_string(),
            })
            .execute(conn)?;
        for slot in 0..item.images {
            let Some(image) = line.pick(slot) else { continue };
            let file_name = names.get(image.as_str()).cloned().unwrap_or_default();
            diesel::insert_into(order_line_images::table)
                .values(OrderLineImageRow {
                    order_id: order_id.to_string(),
                    line_position: position,
                    slot,
                    image_id: Some(image.to_string()),
                    file_name,
                })
                .execute(conn)?;
        }
    }
    for (position, tax) in quote.taxes.iter().enumerate() {
        diesel::insert_into(order_taxes::table)
            .values(OrderTaxRow {
                order_id: order_id.to_string(),
                position: position as i32,
                name: tax.name.clone(),
                cents: tax.cents,
                basis_points: tax.basis_points,
                included: tax.included,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// The site's address, for email, and whether it takes cards.
pub struct SiteInfo {
    pub url: String,
    pub takes_cards: bool,
}

#[derive(Serialize)]
struct ShippingView {
    id: String,
    name: String,
    price: String,
    pickup: bool,
    checked: bool,
}

/// The amounts as the page shows them and [`checkout_totals`] answers them: each in cents
/// and as the client reads it, from the one [`Quote`].
#[derive(Serialize)]
pub struct TotalsView {
    currency: String,
    subtotal_cents: i64,
    subtotal: String,
    /// The code applied, as the studio spells it.
    promotion: Option<String>,
    discount_cents: i64,
    discount: String,
    shipping_cents: i64,
    /// `None` when nothing is shipped: the studio has no shipping methods, or the order is
    /// files only (no shipping row).
    shipping: Option<String>,
    taxes: Vec<TaxView>,
    total_cents: i64,
    total: String,
    /// Why the code typed does not apply; the amounts above are without it.
    promotion_error: Option<String>,
}

#[derive(Serialize)]
struct TaxView {
    name: String,
    cents: i64,
    amount: String,
    /// Contained in the prices: shown under the total, not added to it.
    included: bool,
}

impl TotalsView {
    fn new(catalog: &Catalog, amounts: Amounts, ships: bool) -> Self {
        let q = amounts.quote;
        Self {
            currency: catalog.currency.clone(),
            subtotal_cents: q.subtotal_cents,
            subtotal: catalog.money(q.subtotal_cents),
            promotion: q.promotion.as_ref().map(|(code, _)| code.clone()),
            discount_cents: q.discount_cents(),
            discount: catalog.money(q.discount_cents()),
            shipping_cents: q.shipping_cents,
            shipping: ships.then(|| catalog.money(q.shipping_cents)),
            taxes: q
                .taxes
                .iter()
                .map(|t| TaxView {
                    name: tax_label(catalog.locale, &t.name, t.basis_points, t.included),
                    cents: t.cents,
                    amount: catalog.money(t.cents),
                    included: t.included,
                })
                .collect(),
            total_cents: q.total_cents,
            total: catalog.money(q.total_cents),
            promotion_error: amounts.promotion_refused,
        }
    }
}

/// Renders the checkout page for the form as it stands, with the amounts or the problem.
async fn render_checkout(
    req: &HttpRequest,
    state: &State,
    session: &CurrentSession,
    shop: &Shop,
    form: CheckoutForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let event_id = shop.acting.event.id.clone();
    let gallery = load_gallery(state, session, &event_id)
        .await?
        .map_err(|_| AppError::not_found("event_not_found", "There is no such gallery."))?;
    let person = shop.acting.person.clone();
    let event = event_id.clone();
    let (lines, who) = db::run(&state.pool, move |conn| -> db::Result<_> {
        Ok((cart::load_lines(conn, &event, person.person_id())?, customer(conn, &person)?))
    })
    .await?;
    if lines.is_empty() && error.is_none() {
        return Ok(site::see_other(&format!("/events/{event_id}/cart")));
    }
    let catalog = &shop.catalog;
    let mut form = form;
    // No method chosen, or one the studio does not have: the first is shown chosen, and the
    // amounts are that one's.
    if catalog.shipping(form.shipping.trim()).is_none() {
        form.shipping = catalog.shipping_methods.first().map(|s| s.id.clone()).unwrap_or_default();
    }
    if form.address.is_empty() && form.action.is_empty() {
        form.address = who.address.clone().unwrap_or_default();
    }
    if form.phone.is_empty() && form.action.is_empty() {
        form.phone = who.phone.clone().unwrap_or_default();
    }
    let choices = payment_choices(catalog, state.config.takes_cards());
    if form.payment.is_empty() {
        form.payment = choices.first().map(|c| c.to_string()).unwrap_or_default();
    }
    let ships = cart::ships(catalog, &lines);
    let shipping_method = catalog.shipping(form.shipping.trim()).filter(|_| ships);
    let (totals, quote_error) = match amounts(catalog, &lines, shipping_method, &form.promotion) {
        Ok(a) => (Some(TotalsView::new(catalog, a, ships)), None),
        Err((_, problem)) => (None, Some(problem)),
    };
    let shipping: Vec<ShippingView> = catalog
        .shipping_methods
        .iter()
        .filter(|_| ships)
        .map(|s| ShippingView {
            id: s.id.clone(),
            name: s.name.clone(),
            price: catalog.money(s.price_cents),
            pickup: s.pickup,
            checked: s.id == form.shipping,
        })
        .collect();
    if form.checkout_key.trim().is_empty() {
        form.checkout_key = uuid::Uuid::new_v4().simple().to_string();
    }
    let mut context = base_context(req, state, session, &shop.acting.studio).await?;
    context.insert("event_url", &format!("/events/{event_id}"));
    context.insert("description", &shop.acting.event.description);
    context.insert("lines", &cart::line_views(catalog, &lines, &gallery.images));
    context.insert("shipping_methods", &shipping);
    context.insert("files_only", &cart::files_only(catalog, &lines));
    context.insert("payment_choices", &choices);
    context.insert("form_payment", &form.payment);
    context.insert("form_address", &form.address);
    context.insert("form_phone", &form.phone);
    context.insert("form_promotion", &form.promotion);
    context.insert("checkout_key", &form.checkout_key);
    context.insert("customer_name", &who.name);
    context.insert("customer_email", &who.email);
    context.insert("totals", &totals);
    context.insert("error", &error.or(quote_error));
    site::render_status(state, "checkout.html", &context, status)
}

/// The checkout page.
pub async fn checkout_page(
    req: HttpRequest,
    state: State,
    acting: Acting,
) -> Result<HttpResponse, AppError> {
    let shop = open_shop(&state, acting).await?;
    let session = &shop.acting.session;
    render_checkout(&req, &state, session, &shop, CheckoutForm::default(), None, StatusCode::OK)
        .await
}

/// Shows the amounts for the choices made (`action` other than `place`), or places the order
/// and goes to its confirmation page.
pub async fn submit_checkout(
    req: HttpRequest,
    state: State,
    acting: Acting,
    form: web::Form<CheckoutForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    let shop = open_shop(&state, acting).await?;
    let session = &shop.acting.session;
    let form = form.into_inner();
    if form.action != "place" {
        return render_checkout(&req, &state, session, &shop, form, None, StatusCode::OK).await;
    }
    let site = SiteInfo { url: state.site_url.clone(), takes_cards: state.config.takes_cards() };
    let (event, person) = (shop.acting.event.clone(), shop.acting.person.clone());
    let sent = form.clone();
    let catalog = shop.catalog.clone();
    let (key, owner) = (form.checkout_key.trim().to_string(), shop.acting.person.clone());
    let placed =
        db::run(&state.pool, move |conn| place(conn, &catalog, &event, &person, &sent, &site))
            .await;
    // The same form sent twice at once: on PostgreSQL the second request may meet the first's
    // checkout key (a conflict) or its emptied cart ("your cart is empty") once the first has
    // committed. Either way the first request placed the order, and that is the answer.
    let placed = match placed {
        Err(e) if e.status == StatusCode::CONFLICT => {
            placed_again(&state, key, owner).await?.ok_or(e)?
        }
        Ok(Placed::Refused(problem)) => {
            placed_again(&state, key, owner).await?.unwrap_or(Placed::Refused(problem))
        }
        other => other?,
    };
    match placed {
        Placed::Order { number, new, card } => {
            if new {
                state.mailer.wake();
            }
            // A card order goes on to payment; it is paid only when Stripe says so.
            let next =
                if card { format!("/orders/{number}/pay") } else { format!("/orders/{number}") };
            Ok(site::done(&req, &next, serde_json::json!({ "order": number, "new": new })))
        }
        Placed::Refused(problem) => {
            render_checkout(
                &req,
                &state,
                session,
                &shop,
                form,
                Some(problem),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// What the page's script sends to [`checkout_totals`]: the choices, never an amount.
#[derive(Deserialize)]
pub struct TotalsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    shipping: String,
    #[serde(default)]
    promotion: String,
}

/// `POST /events/{id}/checkout/totals`: the amounts of the cart for a shipping method and a
/// promotion code, as JSON ([`TotalsView`]), for the checkout page's script. A refused code is
/// a 200 with the amounts without it and `promotion_error`; bad input is a JSON error.
pub async fn checkout_totals(
    state: State,
    acting: Acting,
    form: web::Form<TotalsForm>,
) -> Result<HttpResponse, AppError> {
    acting.session.check_csrf(Some(&form.csrf))?;
    let shop = open_shop(&state, acting).await?;
    let catalog = &shop.catalog;
    let person = shop.acting.person.clone();
    let event = shop.acting.event.id.clone();
    let lines =
        db::run(&state.pool, move |conn| cart::load_lines(conn, &event, person.person_id()))
            .await?;
    let ships = cart::ships(catalog, &lines);
    let shipping = if !ships {
        None
    } else {
        Some(catalog.shipping(form.shipping.trim()).ok_or_else(|| {
            AppError::unprocessable(
                "unknown_shipping_method",
                "Choose how you will get your order (one of the studio's shipping methods).",
            )
        })?)
    };
    let amounts = amounts(catalog, &lines, shipping, &form.promotion)
        .map_err(|(code, problem)| AppError::unprocessable(code, problem))?;
    Ok(HttpResponse::Ok().json(TotalsView::new(catalog, amounts, ships)))
}
