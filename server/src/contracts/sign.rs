//! Signing: the client's consent, their typed name (and a drawn signature, if they drew one),
//! then — in one transaction — the evidence, the audit row, the signed PDF, the feed item for
//! the studio and the email with the PDF. A signed contract is final.
//!
//! The form comes as `multipart/form-data` (the drawing is a PNG file); without JavaScript it
//! is the same form without the file, so the typed name alone signs.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use futures_util::StreamExt;
use proofroom_wire::contracts::{AuditEntry, CONSENT_TEXT, SignatureEvidence};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::audit::{self, Action};
use super::pages::{Shown, own_contract, render_page};
use super::{ContractError, ContractRow, emails, pdf};
use crate::auth::browser_session::CurrentSession;
use crate::auth::people;
use crate::db::schema::contract_signatures;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::feed;
use crate::site;
use crate::web::State;

/// The largest drawn signature taken, in bytes.
pub const MAX_DRAWING_BYTES: usize = 256 * 1024;
/// The largest drawing, in pixels each way (the page's pad is 600 × 180).
const MAX_DRAWING_SIDE: u32 = 2000;
/// The longest typed name, in characters.
const MAX_NAME_CHARS: usize = 200;
/// The longest text field, in bytes.
const MAX_FIELD_BYTES: usize = 2000;
/// The most parts a sign form has.
const MAX_PARTS: usize = 12;

/// What a signature's row keeps as JSON, and what the PDF carries attached: the evidence and
/// the audit trail as it stood when it was signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEvidence {
    pub contract_id: String,
    pub session_id: String,
    pub title: String,
    pub evidence: SignatureEvidence,
    pub audit: Vec<AuditEntry>,
}

/// The sign form as sent.
#[derive(Debug, Default)]
struct SignForm {
    csrf: Option<String>,
    /// The hash of the document the page showed: what the client read.
    document_sha256: Option<String>,
    signer_name: String,
    legal_name: bool,
    consent: bool,
    drawing: Option<Vec<u8>>,
}

fn bad_form(message: impl Into<String>) -> AppError {
    AppError::bad_request("invalid_form", message)
}

async fn read_form(mut payload: Multipart) -> Result<SignForm, AppError> {
    let mut form = SignForm::default();
    let mut parts = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| bad_form(format!("The form could not be read: {e}")))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(bad_form("The form has more parts than a signature needs."));
        }
        let name = field.name().unwrap_or_default().to_string();
        let limit = if name == "drawing" { MAX_DRAWING_BYTES } else { MAX_FIELD_BYTES };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad_form(format!("The form could not be read: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(if name == "drawing" {
                    AppError::too_large(
                        "drawing_too_large",
                        format!(
                            "The drawn signature is over {} KB; clear it and draw it again.",
                            MAX_DRAWING_BYTES / 1024
                        ),
                    )
                } else {
                    bad_form(format!("The field \"{name}\" is too long."))
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8(bytes.clone()).unwrap_or_default();
        match name.as_str() {
            "csrf" => form.csrf = Some(text()),
            "document_sha256" => form.document_sha256 = Some(text()),
            "signer_name" => form.signer_name = text(),
            "legal_name" => form.legal_name = !bytes.is_empty(),
            "consent" => form.consent = !bytes.is_empty(),
            "drawing" if !bytes.is_empty() => form.drawing = Some(bytes),
            _ => {}
        }
    }
    Ok(form)
}

/// A name as compared: lower case, one space between words.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// Checks that the drawing is a real PNG of a sane size; answers its SHA-256.
fn check_drawing(png: &[u8]) -> Result<String, AppError> {
    let refuse = || {
        AppError::unprocessable(
            "invalid_drawing",
            "The drawn signature did not arrive as a picture; clear it and draw it again, or sign \
             with your typed name alone.",
        )
    };
    let reader =
        image::ImageReader::with_format(std::io::Cursor::new(png), image::ImageFormat::Png);
    let (width, height) = reader.into_dimensions().map_err(|_| refuse())?;
    if width == 0 || height == 0 || width > MAX_DRAWING_SIDE || height > MAX_DRAWING_SIDE {
        return Err(refuse());
    }
    image::load_from_memory_with_format(png, image::ImageFormat::Png).map_err(|_| refuse())?;
    Ok(hex::encode(Sha256::digest(png)))
}

/// `POST /events/{id}/contracts/{contract}/sign`.
pub async fn sign_contract(
    req: HttpRequest,
    state: State,
    session: CurrentSession,
    path: web::Path<(String, String)>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let (event, contract) = path.into_inner();
    let owned = own_contract(&state, &session, &event, &contract).await?;
    let form = read_form(payload).await?;
    session.check_csrf(form.csrf.as_deref())?;
    let row = &owned.contract;
    if owned.signed.is_some() {
        return Err(already_signed());
    }
    if row.withdrawn_at.is_some() {
        return Err(super::pages::withdrawn());
    }
    let client = owned.client.clone();
    let on_record = format!("{} {}", client.first_name, client.last_name);
    let typed = form.signer_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if form.document_sha256.as_deref() != Some(row.document_sha256.as_str()) {
        let shown = Shown { error: Some(CHANGED.into()), typed: Some(typed) };
        return render_page(&req, &state, &session, &owned, shown, StatusCode::CONFLICT).await;
    }
    let problem = if !form.consent {
        Some("Tick the box to agree to sign electronically.".to_string())
    } else if typed.is_empty() {
        Some("Type your full name to sign.".to_string())
    } else if typed.chars().count() > MAX_NAME_CHARS || typed.chars().any(char::is_control) {
        Some(format!("Type your full name as letters, at most {MAX_NAME_CHARS} characters."))
    } else if name_key(&typed) != name_key(&on_record) && !form.legal_name {
        Some(format!(
            "The name you typed, \"{typed}\", is not the name {} has for you (\"{on_record}\"). \
             Type \"{on_record}\", or tick \"This is my full legal name\" to sign as \"{typed}\".",
            owned.studio.name
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        let shown = Shown { error: Some(problem), typed: Some(typed) };
        return render_page(
            &req,
            &state,
            &session,
            &owned,
            shown,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // Decoding a picture is work for the blocking pool, not for a request worker.
    let (drawing, drawing_sha256) = match form.drawing {
        Some(png) => {
            let (png, sha256) = web::block(move || check_drawing(&png).map(|sha| (png, sha)))
                .await
                .map_err(|e| AppError::internal(format!("checking the drawing: {e}")))??;
            (Some(png), Some(sha256))
        }
        None => (None, None),
    };
    let signing = Signing {
        signer_name: typed.clone(),
        client_name: on_record.clone(),
        legal_name_confirmed: name_key(&typed) != name_key(&on_record),
        ip_address: crate::throttle::client_address(&req, &state.config),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(500)
            .collect(),
        document_sha256: row.document_sha256.clone(),
        drawing,
        drawing_sha256,
        site_url: state.site_url.clone(),
    };
    let contract = row.clone();
    db::run(&state.pool, move |conn| sign(conn, &contract, signing).map_err(AppError::from))
        .await?;
    state.mailer.wake();
    let url = super::contract_path(&owned.event_id, &row.id);
    Ok(site::done(&req, &url, serde_json::json!({ "signed": true })))
}

const ALREADY_SIGNED: &str = "This contract is already signed; a signature is final.";

/// What a client who read an older text is told.
pub const CHANGED: &str = "The studio changed this contract while you were reading it. Read the \
                           new text below, then sign again.";

fn already_signed() -> AppError {
    AppError::conflict("contract_signed", ALREADY_SIGNED)
}

/// What the signing request brings.
pub struct Signing {
    /// The document the client read (the page's hash, checked against the contract's).
    pub document_sha256: String,
    pub signer_name: String,
    pub client_name: String,
    pub legal_name_confirmed: bool,
    pub ip_address: String,
    pub user_agent: String,
    pub drawing: Option<Vec<u8>>,
    pub drawing_sha256: Option<String>,
    pub site_url: String,
}

/// Records the signature, in one transaction with everything it sets off.
pub fn sign(
    conn: &mut DbConn,
    contract: &ContractRow,
    signing: Signing,
) -> Result<(), ContractError> {
    db::write_transaction(conn, |conn| {
        super::lock(conn, &contract.id)?;
        let Some(current) = super::find(conn, &contract.id)? else {
            return Err(ContractError::NotFound("There is no such contract.".into()));
        };
        if super::signed_at(conn, &contract.id)?.is_some() {
            return Err(ContractError::Signed(ALREADY_SIGNED.into()));
        }
        if current.withdrawn_at.is_some() {
            return Err(ContractError::Withdrawn);
        }
        // The client signs the document the page showed them: a studio push that replaced it
        // meanwhile changed the hash, and the signature is refused.
        if current.document_sha256 != signing.document_sha256 {
            return Err(ContractError::Changed);
        }
        let (studio, _) = site::studio_view(conn)?;
        let tz = studio.as_ref().map(|s| s.tz()).unwrap_or(chrono_tz::UTC);
        let client = people::client(conn, &current.client_id)?;
        let signed_at: NaiveDateTime = audit::stamp(db::now());
        let evidence = SignatureEvidence {
            document_sha256: current.document_sha256.clone(),
            signer_name: signing.signer_name.clone(),
            client_name: signing.client_name.clone(),
            legal_name_confirmed: signing.legal_name_confirmed,
            email: client.email.clone(),
            client_id: client.studio_client_id.clone(),
            signed_at,
            signed_at_local: local_time(signed_at, tz),
            ip_address: signing.ip_address.clone(),
            user_agent: signing.user_agent.clone(),
            consent_text: CONSENT_TEXT.to_string(),
            drawing_sha256: signing.drawing_sha256.clone(),
        };
        let detail = format!(
            "by {} <{}> from {}; document {}{}",
            evidence.signer_name,
            evidence.email,
            evidence.ip_address,
            evidence.document_sha256,
            evidence
                .drawing_sha256
                .as_deref()
                .map(|d| format!("; drawn signature {d}"))
                .unwrap_or_default()
        );
        audit::append(conn, &current.id, Action::Signed, &detail, signed_at)?;
        let trail: Vec<AuditEntry> =
            audit::trail(conn, &current.id)?.iter().map(audit::AuditRow::entry).collect();
        let stored = StoredEvidence {
            contract_id: current.studio_contract_id.clone(),
            session_id: current.studio_session_id.clone(),
            title: current.title.clone(),
            evidence: evidence.clone(),
            audit: trail.clone(),
        };
        let evidence_json = serde_json::to_string_pretty(&stored)
            .map_err(|e| ContractError::Pdf(format!("the evidence as JSON: {e}")))?;
        let studio_name = studio.as_ref().map(|s| s.name.clone()).unwrap_or_default();
        let paper = match studio.as_ref().map(|s| s.locale().tag()) {
            Some(tag) if tag.ends_with("-US") || tag.ends_with("-CA") => pdf::Paper::Letter,
            _ => pdf::Paper::A4,
        };
        let bytes = pdf::render(&pdf::SignedDocument {
            studio: &studio_name,
            title: &current.title,
            markdown: &current.document_markdown,
            evidence: &evidence,
            drawing_png: signing.drawing.as_deref(),
            audit: &trail,
            time_zone: tz,
            paper,
            evidence_json: evidence_json.as_bytes(),
        })
        .map_err(|e| ContractError::Pdf(e.to_string()))?;
        let pdf_sha256 = hex::encode(Sha256::digest(&bytes));
        diesel::insert_into(contract_signatures::table)
            .values((
                contract_signatures::contract_id.eq(&current.id),
                contract_signatures::document_sha256.eq(&evidence.document_sha256),
                contract_signatures::signer_name.eq(&evidence.signer_name),
                contract_signatures::client_name.eq(&evidence.client_name),
                contract_signatures::legal_name_confirmed.eq(evidence.legal_name_confirmed),
                contract_signatures::email.eq(&evidence.email),
                contract_signatures::studio_client_id.eq(&evidence.client_id),
                contract_signatures::signed_at.eq(signed_at),
                contract_signatures::signed_at_local.eq(&evidence.signed_at_local),
                contract_signatures::ip_address.eq(&evidence.ip_address),
                contract_signatures::user_agent.eq(&evidence.user_agent),
                contract_signatures::consent_text.eq(&evidence.consent_text),
                contract_signatures::drawing_png.eq(&signing.drawing),
                contract_signatures::drawing_sha256.eq(&evidence.drawing_sha256),
                contract_signatures::evidence_json.eq(&evidence_json),
                contract_signatures::pdf.eq(&bytes),
                contract_signatures::pdf_sha256.eq(&pdf_sha256),
            ))
            .execute(conn)?;
        feed::record(conn, feed::Kind::Contract, current.id.as_str())?;
        let head = site::letterhead(conn, &signing.site_url)?;
        emails::queue_signed(conn, &head, &current, &client.email, &client.first_name, bytes)?;
        Ok(())
    })
}

/// A UTC time in the studio's zone, with the zone's name: `2026-12-03 11:15:02 America/Chicago`.
pub fn local_time(at: NaiveDateTime, tz: chrono_tz::Tz) -> String {
    let local = at.and_utc().with_timezone(&tz);
    format!("{} {}", local.format("%Y-%m-%d %H:%M:%S"), tz.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_forgiving_case_and_spaces() {
        assert_eq!(name_key("  ann   SMITH "), name_key("Ann Smith"));
        assert_ne!(name_key("Ann Smith-Jones"), name_key("Ann Smith"));
    }

    #[test]
    fn a_drawing_must_be_a_real_png() {
        let mut png = Vec::new();
        image::RgbaImage::new(40, 20)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(check_drawing(&png).unwrap().len(), 64);
        assert!(check_drawing(b"\x89PNG\r\n\x1a\nnot really").is_err());
        assert!(check_drawing(b"GIF89a").is_err());
    }
}
