//! What every manifest of the library shares: the problems found in one file, each an
//! [`ItemError`] that says `file:line: field: problem`, and the checks of values that several
//! kinds of file hold (a text that must not be empty, an email address, an id used once).

use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::ItemError;
use crate::manifest::Manifest;

/// The problems found so far in one manifest. A manifest with any is left out whole, so each
/// check records its problem and reading goes on: the studio hears of every problem of the file
/// at once. [`Problems::result`] keeps the file's value only when there is none.
pub(super) struct Problems<'a> {
    manifest: Manifest<'a>,
    found: Vec<ItemError>,
}

impl<'a> Problems<'a> {
    /// `item` is the file as messages name it (`sessions/2026-0412/session.toml`).
    pub fn new(item: impl Into<String>, text: &'a str) -> Self {
        Self { manifest: Manifest::new(item, text), found: Vec::new() }
    }

    /// The file's fields, or the first problem serde and toml find (a syntax error, a value of
    /// the wrong type, an unknown or a missing field).
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Vec<ItemError>> {
        self.manifest.parse().map_err(|e| vec![e])
    }

    /// A problem with `field` at `span` (a key's or value's span from [`Spanned`]).
    pub fn add(&mut self, span: Range<usize>, field: &str, message: impl fmt::Display) {
        self.found.push(self.manifest.error(span, field, message));
    }

    /// A problem found outside the manifest's text (its session's folder).
    pub fn extend(&mut self, errors: impl IntoIterator<Item = ItemError>) {
        self.found.extend(errors);
    }

    /// The text trimmed; empty is a problem.
    pub fn required_text(&mut self, value: &Spanned<String>, field: &str) -> String {
        let text = value.get_ref().trim();
        if text.is_empty() {
            self.add(value.span(), field, "must not be empty");
        }
        text.to_string()
    }

    /// Whether the value looks like an email address (`a@b.c`); a problem if not.
    pub fn email(&mut self, value: &Spanned<String>, field: &str) {
        let email = value.get_ref().trim();
        let ok = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.contains('@')
                    && !email.contains(char::is_whitespace)
            }
            None => false,
        };
        if !ok {
            self.add(
                value.span(),
                field,
                format!("expected an email address like \"ann@example.com\", found \"{email}\""),
            );
        }
    }

    /// Records `key` in `seen`; a problem when it was there already. `text` is the value as the
    /// file writes it (an empty one is already a problem of its own).
    pub fn once(
        &mut self,
        seen: &mut BTreeSet<String>,
        key: String,
        text: &str,
        span: Range<usize>,
        field: &str,
    ) {
        if !text.is_empty() && !seen.insert(key) {
            self.add(span, field, format!("\"{text}\" is used twice"));
        }
    }

    /// The file's value when no problem was found, else every problem, in the order found.
    pub fn result<T>(self, value: T) -> Result<T, Vec<ItemError>> {
        if self.found.is_empty() { Ok(value) } else { Err(self.found) }
    }
}

/// The default of a boolean field that is on unless the file says otherwise.
pub(super) fn yes() -> bool {
    true
}
