//! `push`: send what changed in the library to the server.
//!
//! Order: the studio profile and its branding images, the price lists, then each published
//! session — `GET` what the server holds of it, `PUT` the session (whose image list is the whole
//! set that should be online), upload the images that are missing or whose SHA-256 differs
//! (several at once), and `DELETE` the held images no longer wanted; then prepaid packages and
//! contracts ([`contracts`]) and albums ([`albums`]). An unchanged library uploads nothing.

mod albums;
mod contracts;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use futures_util::StreamExt;
use proofroom_wire::prepaid::{PrepaidList, PrepaidState};
use proofroom_wire::{
    BrandingFile, ImageListing, PriceList, SessionList, SessionSummary, StudioProfile, StudioState,
    UploadOutcome, UploadResult, paths,
};

use crate::api::{self, Api};
use crate::filecache::FileCache;
use crate::library::{Library, Session, Skipped, load_library};
use crate::output::{Output, human_bytes};
use crate::plan::{SyncItem, SyncPlan};
use crate::state::State;
use crate::{ItemError, PushError, PushOptions, PushReport};

/// Reads the configuration and the library under `options.library` and pushes it — one push
/// or sync at a time per library (a second one waits).
pub async fn push(options: PushOptions) -> Result<PushReport, PushError> {
    let library = load_library(&options.library)?;
    let config = crate::config::for_options(&options)?;
    let out = Output::new(options.progress);
    let _lock = crate::lock::sync_lock(&options.library, "push", &out).await?;
    let mut state = State::open(&options.library)?;
    let api = Api::new(&config).map_err(|e| PushError::Client(e.to_string()))?;
    push_loaded(&api, &library, &mut state, &SyncPlan::full(), options.jobs, &out).await
}

/// Pushes an already loaded library: what `plan` selects, or (dry run) only says what it
/// would send. The library's own errors are printed and copied into the report.
pub(crate) async fn push_loaded(
    api: &Api,
    library: &Library,
    state: &mut State,
    plan: &SyncPlan,
    jobs: usize,
    out: &Output,
) -> Result<PushReport, PushError> {
    for e in &library.errors {
        out.error(e);
    }
    let cache = FileCache::load(state)?;
    let mut report = PushReport {
        errors: library.errors.clone(),
        skipped: library.skipped.clone(),
        dry_run: plan.dry_run,
        ..Default::default()
    };
    for s in &library.skipped {
        out.line(&format!("skipped {}: {}", s.item, s.reason));
    }

    // The first request tells whether the server is there and takes the token.
    let studio_state: StudioState = api.get(paths::STUDIO).await.map_err(|f| api.fatal(f))?;

    let mut p = Pusher {
        api,
        out,
        report: &mut report,
        jobs: jobs.max(1),
        cache: &cache,
        state,
        dry_run: plan.dry_run,
    };
    if plan.wants(SyncItem::Settings)
        && let Some(studio) = &library.studio
    {
        p.studio(studio, &studio_state).await;
    }
    if plan.wants(SyncItem::PriceLists) {
        for list in &library.price_lists {
            p.price_list(&list.id, &list.item, &list.list).await;
        }
    }

    let images = plan.wants(SyncItem::Sessions);
    let sessions = images || plan.wants(SyncItem::Videos);
    // What is online tells whether an unpublished session is still up from an earlier push,
    // and which expired sessions are; only notes, so a failure here is no error.
    let online: Option<SessionList> = if (sessions && library.sessions.iter().any(|s| !s.publish))
        || plan.wants(SyncItem::Expired)
    {
        api.get::<SessionList>(paths::SESSIONS).await.ok()
    } else {
        None
    };
    let is_online =
        |id: &str| online.as_ref().is_some_and(|l| l.sessions.iter().any(|s| s.id == id));
    if sessions {
        for session in &library.sessions {
            if session.publish {
                p.session(session, images).await;
            } else {
                let reason = if is_online(&session.id) {
                    "publish = false, but it is online from an earlier push; push does not take sessions down"
                } else {
                    "publish = false"
                };
                p.out.line(&format!("skipped {}: {reason}", session.item()));
                p.report.skipped.push(Skipped { item: session.item(), reason: reason.to_string() });
            }
        }
    }
    if plan.wants(SyncItem::Prepaid) && !library.prepaid.is_empty() {
        p.prepaid(library).await;
    }
    if plan.wants(SyncItem::Contracts) {
        p.contracts(library).await;
    }
    if plan.wants(SyncItem::Albums) {
        p.albums(library).await;
    }
    p.save_hashes();
    if plan.wants(SyncItem::Expired)
        && let Some(online) = &online
    {
        expired_note(online, &studio_state, &mut report);
    }
    if !plan.dry_run {
        out.finish(&report.summary());
    }
    Ok(report)
}

/// Notes the sessions online whose gallery has expired (taking them down is
/// `take-down --expired`, which asks first).
fn expired_note(online: &SessionList, studio: &StudioState, report: &mut PushReport) {
    let today = crate::library::studio_today(studio);
    let expired: Vec<String> = online
        .sessions
        .iter()
        .filter(|s| s.expires_on < today)
        .map(|s| format!("{} (expired {})", s.id, s.expires_on))
        .collect();
    if !expired.is_empty() {
        report.notes.push(format!(
            "{} expired sessions are still online: {}; `take-down --expired` removes them",
            expired.len(),
            expired.join(", ")
        ));
    }
}

enum ImageOutcome {
    /// Sent now (or, in a dry run, would be).
    Uploaded {
        bytes: u64,
    },
    Unchanged,
}

struct Pusher<'a> {
    api: &'a Api,
    out: &'a Output,
    report: &'a mut PushReport,
    jobs: usize,
    cache: &'a FileCache,
    state: &'a mut State,
    dry_run: bool,
}

impl<'a> Pusher<'a> {
    fn fail(&mut self, item: &str, failure: impl std::fmt::Display) {
        let e = ItemError::new(item, failure.to_string());
        self.out.error(&e);
        self.report.errors.push(e);
    }

    /// What was done, for the log — or, in a dry run, what would be, for the studio to read.
    fn did(&mut self, line: String) {
        if self.dry_run {
            self.report.planned.push(line);
        } else {
            self.out.line(&line);
        }
    }

    /// Keeps the hashes made so far, so a run stopped later need not read those files again.
    fn save_hashes(&mut self) {
        if let Err(e) = self.cache.save(self.state) {
            let item = format!("{}/state.db", crate::state::STATE_DIR);
            self.fail(&item, e);
        }
    }

    /// Borrows only what `self` borrows, so uploads can run while `self` records results.
    fn uploader(&self) -> Uploader<'a> {
        Uploader { api: self.api, out: self.out, cache: self.cache, dry_run: self.dry_run }
    }

    async fn studio(&mut self, studio: &crate::library::Studio, state: &StudioState) {
        if state.profile.as_ref().is_some_and(|held| same_profile(held, &studio.profile)) {
            self.report.studio_synced = true;
        } else if self.dry_run {
            self.report.studio_sent = true;
            self.did("would send studio.toml".into());
        } else {
            match self.api.put::<_, StudioState>(paths::STUDIO, &studio.profile).await {
                Ok(_) => {
                    self.report.studio_synced = true;
                    self.report.studio_sent = true;
                    self.did("pushed studio.toml".into());
                }
                Err(f) => self.fail("studio.toml", f),
            }
        }
        if !studio.branding.is_empty() {
            self.out.start("branding", studio.branding.len());
        }
        for image in &studio.branding {
            self.out.message(&image.item);
            let held = state
                .branding
                .iter()
                .find(|b: &&BrandingFile| b.slot == image.slot)
                .map(|b| b.sha256.as_str());
            let path = format!("{}/{}", paths::BRANDING, image.slot.as_str());
            let uploader = self.uploader();
            let outcome = uploader.upload_if_changed(&path, &image.item, image.path.clone(), held);
            match outcome.await {
                Ok(ImageOutcome::Uploaded { bytes }) => {
                    self.report.branding_uploaded += 1;
                    let verb = if self.dry_run { "would upload" } else { "uploaded" };
                    self.did(format!("{verb} {} ({})", image.item, human_bytes(bytes)));
                }
                Ok(ImageOutcome::Unchanged) => {}
                Err(message) => self.fail(&image.item, message),
            }
            self.out.inc();
        }
    }

    /// Sends a price list unless the server holds the same one.
    async fn price_list(&mut self, id: &str, item: &str, list: &PriceList) {
        let path = api::price_list_path(id);
        match self.api.get::<PriceList>(&path).await {
            Ok(held) if held == *list => return,
            Ok(_) => {}
            Err(f) if f.is_not_found() => {}
            Err(f) => return self.fail(item, f),
        }
        if self.dry_run {
            self.report.price_lists += 1;
            return self.did(format!("would send {item}"));
        }
        match self.api.put_ignoring_answer(&path, list).await {
            Ok(()) => {
                self.report.price_lists += 1;
                self.did(format!("pushed {item}"));
            }
            Err(f) => self.fail(item, f),
        }
    }

    /// Sends each prepaid invoice the server does not hold as it is. One whose session is not
    /// published waits; one the client has already filled cannot change, and says so.
    async fn prepaid(&mut self, library: &Library) {
        let held: PrepaidList = match self.api.get(paths::PREPAID).await {
            Ok(list) => list,
            Err(f) => return self.fail("prepaid", f),
        };
        for file in &library.prepaid {
            let server = held.invoices.iter().find(|h| h.id == file.id);
            if server.is_some_and(|h| h.invoice == file.invoice) {
                continue;
            }
            if server.is_some_and(|h| h.state == PrepaidState::Selected) {
                let reason =
                    "the client has submitted their picks; the package can no longer change";
                self.out.line(&format!("skipped {}: {reason}", file.item));
                self.report
                    .skipped
                    .push(Skipped { item: file.item.clone(), reason: reason.into() });
                continue;
            }
            let published =
                library.sessions.iter().any(|s| s.id == file.invoice.session && s.publish);
            if !published {
                let reason = format!("session {} is not published", file.invoice.session);
                self.out.line(&format!("skipped {}: {reason}", file.item));
                self.report.skipped.push(Skipped { item: file.item.clone(), reason });
                continue;
            }
            if self.dry_run {
                self.report.prepaid += 1;
                self.did(format!("would send {}", file.item));
                continue;
            }
            let path = format!("{}/{}", paths::PREPAID, api::encode(&file.id));
            match self.api.put_ignoring_answer(&path, &file.invoice).await {
                Ok(()) => {
                    self.report.prepaid += 1;
                    self.did(format!("pushed {}", file.item));
                }
                Err(f) => self.fail(&file.item, f),
            }
        }
    }

    /// Sends the session unless the server holds it as it is, then (with `images`) uploads the
    /// images it lacks, and removes those no longer wanted.
    async fn session(&mut self, session: &Session, images: bool) {
        let item = session.item();
        // What the server holds before the PUT, so images the PUT drops count as removed. A new
        // session is not found: it holds nothing.
        let listing_path = api::session_images_path(&session.id);
        let (held, held_manifest, mut originals_missing) =
            match self.api.get::<ImageListing>(&listing_path).await {
                Ok(listing) => (
                    listing.images.iter().map(|i| (i.name.clone(), i.sha256.clone())).collect(),
                    listing.manifest_sha256.clone(),
                    missing_originals(&listing),
                ),
                Err(f) if f.is_not_found() => (BTreeMap::new(), None, BTreeSet::new()),
                Err(f) => return self.fail(&item, f),
            };
        let held: BTreeMap<String, String> = held;
        let manifest = proofroom_wire::manifest_sha256(&session.upsert);
        let current = held_manifest.is_some_and(|h| h.eq_ignore_ascii_case(&manifest));
        if !current {
            if self.dry_run {
                self.did(format!("would send {}", session.manifest_item()));
            } else if let Err(f) = self
                .api
                .put::<_, SessionSummary>(&api::session_path(&session.id), &session.upsert)
                .await
            {
                return self.fail(&item, f);
            } else if !held.is_empty() {
                // The new manifest may start selling or giving away files: then the server
                // wants the originals of images it holds without one.
                match self.api.get::<ImageListing>(&listing_path).await {
                    Ok(listing) => originals_missing = missing_originals(&listing),
                    Err(f) => return self.fail(&item, f),
                }
            }
        }
        self.report.sessions += 1;
        let before = (
            self.report.uploaded,
            self.report.unchanged,
            self.report.removed,
            self.report.errors.len(),
        );

        let wanted_images = &session.upsert.images;
        // Without `images` (`--only videos`) nothing is uploaded; what the session no longer
        // lists still comes off, as the PUT says.
        let to_upload = if images { wanted_images.as_slice() } else { &[] };
        self.out.start(&item, to_upload.len());
        let uploader = self.uploader();
        let out = self.out;
        let mut results = futures_util::stream::iter(to_upload.iter().map(|image| {
            // An image whose original the server lacks goes again, even unchanged.
            let held = held
                .get(&image.name)
                .filter(|_| !originals_missing.contains(&image.name))
                .map(String::as_str);
            let path = api::session_image_path(&session.id, &image.name);
            let file = session.image_path(&image.name);
            let image_item = session.image_item(&image.name);
            let uploader = &uploader;
            async move {
                let result = uploader.upload_if_changed(&path, &image_item, file, held).await;
                (image_item, result)
            }
        }))
        .buffer_unordered(self.jobs);
        while let Some((image_item, result)) = results.next().await {
            match result {
                Ok(ImageOutcome::Uploaded { bytes }) => {
                    self.report.uploaded += 1;
                    self.report.uploaded_bytes += bytes;
                    let verb = if self.dry_run { "would upload" } else { "uploaded" };
                    self.did(format!("{verb} {image_item} ({})", human_bytes(bytes)));
                }
                Ok(ImageOutcome::Unchanged) => self.report.unchanged += 1,
                Err(message) => self.fail(&image_item, message),
            }
            out.inc();
        }
        drop(results);

        // The PUT already dropped these on the server; deleting them explicitly is harmless and
        // covers a server that keeps them. A 404 means it is gone already.
        let wanted: BTreeSet<&str> = wanted_images.iter().map(|i| i.name.as_str()).collect();
        for name in held.keys().filter(|n| !wanted.contains(n.as_str())) {
            let image_item = session.image_item(name);
            if self.dry_run {
                self.report.removed += 1;
                self.did(format!("would remove {image_item}"));
                continue;
            }
            match self.api.delete(&api::session_image_path(&session.id, name)).await {
                Ok(()) => {}
                Err(f) if f.is_not_found() => {}
                Err(f) => {
                    self.fail(&image_item, f);
                    continue;
                }
            }
            self.report.removed += 1;
            self.did(format!("removed {image_item}"));
        }
        self.save_hashes();
        out.message("");
        if !self.dry_run {
            let r = &self.report;
            out.line(&format!(
                "pushed {item}: {} images uploaded, {} unchanged, {} removed, {} errors",
                r.uploaded - before.0,
                r.unchanged - before.1,
                r.removed - before.2,
                r.errors.len() - before.3
            ));
        }
    }
}

/// The images whose original the server wants and lacks (it sells or gives away files).
fn missing_originals(listing: &ImageListing) -> BTreeSet<String> {
    listing.images.iter().filter(|i| i.original_missing).map(|i| i.name.clone()).collect()
}

/// What uploads need, shared by the uploads that run at once.
struct Uploader<'a> {
    api: &'a Api,
    out: &'a Output,
    cache: &'a FileCache,
    dry_run: bool,
}

impl Uploader<'_> {
    /// Uploads the file to `path` unless the server already holds these bytes (`held` is the
    /// SHA-256 it holds under this name). A file whose size and mtime match the hash cache is
    /// not read at all. A failed upload is tried again, from a fresh read of the file, as the
    /// API's retry policy says.
    async fn upload_if_changed(
        &self,
        path: &str,
        item: &str,
        file: PathBuf,
        held: Option<&str>,
    ) -> Result<ImageOutcome, String> {
        let unreadable = |e: std::io::Error| format!("cannot read the file: {e}");
        let relative = item;
        if let Some(held) = held {
            // A plain stat, not tokio's: a few microseconds, where handing 10,000 of them to
            // the blocking pool costs more than the stats themselves.
            let meta = std::fs::metadata(&file).map_err(unreadable)?;
            if self.cache.known(relative, &meta).is_some_and(|k| k.eq_ignore_ascii_case(held)) {
                return Ok(ImageOutcome::Unchanged);
            }
        }
        let policy = self.api.retry_policy();
        let mut retry = 0;
        loop {
            let opened = api::open_and_hash(file.clone()).await.map_err(unreadable)?;
            if let Some(meta) = &opened.meta {
                self.cache.remember(relative, meta, &opened.sha256);
            }
            if held.is_some_and(|h| h.eq_ignore_ascii_case(&opened.sha256)) {
                return Ok(ImageOutcome::Unchanged);
            }
            let sha256 = opened.sha256.clone();
            let bytes = opened.len;
            if self.dry_run {
                return Ok(ImageOutcome::Uploaded { bytes });
            }
            self.out.message(&format!(
                "uploading {}",
                file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
            ));
            let result: UploadResult = match self.api.upload(path, opened).await {
                Ok(result) => result,
                Err(f) => {
                    retry += 1;
                    if retry < policy.attempts && f.retryable() {
                        self.api.count_retry();
                        tokio::time::sleep(policy.delay(retry, f.retry_after())).await;
                        continue;
                    }
                    return Err(f.to_string());
                }
            };
            if !result.sha256.eq_ignore_ascii_case(&sha256) {
                return Err(format!(
                    "the server stored different bytes (SHA-256 {}, sent {sha256})",
                    result.sha256
                ));
            }
            return Ok(match result.outcome {
                UploadOutcome::Stored => ImageOutcome::Uploaded { bytes },
                UploadOutcome::Unchanged => ImageOutcome::Unchanged,
            });
        }
    }
}

/// Whether the server holds this profile. Promotions are a set keyed by code: the server lists
/// them in its database's collation order, which need not be the library's order.
fn same_profile(held: &StudioProfile, wanted: &StudioProfile) -> bool {
    let by_code = |p: &StudioProfile| {
        let mut p = p.clone();
        p.promotions.sort_by(|a, b| a.code.cmp(&b.code));
        p
    };
    by_code(held) == by_code(wanted)
}
