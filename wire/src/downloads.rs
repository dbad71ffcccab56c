//! Digital files: what a price-list item sells, what a session gives away, and the download
//! counts the studio reads with `status`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What a price-list item is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    /// Something the studio makes and hands over: a print, a product, a package.
    #[default]
    Print,
    /// One photo's file at full resolution, without a watermark, downloaded once paid.
    Digital,
    /// Every photo of the event as files, downloaded once paid.
    DigitalAll,
}

impl ItemKind {
    pub const ALL: [Self; 3] = [Self::Print, Self::Digital, Self::DigitalAll];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Print => "print",
            Self::Digital => "digital",
            Self::DigitalAll => "digital-all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A file, not a thing: nothing to ship, one is enough.
    pub fn is_digital(self) -> bool {
        self != Self::Print
    }

    /// How many photos the client picks for one of this kind, when the kind decides it.
    pub fn fixed_images(self) -> Option<i32> {
        match self {
            Self::Print => None,
            Self::Digital => Some(1),
            Self::DigitalAll => Some(0),
        }
    }

    pub fn is_print(&self) -> bool {
        *self == Self::Print
    }
}

/// Which photos of a session anyone who may see it downloads free (session.toml `downloads`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FreeDownloads {
    #[default]
    None,
    /// Each person their own favorites.
    Favorites,
    /// Every photo.
    All,
}

impl FreeDownloads {
    pub const ALL: [Self; 3] = [Self::None, Self::Favorites, Self::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Favorites => "favorites",
            Self::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn is_none(&self) -> bool {
        *self == Self::None
    }
}

/// How large a free download is (session.toml `download_size`). Bought files are always the
/// original.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum DownloadSize {
    /// The studio's file as uploaded, its metadata taken out.
    #[default]
    #[serde(rename = "original")]
    Original,
    /// At most 2048 pixels on the long side: enough for a screen or social media.
    #[serde(rename = "2048")]
    Web,
}

impl DownloadSize {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Web => "2048",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Original, Self::Web].into_iter().find(|d| d.as_str() == s)
    }

    pub fn is_original(&self) -> bool {
        *self == Self::Original
    }

    /// The long edge the file is scaled down to, if any.
    pub fn long_edge(self) -> Option<u32> {
        match self {
            Self::Original => None,
            Self::Web => Some(2048),
        }
    }
}

/// How often one photo was downloaded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhotoDownloads {
    pub name: String,
    pub count: i64,
}

/// A session's downloads: every file counted, in all and per photo (most downloaded first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionDownloads {
    pub session: String,
    pub description: String,
    pub files: i64,
    /// Distinct people who downloaded.
    pub people: i64,
    pub photos: Vec<PhotoDownloads>,
}

/// `GET /api/v1/downloads`: sessions with at least one download.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DownloadCounts {
    pub sessions: Vec<SessionDownloads>,
}
