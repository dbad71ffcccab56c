//! Proofroom's server: the client-facing site and the studio API.
//!
//! Organised by feature (`auth`, `events`, `gallery`, `favorites`, `feed`, `client_groups`, `yearbook`,
//! `checkout`, `studio`, `studio_api`) with shared pieces beside them (`config`, `db`, `storage`,
//! `images`, `email`, `error`, `web`, `lane`, `site`, `throttle`).

pub mod accounts;
pub mod app;
pub mod auth;
pub mod browse;
pub mod checkout;
pub mod client_groups;
pub mod config;
pub mod db;
pub mod demo;
pub mod email;
pub mod error;
pub mod events;
pub mod favorites;
pub mod feed;
pub mod gallery;
pub mod gallery_emails;
pub mod images;
pub mod lane;
pub mod prepaid;
pub mod price_lists;
pub mod site;
pub mod storage;
pub mod studio;
pub mod studio_api;
pub mod throttle;
pub mod web;
pub mod yearbook;

pub use app::Application;
