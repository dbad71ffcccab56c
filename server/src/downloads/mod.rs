//! Digital downloads: the files a client bought (a price list's `digital` and `digital-all`
//! items, once their order is paid) and the ones a session gives away (session.toml
//! `downloads = "favorites"` or `"all"`, at `download_size`), without a watermark and without
//! metadata. Owns `downloads`, the log of every file served, which the studio reads as counts.
//!
//! - [`allowance`]: which photo a person may download, at which size — the one rule.
//! - [`link`]: the signed, expiring links the downloads page hands out.
//! - [`pages`]: the downloads page, one file, and every file as one ZIP, streamed.
//! - [`log`]: the `downloads` table.

pub mod allowance;
pub mod link;
pub mod log;
pub mod pages;
mod stream;
