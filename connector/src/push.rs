//! `push`: send what changed in the library to the server.
//!
//! Order: the studio profile and its branding images, the price lists, then each published
//! session — `GET` what the server holds of it, `PUT` the session (whose image list is the whole
//! set that should be online), upload the images that are missing or whose SHA-256 differs
//! (several at once), and `DELETE` the held images no longer wanted. An unchanged library
//! uploads nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use futures_util::StreamExt;
use proofroom_wire::{
    BrandingFile, ImageListing, SessionList, SessionSummary, StudioProfile, StudioState,
    UploadOutcome, UploadResult, paths,
};

use crate::api::{self, Api, Failure};
use crate::config::{Config, TOKEN_ENV, load_config};
use crate::library::{Library, Session, Skipped, load_library};
use crate::output::{Output, human_bytes};
use crate::{ItemError, PushError, PushOptions, PushReport};

/// Reads the configuration and the library under `options.library` and pushes it.
pub async fn push(options: PushOptions) -> Result<PushReport, PushError> {
    let out = Output::new(options.progress);
    let library = load_library(&options.library)?;
    for e in &library.errors {
        out.error(e);
    }
    let config = options_config(&options)?;
    run(&config, &library, options.jobs, &out).await
}

/// The configuration for these options: `--server`/`--token`, then `PROOFROOM_TOKEN`, then the
/// library's `connector.toml`.
pub(crate) fn options_config(options: &PushOptions) -> Result<Config, crate::ConfigError> {
    let env_token = std::env::var(TOKEN_ENV).ok();
    load_config(
        &options.library,
        options.server.as_deref(),
        options.token.as_deref(),
        env_token.as_deref(),
    )
}

/// Pushes an already loaded library with a resolved configuration. The library's own errors are
/// copied into the report (not printed again).
pub async fn push_library(
    config: &Config,
    library: &Library,
    jobs: usize,
    progress: crate::Progress,
) -> Result<PushReport, PushError> {
    let out = Output::new(progress);
    for e in &library.errors {
        out.error(e);
    }
    run(config, library, jobs, &out).await
}

async fn run(
    config: &Config,
    library: &Library,
    jobs: usize,
    out: &Output,
) -> Result<PushReport, PushError> {
    let jobs = jobs.max(1);
    let mut report = PushReport {
        errors: library.errors.clone(),
        skipped: library.skipped.clone(),
        ..Default::default()
    };
    for s in &library.skipped {
        out.line(&format!("skipped {}: {}", s.item, s.reason));
    }
    let api = Api::new(config).map_err(|e| PushError::Client(e.to_string()))?;

    // The first request tells whether the server is there and takes the token.
    let state: StudioState = api.get(paths::STUDIO).await.map_err(|f| fatal(&api, f))?;

    let mut p = Pusher { api: &api, out, report: &mut report, jobs };
    if let Some(studio) = &library.studio {
        p.studio(studio, &state).await;
    }
    for list in &library.price_lists {
        match api.put_ignoring_answer(&api::price_list_path(&list.id), &list.list).await {
            Ok(()) => {
                p.report.price_lists += 1;
                p.out.line(&format!("pushed {}", list.item));
            }
            Err(f) => p.fail(&list.item, f),
        }
    }

    // Sessions left unpublished are not sent; the server's list of sessions only tells whether
    // one of them is still online from an earlier push (a note, so a failure here is no error).
    let online: BTreeSet<String> = if library.sessions.iter().any(|s| !s.publish) {
        match api.get::<SessionList>(paths::SESSIONS).await {
            Ok(list) => list.sessions.into_iter().map(|s| s.id).collect(),
            Err(_) => BTreeSet::new(),
        }
    } else {
        BTreeSet::new()
    };
    for session in &library.sessions {
        if session.publish {
            p.session(session).await;
        } else {
            let reason = if online.contains(&session.id) {
                "publish = false, but it is online from an earlier push; push does not take sessions down"
            } else {
                "publish = false"
            };
            p.out.line(&format!("skipped {}: {reason}", session.item()));
            p.report.skipped.push(Skipped { item: session.item(), reason: reason.to_string() });
        }
    }
    out.finish(&report.summary());
    Ok(report)
}

/// A failure of the first request ends the push.
pub(crate) fn fatal(api: &Api, f: Failure) -> PushError {
    let server = api.base().to_string();
    match f {
        Failure::Transport { detail, .. } => PushError::Unreachable { server, detail },
        Failure::Status { status, message, .. }
            if status.as_u16() == 401 || status.as_u16() == 403 =>
        {
            PushError::Unauthorized { server, message }
        }
        other => PushError::Server { server, detail: other.to_string() },
    }
}

enum ImageOutcome {
    Uploaded { bytes: u64 },
    Unchanged,
}

struct Pusher<'a> {
    api: &'a Api,
    out: &'a Output,
    report: &'a mut PushReport,
    jobs: usize,
}

impl Pusher<'_> {
    fn fail(&mut self, item: &str, failure: impl std::fmt::Display) {
        let e = ItemError::new(item, failure.to_string());
        self.out.error(&e);
        self.report.errors.push(e);
    }

    async fn studio(&mut self, studio: &crate::library::Studio, state: &StudioState) {
        if state.profile.as_ref().is_some_and(|held| same_profile(held, &studio.profile)) {
            self.report.studio_synced = true;
        } else {
            match self.api.put::<_, StudioState>(paths::STUDIO, &studio.profile).await {
                Ok(_) => {
                    self.report.studio_synced = true;
                    self.report.studio_sent = true;
                    self.out.line("pushed studio.toml");
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
            match upload_if_changed(self.api, self.out, &path, image.path.clone(), held).await {
                Ok(ImageOutcome::Uploaded { bytes }) => {
                    self.report.branding_uploaded += 1;
                    self.out.line(&format!("uploaded {} ({})", image.item, human_bytes(bytes)));
                }
                Ok(ImageOutcome::Unchanged) => {}
                Err(message) => self.fail(&image.item, message),
            }
            self.out.inc();
        }
    }

    async fn session(&mut self, session: &Session) {
        let item = session.item();
        // What the server holds before the PUT, so images the PUT drops count as removed. A new
        // session is not found: it holds nothing.
        let held: BTreeMap<String, String> =
            match self.api.get::<ImageListing>(&api::session_images_path(&session.id)).await {
                Ok(listing) => listing.images.into_iter().map(|i| (i.name, i.sha256)).collect(),
                Err(f) if f.status().is_some_and(|s| s.as_u16() == 404) => BTreeMap::new(),
                Err(f) => return self.fail(&item, f),
            };
        if let Err(f) = self
            .api
            .put::<_, SessionSummary>(&api::session_path(&session.id), &session.upsert)
            .await
        {
            return self.fail(&item, f);
        }
        self.report.sessions += 1;
        let before = (
            self.report.uploaded,
            self.report.unchanged,
            self.report.removed,
            self.report.errors.len(),
        );

        let images = &session.upsert.images;
        self.out.start(&item, images.len());
        let api = self.api;
        let out = self.out;
        let mut results = futures_util::stream::iter(images.iter().map(|image| {
            let held = held.get(&image.name).map(String::as_str);
            let path = api::session_image_path(&session.id, &image.name);
            let file = session.image_path(&image.name);
            async move {
                let result = upload_if_changed(api, out, &path, file, held).await;
                (image, result)
            }
        }))
        .buffer_unordered(self.jobs);
        while let Some((image, result)) = results.next().await {
            let image_item = session.image_item(&image.name);
            match result {
                Ok(ImageOutcome::Uploaded { bytes }) => {
                    self.report.uploaded += 1;
                    self.report.uploaded_bytes += bytes;
                    out.line(&format!("uploaded {image_item} ({})", human_bytes(bytes)));
                }
                Ok(ImageOutcome::Unchanged) => self.report.unchanged += 1,
                Err(message) => self.fail(&image_item, message),
            }
            out.inc();
        }
        drop(results);

        // The PUT already dropped these on the server; deleting them explicitly is harmless and
        // covers a server that keeps them. A 404 means it is gone already.
        let wanted: BTreeSet<&str> = images.iter().map(|i| i.name.as_str()).collect();
        for name in held.keys().filter(|n| !wanted.contains(n.as_str())) {
            let image_item = session.image_item(name);
            match self.api.delete(&api::session_image_path(&session.id, name)).await {
                Ok(()) => {}
                Err(f) if f.status().is_some_and(|s| s.as_u16() == 404) => {}
                Err(f) => {
                    self.fail(&image_item, f);
                    continue;
                }
            }
            self.report.removed += 1;
            out.line(&format!("removed {image_item}"));
        }
        out.message("");
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

/// Hashes the file and uploads it to `path` unless the server already holds these bytes
/// (`held` is the SHA-256 it holds under this name).
async fn upload_if_changed(
    api: &Api,
    out: &Output,
    path: &str,
    file: PathBuf,
    held: Option<&str>,
) -> Result<ImageOutcome, String> {
    let opened =
        api::open_and_hash(file.clone()).await.map_err(|e| format!("cannot read the file: {e}"))?;
    if held.is_some_and(|h| h.eq_ignore_ascii_case(&opened.sha256)) {
        return Ok(ImageOutcome::Unchanged);
    }
    let sha256 = opened.sha256.clone();
    let bytes = opened.len;
    out.message(&format!(
        "uploading {}",
        file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
    ));
    let result: UploadResult = api.upload(path, opened).await.map_err(|f| f.to_string())?;
    if !result.sha256.eq_ignore_ascii_case(&sha256) {
        return Err(format!(
            "the server stored different bytes (SHA-256 {}, sent {sha256})",
            result.sha256
        ));
    }
    Ok(match result.outcome {
        UploadOutcome::Stored => ImageOutcome::Uploaded { bytes },
        UploadOutcome::Unchanged => ImageOutcome::Unchanged,
    })
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
