//! Library fixtures shared by the connector's binary tests. Pushes against a server are tested
//! end to end with the real server in the workspace's tests/ crate.
#![allow(dead_code)]

pub const TOKEN: &str = "test-token";

pub fn write(root: &std::path::Path, rel: &str, content: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

pub const STUDIO: &str = r#"name = "Maple Lane Photography"
time_zone = "America/Chicago"
currency = "USD"
logo = "branding/logo.png"

[watermark]
text = "© Maple Lane"
opacity = 0.35
"#;

pub const PRICE_LIST: &str = r#"name = "Portrait 2026"
[[items]]
sku = "P8X10"
name = "8×10 print"
category = "Prints"
price = "24.00"
"#;

pub fn session(publish: bool, extra: &str) -> String {
    format!(
        r#"description = "Smith Family"
date = "2026-04-12"
price_list = "portrait-2026"
days_active = 30
publish = {publish}
{extra}
[client]
id = "C-1"
first_name = "Ann"
last_name = "Smith"
email = "ann@example.com"
"#
    )
}

/// Image names that need encoding in URLs.
pub const ODD_NAMES: [&str; 6] = [
    "IMG 1.jpg",
    "Family #2 & co.jpg",
    "a@b $5.png",
    "50% + more.jpeg",
    "Crème brûlée.jpg",
    "🎉 party.webp",
];
