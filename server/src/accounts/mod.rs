//! The pages where people manage how they sign in: sign in and out ([`sign_in`]), the account
//! page, guest registration confirmed by email ([`register`]) and "forgot your password?"
//! ([`reset`]). Who people are and their browser sessions are [`crate::auth`]'s; these pages
//! only call it.

pub mod register;
pub mod reset;
pub mod sign_in;
