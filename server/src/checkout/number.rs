//! Confirmation numbers: short, random (so not sequential and not guessable from another), and
//! easy to read aloud over the phone — no 0/O, 1/I/L or U/V look-alikes.

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use rand::Rng;

use crate::error::AppError;

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";

/// `K7MX-Q2RD`: 8 symbols of 29, about 5 × 10¹¹ numbers, checked unique when stored.
pub fn new_number() -> String {
    let mut rng = rand::rng();
    let mut number = String::with_capacity(9);
    for i in 0..8 {
        if i == 4 {
            number.push('-');
        }
        number.push(ALPHABET[rng.random_range(0..ALPHABET.len())] as char);
    }
    number
}

/// The `{number}` of an order's address, in its stored form. One that cannot be a confirmation
/// number is the order pages' 404 at once, before sign-in is asked for: a made-up number tells
/// nobody anything either way.
pub struct OrderNumber(pub String);

/// The same answer for a made-up number as for someone else's order.
pub fn order_not_found() -> AppError {
    AppError::not_found("order_not_found", "There is no such order.")
}

impl FromRequest for OrderNumber {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let number = req.match_info().get("number").and_then(normalize);
        std::future::ready(number.map(OrderNumber).ok_or_else(order_not_found))
    }
}

/// A number as typed or read back (any case, spaces or no dash) in its stored form.
pub fn normalize(input: &str) -> Option<String> {
    let symbols: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (symbols.len() == 8 && symbols.bytes().all(|b| ALPHABET.contains(&b)))
        .then(|| format!("{}-{}", &symbols[..4], &symbols[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_readable_and_vary() {
        let numbers: std::collections::HashSet<String> = (0..1000).map(|_| new_number()).collect();
        assert_eq!(numbers.len(), 1000);
        for n in &numbers {
            assert_eq!(n.len(), 9);
            assert_eq!(normalize(n).as_deref(), Some(n.as_str()));
            assert!(!n.contains(['0', 'O', '1', 'I', 'L', 'U', 'V']), "{n}");
        }
    }

    #[test]
    fn typed_numbers_are_understood() {
        assert_eq!(normalize(" k7mx q2rd ").as_deref(), Some("K7MX-Q2RD"));
        assert_eq!(normalize("K7MXQ2RD").as_deref(), Some("K7MX-Q2RD"));
        assert_eq!(normalize("K7MX-Q2R"), None);
        assert_eq!(normalize("K0MX-Q2RD"), None);
    }
}
