//! Types on the wire between the server's studio API (`/api/v1`) and the studio connector.
//!
//! Written once here so the two programs cannot drift apart. Money is integer cents, percents are
//! basis points (hundredths of a percent: `"7.25"` % is `725`), dates are the studio's calendar
//! dates, and every id is the studio's own id from its library.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

pub mod albums;
pub mod contracts;
pub mod downloads;
pub mod feed;
pub mod locale;
pub mod orders;
pub mod prepaid;
mod video;
pub use video::{SessionVideo, video_embed_url};

/// Paths of the studio API, relative to the server's base URL.
pub mod paths {
    pub const STUDIO: &str = "/api/v1/studio";
    pub const BRANDING: &str = "/api/v1/studio/branding";
    pub const PRICE_LISTS: &str = "/api/v1/price-lists";
    pub const SESSIONS: &str = "/api/v1/sessions";
    pub const OPENAPI: &str = "/api/v1/openapi.json";
    pub const FEED: &str = "/api/v1/feed";
    pub const FEED_ACK: &str = "/api/v1/feed/ack";
    pub const FEED_WAITING: &str = "/api/v1/feed/waiting";
    /// `{ORDERS}/{number}/status`
    pub const ORDERS: &str = "/api/v1/orders";
    /// `GET` lists; `{PREPAID}/{invoice id}` `PUT`s one.
    pub const PREPAID: &str = "/api/v1/prepaid";
    /// `GET`: download counts per session and photo.
    pub const DOWNLOADS: &str = "/api/v1/downloads";
    /// `GET` lists every contract; `{CONTRACTS}/{id}/signed.pdf` is one's signed PDF.
    pub const CONTRACTS: &str = "/api/v1/contracts";
    /// `POST`: is this PDF one the server holds?
    pub const CONTRACTS_VERIFY: &str = "/api/v1/contracts/verify";
    /// `GET` lists every album; `{ALBUMS}/{session}/{album}/revisions/{n}/pinned/{page}` is a
    /// marked-up page drawn with its pins.
    pub const ALBUMS: &str = "/api/v1/albums";
}

/// The header that carries the hex SHA-256 of an uploaded body, checked by the server after it
/// has streamed the body to disk.
pub const SHA256_HEADER: &str = "x-content-sha256";

/// The longest image name the site keeps, in bytes (most file systems' limit).
pub const MAX_IMAGE_NAME_BYTES: usize = 255;

/// Why `name` cannot be an image's name online, or `None` when it can. One rule for the
/// connector, which holds such a file back, and the server, which refuses it.
pub fn image_name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("is empty")
    } else if name.len() > MAX_IMAGE_NAME_BYTES {
        Some("is longer than 255 bytes")
    } else if name.contains(['/', '\\']) {
        Some("contains a slash or a backslash")
    } else if name.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    }
}

/// The longest studio id (session, invoice, price list, client) the site keeps, in bytes.
pub const MAX_STUDIO_ID_BYTES: usize = 200;

/// Why `id` cannot be a studio id, or `None` when it can. Ids are the studio's folder and file
/// names, so any character a file name may hold is allowed (spaces, `# ? " < >`, accents):
/// only what no single folder or file name can be is refused. Every id goes into a URL through
/// [`path_segment`] and into a page HTML-escaped, so it needs no narrower alphabet. One rule
/// for the connector, which holds such an item back, and the server, which answers 422.
pub fn studio_id_problem(id: &str) -> Option<&'static str> {
    if id.len() > MAX_STUDIO_ID_BYTES {
        Some("is longer than 200 bytes")
    } else if id == "." || id == ".." {
        Some("is \".\" or \"..\"")
    } else {
        image_name_problem(id)
    }
}

/// Everything but `A-Z a-z 0-9 - . _ ~` (RFC 3986's unreserved characters) is encoded.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes `s` (its UTF-8 bytes) for one URL path segment or query value: `#`, `?`,
/// `/`, `"`, `<`, `>`, `%`, `+` and spaces can neither end the segment nor leave the attribute.
/// Every studio id that goes into a link, a form action or a `Location` goes through this.
pub fn path_segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// Every error the API answers: a stable snake_case code for programs and a sentence for people.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum WatermarkPosition {
    #[default]
    Center,
    Tiled,
    BottomRight,
}

/// The studio's watermark. `text` and `image` exclusive; the image itself is uploaded to
/// `PUT /api/v1/studio/branding/watermark`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WatermarkSettings {
    pub text: Option<String>,
    /// True when the watermark is the uploaded branding image rather than text.
    #[serde(default)]
    pub use_image: bool,
    #[serde(default)]
    pub position: WatermarkPosition,
    /// 0.0 (invisible) to 1.0 (opaque).
    pub opacity: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ClientOptions {
    pub favorites: bool,
    pub client_groups: bool,
    pub yearbook_selection: bool,
    pub guest_registration: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            favorites: true,
            client_groups: true,
            yearbook_selection: true,
            guest_registration: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TaxRate {
    pub name: String,
    pub basis_points: i64,
    pub applies_to_shipping: bool,
    /// The prices (and, where it applies, the shipping price) already contain this tax, as
    /// most of the world prices: the order shows what they contain and adds nothing.
    #[serde(default)]
    pub included: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ShippingMethod {
    pub id: String,
    pub name: String,
    pub price_cents: i64,
    /// Picked up at the studio: no address is asked for.
    #[serde(default)]
    pub pickup: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Promotion {
    pub code: String,
    pub description: String,
    /// Exactly one of `percent_off_basis_points` and `amount_off_cents` is set.
    pub percent_off_basis_points: Option<i64>,
    pub amount_off_cents: Option<i64>,
    pub min_subtotal_cents: i64,
    pub starts: Option<NaiveDate>,
    pub ends: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PaymentMethods {
    pub card: bool,
    pub pay_at_studio: bool,
}

impl Default for PaymentMethods {
    fn default() -> Self {
        Self { card: false, pay_at_studio: true }
    }
}

/// `PUT /api/v1/studio`: the studio profile and its online preferences.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StudioProfile {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// IANA zone name, e.g. `America/Chicago`.
    pub time_zone: String,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
    /// How amounts and dates read, e.g. `pt-PT` (one of [`locale::Locale::tags`]).
    #[serde(default = "default_locale")]
    pub locale: String,
    pub watermark: Option<WatermarkSettings>,
    #[serde(default)]
    pub client_options: ClientOptions,
    #[serde(default)]
    pub tax_rates: Vec<TaxRate>,
    #[serde(default)]
    pub shipping_methods: Vec<ShippingMethod>,
    #[serde(default)]
    pub promotions: Vec<Promotion>,
    #[serde(default)]
    pub payment_methods: PaymentMethods,
    /// Keep each uploaded original on the server (for downloads); off by default.
    #[serde(default)]
    pub keep_originals: bool,
    /// Days before a gallery expires that its client is reminded by email; 0 sends none.
    #[serde(default = "default_reminder_days")]
    pub expiry_reminder_days: i32,
    /// The person who signs contracts for the studio (`{{studio.signer}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// Album proofing (`[albums]` of studio.toml).
    #[serde(default)]
    pub albums: AlbumSettings,
}

/// How album pages are shown and followed up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AlbumSettings {
    /// Stamp the studio's watermark on album pages too (off: designs are shown clean).
    #[serde(default)]
    pub watermark: bool,
    /// Days a revision may wait for the client before one reminder goes; 0 sends none.
    #[serde(default = "default_album_reminder_days")]
    pub remind_after_days: i32,
}

impl Default for AlbumSettings {
    fn default() -> Self {
        Self { watermark: false, remind_after_days: default_album_reminder_days() }
    }
}

fn default_album_reminder_days() -> i32 {
    7
}

fn default_locale() -> String {
    locale::Locale::default().tag().to_string()
}

fn default_reminder_days() -> i32 {
    7
}

/// The branding images a studio uploads with `PUT /api/v1/studio/branding/{slot}`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BrandingSlot {
    Logo,
    MarketingImage,
    Watermark,
}

impl BrandingSlot {
    pub const ALL: [BrandingSlot; 3] = [Self::Logo, Self::MarketingImage, Self::Watermark];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logo => "logo",
            Self::MarketingImage => "marketing_image",
            Self::Watermark => "watermark",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|slot| slot.as_str() == s)
    }
}

/// What the server holds of one branding image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BrandingFile {
    pub slot: BrandingSlot,
    pub sha256: String,
}

/// `GET /api/v1/studio`: the profile as stored plus the branding files held.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StudioState {
    pub profile: Option<StudioProfile>,
    pub branding: Vec<BrandingFile>,
    /// Images whose proof still waits to be re-rendered with the current watermark.
    #[serde(default)]
    pub proofs_pending: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PriceListItem {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    /// How many images the client picks for one of this item.
    pub images: i32,
    pub taxable: bool,
    /// What each picked photo becomes, one name per image ("8×10", "5×7", "5×7"), so a
    /// package's picker can say which print a photo is for; empty when the studio named none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prints: Vec<String>,
    /// A print or product (the default), or a digital file.
    #[serde(default, skip_serializing_if = "downloads::ItemKind::is_print")]
    pub kind: downloads::ItemKind,
}

/// [`PriceListItem::slot_names`] for an item kept elsewhere (a prepaid invoice's copy).
pub fn slot_names(item_name: &str, images: i32, prints: &[String]) -> Vec<String> {
    let count = usize::try_from(images).unwrap_or(0);
    if prints.len() == count && count > 0 {
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        return prints
            .iter()
            .map(|name| {
                let total = prints.iter().filter(|p| *p == name).count();
                let n = seen.entry(name.as_str()).or_insert(0);
                *n += 1;
                if total > 1 { format!("{name} #{n}") } else { name.clone() }
            })
            .collect();
    }
    match count {
        1 => vec![item_name.to_string()],
        _ => (1..=count).map(|n| format!("Photo {n}")).collect(),
    }
}

impl PriceListItem {
    /// The name of each of the item's photo slots as a client reads it: the studio's print
    /// names, numbered where one repeats ("8×10", "5×7 #1", "5×7 #2"); else the item's name for
    /// one photo, "Photo 1", "Photo 2", … for more.
    pub fn slot_names(&self) -> Vec<String> {
        slot_names(&self.name, self.images, &self.prints)
    }
}

/// `PUT /api/v1/price-lists/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PriceList {
    pub name: String,
    pub items: Vec<PriceListItem>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// Only the client and the guests the client invites.
    #[default]
    None,
    /// Anyone who enters the event code.
    Private,
    /// Listed on the home page and found by date.
    Public,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Private => "private",
            Self::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Private, Self::Public].into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Rating {
    Selected,
    NotSelected,
    #[default]
    Undecided,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Selected => "selected",
            Self::NotSelected => "not-selected",
            Self::Undecided => "undecided",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Selected, Self::NotSelected, Self::Undecided].into_iter().find(|r| r.as_str() == s)
    }
}

/// The studio's client for a session; their login is their email and last name until they
/// change it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionClient {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// Rating and studio groups of one image that goes online.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionImage {
    pub name: String,
    #[serde(default)]
    pub rating: Rating,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// `PUT /api/v1/sessions/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionUpsert {
    pub description: String,
    pub date: NaiveDate,
    pub price_list: Option<String>,
    /// The gallery expires this many days after the session first went online.
    pub days_active: i32,
    pub event_type: EventType,
    pub event_code: Option<String>,
    pub event_description: Option<String>,
    #[serde(default)]
    pub yearbook_selection: bool,
    /// Studio groups the client sees as filters.
    #[serde(default)]
    pub online_groups: Vec<String>,
    pub client: SessionClient,
    /// The images that go online, with their rating and groups. Their bytes are uploaded
    /// separately; an image online but no longer listed here is removed.
    pub images: Vec<SessionImage>,
    /// The session's videos, as safe embed URLs; the server checks them again.
    #[serde(default)]
    pub videos: Vec<SessionVideo>,
    /// The image the gallery opens on (one of `images`); none: the first by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<String>,
    /// How many photos the client chooses and sends (the images a package includes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choose: Option<i32>,
    /// The day the choice is due; a reminder goes out before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choose_by: Option<NaiveDate>,
    /// The client may send fewer than `choose` (at least one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub choose_fewer: bool,
    /// Which photos anyone who may see the session downloads free.
    #[serde(default, skip_serializing_if = "downloads::FreeDownloads::is_none")]
    pub downloads: downloads::FreeDownloads,
    /// How large those free downloads are.
    #[serde(default, skip_serializing_if = "downloads::DownloadSize::is_original")]
    pub download_size: downloads::DownloadSize,
}

/// What the server says about a session after an upsert, and in listings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionSummary {
    pub id: String,
    pub description: String,
    pub event_type: EventType,
    pub first_online: NaiveDate,
    pub expires_on: NaiveDate,
    pub image_count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionList {
    pub sessions: Vec<SessionSummary>,
}

/// One image the server holds for a session, for the connector's diff.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HeldImage {
    pub name: String,
    pub sha256: String,
    pub bytes: i64,
    /// The session sells or gives away files, and the server holds no original of this image:
    /// upload it again, even unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub original_missing: bool,
}

/// `GET /api/v1/sessions/{id}/images`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ImageListing {
    pub session: String,
    pub images: Vec<HeldImage>,
    /// [`manifest_sha256`] of the session as the server last accepted it: a connector whose
    /// upsert hashes the same has nothing new to send. `None` from servers before it was kept.
    #[serde(default)]
    pub manifest_sha256: Option<String>,
}

/// The SHA-256 (hex) of a session's canonical JSON — serde_json of the [`SessionUpsert`] —
/// computed alike by the connector before sending and by the server on receipt.
pub fn manifest_sha256(session: &SessionUpsert) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(session).expect("a SessionUpsert always serialises");
    hex::encode(Sha256::digest(json))
}

/// `PUT /api/v1/sessions/{id}/expiry`: sets a gallery's expiry date. The new date stands over
/// `first_online + days_active` until the manifest's `days_active` changes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ExpiryChange {
    /// Expires after this day (a past day takes it offline now). Sending it twice sets the same
    /// date: the change is safe to retry. (`extend --days` is turned into a date by the
    /// connector for that reason.)
    Until { date: NaiveDate },
    /// Expired as of the studio's today: the gallery closes now.
    Expire,
}

/// Query of `PUT /api/v1/sessions/{id}/images` and `DELETE` of the same path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ImageQuery {
    /// The image's file name in the session folder, any characters.
    pub name: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UploadOutcome {
    /// The bytes were new and have been processed.
    Stored,
    /// The server already held these bytes under this name; nothing was read.
    Unchanged,
}

/// The answer to an image or branding upload.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UploadResult {
    pub name: String,
    pub sha256: String,
    pub outcome: UploadOutcome,
    pub width: i32,
    pub height: i32,
}

/// Parses a decimal money string such as `"24.00"`, `"7.5"` or `"12"` into integer cents.
/// Refuses negatives, more than two decimals and anything that is not a plain number.
pub fn parse_cents(s: &str) -> Result<i64, String> {
    parse_fixed(s, 2).map_err(|()| format!("\"{s}\" is not an amount like \"24.00\""))
}

/// Parses a decimal percent such as `"7.25"` or `"10"` into basis points (hundredths of a
/// percent). Refuses negatives, more than two decimals and more than 100 %.
pub fn parse_basis_points(s: &str) -> Result<i64, String> {
    match parse_fixed(s, 2) {
        Ok(v) if v <= 10_000 => Ok(v),
        _ => Err(format!("\"{s}\" is not a percent from \"0\" to \"100\" like \"7.25\"")),
    }
}

/// Formats cents as a plain decimal: `2400` → `"24.00"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn parse_fixed(s: &str, decimals: u32) -> Result<i64, ()> {
    let s = s.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || !digits(whole) || !digits(frac) {
        return Err(());
    }
    if frac.len() > decimals as usize || (s.contains('.') && frac.is_empty()) {
        return Err(());
    }
    let scale = 10i64.pow(decimals);
    let whole: i64 = whole.parse().map_err(|_| ())?;
    let mut frac_value: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| ())? };
    frac_value *= 10i64.pow(decimals - frac.len() as u32);
    Ok(whole * scale + frac_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_strings_become_exact_cents() {
        assert_eq!(parse_cents("24.00"), Ok(2400));
        assert_eq!(parse_cents("7.5"), Ok(750));
        assert_eq!(parse_cents("12"), Ok(1200));
        assert_eq!(parse_cents("0.01"), Ok(1));
        for bad in ["-1.00", "1.234", "abc", "", "1.", ".5", "1e3", "1,00"] {
            assert!(parse_cents(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(format_cents(2400), "24.00");
        assert_eq!(format_cents(5), "0.05");
    }

    #[test]
    fn any_file_name_is_a_studio_id_and_is_encoded_into_urls() {
        for good in ["2026-0412", "Smith & Co #2", "INV\"><img src=x>#1", "Zoë ?", "a.b"] {
            assert_eq!(studio_id_problem(good), None, "{good}");
        }
        assert_eq!(path_segment("INV\"><img src=x>#1"), "INV%22%3E%3Cimg%20src%3Dx%3E%231");
        assert_eq!(path_segment("a?b/c%d+e"), "a%3Fb%2Fc%25d%2Be");
        assert_eq!(path_segment("Zoë"), "Zo%C3%AB");
        let long = "x".repeat(MAX_STUDIO_ID_BYTES + 1);
        for bad in ["", " ", ".", "..", "a/b", "a\\b", "a\tb", "a\nb", long.as_str()] {
            assert!(studio_id_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn percents_become_basis_points() {
        assert_eq!(parse_basis_points("7.25"), Ok(725));
        assert_eq!(parse_basis_points("10"), Ok(1000));
        assert_eq!(parse_basis_points("100"), Ok(10_000));
        assert!(parse_basis_points("100.01").is_err());
        assert!(parse_basis_points("-3").is_err());
    }
}
