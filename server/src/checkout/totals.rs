//! An order's amounts, from the price list, the studio's rates and one promotion code, in
//! integer cents. Nothing the browser sends is a price: callers pass the price list's items and
//! the quantities asked for, and this says what they cost.
//!
//! The rounding rule (docs/ordering.md says the same):
//! 1. A line costs its unit price × its quantity, exactly.
//! 2. A percent promotion takes `subtotal × percent` off, rounded half up to the cent; an amount
//!    promotion takes its amount, but never more than the subtotal.
//! 3. Tax is owed on the taxable lines less their share of the discount (the discount ×
//!    taxable subtotal ÷ subtotal, rounded half up), plus shipping where the rate says so. Each
//!    tax rate is rounded half up to the cent on its own.
//! 4. Total = subtotal − discount + shipping + every tax.
//!
//! A studio whose rates are `included` (most of the world) prices with tax in: the taxable
//! lines less their share of the discount, and the shipping price where the rate applies to it,
//! already contain it. Each rate then says what they contain — the amount × rate ÷ (1 + the sum
//! of the included rates on that amount), rounded half up per rate — and the total is
//! subtotal − discount + shipping, adding nothing.

use chrono::NaiveDate;
use proofroom_wire::{Promotion, ShippingMethod, TaxRate};

/// The most of one item in one order.
pub const MAX_QUANTITY: u32 = 999;
/// No order of a portrait studio costs more than this (USD 1,000,000): a larger total is a
/// mistake or an attack, and is refused rather than charged.
pub const MAX_TOTAL_CENTS: i64 = 100_000_000;

/// One line of a cart: a price list item and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub sku: String,
    pub name: String,
    pub unit_cents: i64,
    pub quantity: u32,
    pub taxable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxLine {
    pub name: String,
    pub cents: i64,
    pub basis_points: i64,
    /// Contained in the prices, not added to the total.
    pub included: bool,
}

/// What an order costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// Each line's total, in the order given.
    pub line_cents: Vec<i64>,
    pub subtotal_cents: i64,
    /// The promotion applied and what it took off.
    pub promotion: Option<(String, i64)>,
    pub shipping_cents: i64,
    pub taxes: Vec<TaxLine>,
    pub total_cents: i64,
}

impl Quote {
    pub fn discount_cents(&self) -> i64 {
        self.promotion.as_ref().map_or(0, |(_, cents)| *cents)
    }

    /// Every tax, added or contained.
    pub fn tax_cents(&self) -> i64 {
        self.taxes.iter().map(|t| t.cents).sum()
    }

    /// The taxes added on top of the prices.
    pub fn added_tax_cents(&self) -> i64 {
        self.taxes.iter().filter(|t| !t.included).map(|t| t.cents).sum()
    }
}

/// Why a promotion code does not apply — told to the client, the rest of the cart is fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromotionRefusal {
    Unknown { code: String },
    NotYet { code: String, starts: NaiveDate },
    Over { code: String, ended: NaiveDate },
    BelowMinimum { code: String, minimum_cents: i64, subtotal_cents: i64 },
}

/// Why no amount can be given at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteError {
    Empty,
    /// A quantity of 0 or over [`MAX_QUANTITY`].
    Quantity {
        sku: String,
        quantity: u32,
    },
    /// A negative unit price: the price list is broken.
    Price {
        sku: String,
    },
    /// Over [`MAX_TOTAL_CENTS`].
    TooLarge,
    Promotion(PromotionRefusal),
}

/// `value × basis_points / 10,000`, rounded half up (both non-negative).
fn share(value: i64, basis_points: i64) -> i64 {
    ((i128::from(value) * i128::from(basis_points) + 5_000) / 10_000) as i64
}

/// `value × part / whole`, rounded half up (`whole` > 0).
fn prorate(value: i64, part: i64, whole: i64) -> i64 {
    let (value, part, whole) = (i128::from(value), i128::from(part), i128::from(whole));
    ((value * part * 2 + whole) / (whole * 2)) as i64
}

/// `value × part / whole` summed over `terms`, rounded half up once (all non-negative,
/// every `whole` > 0): the tax two amounts with different included rates contain.
fn contained(terms: &[(i64, i64, i64)]) -> i64 {
    let (mut numerator, mut denominator) = (0i128, 1i128);
    for &(value, part, whole) in terms {
        let (term, whole) = (i128::from(value) * i128::from(part), i128::from(whole));
        numerator = numerator * whole + term * denominator;
        denominator *= whole;
    }
    ((numerator * 2 + denominator) / (denominator * 2)) as i64
}

/// Checks `code` against the studio's promotions for a cart of `subtotal_cents` on `today`
/// (the studio's calendar; `starts` and `ends` are both days the code works). Codes match
/// without regard to case and surrounding spaces.
pub fn find_promotion<'a>(
    promotions: &'a [Promotion],
    code: &str,
    subtotal_cents: i64,
    today: NaiveDate,
) -> Result<&'a Promotion, PromotionRefusal> {
    let wanted = code.trim();
    let Some(p) = promotions.iter().find(|p| p.code.eq_ignore_ascii_case(wanted)) else {
        return Err(PromotionRefusal::Unknown { code: wanted.to_string() });
    };
    let code = p.code.clone();
    if let Some(starts) = p.starts.filter(|s| today < *s) {
        return Err(PromotionRefusal::NotYet { code, starts });
    }
    if let Some(ended) = p.ends.filter(|e| today > *e) {
        return Err(PromotionRefusal::Over { code, ended });
    }
    if subtotal_cents < p.min_subtotal_cents {
        return Err(PromotionRefusal::BelowMinimum {
            code,
            minimum_cents: p.min_subtotal_cents,
            subtotal_cents,
        });
    }
    Ok(p)
}

/// The amounts of an order. `promotion` is a code the client typed, checked here.
pub fn quote(
    lines: &[Line],
    shipping: Option<&ShippingMethod>,
    promotion: Option<&str>,
    promotions: &[Promotion],
    tax_rates: &[TaxRate],
    today: NaiveDate,
) -> Result<Quote, QuoteError> {
    if lines.is_empty() {
        return Err(QuoteError::Empty);
    }
    let mut line_cents = Vec::with_capacity(lines.len());
    for line in lines {
        if line.quantity == 0 || line.quantity > MAX_QUANTITY {
            return Err(QuoteError::Quantity { sku: line.sku.clone(), quantity: line.quantity });
        }
        if line.unit_cents < 0 {
            return Err(QuoteError::Price { sku: line.sku.clone() });
        }
        let cents = line.unit_cents.checked_mul(i64::from(line.quantity));
        line_cents.push(cents.filter(|c| *c <= MAX_TOTAL_CENTS).ok_or(QuoteError::TooLarge)?);
    }
    let subtotal: i64 = line_cents.iter().sum();
    let taxable_subtotal: i64 =
        lines.iter().zip(&line_cents).filter(|(l, _)| l.taxable).map(|(_, c)| *c).sum();

    let promotion = match promotion.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => {
            let p =
                find_promotion(promotions, code, subtotal, today).map_err(QuoteError::Promotion)?;
            let off = match (p.percent_off_basis_points, p.amount_off_cents) {
                (Some(bp), _) => share(subtotal, bp.clamp(0, 10_000)),
                (None, Some(amount)) => amount.max(0),
                (None, None) => 0,
            };
            Some((p.code.clone(), off.min(subtotal)))
        }
    };
    let discount = promotion.as_ref().map_or(0, |(_, c)| *c);
    let taxable_discount =
        if subtotal > 0 { prorate(discount, taxable_subtotal, subtotal) } else { 0 };
    let taxable_goods = taxable_subtotal - taxable_discount;
    let shipping_cents = shipping.map_or(0, |s| s.price_cents.max(0));

    let included = |on_shipping: bool| -> i64 {
        tax_rates
            .iter()
            .filter(|r| r.included && (!on_shipping || r.applies_to_shipping))
            .map(|r| r.basis_points.max(0))
            .sum()
    };
    let (in_goods, in_shipping) = (10_000 + included(false), 10_000 + included(true));
    let taxes: Vec<TaxLine> = tax_rates
        .iter()
        .map(|rate| {
            let bp = rate.basis_points.max(0);
            let shipped = if rate.applies_to_shipping { shipping_cents } else { 0 };
            let cents = if rate.included {
                contained(&[(taxable_goods, bp, in_goods), (shipped, bp, in_shipping)])
            } else {
                share(taxable_goods + shipped, bp)
            };
            TaxLine { name: rate.name.clone(), cents, basis_points: bp, included: rate.included }
        })
        .collect();
    let added: i64 = taxes.iter().filter(|t| !t.included).map(|t| t.cents).sum();
    let total = subtotal - discount + shipping_cents + added;
    if total > MAX_TOTAL_CENTS {
        return Err(QuoteError::TooLarge);
    }
    Ok(Quote {
        line_cents,
        subtotal_cents: subtotal,
        promotion,
        shipping_cents,
        taxes,
        total_cents: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn line(sku: &str, unit_cents: i64, quantity: u32, taxable: bool) -> Line {
        Line { sku: sku.into(), name: sku.into(), unit_cents, quantity, taxable }
    }

    fn promotions() -> Vec<Promotion> {
        let p = |code: &str, bp: Option<i64>, amount: Option<i64>, min: i64, s: &str, e: &str| {
            Promotion {
                code: code.into(),
                description: code.into(),
                percent_off_basis_points: bp,
                amount_off_cents: amount,
                min_subtotal_cents: min,
                starts: (!s.is_empty()).then(|| day(s)),
                ends: (!e.is_empty()).then(|| day(e)),
            }
        };
        vec![
            p("SPRING10", Some(1000), None, 0, "2026-03-01", "2026-05-31"),
            p("TAKE5", None, Some(500), 2000, "", ""),
            p("THIRD", Some(3333), None, 0, "", ""),
            p("BIG", None, Some(100_000), 0, "", ""),
            p("SUMMER", Some(1500), None, 0, "2026-06-01", "2026-08-31"),
        ]
    }

    fn sales_tax(shipping_too: bool) -> Vec<TaxRate> {
        vec![TaxRate {
            name: "Sales tax".into(),
            basis_points: 725,
            applies_to_shipping: shipping_too,
            included: false,
        }]
    }

    /// A rate the prices contain, as a European studio's.
    fn vat(name: &str, basis_points: i64, shipping_too: bool) -> TaxRate {
        TaxRate {
            name: name.into(),
            basis_points,
            applies_to_shipping: shipping_too,
            included: true,
        }
    }

    fn mail() -> ShippingMethod {
        ShippingMethod { id: "mail".into(), name: "Mail".into(), price_cents: 750, pickup: false }
    }

    /// (what, lines, shipping, code, taxes, today) → (subtotal, discount, shipping, tax, total)
    #[test]
    fn carts_cost_exactly_these_cents() {
        let today = day("2026-04-15");
        type Case = (&'static str, Vec<Line>, bool, Option<&'static str>, Vec<TaxRate>, [i64; 5]);
        let cases: Vec<Case> = vec![
            (
                "one print, no tax",
                vec![line("P8X10", 2400, 1, true)],
                false,
                None,
                vec![],
                [2400, 0, 0, 0, 2400],
            ),
            (
                "two items, quantities, 7.25 % on 5,200 = 377",
                vec![line("P8X10", 2400, 1, true), line("P5X7", 1400, 2, true)],
                false,
                None,
                sales_tax(false),
                [5200, 0, 0, 377, 5577],
            ),
            (
                "tax rounds half up: 7.25 % of 1,400 = 101.5 → 102",
                vec![line("P5X7", 1400, 1, true)],
                false,
                None,
                sales_tax(false),
                [1400, 0, 0, 102, 1502],
            ),
            (
                "a non-taxable item pays no tax",
                vec![line("P5X7", 1400, 1, true), line("DIGITAL", 5000, 1, false)],
                false,
                None,
                sales_tax(false),
                [6400, 0, 0, 102, 6502],
            ),
            (
                "shipping, not taxed",
                vec![line("P8X10", 2400, 1, true)],
                true,
                None,
                sales_tax(false),
                [2400, 0, 750, 174, 3324],
            ),
            (
                "shipping taxed where the rate says: 7.25 % of 3,150 = 228.375 → 228",
                vec![line("P8X10", 2400, 1, true)],
                true,
                None,
                sales_tax(true),
                [2400, 0, 750, 228, 3378],
            ),
            (
                "10 % off 5,200 = 520; tax on 4,680 = 339.3 → 339",
                vec![line("P8X10", 2400, 1, true), line("P5X7", 1400, 2, true)],
                false,
                Some("spring10"),
                sales_tax(false),
                [5200, 520, 0, 339, 5019],
            ),
            (
                "33.33 % off 1,400 = 466.62 → 467",
                vec![line("P5X7", 1400, 1, false)],
                false,
                Some("THIRD"),
                vec![],
                [1400, 467, 0, 0, 933],
            ),
            (
                "$5 off with the $20 minimum met",
                vec![line("P8X10", 2400, 1, true)],
                false,
                Some("TAKE5"),
                sales_tax(false),
                [2400, 500, 0, 138, 2038],
            ),
            (
                "the discount is shared: 500 × 1,400/6,400 = 109.4 → 109 off the taxable part",
                vec![line("P5X7", 1400, 1, true), line("DIGITAL", 5000, 1, false)],
                false,
                Some("TAKE5"),
                sales_tax(false),
                [6400, 500, 0, 94, 5994],
            ),
            (
                "an amount over the subtotal takes it to zero, shipping and its tax remain",
                vec![line("P5X7", 1400, 1, true)],
                true,
                Some("BIG"),
                sales_tax(true),
                [1400, 1400, 750, 54, 804],
            ),
            (
                "two rates, each rounded on its own",
                vec![line("P5X7", 1400, 1, true)],
                false,
                None,
                vec![
                    TaxRate {
                        name: "State".into(),
                        basis_points: 625,
                        applies_to_shipping: false,
                        included: false,
                    },
                    TaxRate {
                        name: "City".into(),
                        basis_points: 100,
                        applies_to_shipping: false,
                        included: false,
                    },
                ],
                [1400, 0, 0, 88 + 14, 1502],
            ),
            (
                "tax included: 23 % in 84.87 = 84.87 × 23/123 = 15.870 → 15.87, nothing added",
                vec![line("P5X7", 1400, 2, true), line("P8X10", 5687, 1, true)],
                false,
                None,
                vec![vat("IVA", 2300, false)],
                [8487, 0, 0, 1587, 8487],
            ),
            (
                "included, rounds half up: 23 % in 14.00 = 2.6179 → 2.62",
                vec![line("P5X7", 1400, 1, true)],
                false,
                None,
                vec![vat("IVA", 2300, false)],
                [1400, 0, 0, 262, 1400],
            ),
            (
                "included, with shipping taxed: 23 % in 24.00 + 7.50 = 5.8902 → 5.89",
                vec![line("P8X10", 2400, 1, true)],
                true,
                None,
                vec![vat("IVA", 2300, true)],
                [2400, 0, 750, 589, 3150],
            ),
            (
                "included, shipping not taxed: only the goods contain it, 4.49",
                vec![line("P8X10", 2400, 1, true)],
                true,
                None,
                vec![vat("IVA", 2300, false)],
                [2400, 0, 750, 449, 3150],
            ),
            (
                "included after 10 % off: 52.00 − 5.20 = 46.80 contains 23 % = 8.751 → 8.75",
                vec![line("P8X10", 2400, 1, true), line("P5X7", 1400, 2, true)],
                false,
                Some("SPRING10"),
                vec![vat("IVA", 2300, false)],
                [5200, 520, 0, 875, 4680],
            ),
            (
                "included, a digital file at 0 % beside prints: only the prints contain tax",
                vec![line("P5X7", 1400, 1, true), line("DIGITAL", 5000, 1, false)],
                false,
                Some("TAKE5"),
                vec![vat("IVA", 2300, false)],
                [6400, 500, 0, 241, 5900],
            ),
            (
                "two included rates share the price: 19 % and 1 % in 12.00 = 1.90 and 0.10",
                vec![line("P5X7", 1200, 1, true)],
                false,
                None,
                vec![vat("VAT", 1900, false), vat("Levy", 100, false)],
                [1200, 0, 0, 190 + 10, 1200],
            ),
            (
                "one of two rates on shipping too: 19 % in 10.00 (÷ 1.20) + 7.50 (÷ 1.19) = 2.7808, 1 % in 10.00",
                vec![line("P5X7", 1000, 1, true)],
                true,
                None,
                vec![vat("VAT", 1900, true), vat("Levy", 100, false)],
                [1000, 0, 750, 278 + 8, 1750],
            ),
        ];
        for (what, lines, ships, code, taxes, [subtotal, discount, shipping, tax, total]) in cases {
            let mail = mail();
            let q = quote(&lines, ships.then_some(&mail), code, &promotions(), &taxes, today)
                .unwrap_or_else(|e| panic!("{what}: {e:?}"));
            assert_eq!(
                [
                    q.subtotal_cents,
                    q.discount_cents(),
                    q.shipping_cents,
                    q.tax_cents(),
                    q.total_cents
                ],
                [subtotal, discount, shipping, tax, total],
                "{what}"
            );
            assert_eq!(
                q.total_cents,
                q.subtotal_cents - q.discount_cents() + q.shipping_cents + q.added_tax_cents()
            );
        }
    }

    #[test]
    fn a_promotion_that_does_not_apply_says_why() {
        let lines = [line("P5X7", 1400, 1, true)];
        let refused = |code: &str, today: &str| match quote(
            &lines,
            None,
            Some(code),
            &promotions(),
            &[],
            day(today),
        ) {
            Err(QuoteError::Promotion(r)) => r,
            other => panic!("{code}: {other:?}"),
        };
        assert_eq!(
            refused("NOPE", "2026-04-15"),
            PromotionRefusal::Unknown { code: "NOPE".into() }
        );
        assert_eq!(
            refused("TAKE5", "2026-04-15"),
            PromotionRefusal::BelowMinimum {
                code: "TAKE5".into(),
                minimum_cents: 2000,
                subtotal_cents: 1400
            }
        );
        assert_eq!(
            refused("spring10", "2026-06-01"),
            PromotionRefusal::Over { code: "SPRING10".into(), ended: day("2026-05-31") }
        );
        assert_eq!(
            refused("SUMMER", "2026-05-31"),
            PromotionRefusal::NotYet { code: "SUMMER".into(), starts: day("2026-06-01") }
        );
        // Both end days count.
        for today in ["2026-03-01", "2026-05-31"] {
            assert!(
                quote(&lines, None, Some(" spring10 "), &promotions(), &[], day(today)).is_ok()
            );
        }
        // No code, or only spaces: no promotion, no refusal.
        let q = quote(&lines, None, Some("  "), &promotions(), &[], day("2026-04-15")).unwrap();
        assert_eq!(q.promotion, None);
    }

    #[test]
    fn zero_negative_and_absurd_carts_get_no_amount() {
        let today = day("2026-04-15");
        let q = |lines: &[Line]| quote(lines, None, None, &[], &[], today);
        assert_eq!(q(&[]), Err(QuoteError::Empty));
        assert_eq!(
            q(&[line("P5X7", 1400, 0, true)]),
            Err(QuoteError::Quantity { sku: "P5X7".into(), quantity: 0 })
        );
        assert_eq!(
            q(&[line("P5X7", 1400, 1000, true)]),
            Err(QuoteError::Quantity { sku: "P5X7".into(), quantity: 1000 })
        );
        assert_eq!(q(&[line("BAD", -1, 1, true)]), Err(QuoteError::Price { sku: "BAD".into() }));
        assert_eq!(q(&[line("GOLD", i64::MAX / 2, 999, true)]), Err(QuoteError::TooLarge));
        assert_eq!(q(&[line("WALL", 10_000_000, 11, true)]), Err(QuoteError::TooLarge));
        assert_eq!(q(&[line("FREE", 0, 1, true)]).unwrap().total_cents, 0);
    }
}
