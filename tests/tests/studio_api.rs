//! The studio API as a program in the studio meets it: tokens, upserts and every refusal.

use proofroom_tests::{TestApp, images};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn session(
    event_type: &str,
    code: Option<&str>,
    price_list: Option<&str>,
    images: &[&str],
) -> Value {
    json!({
        "description": "Smith Family Portraits",
        "date": "2026-04-12",
        "price_list": price_list,
        "days_active": 30,
        "event_type": event_type,
        "event_code": code,
        "event_description": null,
        "client": {
            "id": "C-1042", "first_name": "Ann", "last_name": "Smith",
            "email": "ann.smith@example.com", "phone": null, "address": null
        },
        "images": images.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
    })
}

async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("errors are JSON");
    (
        status,
        body["error"].as_str().expect("error code").to_string(),
        body["message"].as_str().expect("message").to_string(),
    )
}

async fn upload(app: &TestApp, session: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let sha = images::sha256(&bytes);
    app.api(Method::PUT, &format!("/api/v1/sessions/{session}/images"))
        .query(&[("name", name)])
        .header(proofroom_wire::SHA256_HEADER, sha)
        .body(bytes)
        .send()
        .await
        .expect("upload request")
}

async fn put_session(app: &TestApp, id: &str, body: &Value) -> reqwest::Response {
    app.api(Method::PUT, &format!("/api/v1/sessions/{id}"))
        .json(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn without_the_studio_token_nothing_is_answered() {
    let app = TestApp::spawn().await;
    let none = app.http.get(app.url("/api/v1/sessions")).send().await.unwrap();
    let (status, code, message) = error_of(none).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "unauthorized"));
    assert!(message.contains("Bearer"), "{message}");

    let wrong = app.http.get(app.url("/api/v1/sessions")).bearer_auth("prt_not-the-token").send();
    let (status, code, _) = error_of(wrong.await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "unauthorized"));

    // An upload without a token is refused before its body matters.
    let upload = app
        .http
        .put(app.url("/api/v1/sessions/x/images?name=a.jpg"))
        .body(images::jpeg(64, 64))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_documented_route_exists_and_needs_the_token() {
    let app = TestApp::spawn().await;
    let doc: Value =
        app.http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let concrete = path.replace("{slot}", "logo").replace("{id}", "some-id");
            let response = app
                .http
                .request(method.to_uppercase().parse().unwrap(), app.url(&concrete))
                .query(&[("name", "a.jpg")])
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} is documented but did not answer as a guarded route"
            );
        }
    }
    // What the connector calls must be documented.
    for path in [
        "/api/v1/studio",
        "/api/v1/studio/branding/{slot}",
        "/api/v1/price-lists/{id}",
        "/api/v1/sessions",
        "/api/v1/sessions/{id}",
        "/api/v1/sessions/{id}/images",
        "/api/v1/sessions/{id}/expiry",
        "/api/v1/clients/{id}/reset-login",
        "/api/v1/feed",
        "/api/v1/feed/ack",
        "/api/v1/feed/waiting",
        "/api/v1/orders/{number}/status",
        "/api/v1/prepaid",
        "/api/v1/prepaid/{id}",
        "/api/v1/downloads",
        "/api/v1/orders/{number}/payment",
        "/api/v1/contracts",
        "/api/v1/sessions/{session}/contracts/{contract}",
        "/api/v1/contracts/{session}/{contract}/signed.pdf",
        "/api/v1/contracts/verify",
        "/api/v1/albums",
        "/api/v1/sessions/{session}/albums/{album}",
        "/api/v1/sessions/{session}/albums/{album}/pages",
        "/api/v1/albums/{session}/{album}/revisions/{revision}/pinned/{page}",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the OpenAPI document");
    }
    assert_eq!(operations, 30, "documented operations");
    // And an undocumented route is simply not there.
    let response = app.api(Method::GET, "/api/v1/nothing-here").send().await.unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn a_session_names_what_is_wrong_with_it() {
    let app = TestApp::spawn().await;
    let unknown = put_session(&app, "s1", &session("none", None, Some("no-such-list"), &[])).await;
    let (status, code, message) = error_of(unknown).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "unknown_price_list"));
    assert!(message.contains("no-such-list"), "{message}");

    let private = put_session(&app, "s1", &session("private", None, None, &[])).await;
    let (status, code, _) = error_of(private).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "event_code_required"));

    let not_json = app
        .api(Method::PUT, "/api/v1/sessions/s1")
        .header("content-type", "application/json")
        .body("{\"description\": ")
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_of(not_json).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "invalid_body"), "{message}");

    let wrong_type = put_session(&app, "s1", &json!({"description": 12})).await;
    let (status, code, message) = error_of(wrong_type).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"));
    assert!(message.contains("expected a string"), "{message}");

    let wrong_type = put_session(&app, "s1", &json!({"description": "x"})).await;
    let (status, code, message) = error_of(wrong_type).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"));
    assert!(message.contains("missing field"), "{message}");

    // Nothing was created by any of these.
    let sessions = app.get_json("/api/v1/sessions").await;
    assert_eq!(sessions["sessions"], json!([]));
}

#[tokio::test]
async fn a_nul_character_is_refused_on_either_backend() {
    let app = TestApp::spawn().await;
    let mut body = session("public", None, None, &["a.jpg"]);
    body["description"] = json!("Smith\u{0}Family");
    let (status, code, _) = error_of(put_session(&app, "s1", &body).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_character"));

    put_session(&app, "s1", &session("public", None, None, &["a.jpg"])).await;
    let (status, code, _) =
        error_of(upload(&app, "s1", "a\u{0}.jpg", images::jpeg(64, 64)).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_image_name"));
    let listing = app.api(Method::GET, "/api/v1/sessions/s%001/images").send().await.unwrap();
    let (status, code, _) = error_of(listing).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "session_not_found"));
}

#[tokio::test]
async fn a_streamed_body_over_the_limit_is_cut_off_and_nothing_kept() {
    let app = TestApp::builder().max_upload_bytes(1_000_000).spawn().await;
    put_session(&app, "s1", &session("public", None, None, &["big.jpg"])).await;
    // No Content-Length: the server can only count as the bytes arrive.
    let chunks = (0..40).map(|_| Ok::<_, std::io::Error>(vec![0xFFu8; 64 * 1024]));
    let response = app
        .api(Method::PUT, "/api/v1/sessions/s1/images")
        .query(&[("name", "big.jpg")])
        .header(proofroom_wire::SHA256_HEADER, images::sha256(b"whatever"))
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await;
    match response {
        Ok(response) => {
            let (status, code, _) = error_of(response).await;
            assert_eq!((status, code.as_str()), (StatusCode::PAYLOAD_TOO_LARGE, "file_too_large"));
        }
        // The server may close the connection while the client is still sending.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    let leftovers = std::fs::read_dir(&app.state.upload_dir).unwrap().count();
    assert_eq!(leftovers, 0, "the partial upload was removed");
    assert_eq!(app.get_json("/api/v1/sessions/s1/images").await["images"], json!([]));
}

#[tokio::test]
async fn an_upsert_is_idempotent_and_keeps_the_first_online_date() {
    let app = TestApp::spawn().await;
    let body = session("public", None, None, &["a.jpg"]);
    let first: Value = put_session(&app, "s1", &body).await.json().await.unwrap();
    let second: Value = put_session(&app, "s1", &body).await.json().await.unwrap();
    assert_eq!(first, second);
    let sessions = app.get_json("/api/v1/sessions").await;
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 1);
    let first_online =
        chrono::NaiveDate::parse_from_str(first["first_online"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let expires =
        chrono::NaiveDate::parse_from_str(first["expires_on"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    assert_eq!((expires - first_online).num_days(), 30);
}

#[tokio::test]
async fn bad_image_uploads_get_their_own_answers_and_store_nothing() {
    let app = TestApp::builder().max_upload_bytes(2_000_000).spawn().await;
    let names = ["truncated.jpg", "drawing.svg.jpg", "notes.jpg", "bomb.png", "huge.jpg", "ok.jpg"];
    let response = put_session(&app, "s1", &session("public", None, None, &names)).await;
    assert_eq!(response.status(), StatusCode::OK);

    let mut truncated = images::jpeg(800, 600);
    truncated.truncate(truncated.len() / 2);
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        ("truncated.jpg", truncated, StatusCode::UNPROCESSABLE_ENTITY, "corrupt_image"),
        (
            "drawing.svg.jpg",
            images::svg(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image_type",
        ),
        (
            "notes.jpg",
            b"Just some text, renamed to .jpg\n".repeat(20),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image_type",
        ),
        (
            "bomb.png",
            images::png_bomb(20_000, 20_000),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_pixels",
        ),
        ("huge.jpg", vec![0xFF; 2_500_000], StatusCode::PAYLOAD_TOO_LARGE, "file_too_large"),
    ];
    for (name, bytes, want_status, want_code) in cases {
        let (status, code, message) = error_of(upload(&app, "s1", name, bytes).await).await;
        assert_eq!((status, code.as_str()), (want_status, want_code), "{name}: {message}");
        assert!(!message.is_empty());
    }

    // A body that does not match its SHA-256 (cut in transit) is refused whole.
    let bytes = images::jpeg(300, 200);
    let response = app
        .api(Method::PUT, "/api/v1/sessions/s1/images")
        .query(&[("name", "ok.jpg")])
        .header(proofroom_wire::SHA256_HEADER, images::sha256(b"something else"))
        .body(bytes)
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(response).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "sha256_mismatch"));

    // An image the session does not list.
    let (status, code, _) =
        error_of(upload(&app, "s1", "stray.jpg", images::jpeg(64, 64)).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "image_not_in_session"));

    // An unknown session.
    let (status, code, _) =
        error_of(upload(&app, "nope", "a.jpg", images::jpeg(64, 64)).await).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "session_not_found"));

    let listing = app.get_json("/api/v1/sessions/s1/images").await;
    assert_eq!(listing["images"], json!([]), "nothing was stored");
    let leftovers = std::fs::read_dir(&app.state.upload_dir).unwrap().count();
    assert_eq!(leftovers, 0, "no scratch files left behind");
}

#[tokio::test]
async fn png_and_webp_are_accepted_and_an_unchanged_image_is_not_read_again() {
    let app = TestApp::spawn().await;
    put_session(&app, "s1", &session("public", None, None, &["a.png", "b.webp"])).await;
    for (name, bytes) in [("a.png", images::png(640, 480)), ("b.webp", images::webp(640, 480))] {
        let first: Value = upload(&app, "s1", name, bytes.clone()).await.json().await.unwrap();
        assert_eq!(first["outcome"], "stored", "{name}: {first}");
        assert_eq!((first["width"].as_i64(), first["height"].as_i64()), (Some(640), Some(480)));
        let again: Value = upload(&app, "s1", name, bytes).await.json().await.unwrap();
        assert_eq!(again["outcome"], "unchanged", "{name}");
    }
    let listing = app.get_json("/api/v1/sessions/s1/images").await;
    let names: Vec<&str> =
        listing["images"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a.png", "b.webp"]);
}

#[tokio::test]
async fn taking_a_session_down_removes_it_and_its_files() {
    let app = TestApp::spawn().await;
    put_session(&app, "s1", &session("public", None, None, &["a.jpg"])).await;
    assert_eq!(upload(&app, "s1", "a.jpg", images::jpeg(1200, 800)).await.status(), StatusCode::OK);
    let files_before = app.stored_keys("derivatives").len();
    assert_eq!(files_before, 4, "master, proof, middle size and thumb");

    let gone = app.api(Method::DELETE, "/api/v1/sessions/s1").send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.stored_keys("derivatives"), Vec::<String>::new());
    let again = app.api(Method::DELETE, "/api/v1/sessions/s1").send().await.unwrap();
    let (status, code, _) = error_of(again).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "session_not_found"));
}
