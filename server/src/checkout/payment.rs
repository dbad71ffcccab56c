//! Card payment: the payment page (Stripe.js collects the card in the browser), paying an
//! order's PaymentIntent, and Stripe's webhook — the only thing that marks an order paid.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use proofroom_wire::ApiError;
use proofroom_wire::orders::PaymentStatus;
use serde::{Deserialize, Serialize};

use super::Payments;
use super::number::{OrderNumber, order_not_found};
use super::orders::{self, OrderRow};
use super::stripe::{self, PaymentIntent, StripeError};
use crate::auth::SignedIn;
use crate::auth::browser_session::CurrentSession;
use crate::db::schema::orders as orders_table;
use crate::db::{self, DbConn};
use crate::email;
use crate::email::letter::{Letter, Styled};
use crate::error::AppError;
use crate::feed;
use crate::site::{self, base_context};
use crate::web::State;

/// The signed-in person's order `number`; anyone else's is the same 404 as a made-up one.
async fn own_order(
    state: &State,
    session: &CurrentSession,
    OrderNumber(number): OrderNumber,
) -> Result<OrderRow, AppError> {
    let person = session.person().cloned().ok_or_else(|| {
        AppError::new(StatusCode::UNAUTHORIZED, "sign_in_needed", "Sign in to pay for your order.")
    })?;
    db::run(&state.pool, move |conn| orders::find_by_number(conn, &number))
        .await?
        .filter(|o| o.person_id == person.person_id())
        .ok_or_else(order_not_found)
}

fn stripe_of(payments: &Payments) -> Result<&stripe::Stripe, AppError> {
    payments.stripe.as_ref().ok_or_else(|| {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "cards_unavailable",
            "Card payment is not available right now; please contact the studio.",
        )
    })
}

fn unavailable(e: StripeError) -> AppError {
    tracing::warn!("stripe: {e}");
    AppError::new(
        StatusCode::BAD_GATEWAY,
        "payment_unavailable",
        "The card payment service did not answer; please try again in a minute.",
    )
}

/// The order's PaymentIntent, made for its total the first time (the idempotency key makes a
/// retried or doubled request the same intent at Stripe), then read back.
async fn intent_of(
    state: &State,
    payments: &Payments,
    order: &OrderRow,
) -> Result<PaymentIntent, AppError> {
    let stripe = stripe_of(payments)?;
    if let Some(id) = &order.stripe_payment_intent {
        return stripe.payment_intent(id).await.map_err(unavailable);
    }
    // The same for two pages racing; new after a declined card (which changes `updated_at`).
    let changed = order.updated_at.and_utc().timestamp_micros();
    let key = format!("order-{}-{}-{changed}", order.id, order.total_cents);
    let intent = stripe
        .create_payment_intent(order.total_cents, &order.currency, &order.number, &key)
        .await
        .map_err(|e| match e {
            StripeError::Api { status, message, .. } if (400..500).contains(&status) => {
                tracing::error!(order = %order.number, "Stripe refused the payment intent: {message}");
                AppError::unprocessable(
                    "card_not_possible",
                    "This order cannot be paid by card; please contact the studio to pay it.",
                )
            }
            other => unavailable(other),
        })?;
    let (order_id, intent_id) = (order.id.clone(), intent.id.clone());
    // Two pages racing keep the first intent stored.
    let kept: Option<String> = db::run(&state.pool, move |conn| -> db::Result<_> {
        db::write_transaction(conn, |conn| {
            diesel::update(
                orders_table::table
                    .find(&order_id)
                    .filter(orders_table::stripe_payment_intent.is_null()),
            )
            .set(orders_table::stripe_payment_intent.eq(&intent_id))
            .execute(conn)?;
            Ok(orders_table::table
                .find(&order_id)
                .select(orders_table::stripe_payment_intent)
                .first(conn)?)
        })
    })
    .await?;
    match kept {
        Some(id) if id != intent.id => stripe.payment_intent(&id).await.map_err(unavailable),
        _ => Ok(intent),
    }
}

/// The origin (`https://js.stripe.com`) of a URL, for the page's content security policy.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split('/').next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// The payment page: the amount, Stripe.js's card field and the pay button.
pub async fn pay_page(
    req: HttpRequest,
    state: State,
    payments: web::Data<Payments>,
    number: OrderNumber,
    SignedIn { session, .. }: SignedIn,
) -> Result<HttpResponse, AppError> {
    let order = own_order(&state, &session, number).await?;
    if order.payment_status() != PaymentStatus::AwaitingPayment {
        return Ok(site::see_other(&format!("/orders/{}", order.number)));
    }
    intent_of(&state, &payments, &order).await?;
    let studio = db::run(&state.pool, site::studio_view).await?.1;
    let mut context = base_context(&req, &state, &session, &studio).await?;
    context.insert("number", &order.number);
    context.insert("total", &studio.locale.money(order.total_cents, &order.currency));
    context.insert("payment_error", &order.payment_error);
    context.insert("stripe_js_url", &state.config.stripe_js_url);
    context.insert("publishable_key", &state.config.stripe_publishable_key);
    let mut response = state.render("pay.html", &context)?;
    let (js, api) = (origin(&state.config.stripe_js_url), origin(&state.config.stripe_api_url));
    let policy = format!(
        "default-src 'self'; img-src 'self' data: {js}; script-src 'self' {js}; \
         style-src 'self' 'unsafe-inline'; connect-src 'self' {js} {api}; \
         frame-src {js} https://hooks.stripe.com; frame-ancestors 'none'; base-uri 'self'; \
         form-action 'self'"
    );
    if let Ok(value) = header::HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    csrf: String,
    /// The card as Stripe.js tokenized it (`tok_…`); the card number never reaches us.
    #[serde(default)]
    token: String,
}

#[derive(Serialize)]
struct PayAnswer {
    /// `processing`: Stripe took the payment, the webhook will mark the order paid;
    /// `requires_action`: the page finishes 3-D Secure with Stripe.js.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

/// Pays the order with the card the page tokenized. Never marks it paid: that is the webhook's.
pub async fn pay(
    state: State,
    payments: web::Data<Payments>,
    session: CurrentSession,
    number: OrderNumber,
    form: web::Form<PayForm>,
) -> Result<HttpResponse, AppError> {
    session.check_csrf(Some(&form.csrf))?;
    let order = own_order(&state, &session, number).await?;
    if order.payment_status() != PaymentStatus::AwaitingPayment {
        return Err(AppError::conflict("already_paid", "This order needs no payment."));
    }
    let token = form.token.trim();
    if !token.starts_with("tok_") || token.len() > 255 {
        return Err(AppError::unprocessable("invalid_card", "Type the card again."));
    }
    let intent = intent_of(&state, &payments, &order).await?;
    // Paid already (an answer lost on the way, a second tab): never charge again.
    match intent.status.as_str() {
        "succeeded" | "processing" => {
            return Ok(
                HttpResponse::Ok().json(PayAnswer { status: "processing", client_secret: None })
            );
        }
        "requires_action" => {
            return Ok(HttpResponse::Ok().json(PayAnswer {
                status: "requires_action",
                client_secret: intent.client_secret,
            }));
        }
        _ => {}
    }
    let stripe = stripe_of(&payments)?;
    let paid = stripe.pay_with_token(&intent.id, token, &order.email, &order.name).await;
    let declined =
        |message: String| AppError::new(StatusCode::PAYMENT_REQUIRED, "card_declined", message);
    let problem = match paid {
        Ok(pi) if pi.status == "succeeded" || pi.status == "processing" => {
            return Ok(
                HttpResponse::Ok().json(PayAnswer { status: "processing", client_secret: None })
            );
        }
        Ok(pi) if pi.status == "requires_action" => {
            return Ok(HttpResponse::Ok()
                .json(PayAnswer { status: "requires_action", client_secret: pi.client_secret }));
        }
        Ok(pi) => pi
            .last_payment_error
            .and_then(|e| e.message)
            .unwrap_or_else(|| "The card was not accepted.".into()),
        Err(StripeError::Api { status, message, .. }) if (400..500).contains(&status) => message,
        Err(e) => return Err(unavailable(e)),
    };
    // A declined intent is cancelled at Stripe, and only once Stripe says it is cancelled does
    // the next try start a new one: an intent that might still be paid is never let go.
    let cancelled = match stripe.cancel_payment_intent(&intent.id).await {
        Ok(pi) => pi.status == "canceled",
        Err(e) => {
            tracing::warn!("cancelling payment intent {}: {e}", intent.id);
            false
        }
    };
    let (id, saved, intent_id) = (order.id.clone(), problem.clone(), intent.id.clone());
    db::run(&state.pool, move |conn| -> db::Result<_> {
        record_failure(conn, &id, &saved)?;
        if cancelled {
            diesel::update(
                orders_table::table
                    .find(&id)
                    .filter(orders_table::stripe_payment_intent.eq(&intent_id))
                    .filter(
                        orders_table::payment_status.eq(PaymentStatus::AwaitingPayment.as_str()),
                    ),
            )
            .set(orders_table::stripe_payment_intent.eq(None::<String>))
            .execute(conn)?;
        }
        Ok(())
    })
    .await?;
    Err(declined(format!("{problem} Try another card, or check the one typed.")))
}

#[derive(Serialize)]
struct PaymentState {
    payment_status: &'static str,
    paid: bool,
    error: Option<String>,
}

/// Whether the order is paid yet: the payment page asks while it waits for Stripe's webhook.
pub async fn payment_state(
    state: State,
    session: CurrentSession,
    number: OrderNumber,
) -> Result<HttpResponse, AppError> {
    let order = own_order(&state, &session, number).await?;
    let status = order.payment_status();
    Ok(HttpResponse::Ok().json(PaymentState {
        payment_status: status.as_str(),
        paid: status == PaymentStatus::Paid,
        error: order.payment_error,
    }))
}

fn record_failure(conn: &mut DbConn, order_id: &str, message: &str) -> db::Result<()> {
    diesel::update(
        orders_table::table
            .find(order_id)
            .filter(orders_table::payment_status.eq(PaymentStatus::AwaitingPayment.as_str())),
    )
    .set((orders_table::payment_error.eq(message), orders_table::updated_at.eq(db::now())))
    .execute(conn)?;
    Ok(())
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: serde_json::Value,
}

/// Queues an email asking the studio to refund the payment `intent`, which Stripe took for
/// `order` but which did not pay it (`why`: "was already paid", …). Once per order and intent,
/// however often Stripe delivers the event.
fn ask_studio_to_refund(
    conn: &mut DbConn,
    order: &OrderRow,
    intent: &str,
    why: &str,
    site_url: &str,
) -> db::Result<()> {
    let studio = crate::studio::load(conn)?;
    let Some(to) = studio.as_ref().and_then(|s| s.email.clone()) else {
        tracing::error!(order = %order.number, "no studio email to ask for a refund of {intent}");
        return Ok(());
    };
    let said = format!(
        "Stripe reported a card payment for order {} ({}), but the order {why}, so it was not \
         marked paid by it: PaymentIntent {intent}. Refund that payment in the Stripe dashboard.",
        order.number, order.name
    );
    let subject = format!("Refund a card payment for order {}", order.number);
    let letter =
        Letter { heading: subject.clone(), paragraphs: vec![said.clone()], ..Letter::default() };
    // To the studio itself: no Reply-To back to its own address.
    let styled =
        Styled { reply_to: None, ..site::letterhead(conn, site_url)?.style(&subject, &letter) };
    email::enqueue(
        conn,
        email::NewEmail {
            dedupe_key: format!("refund:{}:{intent}", order.id),
            to: &to,
            subject,
            body: format!("{said}\n"),
            styled,
        },
    )?;
    Ok(())
}

/// What a webhook did.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Handled {
    Paid,
    AlreadyPaid,
    Failed,
    /// Not an order of this site, or an event it does not use.
    Ignored,
    /// The amount paid is not the order's total: not marked paid; the studio is told to
    /// refund it.
    AmountMismatch,
    /// A second payment of an order already paid through another intent: the studio is told
    /// to refund it.
    PaidTwice,
    /// A payment naming an order that is not paid by card (pay at the studio): never marks it
    /// paid; the studio is told to refund it.
    NotACardOrder,
}

fn refuse(code: &'static str, message: &str) -> HttpResponse {
    HttpResponse::BadRequest()
        .json(ApiError { error: code.to_string(), message: message.to_string() })
}

/// `POST /stripe/webhook`. Refused (400, nothing changed) unless its `Stripe-Signature` holds.
/// `payment_intent.succeeded` marks the order paid — once, however often and however
/// concurrently it is delivered — records it for the studio and queues the confirmation email;
/// `payment_intent.payment_failed` leaves the order payable and keeps why.
pub async fn stripe_webhook(
    req: HttpRequest,
    state: State,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let Some(secret) = state.config.stripe_webhook_secret.clone().filter(|s| !s.is_empty()) else {
        return Err(AppError::not_found("not_found", "Card payment is not configured."));
    };
    let signature = req.headers().get("stripe-signature").and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    if let Err(e) = stripe::verify_signature(&body, signature, &secret, now) {
        tracing::warn!("refused a Stripe webhook: {e:?}");
        return Ok(refuse("invalid_signature", "The Stripe-Signature header does not hold."));
    }
    let Ok(event) = serde_json::from_slice::<Event>(&body) else {
        return Ok(refuse("invalid_event", "The body is not a Stripe event."));
    };
    let object = &event.data.object;
    let intent = object["id"].as_str().unwrap_or_default().to_string();
    let number = object["metadata"]["order"].as_str().unwrap_or_default().to_string();
    let amount = object["amount"].as_i64().unwrap_or(-1);
    let currency = object["currency"].as_str().unwrap_or_default().to_string();
    let failure = object["last_payment_error"]["message"]
        .as_str()
        .unwrap_or("The card was not accepted.")
        .to_string();
    let site_url = state.site_url.clone();
    let handled = match event.kind.as_str() {
        "payment_intent.succeeded" => {
            db::run(&state.pool, move |conn| {
                mark_paid(conn, &intent, &number, amount, &currency, &site_url)
            })
            .await?
        }
        "payment_intent.payment_failed" => {
            db::run(&state.pool, move |conn| -> db::Result<_> {
                let order = order_of_intent(conn, &intent)?;
                match order {
                    Some(order) => {
                        record_failure(conn, &order.id, &failure)?;
                        Ok(Handled::Failed)
                    }
                    None => Ok(Handled::Ignored),
                }
            })
            .await?
        }
        _ => Handled::Ignored,
    };
    if matches!(
        handled,
        Handled::Paid | Handled::PaidTwice | Handled::AmountMismatch | Handled::NotACardOrder
    ) {
        state.mailer.wake();
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "received": true, "handled": handled })))
}

fn order_of_intent(conn: &mut DbConn, intent: &str) -> db::Result<Option<OrderRow>> {
    if intent.is_empty() {
        return Ok(None);
    }
    Ok(orders_table::table
        .filter(orders_table::stripe_payment_intent.eq(intent))
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the order of `intent` paid. An intent the order no longer names (replaced after a
/// declined card, then paid after all) is found by the order number in its metadata: money
/// taken is never ignored. Only a card order waiting for its payment is marked paid; money
/// taken for any other order (paid at the studio, paid already, another amount) is logged and
/// the studio is emailed to refund it.
fn mark_paid(
    conn: &mut DbConn,
    intent: &str,
    number: &str,
    amount: i64,
    currency: &str,
    site_url: &str,
) -> db::Result<Handled> {
    db::write_transaction(conn, |conn| {
        let order = match order_of_intent(conn, intent)? {
            Some(order) => Some(order),
            None if !number.is_empty() => orders::find_by_number(conn, number)?,
            None => None,
        };
        let Some(order) = order else { return Ok(Handled::Ignored) };
        if order.payment_method != "card" {
            tracing::error!(
                order = %order.number,
                "Stripe reports intent {intent} paid for an order paid at the studio: not marked paid"
            );
            ask_studio_to_refund(
                conn,
                &order,
                intent,
                "is to be paid at the studio, not by card",
                site_url,
            )?;
            return Ok(Handled::NotACardOrder);
        }
        let due = stripe::stripe_amount(order.total_cents, &order.currency);
        if Some(amount) != due || !currency.eq_ignore_ascii_case(&order.currency) {
            tracing::error!(
                order = %order.number,
                "Stripe reports {amount} {currency} paid for an order of {} {}: not marked paid",
                order.total_cents,
                order.currency
            );
            let what = format!("came to {amount} {currency} (in Stripe's units), not its total");
            ask_studio_to_refund(conn, &order, intent, &what, site_url)?;
            return Ok(Handled::AmountMismatch);
        }
        let now = db::now();
        // Only the first delivery changes the row; every other one finds it paid.
        let changed = diesel::update(
            orders_table::table
                .find(&order.id)
                .filter(orders_table::payment_status.eq(PaymentStatus::AwaitingPayment.as_str())),
        )
        .set((
            orders_table::payment_status.eq(PaymentStatus::Paid.as_str()),
            orders_table::stripe_payment_intent.eq(intent),
            orders_table::paid_at.eq(now),
            orders_table::payment_error.eq(None::<String>),
            orders_table::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 0 {
            if order.stripe_payment_intent.as_deref() == Some(intent) {
                return Ok(Handled::AlreadyPaid);
            }
            // Money taken twice for one order: never ignored.
            tracing::error!(order = %order.number, "paid twice: intent {intent} came after the order was paid");
            ask_studio_to_refund(conn, &order, intent, "was already paid", site_url)?;
            return Ok(Handled::PaidTwice);
        }
        feed::record(conn, feed::Kind::Order, &order.id)?;
        // Read in the same transaction that just marked it paid: it is there.
        let full = orders::find_by_id(conn, &order.id)?.ok_or(diesel::result::Error::NotFound)?;
        let message = full.confirmation_email(conn, site_url)?;
        email::enqueue(conn, message)?;
        Ok(Handled::Paid)
    })
}
