//! The studio library: `studio.toml`, `price-lists/*.toml` and `sessions/*/session.toml` with the
//! session folders' images, read into the wire types the studio API takes.
//!
//! Reading never stops at the first bad file: each file that cannot be read becomes an
//! [`ItemError`] in [`Library::errors`] and is left out, so one typo in one session does not keep
//! the other sessions off the site. Nothing of a session whose manifest is bad is kept.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proofroom_wire::prepaid::{PrepaidInvoice, PrepaidItem};
use proofroom_wire::{
    BrandingSlot, ClientOptions, EventType, PaymentMethods, PriceList, PriceListItem, Promotion,
    Rating, SessionClient, SessionImage, SessionUpsert, SessionVideo, ShippingMethod,
    StudioProfile, TaxRate, WatermarkPosition, WatermarkSettings,
};
use serde::Deserialize;
use toml::Spanned;
use unicode_normalization::UnicodeNormalization;

use crate::ItemError;
use crate::manifest::{
    Count, Date, Days, Manifest, Money, Percent, Quantity, ReminderDays, Revision, key_text,
};

/// File name extensions of images, compared without regard to case.
pub const IMAGE_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "webp"];

/// Opacity of a watermark whose `opacity` is not set.
pub const DEFAULT_WATERMARK_OPACITY: f32 = 0.35;

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
    /// Things deliberately left out, with the reason (e.g. a session folder without a manifest).
    pub skipped: Vec<Skipped>,
    /// Files that could not be read; what they describe is not in this `Library`.
    pub errors: Vec<ItemError>,
}

/// `prepaid/<invoice-id>.toml`: a package sold at the session, for the client to fill online.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepaidFile {
    pub id: String,
    /// e.g. `prepaid/INV-2041.toml`.
    pub item: String,
    pub invoice: PrepaidInvoice,
}

/// `studio.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Studio {
    pub profile: StudioProfile,
    /// The branding images named in `studio.toml`; each exists.
    pub branding: Vec<BrandingImage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandingImage {
    pub slot: BrandingSlot,
    /// The path as written in `studio.toml`, e.g. `branding/logo.png`.
    pub item: String,
    pub path: PathBuf,
}

/// `price-lists/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceListFile {
    /// The file stem.
    pub id: String,
    /// e.g. `price-lists/portrait-2026.toml`.
    pub item: String,
    pub list: PriceList,
}

/// `sessions/<id>/session.toml` with its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The folder name.
    pub id: String,
    pub dir: PathBuf,
    /// `publish = true`: push puts it online; otherwise push leaves it alone.
    pub publish: bool,
    /// What goes to `PUT /api/v1/sessions/{id}`; `upsert.images` are the images that go online,
    /// sorted by name, each a file in `dir`.
    pub upsert: SessionUpsert,
    /// Image files in the folder that stay off the site (by rating, group or `online = false`).
    pub held_back: Vec<String>,
    /// Image files that cannot go online (a name the site refuses); the rest of the session
    /// still goes up.
    pub image_errors: Vec<ItemError>,
}

impl Session {
    /// `sessions/<id>`.
    pub fn item(&self) -> String {
        format!("sessions/{}", self.id)
    }

    /// `sessions/<id>/session.toml`.
    pub fn manifest_item(&self) -> String {
        format!("sessions/{}/session.toml", self.id)
    }

    /// `sessions/<id>/<name>`.
    pub fn image_item(&self, name: &str) -> String {
        format!("sessions/{}/{name}", self.id)
    }

    pub fn image_path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
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
        skipped: Vec::new(),
        errors: Vec::new(),
    };

    // studio.toml
    let studio_path = root.join("studio.toml");
    if studio_path.is_file() {
        match read_text(&studio_path, "studio.toml") {
            Ok(text) => match parse_studio(&root, &text) {
                Ok(studio) => lib.studio = Some(studio),
                Err(errors) => lib.errors.extend(errors),
            },
            Err(e) => lib.errors.push(e),
        }
    } else {
        lib.errors.push(ItemError::new(
            "studio.toml",
            "missing; the studio profile (name, time zone, currency) is required",
        ));
    }

    // price-lists/*.toml
    let list_files: Vec<(String, PathBuf)> = {
        let mut entry_errors = Vec::new();
        let files = list_dir(
            &root.join("price-lists"),
            "price-lists",
            &mut lib.errors,
            &mut entry_errors,
            EntryKind::File,
        );
        lib.errors.extend(entry_errors);
        files
    }
    .into_iter()
    .filter(|(name, _)| name.len() > ".toml".len() && name.ends_with(".toml"))
    .filter(|(name, _)| usable_id(&mut lib.errors, "price-lists", name, "file"))
    .collect();
    let stem = |name: &str| name.strip_suffix(".toml").unwrap_or(name).to_string();
    let price_list_ids: BTreeSet<String> = list_files.iter().map(|(name, _)| stem(name)).collect();
    for (name, path) in list_files {
        let item = format!("price-lists/{name}");
        let result = read_text(&path, &item)
            .map_err(|e| vec![e])
            .and_then(|text| parse_price_list(&item, &text));
        match result {
            Ok(list) => lib.price_lists.push(PriceListFile { id: stem(&name), item, list }),
            Err(errors) => lib.errors.extend(errors),
        }
    }

    // sessions/*/session.toml
    let sessions_dir = root.join("sessions");
    let mut entry_errors = Vec::new();
    let session_dirs =
        list_dir(&sessions_dir, "sessions", &mut lib.errors, &mut entry_errors, EntryKind::Dir);
    lib.errors.extend(entry_errors);
    for (id, dir) in session_dirs {
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
        let result = read_text(&manifest_path, &item)
            .map_err(|e| vec![e])
            .and_then(|text| parse_session(&id, &dir, &text, &price_list_ids));
        match result {
            Ok(session) => {
                lib.errors.extend(session.image_errors.iter().cloned());
                lib.sessions.push(session);
            }
            Err(errors) => lib.errors.extend(errors),
        }
    }

    // prepaid/*.toml, checked against the sessions and their price lists
    let mut entry_errors = Vec::new();
    let prepaid_files = list_dir(
        &root.join("prepaid"),
        "prepaid",
        &mut lib.errors,
        &mut entry_errors,
        EntryKind::File,
    );
    lib.errors.extend(entry_errors);
    for (name, path) in prepaid_files {
        let is_toml = name.len() > ".toml".len() && name.ends_with(".toml");
        if !is_toml || !usable_id(&mut lib.errors, "prepaid", &name, "file") {
            continue;
        }
        let item = format!("prepaid/{name}");
        let result = read_text(&path, &item)
            .map_err(|e| vec![e])
            .and_then(|text| parse_prepaid(&item, &text, &lib.sessions, &lib.price_lists));
        match result {
            Ok(invoice) => lib.prepaid.push(PrepaidFile { id: stem(&name), item, invoice }),
            Err(errors) => lib.errors.extend(errors),
        }
    }
    Ok(lib)
}

/// Whether the folder or file `name` in `dir` (its id: the name without `.toml`) can be a
/// studio id online, by the server's own rule; if not, the error names it and the item is held
/// back while the rest of the library goes.
fn usable_id(errors: &mut Vec<ItemError>, dir: &str, name: &str, kind: &str) -> bool {
    let id = name.strip_suffix(".toml").unwrap_or(name);
    let Some(problem) = proofroom_wire::studio_id_problem(id) else { return true };
    errors.push(ItemError::new(
        format!("{dir}/{}", name.escape_debug()),
        format!("the {kind} name {problem}; rename the {kind} to put it online"),
    ));
    false
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrepaid {
    session: Spanned<String>,
    paid: Money,
    #[serde(default)]
    items: Vec<RawPrepaidItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrepaidItem {
    sku: Spanned<String>,
    quantity: Option<Quantity>,
}

/// Parses one prepaid invoice; its session must be in the library and each SKU on that
/// session's price list.
pub fn parse_prepaid(
    item: &str,
    text: &str,
    sessions: &[Session],
    price_lists: &[PriceListFile],
) -> Result<PrepaidInvoice, Vec<ItemError>> {
    let m = Manifest::new(item, text);
    let raw: RawPrepaid = m.parse().map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let session_id = required_text(&m, &raw.session, "session", &mut errors);
    let session = sessions.iter().find(|s| s.id == session_id);
    let list = session
        .and_then(|s| s.upsert.price_list.as_deref())
        .and_then(|id| price_lists.iter().find(|l| l.id == id));
    match (session, list) {
        (None, _) if !session_id.is_empty() => errors.push(m.error(
            raw.session.span(),
            "session",
            format!("there is no session \"{session_id}\" in sessions/"),
        )),
        (Some(_), None) => errors.push(m.error(
            raw.session.span(),
            "session",
            format!("session \"{session_id}\" has no price list to take the items from"),
        )),
        _ => {}
    }
    if raw.items.is_empty() {
        errors.push(m.error(0..0, "items", "a prepaid package needs at least one [[items]]"));
    }
    let items = raw
        .items
        .iter()
        .map(|i| {
            let sku = required_text(&m, &i.sku, "items.sku", &mut errors);
            if let Some(list) = list
                && !sku.is_empty()
                && !list.list.items.iter().any(|p| p.sku == sku)
            {
                errors.push(m.error(
                    i.sku.span(),
                    "items.sku",
                    format!("\"{sku}\" is not on price list {}", list.id),
                ));
            }
            PrepaidItem { sku, quantity: i.quantity.map_or(1, |q| q.0 as i32) }
        })
        .collect();
    if errors.is_empty() {
        Ok(PrepaidInvoice { session: session_id, paid_cents: raw.paid.0, items })
    } else {
        Err(errors)
    }
}

fn read_text(path: &Path, item: &str) -> Result<String, ItemError> {
    let bytes = fs::read(path).map_err(|e| ItemError::new(item, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let prefix = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
        ItemError {
            item: item.to_string(),
            line: Some(line),
            message: "not valid UTF-8 text".into(),
        }
    })
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum EntryKind {
    File,
    Dir,
}

/// The entries of `dir` of one kind (following symbolic links), sorted by name, without hidden
/// ones (a leading dot: `.DS_Store`, macOS `._IMG_0001.jpg`). A missing folder is empty.
/// Errors about the folder go to `errors`; about one entry (a name that is not UTF-8) to
/// `entry_errors`. A file that cannot be examined (no permission, a broken link) is listed when
/// its name is an image's, so that reading it fails loudly later, and left out otherwise.
fn list_dir(
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

fn is_image_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

pub(crate) fn is_image_name(name: &str) -> bool {
    is_image_path(Path::new(name))
}

// ---------------------------------------------------------------------------------------------
// studio.toml

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStudio {
    name: Spanned<String>,
    email: Option<Spanned<String>>,
    phone: Option<String>,
    time_zone: Spanned<String>,
    currency: Spanned<String>,
    logo: Option<Spanned<String>>,
    marketing_image: Option<Spanned<String>>,
    watermark: Option<Spanned<RawWatermark>>,
    #[serde(default)]
    client_options: RawClientOptions,
    #[serde(default)]
    tax_rates: Vec<RawTaxRate>,
    #[serde(default)]
    shipping_methods: Vec<RawShippingMethod>,
    #[serde(default)]
    promotions: Vec<Spanned<RawPromotion>>,
    payment_methods: Option<Spanned<RawPaymentMethods>>,
    #[serde(default)]
    keep_originals: bool,
    expiry_reminder_days: Option<ReminderDays>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWatermark {
    text: Option<Spanned<String>>,
    image: Option<Spanned<String>>,
    #[serde(default)]
    position: WatermarkPosition,
    opacity: Option<Spanned<f32>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClientOptions {
    #[serde(default = "yes")]
    favorites: bool,
    #[serde(default = "yes")]
    client_groups: bool,
    #[serde(default = "yes")]
    yearbook_selection: bool,
    #[serde(default = "yes")]
    guest_registration: bool,
}

impl Default for RawClientOptions {
    fn default() -> Self {
        let d = ClientOptions::default();
        Self {
            favorites: d.favorites,
            client_groups: d.client_groups,
            yearbook_selection: d.yearbook_selection,
            guest_registration: d.guest_registration,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxRate {
    name: Spanned<String>,
    percent: Percent,
    #[serde(default)]
    applies_to_shipping: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShippingMethod {
    id: Spanned<String>,
    name: Spanned<String>,
    price: Money,
    /// Collected at the studio, so checkout asks for no address; the method with id
    /// `pickup` is one unless it says otherwise.
    pickup: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPromotion {
    code: Spanned<String>,
    #[serde(default)]
    description: String,
    percent_off: Option<Spanned<Percent>>,
    amount_off: Option<Spanned<Money>>,
    min_subtotal: Option<Money>,
    starts: Option<Date>,
    ends: Option<Spanned<Date>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaymentMethods {
    #[serde(default)]
    card: bool,
    #[serde(default = "yes")]
    pay_at_studio: bool,
}

/// Parses `studio.toml` (its text given); `root` is the library, for the branding paths.
pub fn parse_studio(root: &Path, text: &str) -> Result<Studio, Vec<ItemError>> {
    let m = Manifest::new("studio.toml", text);
    let raw: RawStudio = m.parse().map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut branding = Vec::new();

    let name = required_text(&m, &raw.name, "name", &mut errors);
    if let Some(email) = &raw.email {
        check_email(&m, email, "email", &mut errors);
    }
    let time_zone = raw.time_zone.get_ref().trim().to_string();
    if chrono_tz::Tz::from_str(&time_zone).is_err() {
        errors.push(m.error(
            raw.time_zone.span(),
            "time_zone",
            format!("expected a time zone name like \"America/Chicago\", found \"{time_zone}\""),
        ));
    }
    let currency = raw.currency.get_ref().trim().to_string();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(m.error(
            raw.currency.span(),
            "currency",
            format!("expected a three-letter ISO 4217 code like \"USD\", found \"{currency}\""),
        ));
    }

    for (slot, field, value) in [
        (BrandingSlot::Logo, "logo", &raw.logo),
        (BrandingSlot::MarketingImage, "marketing_image", &raw.marketing_image),
    ] {
        if let Some(value) = value
            && let Some(image) = branding_image(&m, root, slot, field, value, &mut errors)
        {
            branding.push(image);
        }
    }

    let watermark = raw.watermark.as_ref().and_then(|w| {
        let span = w.span();
        let w = w.get_ref();
        let opacity = match &w.opacity {
            Some(o) if !(0.0..=1.0).contains(o.get_ref()) => {
                errors.push(m.error(
                    o.span(),
                    "watermark.opacity",
                    format!("expected a number from 0.0 to 1.0, found {}", o.get_ref()),
                ));
                DEFAULT_WATERMARK_OPACITY
            }
            Some(o) => *o.get_ref(),
            None => DEFAULT_WATERMARK_OPACITY,
        };
        match (&w.text, &w.image) {
            (Some(_), Some(image)) => {
                errors.push(m.error(
                    image.span(),
                    "watermark.image",
                    "set either text or image, not both",
                ));
                None
            }
            (None, None) => {
                errors.push(m.error(span, "watermark", "set text or image"));
                None
            }
            (Some(text), None) => {
                let text = required_text(&m, text, "watermark.text", &mut errors);
                Some(WatermarkSettings {
                    text: Some(text),
                    use_image: false,
                    position: w.position,
                    opacity,
                })
            }
            (None, Some(image)) => {
                if let Some(image) = branding_image(
                    &m,
                    root,
                    BrandingSlot::Watermark,
                    "watermark.image",
                    image,
                    &mut errors,
                ) {
                    branding.push(image);
                }
                Some(WatermarkSettings {
                    text: None,
                    use_image: true,
                    position: w.position,
                    opacity,
                })
            }
        }
    });

    let tax_rates = raw
        .tax_rates
        .iter()
        .map(|t| TaxRate {
            name: required_text(&m, &t.name, "tax_rates.name", &mut errors),
            basis_points: t.percent.0,
            applies_to_shipping: t.applies_to_shipping,
        })
        .collect();

    let mut shipping_ids = BTreeSet::new();
    let shipping_methods = raw
        .shipping_methods
        .iter()
        .map(|s| {
            let id = required_text(&m, &s.id, "shipping_methods.id", &mut errors);
            if !id.is_empty() && !shipping_ids.insert(id.clone()) {
                errors.push(m.error(
                    s.id.span(),
                    "shipping_methods.id",
                    format!("\"{id}\" is used twice"),
                ));
            }
            ShippingMethod {
                pickup: s.pickup.unwrap_or(id == "pickup"),
                id,
                name: required_text(&m, &s.name, "shipping_methods.name", &mut errors),
                price_cents: s.price.0,
            }
        })
        .collect();

    let mut codes = BTreeSet::new();
    let promotions = raw
        .promotions
        .iter()
        .map(|p| {
            let span = p.span();
            let p = p.get_ref();
            let code = required_text(&m, &p.code, "promotions.code", &mut errors);
            if !code.is_empty() && !codes.insert(code.to_uppercase()) {
                errors.push(m.error(
                    p.code.span(),
                    "promotions.code",
                    format!("\"{code}\" is used twice"),
                ));
            }
            match (&p.percent_off, &p.amount_off) {
                (Some(_), Some(a)) => errors.push(m.error(
                    a.span(),
                    "promotions.amount_off",
                    "set percent_off or amount_off, not both",
                )),
                (None, None) => errors.push(m.error(
                    span.clone(),
                    "promotions",
                    "set percent_off or amount_off",
                )),
                (Some(v), None) if v.get_ref().0 == 0 => errors.push(m.error(
                    v.span(),
                    "promotions.percent_off",
                    "must be more than \"0\"",
                )),
                (None, Some(v)) if v.get_ref().0 == 0 => errors.push(m.error(
                    v.span(),
                    "promotions.amount_off",
                    "must be more than \"0.00\"",
                )),
                _ => {}
            }
            if let (Some(starts), Some(ends)) = (&p.starts, &p.ends)
                && ends.get_ref() < starts
            {
                errors.push(m.error(ends.span(), "promotions.ends", "is before starts"));
            }
            Promotion {
                // Codes are typed in any case at checkout; the server keeps them upper case.
                code: code.to_uppercase(),
                description: p.description.trim().to_string(),
                percent_off_basis_points: p.percent_off.as_ref().map(|v| v.get_ref().0),
                amount_off_cents: p.amount_off.as_ref().map(|v| v.get_ref().0),
                min_subtotal_cents: p.min_subtotal.map_or(0, |v| v.0),
                starts: p.starts.map(|d| d.0),
                ends: p.ends.as_ref().map(|d| d.get_ref().0),
            }
        })
        .collect();

    let payment_methods = match &raw.payment_methods {
        Some(pm) => {
            let v = pm.get_ref();
            if !v.card && !v.pay_at_studio {
                errors.push(m.error(
                    pm.span(),
                    "payment_methods",
                    "clients could not pay: enable card or pay_at_studio",
                ));
            }
            PaymentMethods { card: v.card, pay_at_studio: v.pay_at_studio }
        }
        None => PaymentMethods::default(),
    };

    let c = &raw.client_options;
    let profile = StudioProfile {
        name,
        email: raw.email.as_ref().map(|e| e.get_ref().trim().to_string()),
        phone: raw.phone.as_ref().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
        time_zone,
        currency,
        watermark,
        client_options: ClientOptions {
            favorites: c.favorites,
            client_groups: c.client_groups,
            yearbook_selection: c.yearbook_selection,
            guest_registration: c.guest_registration,
        },
        tax_rates,
        shipping_methods,
        promotions,
        payment_methods,
        keep_originals: raw.keep_originals,
        expiry_reminder_days: raw.expiry_reminder_days.map_or(7, |d| d.0 as i32),
    };
    if errors.is_empty() { Ok(Studio { profile, branding }) } else { Err(errors) }
}

fn branding_image(
    m: &Manifest<'_>,
    root: &Path,
    slot: BrandingSlot,
    field: &str,
    value: &Spanned<String>,
    errors: &mut Vec<ItemError>,
) -> Option<BrandingImage> {
    let rel = value.get_ref().trim();
    let path = root.join(rel);
    if rel.is_empty() {
        errors.push(m.error(value.span(), field, "expected a path like \"branding/logo.png\""));
        None
    } else if !path.is_file() {
        errors.push(m.error(
            value.span(),
            field,
            format!("\"{rel}\" does not exist in the library"),
        ));
        None
    } else if !is_image_name(rel) {
        errors.push(m.error(
            value.span(),
            field,
            format!("\"{rel}\" is not a .jpg, .jpeg, .png or .webp image"),
        ));
        None
    } else {
        Some(BrandingImage { slot, item: rel.to_string(), path })
    }
}

fn required_text(
    m: &Manifest<'_>,
    value: &Spanned<String>,
    field: &str,
    errors: &mut Vec<ItemError>,
) -> String {
    let text = value.get_ref().trim();
    if text.is_empty() {
        errors.push(m.error(value.span(), field, "must not be empty"));
    }
    text.to_string()
}

fn check_email(
    m: &Manifest<'_>,
    value: &Spanned<String>,
    field: &str,
    errors: &mut Vec<ItemError>,
) {
    let email = value.get_ref().trim();
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !email.contains(char::is_whitespace)
        }
        None => false,
    };
    if !ok {
        errors.push(m.error(
            value.span(),
            field,
            format!("expected an email address like \"ann@example.com\", found \"{email}\""),
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// price-lists/<id>.toml

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriceList {
    name: Spanned<String>,
    #[serde(default)]
    items: Vec<RawPriceListItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPriceListItem {
    sku: Spanned<String>,
    name: Spanned<String>,
    category: Spanned<String>,
    price: Money,
    images: Option<Count>,
    #[serde(default = "yes")]
    taxable: bool,
}

/// Parses one price list; `item` is its name in messages (`price-lists/<id>.toml`).
pub fn parse_price_list(item: &str, text: &str) -> Result<PriceList, Vec<ItemError>> {
    let m = Manifest::new(item, text);
    let raw: RawPriceList = m.parse().map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let name = required_text(&m, &raw.name, "name", &mut errors);
    let mut skus = BTreeSet::new();
    let items = raw
        .items
        .iter()
        .map(|i| {
            let sku = required_text(&m, &i.sku, "items.sku", &mut errors);
            if !sku.is_empty() && !skus.insert(sku.clone()) {
                errors.push(m.error(i.sku.span(), "items.sku", format!("\"{sku}\" is used twice")));
            }
            PriceListItem {
                sku,
                name: required_text(&m, &i.name, "items.name", &mut errors),
                category: required_text(&m, &i.category, "items.category", &mut errors),
                price_cents: i.price.0,
                images: i.images.map_or(1, |c| c.0 as i32),
                taxable: i.taxable,
            }
        })
        .collect();
    if errors.is_empty() { Ok(PriceList { name, items }) } else { Err(errors) }
}

// ---------------------------------------------------------------------------------------------
// sessions/<id>/session.toml

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    description: Spanned<String>,
    date: Date,
    price_list: Option<Spanned<String>>,
    days_active: Days,
    #[serde(default)]
    publish: bool,
    event_type: Option<Spanned<EventType>>,
    event_code: Option<Spanned<String>>,
    event_description: Option<String>,
    #[serde(default)]
    yearbook_selection: bool,
    upload: Option<Vec<Rating>>,
    upload_groups: Option<Vec<String>>,
    #[serde(default)]
    online_groups: Vec<String>,
    client: RawClient,
    #[serde(default)]
    images: BTreeMap<Spanned<String>, RawImage>,
    #[serde(default)]
    videos: Vec<RawVideo>,
    // Declared so that manifests using them parse; not pushed yet.
    #[serde(default)]
    #[allow(dead_code)]
    contracts: Vec<RawContract>,
    #[serde(default)]
    #[allow(dead_code)]
    albums: Vec<RawAlbum>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    id: Spanned<String>,
    #[serde(default)]
    first_name: String,
    last_name: Spanned<String>,
    email: Spanned<String>,
    phone: Option<String>,
    address: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImage {
    rating: Option<Rating>,
    #[serde(default)]
    groups: Vec<String>,
    online: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVideo {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    embed: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawContract {
    id: String,
    title: String,
    file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawAlbum {
    id: String,
    #[serde(default)]
    description: String,
    status: String,
    revision: Revision,
}

/// Parses `sessions/<id>/session.toml` (its text given) and picks the images of `dir` that go
/// online. `price_lists` are the ids of the library's price lists.
pub fn parse_session(
    id: &str,
    dir: &Path,
    text: &str,
    price_lists: &BTreeSet<String>,
) -> Result<Session, Vec<ItemError>> {
    let item = format!("sessions/{id}/session.toml");
    let m = Manifest::new(item.as_str(), text);
    let raw: RawSession = m.parse().map_err(|e| vec![e])?;
    let mut errors = Vec::new();

    let description = required_text(&m, &raw.description, "description", &mut errors);
    if let Some(pl) = &raw.price_list
        && !price_lists.contains(pl.get_ref())
    {
        errors.push(m.error(
            pl.span(),
            "price_list",
            format!("no price list \"{0}\" (price-lists/{0}.toml does not exist)", pl.get_ref()),
        ));
    }
    let event_type = raw.event_type.as_ref().map_or(EventType::None, |t| *t.get_ref());
    let event_code = match &raw.event_code {
        Some(code) => {
            let c = code.get_ref().trim();
            if c.is_empty() || c.contains(char::is_whitespace) {
                errors.push(m.error(
                    code.span(),
                    "event_code",
                    "expected a code without spaces, like \"SMITH26\"",
                ));
            }
            Some(c.to_string())
        }
        None => {
            if event_type == EventType::Private {
                let span = raw.event_type.as_ref().map_or(0..0, |t| t.span());
                errors.push(m.error(span, "event_code", "required when event_type = \"private\""));
            }
            None
        }
    };

    let c = &raw.client;
    let client_id = required_text(&m, &c.id, "client.id", &mut errors);
    let last_name = required_text(&m, &c.last_name, "client.last_name", &mut errors);
    check_email(&m, &c.email, "client.email", &mut errors);
    let client = SessionClient {
        id: client_id,
        first_name: c.first_name.trim().to_string(),
        last_name,
        email: c.email.get_ref().trim().to_string(),
        phone: c.phone.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        address: c.address.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
    };

    // Only the player URL rebuilt from the embed goes up, never the studio's HTML.
    let mut videos = Vec::new();
    let mut video_ids = BTreeSet::new();
    for v in &raw.videos {
        let video_id = required_text(&m, &v.id, "videos.id", &mut errors);
        if !video_id.is_empty() && !video_ids.insert(video_id.clone()) {
            errors.push(m.error(v.id.span(), "videos.id", format!("\"{video_id}\" is used twice")));
        }
        match proofroom_wire::video_embed_url(v.embed.get_ref()) {
            Ok(embed_url) => videos.push(SessionVideo {
                id: video_id,
                description: v.description.trim().to_string(),
                embed_url,
            }),
            Err(message) => errors.push(m.error(v.embed.span(), "videos.embed", message)),
        }
    }

    // The folder's image files and the [images] entries. Names are compared in Unicode NFC:
    // macOS writes file names decomposed (NFD) while a manifest typed by hand is composed.
    let mut folder_errors = Vec::new();
    let mut image_errors = Vec::new();
    let files = list_dir(
        dir,
        &format!("sessions/{id}"),
        &mut folder_errors,
        &mut image_errors,
        EntryKind::File,
    );
    errors.extend(folder_errors);
    let mut images: BTreeMap<String, &str> = BTreeMap::new();
    for (name, _) in files.iter().filter(|(n, _)| is_image_name(n)) {
        if let Some(problem) = proofroom_wire::image_name_problem(name) {
            image_errors.push(ItemError::new(
                format!("sessions/{id}/{name}"),
                format!("the name {problem}; rename the file to put it online"),
            ));
        } else {
            images.insert(nfc(name), name);
        }
    }
    for key in raw.images.keys() {
        let name = key.get_ref();
        if images.contains_key(&nfc(name)) {
            continue;
        }
        let message = if files.iter().any(|(n, _)| nfc(n) == nfc(name)) {
            format!("\"{name}\" is not an image (.jpg, .jpeg, .png or .webp)")
        } else if let Some(close) =
            images.values().find(|n| n.to_lowercase() == name.to_lowercase())
        {
            format!("no image \"{name}\" in sessions/{id}/ (did you mean \"{close}\"?)")
        } else {
            format!("no image \"{name}\" in sessions/{id}/")
        };
        errors.push(m.error(key.span(), &format!("images.{}", key_text(name)), message));
    }
    let entries: BTreeMap<String, &RawImage> =
        raw.images.iter().map(|(k, v)| (nfc(k.get_ref()), v)).collect();

    if !errors.is_empty() {
        return Err(errors);
    }

    let upload: Vec<Rating> = match &raw.upload {
        Some(ratings) => ratings.clone(),
        None => vec![Rating::Selected, Rating::NotSelected, Rating::Undecided],
    };
    let upload_groups: Option<BTreeSet<&str>> =
        raw.upload_groups.as_ref().map(|g| g.iter().map(String::as_str).collect());
    let online_groups: BTreeSet<&str> = raw.online_groups.iter().map(String::as_str).collect();

    let mut online = Vec::new();
    let mut held_back = Vec::new();
    for (key, name) in images {
        let entry = entries.get(&key).copied();
        let rating = entry.and_then(|e| e.rating).unwrap_or_default();
        let groups: Vec<String> = entry.map(|e| e.groups.clone()).unwrap_or_default();
        let wanted = entry.and_then(|e| e.online).unwrap_or(true)
            && upload.contains(&rating)
            && upload_groups
                .as_ref()
                .is_none_or(|want| groups.iter().any(|g| want.contains(g.as_str())));
        if wanted {
            // Only the groups the client sees go online.
            let groups =
                groups.into_iter().filter(|g| online_groups.contains(g.as_str())).collect();
            online.push(SessionImage { name: name.to_string(), rating, groups });
        } else {
            held_back.push(name.to_string());
        }
    }

    Ok(Session {
        id: id.to_string(),
        dir: dir.to_path_buf(),
        publish: raw.publish,
        upsert: SessionUpsert {
            description,
            date: raw.date.0,
            price_list: raw.price_list.map(|p| p.into_inner()),
            days_active: raw.days_active.0 as i32,
            event_type,
            event_code,
            event_description: raw
                .event_description
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            yearbook_selection: raw.yearbook_selection,
            online_groups: raw.online_groups.clone(),
            client,
            images: online,
            videos,
        },
        held_back,
        image_errors,
    })
}

fn nfc(name: &str) -> String {
    name.nfc().collect()
}

#[cfg(test)]
#[path = "library_tests.rs"]
mod tests;
