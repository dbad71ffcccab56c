//! A studio that sells: its rates, shipping, promotions and price list, Ann's session of three
//! photos, and the steps of a client filling a cart — shared by the ordering and payment stories.

use crate::visitor::Answer;
use crate::{LibraryBuilder, TestApp, Visitor, images};
use reqwest::StatusCode;

/// The sample studio (`sample-studio/studio.toml`, the demo's and the connector tests' too), with
/// a promotion code that works on any day: WELCOME10, 10 % off from 50.00 (the sample's own
/// SPRING10 ended on 2026-05-31).
pub const STUDIO_TOML: &str = concat!(
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-studio/studio.toml")),
    r#"
[[promotions]]
code = "WELCOME10"
description = "10% off"
percent_off = "10"
min_subtotal = "50.00"
"#
);

/// The sample studio's price list: an 8×10 print (24.00), a 5×7 print (14.00) and package A of
/// three photos (89.00).
pub const PRICE_LIST_TOML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sample-studio/price-lists/portrait-2026.toml"
));

/// Writes the studio into the library: its studio.toml with the branding images it names, and
/// its price list.
pub fn write_studio(library: &LibraryBuilder) {
    library.write("studio.toml", STUDIO_TOML);
    library.write("branding/logo.png", images::png(240, 80));
    library.write("branding/hero.jpg", images::jpeg(1200, 450));
    library.write("price-lists/portrait-2026.toml", PRICE_LIST_TOML);
}

/// The studio with its rates and price list, and Ann's session of three photos, pushed.
pub async fn shop(app: &TestApp) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    write_studio(&library);
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
