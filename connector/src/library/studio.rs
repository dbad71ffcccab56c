//! `studio.toml`: the studio profile — name, time zone, currency, branding, watermark, what
//! clients may do, tax rates, shipping methods, promotions and payment methods.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proofroom_wire::locale::Locale;
use proofroom_wire::{
    AlbumSettings, BrandingSlot, ClientOptions, PaymentMethods, Promotion, ShippingMethod,
    StudioProfile, TaxRate, WatermarkPosition, WatermarkSettings,
};
use serde::Deserialize;
use toml::Spanned;

use super::check::{Problems, yes};
use super::folder::is_image_name;
use crate::ItemError;
use crate::manifest::{Date, Money, Percent, ReminderDays};

/// Opacity of a watermark whose `opacity` is not set.
pub const DEFAULT_WATERMARK_OPACITY: f32 = 0.35;

/// `studio.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Studio {
    pub profile: StudioProfile,
    /// The branding images named in `studio.toml`; each exists.
    pub branding: Vec<BrandingImage>,
}

impl Studio {
    /// The studio's time zone: where times without a zone of their own are.
    pub fn zone(&self) -> Option<chrono_tz::Tz> {
        chrono_tz::Tz::from_str(&self.profile.time_zone).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandingImage {
    pub slot: BrandingSlot,
    /// The path as written in `studio.toml`, e.g. `branding/logo.png`.
    pub item: String,
    pub path: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStudio {
    name: Spanned<String>,
    email: Option<Spanned<String>>,
    phone: Option<String>,
    time_zone: Spanned<String>,
    currency: Spanned<String>,
    locale: Option<Spanned<String>>,
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
    /// Who signs contracts for the studio (`{{studio.signer}}`).
    signer: Option<String>,
    /// Album proofing: watermark on album pages, days before an unanswered revision's reminder.
    #[serde(default)]
    albums: RawAlbums,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAlbums {
    #[serde(default)]
    watermark: bool,
    remind_after_days: Option<ReminderDays>,
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
    #[serde(default)]
    included: Option<Spanned<bool>>,
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
    let mut p = Problems::new("studio.toml", text);
    let raw: RawStudio = p.parse()?;

    let name = p.required_text(&raw.name, "name");
    if let Some(email) = &raw.email {
        p.email(email, "email");
    }
    let time_zone = time_zone(&mut p, &raw.time_zone);
    let currency = currency(&mut p, &raw.currency);
    let locale = raw
        .locale
        .as_ref()
        .map_or_else(|| Locale::default().tag().to_string(), |l| locale(&mut p, l));
    let mut branding = Vec::new();
    for (slot, field, value) in [
        (BrandingSlot::Logo, "logo", &raw.logo),
        (BrandingSlot::MarketingImage, "marketing_image", &raw.marketing_image),
    ] {
        if let Some(value) = value {
            branding.extend(branding_image(&mut p, root, slot, field, value));
        }
    }
    let watermark = raw.watermark.as_ref().and_then(|w| watermark(&mut p, root, w, &mut branding));
    let tax_rates = tax_rates(&mut p, &raw.tax_rates);
    let shipping_methods = shipping_methods(&mut p, &raw.shipping_methods);
    let promotions = promotions(&mut p, &raw.promotions);
    let payment_methods = payment_methods(&mut p, raw.payment_methods.as_ref());

    let profile = StudioProfile {
        name,
        email: raw.email.as_ref().map(|e| e.get_ref().trim().to_string()),
        phone: raw.phone.as_ref().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
        time_zone,
        currency,
        locale,
        watermark,
        client_options: client_options(&raw.client_options),
        tax_rates,
        shipping_methods,
        promotions,
        payment_methods,
        keep_originals: raw.keep_originals,
        expiry_reminder_days: raw.expiry_reminder_days.map_or(7, |d| d.0 as i32),
        signer: raw.signer.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string),
        albums: AlbumSettings {
            watermark: raw.albums.watermark,
            remind_after_days: raw.albums.remind_after_days.map_or(7, |d| d.0 as i32),
        },
    };
    p.result(Studio { profile, branding })
}

/// `time_zone`: a name of the time zone database.
fn time_zone(p: &mut Problems<'_>, value: &Spanned<String>) -> String {
    let time_zone = value.get_ref().trim().to_string();
    if chrono_tz::Tz::from_str(&time_zone).is_err() {
        p.add(
            value.span(),
            "time_zone",
            format!("expected a time zone name like \"America/Chicago\", found \"{time_zone}\""),
        );
    }
    time_zone
}

/// `locale`: one the site speaks, e.g. `pt-PT`.
fn locale(p: &mut Problems<'_>, value: &Spanned<String>) -> String {
    match Locale::parse(value.get_ref()) {
        Some(locale) => locale.tag().to_string(),
        None => {
            let known: Vec<&str> = Locale::tags().collect();
            p.add(
                value.span(),
                "locale",
                format!("expected one of {}, found \"{}\"", known.join(", "), value.get_ref()),
            );
            value.get_ref().clone()
        }
    }
}

/// `currency`: an ISO 4217 code in capitals.
fn currency(p: &mut Problems<'_>, value: &Spanned<String>) -> String {
    let currency = value.get_ref().trim().to_string();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        p.add(
            value.span(),
            "currency",
            format!("expected a three-letter ISO 4217 code like \"USD\", found \"{currency}\""),
        );
    }
    currency
}

/// A branding image's path: it must be an image file of the library.
fn branding_image(
    p: &mut Problems<'_>,
    root: &Path,
    slot: BrandingSlot,
    field: &str,
    value: &Spanned<String>,
) -> Option<BrandingImage> {
    let rel = value.get_ref().trim();
    let path = root.join(rel);
    if rel.is_empty() {
        p.add(value.span(), field, "expected a path like \"branding/logo.png\"");
        None
    } else if !path.is_file() {
        p.add(value.span(), field, format!("\"{rel}\" does not exist in the library"));
        None
    } else if !is_image_name(rel) {
        p.add(value.span(), field, format!("\"{rel}\" is not a .jpg, .jpeg, .png or .webp image"));
        None
    } else {
        Some(BrandingImage { slot, item: rel.to_string(), path })
    }
}

/// `[watermark]`: a text or an image (which joins `branding`), where and how opaque.
fn watermark(
    p: &mut Problems<'_>,
    root: &Path,
    watermark: &Spanned<RawWatermark>,
    branding: &mut Vec<BrandingImage>,
) -> Option<WatermarkSettings> {
    let w = watermark.get_ref();
    let opacity = match &w.opacity {
        Some(o) if !(0.0..=1.0).contains(o.get_ref()) => {
            p.add(
                o.span(),
                "watermark.opacity",
                format!("expected a number from 0.0 to 1.0, found {}", o.get_ref()),
            );
            DEFAULT_WATERMARK_OPACITY
        }
        Some(o) => *o.get_ref(),
        None => DEFAULT_WATERMARK_OPACITY,
    };
    let text = match (&w.text, &w.image) {
        (Some(_), Some(image)) => {
            p.add(image.span(), "watermark.image", "set either text or image, not both");
            return None;
        }
        (None, None) => {
            p.add(watermark.span(), "watermark", "set text or image");
            return None;
        }
        (Some(text), None) => Some(p.required_text(text, "watermark.text")),
        (None, Some(image)) => {
            let slot = BrandingSlot::Watermark;
            branding.extend(branding_image(p, root, slot, "watermark.image", image));
            None
        }
    };
    Some(WatermarkSettings { use_image: text.is_none(), text, position: w.position, opacity })
}

fn client_options(c: &RawClientOptions) -> ClientOptions {
    ClientOptions {
        favorites: c.favorites,
        client_groups: c.client_groups,
        yearbook_selection: c.yearbook_selection,
        guest_registration: c.guest_registration,
    }
}

/// `[[tax_rates]]`: the prices contain every rate (`included = true`) or none.
fn tax_rates(p: &mut Problems<'_>, rates: &[RawTaxRate]) -> Vec<TaxRate> {
    let included = |t: &RawTaxRate| t.included.as_ref().is_some_and(|i| *i.get_ref());
    if let [first, rest @ ..] = rates
        && let Some(other) = rest.iter().find(|t| included(t) != included(first))
    {
        let span = other.included.as_ref().map_or_else(|| other.name.span(), |i| i.span());
        p.add(
            span,
            "tax_rates.included",
            format!(
                "\"{}\" and \"{}\" differ: the prices either contain every tax rate or none",
                first.name.get_ref(),
                other.name.get_ref()
            ),
        );
    }
    rates
        .iter()
        .map(|t| TaxRate {
            name: p.required_text(&t.name, "tax_rates.name"),
            basis_points: t.percent.0,
            applies_to_shipping: t.applies_to_shipping,
            included: included(t),
        })
        .collect()
}

/// `[[shipping_methods]]`: each id once.
fn shipping_methods(p: &mut Problems<'_>, methods: &[RawShippingMethod]) -> Vec<ShippingMethod> {
    let mut ids = BTreeSet::new();
    methods
        .iter()
        .map(|s| {
            let id = p.required_text(&s.id, "shipping_methods.id");
            p.once(&mut ids, id.clone(), &id, s.id.span(), "shipping_methods.id");
            ShippingMethod {
                pickup: s.pickup.unwrap_or(id == "pickup"),
                id,
                name: p.required_text(&s.name, "shipping_methods.name"),
                price_cents: s.price.0,
            }
        })
        .collect()
}

/// `[[promotions]]`: each code once, whatever its letter case.
fn promotions(p: &mut Problems<'_>, promotions: &[Spanned<RawPromotion>]) -> Vec<Promotion> {
    let mut codes = BTreeSet::new();
    promotions.iter().map(|promotion| self::promotion(p, promotion, &mut codes)).collect()
}

/// One promotion: a percent or an amount off, more than nothing, over a range of days.
fn promotion(
    p: &mut Problems<'_>,
    promotion: &Spanned<RawPromotion>,
    codes: &mut BTreeSet<String>,
) -> Promotion {
    let span = promotion.span();
    let raw = promotion.get_ref();
    let code = p.required_text(&raw.code, "promotions.code");
    p.once(codes, code.to_uppercase(), &code, raw.code.span(), "promotions.code");
    match (&raw.percent_off, &raw.amount_off) {
        (Some(_), Some(a)) => {
            p.add(a.span(), "promotions.amount_off", "set percent_off or amount_off, not both")
        }
        (None, None) => p.add(span, "promotions", "set percent_off or amount_off"),
        (Some(v), None) if v.get_ref().0 == 0 => {
            p.add(v.span(), "promotions.percent_off", "must be more than \"0\"")
        }
        (None, Some(v)) if v.get_ref().0 == 0 => {
            p.add(v.span(), "promotions.amount_off", "must be more than \"0.00\"")
        }
        _ => {}
    }
    if let (Some(starts), Some(ends)) = (&raw.starts, &raw.ends)
        && ends.get_ref() < starts
    {
        p.add(ends.span(), "promotions.ends", "is before starts");
    }
    Promotion {
        // Codes are typed in any case at checkout; the server keeps them upper case.
        code: code.to_uppercase(),
        description: raw.description.trim().to_string(),
        percent_off_basis_points: raw.percent_off.as_ref().map(|v| v.get_ref().0),
        amount_off_cents: raw.amount_off.as_ref().map(|v| v.get_ref().0),
        min_subtotal_cents: raw.min_subtotal.map_or(0, |v| v.0),
        starts: raw.starts.map(|d| d.0),
        ends: raw.ends.as_ref().map(|d| d.get_ref().0),
    }
}

/// `[payment_methods]`: at least one way to pay; without the table, at the studio.
fn payment_methods(
    p: &mut Problems<'_>,
    methods: Option<&Spanned<RawPaymentMethods>>,
) -> PaymentMethods {
    let Some(methods) = methods else { return PaymentMethods::default() };
    let v = methods.get_ref();
    if !v.card && !v.pay_at_studio {
        p.add(
            methods.span(),
            "payment_methods",
            "clients could not pay: enable card or pay_at_studio",
        );
    }
    PaymentMethods { card: v.card, pay_at_studio: v.pay_at_studio }
}
