use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use chrono::NaiveDate;
use proofroom_wire::downloads::ItemKind;
use proofroom_wire::*;

use super::*;

// The sample studio of the demo and the tests (sample-studio/ at the workspace root): the
// studio.toml example of the shared studio-library doc, verbatim, and its price list example
// with a 5×7 print added.
const STUDIO_TOML: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../sample-studio/studio.toml"));

const PRICE_LIST_TOML: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sample-studio/price-lists/portrait-2026.toml"
));

// The session.toml example of the shared studio-library doc, verbatim.
const SESSION_TOML: &str = r#"description = "Smith Family Portraits"
date = "2026-04-12"
price_list = "portrait-2026"
days_active = 30                    # expire date = upload date + days_active
publish = true                      # upload at the next sync; false keeps it off the site
event_type = "none"                 # none | private | public
event_code = "SMITH26"              # required for private; optional for public
event_description = "The Smith family at Maple Lane"
yearbook_selection = false
upload = ["selected", "undecided"]  # ratings that go online; default: all
upload_groups = ["Outdoor"]         # optional: only images in these studio groups go online
online_groups = ["Outdoor", "Studio"]  # studio groups the client sees online

[client]
id = "C-1042"
first_name = "Ann"
last_name = "Smith"
email = "ann.smith@example.com"
phone = "+1 555 0142"
address = "12 Elm St, Springfield, IL 62701"

[images]                            # optional; an image not listed is "undecided", in no group
"IMG_0001.jpg" = { rating = "selected", groups = ["Outdoor"] }
"Family #2 & co.jpg" = { rating = "not-selected" }
"IMG_0007.jpg" = { online = false } # one by one: keep this image off the site

[[videos]]
id = "highlights"
description = "Session highlights"
embed = '<iframe src="https://s3.amazonaws.com/embed.animoto.com/play.html?w=swf/production/vp1&f=abc" width="640" height="360"></iframe>'

[[contracts]]
id = "agreement"
title = "Wedding Photography Agreement"
file = "contracts/agreement.md"

[[albums]]
id = "main"
description = "Wedding album"
status = "ready-for-upload"         # only this status uploads; others are the studio's own
revision = 1                        # pages in albums/main/r1/, ordered by file name
"#;

/// The smallest good session manifest; tests append to it.
const MINIMAL_SESSION: &str = r#"description = "Jones"
date = 2026-05-01
days_active = 14
publish = true

[client]
id = "C-1"
first_name = "Bo"
last_name = "Jones"
email = "bo@example.com"
"#;

fn write(root: &Path, rel: &str, content: &[u8]) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn session_dir(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        write(dir.path(), f, f.as_bytes());
    }
    dir
}

fn lists(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn parse_in(dir: &Path, text: &str) -> Result<Session, Vec<ItemError>> {
    parse_session(
        "2026-0412",
        dir,
        text,
        &lists(&["portrait-2026"]),
        Some(chrono_tz::America::Chicago),
    )
}

fn session_errors(files: &[&str], text: &str) -> Vec<String> {
    let dir = session_dir(files);
    parse_in(dir.path(), text).unwrap_err().iter().map(ToString::to_string).collect()
}

fn one_session_error(files: &[&str], text: &str) -> String {
    let errors = session_errors(files, text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

fn online_names(s: &Session) -> Vec<&str> {
    s.upsert.images.iter().map(|i| i.name.as_str()).collect()
}

fn studio_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["branding/logo.png", "branding/hero.jpg", "branding/watermark.png"] {
        write(dir.path(), f, b"img");
    }
    dir
}

fn studio_error(text: &str) -> Vec<String> {
    let root = studio_root();
    parse_studio(root.path(), text).unwrap_err().iter().map(ToString::to_string).collect()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn the_documented_studio_toml_parses() {
    let root = studio_root();
    let studio = parse_studio(root.path(), STUDIO_TOML).unwrap();
    assert_eq!(
        studio.profile,
        StudioProfile {
            name: "Maple Lane Photography".into(),
            email: Some("hello@maplelane.example".into()),
            phone: Some("+1 555 0100".into()),
            time_zone: "America/Chicago".into(),
            currency: "USD".into(),
            locale: "en-US".into(),
            watermark: Some(WatermarkSettings {
                text: Some("© Maple Lane Photography".into()),
                use_image: false,
                position: WatermarkPosition::Center,
                opacity: 0.35,
            }),
            client_options: ClientOptions {
                favorites: true,
                client_groups: true,
                yearbook_selection: true,
                guest_registration: true
            },
            tax_rates: vec![TaxRate {
                name: "Sales tax".into(),
                basis_points: 725,
                applies_to_shipping: false,
                included: false
            }],
            shipping_methods: vec![
                ShippingMethod {
                    id: "mail".into(),
                    name: "Standard mail".into(),
                    price_cents: 750,
                    pickup: false
                },
                ShippingMethod {
                    id: "pickup".into(),
                    name: "Pick up at the studio".into(),
                    price_cents: 0,
                    pickup: true
                },
            ],
            promotions: vec![Promotion {
                code: "SPRING10".into(),
                description: "10% off spring sessions".into(),
                percent_off_basis_points: Some(1000),
                amount_off_cents: None,
                min_subtotal_cents: 5000,
                starts: Some(d(2026, 3, 1)),
                ends: Some(d(2026, 5, 31)),
            }],
            payment_methods: PaymentMethods { card: true, pay_at_studio: true },
            keep_originals: false,
            expiry_reminder_days: 7,
            signer: Some("Jo Maple".into()),
            albums: Default::default(),
        }
    );
    assert_eq!(
        studio.branding,
        vec![
            BrandingImage {
                slot: BrandingSlot::Logo,
                item: "branding/logo.png".into(),
                path: root.path().join("branding/logo.png")
            },
            BrandingImage {
                slot: BrandingSlot::MarketingImage,
                item: "branding/hero.jpg".into(),
                path: root.path().join("branding/hero.jpg")
            },
        ]
    );
}

#[test]
fn studio_defaults_and_watermark_image() {
    let root = studio_root();
    let text = "name = \"S\"\ntime_zone = \"Europe/Paris\"\ncurrency = \"EUR\"\nkeep_originals = true\n\
                [watermark]\nimage = \"branding/watermark.png\"\nposition = \"bottom-right\"\n\
                [[promotions]]\ncode = \"FIVE\"\namount_off = \"5\"\n";
    let studio = parse_studio(root.path(), text).unwrap();
    let p = &studio.profile;
    assert_eq!(
        p.watermark,
        Some(WatermarkSettings {
            text: None,
            use_image: true,
            position: WatermarkPosition::BottomRight,
            opacity: DEFAULT_WATERMARK_OPACITY
        })
    );
    assert_eq!(studio.branding.len(), 1);
    assert_eq!(studio.branding[0].slot, BrandingSlot::Watermark);
    assert_eq!(p.client_options, ClientOptions::default());
    assert_eq!(p.payment_methods, PaymentMethods { card: false, pay_at_studio: true });
    assert!(p.keep_originals);
    assert_eq!((p.email.as_deref(), p.phone.as_deref()), (None, None));
    assert_eq!(p.promotions[0].amount_off_cents, Some(500));
    assert_eq!(p.promotions[0].min_subtotal_cents, 0);
    assert_eq!(p.promotions[0].description, "");
}

#[test]
fn bad_studio_manifests_name_line_and_field() {
    let base = "name = \"S\"\ntime_zone = \"America/Chicago\"\ncurrency = \"USD\"\n";
    let cases: &[(&str, &str)] = &[
        (
            "[[shipping_methods]]\nid = \"mail\"\nname = \"Mail\"\nprice = \"7,50\"\n",
            "studio.toml:7: shipping_methods.price: \"7,50\" is not an amount like \"24.00\"",
        ),
        (
            "[[shipping_methods]]\nid = \"mail\"\nname = \"Mail\"\nprice = 7.5\n",
            "studio.toml:7: shipping_methods.price: expected an amount in quotes, like \"24.00\", found 7.5",
        ),
        (
            "[[tax_rates]]\nname = \"Tax\"\npercent = \"107\"\n",
            "studio.toml:6: tax_rates.percent: \"107\" is not a percent from \"0\" to \"100\" like \"7.25\"",
        ),
        (
            "[watermark]\ntext = \"x\"\nimage = \"branding/watermark.png\"\n",
            "studio.toml:6: watermark.image: set either text or image, not both",
        ),
        ("[watermark]\nopacity = 0.5\n", "studio.toml:4: watermark: set text or image"),
        (
            "[watermark]\ntext = \"x\"\nopacity = 1.5\n",
            "studio.toml:6: watermark.opacity: expected a number from 0.0 to 1.0, found 1.5",
        ),
        (
            "[watermark]\ntext = \"x\"\nposition = \"left\"\n",
            "studio.toml:6: watermark.position: expected one of \"center\", \"tiled\", \"bottom-right\", found \"left\"",
        ),
        (
            "logo = \"branding/nope.png\"\n",
            "studio.toml:4: logo: \"branding/nope.png\" does not exist in the library",
        ),
        (
            "[[promotions]]\ncode = \"X\"\npercent_off = \"10\"\namount_off = \"5.00\"\n",
            "studio.toml:7: promotions.amount_off: set percent_off or amount_off, not both",
        ),
        (
            "[[promotions]]\ncode = \"X\"\n",
            "studio.toml:4: promotions: set percent_off or amount_off",
        ),
        (
            "[[promotions]]\ncode = \"X\"\npercent_off = \"10\"\nstarts = \"2026-05-01\"\nends = \"2026-04-01\"\n",
            "studio.toml:8: promotions.ends: is before starts",
        ),
        (
            "[client_options]\nfavourites = false\n",
            "studio.toml:5: client_options.favourites: unknown field (a typo?); expected one of \"favorites\", \"client_groups\", \"yearbook_selection\", \"guest_registration\"",
        ),
        (
            "locale = \"pt-XX\"\n",
            "studio.toml:4: locale: expected one of en-US, en-CA, en-GB, en-IE, en-AU, en-NZ, pt-PT, pt-BR, es-ES, fr-FR, de-DE, it-IT, nl-NL, found \"pt-XX\"",
        ),
        (
            "[[tax_rates]]\nname = \"IVA\"\npercent = \"23\"\nincluded = true\n[[tax_rates]]\nname = \"Levy\"\npercent = \"1\"\n",
            "studio.toml:9: tax_rates.included: \"IVA\" and \"Levy\" differ: the prices either contain every tax rate or none",
        ),
        (
            "[payment_methods]\ncard = false\npay_at_studio = false\n",
            "studio.toml:4: payment_methods: clients could not pay: enable card or pay_at_studio",
        ),
    ];
    for (extra, expected) in cases {
        assert_eq!(
            studio_error(&format!("{base}{extra}")),
            vec![expected.to_string()],
            "for {extra}"
        );
    }
    assert_eq!(
        studio_error("name = \"S\"\ntime_zone = \"Chicago\"\ncurrency = \"usd\"\n"),
        vec![
            "studio.toml:2: time_zone: expected a time zone name like \"America/Chicago\", found \"Chicago\"",
            "studio.toml:3: currency: expected a three-letter ISO 4217 code like \"USD\", found \"usd\"",
        ]
    );
    assert_eq!(
        studio_error("name = \"S\"\ncurrency = \"USD\"\n"),
        vec!["studio.toml:1: time_zone: missing; this field is required"]
    );
}

#[test]
fn the_sample_price_list_parses() {
    let list = parse_price_list("price-lists/portrait-2026.toml", PRICE_LIST_TOML).unwrap();
    assert_eq!(
        list,
        PriceList {
            name: "Portrait 2026".into(),
            items: vec![
                PriceListItem {
                    sku: "P8X10".into(),
                    name: "8×10 print".into(),
                    category: "Prints".into(),
                    price_cents: 2400,
                    images: 1,
                    taxable: true,
                    prints: vec![],
                    kind: ItemKind::Print,
                },
                PriceListItem {
                    sku: "P5X7".into(),
                    name: "5×7 print".into(),
                    category: "Prints".into(),
                    price_cents: 1400,
                    images: 1,
                    taxable: true,
                    prints: vec![],
                    kind: ItemKind::Print,
                },
                PriceListItem {
                    sku: "PKG-A".into(),
                    name: "Package A — one 8×10, two 5×7".into(),
                    category: "Packages".into(),
                    price_cents: 8900,
                    images: 3,
                    taxable: true,
                    prints: vec!["8×10".into(), "5×7".into(), "5×7".into()],
                    kind: ItemKind::Print,
                },
            ]
        }
    );
}

#[test]
fn bad_price_lists_name_line_and_field() {
    let err = |text: &str| -> Vec<String> {
        parse_price_list("price-lists/p.toml", text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let item = "[[items]]\nsku = \"A\"\nname = \"A\"\ncategory = \"Prints\"\n";
    assert_eq!(
        err(&format!("name = \"P\"\n{item}price = \"abc\"\n")),
        vec!["price-lists/p.toml:6: items.price: \"abc\" is not an amount like \"24.00\""]
    );
    assert_eq!(
        err(&format!("name = \"P\"\n{item}price = \"1\"\nimages = -1\n")),
        vec![
            "price-lists/p.toml:7: items.images: expected a whole number from 0 to 1000, found -1"
        ]
    );
    assert_eq!(
        err(&format!("name = \"P\"\n{item}price = \"1\"\n{item}price = \"2\"\n")),
        vec!["price-lists/p.toml:8: items.sku: \"A\" is used twice"]
    );
    assert_eq!(
        err("name = \"P\"\n[[items]]\nsku = \"A\"\nname = \"A\"\nprice = \"1\"\n"),
        vec!["price-lists/p.toml:2: items.category: missing; this field is required"]
    );
    assert_eq!(
        err(&format!("name = \"P\"\n{item}price = \"1\"\nimages = 2\nprints = [\"8×10\"]\n")),
        vec!["price-lists/p.toml:8: items.prints: names 1 prints, but the item takes 2 images"]
    );
    // Named prints alone say how many photos the item takes.
    let list = parse_price_list(
        "p",
        &format!("name = \"P\"\n{item}price = \"1\"\nprints = [\"8×10\", \"5×7\", \"5×7\"]\n"),
    )
    .unwrap();
    assert_eq!(list.items[0].images, 3);
    assert_eq!(list.items[0].slot_names(), ["8×10", "5×7 #1", "5×7 #2"]);
    // Defaults: one image, taxable.
    let list = parse_price_list("p", &format!("name = \"P\"\n{item}price = \"1\"\n")).unwrap();
    assert_eq!((list.items[0].images, list.items[0].taxable), (1, true));
}

#[test]
fn digital_items_are_one_photo_or_the_whole_event() {
    let item = |extra: &str| {
        format!(
            "name = \"P\"\n[[items]]\nsku = \"D\"\nname = \"D\"\ncategory = \"Digital\"\nprice = \"1\"\n{extra}"
        )
    };
    let list = parse_price_list("p", &item("kind = \"digital\"\n")).unwrap();
    assert_eq!((list.items[0].kind, list.items[0].images), (ItemKind::Digital, 1));
    let list = parse_price_list("p", &item("kind = \"digital-all\"\n")).unwrap();
    assert_eq!((list.items[0].kind, list.items[0].images), (ItemKind::DigitalAll, 0));
    let err = |extra: &str| -> Vec<String> {
        parse_price_list("price-lists/p.toml", &item(extra))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        err("kind = \"digital-all\"\nimages = 3\n"),
        ["price-lists/p.toml:7: items.images: a digital-all item is every photo of the event: \
          leave out `images`"]
    );
    assert_eq!(
        err("kind = \"digital\"\nprints = [\"8×10\"]\n"),
        ["price-lists/p.toml:8: items.prints: a digital item is a file: it names no prints"]
    );
    assert_eq!(
        err("kind = \"poster\"\n"),
        [
            "price-lists/p.toml:7: items.kind: expected one of \"print\", \"digital\", \"digital-all\", found \"poster\""
        ]
    );
}

#[test]
fn free_downloads_say_which_photos_and_how_large() {
    let dir = session_dir(&["IMG_0001.jpg"]);
    let base = "description = \"S\"\ndate = 2026-04-12\ndays_active = 30\n";
    let client =
        "[client]\nid = \"C-1\"\nfirst_name = \"A\"\nlast_name = \"B\"\nemail = \"a@b.example\"\n";
    let parse = |keys: &str| parse_in(dir.path(), &format!("{base}{keys}{client}"));
    let s = parse("downloads = \"favorites\"\ndownload_size = \"2048\"\n").unwrap();
    assert_eq!(s.upsert.downloads, downloads::FreeDownloads::Favorites);
    assert_eq!(s.upsert.download_size, downloads::DownloadSize::Web);
    let s = parse("downloads = \"all\"\ndownload_size = 2048\n").unwrap();
    assert_eq!(s.upsert.download_size, downloads::DownloadSize::Web);
    let s = parse("").unwrap();
    assert_eq!(s.upsert.downloads, downloads::FreeDownloads::None);
    let errors = |keys: &str| -> Vec<String> {
        parse(keys).unwrap_err().iter().map(ToString::to_string).collect()
    };
    assert_eq!(
        errors("downloads = \"all\"\ndownload_size = \"4k\"\n"),
        ["sessions/2026-0412/session.toml:5: download_size: expected \"original\" or \"2048\""]
    );
    assert_eq!(
        errors("download_size = \"original\"\n"),
        [
            "sessions/2026-0412/session.toml:4: download_size: needs `downloads = \"favorites\"` or `\"all\"`"
        ]
    );
}

#[test]
fn the_documented_session_parses() {
    let dir = session_dir(&["IMG_0001.jpg", "Family #2 & co.jpg", "IMG_0007.jpg", "IMG_0008.jpg"]);
    let s = parse_in(dir.path(), SESSION_TOML).unwrap();
    assert!(s.publish);
    assert_eq!(
        s.upsert,
        SessionUpsert {
            description: "Smith Family Portraits".into(),
            date: d(2026, 4, 12),
            price_list: Some("portrait-2026".into()),
            days_active: 30,
            event_type: EventType::None,
            event_code: Some("SMITH26".into()),
            event_description: Some("The Smith family at Maple Lane".into()),
            yearbook_selection: false,
            online_groups: vec!["Outdoor".into(), "Studio".into()],
            client: SessionClient {
                id: "C-1042".into(),
                first_name: "Ann".into(),
                last_name: "Smith".into(),
                email: "ann.smith@example.com".into(),
                phone: Some("+1 555 0142".into()),
                address: Some("12 Elm St, Springfield, IL 62701".into()),
            },
            // upload_groups = ["Outdoor"]: only IMG_0001 is in that group; "Family #2 & co" is
            // also not-selected, IMG_0007 is online = false, IMG_0008 is in no group.
            images: vec![SessionImage {
                name: "IMG_0001.jpg".into(),
                rating: Rating::Selected,
                groups: vec!["Outdoor".into()]
            }],
            cover: None,
            choose: None,
            choose_by: None,
            choose_fewer: false,
            downloads: downloads::FreeDownloads::None,
            download_size: downloads::DownloadSize::Original,
            // The player URL rebuilt from the embed's src; the iframe itself stays behind.
            videos: vec![SessionVideo {
                id: "highlights".into(),
                description: "Session highlights".into(),
                embed_url: "https://s3.amazonaws.com/embed.animoto.com/play.html\
                            ?w=swf/production/vp1&f=abc"
                    .into(),
            }],
        }
    );
    assert_eq!(s.held_back, vec!["Family #2 & co.jpg", "IMG_0007.jpg", "IMG_0008.jpg"]);
}

#[test]
fn videos_go_up_as_player_urls_in_manifest_order() {
    let dir = session_dir(&[]);
    let text = format!(
        r#"{MINIMAL_SESSION}
[[videos]]
id = "first-dance"
description = "  First dance  "
embed = '''
<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?si=x1"
  title="YouTube video player" allowfullscreen></iframe>
'''

[[videos]]
id = "film"
embed = "https://vimeo.com/76979871/8272103f6e"
"#
    );
    let s = parse_in(dir.path(), &text).unwrap();
    assert_eq!(
        s.upsert.videos,
        vec![
            SessionVideo {
                id: "first-dance".into(),
                description: "First dance".into(),
                embed_url: "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ".into(),
            },
            SessionVideo {
                id: "film".into(),
                description: "".into(),
                embed_url: "https://player.vimeo.com/video/76979871?h=8272103f6e".into(),
            },
        ]
    );
    assert!(parse_in(dir.path(), MINIMAL_SESSION).unwrap().upsert.videos.is_empty());
}

#[test]
fn bad_videos_name_file_line_and_field() {
    let m = MINIMAL_SESSION;
    let file = "sessions/2026-0412/session.toml";
    let video = |id: &str, embed: &str| format!("\n[[videos]]\nid = {id:?}\nembed = '{embed}'\n");
    let youtube = "https://youtu.be/dQw4w9WgXcQ";
    let cases: Vec<(String, String)> = vec![
        (
            format!(
                "{m}{}",
                video("v", r#"<iframe src="https://evil.example/play.html"></iframe>"#)
            ),
            format!(
                "{file}:14: videos.embed: not from an allowed video host (Animoto, YouTube, Vimeo): evil.example"
            ),
        ),
        (
            format!("{m}{}", video("v", "javascript:alert(1)")),
            format!(
                "{file}:14: videos.embed: a javascript: address is not a video; expected the player's <iframe> code or a video address starting with https://"
            ),
        ),
        (
            format!("{m}{}", video("v", "<script>alert(1)</script>")),
            format!(
                "{file}:14: videos.embed: no <iframe> in the HTML; paste the player's embed code"
            ),
        ),
        (format!("{m}{}", video(" ", youtube)), format!("{file}:13: videos.id: must not be empty")),
        (
            format!("{m}{}{}", video("v", youtube), video("v", youtube)),
            format!("{file}:17: videos.id: \"v\" is used twice"),
        ),
        (
            format!("{m}\n[[videos]]\nid = \"v\"\n"),
            format!("{file}:12: videos.embed: missing; this field is required"),
        ),
        (
            format!("{m}\n[[videos]]\nid = \"v\"\nembed = '{youtube}'\nurl = '{youtube}'\n"),
            format!(
                "{file}:15: videos.url: unknown field (a typo?); expected one of \"id\", \"description\", \"embed\""
            ),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(one_session_error(&[], &text), expected, "{text}");
    }
    // Every bad video is reported, and the session is left out whole.
    let text = format!("{m}{}{}", video("a", "https://evil.example/"), video("b", "data:x"));
    let errors = session_errors(&[], &text);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with(&format!("{file}:14: videos.embed: ")), "{errors:#?}");
    assert!(errors[1].starts_with(&format!("{file}:18: videos.embed: ")), "{errors:#?}");
}

#[test]
fn defaults_put_every_image_online() {
    let dir = session_dir(&[
        "b.JPG",
        "a.jpeg",
        "c.PNG",
        "d.webp",
        "notes.txt",
        "raw.CR2",
        ".hidden.jpg",
        "._a.jpeg",
        "sub/inner.jpg",
        "session.toml",
    ]);
    let s = parse_in(dir.path(), MINIMAL_SESSION).unwrap();
    assert_eq!(online_names(&s), vec!["a.jpeg", "b.JPG", "c.PNG", "d.webp"]);
    assert!(s.upsert.images.iter().all(|i| i.rating == Rating::Undecided && i.groups.is_empty()));
    assert_eq!(s.upsert.event_type, EventType::None);
    assert_eq!((s.upsert.price_list.as_deref(), s.upsert.event_code.as_deref()), (None, None));
    assert_eq!(s.upsert.date, d(2026, 5, 1));
    assert!(s.held_back.is_empty());
    // publish defaults to false.
    let text = MINIMAL_SESSION.replace("publish = true\n", "");
    assert!(!parse_in(dir.path(), &text).unwrap().publish);
}

#[test]
fn upload_ratings_groups_and_online_filter_images() {
    let files = ["sel.jpg", "not.jpg", "und.jpg", "off.jpg", "grp.jpg", "both.jpg"];
    let dir = session_dir(&files);
    let images = r#"
[images]
"sel.jpg" = { rating = "selected" }
"not.jpg" = { rating = "not-selected", groups = ["Outdoor"] }
"off.jpg" = { rating = "selected", online = false, groups = ["Outdoor"] }
"grp.jpg" = { groups = ["Outdoor", "Private"] }
"both.jpg" = { rating = "selected", groups = ["Studio"] }
"#;
    let with =
        |head: &str| parse_in(dir.path(), &format!("{head}\n{MINIMAL_SESSION}{images}")).unwrap();

    // Default: every rating; online = false still holds an image back.
    assert_eq!(
        online_names(&with("")),
        vec!["both.jpg", "grp.jpg", "not.jpg", "sel.jpg", "und.jpg"]
    );
    // Ratings.
    assert_eq!(online_names(&with("upload = [\"selected\"]")), vec!["both.jpg", "sel.jpg"]);
    assert_eq!(online_names(&with("upload = [\"undecided\"]")), vec!["grp.jpg", "und.jpg"]);
    assert_eq!(online_names(&with("upload = []")), Vec::<&str>::new());
    // Groups.
    assert_eq!(online_names(&with("upload_groups = [\"Outdoor\"]")), vec!["grp.jpg", "not.jpg"]);
    assert_eq!(
        online_names(&with("upload_groups = [\"Outdoor\", \"Studio\"]")),
        vec!["both.jpg", "grp.jpg", "not.jpg"]
    );
    assert_eq!(
        online_names(&with(
            "upload = [\"selected\", \"undecided\"]\nupload_groups = [\"Outdoor\", \"Studio\"]"
        )),
        vec!["both.jpg", "grp.jpg"]
    );
    // Only the groups the client sees go online with an image.
    let s = with("online_groups = [\"Outdoor\"]");
    let grp = s.upsert.images.iter().find(|i| i.name == "grp.jpg").unwrap();
    assert_eq!(grp.groups, vec!["Outdoor"]);
    let both = s.upsert.images.iter().find(|i| i.name == "both.jpg").unwrap();
    assert!(both.groups.is_empty());
    assert_eq!(s.held_back, vec!["off.jpg"]);

    // How many photos the client chooses, by when; a date alone means nothing.
    let asked = with("choose = 2\nchoose_by = \"2026-05-01\"\nchoose_fewer = true");
    assert_eq!(
        (asked.upsert.choose, asked.upsert.choose_by, asked.upsert.choose_fewer),
        (Some(2), Some(d(2026, 5, 1)), true)
    );
    let dated =
        parse_in(dir.path(), &format!("choose_by = \"2026-05-01\"\n{MINIMAL_SESSION}{images}"))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>();
    assert_eq!(
        dated,
        ["sessions/2026-0412/session.toml:1: choose_by: needs `choose`: how many photos the \
             client chooses"]
    );
    // The cover is one of the images that go online.
    assert_eq!(with("cover = \"grp.jpg\"").upsert.cover.as_deref(), Some("grp.jpg"));
    let held = parse_in(dir.path(), &format!("cover = \"off.jpg\"\n{MINIMAL_SESSION}{images}"))
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert_eq!(
        held,
        ["sessions/2026-0412/session.toml:1: cover: \"off.jpg\" is not one of this session's \
             images that go online"]
    );
}

#[test]
fn any_file_name_works() {
    let names = [
        "IMG 1.jpg",
        "Family #2 & co.jpg",
        "a@b $5.png",
        "50% + more.jpeg",
        "Crème brûlée.jpg",
        "Zoë & Jürgen.webp",
        "🎉 party 🎂.jpg",
        "日本語.JPG",
    ];
    let dir = session_dir(&names);
    let mut text = format!("{MINIMAL_SESSION}\n[images]\n");
    for (i, n) in names.iter().enumerate() {
        let rating = if i % 2 == 0 { "selected" } else { "not-selected" };
        text.push_str(&format!("{n:?} = {{ rating = \"{rating}\", groups = [\"G\"] }}\n"));
    }
    text = text.replace("publish = true", "publish = true\nonline_groups = [\"G\"]");
    let s = parse_in(dir.path(), &text).unwrap();
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort();
    assert_eq!(online_names(&s), sorted);
    for image in &s.upsert.images {
        let i = names.iter().position(|n| *n == image.name).unwrap();
        let rating = if i % 2 == 0 { Rating::Selected } else { Rating::NotSelected };
        assert_eq!(
            (image.rating, image.groups.as_slice()),
            (rating, &["G".to_string()][..]),
            "{}",
            image.name
        );
        assert_eq!(fs::read(s.image_path(&image.name)).unwrap(), image.name.as_bytes());
        assert_eq!(s.image_item(&image.name), format!("sessions/2026-0412/{}", image.name));
    }
}

#[test]
fn decomposed_file_names_match_composed_manifest_keys() {
    // macOS stores "Zoë" as "Zoe" + U+0308; the manifest was typed with U+00EB.
    let on_disk = "Zoe\u{308}.jpg";
    let dir = session_dir(&[on_disk]);
    let text =
        format!("{MINIMAL_SESSION}\n[images]\n\"Zo\u{eb}.jpg\" = {{ rating = \"selected\" }}\n");
    let s = parse_in(dir.path(), &text).unwrap();
    assert_eq!(online_names(&s), [on_disk], "the file's own name goes up");
    assert_eq!(s.upsert.images[0].rating, Rating::Selected);
}

#[test]
fn an_image_with_a_name_the_site_refuses_is_held_back_alone() {
    let bad = "tab\there.jpg";
    let dir = session_dir(&["good.jpg", bad]);
    let s = parse_in(dir.path(), MINIMAL_SESSION).unwrap();
    assert_eq!(online_names(&s), ["good.jpg"]);
    let errors: Vec<String> = s.image_errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("control character"), "{errors:?}");
    assert!(errors[0].contains("sessions/2026-0412/tab"), "{errors:?}");
}

#[cfg(unix)]
#[test]
fn odd_names_of_other_files_are_ignored_and_broken_images_are_kept_to_fail_loudly() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = session_dir(&["good.jpg"]);
    // A sidecar whose name is not UTF-8 is none of the connector's business.
    fs::write(dir.path().join(OsStr::from_bytes(b"notes-\xff.txt")), b"x").unwrap();
    // A link to nowhere named like an image stays in the list so its upload fails by name
    // instead of the image silently going offline.
    std::os::unix::fs::symlink(dir.path().join("missing.jpg"), dir.path().join("lost.jpg"))
        .unwrap();
    let s = parse_in(dir.path(), MINIMAL_SESSION).unwrap();
    assert_eq!(online_names(&s), ["good.jpg", "lost.jpg"]);
    assert!(s.image_errors.is_empty());

    // An image whose name is not UTF-8 is named in an error; the session still goes up.
    fs::write(dir.path().join(OsStr::from_bytes(b"bad-\xff.jpg")), b"x").unwrap();
    let s = parse_in(dir.path(), MINIMAL_SESSION).unwrap();
    assert_eq!(online_names(&s), ["good.jpg", "lost.jpg"]);
    assert_eq!(s.image_errors.len(), 1);
    assert!(s.image_errors[0].to_string().contains("not valid UTF-8"));
}

#[test]
fn promotion_codes_are_kept_upper_case() {
    let root = studio_root();
    let text = STUDIO_TOML.replace("code = \"SPRING10\"", "code = \" spring10 \"");
    let studio = parse_studio(root.path(), &text).unwrap();
    assert_eq!(studio.profile.promotions[0].code, "SPRING10");
}

#[test]
fn bad_session_manifests_name_line_and_field() {
    let m = MINIMAL_SESSION;
    let file = "sessions/2026-0412/session.toml";
    let cases: Vec<(String, String)> = vec![
        (
            m.replace("days_active = 14", "days_active = \"thirty\""),
            format!("{file}:3: days_active: expected a whole number of days, found \"thirty\""),
        ),
        (
            m.replace("days_active = 14", "days_active = 0"),
            format!(
                "{file}:3: days_active: expected a whole number of days from 1 to 3650, found 0"
            ),
        ),
        (
            m.replace("date = 2026-05-01", "date = \"May 1\""),
            format!("{file}:2: date: expected a date like \"2026-04-12\", found \"May 1\""),
        ),
        (
            m.replace("publish = true", "publish = true\nevent_type = \"private\""),
            format!("{file}:5: event_code: required when event_type = \"private\""),
        ),
        (
            m.replace("publish = true", "publish = true\nevent_type = \"secret\""),
            format!(
                "{file}:5: event_type: expected one of \"none\", \"private\", \"public\", found \"secret\""
            ),
        ),
        (
            m.replace("publish = true", "publish = true\nupload = [\"selected\", \"maybe\"]"),
            format!(
                "{file}:5: upload: expected one of \"selected\", \"not-selected\", \"undecided\", found \"maybe\""
            ),
        ),
        (
            m.replace("email = \"bo@example.com\"\n", ""),
            format!("{file}:6: client.email: missing; this field is required"),
        ),
        (
            m.replace("bo@example.com", "bo at example"),
            format!(
                "{file}:10: client.email: expected an email address like \"ann@example.com\", found \"bo at example\""
            ),
        ),
        (
            m.replace("publish = true", "publsh = true"),
            format!(
                "{file}:4: publsh: unknown field (a typo?); expected one of \"description\", \"date\", \"price_list\", \"days_active\", \"publish\", \"event_type\", \"event_code\", \"event_description\", \"yearbook_selection\", \"upload\", \"upload_groups\", \"online_groups\", \"cover\", \"choose\", \"choose_by\", \"choose_fewer\", \"downloads\", \"download_size\", \"client\", \"images\", \"videos\", \"contracts\", \"albums\", \"starts\", \"ends\", \"time_zone\", \"location\", \"staff\", \"appointment\""
            ),
        ),
        (
            m.replace("publish = true", "publish = true\nprice_list = \"weddings\""),
            format!(
                "{file}:5: price_list: no price list \"weddings\" (price-lists/weddings.toml does not exist)"
            ),
        ),
        (
            format!("{m}\n[images]\n\"IMG 9.jpg\" = {{ rating = \"selected\" }}\n"),
            format!(
                "{file}:13: images.\"IMG 9.jpg\": no image \"IMG 9.jpg\" in sessions/2026-0412/"
            ),
        ),
        (
            format!("{m}\n[images]\n\"a.jpg\" = {{ rating = \"selected\" }}\n"),
            format!(
                "{file}:13: images.\"a.jpg\": no image \"a.jpg\" in sessions/2026-0412/ (did you mean \"A.JPG\"?)"
            ),
        ),
        (
            format!("{m}\n[images]\n\"notes.txt\" = {{ rating = \"selected\" }}\n"),
            format!(
                "{file}:13: images.\"notes.txt\": \"notes.txt\" is not an image (.jpg, .jpeg, .png or .webp)"
            ),
        ),
        (
            format!("{m}\n[images]\n\"A.JPG\" = {{ rating = \"great\" }}\n"),
            format!(
                "{file}:13: images.\"A.JPG\".rating: expected one of \"selected\", \"not-selected\", \"undecided\", found \"great\""
            ),
        ),
        (
            format!("{m}\n[images]\n\"A.JPG\" = {{ ratng = \"selected\" }}\n"),
            format!(
                "{file}:13: images.\"A.JPG\".ratng: unknown field (a typo?); expected one of \"rating\", \"groups\", \"online\""
            ),
        ),
        (
            format!("{m}\n[[albums]]\nid = \"main\"\nstatus = \"draft\"\nrevision = \"one\"\n"),
            format!("{file}:15: albums.revision: expected a whole number, found \"one\""),
        ),
        (
            m.replace("[client]", "[client\n"),
            format!("{file}:6: invalid TOML: unclosed table, expected \"]\""),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(one_session_error(&["A.JPG", "notes.txt"], &text), expected);
    }
    // Several semantic errors are all reported.
    let text = m
        .replace("publish = true", "publish = true\nevent_type = \"private\"")
        .replace("bo@example.com", "nope");
    assert_eq!(session_errors(&[], &text).len(), 2);
}

/// A library with the documented studio.toml, its branding and the portrait-2026 price list.
fn studio_library() -> tempfile::TempDir {
    let lib = tempfile::tempdir().unwrap();
    let root = lib.path();
    write(root, "studio.toml", STUDIO_TOML.as_bytes());
    write(root, "branding/logo.png", b"logo");
    write(root, "branding/hero.jpg", b"hero");
    write(root, "price-lists/portrait-2026.toml", PRICE_LIST_TOML.as_bytes());
    lib
}

#[test]
fn a_library_reads_what_it_can() {
    let lib = studio_library();
    let root = lib.path();
    write(root, "price-lists/README.txt", b"not a price list");
    write(root, "price-lists/broken.toml", b"name = \"B\"\n[[items]]\nsku = 1\n");
    write(root, "sessions/2026-0412/session.toml", SESSION_TOML.as_bytes());
    write(root, "sessions/2026-0412/IMG_0001.jpg", b"one");
    write(root, "sessions/2026-0412/IMG_0007.jpg", b"seven");
    for page in ["100.jpg", "010.jpg", "2.jpg", "001.jpg", "notes.txt"] {
        write(root, &format!("sessions/2026-0412/albums/main/r1/{page}"), b"page");
    }
    write(root, "sessions/2026-0412/Family #2 & co.jpg", b"fam");
    write(root, "sessions/2026-0412/contracts/agreement.md", b"Dear {{client.first_name}},\n");
    write(
        root,
        "sessions/bad one/session.toml",
        MINIMAL_SESSION.replace("days_active = 14", "days_active = \"thirty\"").as_bytes(),
    );
    write(root, "sessions/bad one/x.jpg", b"x");
    write(
        root,
        "sessions/Zoë 🎉/session.toml",
        MINIMAL_SESSION.replace("publish = true\n", "").as_bytes(),
    );
    write(root, "sessions/not yet/IMG.jpg", b"x");
    write(root, "sessions/.trash/session.toml", b"garbage");

    let library = load_library(root).unwrap();
    assert_eq!(library.studio.as_ref().unwrap().profile.name, "Maple Lane Photography");
    assert_eq!(
        library.price_lists.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        vec!["portrait-2026"]
    );
    assert_eq!(
        library.sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        vec!["2026-0412", "Zoë 🎉"]
    );
    assert_eq!(library.sessions.iter().map(|s| s.publish).collect::<Vec<_>>(), vec![true, false]);
    assert_eq!(
        library.skipped,
        vec![Skipped { item: "sessions/not yet".into(), reason: "no session.toml".into() }]
    );
    let album = &library.sessions[0].albums.ready[0];
    assert_eq!((album.id.as_str(), album.revision), ("main", 1));
    assert_eq!(
        album.pages.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["001.jpg", "2.jpg", "010.jpg", "100.jpg"],
        "pages in the numbers' order; other files are not pages"
    );
    assert_eq!(album.pages[3].item, "sessions/2026-0412/albums/main/r1/100.jpg");
    let errors: Vec<String> = library.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        vec![
            "price-lists/broken.toml:3: items.sku: expected a string, found 1",
            "sessions/bad one/session.toml:3: days_active: expected a whole number of days, found \"thirty\"",
        ]
    );
    assert_eq!(library.errors[1].item, "sessions/bad one/session.toml");
    assert_eq!(library.errors[1].line, Some(3));
}

#[test]
fn a_library_without_studio_toml_says_so() {
    let lib = tempfile::tempdir().unwrap();
    let library = load_library(lib.path()).unwrap();
    assert!(library.studio.is_none() && library.sessions.is_empty());
    assert_eq!(library.errors.len(), 1);
    assert_eq!(library.errors[0].item, "studio.toml");
    assert!(matches!(load_library(lib.path().join("nope")), Err(LibraryError::NotAFolder { .. })));
}

#[test]
fn ids_the_site_cannot_hold_are_held_back_and_any_other_name_goes() {
    let lib = studio_library();
    let root = lib.path();
    let odd = "Smith & Co #2? \"<b>\"";
    let long = "x".repeat(MAX_STUDIO_ID_BYTES + 1);
    for id in [odd, "tab\there", long.as_str()] {
        let manifest = MINIMAL_SESSION
            .replace("publish = true\n", "publish = true\nprice_list = \"portrait-2026\"\n");
        write(root, &format!("sessions/{id}/session.toml"), manifest.as_bytes());
    }
    let invoice = format!("session = {odd:?}\npaid = \"10.00\"\n\n[[items]]\nsku = \"P8X10\"\n");
    write(root, "prepaid/INV\"><img src=x onerror=alert(1)>#1.toml", invoice.as_bytes());
    write(root, "prepaid/INV\r2.toml", invoice.as_bytes());

    let library = load_library(root).unwrap();
    let errors: Vec<String> = library.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        library.sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [odd],
        "{errors:?}"
    );
    assert_eq!(
        library.prepaid.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["INV\"><img src=x onerror=alert(1)>#1"],
        "{errors:?}"
    );
    assert!(
        errors.contains(
            &"sessions/tab\\there: the folder name contains a control character; \
                          rename the folder to put it online"
                .to_string()
        ),
        "{errors:?}"
    );
    assert!(
        errors.contains(&format!(
            "sessions/{long}: the folder name is longer than 200 bytes; rename the folder to put it online"
        )),
        "{errors:?}"
    );
    assert!(
        errors.contains(
            &"prepaid/INV\\r2.toml: the file name contains a control character; \
                          rename the file to put it online"
                .to_string()
        ),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[test]
fn an_album_without_pages_is_held_back_alone_and_one_in_design_stays_home() {
    let lib = studio_library();
    let root = lib.path();
    let albums = "\n[[albums]]\nid = \"main\"\nstatus = \"ready-for-upload\"\nrevision = 2\n\
                  \n[[albums]]\nid = \"parents\"\nstatus = \"in-design\"\nrevision = 1\n";
    write(root, "sessions/s1/session.toml", format!("{MINIMAL_SESSION}{albums}").as_bytes());
    write(root, "sessions/s1/albums/main/r1/001.jpg", b"only revision 1 has pages");
    let library = load_library(root).unwrap();
    let session = &library.sessions[0];
    assert!(session.albums.ready.is_empty());
    assert_eq!(session.albums.not_ready, vec![("parents".to_string(), "in-design".to_string())]);
    let errors: Vec<String> = library.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        ["sessions/s1/albums/main/r2: has no pages: put the revision's page designs in this \
          folder as JPEG, PNG or WebP files named in page order (001.jpg, 002.jpg …); the album \
          is held back until then"],
    );
    assert_eq!(library.sessions.len(), 1, "the session itself still goes");
}

/// MINIMAL_SESSION with schedule lines before its `[client]`.
fn scheduled(lines: &str) -> String {
    MINIMAL_SESSION.replacen("[client]", &format!("{lines}\n[client]"), 1)
}

#[test]
fn a_session_on_the_calendar_has_times_in_its_zone_and_its_staff() {
    let dir = session_dir(&[]);
    let s = parse_in(
        dir.path(),
        &scheduled(
            "starts = 2026-06-13T14:00:00\nends = \"2026-06-13 18:30\"\nlocation = \"Rose Garden\"\nstaff = [\"anna\", \"ben\"]\nappointment = \"abc@phone\"",
        ),
    )
    .unwrap();
    let schedule = s.schedule.expect("on the calendar");
    assert_eq!(schedule.when.time_zone, chrono_tz::America::Chicago, "the studio's zone");
    assert_eq!(schedule.when.starts_utc().to_rfc3339(), "2026-06-13T19:00:00+00:00");
    assert_eq!(schedule.staff, vec!["anna", "ben"]);
    assert_eq!(schedule.location.as_deref(), Some("Rose Garden"));
    assert_eq!(schedule.appointment.as_deref(), Some("abc@phone"));
    let s = parse_in(
        dir.path(),
        &scheduled("starts = \"2026-06-13 14:00\"\nends = \"2026-06-13 15:00\"\ntime_zone = \"Europe/Lisbon\""),
    )
    .unwrap();
    assert_eq!(s.schedule.unwrap().when.starts_utc().to_rfc3339(), "2026-06-13T13:00:00+00:00");
    assert!(parse_in(dir.path(), MINIMAL_SESSION).unwrap().schedule.is_none());
}

#[test]
fn bad_session_times_name_the_field() {
    let e = one_session_error(&[], &scheduled("starts = \"2026-06-13 14:00\""));
    assert!(e.contains("ends: needed with `starts`"), "{e}");
    let e = one_session_error(
        &[],
        &scheduled("starts = \"2026-06-13 14:00\"\nends = \"2026-06-13 13:00\""),
    );
    assert!(e.contains("ends: must be after `starts`"), "{e}");
    let e = one_session_error(
        &[],
        &scheduled("starts = \"2026-03-08 02:30\"\nends = \"2026-03-08 04:00\""),
    );
    assert!(e.contains("starts: 2026-03-08 02:30 does not exist in America/Chicago"), "{e}");
    let e =
        one_session_error(&[], &scheduled("starts = \"13 June 2pm\"\nends = \"2026-06-13 15:00\""));
    assert!(e.contains("expected a local date and time like \"2026-06-13 14:00\""), "{e}");
    let e = one_session_error(
        &[],
        &scheduled("starts = 2026-06-13T14:00:00Z\nends = \"2026-06-13 15:00\""),
    );
    assert!(e.contains("without an offset"), "{e}");
    let e = one_session_error(
        &[],
        &scheduled(
            "starts = \"2026-06-13 14:00\"\nends = \"2026-06-13 15:00\"\ntime_zone = \"Mars/Olympus\"",
        ),
    );
    assert!(e.contains("time_zone: expected a time zone name"), "{e}");
    let e = one_session_error(
        &[],
        &scheduled(
            "staff = [\"anna\", \"anna\"]\nstarts = \"2026-06-13 14:00\"\nends = \"2026-06-13 15:00\"",
        ),
    );
    assert!(e.contains("staff: \"anna\" is used twice"), "{e}");
}

#[test]
fn appointments_and_clients_are_read_and_checked() {
    let chicago = Some(chrono_tz::America::Chicago);
    let a = parse_appointment(
        "consult",
        "title = \"Consultation\"\nstarts = \"2026-06-02 10:00\"\nends = \"2026-06-02 11:00\"\nstaff = [\"anna\"]\nrepeat = \"FREQ=WEEKLY;BYDAY=TU;COUNT=4\"\ntentative = true\n",
        chicago,
    )
    .unwrap();
    assert_eq!(a.title, "Consultation");
    assert!(a.tentative && a.repeat.is_some());
    let e = parse_appointment(
        "consult",
        "title = \"Consultation\"\nstarts = \"2026-06-02 10:00\"\nends = \"2026-06-02 11:00\"\nstaff = [\"anna\"]\nrepeat = \"every tuesday\"\n",
        chicago,
    )
    .unwrap_err();
    assert!(
        e[0].to_string().starts_with("calendar/consult.toml:5: repeat: expected a repeat rule"),
        "{e:?}"
    );
    let e = parse_appointment(
        "x",
        "title = \"X\"\nstarts = \"2026-06-02 10:00\"\nends = \"2026-06-02 11:00\"\n",
        chicago,
    )
    .unwrap_err();
    assert!(e[0].to_string().contains("staff: needed"), "{e:?}");

    let c = parse_client(
        "smith",
        "name = \"Ann Smith\"\nphones = [\"+1 555 0100\", \" \"]\ngroups = [\"weddings-2026\"]\n",
    )
    .unwrap();
    assert_eq!((c.phones.len(), c.groups.len()), (1, 1));
    let e = parse_client("smith", "name = \"Ann\"\nemail = \"not an address\"\n").unwrap_err();
    assert!(e[0].to_string().contains("email: expected an email address"), "{e:?}");
}
