//! How amounts and dates read on pages and in email: one place, so every page says them alike.

use chrono::NaiveDate;

/// A date as a client reads it: `June 7, 2026`.
pub fn display_date(date: NaiveDate) -> String {
    date.format("%B %-d, %Y").to_string()
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

/// Text as one value of a query string: `5×7 #1` → `5%C3%977+%231`.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e[1..].to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_read_as_money() {
        assert_eq!(super::money(2400, "USD"), "$24.00");
        assert_eq!(super::money(5, "EUR"), "€0.05");
        assert_eq!(super::money(123_456, "CHF"), "1234.56 CHF");
    }

    #[test]
    fn dates_read_as_words() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 7).unwrap();
        assert_eq!(super::display_date(date), "June 7, 2026");
    }
}
