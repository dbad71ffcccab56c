//! `proofroom contracts verify` and the studio's PDF check: every stored document against its
//! hash, every audit trail against its chain, every signature against the document it signed
//! and the PDF it made.

use diesel::prelude::*;
use proofroom_wire::contracts::{VerifiedContract, VerifyPdfResult};
use sha2::{Digest, Sha256};

use super::audit;
use super::document;
use crate::db::schema::{contract_signatures, contracts};
use crate::db::{self, ContractId, DbConn};

/// What one contract's check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `session 2026-0412, contract agreement`
    pub contract: String,
    pub problems: Vec<String>,
}

/// What [`verify_all`] walked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walked {
    pub contracts: usize,
    pub signatures: usize,
    pub audit_rows: usize,
    pub findings: Vec<Finding>,
}

/// Every contract's problems (only those with any).
pub fn verify_all(conn: &mut DbConn) -> db::Result<Walked> {
    let ids: Vec<ContractId> =
        contracts::table.order(contracts::published_at.asc()).select(contracts::id).load(conn)?;
    let mut walked = Walked { contracts: ids.len(), ..Walked::default() };
    for id in ids {
        let (problems, signed, rows) = check_one(conn, &id)?;
        walked.signatures += usize::from(signed);
        walked.audit_rows += rows;
        if !problems.is_empty() {
            let name = super::find(conn, &id)?
                .map(|c| {
                    format!("session {}, contract {}", c.studio_session_id, c.studio_contract_id)
                })
                .unwrap_or_else(|| id.to_string());
            walked.findings.push(Finding { contract: name, problems });
        }
    }
    Ok(walked)
}

/// One contract's problems, whether it is signed, and how many audit rows it has.
fn check_one(conn: &mut DbConn, id: &ContractId) -> db::Result<(Vec<String>, bool, usize)> {
    let Some(contract) = super::find(conn, id)? else {
        return Ok((vec!["the contract is gone".into()], false, 0));
    };
    let mut problems = Vec::new();
    let stored_hash = document::sha256(&contract.document_html);
    if stored_hash != contract.document_sha256 {
        problems.push(format!(
            "the stored document does not match its hash (stored {}, computed {stored_hash})",
            contract.document_sha256
        ));
    }
    let rows = audit::trail(conn, id)?;
    problems.extend(audit::check(id.as_str(), &rows, contract.audit_rows, &contract.audit_head));
    let last_document = rows
        .iter()
        .rev()
        .filter(|r| r.action == "published" || r.action == "replaced")
        .find_map(|r| r.detail.strip_prefix("document ").and_then(|d| d.split(':').next()));
    if last_document != Some(contract.document_sha256.as_str()) {
        problems.push(
            "the document's hash is not the one the audit trail last published (the document was replaced outside the trail)"
                .into(),
        );
    }
    let signature: Option<(String, Vec<u8>, String, String)> = contract_signatures::table
        .find(id)
        .select((
            contract_signatures::document_sha256,
            contract_signatures::pdf,
            contract_signatures::pdf_sha256,
            contract_signatures::evidence_json,
        ))
        .first(conn)
        .optional()?;
    let signed = signature.is_some();
    if let Some((signed_document, pdf, pdf_sha256, evidence_json)) = signature {
        if signed_document != contract.document_sha256 {
            problems.push("the signature is for another document than the one stored".into());
        }
        let computed = hex::encode(Sha256::digest(&pdf));
        if computed != pdf_sha256 {
            problems.push(format!(
                "the stored signed PDF does not match its hash (stored {pdf_sha256}, computed {computed})"
            ));
        }
        match serde_json::from_str::<super::sign::StoredEvidence>(&evidence_json) {
            Ok(stored) => {
                if stored.evidence.document_sha256 != signed_document {
                    problems.push("the evidence names another document than the signature".into());
                }
                let signed_row = rows.iter().find(|r| r.action == "signed");
                match signed_row {
                    Some(row) if row.detail.contains(&stored.evidence.document_sha256) => {}
                    _ => problems.push(
                        "the audit trail has no signed row for the document the evidence names"
                            .into(),
                    ),
                }
                for entry in &stored.audit {
                    let held = rows.iter().find(|r| r.position == entry.position);
                    if held.map(|r| &r.sha256) != Some(&entry.sha256) {
                        problems.push(format!(
                            "audit row {} is not the row the signed PDF recorded",
                            entry.position
                        ));
                    }
                }
            }
            Err(e) => problems.push(format!("the stored evidence does not read: {e}")),
        }
    }
    Ok((problems, signed, rows.len()))
}

/// Whether a PDF with this SHA-256 is a signed PDF the server holds, and whether its contract
/// still verifies.
pub fn verify_pdf(conn: &mut DbConn, sha256: &str) -> db::Result<VerifyPdfResult> {
    let sha256 = sha256.trim().to_ascii_lowercase();
    let found: Option<(ContractId, String, chrono::NaiveDateTime)> = contract_signatures::table
        .filter(contract_signatures::pdf_sha256.eq(&sha256))
        .select((
            contract_signatures::contract_id,
            contract_signatures::signer_name,
            contract_signatures::signed_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, signer_name, signed_at)) = found else {
        return Ok(VerifyPdfResult { contract: None, problems: Vec::new() });
    };
    let Some(contract) = super::find(conn, &id)? else {
        return Ok(VerifyPdfResult { contract: None, problems: Vec::new() });
    };
    let (problems, _, _) = check_one(conn, &id)?;
    Ok(VerifyPdfResult {
        contract: Some(VerifiedContract {
            session_id: contract.studio_session_id,
            contract_id: contract.studio_contract_id,
            title: contract.title,
            signer_name,
            signed_at,
        }),
        problems,
    })
}
