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
