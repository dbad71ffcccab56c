//! Card payment through Stripe's protocol, against localstripe: an order is paid only when a
//! `payment_intent.succeeded` webhook with a valid signature says so — once, however often it
//! comes — and a declined card leaves it payable.

use proofroom_server::checkout::stripe::sign;
use proofroom_tests::shop::{add, ann, field, photos, post_owned, shop};
use proofroom_tests::smtp::SmtpServer;
use proofroom_tests::stripe::{LocalStripe, WEBHOOK_SECRET};
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, inbox_files};
use reqwest::StatusCode;

/// A studio taking cards through localstripe, sending email to `smtp`, with its webhook set.
async fn card_studio(stripe: &LocalStripe, smtp: &SmtpServer) -> (TestApp, LibraryBuilder) {
    let app = TestApp::builder().stripe(stripe).smtp(smtp).spawn().await;
    stripe.send_webhooks_to(&app.url("/stripe/webhook")).await;
    let library = shop(&app).await;
    (app, library)
}

/// Ann puts two 5×7 prints (28.00 + 7.25 % tax = 30.03) in her cart and checks out by card,
/// collecting at the studio; answers her and the order's number.
async fn order_by_card(app: &TestApp) -> (Visitor, String) {
    let event = app.event_path("smith");
    let mut ann = ann(app).await;
    let photos = photos(&mut ann, &event).await;
    add(&mut ann, &event, "P5X7", "1", &photos[0]).await;
    add(&mut ann, &event, "P5X7", "1", &photos[1]).await;
    let checkout = ann.get(&format!("{event}/checkout")).await;
    assert!(checkout.body.contains("value=\"card\""), "cards are offered: {}", checkout.body);
    let form = vec![
        ("checkout_key", field(&checkout, "checkout_key")),
        ("shipping", "pickup".to_string()),
        ("payment", "card".to_string()),
        ("action", "place".to_string()),
    ];
    let placed = post_owned(&mut ann, &format!("{event}/checkout"), &form).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let pay = placed.location.unwrap();
    assert!(pay.ends_with("/pay"), "{pay}");
    let number = pay.trim_start_matches("/orders/").trim_end_matches("/pay").to_string();
    (ann, number)
}

/// The PaymentIntent the order holds.
fn stored_intent(app: &TestApp, number: &str) -> String {
    use diesel::prelude::*;
    use proofroom_server::db::schema::orders;
    app.with_db(|conn| {
        orders::table
            .filter(orders::number.eq(number))
            .select(orders::stripe_payment_intent)
            .first::<Option<String>>(conn)
            .unwrap()
            .expect("an intent")
    })
}

/// The order's payment state as its page's script reads it.
async fn payment_status(visitor: &mut Visitor, number: &str) -> serde_json::Value {
    let answer = visitor.get(&format!("/orders/{number}/payment")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    serde_json::from_str(&answer.body).unwrap()
}

async fn wait_until_paid(visitor: &mut Visitor, number: &str) -> serde_json::Value {
    for _ in 0..100 {
        let state = payment_status(visitor, number).await;
        if state["paid"] == true {
            return state;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("order {number} was not marked paid within 10 s");
}

/// Pays through the page's endpoint with a card as Stripe.js tokenizes it.
async fn pay(
    visitor: &mut Visitor,
    stripe: &LocalStripe,
    number: &str,
    card: &str,
) -> (StatusCode, serde_json::Value) {
    let page = visitor.get(&format!("/orders/{number}/pay")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = stripe.card_token(card).await;
    let answer =
        visitor.post_json(&format!("/orders/{number}/pay"), &[("token", token.as_str())]).await;
    (answer.status, serde_json::from_str(&answer.body).unwrap_or_default())
}

#[tokio::test]
async fn a_card_order_is_paid_when_stripes_signed_webhook_says_so_and_reaches_the_studio() {
    let (Some(stripe), Some(smtp)) = (LocalStripe::start(), SmtpServer::start()) else { return };
    let (app, library) = card_studio(&stripe, &smtp).await;
    let (mut ann, number) = order_by_card(&app).await;

    // The payment page loads Stripe.js, and its policy lets it.
    let page = ann.get(&format!("/orders/{number}/pay")).await;
    assert!(page.body.contains(&stripe.js_url()), "{}", page.body);
    assert!(page.body.contains("Pay $30.03"), "{}", page.body);
    assert!(page.header("content-security-policy").contains(&stripe.url()));

    // Coming back to the order page pays nothing.
    let order = ann.get(&format!("/orders/{number}")).await;
    assert!(order.body.contains("Waiting for payment"), "{}", order.body);
    assert_eq!(payment_status(&mut ann, &number).await["paid"], false);
    // Not paid yet, so not the studio's to make yet.
    let said = app.sync(library.path()).await;
    assert!(said.contains("pulled 0 items"), "{said}");

    let (status, answer) = pay(&mut ann, &stripe, &number, "4242424242424242").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "processing");
    let intent_before = stored_intent(&app, &number);
    // The answer lost, the button pressed again before Stripe's webhook: no second charge.
    let (status, again) = pay(&mut ann, &stripe, &number, "4242424242424242").await;
    assert_eq!((status, again["status"].as_str()), (StatusCode::OK, Some("processing")), "{again}");
    assert_eq!(stored_intent(&app, &number), intent_before, "the same payment, not a new one");
    let state = wait_until_paid(&mut ann, &number).await;
    assert_eq!(state["payment_status"], "paid");
    let order = ann.get(&format!("/orders/{number}")).await;
    assert!(order.body.contains("id=\"payment-status\">Paid<"), "{}", order.body);
    let paid_twice = ann.get(&format!("/orders/{number}/pay")).await;
    assert_eq!(paid_twice.status, StatusCode::SEE_OTHER, "a paid order needs no payment page");

    // Stripe holds the intent for the server's total.
    let intent_id = stored_intent(&app, &number);
    let intent = stripe.payment_intent(&intent_id).await;
    assert_eq!(intent["amount"], 3003);
    assert_eq!(intent["status"], "succeeded");

    // One confirmation email, sent when paid.
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].body.contains("Payment: Paid"), "{}", mail[0].body);
    assert!(mail[0].body.contains("Total: $30.03"), "{}", mail[0].body);
    let order_url = format!("{}/orders/{number}", app.base_url);
    let html = mail[0].assert_from_studio(
        "Maple Lane Photography",
        Some("hello@maplelane.example"),
        &order_url,
    );
    assert!(html.contains("Payment: Paid") && html.contains("Total: $30.03"), "{html}");

    let said = app.sync(library.path()).await;
    assert!(said.contains("1 orders"), "{said}");
    let json: serde_json::Value =
        serde_json::from_str(&inbox_files(library.path())[&format!("orders/{number}.json")])
            .unwrap();
    assert_eq!(json["payment_status"], "paid");
    assert_eq!(json["payment_method"], "card");
    assert_eq!(json["stripe_payment_id"], intent_id.as_str());
    assert_eq!(json["total"], "30.03");
}

#[tokio::test]
async fn a_declined_card_leaves_the_order_payable_and_another_card_pays_it() {
    let (Some(stripe), Some(smtp)) = (LocalStripe::start(), SmtpServer::start()) else { return };
    let (app, _library) = card_studio(&stripe, &smtp).await;
    let (mut ann, number) = order_by_card(&app).await;

    // Charging this card fails: Stripe says why, and sends payment_intent.payment_failed.
    let (status, answer) = pay(&mut ann, &stripe, &number, "4000000000000341").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{answer}");
    assert_eq!(answer["error"], "card_declined");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let state = payment_status(&mut ann, &number).await;
    assert_eq!(state["paid"], false);
    assert_eq!(state["payment_status"], "awaiting_payment");
    assert!(state["error"].as_str().is_some_and(|e| !e.is_empty()), "{state}");
    let page = ann.get(&format!("/orders/{number}/pay")).await;
    assert!(page.body.contains("The last try did not go through"), "{}", page.body);
    assert!(smtp.messages().is_empty(), "no confirmation for an unpaid order");

    let (status, answer) = pay(&mut ann, &stripe, &number, "4242424242424242").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    wait_until_paid(&mut ann, &number).await;
    assert_eq!(smtp.wait_for(1).await.len(), 1);
}

#[tokio::test]
async fn webhooks_need_a_valid_signature_and_ten_deliveries_pay_once() {
    let (Some(stripe), Some(smtp)) = (LocalStripe::start(), SmtpServer::start()) else { return };
    // No webhooks from localstripe here: this story sends them itself.
    let app = TestApp::builder().stripe(&stripe).smtp(&smtp).spawn().await;
    shop(&app).await;
    let (mut ann, number) = order_by_card(&app).await;
    ann.get(&format!("/orders/{number}/pay")).await;
    let intent = stored_intent(&app, &number);
    let event = |amount: i64| {
        serde_json::json!({
            "id": format!("evt_{amount}"),
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": chrono::Utc::now().timestamp(),
            "data": { "object": {
                "id": intent, "object": "payment_intent", "amount": amount,
                "currency": "usd", "status": "succeeded"
            } }
        })
        .to_string()
    };
    let body = event(3003);
    let now = chrono::Utc::now().timestamp();
    let http = reqwest::Client::new();
    let deliver = |body: String, signature: Option<String>| {
        let mut request = http
            .post(app.url("/stripe/webhook"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("stripe-signature", signature);
        }
        request.send()
    };
    let tampered = body.replace("3003", "3004");
    let refused = [
        ("tampered body", tampered.clone(), Some(sign(body.as_bytes(), WEBHOOK_SECRET, now))),
        ("wrong secret", body.clone(), Some(sign(body.as_bytes(), "whsec_guess", now))),
        ("301 s old", body.clone(), Some(sign(body.as_bytes(), WEBHOOK_SECRET, now - 301))),
        ("no header", body.clone(), None),
        ("garbage header", body.clone(), Some("t=abc,v1=zz".to_string())),
    ];
    for (what, body, signature) in refused {
        let answer = deliver(body, signature).await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{what}");
        let json: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(json["error"], "invalid_signature", "{what}");
    }
    assert_eq!(payment_status(&mut ann, &number).await["paid"], false, "nothing changed");

    // A signed event for another amount is not a payment of this order.
    let wrong_amount = event(1);
    let answer =
        deliver(wrong_amount.clone(), Some(sign(wrong_amount.as_bytes(), WEBHOOK_SECRET, now)))
            .await
            .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.json::<serde_json::Value>().await.unwrap()["handled"], "amount_mismatch");
    assert_eq!(payment_status(&mut ann, &number).await["paid"], false);

    // The real one, ten times at once: one paid order, one email, one order in the feed.
    let signature = sign(body.as_bytes(), WEBHOOK_SECRET, now);
    let deliveries: Vec<_> =
        (0..10).map(|_| deliver(body.clone(), Some(signature.clone()))).collect();
    let answers = futures_util::future::join_all(deliveries).await;
    let mut handled = Vec::new();
    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        handled.push(answer.json::<serde_json::Value>().await.unwrap()["handled"].clone());
    }
    assert_eq!(handled.iter().filter(|h| *h == "paid").count(), 1, "{handled:?}");
    assert_eq!(handled.iter().filter(|h| *h == "already_paid").count(), 9, "{handled:?}");
    assert_eq!(payment_status(&mut ann, &number).await["paid"], true);
    // The studio is asked to refund the payment of the wrong amount; Ann is confirmed once.
    assert_eq!(smtp.wait_for(2).await.len(), 2);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mail = smtp.messages();
    let to = |who: &str| mail.iter().filter(|m| m.to.contains(who)).collect::<Vec<_>>();
    assert_eq!(to("ann.smith@example.com").len(), 1, "one email for ten deliveries");
    let studio = to("hello@maplelane.example");
    assert_eq!(studio.len(), 1);
    assert!(studio[0].subject.starts_with("Refund a card payment"), "{}", studio[0].subject);
    // To the studio itself: from its name, no Reply-To back to its own address, no button
    // (the studio refunds in Stripe's dashboard).
    assert_eq!(studio[0].from.name, "Maple Lane Photography");
    assert_eq!(studio[0].reply_to, None);
    let html = studio[0].html.as_deref().expect("an HTML part");
    assert!(html.contains("Refund that payment in the Stripe dashboard."), "{html}");
    assert_eq!(studio[0].button_link(), None);
    assert_eq!(app.feed_waiting(), 1);
}
