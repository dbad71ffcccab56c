//! `[[contracts]]` of a `session.toml`: the contracts the session's client signs online, each
//! a Markdown file of the session's folder with merge fields (`{{client.first_name}}`, …).
//!
//! A contract whose file cannot be read or names an unknown merge field is held back alone,
//! with `file:line: field` — the session and its other contracts still go.

use std::collections::BTreeSet;
use std::path::{Component, Path};

use proofroom_wire::contracts::{ContractUpsert, MAX_CONTRACT_BYTES, MERGE_FIELDS, unknown_fields};
use serde::Deserialize;
use toml::Spanned;

use super::check::Problems;
use crate::ItemError;
use crate::manifest::Date;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContract {
    id: Spanned<String>,
    title: Spanned<String>,
    file: Spanned<String>,
    due: Option<Spanned<Date>>,
}

/// A contract ready to go online.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionContract {
    pub id: String,
    /// The file, as messages name it: `sessions/2026-0412/contracts/agreement.md`.
    pub item: String,
    pub upsert: ContractUpsert,
}

/// What `[[contracts]]` gives: the contracts to send, every id listed (sent or held back: a
/// held-back contract is not withdrawn), and the problems of the held-back ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contracts {
    pub ready: Vec<SessionContract>,
    pub listed: BTreeSet<String>,
    pub errors: Vec<ItemError>,
}

pub(super) fn contracts(
    p: &mut Problems<'_>,
    session: &str,
    dir: &Path,
    raw: &[RawContract],
) -> Contracts {
    let mut found = Contracts::default();
    for c in raw {
        let id = p.required_text(&c.id, "contracts.id");
        if let Some(problem) = proofroom_wire::studio_id_problem(&id) {
            p.add(c.id.span(), "contracts.id", format!("the id {problem}"));
            continue;
        }
        p.once(&mut found.listed, id.clone(), &id, c.id.span(), "contracts.id");
        let title = p.required_text(&c.title, "contracts.title");
        let file = c.file.get_ref().trim();
        let relative = Path::new(file);
        let inside = !file.is_empty()
            && relative.components().all(|part| matches!(part, Component::Normal(_)));
        if !inside {
            p.add(
                c.file.span(),
                "contracts.file",
                "must be a file inside the session's folder, e.g. \"contracts/agreement.md\"",
            );
            continue;
        }
        if title.is_empty() {
            continue;
        }
        let item = format!("sessions/{session}/{file}");
        let markdown = match read_text(&dir.join(relative)) {
            Ok(text) => text,
            Err(message) => {
                found.errors.push(ItemError::new(&item, message));
                continue;
            }
        };
        let unknown = unknown_fields(&markdown);
        if !unknown.is_empty() {
            found.errors.extend(unknown.into_iter().map(|f| ItemError {
                item: item.clone(),
                line: Some(f.line),
                field: Some(f.field),
                message: format!(
                    "not a merge field (a typo?); contract \"{id}\" is held back. The fields are {}",
                    MERGE_FIELDS.join(", ")
                ),
            }));
            continue;
        }
        found.ready.push(SessionContract {
            id,
            item,
            upsert: ContractUpsert { title, due: c.due.as_ref().map(|d| d.get_ref().0), markdown },
        });
    }
    found
}

fn read_text(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the contract: {e}"))?;
    if meta.len() > MAX_CONTRACT_BYTES as u64 {
        return Err(format!(
            "the contract is over {} KB; the site takes contracts up to that size",
            MAX_CONTRACT_BYTES / 1024
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the contract: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "the contract is not UTF-8 text".to_string())
}
