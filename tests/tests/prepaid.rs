//! Prepaid packages: the studio pushes an invoice sold at the session, the client picks a photo
//! for each print online, reviews and submits — final — and the picks land in the inbox.

use proofroom_tests::shop::{ann, photos, shop};
use proofroom_tests::visitor::Answer;
use proofroom_tests::{TestApp, inbox_files, printed};
use reqwest::StatusCode;

const INVOICE: &str = r#"session = "smith"
paid = "149.00"

[[items]]
sku = "P8X10"
quantity = 2

[[items]]
sku = "PKG-A"
"#;

/// The `pick_…` field names of the page, in order.
fn pick_fields(page: &Answer) -> Vec<String> {
    page.body
        .split("name=\"pick_")
        .skip(1)
        .map(|rest| format!("pick_{}", rest.split('"').next().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_client_fills_a_prepaid_package_and_the_studio_gets_the_picks() {
    let app = TestApp::spawn().await;
    let library = shop(&app).await;
    library.write("prepaid/INV-2041.toml", INVOICE);
    library.write(
        "prepaid/BAD.toml",
        "session = \"smith\"\npaid = \"10.00\"\n\n[[items]]\nsku = \"NOPE\"\n",
    );

    let status = app.connector(library.path(), &["status"]).await;
    assert!(printed(&status).contains("INV-2041 (session smith): pending"), "{}", printed(&status));
    // The bad invoice is named with its line; the good one goes up.
    let pushed = app.connector(library.path(), &["push"]).await;
    let said = printed(&pushed);
    assert_eq!(pushed.status.code(), Some(3), "{said}");
    assert!(
        said.contains("prepaid/BAD.toml:5: items.sku: \"NOPE\" is not on price list portrait-2026"),
        "{said}"
    );
    assert!(said.contains("pushed prepaid/INV-2041.toml"), "{said}");
    let again = printed(&app.connector(library.path(), &["push"]).await);
    assert!(!again.contains("pushed prepaid/INV-2041.toml"), "unchanged, not sent again: {again}");
    library.remove("prepaid/BAD.toml");
    let status = app.connector(library.path(), &["status"]).await;
    assert!(
        printed(&status).contains("INV-2041 (session smith): uploaded"),
        "{}",
        printed(&status)
    );

    let event = app.event_path("smith");
    let mut ann = ann(&app).await;
    let photos = photos(&mut ann, &event).await;
    let names: Vec<&str> = photos.iter().map(|p| p.rsplit('/').next().unwrap()).collect();
    let gallery = ann.get(&event).await;
    assert!(gallery.body.contains("Your prepaid package"), "{}", gallery.body);
    let path = format!("{event}/prepaid/INV-2041");
    let page = ann.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("0 of 5 photos picked"), "{}", page.body);
    assert!(page.body.contains("paid $149.00"));
    let fields = pick_fields(&page);
    assert_eq!(fields.len(), 5, "two 8×10 prints and a package of three: {fields:?}");

    // Two picked, then review: three are missing, and nothing is submitted.
    let some: Vec<(&str, &str)> =
        vec![(fields[0].as_str(), names[0]), (fields[1].as_str(), names[1])];
    let saved = ann.post(&path, &[some.clone(), vec![("action", "save")]].concat()).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let review = ann.post(&path, &[("action", "review")]).await;
    assert_eq!(review.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(review.body.contains("Pick 3 more photos"), "{}", review.body);
    let submit = ann.post(&path, &[("action", "submit")]).await;
    assert_eq!(
        submit.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an incomplete package is not submitted"
    );
    assert!(ann.get(&path).await.body.contains("2 of 5 photos picked"));

    // A print the package does not have, and a photo of no gallery, are refused.
    for field in ["pick_0_7_0", "pick_2147483647_2147483647_2147483647", "pick_0_0", "pick_a_0_0"] {
        let wrong = ann.post(&path, &[(field, names[0]), ("action", "save")]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
    }
    let wrong = ann.post(&path, &[("pick_0_0_0", "nope"), ("action", "save")]).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);

    let rest: Vec<(&str, &str)> = fields[2..]
        .iter()
        .zip([names[2], names[0], names[1]])
        .map(|(f, n)| (f.as_str(), n))
        .collect();
    let review = ann.post(&path, &[rest, vec![("action", "review")]].concat()).await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    assert!(review.body.contains("Submit my picks"));
    assert!(review.body.contains("Smith 03.jpg"), "{}", review.body);
    let done = ann.post(&path, &[("action", "submit")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = ann.get(&path).await;
    assert!(page.body.contains("Submitted on"), "{}", page.body);
    assert!(!page.body.contains("<select"), "final: nothing to change");
    let late = ann.post(&path, &[(fields[0].as_str(), names[2]), ("action", "save")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);

    // The studio gets the picks, once — even when the gallery is taken down before it syncs.
    let down = app.connector(library.path(), &["take-down", "smith", "--yes"]).await;
    assert!(down.status.success(), "{}", printed(&down));
    let said = app.sync(library.path()).await;
    assert!(said.contains("1 prepaid selections"), "{said}");
    let inbox = inbox_files(library.path());
    let json: serde_json::Value = serde_json::from_str(&inbox["prepaid/INV-2041.json"]).unwrap();
    assert_eq!(json["client_id"], "C-1042");
    assert_eq!(json["paid"], "149.00");
    assert_eq!(json["items"][0]["sku"], "P8X10");
    assert_eq!(json["items"][0]["picks"], serde_json::json!([["Smith 01.jpg"], ["Smith 02.jpg"]]));
    assert_eq!(
        json["items"][1]["picks"],
        serde_json::json!([["Smith 03.jpg", "Smith 01.jpg", "Smith 02.jpg"]])
    );
    assert_eq!(inbox["tasks.csv"].matches("Prepaid package INV-2041").count(), 1);
    let status = app.connector(library.path(), &["status"]).await;
    assert!(
        printed(&status).contains("INV-2041 (session smith): selected"),
        "{}",
        printed(&status)
    );

    // A filled package cannot change any more; the studio is told why.
    library.write("prepaid/INV-2041.toml", INVOICE.replace("quantity = 2", "quantity = 3"));
    let said = app.push(library.path()).await;
    assert!(
        said.contains("skipped prepaid/INV-2041.toml: the client has submitted their picks"),
        "{said}"
    );

    // Nobody else sees it: a visitor is asked to sign in, and brought back to the package.
    let mut stranger = proofroom_tests::Visitor::new(&app.base_url);
    let asked = stranger.get(&path).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(asked.location.as_deref(), Some(format!("/login?next={path}").as_str()));
}
