//! Contact cards both ways, read and written by calcard: the studio's clients of a group as
//! vCards for a photographer's address book, and the contacts they add there, for the inbox.

use calcard::vcard::{VCard, VCardEntry, VCardParameter, VCardProperty, VCardValue};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::collection::Outbound;
use crate::library::ClientCard;

/// A client's card as it goes out (cheap to make: made whole).
pub struct CardOut {
    uid: String,
    source: String,
    body: String,
}

impl Outbound for CardOut {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn source(&self) -> String {
        self.source.clone()
    }

    fn content_hash(&self) -> String {
        hex::encode(Sha256::digest(self.body.as_bytes()))
    }

    fn body(&self) -> String {
        self.body.clone()
    }
}

/// A client as a vCard 3.0 (what every phone's address book takes), under its stable UID.
pub fn outbound(client: &ClientCard, group: &str, domain: &str) -> CardOut {
    let uid = format!("proofroom-client-{}@{domain}", client.id);
    let text = |s: &str| VCardValue::Text(s.to_string());
    let (given, family) = match client.name.rsplit_once(' ') {
        Some((given, family)) => (given.trim(), family.trim()),
        None => ("", client.name.as_str()),
    };
    let mut entries = vec![
        VCardEntry::new(VCardProperty::Version).with_value(text("3.0")),
        VCardEntry::new(VCardProperty::Uid).with_value(text(&uid)),
        VCardEntry::new(VCardProperty::Fn).with_value(text(&client.name)),
        VCardEntry::new(VCardProperty::N).with_values(vec![
            text(family),
            text(given),
            text(""),
            text(""),
            text(""),
        ]),
    ];
    if let Some(email) = &client.email {
        entries.push(
            VCardEntry::new(VCardProperty::Email)
                .with_param(VCardParameter::typ("INTERNET".to_string()))
                .with_value(text(email)),
        );
    }
    for phone in &client.phones {
        entries.push(VCardEntry::new(VCardProperty::Tel).with_value(text(phone)));
    }
    if let Some(address) = &client.address {
        entries.push(VCardEntry::new(VCardProperty::Adr).with_values(vec![
            text(""),
            text(""),
            text(address),
            text(""),
            text(""),
            text(""),
            text(""),
        ]));
    }
    entries.push(VCardEntry::new(VCardProperty::Categories).with_value(text(group)));
    entries.push(
        VCardEntry::new(VCardProperty::Note)
            .with_value(text(&format!("Client {} in the studio library", client.id))),
    );
    let card = VCard { entries };
    CardOut { uid, source: format!("client/{}", client.id), body: card.to_string() }
}

/// A contact read from an address book, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub uid: String,
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub address: Option<String>,
    pub organization: Option<String>,
    pub notes: Option<String>,
}

/// The UID of a vCard, or none when `data` is not one.
pub fn uid(data: &str) -> Option<String> {
    VCard::parse(data).ok()?.uid().map(str::to_string)
}

pub fn read_contact(data: &str) -> Option<Contact> {
    let card = VCard::parse(data).ok()?;
    let texts = |p: VCardProperty| -> Vec<String> {
        card.properties(&p)
            .filter_map(|e| e.values.first())
            .filter_map(|v| v.as_text())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let joined = |p: VCardProperty| -> Option<String> {
        card.property(&p)
            .map(|e| {
                e.values
                    .iter()
                    .filter_map(|v| v.as_text())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|s| !s.is_empty())
    };
    let name = texts(VCardProperty::Fn).into_iter().next().or_else(|| {
        card.property(&VCardProperty::N).map(|n| {
            let part = |i: usize| n.values.get(i).and_then(|v| v.as_text()).unwrap_or("").trim();
            format!("{} {}", part(1), part(0)).trim().to_string()
        })
    });
    Some(Contact {
        uid: card.uid()?.to_string(),
        name: name.filter(|n| !n.is_empty()).unwrap_or_else(|| "(no name)".into()),
        emails: texts(VCardProperty::Email),
        phones: texts(VCardProperty::Tel),
        address: joined(VCardProperty::Adr),
        organization: joined(VCardProperty::Org),
        notes: texts(VCardProperty::Note).into_iter().next(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_card_reads_back_as_itself() {
        let client = ClientCard {
            id: "smith".into(),
            name: "Ann Marie Smith".into(),
            email: Some("ann@example.com".into()),
            phones: vec!["+1 555 0100".into()],
            address: Some("12 Main St, Springfield".into()),
            groups: vec!["weddings-2026".into()],
        };
        let card = outbound(&client, "weddings-2026", "maplelane.example");
        assert!(card.body.contains("N:Smith;Ann Marie;;;"), "{}", card.body);
        let back = read_contact(&card.body).unwrap();
        assert_eq!(back.uid, "proofroom-client-smith@maplelane.example");
        assert_eq!(back.name, "Ann Marie Smith");
        assert_eq!(back.emails, vec!["ann@example.com"]);
        assert_eq!(back.phones, vec!["+1 555 0100"]);
        assert_eq!(back.address.as_deref(), Some("12 Main St, Springfield"));
    }
}
