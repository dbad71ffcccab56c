//! Orders as the studio sees them: in the feed (`kind = "order"`) and when it moves an order
//! along with `PUT /api/v1/orders/{number}/status`.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Where an order is in the studio's hands. `placed` is set by the site; the others by the
/// studio, and each change is emailed to the client.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Received,
    InProduction,
    ReadyForPickup,
    Shipped,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] =
        [Self::Placed, Self::Received, Self::InProduction, Self::ReadyForPickup, Self::Shipped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Received => "received",
            Self::InProduction => "in_production",
            Self::ReadyForPickup => "ready_for_pickup",
            Self::Shipped => "shipped",
        }
    }

    /// Also takes the hyphenated form people type (`in-production`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// As the client reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Placed => "Placed",
            Self::Received => "Received by the studio",
            Self::InProduction => "In production",
            Self::ReadyForPickup => "Ready for pickup",
            Self::Shipped => "Shipped",
        }
    }
}

/// Whether an order has been paid.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Pay at the studio: the studio collects.
    DueAtStudio,
    /// Card: waiting for the card payment to go through.
    AwaitingPayment,
    Paid,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DueAtStudio => "due_at_studio",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Paid => "paid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::DueAtStudio, Self::AwaitingPayment, Self::Paid].into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::DueAtStudio => "To be paid at the studio",
            Self::AwaitingPayment => "Waiting for payment",
            Self::Paid => "Paid",
        }
    }
}

/// An order, whole, for the studio's inbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderRecord {
    /// The confirmation number the client was given.
    pub number: String,
    pub session_id: String,
    pub session_description: String,
    pub placed_at: NaiveDateTime,
    pub customer: OrderCustomer,
    pub items: Vec<OrderItem>,
    pub promotion_code: Option<String>,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub shipping: Option<OrderShipping>,
    pub taxes: Vec<OrderTax>,
    /// Every tax of the order, added or contained.
    pub tax_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    /// `card` or `pay_at_studio`.
    pub payment_method: String,
    pub payment_status: PaymentStatus,
    pub paid_at: Option<NaiveDateTime>,
    /// The Stripe PaymentIntent id, for card payments.
    pub stripe_payment_id: Option<String>,
    pub status: OrderStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderCustomer {
    /// `client` or `guest`.
    pub kind: String,
    /// The studio's client id, or the guest's id.
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderItem {
    pub sku: String,
    pub name: String,
    /// The image file picked for each of the item's images, in order.
    pub images: Vec<String>,
    pub quantity: i32,
    pub unit_price_cents: i64,
    pub line_cents: i64,
    pub taxable: bool,
    /// A print or product, or a file the client downloads.
    #[serde(default)]
    pub kind: crate::downloads::ItemKind,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderShipping {
    pub method_id: String,
    pub name: String,
    pub price_cents: i64,
    /// Where it goes; none for a pickup.
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderTax {
    pub name: String,
    pub cents: i64,
    /// The rate, in hundredths of a percent.
    #[serde(default)]
    pub basis_points: i64,
    /// Contained in the prices (and so in the total) rather than added to them.
    #[serde(default)]
    pub included: bool,
}

/// `PUT /api/v1/orders/{number}/status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderStatusChange {
    pub status: OrderStatus,
}

/// `PUT /api/v1/orders/{number}/payment`: the studio took the payment of an order to be paid
/// at the studio. Only `paid` is accepted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderPaymentChange {
    pub status: PaymentStatus,
}

/// The answer to a payment change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderPaymentResult {
    pub number: String,
    pub payment_status: PaymentStatus,
    /// False when the order was already paid (nothing changed, no email).
    pub changed: bool,
}

/// The answer to a status change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderStatusResult {
    pub number: String,
    pub status: OrderStatus,
    /// False when the order already had this status (nothing changed, no email).
    pub changed: bool,
}
