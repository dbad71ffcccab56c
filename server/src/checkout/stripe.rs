//! Stripe, spoken over its HTTP API (form-encoded requests, JSON answers) with the secret key
//! from the server's configuration, and the check of its signed webhooks.
//!
//! Only what card payment needs: a PaymentIntent per order, created for the amount the server
//! computed with an idempotency key, and paying it with the card Stripe.js turned into a token
//! in the client's browser. An order is marked paid only by a `payment_intent.succeeded`
//! webhook whose signature holds (see [`verify_signature`]), never by a browser coming back.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

use crate::config::Config;

/// How far a webhook's timestamp may be from now, as Stripe's own libraries allow.
pub const SIGNATURE_TOLERANCE_SECONDS: u64 = 300;

/// Currencies Stripe counts in whole units (¥1, not ¥0.01).
const ZERO_DECIMAL: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];
/// Currencies Stripe counts in thousandths.
const THREE_DECIMAL: &[&str] = &["BHD", "JOD", "KWD", "OMR", "TND"];

/// An amount in cents (how Proofroom keeps all money) as Stripe counts it in `currency`;
/// `None` when it cannot be said exactly (a fraction of a yen).
pub fn stripe_amount(cents: i64, currency: &str) -> Option<i64> {
    let currency = currency.to_ascii_uppercase();
    if ZERO_DECIMAL.contains(&currency.as_str()) {
        (cents % 100 == 0).then_some(cents / 100)
    } else if THREE_DECIMAL.contains(&currency.as_str()) {
        cents.checked_mul(10)
    } else {
        Some(cents)
    }
}

/// The smallest card payment Stripe takes, in cents (its minimum is about half a US dollar;
/// 30p in pounds, ¥50 in yen).
pub fn minimum_cents(currency: &str) -> i64 {
    match currency.to_ascii_uppercase().as_str() {
        "GBP" => 30,
        "JPY" => 5_000,
        _ => 50,
    }
}

pub struct Stripe {
    http: reqwest::Client,
    api: String,
    secret_key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub client_secret: Option<String>,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    #[serde(default)]
    pub last_payment_error: Option<PaymentError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentError {
    pub message: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Customer {
    id: String,
    default_source: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered with an error (a declined card is one).
    #[error("{message}")]
    Api { status: u16, code: Option<String>, message: String },
    #[error("cannot reach Stripe: {0}")]
    Transport(String),
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: Option<String>,
    code: Option<String>,
}

impl Stripe {
    /// The client, when card payment is configured.
    pub fn from_config(config: &Config) -> Option<Self> {
        if !config.takes_cards() {
            return None;
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .ok()?;
        Some(Self {
            http,
            api: config.stripe_api_url.trim_end_matches('/').to_string(),
            secret_key: config.stripe_secret_key.clone()?,
        })
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, String)],
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let mut request =
            self.http.post(format!("{}{path}", self.api)).basic_auth(&self.secret_key, Some(""));
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        read(request.form(form).send().await).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, StripeError> {
        let request =
            self.http.get(format!("{}{path}", self.api)).basic_auth(&self.secret_key, Some(""));
        read(request.send().await).await
    }

    /// A PaymentIntent for an order's total. The idempotency key makes a retried request (a
    /// lost answer, two tabs) the same intent at Stripe.
    pub async fn create_payment_intent(
        &self,
        amount_cents: i64,
        currency: &str,
        order_number: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let amount = stripe_amount(amount_cents, currency).ok_or_else(|| StripeError::Api {
            status: 422,
            code: None,
            message: format!("{amount_cents} cents cannot be charged exactly in {currency}"),
        })?;
        self.post(
            "/v1/payment_intents",
            &[
                ("amount", amount.to_string()),
                ("currency", currency.to_ascii_lowercase()),
                ("payment_method_types[]", "card".into()),
                ("metadata[order]", order_number.to_string()),
            ],
            Some(idempotency_key),
        )
        .await
    }

    pub async fn payment_intent(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        self.get(&format!("/v1/payment_intents/{}", path_segment(id))).await
    }

    pub async fn cancel_payment_intent(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        self.post(&format!("/v1/payment_intents/{}/cancel", path_segment(id)), &[], None).await
    }

    /// Pays the intent with the card Stripe.js tokenized: the card is kept on a Stripe customer
    /// (Stripe's way to use a tokenized card with a PaymentIntent), set as the intent's payment
    /// method, and the intent confirmed. A card that needs 3-D Secure answers `requires_action`
    /// and the page finishes it with Stripe.js.
    pub async fn pay_with_token(
        &self,
        intent: &str,
        token: &str,
        email: &str,
        name: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let customer: Customer = self
            .post(
                "/v1/customers",
                &[
                    ("source", token.to_string()),
                    ("email", email.into()),
                    ("description", name.into()),
                ],
                None,
            )
            .await?;
        let card = customer.default_source.ok_or_else(|| StripeError::Api {
            status: 400,
            code: None,
            message: "The card could not be read; please type it again.".into(),
        })?;
        let path = format!("/v1/payment_intents/{}", path_segment(intent));
        let _: PaymentIntent =
            self.post(&path, &[("customer", customer.id), ("payment_method", card)], None).await?;
        self.post(&format!("{path}/confirm"), &[], None).await
    }
}

/// Stripe's ids are `[A-Za-z0-9_]`; anything else is not sent into a path.
fn path_segment(id: &str) -> String {
    id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

async fn read<T: DeserializeOwned>(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, StripeError> {
    let response = sent.map_err(|e| StripeError::Transport(e.to_string()))?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| StripeError::Transport(e.to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| StripeError::Transport(format!("unexpected answer: {e}")));
    }
    let detail = serde_json::from_slice::<ErrorBody>(&bytes).ok().map(|b| b.error);
    Err(StripeError::Api {
        status: status.as_u16(),
        code: detail.as_ref().and_then(|d| d.code.clone()),
        message: detail
            .and_then(|d| d.message)
            .unwrap_or_else(|| format!("Stripe answered {status}")),
    })
}

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    /// Its timestamp is more than [`SIGNATURE_TOLERANCE_SECONDS`] from now (a replay).
    TooOld,
    /// No `v1` signature matches: a wrong secret or a changed body.
    NoMatch,
}

/// Checks a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) against the body: HMAC-SHA256 of
/// `"{t}.{body}"` with the endpoint's secret, compared in constant time, and `t` within
/// [`SIGNATURE_TOLERANCE_SECONDS`] of `now` (seconds since the epoch).
pub fn verify_signature(
    body: &[u8],
    header: Option<&str>,
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamps: Vec<&str> = Vec::new();
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamps.push(t),
            Some(("v1", hex_sig)) => {
                if let Ok(sig) = hex::decode(hex_sig) {
                    signatures.push(sig);
                }
            }
            _ => {}
        }
    }
    // One `t`, written as Stripe writes it: decimal digits without a sign or a leading 0. The
    // signed text is `t` exactly as sent, so no other spelling of the same time can stand for it.
    let [t] = timestamps[..] else { return Err(SignatureError::Malformed) };
    let canonical =
        !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && (t == "0" || !t.starts_with('0'));
    let timestamp: i64 = match t.parse() {
        Ok(timestamp) if canonical => timestamp,
        _ => return Err(SignatureError::Malformed),
    };
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(timestamp) > SIGNATURE_TOLERANCE_SECONDS {
        return Err(SignatureError::TooOld);
    }
    let matches = signatures.iter().any(|sig| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
        mac.update(t.as_bytes());
        mac.update(b".");
        mac.update(body);
        // `verify_slice` compares in constant time.
        mac.verify_slice(sig).is_ok()
    });
    if matches { Ok(()) } else { Err(SignatureError::NoMatch) }
}

/// The `Stripe-Signature` header Stripe would send for `body` at `timestamp`; for tests and
/// tools that stand in for Stripe.
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"type":"payment_intent.succeeded"}"#;
    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_signature_made_with_the_secret_holds() {
        let header = sign(BODY, SECRET, NOW - 10);
        assert_eq!(verify_signature(BODY, Some(&header), SECRET, NOW), Ok(()));
        // Stripe may send several v1 signatures (while a secret is being rolled).
        let two = format!("t={},v1={},{}", NOW, "00".repeat(32), &sign(BODY, SECRET, NOW)[13..]);
        assert_eq!(verify_signature(BODY, Some(&two), SECRET, NOW), Ok(()));
    }

    #[test]
    fn tampering_a_wrong_secret_age_and_missing_headers_are_refused() {
        let header = sign(BODY, SECRET, NOW);
        let tampered = br#"{"type":"payment_intent.succeeded" }"#;
        assert_eq!(
            verify_signature(tampered, Some(&header), SECRET, NOW),
            Err(SignatureError::NoMatch)
        );
        assert_eq!(
            verify_signature(BODY, Some(&sign(BODY, "whsec_other", NOW)), SECRET, NOW),
            Err(SignatureError::NoMatch)
        );
        let old = sign(BODY, SECRET, NOW - 301);
        assert_eq!(verify_signature(BODY, Some(&old), SECRET, NOW), Err(SignatureError::TooOld));
        let edge = sign(BODY, SECRET, NOW - 300);
        assert_eq!(verify_signature(BODY, Some(&edge), SECRET, NOW), Ok(()));
        assert_eq!(verify_signature(BODY, None, SECRET, NOW), Err(SignatureError::Missing));
        assert_eq!(
            verify_signature(BODY, Some("v1=abc"), SECRET, NOW),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(BODY, Some(&format!("t={NOW}")), SECRET, NOW),
            Err(SignatureError::Malformed)
        );
        let extreme = format!("t={},v1={}", i64::MAX, "00".repeat(32));
        assert_eq!(
            verify_signature(BODY, Some(&extreme), SECRET, NOW),
            Err(SignatureError::TooOld)
        );
    }

    /// The HMAC of `"{t}.{body}"` for `t` spelled exactly as given.
    fn signed_as(t: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(BODY);
        format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn the_timestamp_must_be_spelled_as_stripe_spells_it() {
        assert_eq!(verify_signature(BODY, Some(&signed_as(&NOW.to_string())), SECRET, NOW), Ok(()));
        // The signature of the real time, under another spelling of it.
        let real = sign(BODY, SECRET, NOW);
        let v1 = real.split_once(",v1=").unwrap().1;
        for t in [format!("0{NOW}"), format!("+{NOW}"), format!(" {NOW}"), format!("{NOW}.0")] {
            let header = format!("t={t},v1={v1}");
            assert_eq!(
                verify_signature(BODY, Some(&header), SECRET, NOW),
                Err(SignatureError::Malformed),
                "{header}"
            );
            // Even signed over that very spelling.
            assert_eq!(
                verify_signature(BODY, Some(&signed_as(&t)), SECRET, NOW),
                Err(SignatureError::Malformed),
                "{t}"
            );
        }
        let two = format!("t={NOW},{}", sign(BODY, SECRET, NOW));
        assert_eq!(verify_signature(BODY, Some(&two), SECRET, NOW), Err(SignatureError::Malformed));
        assert_eq!(
            verify_signature(BODY, Some(&format!("t=-{NOW},v1={v1}")), SECRET, NOW),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn amounts_are_said_in_each_currencys_own_units() {
        assert_eq!(stripe_amount(3003, "usd"), Some(3003));
        assert_eq!(stripe_amount(240_000, "JPY"), Some(2400));
        assert_eq!(stripe_amount(240_050, "JPY"), None);
        assert_eq!(stripe_amount(1_500, "KWD"), Some(15_000));
    }
}
