//! How amounts, dates and percentages read in a studio's language and country (studio.toml
//! `locale`, default `en-US`). The server formats every page and email through this, and the
//! connector checks a studio's `locale` against the same list, so a locale the site cannot speak
//! is refused at push time rather than shown as American English.
//!
//! The rules are CLDR's for the few locales listed: decimal and group separators, where the
//! currency's symbol goes, and the long date form. Spaces inside an amount are no-break spaces,
//! so "104,55 €" never wraps between the number and its symbol.

use chrono::{Datelike, NaiveDate};

/// One supported locale; `Locale::default()` is en-US.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale(&'static Rules);

#[derive(Debug, PartialEq, Eq)]
struct Rules {
    tag: &'static str,
    decimal: char,
    /// The group separator, and the fewest integer digits that are grouped at all (CLDR's
    /// minimum grouping: Spanish and Portuguese write 1234,56 but 12 345,67).
    group: char,
    group_from: usize,
    /// `true`: "$24.00"; `false`: "24,00 €".
    symbol_first: bool,
    /// A no-break space between the symbol and the number.
    symbol_space: bool,
    /// A no-break space before the percent sign ("23 %").
    percent_space: bool,
    date: DateForm,
    months: &'static [&'static str; 12],
}

#[derive(Debug, PartialEq, Eq)]
enum DateForm {
    /// June 7, 2026
    MonthFirst,
    /// 7 June 2026
    DayFirst,
    /// 7 de junho de 2026
    DayDeMonth,
    /// 7. Juni 2026
    DayDotMonth,
}

const NBSP: char = '\u{a0}';
/// French groups digits with a narrow no-break space.
const NNBSP: char = '\u{202f}';

const EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const PT: [&str; 12] = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];
const ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const IT: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

const fn english(tag: &'static str, month_first: bool) -> Rules {
    Rules {
        tag,
        decimal: '.',
        group: ',',
        group_from: 4,
        symbol_first: true,
        symbol_space: false,
        percent_space: false,
        date: if month_first { DateForm::MonthFirst } else { DateForm::DayFirst },
        months: &EN,
    }
}

const fn euro(
    tag: &'static str,
    group: char,
    group_from: usize,
    date: DateForm,
    months: &'static [&'static str; 12],
) -> Rules {
    Rules {
        tag,
        decimal: ',',
        group,
        group_from,
        symbol_first: false,
        symbol_space: true,
        percent_space: true,
        date,
        months,
    }
}

static RULES: [Rules; 13] = [
    english("en-US", true),
    english("en-CA", true),
    english("en-GB", false),
    english("en-IE", false),
    english("en-AU", false),
    english("en-NZ", false),
    euro("pt-PT", NBSP, 5, DateForm::DayDeMonth, &PT),
    Rules { symbol_first: true, ..euro("pt-BR", '.', 4, DateForm::DayDeMonth, &PT) },
    euro("es-ES", '.', 5, DateForm::DayDeMonth, &ES),
    euro("fr-FR", NNBSP, 4, DateForm::DayFirst, &FR),
    euro("de-DE", '.', 4, DateForm::DayDotMonth, &DE),
    euro("it-IT", '.', 4, DateForm::DayFirst, &IT),
    Rules {
        symbol_first: true,
        percent_space: false,
        ..euro("nl-NL", '.', 4, DateForm::DayFirst, &NL)
    },
];

impl Default for Locale {
    fn default() -> Self {
        Self(&RULES[0])
    }
}

impl Locale {
    /// Every locale this version speaks, as studio.toml writes them.
    pub fn tags() -> impl Iterator<Item = &'static str> {
        RULES.iter().map(|r| r.tag)
    }

    /// `pt-PT` (also `pt_PT` and any case); `None` for a locale not in [`Locale::tags`].
    pub fn parse(tag: &str) -> Option<Self> {
        let wanted = tag.trim().replace('_', "-");
        RULES.iter().find(|r| r.tag.eq_ignore_ascii_case(&wanted)).map(Self)
    }

    pub fn tag(self) -> &'static str {
        self.0.tag
    }

    /// A stored tag, or en-US for one this version no longer knows.
    pub fn or_default(tag: &str) -> Self {
        Self::parse(tag).unwrap_or_default()
    }

    /// An amount in `currency` as a client reads it: `$1,234.56`, `104,55 €`, `1,234.56 CHF`.
    /// Every amount is kept in hundredths of the currency's unit, so it shows two decimals.
    pub fn money(self, cents: i64, currency: &str) -> String {
        let r = self.0;
        let number = self.number(cents, 2);
        let space = if r.symbol_space { NBSP.to_string() } else { String::new() };
        match symbol(currency, r.tag) {
            Some(symbol) if r.symbol_first => match number.strip_prefix('-') {
                Some(positive) => format!("-{symbol}{space}{positive}"),
                None => format!("{symbol}{space}{number}"),
            },
            Some(symbol) => format!("{number}{NBSP}{symbol}"),
            None => format!("{number}{NBSP}{currency}"),
        }
    }

    /// `value / 10^decimals` with this locale's separators: `1,234.56`, `12 345,67`.
    fn number(self, value: i64, decimals: u32) -> String {
        let r = self.0;
        let abs = value.unsigned_abs();
        let scale = 10u64.pow(decimals);
        let whole = (abs / scale).to_string();
        let mut out = String::new();
        if value < 0 {
            out.push('-');
        }
        if whole.len() >= r.group_from {
            for (i, digit) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i).is_multiple_of(3) {
                    out.push(r.group);
                }
                out.push(digit);
            }
        } else {
            out.push_str(&whole);
        }
        if decimals > 0 {
            out.push(r.decimal);
            out.push_str(&format!("{:0width$}", abs % scale, width = decimals as usize));
        }
        out
    }

    /// A long date: `June 7, 2026`, `7 de junho de 2026`, `7. Juni 2026`.
    pub fn date(self, date: NaiveDate) -> String {
        let (day, year) = (date.day(), date.year());
        let month = self.0.months[date.month0() as usize];
        match self.0.date {
            DateForm::MonthFirst => format!("{month} {day}, {year}"),
            DateForm::DayFirst => format!("{day} {month} {year}"),
            DateForm::DayDeMonth => format!("{day} de {month} de {year}"),
            DateForm::DayDotMonth => format!("{day}. {month} {year}"),
        }
    }

    /// A file's size with one decimal in the unit that suits it (1 MB = 1,000,000 bytes, as
    /// phones and Macs count): `850 KB`, `12.3 MB`, `2,1 GB`.
    pub fn file_size(self, bytes: i64) -> String {
        let bytes = bytes.max(0);
        let (unit, scale) = match bytes {
            b if b >= 1_000_000_000 => ("GB", 1_000_000_000),
            b if b >= 1_000_000 => ("MB", 1_000_000),
            _ => ("KB", 1_000),
        };
        if unit == "KB" {
            return format!("{}{NBSP}KB", self.number((bytes + 999) / 1000, 0));
        }
        let tenths = (bytes * 10 + scale / 2) / scale;
        format!("{}{NBSP}{unit}", self.number(tenths, 1))
    }

    /// A rate in basis points as a percentage: `7.25%`, `23 %`, `6,5 %`.
    pub fn percent(self, basis_points: i64) -> String {
        let r = self.0;
        let mut number = self.number(basis_points, 2);
        if number.contains(r.decimal) {
            number = number.trim_end_matches('0').trim_end_matches(r.decimal).to_string();
        }
        if r.percent_space { format!("{number}{NBSP}%") } else { format!("{number}%") }
    }
}

/// The currency's symbol where a client of `tag` knows it; `None` means the ISO code is shown.
fn symbol(currency: &str, tag: &str) -> Option<&'static str> {
    let home = |country: &str| tag.ends_with(country);
    Some(match currency {
        "EUR" => "€",
        "GBP" => "£",
        "USD" if home("US") => "$",
        "USD" => "US$",
        "CAD" if home("CA") => "$",
        "AUD" if home("AU") => "$",
        "NZD" if home("NZ") => "$",
        "CAD" | "AUD" | "NZD" if tag == "en-US" => "$",
        "BRL" => "R$",
        "JPY" => "¥",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speak(tag: &str) -> Locale {
        Locale::parse(tag).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// What a client reads, with the no-break spaces written as plain ones.
    fn plain(s: String) -> String {
        s.replace([NBSP, NNBSP], " ")
    }

    #[test]
    fn file_sizes_read_in_the_locale() {
        let us = Locale::parse("en-US").unwrap();
        let pt = Locale::parse("pt-PT").unwrap();
        assert_eq!(us.file_size(12_345_678), "12.3\u{a0}MB");
        assert_eq!(pt.file_size(12_345_678), "12,3\u{a0}MB");
        assert_eq!(us.file_size(2_060_000_000), "2.1\u{a0}GB");
        assert_eq!(us.file_size(850_001), "851\u{a0}KB");
        assert_eq!(us.file_size(0), "0\u{a0}KB");
    }

    #[test]
    fn amounts_read_as_each_country_writes_them() {
        let cases = [
            ("en-US", 2400, "USD", "$24.00"),
            ("en-US", 123_456, "USD", "$1,234.56"),
            ("en-US", -550, "USD", "-$5.50"),
            ("en-US", 5, "EUR", "€0.05"),
            ("en-US", 123_456, "CHF", "1,234.56 CHF"),
            ("en-US", 150_000, "JPY", "¥1,500.00"),
            ("en-GB", 1050, "GBP", "£10.50"),
            ("en-GB", 1050, "USD", "US$10.50"),
            ("pt-PT", 10_455, "EUR", "104,55 €"),
            ("pt-PT", 123_456, "EUR", "1234,56 €"),
            ("pt-PT", 1_234_567, "EUR", "12 345,67 €"),
            ("pt-BR", 123_456, "BRL", "R$ 1.234,56"),
            ("es-ES", 123_456, "EUR", "1234,56 €"),
            ("fr-FR", 123_456, "EUR", "1 234,56 €"),
            ("de-DE", 123_456, "EUR", "1.234,56 €"),
            ("nl-NL", 123_456, "EUR", "€ 1.234,56"),
            ("de-DE", -550, "EUR", "-5,50 €"),
        ];
        for (tag, cents, currency, expected) in cases {
            assert_eq!(plain(speak(tag).money(cents, currency)), expected, "{tag} {cents}");
        }
        assert!(speak("pt-PT").money(10_455, "EUR").contains('\u{a0}'), "never wraps");
    }

    #[test]
    fn dates_read_as_words() {
        let cases = [
            ("en-US", "2026-06-07", "June 7, 2026"),
            ("en-GB", "2026-06-07", "7 June 2026"),
            ("pt-PT", "2026-10-03", "3 de outubro de 2026"),
            ("es-ES", "2026-10-03", "3 de octubre de 2026"),
            ("fr-FR", "2026-08-15", "15 août 2026"),
            ("de-DE", "2026-03-01", "1. März 2026"),
            ("it-IT", "2026-12-25", "25 dicembre 2026"),
        ];
        for (tag, date, expected) in cases {
            assert_eq!(speak(tag).date(day(date)), expected);
        }
    }

    #[test]
    fn percentages_drop_needless_decimals() {
        assert_eq!(speak("en-US").percent(725), "7.25%");
        assert_eq!(speak("en-US").percent(2000), "20%");
        assert_eq!(plain(speak("pt-PT").percent(2300)), "23 %");
        assert_eq!(plain(speak("de-DE").percent(650)), "6,5 %");
    }

    #[test]
    fn tags_are_read_forgivingly_and_unknown_ones_refused() {
        assert_eq!(Locale::parse("pt_pt").map(Locale::tag), Some("pt-PT"));
        assert_eq!(Locale::parse(" EN-gb ").map(Locale::tag), Some("en-GB"));
        assert_eq!(Locale::parse("xx-XX"), None);
        assert_eq!(Locale::or_default("xx-XX").tag(), "en-US");
        assert_eq!(Locale::tags().count(), RULES.len());
    }
}
