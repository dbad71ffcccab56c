//! How amounts and dates read on pages and in email: one place, so every page says them alike,
//! in the studio's locale (studio.toml `locale`; [`Locale`] holds the rules).

pub use proofroom_wire::locale::Locale;

/// Text as one value of a query string: `5×7 #1` → `5%C3%977+%231`.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e[1..].to_string()).unwrap_or_default()
}

/// A tax line as the order shows it: `Sales tax` added on top, or `incl. IVA 23 %` for a rate
/// the prices contain (the percentage is left out when the name already says it).
pub fn tax_label(locale: Locale, name: &str, basis_points: i64, included: bool) -> String {
    if !included {
        return name.to_string();
    }
    if name.contains('%') {
        format!("incl. {name}")
    } else {
        format!("incl. {name} {}", locale.percent(basis_points))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_taxes_say_they_are_included() {
        let pt = Locale::parse("pt-PT").unwrap();
        assert_eq!(tax_label(pt, "IVA", 2300, true), "incl. IVA 23\u{a0}%");
        assert_eq!(tax_label(pt, "IVA 23 %", 2300, true), "incl. IVA 23 %");
        assert_eq!(tax_label(Locale::default(), "Sales tax", 725, false), "Sales tax");
    }
}
