//! Contracts for e-signature: what the studio pushes (`[[contracts]]` of session.toml), the
//! merge fields both programs check the same way, and the evidence a signature leaves.
//!
//! The connector refuses an unknown merge field with `file:line: field` before sending; the
//! server checks again (a 422 names the line) and fills the fields from what it holds.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The merge fields a contract may use, as written between `{{` and `}}`.
pub const MERGE_FIELDS: [&str; 9] = [
    "client.first_name",
    "client.last_name",
    "client.email",
    "session.date",
    "session.description",
    "studio.name",
    "studio.email",
    "studio.phone",
    "studio.signer",
];

/// The longest contract text the site takes, in bytes.
pub const MAX_CONTRACT_BYTES: usize = 256 * 1024;

/// The consent a client gives by signing, stored word for word with the signature.
pub const CONSENT_TEXT: &str = "I agree to sign this document electronically. My typed name (and \
the signature I draw, if I draw one) is my signature and binds me as a handwritten signature \
would. I have read the whole document and may download a signed copy.";

/// A merge field as written, with its line (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldAt {
    pub line: usize,
    pub field: String,
}

/// One `{{ … }}` of a text: its byte range and the name inside, trimmed.
struct Placeholder<'a> {
    start: usize,
    end: usize,
    name: &'a str,
    line: usize,
}

fn placeholders(text: &str) -> Vec<Placeholder<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| from + i) {
        let line = text[..open].matches('\n').count() + 1;
        // A field ends on its own line: `{{` without `}}` before the line's end is reported as
        // it is, not matched with a `}}` paragraphs away.
        let line_end = text[open..].find('\n').map_or(text.len(), |i| open + i);
        match text[open + 2..line_end].find("}}") {
            Some(close) => {
                let end = open + 2 + close + 2;
                found.push(Placeholder {
                    start: open,
                    end,
                    name: text[open + 2..open + 2 + close].trim(),
                    line,
                });
                from = end;
            }
            None => {
                found.push(Placeholder {
                    start: open,
                    end: line_end,
                    name: text[open..line_end].trim(),
                    line,
                });
                from = line_end;
            }
        }
    }
    found
}

/// Every merge field of `text`, in order.
pub fn used_fields(text: &str) -> Vec<FieldAt> {
    placeholders(text)
        .into_iter()
        .map(|p| FieldAt { line: p.line, field: p.name.to_string() })
        .collect()
}

/// Every merge field of `text` that is not one of [`MERGE_FIELDS`] (or is not closed), in order.
pub fn unknown_fields(text: &str) -> Vec<FieldAt> {
    let mut fields = used_fields(text);
    fields.retain(|f| !MERGE_FIELDS.contains(&f.field.as_str()));
    fields
}

/// `text` with each merge field replaced by its value (`value` answers for each of
/// [`MERGE_FIELDS`]). Values are escaped for Markdown, so a name holding `*` or `<` reads as
/// written and can never become markup. Unknown fields are refused, all of them named.
pub fn fill(text: &str, value: impl Fn(&str) -> String) -> Result<String, Vec<FieldAt>> {
    let unknown = unknown_fields(text);
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let mut out = String::with_capacity(text.len() + 256);
    let mut from = 0;
    for p in placeholders(text) {
        out.push_str(&text[from..p.start]);
        out.push_str(&escape_markdown(&value(p.name)));
        from = p.end;
    }
    out.push_str(&text[from..]);
    Ok(out)
}

/// Backslash before every ASCII punctuation character (CommonMark lets any of them be escaped)
/// and line breaks turned into spaces, so a value is text, never structure.
pub fn escape_markdown(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '\n' || c == '\r' {
            out.push(' ');
        } else {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// `PUT /api/v1/sessions/{session}/contracts/{contract}`: a contract as the library holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ContractUpsert {
    pub title: String,
    /// Sign by this day (the studio's calendar date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// The contract's Markdown with its merge fields, as in the file.
    pub markdown: String,
}

impl ContractUpsert {
    /// What the server keeps to tell whether the library's contract changed: one hash of the
    /// title, the due date and the text.
    pub fn source_sha256(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.title.as_bytes());
        h.update([0]);
        h.update(self.due.map(|d| d.to_string()).unwrap_or_default().as_bytes());
        h.update([0]);
        h.update(self.markdown.as_bytes());
        hex::encode(h.finalize())
    }
}

/// What a push did with a contract.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContractPushed {
    /// New online (or again, after it was withdrawn).
    Published,
    /// Nobody had signed it: the new text replaced the old.
    Replaced,
    /// The server held it as it is.
    Unchanged,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ContractPushResult {
    pub result: ContractPushed,
}

/// Where a contract stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    /// Online, waiting for the client's signature.
    Waiting,
    Signed,
    /// Taken off by the studio before anyone signed it.
    Withdrawn,
}

/// `GET /api/v1/contracts`: one contract the server holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ContractSummary {
    pub session_id: String,
    pub contract_id: String,
    pub title: String,
    pub due: Option<NaiveDate>,
    /// [`ContractUpsert::source_sha256`] of what was pushed last.
    pub source_sha256: String,
    /// SHA-256 of the document as the client reads it (the frozen HTML).
    pub document_sha256: String,
    pub state: ContractState,
    pub signed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ContractList {
    pub contracts: Vec<ContractSummary>,
}

/// What a signature leaves: everything needed to show who signed what, when and how.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignatureEvidence {
    /// SHA-256 of the document exactly as the client read it (the frozen HTML).
    pub document_sha256: String,
    /// The name the client typed.
    pub signer_name: String,
    /// The client's name on record.
    pub client_name: String,
    /// The typed name differs from the name on record and the client confirmed it is their
    /// legal name.
    pub legal_name_confirmed: bool,
    pub email: String,
    /// The studio's client id of the account that signed.
    pub client_id: String,
    /// When (UTC).
    pub signed_at: NaiveDateTime,
    /// The same moment in the studio's time zone, as shown to people
    /// (`2026-12-03 11:15 America/Chicago`).
    pub signed_at_local: String,
    pub ip_address: String,
    pub user_agent: String,
    /// The consent the client gave, word for word.
    pub consent_text: String,
    /// SHA-256 of the drawn signature (PNG), when one was drawn.
    pub drawing_sha256: Option<String>,
}

/// One row of a contract's audit trail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    /// From 1, in order.
    pub position: i32,
    /// UTC.
    pub at: NaiveDateTime,
    /// `published`, `replaced`, `viewed`, `signed`, `pdf_downloaded`, `pulled_by_studio`,
    /// `withdrawn`.
    pub action: String,
    /// What else the row records (who, from where, which document), in words.
    pub detail: String,
    /// SHA-256 of this row's canonical content, chained to the row before.
    pub sha256: String,
}

/// A signed contract, in the feed and in `inbox/contracts/<session-id>/<contract-id>.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignedContract {
    pub session_id: String,
    pub contract_id: String,
    pub title: String,
    pub evidence: SignatureEvidence,
    /// SHA-256 of the signed PDF the server holds.
    pub pdf_sha256: String,
    /// The audit trail as it was when the PDF was made.
    pub audit: Vec<AuditEntry>,
}

/// `POST /api/v1/contracts/verify`: is this PDF one the server holds?
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerifyPdf {
    /// SHA-256 of the PDF file, hex.
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerifyPdfResult {
    /// The contract whose signed PDF has this hash, if any.
    pub contract: Option<VerifiedContract>,
    /// What does not match in that contract's stored document and audit trail; empty when all
    /// holds.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerifiedContract {
    pub session_id: String,
    pub contract_id: String,
    pub title: String,
    pub signer_name: String,
    pub signed_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(name: &str) -> String {
        match name {
            "client.first_name" => "Ann".into(),
            "client.last_name" => "O'Brien *Jr*".into(),
            other => format!("<{other}>"),
        }
    }

    #[test]
    fn fills_every_field_and_escapes_values() {
        let filled = fill("Dear {{client.first_name}} {{ client.last_name }},", values).unwrap();
        assert_eq!(filled, "Dear Ann O\\'Brien \\*Jr\\*,");
    }

    #[test]
    fn names_unknown_and_unclosed_fields_with_their_lines() {
        let text =
            "# Contract\n\nDear {{client.frist_name}},\n{{studio.name}}\nsee {{session.date\n";
        assert_eq!(
            fill(text, values).unwrap_err(),
            vec![
                FieldAt { line: 3, field: "client.frist_name".into() },
                FieldAt { line: 5, field: "{{session.date".into() },
            ]
        );
    }

    #[test]
    fn source_hash_changes_with_title_due_and_text() {
        let a = ContractUpsert { title: "T".into(), due: None, markdown: "x".into() };
        let mut b = a.clone();
        assert_eq!(a.source_sha256(), b.source_sha256());
        b.due = NaiveDate::from_ymd_opt(2027, 1, 1);
        assert_ne!(a.source_sha256(), b.source_sha256());
        let c = ContractUpsert { title: "Tx".into(), due: None, markdown: "".into() };
        assert_ne!(a.source_sha256(), c.source_sha256());
    }
}
