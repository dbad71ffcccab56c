//! Pull: what clients did comes back into the studio's `inbox/`, exactly once.
//!
//! Each page of the server's feed is written into the inbox item by item, and only then
//! acknowledged. A crash before the acknowledgement means the items come again and are written
//! again — to the same files with the same content (see [`crate::inbox`]) — so nothing is lost
//! and nothing is doubled. An item that cannot be written is not acknowledged; the server keeps
//! offering it.

use std::path::Path;

use proofroom_wire::feed::{FeedAck, FeedAckResult, FeedContent, FeedItem, FeedPage};
use proofroom_wire::paths;
use sha2::Digest;

use crate::ItemError;
use crate::api::{Api, Failure};
use crate::inbox::{Fetched, Inbox, Written};
use crate::output::Output;
use crate::state::{State, StateError};

/// Items asked for per page.
const PAGE: u32 = 100;

/// What a pull moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    pub guests: usize,
    pub favorites: usize,
    pub yearbook: usize,
    pub orders: usize,
    pub prepaid: usize,
    /// Signed contracts.
    pub contracts: usize,
    /// Answered album revisions.
    pub albums: usize,
    /// Items whose subject was deleted on the server since (nothing to write).
    pub gone: usize,
    /// Items the server newly marked downloaded.
    pub acknowledged: u64,
    /// Items still waiting on the server after the pull (those that failed to be written).
    pub waiting: u64,
    pub errors: Vec<ItemError>,
}

impl PullReport {
    pub fn written(&self) -> usize {
        self.orders
            + self.guests
            + self.favorites
            + self.yearbook
            + self.prepaid
            + self.contracts
            + self.albums
    }

    /// `pulled 6 items: 1 orders, 1 guests, 1 favorites, 1 yearbook picks, 1 prepaid
    /// selections, 1 signed contracts, 1 album answers; 0 waiting, 0 errors`
    pub fn summary(&self) -> String {
        format!(
            "pulled {} items: {} orders, {} guests, {} favorites, {} yearbook picks, {} prepaid selections, {} signed contracts, {} album answers; {} waiting, {} errors",
            self.written(),
            self.orders,
            self.guests,
            self.favorites,
            self.yearbook,
            self.prepaid,
            self.contracts,
            self.albums,
            self.waiting,
            self.errors.len()
        )
    }
}

/// Why a pull stopped before the feed was empty.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PullStop {
    #[error("{0}")]
    Server(String),
    #[error(transparent)]
    State(#[from] StateError),
}

impl From<Failure> for PullStop {
    fn from(f: Failure) -> Self {
        Self::Server(f.to_string())
    }
}

pub(crate) async fn pull(
    api: &Api,
    library: &Path,
    state: &mut State,
    kinds: Option<&[&str]>,
    out: &Output,
    report: &mut PullReport,
) -> Result<(), PullStop> {
    let inbox = Inbox::new(library);
    if let Err(e) = inbox.sweep() {
        out.line(&format!("note: cannot clear unfinished files from inbox/: {e}"));
    }
    let mut cursor = state.feed_cursor()?;
    // Pulling some kinds only: items of the others stay waiting and come with every page
    // whatever the cursor, so moving the cursor past them loses nothing.
    let only = kinds.map(|k| format!("&kinds={}", k.join(","))).unwrap_or_default();
    loop {
        let page: FeedPage =
            api.get(&format!("{}?after={cursor}&limit={PAGE}{only}", paths::FEED)).await?;
        let mut written = Vec::with_capacity(page.items.len());
        for item in &page.items {
            // A signed contract's PDF and an answered album's pinned pages are fetched first;
            // what does not come leaves the item waiting, like any item that could not be
            // written.
            let fetched = match fetch_attachments(api, item).await {
                Ok(fetched) => fetched,
                Err(f) => {
                    let error = ItemError::new(crate::inbox::INBOX, f);
                    out.error(&error);
                    report.errors.push(error);
                    continue;
                }
            };
            match inbox.write(item, &fetched) {
                Ok(Written::Files(files)) => {
                    match &item.content {
                        FeedContent::Guest(_) => report.guests += 1,
                        FeedContent::Favorites(_) | FeedContent::FavoritesSent(_) => {
                            report.favorites += 1
                        }
                        FeedContent::Yearbook(_) => report.yearbook += 1,
                        FeedContent::Order(_) => report.orders += 1,
                        FeedContent::Prepaid(_) => report.prepaid += 1,
                        FeedContent::Contract(_) => report.contracts += 1,
                        FeedContent::Album(_) => report.albums += 1,
                        FeedContent::Gone { .. } => {}
                    }
                    out.line(&format!("pulled {}", files.join(", ")));
                    written.push(item.seq);
                }
                Ok(Written::Nothing) => {
                    report.gone += 1;
                    written.push(item.seq);
                }
                Err(e) => {
                    let error = ItemError::new(
                        crate::inbox::INBOX,
                        format!(
                            "cannot write feed item {} ({}): {e}",
                            item.seq,
                            item.content.kind()
                        ),
                    );
                    out.error(&error);
                    report.errors.push(error);
                }
            }
        }
        let mut acknowledged = 0;
        if !written.is_empty() {
            let answer: FeedAckResult =
                api.post(paths::FEED_ACK, &FeedAck { seqs: written.clone() }).await?;
            acknowledged = answer.acknowledged;
            report.acknowledged += acknowledged;
        }
        // Past everything seen: an item that failed is still waiting, and waiting items come
        // with every page whatever the cursor says.
        if let Some(highest) = page.items.iter().map(|i| i.seq).max()
            && highest > cursor
        {
            cursor = highest;
            state.set_feed_cursor(cursor)?;
        }
        report.waiting = page.waiting.saturating_sub(acknowledged);
        if !page.more || written.is_empty() {
            return Ok(());
        }
    }
}

/// What an item needs fetched before it is written: a signed contract's PDF (checked against
/// the SHA-256 the server recorded), an answered album's pages with notes drawn with pins.
async fn fetch_attachments(api: &Api, item: &FeedItem) -> Result<Fetched, String> {
    match &item.content {
        FeedContent::Contract(signed) => {
            let path = crate::api::signed_pdf_path(&signed.session_id, &signed.contract_id);
            let pdf = api.get_bytes(&path).await.map_err(|f| {
                format!("cannot fetch the signed PDF of feed item {}: {f}", item.seq)
            })?;
            let sha256 = hex::encode(sha2::Sha256::digest(&pdf));
            if !sha256.eq_ignore_ascii_case(&signed.pdf_sha256) {
                return Err(format!(
                    "cannot fetch the signed PDF of feed item {}: it came with SHA-256 {sha256}, \
                     not the {} the server recorded",
                    item.seq, signed.pdf_sha256
                ));
            }
            Ok(Fetched::SignedPdf(pdf))
        }
        FeedContent::Album(feedback) => {
            let mut pages = Vec::new();
            for page in feedback.pages.iter().filter(|p| !p.notes.is_empty()) {
                let path = crate::api::pinned_page_path(
                    &feedback.session_id,
                    &feedback.album_id,
                    feedback.revision,
                    &page.file_name,
                );
                let jpeg = api.get_bytes(&path).await.map_err(|f| {
                    format!(
                        "cannot fetch page {} of album \"{}\" with its notes (feed item {}): {f}",
                        page.page, feedback.album_id, item.seq
                    )
                })?;
                pages.push((page.file_name.clone(), jpeg));
            }
            Ok(Fetched::PinnedPages(pages))
        }
        _ => Ok(Fetched::Nothing),
    }
}
