//! Contracts for e-signature: the studio pushes a contract with a session, its client reads and
//! signs it, and the studio gets the signed PDF with its evidence back — with a way to tell a
//! doctored copy, and a check that finds any change to what the server keeps.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use proofroom_server::db::schema::{
    contract_audit, contract_signatures, contracts, outgoing_emails,
};
use std::time::Duration;

use anyhow::ensure;
use fantoccini::actions::{InputSource, MouseActions, PointerAction, TouchActions};
use proofroom_tests::browser::{Page, Screen, story};
use proofroom_tests::shop::{ann, write_studio};
use proofroom_tests::{
    LibraryBuilder, TestApp, Visitor, images, inbox_files, library, pdf_image_count, pdf_text,
    printed,
};
use proofroom_wire::contracts::CONSENT_TEXT;
use reqwest::StatusCode;

/// The studio's agreement: every merge field, and markup that must never reach the page.
const AGREEMENT: &str = "# Wedding photography agreement

Between {{studio.name}} (signed for the studio by {{studio.signer}}) and {{ client.first_name }} {{client.last_name}} <{{client.email}}>.

Session: {{session.description}} on {{session.date}}.

<script>alert('stolen')</script>

<b onclick=\"steal()\">Deposit</b>: **$500** is due at booking. [Terms](javascript:alert(1))

Questions: call {{studio.phone}} or write to {{studio.email}}.
";

const CONTRACT: &str = r#"
[[contracts]]
id = "agreement"
title = "Wedding agreement"
file = "contracts/agreement.md"
due = "2099-01-10"
"#;

/// The sample studio and Ann's session with the agreement, pushed.
async fn studio_with_contract(app: &TestApp, event_type: &str) -> LibraryBuilder {
    let library = LibraryBuilder::new();
    write_studio(&library);
    library.write("sessions/smith/contracts/agreement.md", AGREEMENT);
    library
        .session("smith")
        .event_type(event_type)
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .manifest(CONTRACT)
        .write();
    let pushed = app.push(library.path()).await;
    assert!(pushed.contains("published sessions/smith/contracts/agreement.md"), "{pushed}");
    library
}

/// The contract page's path, from the email that asks Ann to sign.
fn contract_path(app: &TestApp) -> String {
    let asks = app.emails_to("ann.smith@example.com");
    let mail =
        asks.iter().find(|m| m.subject == "Please sign: Wedding agreement").unwrap_or_else(|| {
            panic!(
                "no 'please sign' email: {:?}",
                asks.iter().map(|m| &m.subject).collect::<Vec<_>>()
            )
        });
    assert!(mail.body.contains("Please read it and sign it online by"), "{}", mail.body);
    app.link_in(mail, &format!("{}/contracts/", app.event_path("smith")))
}

/// Ann signs with a typed name (and a drawing, if given); the answer.
async fn sign(
    ann: &mut Visitor,
    path: &str,
    name: &str,
    drawing: Option<Vec<u8>>,
) -> proofroom_tests::visitor::Answer {
    let page = ann.get(path).await;
    let read = hash_on(&page.body);
    let fields = [("consent", "yes"), ("signer_name", name), ("document_sha256", read.as_str())];
    let file = drawing.map(|png| ("drawing", "signature.png", png, "image/png"));
    ann.post_multipart(&format!("{path}/sign"), &fields, file).await
}

fn hash_on(page: &str) -> String {
    let rest = page.split("id=\"document-hash\">").nth(1).expect("the document's hash on the page");
    rest.split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn ann_reads_and_signs_the_contract_and_the_studio_files_the_signed_pdf() {
    let app = TestApp::spawn().await;
    let library = studio_with_contract(&app, "none").await;
    let path = contract_path(&app);
    let mut ann = ann(&app).await;

    let events = ann.get("/my-events").await;
    assert!(events.body.contains("Contract to sign: Wedding agreement"), "{}", events.body);
    let event = ann.get(&app.event_path("smith")).await;
    assert!(event.body.contains("Contract to sign"), "{}", event.body);
    assert!(event.body.contains(&path), "the event page links the contract");

    // The merge fields are filled; nothing of the Markdown's markup reaches the page.
    let page = ann.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(
            "Between Maple Lane Photography (signed for the studio by Jo Maple) and Ann Smith"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("call +1 555 0100 or write to hello@maplelane.example"));
    assert!(page.body.contains("<strong>$500</strong>"), "Markdown is rendered");
    assert!(page.body.contains("&lt;script&gt;alert("), "raw HTML shows as text");
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(page.body.contains("&lt;b onclick="), "shown as the text it is");
    assert!(!page.body.contains("<b onclick"), "never markup");
    assert_eq!(page.body.matches("onclick").count(), 1, "the one in the text only");
    assert!(!page.body.contains("javascript:"), "a script link keeps its words only");
    assert!(page.body.contains("by January 10, 2099"), "{}", page.body);
    let document_hash = hash_on(&page.body);

    // Consent is needed, and the name on record (case and spaces forgiven) or a confirmed one.
    let no_consent = ann
        .post_multipart(
            &format!("{path}/sign"),
            &[("signer_name", "Ann Smith"), ("document_sha256", &document_hash)],
            None,
        )
        .await;
    assert_eq!(no_consent.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_consent.body.contains("Tick the box"), "{}", no_consent.body);
    let other = sign(&mut ann, &path, "Anne Smyth", None).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        other.body.contains("is not the name Maple Lane Photography has for you"),
        "{}",
        other.body
    );
    let not_png = sign(&mut ann, &path, "Ann Smith", Some(b"GIF89a not a png".to_vec())).await;
    assert_eq!(not_png.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", not_png.body);
    let control = sign(&mut ann, &path, "Ann\u{0}Smith", None).await;
    assert_eq!(control.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", control.body);
    let long = sign(&mut ann, &path, &"Ann Smith ".repeat(30), None).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", long.body);
    assert!(long.body.contains("at most 200 characters"), "{}", long.body);

    let drawing = images::png(300, 90);
    let signed = sign(&mut ann, &path, "  ann   SMITH ", Some(drawing)).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.location.as_deref(), Some(path.as_str()));
    let page = ann.get(&path).await;
    assert!(page.body.contains("Signed by ann SMITH on"), "{}", page.body);
    assert!(page.body.contains("America/Chicago"), "shown in the studio's zone: {}", page.body);
    assert!(!page.body.contains("id=\"sign-form\""), "final: nothing to sign");
    let again = sign(&mut ann, &path, "Ann Smith", None).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    // The PDF: the document, then the evidence.
    let (status, headers, pdf) = ann.download(&format!("{path}/signed.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    let (signed_at, ip): (chrono::NaiveDateTime, String) = app.with_db(|conn| {
        contract_signatures::table
            .select((contract_signatures::signed_at, contract_signatures::ip_address))
            .first(conn)
            .unwrap()
    });
    assert_eq!(ip, "127.0.0.1");
    for expected in [
        "Wedding photography agreement",
        "$500 is due at booking",
        "ann SMITH",
        &signed_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        "127.0.0.1",
        &document_hash,
        &CONSENT_TEXT.split_whitespace().collect::<Vec<_>>().join(" "),
    ] {
        assert!(text.contains(expected), "the PDF says {expected:?}: {text}");
    }
    assert!(!text.contains("javascript:"), "the PDF shows no address the page did not: {text}");
    assert_eq!(pdf_image_count(&pdf), 1, "the drawn signature is on the certificate page");

    // Ann gets the PDF by email.
    let mails = app.emails_to("ann.smith@example.com");
    assert!(
        mails.iter().any(|m| m.subject == "Signed: Wedding agreement"),
        "the signed copy is emailed"
    );
    let (name, attached): (Option<String>, Option<Vec<u8>>) = app.with_db(|conn| {
        outgoing_emails::table
            .filter(outgoing_emails::subject.eq("Signed: Wedding agreement"))
            .select((outgoing_emails::attachment_name, outgoing_emails::attachment))
            .first(conn)
            .unwrap()
    });
    assert_eq!(name.as_deref(), Some("agreement-signed.pdf"));
    assert_eq!(attached.as_deref(), Some(pdf.as_slice()));

    // The studio: status counts it, a sync files it once, verify-contract tells it from a fake.
    let status = printed(&app.connector(library.path(), &["status"]).await);
    assert!(
        status.contains("contracts: 0 waiting to be signed, 1 signed since the last sync"),
        "{status}"
    );
    let said = app.sync(library.path()).await;
    assert!(said.contains("1 signed contracts"), "{said}");
    let inbox = library.path().join("inbox/contracts/smith");
    assert_eq!(std::fs::read(inbox.join("agreement-signed.pdf")).unwrap(), pdf);
    let evidence: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inbox.join("agreement.json")).unwrap()).unwrap();
    assert_eq!(evidence["evidence"]["signer_name"], "ann SMITH");
    assert_eq!(evidence["evidence"]["legal_name_confirmed"], false);
    assert_eq!(evidence["evidence"]["ip_address"], "127.0.0.1");
    assert_eq!(evidence["evidence"]["document_sha256"], document_hash.as_str());
    assert_eq!(evidence["evidence"]["drawing_sha256"].as_str().map(str::len), Some(64));
    let tasks = &inbox_files(library.path())["tasks.csv"];
    assert_eq!(
        tasks.matches("Contract \"\"Wedding agreement\"\" signed by ann SMITH").count(),
        1,
        "{tasks}"
    );
    let again = app.sync(library.path()).await;
    assert!(again.contains("0 signed contracts"), "{again}");

    let checked = app
        .connector(
            library.path(),
            &["verify-contract", inbox.join("agreement-signed.pdf").to_str().unwrap()],
        )
        .await;
    assert_eq!(checked.status.code(), Some(0), "{}", printed(&checked));
    assert!(
        printed(&checked).contains("GENUINE: contract \"Wedding agreement\""),
        "{}",
        printed(&checked)
    );
    let mut doctored = pdf.clone();
    let at = doctored.len() / 2;
    doctored[at] ^= 0x01;
    let fake = library.path().join("doctored.pdf");
    std::fs::write(&fake, doctored).unwrap();
    let checked = app.connector(library.path(), &["verify-contract", fake.to_str().unwrap()]).await;
    assert_eq!(checked.status.code(), Some(4), "{}", printed(&checked));
    assert!(printed(&checked).contains("NOT GENUINE"), "{}", printed(&checked));

    // A signed contract never changes: a changed file is refused with what to do.
    library.write("sessions/smith/contracts/agreement.md", AGREEMENT.replace("$500", "$900"));
    let pushed = app.connector(library.path(), &["push"]).await;
    assert_eq!(pushed.status.code(), Some(3), "{}", printed(&pushed));
    assert!(
        printed(&pushed).contains(
            "sessions/smith/contracts/agreement.md: contract \"agreement\" is signed and final"
        ),
        "{}",
        printed(&pushed)
    );
    assert!(printed(&pushed).contains("give it a new id"));
    assert!(ann.get(&path).await.body.contains("<strong>$500</strong>"), "the signed text stays");
}

#[tokio::test]
async fn an_unknown_merge_field_holds_that_contract_back_naming_its_file_and_line() {
    let app = TestApp::spawn().await;
    let library = LibraryBuilder::new();
    write_studio(&library);
    library.write(
        "sessions/smith/contracts/agreement.md",
        "# Agreement\n\nDear {{client.frist_name}},\n",
    );
    library.write("sessions/smith/contracts/release.md", "I, {{client.first_name}}, agree.\n");
    library
        .session("smith")
        .event_type("none")
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .manifest(CONTRACT)
        .manifest("\n[[contracts]]\nid = \"release\"\ntitle = \"Model release\"\nfile = \"contracts/release.md\"\n")
        .write();
    let pushed = app.connector(library.path(), &["push"]).await;
    let said = printed(&pushed);
    assert_eq!(pushed.status.code(), Some(3), "{said}");
    assert!(
        said.contains(
            "sessions/smith/contracts/agreement.md:3: client.frist_name: not a merge field"
        ),
        "{said}"
    );
    assert!(said.contains("published sessions/smith/contracts/release.md"), "{said}");
    let held = app.get_json("/api/v1/contracts").await;
    let ids: Vec<&str> = held["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contract_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["release"], "the agreement is held back");

    // The server checks as well, and names the line.
    let answer = app
        .api(reqwest::Method::PUT, "/api/v1/sessions/smith/contracts/other")
        .json(&serde_json::json!({ "title": "Other", "markdown": "Hi\n{{ client.nmae }}\n" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(error["error"], "invalid_contract");
    assert!(
        error["message"].as_str().unwrap().contains("line 2: client.nmae is not a merge field"),
        "{error}"
    );
}

#[tokio::test]
async fn nobody_but_the_sessions_client_sees_reads_or_signs_the_contract() {
    let app = TestApp::spawn().await;
    let library = studio_with_contract(&app, "public").await;
    library
        .session("jones")
        .event_type("none")
        .client(("C-2", "Bea", "Jones", "bea@example.com"))
        .image("Jones 01.jpg", images::jpeg(600, 400))
        .write();
    app.push(library.path()).await;
    let path = contract_path(&app);
    let event = app.event_path("smith");

    let mut anonymous = Visitor::new(&app.base_url);
    let mut bea = Visitor::new(&app.base_url);
    assert_eq!(bea.sign_in("bea@example.com", "jones").await.status, StatusCode::SEE_OTHER);
    let mut guest = Visitor::new(&app.base_url);
    let event_id = event.trim_start_matches("/events/");
    app.register_guest(
        &mut guest,
        Some(event_id),
        "Gus",
        "gus@example.com",
        "correct horse battery",
    )
    .await;
    for (who, visitor) in [
        ("nobody signed in", &mut anonymous),
        ("another client", &mut bea),
        ("a guest", &mut guest),
    ] {
        let gallery = visitor.get(&event).await;
        assert!(!gallery.body.contains("Contract to sign"), "{who} sees no contract");
        assert_eq!(visitor.get(&path).await.status, StatusCode::NOT_FOUND, "{who}: the page");
        let (status, _, _) = visitor.download(&format!("{path}/signed.pdf")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: the PDF");
        let signing = visitor
            .post_multipart(
                &format!("{path}/sign"),
                &[("consent", "yes"), ("signer_name", "Ann Smith")],
                None,
            )
            .await;
        assert_eq!(signing.status, StatusCode::NOT_FOUND, "{who}: signing");
    }
    let signed: i64 =
        app.with_db(|conn| contract_signatures::table.count().get_result(conn).unwrap());
    assert_eq!(signed, 0);
    let mut ann = ann(&app).await;
    assert_eq!(ann.get(&path).await.status, StatusCode::OK, "Ann herself reads it");
}

#[tokio::test]
async fn an_unsigned_contract_follows_its_file_and_is_withdrawn_when_the_manifest_drops_it() {
    let app = TestApp::spawn().await;
    let library = studio_with_contract(&app, "none").await;
    let path = contract_path(&app);
    let mut ann = ann(&app).await;
    let first = ann.get(&path).await;
    assert!(first.body.contains("<strong>$500</strong>"));
    let read = hash_on(&first.body);
    let unchanged = app.push(library.path()).await;
    assert!(!unchanged.contains("contracts/agreement.md"), "sent once: {unchanged}");

    library.write("sessions/smith/contracts/agreement.md", AGREEMENT.replace("$500", "$600"));
    let only = app.connector(library.path(), &["sync", "--only", "contracts"]).await;
    let pushed = printed(&only);
    assert_eq!(only.status.code(), Some(0), "{pushed}");
    assert!(
        pushed.contains("replaced (nobody had signed it) sessions/smith/contracts/agreement.md"),
        "`--only contracts` moves contracts: {pushed}"
    );
    assert!(!pushed.contains("not part of this version"), "{pushed}");
    // Signing the text read before the change is refused, and the page shows the new one.
    let stale = ann
        .post_multipart(
            &format!("{path}/sign"),
            &[("consent", "yes"), ("signer_name", "Ann Smith"), ("document_sha256", &read)],
            None,
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("The studio changed this contract while you were reading it"));
    assert!(stale.body.contains("<strong>$600</strong>"), "{}", stale.body);
    let page = ann.get(&path).await;
    assert!(page.body.contains("<strong>$600</strong>"), "Ann reads the new text");

    library
        .session("smith")
        .event_type("none")
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .write();
    let pushed = app.push(library.path()).await;
    assert!(pushed.contains("withdrew contract \"agreement\""), "{pushed}");
    assert_eq!(ann.get(&path).await.status, StatusCode::GONE);
    let late = ann
        .post_multipart(
            &format!("{path}/sign"),
            &[("consent", "yes"), ("signer_name", "Ann Smith")],
            None,
        )
        .await;
    assert_eq!(late.status, StatusCode::GONE, "a withdrawn contract cannot be signed");
    assert!(late.body.contains("withdrew this contract"), "{}", late.body);
    assert!(!ann.get("/my-events").await.body.contains("Contract to sign"));
    let actions: Vec<String> = app.with_db(|conn| {
        contract_audit::table
            .order(contract_audit::position)
            .select(contract_audit::action)
            .load(conn)
            .unwrap()
    });
    assert_eq!(actions, ["published", "viewed", "replaced", "viewed", "withdrawn"]);
    let signed: i64 =
        app.with_db(|conn| contract_signatures::table.count().get_result(conn).unwrap());
    assert_eq!(signed, 0, "nothing was signed");
}

/// `proofroom contracts verify` against the test server's database: its exit code and output.
fn verify(app: &TestApp) -> (bool, String) {
    let out = std::process::Command::new(proofroom_tests::server_binary())
        .args(["contracts", "verify"])
        .env_remove("PROOFROOM_CONFIG")
        .env("PROOFROOM_DATA_DIR", &app.config.data_dir)
        .env("PROOFROOM_DATABASE_URL", app.config.database_url())
        .output()
        .unwrap();
    (out.status.success(), printed(&out))
}

#[tokio::test]
async fn verify_names_a_changed_document_byte_and_an_edited_deleted_or_reordered_audit_row() {
    let app = TestApp::spawn().await;
    let _library = studio_with_contract(&app, "none").await;
    let path = contract_path(&app);
    let mut ann = ann(&app).await;
    assert_eq!(sign(&mut ann, &path, "Ann Smith", None).await.status, StatusCode::SEE_OTHER);
    ann.download(&format!("{path}/signed.pdf")).await;
    let (ok, said) = verify(&app);
    assert!(ok, "{said}");
    assert!(said.contains("checked 1 contracts, 1 signatures, 4 audit rows"), "{said}");

    // One changed byte of the stored document.
    let html: String =
        app.with_db(|conn| contracts::table.select(contracts::document_html).first(conn).unwrap());
    let changed = html.replacen("$500", "$900", 1);
    let set_html = |html: &str| {
        app.with_db(|conn| {
            diesel::update(contracts::table)
                .set(contracts::document_html.eq(html))
                .execute(conn)
                .unwrap()
        })
    };
    set_html(&changed);
    let (ok, said) = verify(&app);
    assert!(!ok && said.contains("the stored document does not match its hash"), "{said}");
    set_html(&html);
    assert!(verify(&app).0);

    // An audit row edited.
    let detail: String = app.with_db(|conn| {
        contract_audit::table
            .filter(contract_audit::position.eq(2))
            .select(contract_audit::detail)
            .first(conn)
            .unwrap()
    });
    let set_detail = |detail: &str| {
        app.with_db(|conn| {
            diesel::update(contract_audit::table.filter(contract_audit::position.eq(2)))
                .set(contract_audit::detail.eq(detail))
                .execute(conn)
                .unwrap()
        })
    };
    set_detail("by Ann Smith from 10.0.0.1");
    let (ok, said) = verify(&app);
    assert!(
        !ok && said.contains("audit row 2 (viewed): its content does not match its hash"),
        "{said}"
    );
    set_detail(&detail);
    assert!(verify(&app).0);

    // Two rows swapped.
    let swap = |a: i32, b: i32| {
        app.with_db(|conn| {
            let row = |p: i32| contract_audit::table.filter(contract_audit::position.eq(p));
            diesel::update(row(a)).set(contract_audit::position.eq(-1)).execute(conn).unwrap();
            diesel::update(row(b)).set(contract_audit::position.eq(a)).execute(conn).unwrap();
            diesel::update(row(-1)).set(contract_audit::position.eq(b)).execute(conn).unwrap();
        })
    };
    swap(2, 3);
    let (ok, said) = verify(&app);
    assert!(!ok && said.contains("does not follow the row before it"), "{said}");
    swap(2, 3);
    assert!(verify(&app).0);

    // A row deleted: the last one, which no later row links to.
    app.with_db(|conn| {
        diesel::delete(contract_audit::table.filter(contract_audit::position.eq(4)))
            .execute(conn)
            .unwrap()
    });
    let (ok, said) = verify(&app);
    assert!(!ok && said.contains("the audit trail has 3 rows; the contract recorded 4"), "{said}");
}

/// Ann signs in a browser: reads, ticks the consent, types her name, draws her signature with
/// the mouse (on a phone, with a finger), signs, and downloads the PDF.
async fn signs_in_a_browser(screen: Screen, name: &str) {
    let app = TestApp::spawn().await;
    let _library = studio_with_contract(&app, "none").await;
    contract_path(&app);
    let app = &app;
    story(name, &app.base_url, screen, |page: Page| async move {
        page.sign_in_and_open("ann.smith@example.com", "smith", "/my-events").await?;
        page.press_on_text("Contract to sign: Wedding agreement").await?;
        page.heading("Wedding agreement").await?;
        page.says("#contract-document", "Between Maple Lane Photography").await?;
        page.axe().await?;
        page.snapshot("to-sign").await?;
        page.press_on("#consent").await?;
        page.fill("#signer-name", "Ann Smith").await?;
        // The pad is there with script; a stroke across it becomes the file the form sends.
        page.shown("#signature-pad canvas").await?;
        let canvas = page.find("#signature-pad canvas").await?;
        let stroke = [(-120.0, 10.0), (-60.0, -25.0), (0.0, 20.0), (60.0, -20.0), (120.0, 15.0)];
        match page.screen {
            Screen::Desktop => {
                let mut mouse =
                    MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
                        element: canvas,
                        duration: None,
                        x: stroke[0].0,
                        y: stroke[0].1,
                    });
                mouse = mouse.then(PointerAction::Down { button: 0 });
                for pair in stroke.windows(2) {
                    let (dx, dy) = (pair[1].0 - pair[0].0, pair[1].1 - pair[0].1);
                    mouse = mouse.then(PointerAction::MoveBy {
                        duration: Some(Duration::from_millis(60)),
                        x: dx,
                        y: dy,
                    });
                }
                page.client.perform_actions(mouse.then(PointerAction::Up { button: 0 })).await?;
            }
            Screen::Phone | Screen::SmallPhone => {
                page.js(
                    "arguments[0].scrollIntoView({block: 'center'}); return true;",
                    vec![serde_json::to_value(&canvas)?],
                )
                .await?;
                let mut finger =
                    TouchActions::new("finger".into()).then(PointerAction::MoveToElement {
                        element: canvas,
                        duration: None,
                        x: stroke[0].0 / 2.0,
                        y: stroke[0].1 / 2.0,
                    });
                finger = finger.then(PointerAction::Down { button: 0 });
                for pair in stroke.windows(2) {
                    let (dx, dy) = ((pair[1].0 - pair[0].0) / 2.0, (pair[1].1 - pair[0].1) / 2.0);
                    finger = finger.then(PointerAction::MoveBy {
                        duration: Some(Duration::from_millis(60)),
                        x: dx,
                        y: dy,
                    });
                }
                page.client.perform_actions(finger.then(PointerAction::Up { button: 0 })).await?;
            }
        }
        page.wait_for(
            "the drawing to join the form",
            "return document.querySelector('#signature-pad input[type=file]').files.length === 1;",
        )
        .await?;
        page.snapshot("drawn").await?;
        page.press_on("#sign-button").await?;
        page.wait_for_text("Signed by Ann Smith on").await?;
        page.axe().await?;
        ensure!(page.all("#sign-form").await?.is_empty(), "signed: nothing more to sign");

        let bytes = page
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 fetch(document.querySelector('#download-pdf').href) \
                   .then(r => r.arrayBuffer()) \
                   .then(b => done(Array.from(new Uint8Array(b))));",
                vec![],
            )
            .await?;
        let pdf: Vec<u8> = serde_json::from_value(bytes)?;
        let text = pdf_text(&pdf);
        ensure!(
            text.contains("Signer name (typed): Ann Smith"),
            "the PDF names the signer: {text}"
        );
        ensure!(pdf_image_count(&pdf) == 1, "the drawing is on the certificate page");
        let drawn: Option<String> = app.with_db(|conn| {
            contract_signatures::table
                .select(contract_signatures::drawing_sha256)
                .first(conn)
                .unwrap()
        });
        ensure!(drawn.as_ref().map(String::len) == Some(64), "the drawing is kept: {drawn:?}");
        ensure!(text.contains(&format!("Drawn signature SHA-256: {}", drawn.unwrap())), "{text}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn ann_signs_with_the_mouse_in_a_desktop_browser() {
    signs_in_a_browser(Screen::Desktop, "contract-desktop").await;
}

#[tokio::test]
async fn ann_signs_with_her_finger_on_a_phone() {
    signs_in_a_browser(Screen::Phone, "contract-phone").await;
}

#[tokio::test]
async fn a_contract_due_within_three_days_is_reminded_once_while_unsigned() {
    let app = TestApp::builder().notice_seconds(1).spawn().await;
    let due = library::studio_today() + chrono::Days::new(2);
    let library = LibraryBuilder::new();
    write_studio(&library);
    library.write("sessions/smith/contracts/agreement.md", AGREEMENT);
    library
        .session("smith")
        .event_type("none")
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .manifest(&CONTRACT.replace("2099-01-10", &due.to_string()))
        .write();
    app.push(library.path()).await;
    let mut reminder = None;
    for _ in 0..200 {
        let mails = app.emails_to("ann.smith@example.com");
        reminder = mails.into_iter().find(|m| m.subject.starts_with("Reminder:"));
        if reminder.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let reminder = reminder.expect("a reminder within 20 s");
    assert!(
        reminder.subject.starts_with("Reminder: please sign Wedding agreement by"),
        "{}",
        reminder.subject
    );
    assert!(reminder.body.contains("is waiting for your signature"), "{}", reminder.body);
    assert!(reminder.body.contains("/contracts/"), "the link to sign: {}", reminder.body);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let subjects: Vec<String> =
        app.emails_to("ann.smith@example.com").into_iter().map(|m| m.subject).collect();
    assert_eq!(
        subjects.iter().filter(|s| s.starts_with("Reminder:")).count(),
        1,
        "one reminder: {subjects:?}"
    );
}

#[tokio::test]
async fn a_session_given_to_another_client_takes_its_unsigned_contract_along() {
    let app = TestApp::spawn().await;
    let library = studio_with_contract(&app, "none").await;
    let path = contract_path(&app);
    let mut ann = ann(&app).await;
    assert_eq!(ann.get(&path).await.status, StatusCode::OK);

    library
        .session("smith")
        .event_type("none")
        .client(("C-7", "Bea", "Jones", "bea@example.com"))
        .image("Smith 01.jpg", images::jpeg(600, 400))
        .manifest(CONTRACT)
        .write();
    let pushed = app.push(library.path()).await;
    assert!(!pushed.contains("contracts/agreement.md"), "the file itself is unchanged: {pushed}");
    assert_eq!(ann.get(&path).await.status, StatusCode::NOT_FOUND, "no longer Ann's");
    let mut bea = Visitor::new(&app.base_url);
    assert_eq!(bea.sign_in("bea@example.com", "jones").await.status, StatusCode::SEE_OTHER);
    assert!(bea.get("/my-events").await.body.contains("Contract to sign: Wedding agreement"));
    let page = bea.get(&path).await;
    assert!(page.body.contains("and Bea Jones &lt;bea@example.com&gt;"), "{}", page.body);
    let signed = sign(&mut bea, &path, "bea jones", None).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
}
