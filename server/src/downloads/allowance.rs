//! What one person may download from one event. Bought files (paid orders only) are the
//! originals; free downloads are whatever the session gives (every photo, or the person's own
//! favorites) at the session's size. A photo both bought and free comes as the original.

use std::collections::HashSet;

use proofroom_wire::downloads::{DownloadSize, FreeDownloads};

use crate::checkout::orders::{self, BoughtFiles};
use crate::db::{self, DbConn};
use crate::events::models::EventRow;
use crate::favorites;
use crate::gallery::files::{PhotoFiles, StoredFile};

/// What a person may download from an event.
#[derive(Debug, Clone)]
pub struct Allowance {
    bought: BoughtFiles,
    free: FreeDownloads,
    free_size: DownloadSize,
    /// The person's favorites, when the session gives those away.
    favorites: HashSet<String>,
}

/// One photo as the person may have it.
#[derive(Debug, Clone, Copy)]
pub enum Offer<'a> {
    /// This file, at this size; `bought` when an order paid for it.
    File { file: &'a StoredFile, size: DownloadSize, bought: bool },
    /// Theirs, but the studio's original is not on the server yet (it comes with the next
    /// sync of a session that started selling files after its photos went up).
    Preparing,
    /// Not theirs to download.
    No,
}

impl Allowance {
    pub fn load(conn: &mut DbConn, event: &EventRow, person_id: &str) -> db::Result<Self> {
        let free = event.free_downloads();
        let favorites = if free == FreeDownloads::Favorites {
            favorites::notes_of(conn, &event.id, person_id)?
                .into_keys()
                .map(|id| id.to_string())
                .collect()
        } else {
            HashSet::new()
        };
        Ok(Self {
            bought: orders::bought_files(conn, &event.id, person_id)?,
            free,
            free_size: event.download_size(),
            favorites,
        })
    }

    fn bought(&self, image_id: &str) -> bool {
        self.bought.all || self.bought.images.contains(image_id)
    }

    fn free(&self, image_id: &str) -> bool {
        match self.free {
            FreeDownloads::None => false,
            FreeDownloads::Favorites => self.favorites.contains(image_id),
            FreeDownloads::All => true,
        }
    }

    /// The photo's file as this person may have it.
    pub fn offer<'a>(&self, photo: &'a PhotoFiles) -> Offer<'a> {
        let (size, bought) = if self.bought(&photo.image_id) {
            (DownloadSize::Original, true)
        } else if self.free(&photo.image_id) {
            (self.free_size, false)
        } else {
            return Offer::No;
        };
        let file = match size {
            DownloadSize::Original => photo.original.as_ref(),
            DownloadSize::Web => photo.master.as_ref(),
        };
        match file {
            Some(file) => Offer::File { file, size, bought },
            None => Offer::Preparing,
        }
    }

    /// Whether the event gives anything away, or the person bought anything.
    pub fn gives_anything(&self) -> bool {
        self.bought.all || !self.bought.images.is_empty() || self.free != FreeDownloads::None
    }

    pub fn free_downloads(&self) -> FreeDownloads {
        self.free
    }

    pub fn bought_all(&self) -> bool {
        self.bought.all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(id: &str, original: bool) -> PhotoFiles {
        let file = |key: &str| StoredFile {
            key: key.into(),
            extension: "jpg".into(),
            bytes: 10,
            width: 6000,
            height: 4000,
        };
        PhotoFiles {
            image_id: id.into(),
            file_name: format!("{id}.jpg"),
            width: 6000,
            height: 4000,
            uploaded_at: chrono::NaiveDateTime::default(),
            original: original.then(|| file("originals/x")),
            master: Some(file("derivatives/m")),
        }
    }

    fn allowance(free: FreeDownloads, size: DownloadSize, bought: &[&str], all: bool) -> Allowance {
        Allowance {
            bought: BoughtFiles { all, images: bought.iter().map(|s| s.to_string()).collect() },
            free,
            free_size: size,
            favorites: ["fav".to_string()].into(),
        }
    }

    fn size(offer: Offer<'_>) -> Option<(DownloadSize, bool)> {
        match offer {
            Offer::File { size, bought, .. } => Some((size, bought)),
            _ => None,
        }
    }

    #[test]
    fn bought_files_are_originals_and_free_ones_the_sessions_size() {
        use DownloadSize::{Original, Web};
        let a = allowance(FreeDownloads::Favorites, Web, &["one"], false);
        assert_eq!(size(a.offer(&photo("one", true))), Some((Original, true)));
        assert_eq!(size(a.offer(&photo("fav", true))), Some((Web, false)));
        assert!(matches!(a.offer(&photo("other", true)), Offer::No));
        // Bought, but the original is not up yet.
        assert!(matches!(a.offer(&photo("one", false)), Offer::Preparing));
        // A 2048 px copy needs no original.
        assert_eq!(size(a.offer(&photo("fav", false))), Some((Web, false)));
        let none = allowance(FreeDownloads::None, Original, &[], false);
        assert!(matches!(none.offer(&photo("fav", true)), Offer::No));
        assert!(!none.gives_anything());
        let everything = allowance(FreeDownloads::None, Original, &[], true);
        assert_eq!(size(everything.offer(&photo("any", true))), Some((Original, true)));
        let all_free = allowance(FreeDownloads::All, Original, &[], false);
        assert_eq!(size(all_free.offer(&photo("any", true))), Some((Original, false)));
    }
}
