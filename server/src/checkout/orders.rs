//! Placed orders: as stored, as the studio's inbox gets them ([`order_record`]), the emails
//! about them, and the client's order history and order pages.

use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use proofroom_wire::downloads::ItemKind;
use proofroom_wire::orders::{
    OrderCustomer, OrderItem, OrderRecord, OrderShipping, OrderStatus, OrderTax, PaymentStatus,
};
use serde::Serialize;

use super::number::{OrderNumber, order_not_found};
use crate::auth::SignedIn;
use crate::db::schema::{order_line_images, order_lines, order_taxes, orders};
use crate::db::{self, DbConn, EventId};
use crate::email::NewEmail;
use crate::email::letter::{self, Button, Letter};
use crate::error::AppError;
use crate::gallery::view::{public_thumbs, thumb_urls};
use crate::site::{self, base_context};
use crate::web::State;
use crate::web::format::{Locale, tax_label};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: String,
    pub number: String,
    pub checkout_key: String,
    pub event_id: String,
    pub studio_session_id: String,
    pub event_description: String,
    pub person_id: String,
    pub person_kind: String,
    pub studio_client_id: Option<String>,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub shipping_method_id: Option<String>,
    pub shipping_name: Option<String>,
    pub address: Option<String>,
    pub promotion_code: Option<String>,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    /// `card` or `pay_at_studio`.
    pub payment_method: String,
    pub payment_status: String,
    pub stripe_payment_intent: Option<String>,
    pub payment_error: Option<String>,
    pub status: String,
    pub placed_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).unwrap_or(OrderStatus::Placed)
    }

    pub fn payment_status(&self) -> PaymentStatus {
        PaymentStatus::parse(&self.payment_status).unwrap_or(PaymentStatus::AwaitingPayment)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_lines)]
pub struct OrderLineRow {
    pub order_id: String,
    pub position: i32,
    pub sku: String,
    pub name: String,
    pub unit_cents: i64,
    pub quantity: i32,
    pub line_cents: i64,
    pub taxable: bool,
    /// `print`, `digital` or `digital-all`, as bought.
    pub kind: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_line_images)]
pub struct OrderLineImageRow {
    pub order_id: String,
    pub line_position: i32,
    pub slot: i32,
    pub image_id: Option<String>,
    pub file_name: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_taxes)]
pub struct OrderTaxRow {
    pub order_id: String,
    pub position: i32,
    pub name: String,
    pub cents: i64,
    pub basis_points: i64,
    pub included: bool,
}

/// An order with its lines, their images and its taxes.
pub struct FullOrder {
    pub order: OrderRow,
    pub lines: Vec<OrderLineRow>,
    pub images: Vec<OrderLineImageRow>,
    pub taxes: Vec<OrderTaxRow>,
}

pub fn load_full(conn: &mut DbConn, order: OrderRow) -> db::Result<FullOrder> {
    let lines = order_lines::table
        .filter(order_lines::order_id.eq(&order.id))
        .order(order_lines::position)
        .select(OrderLineRow::as_select())
        .load(conn)?;
    let images = order_line_images::table
        .filter(order_line_images::order_id.eq(&order.id))
        .order((order_line_images::line_position, order_line_images::slot))
        .select(OrderLineImageRow::as_select())
        .load(conn)?;
    let taxes = order_taxes::table
        .filter(order_taxes::order_id.eq(&order.id))
        .order(order_taxes::position)
        .select(OrderTaxRow::as_select())
        .load(conn)?;
    Ok(FullOrder { order, lines, images, taxes })
}

pub fn find_by_id(conn: &mut DbConn, id: &str) -> db::Result<Option<FullOrder>> {
    let order: Option<OrderRow> =
        orders::table.find(id).select(OrderRow::as_select()).first(conn).optional()?;
    order.map(|o| load_full(conn, o)).transpose()
}

pub fn find_by_number(conn: &mut DbConn, number: &str) -> db::Result<Option<OrderRow>> {
    Ok(orders::table
        .filter(orders::number.eq(number))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

/// The files a person bought for one event, with orders that are paid.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BoughtFiles {
    /// A `digital-all` item: every photo of the event.
    pub all: bool,
    /// The photos bought one by one (`digital` items), by image id.
    pub images: std::collections::HashSet<String>,
}

/// What `person_id` bought as files for the event, counting paid orders only: an order to pay
/// at the studio, or one whose card payment has not gone through, gives nothing yet.
pub fn bought_files(
    conn: &mut DbConn,
    event_id: &EventId,
    person_id: &str,
) -> db::Result<BoughtFiles> {
    let digital = [ItemKind::Digital.as_str(), ItemKind::DigitalAll.as_str()];
    let lines: Vec<(String, i32, String)> = order_lines::table
        .inner_join(orders::table)
        .filter(orders::event_id.eq(event_id.as_str()))
        .filter(orders::person_id.eq(person_id))
        .filter(orders::payment_status.eq(PaymentStatus::Paid.as_str()))
        .filter(order_lines::kind.eq_any(digital))
        .select((order_lines::order_id, order_lines::position, order_lines::kind))
        .load(conn)?;
    let mut bought = BoughtFiles::default();
    for (order_id, position, kind) in lines {
        if kind == ItemKind::DigitalAll.as_str() {
            bought.all = true;
            continue;
        }
        let images: Vec<Option<String>> = order_line_images::table
            .filter(order_line_images::order_id.eq(&order_id))
            .filter(order_line_images::line_position.eq(position))
            .select(order_line_images::image_id)
            .load(conn)?;
        bought.images.extend(images.into_iter().flatten());
    }
    Ok(bought)
}

impl FullOrder {
    /// Whether some line is a file the client downloads.
    pub fn has_files(&self) -> bool {
        self.lines.iter().any(|l| ItemKind::parse(&l.kind).is_some_and(ItemKind::is_digital))
    }

    /// Whether every line is a file: nothing is made, sent or picked up.
    pub fn files_only(&self) -> bool {
        self.lines.iter().all(|l| ItemKind::parse(&l.kind).is_some_and(ItemKind::is_digital))
    }

    /// The order as the studio's inbox gets it.
    pub fn record(&self) -> OrderRecord {
        let o = &self.order;
        OrderRecord {
            number: o.number.clone(),
            session_id: o.studio_session_id.clone(),
            session_description: o.event_description.clone(),
            placed_at: o.placed_at,
            customer: OrderCustomer {
                kind: o.person_kind.clone(),
                id: o.studio_client_id.clone().unwrap_or_else(|| o.person_id.clone()),
                name: o.name.clone(),
                email: o.email.clone(),
                phone: o.phone.clone(),
            },
            items: self
                .lines
                .iter()
                .map(|l| OrderItem {
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    images: self
                        .images
                        .iter()
                        .filter(|i| i.line_position == l.position)
                        .map(|i| i.file_name.clone())
                        .collect(),
                    quantity: l.quantity,
                    unit_price_cents: l.unit_cents,
                    line_cents: l.line_cents,
                    taxable: l.taxable,
                    kind: ItemKind::parse(&l.kind).unwrap_or_default(),
                })
                .collect(),
            promotion_code: o.promotion_code.clone(),
            subtotal_cents: o.subtotal_cents,
            discount_cents: o.discount_cents,
            shipping: o.shipping_method_id.as_ref().map(|id| OrderShipping {
                method_id: id.clone(),
                name: o.shipping_name.clone().unwrap_or_default(),
                price_cents: o.shipping_cents,
                address: o.address.clone(),
            }),
            taxes: self
                .taxes
                .iter()
                .map(|t| OrderTax {
                    name: t.name.clone(),
                    cents: t.cents,
                    basis_points: t.basis_points,
                    included: t.included,
                })
                .collect(),
            tax_cents: o.tax_cents,
            total_cents: o.total_cents,
            currency: o.currency.clone(),
            payment_method: o.payment_method.clone(),
            payment_status: o.payment_status(),
            paid_at: o.paid_at,
            stripe_payment_id: o.stripe_payment_intent.clone(),
            status: o.status(),
        }
    }

    /// The order as plain text: the heart of every email about it.
    fn summary(&self, locale: Locale) -> String {
        let o = &self.order;
        let m = |cents: i64| locale.money(cents, &o.currency);
        let mut text = String::new();
        for line in &self.lines {
            text.push_str(&format!(
                "  {} × {} — {}\n",
                line.quantity,
                line.name,
                m(line.line_cents)
            ));
            let names: Vec<&str> = self
                .images
                .iter()
                .filter(|i| i.line_position == line.position)
                .map(|i| i.file_name.as_str())
                .collect();
            if !names.is_empty() {
                text.push_str(&format!("      photos: {}\n", names.join(", ")));
            }
        }
        text.push_str(&format!("\nSubtotal: {}\n", m(o.subtotal_cents)));
        if o.discount_cents > 0 {
            text.push_str(&format!(
                "Promotion {}: −{}\n",
                o.promotion_code.as_deref().unwrap_or_default(),
                m(o.discount_cents)
            ));
        }
        if let Some(name) = &o.shipping_name {
            text.push_str(&format!("{name}: {}\n", m(o.shipping_cents)));
        }
        let label = |t: &OrderTaxRow| tax_label(locale, &t.name, t.basis_points, t.included);
        for tax in self.taxes.iter().filter(|t| !t.included) {
            text.push_str(&format!("{}: {}\n", label(tax), m(tax.cents)));
        }
        text.push_str(&format!("Total: {}\n", m(o.total_cents)));
        for tax in self.taxes.iter().filter(|t| t.included) {
            text.push_str(&format!("{}: {}\n", label(tax), m(tax.cents)));
        }
        text.push_str(&format!("Payment: {}\n", o.payment_status().label()));
        if let Some(address) = &o.address {
            text.push_str(&format!("\nShips to:\n{address}\n"));
        }
        text
    }

    /// The order's photos an email may show: only a public event's (see
    /// [`public_thumbs`]).
    fn email_thumbs(&self, conn: &mut DbConn) -> db::Result<Vec<String>> {
        let ids: Vec<&str> = self.images.iter().filter_map(|i| i.image_id.as_deref()).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let event = EventId::from_stored(self.order.event_id.clone());
        public_thumbs(conn, &event, &ids, letter::MAX_THUMBNAILS)
    }

    /// The HTML part of an email about the order: `said` and its `summary`, with the button to
    /// the order's page.
    fn letter(
        heading: String,
        said: Vec<String>,
        summary: &str,
        thumbnails: Vec<String>,
        url: &str,
    ) -> Letter {
        Letter {
            heading,
            paragraphs: said,
            details: summary.lines().map(str::to_string).collect(),
            thumbnails,
            button: Some(Button::new("See your order", url)),
            after: Vec::new(),
        }
    }

    /// "Thank you for your order", queued once per order.
    pub fn confirmation_email(
        &self,
        conn: &mut DbConn,
        site_url: &str,
    ) -> db::Result<NewEmail<'_>> {
        let o = &self.order;
        let head = site::letterhead(conn, site_url)?;
        let studio = &head.studio;
        let url = format!("{site_url}/orders/{}", o.number);
        let subject = format!("Your order {} with {studio}", o.number);
        let summary = self.summary(head.locale);
        let mut said = vec![
            format!("Thank you for your order from \"{}\".", o.event_description),
            format!("Confirmation number: {}", o.number),
        ];
        if self.has_files() {
            said.push(if o.payment_status() == PaymentStatus::Paid {
                "Your files are ready: download them from your order's page.".to_string()
            } else {
                "You can download your files from your order's page once it is paid.".to_string()
            });
        }
        let letter = Self::letter(
            format!("Thank you for your order, {}", o.name),
            said.clone(),
            &summary,
            self.email_thumbs(conn)?,
            &url,
        );
        Ok(NewEmail {
            dedupe_key: format!("order-confirmation:{}", o.id),
            to: &o.email,
            body: format!(
                "Hello {},\n\n{}\n\n{}\nSee your order at any time: {url}\n\n{studio}\n",
                o.name,
                said.join("\n\n"),
                summary,
            ),
            styled: head.style(&subject, &letter),
            subject,
        })
    }

    /// The studio took the payment at the studio: "Payment received", and with files in the
    /// order, "Your files are ready" with the way to them. Queued once per order.
    pub fn payment_email(&self, conn: &mut DbConn, site_url: &str) -> db::Result<NewEmail<'_>> {
        let o = &self.order;
        let head = site::letterhead(conn, site_url)?;
        let studio = &head.studio;
        let order_url = format!("{site_url}/orders/{}", o.number);
        let downloads_url = format!("{site_url}/events/{}/downloads", o.event_id);
        let files = self.has_files();
        let said = if files {
            format!(
                "{studio} received your payment for order {}: your files are ready to download.",
                o.number
            )
        } else {
            format!("{studio} received your payment for order {}. Thank you!", o.number)
        };
        let subject = if files {
            format!("Your files are ready: order {}", o.number)
        } else {
            format!("Payment received: order {}", o.number)
        };
        let summary = self.summary(head.locale);
        let mut letter = Self::letter(
            if files { "Your files are ready".into() } else { "Payment received".into() },
            vec![format!("Hello {},", o.name), said.clone()],
            &summary,
            self.email_thumbs(conn)?,
            &order_url,
        );
        let link = if files {
            letter.button = Some(Button::new("Download your files", &downloads_url));
            format!("Download your files: {downloads_url}")
        } else {
            format!("See your order: {order_url}")
        };
        Ok(NewEmail {
            dedupe_key: format!("order-paid:{}", o.id),
            to: &o.email,
            body: format!("Hello {},\n\n{said}\n\n{summary}\n{link}\n\n{studio}\n", o.name),
            styled: head.style(&subject, &letter),
            subject,
        })
    }

    /// The studio moved the order along; queued once per order and status.
    pub fn status_email(&self, conn: &mut DbConn, site_url: &str) -> db::Result<NewEmail<'_>> {
        let o = &self.order;
        let head = site::letterhead(conn, site_url)?;
        let studio = &head.studio;
        let status = o.status();
        let what = match status {
            OrderStatus::Placed => "has been placed",
            OrderStatus::Received => "has been received by the studio",
            OrderStatus::InProduction => "is in production",
            OrderStatus::ReadyForPickup => "is ready for pickup at the studio",
            OrderStatus::Shipped => "has been shipped",
        };
        let url = format!("{site_url}/orders/{}", o.number);
        let subject = format!("Your order {} {what}", o.number);
        let summary = self.summary(head.locale);
        let letter = Self::letter(
            format!("Your order {what}"),
            vec![
                format!("Hello {},", o.name),
                format!("Your order {} from \"{}\" {what}.", o.number, o.event_description),
            ],
            &summary,
            self.email_thumbs(conn)?,
            &url,
        );
        Ok(NewEmail {
            dedupe_key: format!("order-status:{}:{}", o.id, status.as_str()),
            to: &o.email,
            body: format!(
                "Hello {},\n\nYour order {} from \"{}\" {what}.\n\n{}\nSee your order: {url}\n\n{studio}\n",
                o.name, o.number, o.event_description, summary,
            ),
            styled: head.style(&subject, &letter),
            subject,
        })
    }
}

#[derive(Serialize)]
struct OrderCard {
    number: String,
    url: String,
    description: String,
    placed: String,
    total: String,
    status: &'static str,
    payment: &'static str,
    paid: bool,
    /// A card order still to be paid: the page offers to pay now.
    payable: bool,
}

fn card(o: &OrderRow, locale: Locale) -> OrderCard {
    OrderCard {
        number: o.number.clone(),
        url: format!("/orders/{}", o.number),
        description: o.event_description.clone(),
        placed: locale.date(o.placed_at.date()),
        total: locale.money(o.total_cents, &o.currency),
        status: o.status().label(),
        payment: o.payment_status().label(),
        paid: o.payment_status() == PaymentStatus::Paid,
        payable: o.payment_status() == PaymentStatus::AwaitingPayment,
    }
}

/// Every order the signed-in person placed, newest first, with its status.
pub async fn orders_page(
    req: HttpRequest,
    state: State,
    SignedIn { session, person }: SignedIn,
) -> Result<HttpResponse, AppError> {
    let (studio, rows) = db::run(&state.pool, move |conn| -> db::Result<_> {
        let studio = site::studio_view(conn)?.1;
        let rows: Vec<OrderRow> = orders::table
            .filter(orders::person_id.eq(person.person_id()))
            .order(orders::placed_at.desc())
            .select(OrderRow::as_select())
            .load(conn)?;
        Ok((studio, rows))
    })
    .await?;
    let cards: Vec<OrderCard> = rows.iter().map(|o| card(o, studio.locale)).collect();
    let mut context = base_context(&req, &state, &session, &studio).await?;
    context.insert("orders", &cards);
    state.render("orders.html", &context)
}

#[derive(Serialize)]
struct LineView {
    name: String,
    quantity: i32,
    unit: String,
    total: String,
    photos: Vec<PhotoView>,
}

#[derive(Serialize)]
struct PhotoView {
    name: String,
    /// The thumbnail while the gallery is online.
    thumb_url: Option<String>,
}

#[derive(Serialize)]
struct TaxView {
    name: String,
    amount: String,
    /// Contained in the prices: shown under the total.
    included: bool,
}

/// One order: the confirmation page after checkout and the page the emails link to. Only the
/// person who placed it sees it; anyone else gets the same 404 as a made-up number.
pub async fn order_page(
    req: HttpRequest,
    state: State,
    OrderNumber(number): OrderNumber,
    SignedIn { session, person }: SignedIn,
) -> Result<HttpResponse, AppError> {
    let found = db::run(&state.pool, move |conn| -> db::Result<_> {
        let studio = site::studio_view(conn)?.1;
        let Some(order) = find_by_number(conn, &number)? else { return Ok(None) };
        if order.person_id != person.person_id() {
            return Ok(None);
        }
        let full = load_full(conn, order)?;
        let ids: Vec<&str> = full.images.iter().filter_map(|i| i.image_id.as_deref()).collect();
        let event = EventId::from_stored(full.order.event_id.clone());
        let thumbs = thumb_urls(conn, &event, &ids)?;
        Ok(Some((studio, full, thumbs)))
    })
    .await?;
    let (studio, full, thumbs) = found.ok_or_else(order_not_found)?;
    let o = &full.order;
    let m = |cents: i64| studio.locale.money(cents, &o.currency);
    let lines: Vec<LineView> = full
        .lines
        .iter()
        .map(|l| LineView {
            name: l.name.clone(),
            quantity: l.quantity,
            unit: m(l.unit_cents),
            total: m(l.line_cents),
            photos: full
                .images
                .iter()
                .filter(|i| i.line_position == l.position)
                .map(|i| PhotoView {
                    name: i.file_name.clone(),
                    thumb_url: i.image_id.as_ref().and_then(|id| thumbs.get(id).cloned()),
                })
                .collect(),
        })
        .collect();
    let taxes: Vec<TaxView> = full
        .taxes
        .iter()
        .map(|t| TaxView {
            name: tax_label(studio.locale, &t.name, t.basis_points, t.included),
            amount: m(t.cents),
            included: t.included,
        })
        .collect();
    let mut context = base_context(&req, &state, &session, &studio).await?;
    context.insert("order", &card(o, studio.locale));
    context.insert("event_url", &format!("/events/{}", o.event_id));
    context.insert("lines", &lines);
    context.insert("taxes", &taxes);
    context.insert("subtotal", &m(o.subtotal_cents));
    context.insert("discount", &(o.discount_cents > 0).then(|| m(o.discount_cents)));
    context.insert("promotion_code", &o.promotion_code);
    context.insert("shipping_name", &o.shipping_name);
    context.insert("shipping", &m(o.shipping_cents));
    context.insert("address", &o.address);
    context.insert("total", &m(o.total_cents));
    context.insert("email", &o.email);
    // An order with an address is shipped; without one it is picked up. Files only: no steps,
    // the files are the delivery.
    let steps =
        if full.files_only() { Vec::new() } else { status_steps(o.status(), o.address.is_some()) };
    context.insert("status_steps", &steps);
    context.insert(
        "files",
        &full.has_files().then(|| FilesView {
            ready: o.payment_status() == PaymentStatus::Paid,
            downloads_url: format!("/events/{}/downloads", o.event_id),
        }),
    );
    state.render("order.html", &context)
}

/// The order's files: downloadable once paid, from the event's downloads page.
#[derive(Serialize)]
struct FilesView {
    ready: bool,
    downloads_url: String,
}

#[derive(Serialize)]
struct StepView {
    label: &'static str,
    done: bool,
    current: bool,
}

/// The steps an order goes through, the ones reached marked (pickup or shipping at the end).
fn status_steps(status: OrderStatus, ships: bool) -> Vec<StepView> {
    let last = if ships && status != OrderStatus::ReadyForPickup {
        OrderStatus::Shipped
    } else {
        OrderStatus::ReadyForPickup
    };
    let steps = [OrderStatus::Placed, OrderStatus::Received, OrderStatus::InProduction, last];
    let reached = steps.iter().position(|s| *s == status).unwrap_or(0);
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepView { label: s.label(), done: i <= reached, current: i == reached })
        .collect()
}

/// The studio took the payment of an order to be paid at the studio.
pub fn mark_paid(conn: &mut DbConn, id: &str) -> db::Result<()> {
    let now = db::now();
    diesel::update(orders::table.find(id))
        .set((
            orders::payment_status.eq(PaymentStatus::Paid.as_str()),
            orders::paid_at.eq(now),
            orders::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The studio moved the order along (in production, shipped, ready for pickup, …).
pub fn set_status(
    conn: &mut DbConn,
    id: &str,
    status: proofroom_wire::orders::OrderStatus,
) -> db::Result<()> {
    diesel::update(orders::table.find(id))
        .set((orders::status.eq(status.as_str()), orders::updated_at.eq(db::now())))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(status: OrderStatus, ships: bool) -> Vec<(&'static str, bool)> {
        status_steps(status, ships).into_iter().map(|s| (s.label, s.current)).collect()
    }

    #[test]
    fn a_pickup_ends_ready_for_pickup_and_a_shipment_shipped() {
        let pickup = labels(OrderStatus::Placed, false);
        assert_eq!(pickup.last().unwrap().0, "Ready for pickup");
        assert!(pickup[0].1, "placed is the current step");
        let shipped = labels(OrderStatus::InProduction, true);
        assert_eq!(shipped.last().unwrap().0, "Shipped");
        assert!(shipped[2].1);
        // The studio may still call a shipped order ready for pickup: that step is shown.
        assert_eq!(
            labels(OrderStatus::ReadyForPickup, true).last().unwrap(),
            &("Ready for pickup", true)
        );
    }
}
