//! Proofroom's server: the client-facing site and the studio API.
//!
//! A house of floors (README, "How the pieces fit"): `app` on top; the studio API; the pages
//! that compose features (`browse`, `accounts`, `gallery_emails`); the features, each owning
//! its tables (`checkout`, `contracts`, `albums`, `prepaid`, `favorites`, `client_groups`, `yearbook`, `gallery`,
//! `price_lists`, `events`, `site`, `auth`, `studio`, `feed`); and the shared floors that name
//! no feature (`config`, `db`, `storage`, `images`, `email`, `error`, `web`, `throttle`,
//! `jobs`).
//! `house/` checks that imports point down and that each table has one owner.

pub mod accounts;
pub mod albums;
pub mod app;
pub mod auth;
pub mod browse;
pub mod checkout;
pub mod client_groups;
pub mod config;
pub mod contracts;
pub mod db;
pub mod demo;
pub mod downloads;
pub mod email;
pub mod error;
pub mod events;
pub mod favorites;
pub mod feed;
pub mod gallery;
pub mod gallery_emails;
pub mod images;
pub mod jobs;
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
