//! Signing in and out: clients (email + last name by default, or their own user name and
//! password), guests (their email and password, confirmed by email), forgotten passwords, the
//! session cookie and CSRF tokens.

pub mod accounts;
pub mod links;
pub mod pages;
pub mod passwords;
pub mod register;
pub mod reset;
pub mod session;

/// What signing in keeps while the server runs, registered as its own `web::Data`.
pub struct AuthState {
    pub sessions: session::SessionCache,
    /// Signs visitors' form cookies into CSRF tokens.
    pub form_key: session::FormKey,
    /// Bounds the argon2 hashes computed at once.
    pub passwords: passwords::PasswordWork,
}

pub type Auth = actix_web::web::Data<AuthState>;
