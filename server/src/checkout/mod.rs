//! Checkout: what an order costs ([`totals`]), always computed here from the studio's price list
//! and rates — never taken from the browser.

pub mod totals;
