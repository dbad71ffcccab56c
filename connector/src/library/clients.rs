//! `clients/<id>.toml`: the studio's client list, so that a client group (e.g. "weddings-2026")
//! exists apart from sessions and can go to a photographer's address book.

use serde::Deserialize;
use toml::Spanned;

use super::check::Problems;
use crate::ItemError;

/// One `clients/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCard {
    /// The file name without `.toml`; the same id as a session's `[client] id`.
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phones: Vec<String>,
    pub address: Option<String>,
    pub groups: Vec<String>,
}

impl ClientCard {
    /// `clients/<id>.toml`.
    pub fn item(&self) -> String {
        format!("clients/{}.toml", self.id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClientCard {
    name: Spanned<String>,
    email: Option<Spanned<String>>,
    #[serde(default)]
    phones: Vec<String>,
    address: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

/// Parses `clients/<id>.toml` (its text given).
pub fn parse_client(id: &str, text: &str) -> Result<ClientCard, Vec<ItemError>> {
    let mut p = Problems::new(format!("clients/{id}.toml"), text);
    let raw: RawClientCard = p.parse()?;
    let name = p.required_text(&raw.name, "name");
    if let Some(email) = &raw.email {
        p.email(email, "email");
    }
    let trimmed = |v: Vec<String>| -> Vec<String> {
        v.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
    };
    p.result(ClientCard {
        id: id.to_string(),
        name,
        email: raw.email.map(|e| e.into_inner().trim().to_string()),
        phones: trimmed(raw.phones),
        address: raw.address.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()),
        groups: trimmed(raw.groups),
    })
}
