//! Signing in and out: clients (email + last name by default, or their own user name and
//! password), guests (their email and password), the session cookie and CSRF tokens.

pub mod pages;
pub mod passwords;
pub mod session;
