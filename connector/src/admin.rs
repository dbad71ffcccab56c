//! The studio's one-off commands: `reset-login CLIENT`, `extend` / `expire SESSION`,
//! `order-status NUMBER STATUS`, `order-paid NUMBER` and `take-down`.

use std::io::{BufRead, IsTerminal, Write};

use proofroom_wire::contracts::{VerifyPdf, VerifyPdfResult};
use proofroom_wire::orders::{
    OrderPaymentChange, OrderPaymentResult, OrderStatus, OrderStatusChange, OrderStatusResult,
    PaymentStatus,
};
use proofroom_wire::{ExpiryChange, SessionList, SessionSummary, StudioState, paths};

use crate::api::{self, Api};
use crate::{ItemError, PushError, PushOptions, SyncError};

fn connect(options: &PushOptions) -> Result<Api, SyncError> {
    if !options.library.is_dir() {
        let path = options.library.clone();
        return Err(PushError::Library(crate::LibraryError::NotAFolder { path }).into());
    }
    let config = crate::config::for_options(options).map_err(PushError::from)?;
    Ok(Api::new(&config).map_err(|e| PushError::Client(e.to_string()))?)
}

/// Puts a client's sign-in back to their email and last name, signing them out everywhere.
pub async fn reset_login(options: PushOptions, client_id: &str) -> Result<(), SyncError> {
    let api = connect(&options)?;
    api.post_empty(&api::reset_login_path(client_id)).await.map_err(|f| api.fatal(f))?;
    Ok(())
}

/// Moves an order along (received, in production, ready for pickup, shipped); the client sees
/// it and is emailed. Answers whether anything changed (false: it already had that status).
pub async fn order_status(
    options: PushOptions,
    number: &str,
    status: OrderStatus,
) -> Result<OrderStatusResult, SyncError> {
    let api = connect(&options)?;
    api.put(&order_path(number, "status"), &OrderStatusChange { status })
        .await
        .map_err(|f| if f.is_not_found() { unknown_order(number) } else { api.fatal(f).into() })
}

/// `/api/v1/orders/{number}/{what}`.
fn order_path(number: &str, what: &str) -> String {
    format!("{}/{}/{what}", paths::ORDERS, api::encode(number.trim()))
}

fn unknown_order(number: &str) -> SyncError {
    SyncError::Usage(format!(
        "There is no order \"{number}\" on the server; the confirmation number is in inbox/orders/."
    ))
}

/// Marks an order to be paid at the studio as paid: the client is emailed, and its files (if
/// any) can be downloaded. Answers whether anything changed (false: it was paid already).
pub async fn order_paid(
    options: PushOptions,
    number: &str,
) -> Result<OrderPaymentResult, SyncError> {
    let api = connect(&options)?;
    let change = OrderPaymentChange { status: PaymentStatus::Paid };
    api.put(&order_path(number, "payment"), &change).await.map_err(|f| {
        if f.is_not_found() {
            unknown_order(number)
        } else if f.status() == Some(reqwest::StatusCode::CONFLICT) {
            SyncError::Usage(format!(
                "Order \"{number}\" is being paid by card: it is marked paid when the card \
                 payment goes through."
            ))
        } else {
            api.fatal(f).into()
        }
    })
}

/// Asks the server whether `file` is a signed contract PDF it holds (by the file's SHA-256),
/// and whether that contract's document and audit trail still verify.
pub async fn verify_contract(
    options: PushOptions,
    file: &std::path::Path,
) -> Result<(String, VerifyPdfResult), SyncError> {
    let (sha256, _) = api::sha256_file(file)
        .map_err(|e| SyncError::Usage(format!("Cannot read {}: {e}", file.display())))?;
    let api = connect(&options)?;
    let answer: VerifyPdfResult = api
        .post(paths::CONTRACTS_VERIFY, &VerifyPdf { sha256: sha256.clone() })
        .await
        .map_err(|f| SyncError::from(api.fatal(f)))?;
    Ok((sha256, answer))
}

/// What `extend` / `expire` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryRequest {
    /// This many days more, from the expiry date (from today once it has expired).
    Days(u32),
    /// This last day.
    Until(chrono::NaiveDate),
    /// Closed now: yesterday was the last day.
    Expire,
}

/// The session after `extend` / `expire`, and the studio's today to read it by.
#[derive(Debug, Clone)]
pub struct ExpiryChanged {
    pub session: SessionSummary,
    pub today: chrono::NaiveDate,
}

impl ExpiryChanged {
    pub fn is_closed(&self) -> bool {
        self.session.expires_on < self.today
    }
}

/// Sets a session's expiry date on the server. `--days` is turned into a date here, from what
/// the server holds now, so the request is the same if it is sent twice (a retry after a lost
/// answer cannot extend twice).
pub async fn change_expiry(
    options: PushOptions,
    session_id: &str,
    request: ExpiryRequest,
) -> Result<ExpiryChanged, SyncError> {
    let api = connect(&options)?;
    let studio: StudioState = api.get(paths::STUDIO).await.map_err(|f| api.fatal(f))?;
    let today = crate::library::studio_today(&studio);
    let change = match request {
        ExpiryRequest::Days(days) => {
            let sessions: SessionList = api.get(paths::SESSIONS).await.map_err(|f| api.fatal(f))?;
            let Some(current) = sessions.sessions.iter().find(|s| s.id == session_id) else {
                return Err(not_online(session_id));
            };
            ExpiryChange::Until {
                date: current.expires_on.max(today) + chrono::Days::new(days.into()),
            }
        }
        ExpiryRequest::Until(date) => ExpiryChange::Until { date },
        ExpiryRequest::Expire => ExpiryChange::Expire,
    };
    let path = format!("{}/expiry", api::session_path(session_id));
    let session = api.put(&path, &change).await.map_err(|f| match f.status() {
        _ if f.is_not_found() => not_online(session_id),
        // A date out of range: the command line asked for it.
        Some(s) if s.as_u16() == 422 => SyncError::Usage(f.to_string()),
        _ => api.fatal(f).into(),
    })?;
    Ok(ExpiryChanged { session, today })
}

fn not_online(session_id: &str) -> SyncError {
    SyncError::Usage(format!(
        "There is no session \"{session_id}\" online; `status` lists the sessions online."
    ))
}

/// What to take down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeDownWhich {
    /// Every session online whose gallery has expired.
    Expired,
    /// These sessions (the studio's ids), expired or not.
    Named(Vec<String>),
}

/// What `take-down` did.
#[derive(Debug, Default)]
pub struct TakeDown {
    pub removed: Vec<String>,
    pub errors: Vec<ItemError>,
    /// The studio answered no at the question.
    pub declined: bool,
}

/// Lists the sessions to remove and, once confirmed (`yes`, or an answer at the terminal),
/// removes them and their files from the server. The library is not touched.
pub async fn take_down(
    options: PushOptions,
    which: TakeDownWhich,
    yes: bool,
) -> Result<TakeDown, SyncError> {
    let api = connect(&options)?;
    let studio: StudioState = api.get(paths::STUDIO).await.map_err(|f| api.fatal(f))?;
    let sessions: SessionList = api.get(paths::SESSIONS).await.map_err(|f| api.fatal(f))?;
    let today = crate::library::studio_today(&studio);
    let chosen: Vec<&SessionSummary> = match &which {
        TakeDownWhich::Expired => {
            sessions.sessions.iter().filter(|s| s.expires_on < today).collect()
        }
        TakeDownWhich::Named(ids) => {
            let unknown: Vec<&str> = ids
                .iter()
                .filter(|id| !sessions.sessions.iter().any(|s| &s.id == *id))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                return Err(SyncError::Usage(format!(
                    "not online: {}; `status` lists the sessions online",
                    unknown.join(", ")
                )));
            }
            sessions.sessions.iter().filter(|s| ids.contains(&s.id)).collect()
        }
    };
    let mut report = TakeDown::default();
    if chosen.is_empty() {
        println!("no expired session is online");
        return Ok(report);
    }
    let images: i64 = chosen.iter().map(|s| s.image_count).sum();
    println!("{} sessions, {images} images, will be removed from the server:", chosen.len());
    for s in &chosen {
        let when = if s.expires_on < today { "expired" } else { "expires" };
        println!(
            "  {} ({}): {when} {}, {} images",
            s.id, s.description, s.expires_on, s.image_count
        );
    }
    // Push never takes a session down, and puts a published one back up.
    if let Ok(library) = crate::library::load_library(&options.library) {
        for s in &chosen {
            if library.sessions.iter().any(|l| l.id == s.id && l.publish) {
                println!(
                    "  note: {} is still published by the library (publish = true in its \
                     session.toml): the next sync puts it online again",
                    s.id
                );
            }
        }
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(SyncError::Usage(
                "take-down asks before it removes anything; answer at a terminal or add --yes"
                    .to_string(),
            ));
        }
        print!("Remove them? Type yes to go on: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim().to_lowercase().as_str(), "yes" | "y") {
            println!("nothing removed");
            report.declined = true;
            return Ok(report);
        }
    }
    for s in chosen {
        let removed = match api.delete(&api::session_path(&s.id)).await {
            // Not found: gone already (an earlier try whose answer was lost removed it).
            Err(f) if f.is_not_found() => Ok(()),
            other => other,
        };
        match removed {
            Ok(()) => {
                println!("removed {}", s.id);
                report.removed.push(s.id.clone());
            }
            Err(f) => {
                let error = ItemError::new(format!("sessions/{}", s.id), f.to_string());
                eprintln!("error: {error}");
                report.errors.push(error);
            }
        }
    }
    Ok(report)
}
