//! Email about contracts, to the session's client: "please sign" when one is published, one
//! reminder [`REMINDER_DAYS`] before it is due while it is unsigned, and the signed PDF once
//! they signed. Each is queued with a key, so it goes once.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::ContractRow;
use crate::auth::people::{self, ClientRow, sign_in_help};
use crate::db::schema::{contract_signatures, contracts};
use crate::db::{self, DbConn};
use crate::email::letter::{Button, Letter, Letterhead};
use crate::email::{self, Attachment, NewEmail};
use crate::events::models::EventRow;

/// How many days before `due` an unsigned contract's client is reminded.
pub const REMINDER_DAYS: u64 = 3;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn by(head: &Letterhead, due: Option<NaiveDate>) -> String {
    due.map(|d| format!(" by {}", head.locale.date(d))).unwrap_or_default()
}

/// "Please read and sign …": queued when a contract goes online.
pub fn published<'a>(
    head: &Letterhead,
    contract: &ContractRow,
    event: &EventRow,
    client: &'a ClientRow,
) -> NewEmail<'a> {
    let url = format!("{}{}", head.site_url, super::contract_path(&event.id, &contract.id));
    let subject = format!("Please sign: {}", contract.title);
    let asks = format!(
        "{} sends you \"{}\" for \"{}\". Please read it and sign it online{}.",
        head.studio,
        contract.title,
        event.description,
        by(head, contract.due)
    );
    let letter = Letter {
        heading: subject.clone(),
        paragraphs: vec![format!("Hello {},", client.first_name), asks.clone()],
        details: lines(&sign_in_help(&head.site_url, client)),
        button: Some(Button::new("Read and sign", &url)),
        ..Letter::default()
    };
    NewEmail {
        dedupe_key: format!("contract-published:{}:{}", contract.id, contract.document_sha256),
        to: &client.email,
        body: format!(
            "Hello {},\n\n{asks}\n\n{}\nThe contract: {url}\n\n{}\n",
            client.first_name,
            sign_in_help(&head.site_url, client),
            head.studio
        ),
        styled: head.style(&subject, &letter),
        subject,
    }
}

/// Queues the reminders due: unsigned contracts online whose due date is at most
/// [`REMINDER_DAYS`] away and not past, reminded once.
pub fn queue_reminders(
    conn: &mut DbConn,
    head: &Letterhead,
    today: NaiveDate,
) -> db::Result<usize> {
    let until = today + chrono::Days::new(REMINDER_DAYS);
    let due: Vec<ContractRow> = contracts::table
        .left_join(contract_signatures::table)
        .filter(contract_signatures::contract_id.nullable().is_null())
        .filter(contracts::withdrawn_at.is_null())
        .filter(contracts::reminded_at.is_null())
        .filter(contracts::event_id.is_not_null())
        .filter(contracts::due.ge(today))
        .filter(contracts::due.le(until))
        .select(ContractRow::as_select())
        .load(conn)?;
    let mut queued = 0;
    for contract in due {
        let (Some(event_id), Some(due)) = (&contract.event_id, contract.due) else { continue };
        let Some(event) = crate::events::access::load_event(conn, event_id)? else { continue };
        let client = people::client(conn, &contract.client_id)?;
        let url = format!("{}{}", head.site_url, super::contract_path(event_id, &contract.id));
        let subject =
            format!("Reminder: please sign {} by {}", contract.title, head.locale.date(due));
        let asks = format!(
            "\"{}\" for \"{}\" is waiting for your signature. {} asks you to sign it by {}.",
            contract.title,
            event.description,
            head.studio,
            head.locale.date(due)
        );
        let letter = Letter {
            heading: subject.clone(),
            paragraphs: vec![format!("Hello {},", client.first_name), asks.clone()],
            details: lines(&sign_in_help(&head.site_url, &client)),
            button: Some(Button::new("Read and sign", &url)),
            ..Letter::default()
        };
        let message = NewEmail {
            dedupe_key: format!("contract-reminder:{}:{due}", contract.id),
            to: &client.email,
            body: format!(
                "Hello {},\n\n{asks}\n\n{}\nThe contract: {url}\n\n{}\n",
                client.first_name,
                sign_in_help(&head.site_url, &client),
                head.studio
            ),
            styled: head.style(&subject, &letter),
            subject,
        };
        db::write_transaction(conn, |conn| -> db::Result<()> {
            if email::enqueue(conn, message)? {
                queued += 1;
            }
            diesel::update(contracts::table.find(&contract.id))
                .set(contracts::reminded_at.eq(db::now()))
                .execute(conn)?;
            Ok(())
        })?;
    }
    Ok(queued)
}

/// The signed PDF, to the client who signed, inside the signing transaction.
pub fn queue_signed(
    conn: &mut DbConn,
    head: &Letterhead,
    contract: &ContractRow,
    to: &str,
    first_name: &str,
    pdf: Vec<u8>,
) -> db::Result<bool> {
    let url = match &contract.event_id {
        Some(event) => format!("{}{}", head.site_url, super::contract_path(event, &contract.id)),
        None => head.site_url.clone(),
    };
    let subject = format!("Signed: {}", contract.title);
    let said = format!(
        "Thank you for signing \"{}\". Your signed copy is attached as a PDF, with the \
         certificate of your signature on its last page. You can also download it from the site.",
        contract.title
    );
    let letter = Letter {
        heading: subject.clone(),
        paragraphs: vec![format!("Hello {first_name},"), said.clone()],
        button: Some(Button::new("See the signed contract", &url)),
        ..Letter::default()
    };
    let message = NewEmail {
        dedupe_key: format!("contract-signed:{}", contract.id),
        to,
        body: format!("Hello {first_name},\n\n{said}\n\n{url}\n\n{}\n", head.studio),
        styled: head.style(&subject, &letter),
        subject,
    };
    let file_name = format!("{}-signed.pdf", pdf_file_stem(&contract.studio_contract_id));
    email::enqueue_with(
        conn,
        message,
        Some(Attachment { file_name, content_type: "application/pdf".into(), bytes: pdf }),
    )
}

/// A contract id as a safe file name: letters, digits, `-` and `_` kept, the rest `-`.
pub fn pdf_file_stem(id: &str) -> String {
    let stem: String = id
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect();
    if stem.is_empty() { "contract".into() } else { stem }
}
