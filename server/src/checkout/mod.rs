//! Ordering: the cart kept on the server per person per event ([`cart`]), checkout and the
//! order it places ([`place`]), a client's orders ([`orders`]) and what they cost ([`totals`]),
//! always computed here from the studio's price list and rates — never taken from the browser.

pub mod cart;
pub mod catalog;
pub mod number;
pub mod orders;
pub mod payment;
pub mod place;
pub mod stripe;
pub mod totals;

/// Card payments, when the server is configured for them; registered as its own `web::Data`.
pub struct Payments {
    pub stripe: Option<stripe::Stripe>,
}

impl Payments {
    pub fn takes_cards(&self) -> bool {
        self.stripe.is_some()
    }
}

/// An amount as a client reads it: `$24.00`, `€7.50`, `24.00 CHF`.
pub fn money(cents: i64, currency: &str) -> String {
    let amount = proofroom_wire::format_cents(cents);
    match currency {
        "USD" | "CAD" | "AUD" | "NZD" => format!("${amount}"),
        "EUR" => format!("€{amount}"),
        "GBP" => format!("£{amount}"),
        other => format!("{amount} {other}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_read_as_money() {
        assert_eq!(super::money(2400, "USD"), "$24.00");
        assert_eq!(super::money(5, "EUR"), "€0.05");
        assert_eq!(super::money(123_456, "CHF"), "1234.56 CHF");
    }
}
