//! The studio library: `studio.toml`, `price-lists/*.toml`, `sessions/*/session.toml` with the
//! session folders' images, and `prepaid/*.toml`, read into the wire types the studio API takes.
//!
//! One module per kind of file: `studio`, `price_list`, `session` (with its `videos`) and
//! `prepaid`; `folder` reads folders and files, and `check` is what all manifests share — the
//! problems found in one file, each an [`ItemError`] that says `file:line: field: problem`.
//!
//! Reading never stops at the first bad file: each file that cannot be read becomes an
//! [`ItemError`] in [`Library::errors`] and is left out, so one typo in one session does not keep
//! the other sessions off the site. Nothing of a session whose manifest is bad is kept.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::ItemError;

mod albums;
mod appointments;
mod check;
mod clients;
mod contracts;
mod folder;
mod prepaid;
mod price_list;
mod schedule;
mod session;
mod studio;
mod videos;

pub use albums::{AlbumPage, Albums, READY_FOR_UPLOAD, SessionAlbum};
pub use appointments::{Appointment, parse_appointment, recurrence_rule};
pub use clients::{ClientCard, parse_client};
pub use contracts::{Contracts, SessionContract};
pub use folder::IMAGE_EXTENSIONS;
use folder::{EntryKind, entries, id_of, is_toml, read_text, usable_id};
pub use prepaid::{PrepaidFile, parse_prepaid};
pub use price_list::{PriceListFile, parse_price_list};
pub use schedule::When;
pub use session::{Schedule, Session, parse_session};
pub use studio::{BrandingImage, DEFAULT_WATERMARK_OPACITY, Studio, parse_studio};

/// Today in the studio's time zone as the server has it (UTC when it is unknown): expiry dates
/// are days of the studio's calendar.
pub(crate) fn studio_today(studio: &proofroom_wire::StudioState) -> chrono::NaiveDate {
    let now = chrono::Utc::now();
    studio
        .profile
        .as_ref()
        .and_then(|p| p.time_zone.parse::<chrono_tz::Tz>().ok())
        .map_or_else(|| now.date_naive(), |tz| now.with_timezone(&tz).date_naive())
}

/// Everything read from a library.
#[derive(Debug, Clone)]
pub struct Library {
    pub root: PathBuf,
    /// `None` when `studio.toml` is missing or bad (then there is an error for it).
    pub studio: Option<Studio>,
    pub price_lists: Vec<PriceListFile>,
    /// Every session whose manifest is good, published or not, sorted by id.
    pub sessions: Vec<Session>,
    /// `prepaid/<invoice-id>.toml` whose session and items are good, sorted by id.
    pub prepaid: Vec<PrepaidFile>,
    /// `calendar/<id>.toml`: appointments that are not sessions, sorted by id.
    pub appointments: Vec<Appointment>,
    /// `clients/<id>.toml`: the client list, sorted by id.
    pub clients: Vec<ClientCard>,
    /// Things deliberately left out, with the reason (e.g. a session folder without a manifest).
    pub skipped: Vec<Skipped>,
    /// Files that could not be read; what they describe is not in this `Library`.
    pub errors: Vec<ItemError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub item: String,
    pub reason: String,
}

/// The library itself cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("the studio library {path} does not exist or is not a folder")]
    NotAFolder { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Reads the library at `root`. Fails only when the folder itself cannot be read; bad files are
/// in [`Library::errors`].
pub fn load_library(root: impl AsRef<Path>) -> Result<Library, LibraryError> {
    let root = root.as_ref().to_path_buf();
    if !root.is_dir() {
        return Err(LibraryError::NotAFolder { path: root });
    }
    let mut lib = Library {
        root: root.clone(),
        studio: None,
        price_lists: Vec::new(),
        sessions: Vec::new(),
        prepaid: Vec::new(),
        appointments: Vec::new(),
        clients: Vec::new(),
        skipped: Vec::new(),
        errors: Vec::new(),
    };
    lib.studio = load_studio(&root, &mut lib.errors);
    let price_list_ids = load_price_lists(&mut lib);
    load_sessions(&mut lib, &price_list_ids);
    load_prepaid(&mut lib);
    load_appointments(&mut lib);
    load_clients(&mut lib);
    Ok(lib)
}

/// Reads the manifest at `path` (`item` in messages) and parses its text: what it describes, or
/// nothing with its errors added to `errors`.
fn read<T>(
    path: &Path,
    item: &str,
    errors: &mut Vec<ItemError>,
    parse: impl FnOnce(&str) -> Result<T, Vec<ItemError>>,
) -> Option<T> {
    let result = read_text(path, item).map_err(|e| vec![e]).and_then(|text| parse(&text));
    result.map_err(|found| errors.extend(found)).ok()
}

/// `studio.toml`, which must be there.
fn load_studio(root: &Path, errors: &mut Vec<ItemError>) -> Option<Studio> {
    let path = root.join("studio.toml");
    if !path.is_file() {
        errors.push(ItemError::new(
            "studio.toml",
            "missing; the studio profile (name, time zone, currency) is required",
        ));
        return None;
    }
    read(&path, "studio.toml", errors, |text| parse_studio(root, text))
}

/// `price-lists/*.toml`; answers the ids of every price list file, read or not, so that a
/// session naming a bad one is not told it does not exist.
fn load_price_lists(lib: &mut Library) -> BTreeSet<String> {
    let files: Vec<(String, PathBuf)> =
        entries(&lib.root, "price-lists", EntryKind::File, &mut lib.errors)
            .into_iter()
            .filter(|(name, _)| is_toml(name))
            .filter(|(name, _)| usable_id(&mut lib.errors, "price-lists", name, "file"))
            .collect();
    let ids = files.iter().map(|(name, _)| id_of(name)).collect();
    for (name, path) in files {
        let item = format!("price-lists/{name}");
        if let Some(list) =
            read(&path, &item, &mut lib.errors, |text| parse_price_list(&item, text))
        {
            lib.price_lists.push(PriceListFile { id: id_of(&name), item, list });
        }
    }
    ids
}

/// `sessions/*/session.toml`; a folder without one is skipped, not an error.
fn load_sessions(lib: &mut Library, price_list_ids: &BTreeSet<String>) {
    let zone = lib.studio.as_ref().and_then(Studio::zone);
    for (id, dir) in entries(&lib.root, "sessions", EntryKind::Dir, &mut lib.errors) {
        if !usable_id(&mut lib.errors, "sessions", &id, "folder") {
            continue;
        }
        let manifest_path = dir.join("session.toml");
        let item = format!("sessions/{id}/session.toml");
        if !manifest_path.is_file() {
            lib.skipped
                .push(Skipped { item: format!("sessions/{id}"), reason: "no session.toml".into() });
            continue;
        }
        let parse = |text: &str| parse_session(&id, &dir, text, price_list_ids, zone);
        if let Some(session) = read(&manifest_path, &item, &mut lib.errors, parse) {
            lib.errors.extend(session.image_errors.iter().cloned());
            lib.errors.extend(session.contracts.errors.iter().cloned());
            lib.errors.extend(session.albums.errors.iter().cloned());
            lib.sessions.push(session);
        }
    }
}

/// `prepaid/*.toml`, checked against the sessions and their price lists.
fn load_prepaid(lib: &mut Library) {
    for (name, path) in entries(&lib.root, "prepaid", EntryKind::File, &mut lib.errors) {
        if !is_toml(&name) || !usable_id(&mut lib.errors, "prepaid", &name, "file") {
            continue;
        }
        let item = format!("prepaid/{name}");
        let parse = |text: &str| parse_prepaid(&item, text, &lib.sessions, &lib.price_lists);
        if let Some(invoice) = read(&path, &item, &mut lib.errors, parse) {
            lib.prepaid.push(PrepaidFile { id: id_of(&name), item, invoice });
        }
    }
}

/// `calendar/*.toml`.
fn load_appointments(lib: &mut Library) {
    let zone = lib.studio.as_ref().and_then(Studio::zone);
    for (name, path) in entries(&lib.root, "calendar", EntryKind::File, &mut lib.errors) {
        if !is_toml(&name) || !usable_id(&mut lib.errors, "calendar", &name, "file") {
            continue;
        }
        let item = format!("calendar/{name}");
        let parse = |text: &str| parse_appointment(&id_of(&name), text, zone);
        if let Some(appointment) = read(&path, &item, &mut lib.errors, parse) {
            lib.appointments.push(appointment);
        }
    }
}

/// `clients/*.toml`.
fn load_clients(lib: &mut Library) {
    for (name, path) in entries(&lib.root, "clients", EntryKind::File, &mut lib.errors) {
        if !is_toml(&name) || !usable_id(&mut lib.errors, "clients", &name, "file") {
            continue;
        }
        let item = format!("clients/{name}");
        let parse = |text: &str| parse_client(&id_of(&name), text);
        if let Some(client) = read(&path, &item, &mut lib.errors, parse) {
            lib.clients.push(client);
        }
    }
}

#[cfg(test)]
mod tests;
