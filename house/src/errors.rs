//! The data layer's error rule: a function that takes a database connection fails with the data
//! layer's own error (`db::Error`, `db::Result`), not with the HTTP `AppError`, which the
//! handler makes of it; and the data floor imports no `error`. The few actions that decide a
//! refusal the client or studio reads while they hold the transaction are listed in
//! [`ACTIONS`], each with its reason.

use crate::imports::Edge;
use crate::source::Crate;

/// The connection type whose functions are the data layer.
pub const CONNECTION: &str = "DbConn";
/// The HTTP edge's error type.
pub const HTTP_ERROR: &str = "AppError";
/// The module that holds the HTTP edge's error type.
pub const ERROR_MODULE: &str = "error";

/// Functions (file under the server's src, name) that take a connection and answer with an
/// `AppError`, and why. Keep it short: everything else returns `db::Result`.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("checkout/place.rs", "place", "refuses an order whose cart changed while it was placed"),
    ("prepaid/mod.rs", "upsert", "refuses an invoice its session's price list cannot fill"),
    ("prepaid/pages.rs", "store", "refuses picks on a package that became final"),
    ("events/publish.rs", "change_expiry", "refuses a date too far away for the session it locks"),
    ("studio_api/sessions.rs", "publish_session", "refuses a session whose price list is missing"),
    (
        "gallery/ingest.rs",
        "delete_unreferenced",
        "rows and store files together: its faults are ours",
    ),
    ("gallery/rerender.rs", "rerender_one", "rows and store files together: its faults are ours"),
    ("studio/mod.rs", "current_watermark", "rows and the stored watermark file together"),
];

/// One break of the rule.
#[derive(Debug, PartialEq, Eq)]
pub enum ErrorFinding {
    /// `file`'s `function` takes a connection and answers with an `AppError`.
    AnswersHttp { file: String, function: String },
    /// An entry of [`ACTIONS`] that no longer names such a function.
    StaleAction { file: String, function: String },
    /// The data floor imports the HTTP error.
    DataFloorImportsError(Edge),
}

/// The functions that break the rule in `server`, given the allowed `actions`, and the data
/// floor's import of the error module among `edges`.
pub fn error_findings(
    server: &Crate,
    edges: &[Edge],
    data_floor: &str,
    actions: &[(&str, &str, &str)],
) -> Vec<ErrorFinding> {
    let mut findings = Vec::new();
    let mut seen = Vec::new();
    for file in server.files.iter().filter(|f| !f.is_test) {
        for function in &file.functions {
            let takes_connection = function.params.iter().any(|p| p == CONNECTION);
            let answers_http = function.returns.iter().any(|r| r == HTTP_ERROR);
            if !(takes_connection && answers_http) {
                continue;
            }
            let listed =
                actions.iter().any(|(f, name, _)| *f == file.path && *name == function.name);
            if listed {
                seen.push((file.path.as_str(), function.name.as_str()));
            } else {
                findings.push(ErrorFinding::AnswersHttp {
                    file: file.path.clone(),
                    function: function.name.clone(),
                });
            }
        }
    }
    for (file, function, _) in actions {
        if !seen.contains(&(*file, *function)) {
            findings.push(ErrorFinding::StaleAction {
                file: file.to_string(),
                function: function.to_string(),
            });
        }
    }
    for edge in edges.iter().filter(|e| e.from == data_floor && e.to == ERROR_MODULE) {
        findings.push(ErrorFinding::DataFloorImportsError(edge.clone()));
    }
    findings
}
