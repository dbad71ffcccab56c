//! Reading the library's folders and files: which entries count, which names can go online, and
//! a manifest's text.

use std::fs;
use std::path::{Path, PathBuf};

use crate::ItemError;

/// File name extensions of images, compared without regard to case.
pub const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

/// A manifest's text; a file that cannot be read, or is not UTF-8, is an error of its own.
pub(super) fn read_text(path: &Path, item: &str) -> Result<String, ItemError> {
    let bytes = fs::read(path).map_err(|e| ItemError::new(item, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let prefix = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
        ItemError::at_line(item, line, "not valid UTF-8 text")
    })
}

#[derive(PartialEq, Eq, Clone, Copy)]
pub(super) enum EntryKind {
    File,
    Dir,
}

/// The entries of the library's folder `item` (e.g. `sessions`) of one kind, as
/// [`list_dir`] finds them; every error goes to `errors`, those about the folder first.
pub(super) fn entries(
    root: &Path,
    item: &str,
    kind: EntryKind,
    errors: &mut Vec<ItemError>,
) -> Vec<(String, PathBuf)> {
    let mut entry_errors = Vec::new();
    let found = list_dir(&root.join(item), item, errors, &mut entry_errors, kind);
    errors.extend(entry_errors);
    found
}

/// The entries of `dir` of one kind (following symbolic links), sorted by name, without hidden
/// ones (a leading dot: `.DS_Store`, macOS `._IMG_0001.jpg`). A missing folder is empty.
/// Errors about the folder go to `errors`; about one entry (a name that is not UTF-8) to
/// `entry_errors`. A file that cannot be examined (no permission, a broken link) is listed when
/// its name is an image's, so that reading it fails loudly later, and left out otherwise.
pub(super) fn list_dir(
    dir: &Path,
    item: &str,
    errors: &mut Vec<ItemError>,
    entry_errors: &mut Vec<ItemError>,
    kind: EntryKind,
) -> Vec<(String, PathBuf)> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            errors.push(ItemError::new(item, format!("cannot read the folder: {e}")));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                errors.push(ItemError::new(item, format!("cannot read the folder: {e}")));
                continue;
            }
        };
        let path = entry.path();
        let wanted = match fs::metadata(&path) {
            Ok(meta) if kind == EntryKind::Dir => meta.is_dir(),
            Ok(meta) => meta.is_file(),
            Err(_) => kind == EntryKind::File && is_image_path(&path),
        };
        if !wanted {
            continue;
        }
        match entry.file_name().into_string() {
            Ok(name) if name.starts_with('.') => {}
            Ok(name) => out.push((name, path)),
            Err(raw) if kind == EntryKind::Dir || is_image_path(&path) => {
                entry_errors.push(ItemError::new(
                    format!("{item}/{}", raw.to_string_lossy()),
                    "the name is not valid UTF-8; rename it",
                ));
            }
            // Sidecar files (.xmp, .txt) of any name are none of the connector's business.
            Err(_) => {}
        }
    }
    out.sort();
    out
}

/// Whether a file name is a manifest's: `<id>.toml`.
pub(super) fn is_toml(name: &str) -> bool {
    name.len() > ".toml".len() && name.ends_with(".toml")
}

/// The id of a manifest file (`portrait-2026.toml`) or of a folder: its name without `.toml`.
pub(super) fn id_of(name: &str) -> String {
    name.strip_suffix(".toml").unwrap_or(name).to_string()
}

/// Whether the folder or file `name` in `dir` (its id: the name without `.toml`) can be a
/// studio id online, by the server's own rule; if not, the error names it and the item is held
/// back while the rest of the library goes.
pub(super) fn usable_id(errors: &mut Vec<ItemError>, dir: &str, name: &str, kind: &str) -> bool {
    let Some(problem) = proofroom_wire::studio_id_problem(&id_of(name)) else { return true };
    errors.push(ItemError::new(
        format!("{dir}/{}", name.escape_debug()),
        format!("the {kind} name {problem}; rename the {kind} to put it online"),
    ));
    false
}

fn is_image_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

pub(super) fn is_image_name(name: &str) -> bool {
    is_image_path(Path::new(name))
}
