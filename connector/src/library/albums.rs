//! `[[albums]]` of a `session.toml`: the album designs the client marks up. Only an album with
//! `status = "ready-for-upload"` goes; its pages are the images of `albums/<id>/r<revision>/`,
//! in the numeric order of their names (001, 002 … 010, 100).
//!
//! An album whose folder has no pages, or a page whose name the site refuses, is held back
//! alone — the session and its other albums still go.

use std::path::{Path, PathBuf};

use proofroom_wire::albums::{MAX_PAGES, compare_page_names};
use serde::Deserialize;
use toml::Spanned;

use super::check::Problems;
use super::folder::{EntryKind, is_image_name, list_dir};
use crate::ItemError;
use crate::manifest::Revision;

/// The one status that uploads; any other is the studio's own ("in-design", "draft", …).
pub const READY_FOR_UPLOAD: &str = "ready-for-upload";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlbum {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    status: Spanned<String>,
    revision: Revision,
}

/// One page file of an album's revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumPage {
    pub name: String,
    pub path: PathBuf,
    /// As messages name it: `sessions/2026-0412/albums/main/r2/007.jpg`.
    pub item: String,
}

/// An album ready to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAlbum {
    pub id: String,
    /// Its revision's folder, as messages name it: `sessions/2026-0412/albums/main/r2`.
    pub item: String,
    pub description: String,
    pub revision: i32,
    /// In page order.
    pub pages: Vec<AlbumPage>,
}

/// What `[[albums]]` gives: the albums to upload, those the studio is still working on (id and
/// status), and the problems of the held-back ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Albums {
    pub ready: Vec<SessionAlbum>,
    pub not_ready: Vec<(String, String)>,
    pub errors: Vec<ItemError>,
}

pub(super) fn albums(p: &mut Problems<'_>, session: &str, dir: &Path, raw: &[RawAlbum]) -> Albums {
    let mut found = Albums::default();
    let mut seen = std::collections::BTreeSet::new();
    for a in raw {
        let id = p.required_text(&a.id, "albums.id");
        if let Some(problem) = proofroom_wire::studio_id_problem(&id) {
            p.add(a.id.span(), "albums.id", format!("the id {problem}"));
            continue;
        }
        p.once(&mut seen, id.clone(), &id, a.id.span(), "albums.id");
        let status = a.status.get_ref().trim();
        if status != READY_FOR_UPLOAD {
            found.not_ready.push((id, status.to_string()));
            continue;
        }
        let revision = a.revision.0 as i32;
        let item = format!("sessions/{session}/albums/{id}/r{revision}");
        let folder = dir.join("albums").join(&id).join(format!("r{revision}"));
        match pages(&folder, &item) {
            Ok(pages) => found.ready.push(SessionAlbum {
                id,
                item,
                description: a.description.trim().to_string(),
                revision,
                pages,
            }),
            Err(errors) => found.errors.extend(errors),
        }
    }
    found
}

/// The pages of a revision's folder, in page order.
fn pages(folder: &Path, item: &str) -> Result<Vec<AlbumPage>, Vec<ItemError>> {
    let (mut errors, mut entry_errors) = (Vec::new(), Vec::new());
    let files = list_dir(folder, item, &mut errors, &mut entry_errors, EntryKind::File);
    errors.extend(entry_errors);
    let mut pages = Vec::new();
    for (name, path) in files {
        if !is_image_name(&name) {
            continue;
        }
        if let Some(problem) = proofroom_wire::image_name_problem(&name) {
            errors.push(ItemError::new(
                format!("{item}/{}", name.escape_debug()),
                format!("the page name {problem}; rename the file"),
            ));
            continue;
        }
        pages.push(AlbumPage { item: format!("{item}/{name}"), name, path });
    }
    if errors.is_empty() && pages.is_empty() {
        errors.push(ItemError::new(
            item,
            "has no pages: put the revision's page designs in this folder as JPEG, PNG or WebP \
             files named in page order (001.jpg, 002.jpg …); the album is held back until then",
        ));
    }
    if pages.len() > MAX_PAGES {
        errors.push(ItemError::new(
            item,
            format!("has {} pages; an album has at most {MAX_PAGES}", pages.len()),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    pages.sort_by(|a, b| compare_page_names(&a.name, &b.name));
    Ok(pages)
}
