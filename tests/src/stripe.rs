//! `localstripe` (PyPI): a local server that speaks Stripe's API — PaymentIntents, customers,
//! cards, signed webhooks — and serves a stand-in for Stripe.js. The payment stories pay
//! through it exactly as through Stripe.
//!
//! Without localstripe those stories are skipped with a warning, except under `CI=true`, where
//! that is a failure (`scripts/test.sh` installs it).

use std::process::Child;

pub const SECRET_KEY: &str = "sk_test_proofroom";
pub const PUBLISHABLE_KEY: &str = "pk_test_proofroom";
pub const WEBHOOK_SECRET: &str = "whsec_test_proofroom";

pub struct LocalStripe {
    child: Child,
    pub port: u16,
    http: reqwest::Client,
}

impl LocalStripe {
    /// Starts localstripe on a free port; `None` (after a warning) when it is not installed
    /// and this is not CI.
    pub fn start() -> Option<Self> {
        if !crate::python::available("localstripe", "a payment story") {
            return None;
        }
        let (child, port) = crate::python::start_on_free_port("localstripe", |port| {
            ["-m", "localstripe", "--from-scratch", "--port", &port.to_string()]
                .map(str::to_string)
                .to_vec()
        });
        Some(Self { child, port, http: reqwest::Client::new() })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stripe.js as the payment page loads it.
    pub fn js_url(&self) -> String {
        format!("{}/js.stripe.com/v3/", self.url())
    }

    /// Sends `payment_intent.*` events, signed with [`WEBHOOK_SECRET`], to `url`.
    pub async fn send_webhooks_to(&self, url: &str) {
        let response = self
            .http
            .post(format!("{}/_config/webhooks/proofroom", self.url()))
            .form(&[("url", url), ("secret", WEBHOOK_SECRET)])
            .send()
            .await
            .expect("localstripe answers");
        assert!(response.status().is_success(), "webhook config: {}", response.status());
    }

    /// A card token, as Stripe.js makes one in the browser from what the client typed.
    pub async fn card_token(&self, number: &str) -> String {
        let response = self
            .http
            .post(format!("{}/v1/tokens", self.url()))
            .form(&[
                ("card[number]", number),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2030"),
                ("card[cvc]", "123"),
                ("key", PUBLISHABLE_KEY),
            ])
            .send()
            .await
            .expect("localstripe answers");
        let token: serde_json::Value = response.json().await.expect("a token");
        token["id"].as_str().expect("a token id").to_string()
    }

    /// A PaymentIntent as Stripe holds it.
    pub async fn payment_intent(&self, id: &str) -> serde_json::Value {
        self.http
            .get(format!("{}/v1/payment_intents/{id}", self.url()))
            .basic_auth(SECRET_KEY, Some(""))
            .send()
            .await
            .expect("localstripe answers")
            .json()
            .await
            .expect("json")
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
