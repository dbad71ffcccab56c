//! `status`: the services panel — the last sync, what waits on the server, what is online and
//! what expires soon.

use std::fmt::Write;

use chrono::NaiveDateTime;
use proofroom_wire::albums::AlbumList;
use proofroom_wire::contracts::{ContractList, ContractState};
use proofroom_wire::downloads::DownloadCounts;
use proofroom_wire::feed::FeedWaiting;
use proofroom_wire::prepaid::{PrepaidList, PrepaidState};
use proofroom_wire::{SessionList, StudioState, paths};

use crate::api::Api;
use crate::library::load_library;
use crate::library::studio_today;
use crate::state::State;
use crate::{PushError, PushOptions, SyncError};

/// Sessions expiring within this many days are listed.
const EXPIRING_DAYS: i64 = 7;

/// The panel as text, and whether the server answered.
pub async fn status(options: PushOptions) -> Result<(String, bool), SyncError> {
    if !options.library.is_dir() {
        return Err(PushError::Library(crate::library::LibraryError::NotAFolder {
            path: options.library,
        })
        .into());
    }
    let config = crate::config::for_options(&options).map_err(PushError::from)?;
    let mut state = State::open(&options.library)?;
    let mut text = String::new();
    let _ = writeln!(text, "server: {}", config.server);
    let last_runs = state.last_runs(1)?;
    let last_sync = last_runs.first().map(|run| run.started_at);
    match last_runs.first() {
        None => text.push_str("last sync: never\n"),
        Some(run) => {
            let result = run.result.as_deref().unwrap_or("did not finish (stopped or killed)");
            let _ = writeln!(
                text,
                "last sync: {} UTC, {result}",
                run.started_at.format("%Y-%m-%d %H:%M:%S")
            );
            for line in run.summary.lines() {
                let _ = writeln!(text, "  {line}");
            }
            let errors = run.errors.lines().count();
            if errors > 0 {
                let _ = writeln!(text, "  {errors} errors (see `logs`)");
            }
        }
    }
    calendar_lines(&options.library, &mut text);
    let api = Api::new(&config).map_err(|e| PushError::Client(e.to_string()))?;
    let online = async {
        let studio: StudioState = api.get(paths::STUDIO).await?;
        let feed: FeedWaiting = api.get(paths::FEED_WAITING).await?;
        let sessions: SessionList = api.get(paths::SESSIONS).await?;
        Ok::<_, crate::api::Failure>((studio, feed, sessions))
    };
    let (studio, feed, sessions) = match online.await {
        Ok(answers) => answers,
        Err(failure) => {
            let _ = writeln!(text, "the server did not answer: {failure}");
            return Ok((text, false));
        }
    };
    let n = |kind: &str| feed.kinds.get(kind).copied().unwrap_or(0);
    let _ = writeln!(
        text,
        "waiting on the server: {} client actions to pull ({} orders, {} prepaid selections, {} signed contracts, {} album answers, {} guests, {} favorites, {} yearbook picks)",
        feed.total(),
        n("order"),
        n("prepaid"),
        n("contract"),
        n("album"),
        n("guest"),
        n("favorites"),
        n("yearbook")
    );
    let images: i64 = sessions.sessions.iter().map(|s| s.image_count).sum();
    let _ = writeln!(text, "online: {} sessions, {images} images hosted", sessions.sessions.len());
    let today = studio_today(&studio);
    let mut expiring: Vec<_> = sessions
        .sessions
        .iter()
        .filter(|s| (s.expires_on - today).num_days() <= EXPIRING_DAYS)
        .collect();
    expiring.sort_by_key(|s| s.expires_on);
    if expiring.is_empty() {
        let _ = writeln!(text, "expiring within {EXPIRING_DAYS} days: none");
    } else {
        let _ = writeln!(text, "expiring within {EXPIRING_DAYS} days:");
        for s in expiring {
            let when = if s.expires_on < today { "expired" } else { "expires" };
            let _ = writeln!(text, "  {} ({}): {when} {}", s.id, s.description, s.expires_on);
        }
    }
    for line in not_in_library(&options.library, &sessions) {
        let _ = writeln!(text, "{line}");
    }
    // Prepaid invoices: an answer missing (an older server) shows them all as pending.
    let held: PrepaidList = api.get(paths::PREPAID).await.unwrap_or_default();
    for line in prepaid_states(&options.library, &held) {
        let _ = writeln!(text, "{line}");
    }
    // Downloads: an older server without the count says nothing about them.
    if let Ok(counts) = api.get::<DownloadCounts>(paths::DOWNLOADS).await {
        for line in download_lines(&counts) {
            let _ = writeln!(text, "{line}");
        }
    }
    // Contracts: an older server without them says nothing.
    if let Ok(contracts) = api.get::<ContractList>(paths::CONTRACTS).await {
        for line in contract_lines(&contracts, last_sync) {
            let _ = writeln!(text, "{line}");
        }
    }
    // Albums: each with its revision and where it stands.
    if let Ok(albums) = api.get::<AlbumList>(paths::ALBUMS).await {
        for line in album_lines(&albums) {
            let _ = writeln!(text, "{line}");
        }
    }
    if studio.proofs_pending > 0 {
        let _ = writeln!(
            text,
            "proofs waiting to be re-rendered with the new watermark: {}",
            studio.proofs_pending
        );
    }
    Ok((text, true))
}

/// Each album online: `album main of 2026-0412 (Wedding album): revision 2, comments received`.
fn album_lines(list: &AlbumList) -> Vec<String> {
    if list.albums.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!("albums: {}", list.albums.len())];
    for a in &list.albums {
        let description =
            if a.description.is_empty() { String::new() } else { format!(" ({})", a.description) };
        lines.push(format!(
            "  album {} of {}{description}: revision {}, {}",
            a.album_id,
            a.session_id,
            a.revision,
            a.state.label()
        ));
    }
    lines
}

/// How many contracts wait for their client's signature and how many were signed since the
/// last sync began, then each one that waits or was signed since.
fn contract_lines(list: &ContractList, last_sync: Option<NaiveDateTime>) -> Vec<String> {
    let waiting: Vec<_> =
        list.contracts.iter().filter(|c| c.state == ContractState::Waiting).collect();
    let new: Vec<_> = list
        .contracts
        .iter()
        .filter(|c| c.signed_at.is_some_and(|at| last_sync.is_none_or(|last| at >= last)))
        .collect();
    if list.contracts.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!(
        "contracts: {} waiting to be signed, {} signed since the last sync",
        waiting.len(),
        new.len()
    )];
    for c in waiting {
        let due = c.due.map(|d| format!(", sign by {d}")).unwrap_or_default();
        lines.push(format!("  {} {} (\"{}\"): waiting{due}", c.session_id, c.contract_id, c.title));
    }
    for c in new {
        let at =
            c.signed_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
        lines.push(format!("  {} {} (\"{}\"): signed {at}", c.session_id, c.contract_id, c.title));
    }
    lines
}

/// Photos shown per session in the downloads list; the rest are summed up.
const DOWNLOADED_PHOTOS_SHOWN: usize = 5;

/// Each session's downloads: files, people, and the most downloaded photos with their counts.
fn download_lines(counts: &DownloadCounts) -> Vec<String> {
    if counts.sessions.is_empty() {
        return vec!["downloads: none yet".to_string()];
    }
    let mut lines = vec!["downloads (files, by photo):".to_string()];
    for s in &counts.sessions {
        let people =
            if s.people == 1 { "1 person".to_string() } else { format!("{} people", s.people) };
        lines.push(format!("  {} ({}): {} files by {people}", s.session, s.description, s.files));
        for p in s.photos.iter().take(DOWNLOADED_PHOTOS_SHOWN) {
            lines.push(format!("    {} ×{}", p.name, p.count));
        }
        let more = s.photos.len().saturating_sub(DOWNLOADED_PHOTOS_SHOWN);
        if more > 0 {
            let files: i64 = s.photos.iter().skip(DOWNLOADED_PHOTOS_SHOWN).map(|p| p.count).sum();
            lines.push(format!("    and {more} more photos ({files} files)"));
        }
    }
    lines
}

/// Sessions online that the library no longer publishes: push never takes a session down by
/// itself, so these stay online until the studio does (`take-down SESSION`).
fn not_in_library(library: &std::path::Path, online: &SessionList) -> Vec<String> {
    let Ok(lib) = load_library(library) else { return Vec::new() };
    let mut lines = Vec::new();
    for s in &online.sessions {
        let reason = match lib.sessions.iter().find(|l| l.id == s.id) {
            Some(l) if l.publish => continue,
            Some(_) => "publish = false in its session.toml",
            None if library.join("sessions").join(&s.id).is_dir() => {
                // A folder whose manifest has an error: the error says what to mend.
                continue;
            }
            None => "its folder is gone from the library",
        };
        lines.push(format!(
            "  {} ({}): still online, but {reason}; `take-down {}` removes it",
            s.id, s.description, s.id
        ));
    }
    if !lines.is_empty() {
        lines.insert(0, "online but no longer published by the library:".to_string());
    }
    lines
}

/// Each prepaid invoice of the library, and each one online: pending (in the library, not yet
/// on the server as it is), uploaded (waiting for the client's picks) or selected.
fn prepaid_states(library: &std::path::Path, held: &PrepaidList) -> Vec<String> {
    let files = load_library(library).map(|l| l.prepaid).unwrap_or_default();
    let mut ids: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
    ids.extend(held.invoices.iter().map(|h| h.id.as_str()));
    ids.sort_unstable();
    ids.dedup();
    let mut lines = Vec::new();
    for id in ids {
        let file = files.iter().find(|f| f.id == id);
        let server = held.invoices.iter().find(|h| h.id == id);
        let (session, state) = match (file, server) {
            (_, Some(h)) if h.state == PrepaidState::Selected => (&h.invoice.session, "selected"),
            (Some(f), Some(h)) if h.invoice == f.invoice => (&f.invoice.session, "uploaded"),
            (Some(f), _) => (&f.invoice.session, "pending"),
            (None, Some(h)) => (&h.invoice.session, "uploaded"),
            (None, None) => continue,
        };
        lines.push(format!("  {id} (session {session}): {state}"));
    }
    if !lines.is_empty() {
        lines.insert(0, "prepaid packages:".to_string());
    }
    lines
}

/// The calendar sync's users and the clashes its last run listed (`inbox/conflicts.csv`).
fn calendar_lines(library: &std::path::Path, text: &mut String) {
    let Ok(users) = crate::accounts::load_users(library) else {
        text.push_str(
            "calendar: connector.toml's [[users]] cannot be read (see `calendar sync`)\n",
        );
        return;
    };
    if users.is_empty() {
        return;
    }
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let _ = writeln!(text, "calendar: {} users ({})", users.len(), ids.join(", "));
    let conflicts =
        std::fs::read_to_string(library.join("inbox/conflicts.csv")).unwrap_or_default();
    let rows: Vec<&str> = conflicts.lines().skip(1).collect();
    if rows.is_empty() {
        text.push_str("  clashes with sessions: none\n");
        return;
    }
    let _ = writeln!(text, "  clashes with sessions: {} (inbox/conflicts.csv)", rows.len());
    for row in rows.iter().take(5) {
        let f: Vec<&str> = row.split(',').collect();
        if let [user, appointment, _, starts, _, session, ..] = f.as_slice() {
            let _ =
                writeln!(text, "    {user}: {appointment} at {starts} overlaps session {session}");
        }
    }
}
