//! Each contract's audit trail: append-only rows, chained.
//!
//! A row's hash covers its canonical content — the contract, its position, time, action and
//! detail — and the hash of the row before, so changing, deleting or reordering a row breaks
//! the chain from there on. The contract row keeps the trail's length and its last hash, so
//! even the last row cannot go unnoticed. [`check`] walks one trail and says what does not
//! hold.

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;
use proofroom_wire::contracts::AuditEntry;
use sha2::{Digest, Sha256};

use crate::db::schema::{contract_audit, contracts};
use crate::db::{self, ContractId, DbConn};

/// The hash before a trail's first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Published,
    Replaced,
    Viewed,
    Signed,
    PdfDownloaded,
    PulledByStudio,
    Withdrawn,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Replaced => "replaced",
            Self::Viewed => "viewed",
            Self::Signed => "signed",
            Self::PdfDownloaded => "pdf_downloaded",
            Self::PulledByStudio => "pulled_by_studio",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// The time a row keeps: whole seconds, so both databases give back exactly what was hashed.
pub fn stamp(at: NaiveDateTime) -> NaiveDateTime {
    at.with_nanosecond(0).unwrap_or(at)
}

/// The SHA-256 of a row's canonical content.
pub fn row_hash(
    contract: &str,
    position: i32,
    at: NaiveDateTime,
    action: &str,
    detail: &str,
    prev: &str,
) -> String {
    let canonical = serde_json::json!({
        "contract": contract,
        "position": position,
        "at": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "action": action,
        "detail": detail,
        "prev": prev,
    });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends a row inside the caller's transaction (which must have locked the contract's row:
/// [`super::lock`]).
pub fn append(
    conn: &mut DbConn,
    contract: &ContractId,
    action: Action,
    detail: &str,
    at: NaiveDateTime,
) -> db::Result<AuditEntry> {
    let (rows, head): (i32, String) = contracts::table
        .find(contract)
        .select((contracts::audit_rows, contracts::audit_head))
        .first(conn)?;
    let at = stamp(at);
    let position = rows + 1;
    let sha256 = row_hash(contract.as_str(), position, at, action.as_str(), detail, &head);
    diesel::insert_into(contract_audit::table)
        .values((
            contract_audit::contract_id.eq(contract),
            contract_audit::position.eq(position),
            contract_audit::at.eq(at),
            contract_audit::action.eq(action.as_str()),
            contract_audit::detail.eq(detail),
            contract_audit::prev_sha256.eq(&head),
            contract_audit::sha256.eq(&sha256),
        ))
        .execute(conn)?;
    diesel::update(contracts::table.find(contract))
        .set((contracts::audit_rows.eq(position), contracts::audit_head.eq(&sha256)))
        .execute(conn)?;
    Ok(AuditEntry {
        position,
        at,
        action: action.as_str().to_string(),
        detail: detail.into(),
        sha256,
    })
}

/// Appends a row in a transaction of its own (a view, a download, a pull).
pub fn record(
    conn: &mut DbConn,
    contract: &ContractId,
    action: Action,
    detail: &str,
) -> db::Result<()> {
    db::write_transaction(conn, |conn| {
        super::lock(conn, contract)?;
        append(conn, contract, action, detail, db::now()).map(|_| ())
    })
}

/// A stored row as it is.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contract_audit)]
pub struct AuditRow {
    pub position: i32,
    pub at: NaiveDateTime,
    pub action: String,
    pub detail: String,
    pub prev_sha256: String,
    pub sha256: String,
}

impl AuditRow {
    pub fn entry(&self) -> AuditEntry {
        AuditEntry {
            position: self.position,
            at: self.at,
            action: self.action.clone(),
            detail: self.detail.clone(),
            sha256: self.sha256.clone(),
        }
    }
}

/// A contract's trail, in stored order.
pub fn trail(conn: &mut DbConn, contract: &ContractId) -> db::Result<Vec<AuditRow>> {
    Ok(contract_audit::table
        .filter(contract_audit::contract_id.eq(contract))
        .order(contract_audit::position.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}

/// What does not hold in a trail: each row's hash against its content, each link to the row
/// before, the positions, and the length and last hash the contract keeps.
pub fn check(
    contract: &str,
    rows: &[AuditRow],
    expected_rows: i32,
    expected_head: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_string();
    for (i, row) in rows.iter().enumerate() {
        let expected_position = i as i32 + 1;
        if row.position != expected_position {
            problems.push(format!(
                "audit row {}: found where row {expected_position} should be (a row was deleted or moved)",
                row.position
            ));
        }
        let computed =
            row_hash(contract, row.position, row.at, &row.action, &row.detail, &row.prev_sha256);
        if computed != row.sha256 {
            problems.push(format!(
                "audit row {} ({}): its content does not match its hash (the row was changed)",
                row.position, row.action
            ));
        }
        if row.prev_sha256 != prev {
            problems.push(format!(
                "audit row {} ({}): does not follow the row before it (a row before it was changed, deleted or reordered)",
                row.position, row.action
            ));
        }
        prev = row.sha256.clone();
    }
    if rows.len() as i32 != expected_rows {
        problems.push(format!(
            "the audit trail has {} rows; the contract recorded {expected_rows}",
            rows.len()
        ));
    }
    if prev != expected_head && (rows.len() as i32 == expected_rows) {
        problems.push("the audit trail's last row is not the one the contract recorded".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i32) -> Vec<AuditRow> {
        let at =
            chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap().and_hms_opt(10, 0, 0).unwrap();
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|position| {
                let sha256 = row_hash("c", position, at, "viewed", "by Ann", &prev);
                let row = AuditRow {
                    position,
                    at,
                    action: "viewed".into(),
                    detail: "by Ann".into(),
                    prev_sha256: prev.clone(),
                    sha256: sha256.clone(),
                };
                prev = sha256;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_trail_has_no_problems() {
        let rows = chain(3);
        assert!(check("c", &rows, 3, &rows[2].sha256).is_empty());
    }

    #[test]
    fn edits_deletions_and_reorders_are_each_found() {
        let rows = chain(4);
        let head = rows[3].sha256.clone();
        let mut edited = rows.clone();
        edited[1].detail = "by Bob".into();
        assert!(check("c", &edited, 4, &head)[0].contains("row 2 (viewed): its content"));
        let mut deleted = rows.clone();
        deleted.remove(1);
        assert!(!check("c", &deleted, 4, &head).is_empty());
        let mut last_gone = rows.clone();
        last_gone.pop();
        assert!(!check("c", &last_gone, 4, &head).is_empty());
        let mut swapped = rows.clone();
        swapped.swap(1, 2);
        assert!(!check("c", &swapped, 4, &head).is_empty());
    }
}
