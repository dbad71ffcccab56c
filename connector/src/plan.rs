//! The sync plan: what one run of `sync` moves — the items `sync --only` names — and whether
//! it is a dry run. `push` and `sync` both read it; it knows neither.

use std::collections::BTreeSet;

/// What `sync --only` can name. Pushed: settings (studio.toml and branding), price lists,
/// sessions (with their images and videos), videos (the sessions' details and videos; images
/// they dropped come off, new ones are not uploaded).
/// Pulled: orders, guests, favorites, yearbook picks, signatures, album feedback. Both ways:
/// prepaid packages, contracts and albums (pushed, and pulled once filled, signed or answered).
/// Told: expired sessions still online. Synced: each user's calendar and address book
/// (`calendar`, when connector.toml has `[[users]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum SyncItem {
    Settings,
    PriceLists,
    Sessions,
    Prepaid,
    Contracts,
    Albums,
    Videos,
    Orders,
    Guests,
    Favorites,
    Yearbook,
    Signatures,
    AlbumFeedback,
    Expired,
    Calendar,
}

impl SyncItem {
    pub const ALL: [SyncItem; 15] = [
        Self::Settings,
        Self::PriceLists,
        Self::Sessions,
        Self::Prepaid,
        Self::Contracts,
        Self::Albums,
        Self::Videos,
        Self::Orders,
        Self::Guests,
        Self::Favorites,
        Self::Yearbook,
        Self::Signatures,
        Self::AlbumFeedback,
        Self::Expired,
        Self::Calendar,
    ];

    /// The feed kind this item pulls.
    pub fn feed_kind(self) -> Option<&'static str> {
        match self {
            Self::Guests => Some("guest"),
            Self::Favorites => Some("favorites"),
            Self::Yearbook => Some("yearbook"),
            Self::Orders => Some("order"),
            Self::Prepaid => Some("prepaid"),
            Self::Contracts | Self::Signatures => Some("contract"),
            Self::Albums | Self::AlbumFeedback => Some("album"),
            _ => None,
        }
    }
}

/// What one sync run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPlan {
    items: BTreeSet<SyncItem>,
    /// Say what would move, move nothing.
    pub dry_run: bool,
}

impl SyncPlan {
    /// Everything, for real.
    pub fn full() -> Self {
        Self { items: SyncItem::ALL.into_iter().collect(), dry_run: false }
    }

    /// Only these items (every one when empty).
    pub fn only(items: impl IntoIterator<Item = SyncItem>, dry_run: bool) -> Self {
        let mut items: BTreeSet<SyncItem> = items.into_iter().collect();
        if items.is_empty() {
            items = SyncItem::ALL.into_iter().collect();
        }
        Self { items, dry_run }
    }

    pub fn wants(&self, item: SyncItem) -> bool {
        self.items.contains(&item)
    }

    pub fn items(&self) -> impl Iterator<Item = SyncItem> + '_ {
        self.items.iter().copied()
    }

    pub fn is_full(&self) -> bool {
        self.items.len() == SyncItem::ALL.len()
    }

    /// The feed kinds to pull, `None` for all of them.
    pub(crate) fn feed_kinds(&self) -> Option<Vec<&'static str>> {
        if self.is_full() {
            return None;
        }
        let mut kinds: Vec<&'static str> = self.items().filter_map(SyncItem::feed_kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        Some(kinds)
    }
}
