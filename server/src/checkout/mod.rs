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
