//! A studio that sells: its rates, shipping, promotions and price list, Ann's session of three
//! photos, and the steps of a client filling a cart — shared by the ordering and payment stories.

use crate::visitor::Answer;
use crate::{LibraryBuilder, TestApp, Visitor, images};
use reqwest::StatusCode;

pub const STUDIO_TOML: &str = r#"name = "Maple Lane Photography"
email = "hello@maplelane.example"
time_zone = "America/Chicago"
currency = "USD"

[[tax_rates]]
name = "Sales tax"
percent = "7.25"
applies_to_shipping = false

[[shipping_methods]]
id = "mail"
name = "Standard mail"
price = "7.50"

[[shipping_methods]]
id = "pickup"
name = "Pick up at the studio"
price = "0.00"

[[promotions]]
code = "WELCOME10"
description = "10% off"
percent_off = "10"
min_subtotal = "50.00"

[[promotions]]
code = "SPRING10"
description = "Spring"
percent_off = "10"
starts = "2026-03-01"
ends = "2026-05-31"

[payment_methods]
card = true
pay_at_studio = true
"#;

pub const PRICE_LIST_TOML: &str = r#"name = "Portrait 2026"

[[items]]
sku = "P5X7"
name = "5x7 print"
category = "Prints"
price = "14.00"
images = 1
taxable = true

[[items]]
sku = "P8X10"
name = "8x10 print"
category = "Prints"
price = "24.00"
images = 1
taxable = true

[[items]]
sku = "PKG-A"
name = "Package A"
category = "Packages"
price = "89.00"
images = 3
taxable = true
"#;

/// The studio with its rates and price list, and Ann's session of three photos, pushed.
pub async fn shop(app: &TestApp) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    library.write("studio.toml", STUDIO_TOML);
    library.write("price-lists/portrait-2026.toml", PRICE_LIST_TOML);
    library
        .session("smith")
        .event_type("none")
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .image("Smith 02.jpg", images::jpeg(600, 400))
        .image("Smith 03.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    library
}

/// Ann, signed in with her email and last name.
pub async fn ann(app: &TestApp) -> Visitor {
    let mut ann = Visitor::new(&app.base_url);
    let answer = ann.sign_in("ann.smith@example.com", "smith").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    ann
}

/// The photo page paths of the event, in the gallery's order.
pub async fn photos(visitor: &mut Visitor, event: &str) -> Vec<String> {
    let page = visitor.get(event).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.links(&format!("{event}/photos/"))
}

pub fn image_id(photo: &str) -> &str {
    photo.rsplit('/').next().unwrap()
}

/// The value of a named hidden field of a form on the page.
pub fn field(page: &Answer, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let rest = page.body.split(&marker).nth(1).unwrap_or_else(|| panic!("no {name} field"));
    rest.split('"').next().unwrap().to_string()
}

pub async fn add(
    visitor: &mut Visitor,
    event: &str,
    sku: &str,
    quantity: &str,
    photo: &str,
) -> Answer {
    visitor.get(photo).await;
    visitor
        .post(
            &format!("{event}/cart"),
            &[("sku", sku), ("quantity", quantity), ("image_id", image_id(photo))],
        )
        .await
}

/// Posts a form whose values are owned strings.
pub async fn post_owned(visitor: &mut Visitor, path: &str, fields: &[(&str, String)]) -> Answer {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    visitor.post(path, &fields).await
}

/// Checks out the cart, collected at the studio and paid by `payment` (`card` or
/// `pay_at_studio`), with the checkout form's own key unless `key` is given; answers the post.
pub async fn check_out(
    visitor: &mut Visitor,
    event: &str,
    payment: &str,
    key: Option<&str>,
) -> Answer {
    let checkout = visitor.get(&format!("{event}/checkout")).await;
    assert_eq!(checkout.status, StatusCode::OK, "{}", checkout.body);
    let key = key.map_or_else(|| field(&checkout, "checkout_key"), str::to_string);
    post_owned(visitor, &format!("{event}/checkout"), &checkout_form(&key, payment)).await
}

/// The checkout form placing the order with `key`, collected at the studio, paid by `payment`.
pub fn checkout_form(key: &str, payment: &str) -> [(&'static str, String); 4] {
    [
        ("checkout_key", key.to_string()),
        ("shipping", "pickup".to_string()),
        ("payment", payment.to_string()),
        ("action", "place".to_string()),
    ]
}
