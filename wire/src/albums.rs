//! Album proofing: what the studio pushes (`[[albums]]` of session.toml and the page files of
//! `albums/<id>/r<N>/`), what the server holds of each album, and the client's answer to a
//! revision that comes back through the feed.

use std::cmp::Ordering;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// The most pages one revision may have.
pub const MAX_PAGES: usize = 400;

/// The longest note, page comment or general comment, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Orders page file names as people number them: digit runs by their value, so `2.jpg` comes
/// before `10.jpg` and `010` before `100`; the rest by its characters. Ties (`01` and `1`)
/// fall back to the plain byte order, so the order is total.
pub fn compare_page_names(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (dx, rest_x) = split_digits(x);
                let (dy, rest_y) = split_digits(y);
                let (tx, ty) = (trim_zeros(dx), trim_zeros(dy));
                let by_value = tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (x, y) = (rest_x, rest_y);
            }
            (Some(c), Some(d)) => {
                let by_char = c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase());
                if by_char != Ordering::Equal {
                    return by_char;
                }
                (x, y) = (&x[1..], &y[1..]);
            }
        }
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|c| **c == b'0').count();
    &s[n..]
}

/// One page file of a revision, as the studio holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumPageFile {
    /// The file name in `albums/<id>/r<N>/`.
    pub name: String,
    pub sha256: String,
}

/// `PUT /api/v1/sessions/{session}/albums/{album}`: an album's current revision and its pages,
/// in page order. The server answers which page files it still needs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumUpsert {
    #[serde(default)]
    pub description: String,
    /// 1, 2, 3 …: a higher one starts a new revision; earlier ones stay as history.
    pub revision: i32,
    pub pages: Vec<AlbumPageFile>,
}

/// Where an album's latest revision stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlbumState {
    /// Page files are still missing; the client does not see the revision yet.
    Uploading,
    /// Online, waiting for the client's comments or approval.
    WaitingForClient,
    /// The client sent comments on it.
    CommentsReceived,
    /// The client approved it: final.
    Approved,
}

impl AlbumState {
    /// How the studio reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Uploading => "uploading pages",
            Self::WaitingForClient => "waiting for the client",
            Self::CommentsReceived => "comments received",
            Self::Approved => "approved",
        }
    }
}

/// The server's answer to an album push.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumPushResult {
    pub state: AlbumState,
    /// The page files to upload (`PUT …/albums/{album}/pages?revision=N&name=…`).
    pub missing: Vec<String>,
}

/// `?revision=2&name=007.jpg` of a page upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
pub struct AlbumPageQuery {
    pub revision: i32,
    pub name: String,
}

/// One album the server holds, for the connector's diff and `status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumSummary {
    pub session_id: String,
    pub album_id: String,
    pub description: String,
    /// The latest revision.
    pub revision: i32,
    pub state: AlbumState,
    /// The latest revision's pages as held (a missing one has no SHA-256 yet).
    pub pages: Vec<AlbumPageFile>,
    /// When the client answered the latest revision (UTC).
    pub answered_at: Option<NaiveDateTime>,
}

/// `GET /api/v1/albums`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumList {
    pub albums: Vec<AlbumSummary>,
}

/// How the client answered a revision.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlbumDecision {
    /// "Send comments": the designer makes another revision.
    Comments,
    /// Approved as it is.
    Approved,
}

/// A sticky note on a page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumNote {
    /// 1, 2, 3 … on its page: the pin's number on the pinned image.
    pub number: u32,
    /// Fractions of the page's width and height, from its top left corner.
    pub x: f64,
    pub y: f64,
    pub text: String,
    /// The author's name.
    pub author: String,
    /// When it was last written (UTC).
    pub at: NaiveDateTime,
    /// The session photo (its file name) the client wants here instead.
    pub swap: Option<String>,
}

/// A page's mark-up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumPageFeedback {
    /// 1-based, in page order.
    pub page: u32,
    pub file_name: String,
    pub comment: Option<String>,
    pub notes: Vec<AlbumNote>,
}

/// A client's answer to a revision: everything they marked, and what they decided. Pages with
/// notes come drawn with numbered pins from
/// `GET /api/v1/albums/{session}/{album}/revisions/{n}/pinned/{file name}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumFeedback {
    pub session_id: String,
    pub album_id: String,
    pub description: String,
    pub revision: i32,
    pub decision: AlbumDecision,
    /// UTC.
    pub answered_at: NaiveDateTime,
    /// The studio's client id of who answered.
    pub client_id: String,
    pub client_name: String,
    pub client_email: String,
    /// The name typed to approve.
    pub approved_name: Option<String>,
    pub general_comment: Option<String>,
    /// Pages with a comment or notes, in page order.
    pub pages: Vec<AlbumPageFeedback>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_sort_by_their_numbers() {
        let mut names = vec![
            "100.jpg",
            "010.jpg",
            "2.jpg",
            "001.jpg",
            "10.jpg",
            "009.jpg",
            "1.jpg",
            "cover.jpg",
        ];
        names.sort_by(|a, b| compare_page_names(a, b));
        assert_eq!(
            names,
            ["001.jpg", "1.jpg", "2.jpg", "009.jpg", "010.jpg", "10.jpg", "100.jpg", "cover.jpg"]
        );
        let mut spreads = vec!["spread 10.jpg", "Spread 9.jpg", "spread 1b.jpg", "spread 1a.jpg"];
        spreads.sort_by(|a, b| compare_page_names(a, b));
        assert_eq!(spreads, ["spread 1a.jpg", "spread 1b.jpg", "Spread 9.jpg", "spread 10.jpg"]);
    }
}
