//! The studio: its profile, online preferences, tax rates, shipping, promotions, branding files
//! and watermark. Owns `studio`, `tax_rates`, `shipping_methods`, `promotions` and
//! `branding_files`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use proofroom_wire as wire;
use wire::locale::Locale;

use crate::db::schema::{branding_files, promotions, shipping_methods, studio, tax_rates};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::images;
use crate::storage::{Store, sha256_hex};

/// The single studio row's key.
const STUDIO_ROW: &str = "studio";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = studio)]
pub struct StudioRow {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub time_zone: String,
    pub currency: String,
    pub watermark_text: Option<String>,
    pub watermark_use_image: bool,
    pub watermark_position: String,
    pub watermark_opacity: f64,
    pub allow_favorites: bool,
    pub allow_client_groups: bool,
    pub allow_yearbook_selection: bool,
    pub allow_guest_registration: bool,
    pub pay_by_card: bool,
    pub pay_at_studio: bool,
    pub keep_originals: bool,
    pub updated_at: NaiveDateTime,
    pub expiry_reminder_days: i32,
    pub locale: String,
    /// Who signs contracts for the studio.
    pub signer: Option<String>,
    /// Album pages carry the watermark too.
    pub album_watermark: bool,
    /// Days an album revision waits for its client before the one reminder.
    pub album_remind_after_days: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = branding_files)]
pub struct BrandingRow {
    pub slot: String,
    pub source_sha256: String,
    pub store_key: String,
    pub content_type: String,
    pub updated_at: NaiveDateTime,
}

impl StudioRow {
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// How the studio's amounts and dates read.
    pub fn locale(&self) -> Locale {
        Locale::or_default(&self.locale)
    }

    /// Today's date where the studio is.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.tz()).date_naive()
    }
}

pub fn load(conn: &mut DbConn) -> db::Result<Option<StudioRow>> {
    Ok(studio::table.find(STUDIO_ROW).select(StudioRow::as_select()).first(conn).optional()?)
}

pub fn branding(conn: &mut DbConn) -> db::Result<Vec<BrandingRow>> {
    Ok(branding_files::table.select(BrandingRow::as_select()).load(conn)?)
}

/// Checks what JSON's types can't: a known time zone, a currency code, sane money.
pub fn validate(profile: &wire::StudioProfile) -> Result<(), AppError> {
    let invalid = |field: &str, why: String| {
        AppError::unprocessable("invalid_studio", format!("studio.toml {field}: {why}"))
    };
    if profile.name.trim().is_empty() {
        return Err(invalid("name", "the studio needs a name".into()));
    }
    if profile.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(invalid(
            "time_zone",
            format!("\"{}\" is not a time zone name like \"America/Chicago\"", profile.time_zone),
        ));
    }
    if profile.currency.len() != 3 || !profile.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid(
            "currency",
            format!("\"{}\" is not a three-letter code like \"USD\"", profile.currency),
        ));
    }
    if let Some(w) = &profile.watermark {
        if !(0.0..=1.0).contains(&w.opacity) || !w.opacity.is_finite() {
            return Err(invalid("watermark.opacity", "must be between 0 and 1".into()));
        }
        if w.use_image == w.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            return Err(invalid(
                "watermark",
                "set either text or image, not both or neither".into(),
            ));
        }
    }
    if Locale::parse(&profile.locale).is_none() {
        let known: Vec<&str> = Locale::tags().collect();
        return Err(invalid(
            "locale",
            format!("\"{}\" is not one of {}", profile.locale, known.join(", ")),
        ));
    }
    for t in &profile.tax_rates {
        if !(0..=10_000).contains(&t.basis_points) {
            return Err(invalid("tax_rates.percent", format!("{} is out of range", t.name)));
        }
    }
    if let [first, rest @ ..] = profile.tax_rates.as_slice()
        && let Some(other) = rest.iter().find(|t| t.included != first.included)
    {
        return Err(invalid(
            "tax_rates.included",
            format!(
                "{} and {} differ: the prices either contain every tax rate or none",
                first.name, other.name
            ),
        ));
    }
    let mut ids = std::collections::HashSet::new();
    for s in &profile.shipping_methods {
        if s.price_cents < 0 {
            return Err(invalid("shipping_methods.price", format!("{} is negative", s.id)));
        }
        if s.id.trim().is_empty() || !ids.insert(s.id.as_str()) {
            return Err(invalid(
                "shipping_methods.id",
                format!("\"{}\" is empty or repeated", s.id),
            ));
        }
    }
    let mut codes = std::collections::HashSet::new();
    for p in &profile.promotions {
        let one_kind = p.percent_off_basis_points.is_some() != p.amount_off_cents.is_some();
        let in_range = p.percent_off_basis_points.is_none_or(|v| (1..=10_000).contains(&v))
            && p.amount_off_cents.is_none_or(|v| v > 0)
            && p.min_subtotal_cents >= 0;
        if !one_kind || !in_range {
            return Err(invalid(
                "promotions",
                format!("{} needs one positive percent_off or amount_off", p.code),
            ));
        }
        if p.code.trim().is_empty() || !codes.insert(p.code.trim().to_uppercase()) {
            return Err(invalid("promotions.code", format!("\"{}\" is empty or repeated", p.code)));
        }
        if let (Some(s), Some(e)) = (p.starts, p.ends)
            && e < s
        {
            return Err(invalid("promotions.ends", format!("{} ends before it starts", p.code)));
        }
    }
    Ok(())
}

/// Stores the profile and its lists, replacing what was there.
pub fn save(conn: &mut DbConn, profile: &wire::StudioProfile) -> db::Result<()> {
    let watermark = profile.watermark.clone().unwrap_or_default();
    let row = StudioRow {
        id: STUDIO_ROW.into(),
        name: profile.name.trim().to_string(),
        email: profile.email.clone(),
        phone: profile.phone.clone(),
        time_zone: profile.time_zone.clone(),
        currency: profile.currency.clone(),
        watermark_text: watermark.text.clone().filter(|t| !t.trim().is_empty()),
        watermark_use_image: watermark.use_image,
        watermark_position: position_str(watermark.position).into(),
        watermark_opacity: if profile.watermark.is_some() { watermark.opacity as f64 } else { 0.0 },
        allow_favorites: profile.client_options.favorites,
        allow_client_groups: profile.client_options.client_groups,
        allow_yearbook_selection: profile.client_options.yearbook_selection,
        allow_guest_registration: profile.client_options.guest_registration,
        pay_by_card: profile.payment_methods.card,
        pay_at_studio: profile.payment_methods.pay_at_studio,
        keep_originals: profile.keep_originals,
        expiry_reminder_days: profile.expiry_reminder_days.clamp(0, 60),
        updated_at: db::now(),
        locale: Locale::or_default(&profile.locale).tag().to_string(),
        signer: profile
            .signer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        album_watermark: profile.albums.watermark,
        album_remind_after_days: profile.albums.remind_after_days.clamp(0, 60),
    };
    crate::db::write_transaction(conn, |conn| {
        let updated = diesel::update(studio::table.find(STUDIO_ROW)).set(&row).execute(conn)?;
        if updated == 0 {
            diesel::insert_into(studio::table).values(&row).execute(conn)?;
        }
        diesel::delete(tax_rates::table).execute(conn)?;
        for (i, t) in profile.tax_rates.iter().enumerate() {
            diesel::insert_into(tax_rates::table)
                .values((
                    tax_rates::position.eq(i as i32),
                    tax_rates::name.eq(&t.name),
                    tax_rates::basis_points.eq(t.basis_points),
                    tax_rates::applies_to_shipping.eq(t.applies_to_shipping),
                    tax_rates::included.eq(t.included),
                ))
                .execute(conn)?;
        }
        diesel::delete(shipping_methods::table).execute(conn)?;
        for (i, s) in profile.shipping_methods.iter().enumerate() {
            diesel::insert_into(shipping_methods::table)
                .values((
                    shipping_methods::id.eq(&s.id),
                    shipping_methods::position.eq(i as i32),
                    shipping_methods::name.eq(&s.name),
                    shipping_methods::price_cents.eq(s.price_cents),
                    shipping_methods::pickup.eq(s.pickup),
                ))
                .execute(conn)?;
        }
        diesel::delete(promotions::table).execute(conn)?;
        for p in &profile.promotions {
            diesel::insert_into(promotions::table)
                .values((
                    promotions::code.eq(p.code.trim().to_uppercase()),
                    promotions::description.eq(&p.description),
                    promotions::percent_off_basis_points.eq(p.percent_off_basis_points),
                    promotions::amount_off_cents.eq(p.amount_off_cents),
                    promotions::min_subtotal_cents.eq(p.min_subtotal_cents),
                    promotions::starts_on.eq(p.starts),
                    promotions::ends_on.eq(p.ends),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Reads the profile back in its wire form.
pub fn profile(conn: &mut DbConn) -> db::Result<Option<wire::StudioProfile>> {
    let Some(row) = load(conn)? else { return Ok(None) };
    let taxes: Vec<(String, i64, bool, bool)> = tax_rates::table
        .order(tax_rates::position)
        .select((
            tax_rates::name,
            tax_rates::basis_points,
            tax_rates::applies_to_shipping,
            tax_rates::included,
        ))
        .load(conn)?;
    let shipping: Vec<(String, String, i64, bool)> = shipping_methods::table
        .order(shipping_methods::position)
        .select((
            shipping_methods::id,
            shipping_methods::name,
            shipping_methods::price_cents,
            shipping_methods::pickup,
        ))
        .load(conn)?;
    type PromoRow = (
        String,
        String,
        Option<i64>,
        Option<i64>,
        i64,
        Option<chrono::NaiveDate>,
        Option<chrono::NaiveDate>,
    );
    let promos: Vec<PromoRow> = promotions::table
        .order(promotions::code)
        .select((
            promotions::code,
            promotions::description,
            promotions::percent_off_basis_points,
            promotions::amount_off_cents,
            promotions::min_subtotal_cents,
            promotions::starts_on,
            promotions::ends_on,
        ))
        .load(conn)?;
    let has_watermark = row.watermark_text.is_some() || row.watermark_use_image;
    Ok(Some(wire::StudioProfile {
        name: row.name,
        email: row.email,
        phone: row.phone,
        time_zone: row.time_zone,
        currency: row.currency,
        locale: row.locale,
        watermark: has_watermark.then(|| wire::WatermarkSettings {
            text: row.watermark_text,
            use_image: row.watermark_use_image,
            position: parse_position(&row.watermark_position),
            opacity: row.watermark_opacity as f32,
        }),
        client_options: wire::ClientOptions {
            favorites: row.allow_favorites,
            client_groups: row.allow_client_groups,
            yearbook_selection: row.allow_yearbook_selection,
            guest_registration: row.allow_guest_registration,
        },
        tax_rates: taxes
            .into_iter()
            .map(|(name, basis_points, applies_to_shipping, included)| wire::TaxRate {
                name,
                basis_points,
                applies_to_shipping,
                included,
            })
            .collect(),
        shipping_methods: shipping
            .into_iter()
            .map(|(id, name, price_cents, pickup)| wire::ShippingMethod {
                id,
                name,
                price_cents,
                pickup,
            })
            .collect(),
        promotions: promos
            .into_iter()
            .map(|(code, description, pct, amt, min, starts, ends)| wire::Promotion {
                code,
                description,
                percent_off_basis_points: pct,
                amount_off_cents: amt,
                min_subtotal_cents: min,
                starts,
                ends,
            })
            .collect(),
        payment_methods: wire::PaymentMethods {
            card: row.pay_by_card,
            pay_at_studio: row.pay_at_studio,
        },
        keep_originals: row.keep_originals,
        expiry_reminder_days: row.expiry_reminder_days,
        signer: row.signer.clone(),
        albums: wire::AlbumSettings {
            watermark: row.album_watermark,
            remind_after_days: row.album_remind_after_days,
        },
    }))
}

fn position_str(p: wire::WatermarkPosition) -> &'static str {
    match p {
        wire::WatermarkPosition::Center => "center",
        wire::WatermarkPosition::Tiled => "tiled",
        wire::WatermarkPosition::BottomRight => "bottom-right",
    }
}

fn parse_position(s: &str) -> wire::WatermarkPosition {
    match s {
        "tiled" => wire::WatermarkPosition::Tiled,
        "bottom-right" => wire::WatermarkPosition::BottomRight,
        _ => wire::WatermarkPosition::Center,
    }
}

/// The watermark to draw now, and a version string that changes whenever its look changes
/// (so proofs made under another version are re-rendered).
pub struct CurrentWatermark {
    pub mark: Option<images::Watermark>,
    pub version: String,
}

/// The decoded watermark image, kept between uploads: decoding the PNG for every image would
/// cost more than drawing it. Keyed by the source file's SHA-256.
#[derive(Default)]
pub struct WatermarkCache(std::sync::Mutex<Option<(String, image::RgbaImage)>>);

/// What the watermark is made of, read without decoding anything.
enum MarkSource {
    None,
    Text(String),
    Image(BrandingRow),
}

fn mark_source(conn: &mut DbConn) -> db::Result<Option<(StudioRow, MarkSource)>> {
    let Some(row) = load(conn)? else { return Ok(None) };
    let source = if row.opacity_visible() && row.watermark_use_image {
        let file: Option<BrandingRow> = branding_files::table
            .find(wire::BrandingSlot::Watermark.as_str())
            .select(BrandingRow::as_select())
            .first(conn)
            .optional()?;
        // An image watermark not uploaded yet draws nothing until it is.
        file.map_or(MarkSource::None, MarkSource::Image)
    } else if row.opacity_visible() {
        row.watermark_text.clone().map_or(MarkSource::None, MarkSource::Text)
    } else {
        MarkSource::None
    };
    Ok(Some((row, source)))
}

impl StudioRow {
    fn opacity_visible(&self) -> bool {
        self.watermark_opacity > 0.0
    }
}

fn version_of(row: &StudioRow, source: &MarkSource) -> String {
    let identity = match source {
        MarkSource::None => return "none".into(),
        MarkSource::Text(text) => format!("text:{text}"),
        MarkSource::Image(file) => format!("image:{}", file.source_sha256),
    };
    let key = format!("{identity}|{}|{:.3}", row.watermark_position, row.watermark_opacity);
    sha256_hex(key.as_bytes())[..16].to_string()
}

/// The current watermark's version alone (cheap: nothing is decoded).
pub fn watermark_version(conn: &mut DbConn) -> db::Result<String> {
    Ok(match mark_source(conn)? {
        Some((row, source)) => version_of(&row, &source),
        None => "none".into(),
    })
}

pub fn current_watermark(
    conn: &mut DbConn,
    store: &dyn Store,
    cache: &WatermarkCache,
) -> Result<CurrentWatermark, AppError> {
    let Some((row, source)) = mark_source(conn)? else {
        return Ok(CurrentWatermark { mark: None, version: "none".into() });
    };
    let version = version_of(&row, &source);
    let mark = match source {
        MarkSource::None => None,
        MarkSource::Text(text) => Some(images::WatermarkMark::Text(text)),
        MarkSource::Image(file) => {
            let mut cached = cache.0.lock().map_err(|_| AppError::internal("watermark cache"))?;
            let hit = cached.as_ref().filter(|(sha, _)| *sha == file.source_sha256);
            let rgba = match hit {
                Some((_, rgba)) => rgba.clone(),
                None => {
                    let bytes = store.get(&file.store_key)?.ok_or_else(|| {
                        AppError::internal("watermark file missing from the store")
                    })?;
                    let rgba = images::load_watermark_image(&bytes)
                        .map_err(|e| AppError::internal(format!("watermark image: {e}")))?;
                    *cached = Some((file.source_sha256.clone(), rgba.clone()));
                    rgba
                }
            };
            Some(images::WatermarkMark::Image(rgba))
        }
    };
    let position = match parse_position(&row.watermark_position) {
        wire::WatermarkPosition::Center => images::WatermarkPosition::Center,
        wire::WatermarkPosition::Tiled => images::WatermarkPosition::Tiled,
        wire::WatermarkPosition::BottomRight => images::WatermarkPosition::BottomRight,
    };
    let opacity = row.watermark_opacity as f32;
    Ok(CurrentWatermark {
        mark: mark.map(|mark| images::Watermark { mark, position, opacity }),
        version,
    })
}

/// The branding file of one slot, if the studio sent one.
pub fn branding_file(conn: &mut DbConn, slot: &str) -> db::Result<Option<BrandingRow>> {
    Ok(branding_files::table.find(slot).select(BrandingRow::as_select()).first(conn).optional()?)
}

/// Whether any branding slot uses the stored file `key`.
pub fn branding_uses(conn: &mut DbConn, key: &str) -> db::Result<bool> {
    let used: i64 =
        branding_files::table.filter(branding_files::store_key.eq(key)).count().get_result(conn)?;
    Ok(used > 0)
}

/// Stores a branding file's row; returns the store key of the file it replaced when nothing
/// refers to it any more (logo and watermark may be the same file, and so share a key).
pub fn save_branding(conn: &mut DbConn, row: &BrandingRow) -> db::Result<Option<String>> {
    let old: Option<String> = branding_files::table
        .find(&row.slot)
        .select(branding_files::store_key)
        .first(conn)
        .optional()?;
    let updated = diesel::update(branding_files::table.find(&row.slot)).set(row).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(branding_files::table).values(row).execute(conn)?;
    }
    let Some(old) = old.filter(|old| *old != row.store_key) else { return Ok(None) };
    let still_used: i64 = branding_files::table
        .filter(branding_files::store_key.eq(&old))
        .count()
        .get_result(conn)?;
    Ok((still_used == 0).then_some(old))
}
