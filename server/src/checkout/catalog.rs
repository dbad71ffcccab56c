//! What an event's visitors can order: the session's price list and the studio's rates,
//! shipping methods, promotions and payment methods, read in one go for a cart or a checkout.

use crate::db;
use chrono::NaiveDate;
use proofroom_wire::{PaymentMethods, PriceListItem, Promotion, ShippingMethod, TaxRate};

use crate::db::DbConn;
use crate::events::models::EventRow;
use crate::studio::{self, StudioRow};
use crate::web::format::Locale;

#[derive(Clone)]
pub struct Catalog {
    pub items: Vec<PriceListItem>,
    pub tax_rates: Vec<TaxRate>,
    pub shipping_methods: Vec<ShippingMethod>,
    pub promotions: Vec<Promotion>,
    pub payment: PaymentMethods,
    pub currency: String,
    pub locale: Locale,
    /// Today in the studio's calendar (promotion dates are the studio's).
    pub today: NaiveDate,
}

impl Catalog {
    /// The price list and rates for `event`; `None` when its session has no price list.
    pub fn load(conn: &mut DbConn, event: &EventRow) -> db::Result<Option<Self>> {
        let Some(list_id) = &event.price_list_id else { return Ok(None) };
        let Some(list) = crate::price_lists::load(conn, list_id)? else {
            return Ok(None);
        };
        let Some(profile) = studio::profile(conn)? else { return Ok(None) };
        let today = crate::events::access::studio_today(conn)?;
        Ok(Some(Self {
            items: list.items,
            tax_rates: profile.tax_rates,
            shipping_methods: profile.shipping_methods,
            promotions: profile.promotions,
            payment: profile.payment_methods,
            locale: Locale::or_default(&profile.locale),
            currency: profile.currency,
            today,
        }))
    }

    /// Something can be ordered and paid for: items on the list, and a way to pay that the
    /// studio allows and this server can take.
    pub fn takes_orders(&self, takes_cards: bool) -> bool {
        !self.items.is_empty() && !super::place::payment_choices(self, takes_cards).is_empty()
    }

    pub fn item(&self, sku: &str) -> Option<&PriceListItem> {
        self.items.iter().find(|i| i.sku == sku)
    }

    pub fn shipping(&self, id: &str) -> Option<&ShippingMethod> {
        self.shipping_methods.iter().find(|s| s.id == id)
    }

    pub fn money(&self, cents: i64) -> String {
        self.locale.money(cents, &self.currency)
    }

    pub fn date(&self, date: NaiveDate) -> String {
        self.locale.date(date)
    }
}

/// What the buy panels beside a photo show: the price list's items, when the event takes
/// orders. One query where [`Catalog::load`] takes eight: the gallery has read the studio.
pub fn shop_window(
    conn: &mut DbConn,
    event: &EventRow,
    studio: &StudioRow,
    takes_cards: bool,
) -> db::Result<Vec<PriceListItem>> {
    let Some(list_id) = &event.price_list_id else { return Ok(Vec::new()) };
    // As `takes_orders`: a way to pay that the studio allows and this server can take.
    if !(studio.pay_at_studio || (studio.pay_by_card && takes_cards)) {
        return Ok(Vec::new());
    }
    crate::price_lists::items(conn, list_id)
}
