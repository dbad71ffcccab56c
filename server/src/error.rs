//! The one error type of the server.
//!
//! Rule: every failure a user or a studio program can cause is an [`AppError`] with a 4xx status,
//! a stable snake_case `code` and a sentence that says what to do; nothing the caller sent may
//! produce a 500. A 500 is reserved for our own faults (database down, disk full) and its
//! details go to the log, never to the response.
//!
//! The data layer fails with its own [`crate::db::Error`]; a handler's `?` turns it into an
//! `AppError` (a conflict between racing requests becomes 409 `conflict`, anything else our own
//! 500). Only the few actions listed in the house check decide an `AppError` themselves.
//!
//! The API answers `{"error": code, "message": …}`. Pages get the same error rendered as an HTML
//! page by [`crate::web::html_errors`], which finds the `AppError` in the response extensions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use proofroom_wire::ApiError;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn too_large(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
    }

    pub fn unsupported_media(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// Our own fault: logged in full, answered with a generic sentence.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let reference = uuid::Uuid::new_v4().simple().to_string();
        let reference = &reference[..8];
        tracing::error!(reference, "internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            format!("Something went wrong on our side (reference {reference}). Please try again."),
        )
    }

    pub fn to_api(&self) -> ApiError {
        ApiError { error: self.code.to_string(), message: self.message.clone() }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status).json(self.to_api());
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl From<diesel::result::Error> for AppError {
    /// The data layer's own words (table, column and constraint names, SQL) never reach a
    /// response: a conflict becomes a stable code with a sentence, its detail goes to the log.
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::not_found("not_found", "Not found."),
            // Two requests raced to create or remove the same thing; trying again resolves it.
            Error::DatabaseError(
                kind
                @ (DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation),
                info,
            ) => {
                tracing::warn!("database conflict ({kind:?}): {}", info.message());
                Self::conflict(
                    "conflict",
                    "Another change to the same item happened at the same time. Go back, \
                     reload the page and try again.",
                )
            }
            other => Self::internal(format!("database: {other}")),
        }
    }
}

impl From<crate::db::Error> for AppError {
    fn from(e: crate::db::Error) -> Self {
        match e {
            crate::db::Error::Query(e) => e.into(),
            other => Self::internal(other),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        Self::internal(format!("i/o: {e}"))
    }
}

impl From<crate::storage::leases::DeleteError> for AppError {
    fn from(e: crate::storage::leases::DeleteError) -> Self {
        match e {
            crate::storage::leases::DeleteError::Db(e) => e.into(),
            crate::storage::leases::DeleteError::Store(e) => e.into(),
        }
    }
}

impl From<tera::Error> for AppError {
    fn from(e: tera::Error) -> Self {
        use std::error::Error;
        let mut detail = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            detail.push_str(&format!(": {s}"));
            source = s.source();
        }
        Self::internal(format!("template: {detail}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error};

    struct Detail(&'static str);

    impl DatabaseErrorInformation for Detail {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            Some("orders")
        }
        fn column_name(&self) -> Option<&str> {
            Some("checkout_key")
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    #[test]
    fn conflicts_answer_a_stable_code_and_never_the_databases_words() {
        for (kind, text) in [
            (DatabaseErrorKind::UniqueViolation, "UNIQUE constraint failed: orders.checkout_key"),
            (
                DatabaseErrorKind::UniqueViolation,
                "duplicate key value violates unique constraint \"orders_checkout_key_key\"",
            ),
            (DatabaseErrorKind::ForeignKeyViolation, "FOREIGN KEY constraint failed"),
        ] {
            let error = AppError::from(Error::DatabaseError(kind, Box::new(Detail(text))));
            assert_eq!((error.status, error.code), (StatusCode::CONFLICT, "conflict"));
            let answer = serde_json::to_string(&error.to_api()).unwrap();
            for word in ["constraint", "checkout_key", "orders", "UNIQUE", "duplicate key"] {
                assert!(!answer.contains(word), "{word} in {answer}");
            }
        }
    }
}
