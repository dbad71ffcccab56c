//! Who someone is: clients (email + last name by default, or their own user name and password)
//! and guests (email and password, confirmed by email) — [`people`]; the browser session that
//! remembers them and the CSRF tokens of their forms — [`browser_session`]; passwords and the
//! single-use links sent by email. Owns `clients`, `guests`, `web_sessions`, `login_links` and
//! `site_keys`. The pages that use all this (sign-in, registration, reset) are in
//! [`crate::accounts`].

pub mod browser_session;
pub mod links;
pub mod passwords;
pub mod people;
pub mod signed_in;

pub use signed_in::SignedIn;

/// What signing in keeps while the server runs, registered as its own `web::Data`.
pub struct AuthState {
    pub sessions: browser_session::SessionCache,
    /// Signs visitors' form cookies into CSRF tokens, and download links.
    pub site_key: browser_session::SiteKey,
    /// Bounds the argon2 hashes computed at once.
    pub passwords: passwords::PasswordWork,
}

pub type Auth = actix_web::web::Data<AuthState>;
