//! Reading the library's TOML manifests with errors a studio can act on:
//! `file:line: field: what is wrong`.
//!
//! serde + toml find syntax errors, type errors, unknown fields (typos) and missing fields and
//! carry the byte span of the offending key or value; [`Manifest::parse`] turns the span into a
//! line and a dotted field path (found in toml's spanned document tree) and rewrites serde's
//! phrasing ("invalid type: string \"thirty\", expected a whole number of days") into
//! "expected a whole number of days, found \"thirty\"". The value types below
//! ([`Money`], [`Percent`], [`Date`], [`Days`], [`Count`]) check their value while it is being
//! deserialized, so their errors carry the value's span too. Checks that need several fields
//! (watermark text xor image, a private event's code, files that must exist) run afterwards on
//! [`toml::Spanned`] fields and report through [`Manifest::error`].

use std::fmt;
use std::ops::Range;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::ItemError;

/// One manifest file's text and the name it is reported under (relative to the library, with
/// forward slashes, e.g. `sessions/2026-0412/session.toml`).
pub(crate) struct Manifest<'a> {
    pub item: String,
    pub text: &'a str,
}

impl<'a> Manifest<'a> {
    pub fn new(item: impl Into<String>, text: &'a str) -> Self {
        Self { item: item.into(), text }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, pos: usize) -> usize {
        let pos = pos.min(self.text.len());
        self.text.as_bytes()[..pos].iter().filter(|&&b| b == b'\n').count() + 1
    }

    /// An error about `field` at `span` (a key's or value's span from [`Spanned`]).
    pub fn error(&self, span: Range<usize>, field: &str, message: impl fmt::Display) -> ItemError {
        self.error_at_line(self.line_of(span.start), field, message)
    }

    /// An error about `field` (none when empty) at a 1-based line.
    fn error_at_line(&self, line: usize, field: &str, message: impl fmt::Display) -> ItemError {
        ItemError {
            field: (!field.is_empty()).then(|| field.to_string()),
            ..ItemError::at_line(self.item.clone(), line, message.to_string())
        }
    }

    /// Deserializes the whole file, reporting the first error with its line and field.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ItemError> {
        toml::from_str::<T>(self.text).map_err(|e| self.describe(&e))
    }

    fn describe(&self, e: &toml::de::Error) -> ItemError {
        let span = e.span();
        let raw = e.message().trim();
        let doc = DeTable::parse(self.text).ok();
        let Some(doc) = doc else {
            // A syntax error: there is no document tree to name the field from.
            let line = span.map_or(1, |s| self.line_of(s.start));
            return self.error_at_line(line, "", format!("invalid TOML: {}", quotes(raw)));
        };
        let (line, path, message) = if let Some(name) = between(raw, "missing field `", "`") {
            // The span is the table (its `[header]` or `{ inline }`) that lacks the field; an
            // empty span is the document root.
            let mut path = match &span {
                Some(s) if s.start < s.end => path_at(doc.get_ref(), s.start),
                _ => Vec::new(),
            };
            let line = span.as_ref().map_or(1, |s| self.line_of(s.start));
            path.push(name.to_string());
            (line, path, "missing; this field is required".to_string())
        } else {
            let pos = span.as_ref().map_or(0, |s| s.start);
            (self.line_of(pos), path_at(doc.get_ref(), pos), rephrase(raw))
        };
        let field = path.iter().map(|k| key_text(k)).collect::<Vec<_>>().join(".");
        self.error_at_line(line, &field, message)
    }
}

/// The dotted key path of the deepest key or value whose span holds `pos`. Array positions are
/// left out: the line already says which `[[entry]]` it is.
fn path_at(table: &DeTable<'_>, pos: usize) -> Vec<String> {
    for (key, value) in table.iter() {
        if contains(&key.span(), pos) {
            return vec![key.get_ref().to_string()];
        }
        if let Some(mut inner) = path_in_value(value, pos) {
            inner.insert(0, key.get_ref().to_string());
            return inner;
        }
    }
    Vec::new()
}

fn path_in_value(value: &Spanned<DeValue<'_>>, pos: usize) -> Option<Vec<String>> {
    // Children first: a table's own span may be only its `[header]`.
    match value.get_ref() {
        DeValue::Table(t) => {
            let inner = path_at(t, pos);
            if !inner.is_empty() {
                return Some(inner);
            }
        }
        DeValue::Array(items) => {
            for item in items.iter() {
                if let Some(inner) = path_in_value(item, pos) {
                    return Some(inner);
                }
            }
        }
        _ => {}
    }
    contains(&value.span(), pos).then(Vec::new)
}

fn contains(span: &Range<usize>, pos: usize) -> bool {
    span.start <= pos && pos < span.end.max(span.start + 1)
}

/// A key as written in a dotted path: bare when TOML allows it, quoted otherwise.
pub(crate) fn key_text(key: &str) -> String {
    let bare =
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { key.to_string() } else { format!("{key:?}") }
}

fn between<'s>(s: &'s str, start: &str, end: &str) -> Option<&'s str> {
    let rest = s.strip_prefix(start)?;
    rest.find(end).map(|i| &rest[..i])
}

fn quotes(s: &str) -> String {
    s.replace('`', "\"")
}

/// serde's phrasing, rewritten for people: "expected X, found Y".
fn rephrase(raw: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = raw.strip_prefix(prefix)
            && let Some((found, expected)) = rest.split_once(", expected ")
        {
            return format!("expected {}, found {}", quotes(expected), found_text(found));
        }
    }
    if let Some(rest) = raw.strip_prefix("unknown field `") {
        if let Some((_, expected)) = rest.split_once("`, expected ") {
            return format!("unknown field (a typo?); expected {}", quotes(expected));
        }
        return "unknown field (a typo?)".to_string();
    }
    if let Some(rest) = raw.strip_prefix("unknown variant `")
        && let Some((found, expected)) = rest.split_once("`, expected ")
    {
        return format!("expected {}, found \"{found}\"", quotes(expected));
    }
    quotes(raw)
}

/// serde's `Unexpected` as a TOML author would write the value.
fn found_text(found: &str) -> String {
    if let Some(s) = found.strip_prefix("string ") {
        return s.to_string();
    }
    for prefix in ["integer ", "floating point ", "boolean "] {
        if let Some(v) = found.strip_prefix(prefix) {
            return v.trim_matches('`').to_string();
        }
    }
    match found {
        "map" => "a table".to_string(),
        "sequence" => "an array".to_string(),
        other => quotes(other),
    }
}

// ---- value types that check themselves while being deserialized ----

/// A money amount written as a decimal string (`"24.00"`), in integer cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Money(pub i64);

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount in quotes, like \"24.00\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
                proofroom_wire::parse_cents(v).map(Money).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A percent written as a decimal string (`"7.25"`), in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Percent(pub i64);

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Percent;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a percent in quotes, like \"7.25\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Percent, E> {
                proofroom_wire::parse_basis_points(v).map(Percent).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A calendar date, either a TOML date (`2026-04-12`) or a string (`"2026-04-12"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date(pub NaiveDate);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date like \"2026-04-12\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                parse_date(v).map(Date).ok_or_else(|| {
                    E::custom(format!("expected a date like \"2026-04-12\", found \"{v}\""))
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
                // How toml hands over its own date-time values.
                let dt =
                    toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (dt.date, dt.time, dt.offset) {
                    (Some(d), None, None) => {
                        NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                            .map(Date)
                            .ok_or_else(|| {
                                de::Error::custom(format!("{dt} is not a calendar date"))
                            })
                    }
                    _ => Err(de::Error::custom(format!(
                        "expected a date without a time, like 2026-04-12, found {dt}"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A wall-clock date and time without an offset (the zone is given apart): a TOML local
/// date-time (`2026-06-13T14:00:00`, `2026-06-13 14:00`) or a string (`"2026-06-13 14:00"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LocalDateTime(pub NaiveDateTime);

const LOCAL_DATE_TIME: &str = "a local date and time like \"2026-06-13 14:00\"";

impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LocalDateTime;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(LOCAL_DATE_TIME)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LocalDateTime, E> {
                parse_local_date_time(v)
                    .map(LocalDateTime)
                    .ok_or_else(|| E::custom(format!("expected {LOCAL_DATE_TIME}, found \"{v}\"")))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LocalDateTime, A::Error> {
                let dt =
                    toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
                match (dt.date, dt.time, dt.offset) {
                    (Some(_), Some(_), None) => parse_local_date_time(&dt.to_string())
                        .map(LocalDateTime)
                        .ok_or_else(|| de::Error::custom(format!("{dt} is not a date and time"))),
                    (_, _, Some(_)) => Err(de::Error::custom(format!(
                        "expected a local time without an offset (the zone is `time_zone`), found {dt}"
                    ))),
                    _ => Err(de::Error::custom(format!(
                        "expected {LOCAL_DATE_TIME}, with the time of day, found {dt}"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `YYYY-MM-DD HH:MM[:SS]`, with a space or a `T` between the date and the time.
pub(crate) fn parse_local_date_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if s.len() < 16 || !matches!(s.as_bytes()[10], b' ' | b'T') {
        return None;
    }
    let date = parse_date(&s[..10])?;
    let time = &s[11..];
    let time = chrono::NaiveTime::parse_from_str(time, "%H:%M:%S")
        .or_else(|_| chrono::NaiveTime::parse_from_str(time, "%H:%M"))
        .ok()?;
    Some(date.and_time(time))
}

/// `YYYY-MM-DD`, strictly.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A whole number within a range, with a word for the unit in error messages.
macro_rules! bounded_integer {
    ($name:ident, $min:expr, $max:expr, $what:expr) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) struct $name(pub i64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$name, E> {
                        if ($min..=$max).contains(&v) {
                            Ok($name(v))
                        } else {
                            Err(E::custom(format!(
                                "expected {} from {} to {}, found {v}",
                                $what, $min, $max
                            )))
                        }
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

bounded_integer!(Days, 1, 3650, "a whole number of days");
bounded_integer!(Count, 0, 1000, "a whole number");
bounded_integer!(Minutes, 1, 10_080, "a whole number of minutes");
bounded_integer!(Revision, 1, 1000, "a whole number");
bounded_integer!(Quantity, 1, 100, "a whole number of prints");
bounded_integer!(ReminderDays, 0, 60, "a whole number of days");
bounded_integer!(Photos, 1, 10_000, "a whole number of photos");

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        days: Days,
        price: Option<Money>,
        when: Option<Date>,
        #[serde(default)]
        client: Option<Inner>,
        #[serde(default)]
        rows: Vec<Inner>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        email: String,
        #[serde(default)]
        count: Option<Count>,
    }

    fn err(text: &str) -> String {
        Manifest::new("x.toml", text).parse::<Doc>().unwrap_err().to_string()
    }

    #[test]
    fn type_errors_name_line_and_field() {
        assert_eq!(
            err("title = \"a\"\n\ndays = \"thirty\"\n"),
            "x.toml:3: days: expected a whole number of days, found \"thirty\""
        );
        assert_eq!(
            err("title = \"a\"\ndays = 0\n"),
            "x.toml:2: days: expected a whole number of days from 1 to 3650, found 0"
        );
        assert_eq!(
            err("title = \"a\"\ndays = 3\nprice = 24.5\n"),
            "x.toml:3: price: expected an amount in quotes, like \"24.00\", found 24.5"
        );
        assert_eq!(
            err("title = \"a\"\ndays = 3\nprice = \"24,00\"\n"),
            "x.toml:3: price: \"24,00\" is not an amount like \"24.00\""
        );
        assert_eq!(
            err("title = \"a\"\ndays = 3\nwhen = \"12/04/2026\"\n"),
            "x.toml:3: when: expected a date like \"2026-04-12\", found \"12/04/2026\""
        );
        assert_eq!(
            err("title = \"a\"\ndays = 3\nwhen = 2026-04-12T10:00:00\n"),
            "x.toml:3: when: expected a date without a time, like 2026-04-12, found 2026-04-12T10:00:00"
        );
    }

    #[test]
    fn nested_fields_get_dotted_paths() {
        assert_eq!(
            err("title = \"a\"\ndays = 3\n\n[client]\nemail = \"e\"\ncount = \"x\"\n"),
            "x.toml:6: client.count: expected a whole number, found \"x\""
        );
        assert_eq!(
            err("title = \"a\"\ndays = 3\n[[rows]]\nemail = \"e\"\n[[rows]]\nemial = \"e\"\n"),
            "x.toml:6: rows.emial: unknown field (a typo?); expected \"email\" or \"count\""
        );
    }

    #[test]
    fn missing_fields_point_at_their_table() {
        assert_eq!(
            err("title = \"a\"\ndays = 3\n\n[client]\ncount = 1\n"),
            "x.toml:4: client.email: missing; this field is required"
        );
        assert_eq!(
            err("title = \"a\"\ndays = 3\nclient = { count = 1 }\n"),
            "x.toml:3: client.email: missing; this field is required"
        );
        assert_eq!(
            err("[client]\nemail = \"e\"\n"),
            "x.toml:1: title: missing; this field is required"
        );
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let e = err("title = \"a\"\ndays = 3\n[client\n");
        assert!(e.starts_with("x.toml:3: invalid TOML: "), "{e}");
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2026-04-12"), NaiveDate::from_ymd_opt(2026, 4, 12));
        for bad in ["2026-4-12", "2026-02-30", "26-04-12", "2026/04/12", " 2026-04-12"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
