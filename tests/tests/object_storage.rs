//! Files in S3-compatible object storage (`store = "s3"`), against a real S3 server (Garage,
//! started by scripts/garage.sh; `PROOFROOM_TEST_S3` says where).

use std::io::{Read, Seek, SeekFrom};

use proofroom_server::config::{S3Config, Secret};
use proofroom_server::storage::Store;
use proofroom_server::storage::s3::S3Store;
use proofroom_tests::browser::{Screen, story};
use proofroom_tests::{LibraryBuilder, TestApp, Visitor, images, s3_or_skip};
use reqwest::StatusCode;
use sha2::Digest;

/// The store's calls block on its own runtime: tests make them from a plain thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.expect("store call")
}

fn noise(bytes: usize, seed: u64) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..bytes).map(|_| rng.u8(..)).collect()
}

#[tokio::test]
async fn the_bucket_keeps_what_the_server_puts_and_reads_a_large_original_back_in_pieces() {
    let Some(config) = s3_or_skip("object storage round trip") else { return };
    let store = std::sync::Arc::new(S3Store::new(&config).expect("the S3 store opens"));

    let small = "derivatives/ab/abcdef.jpg";
    let s = store.clone();
    blocking(move || s.put_bytes(small, b"a thumbnail")).await.unwrap();
    let s = store.clone();
    let (found, there, missing) = blocking(move || {
        (s.get(small).unwrap(), s.exists(small).unwrap(), s.get("derivatives/zz/none.jpg").unwrap())
    })
    .await;
    assert_eq!(found.as_deref(), Some(&b"a thumbnail"[..]));
    assert!(there);
    assert!(missing.is_none(), "a key not stored is None, not an error");

    // 21 MB goes up in parts (S3 multipart), the scratch file is the store's to remove.
    let original = noise(21 * 1024 * 1024 + 17, 7);
    let scratch = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    std::fs::write(&scratch, &original).unwrap();
    let big = "originals/0f/0fbig.jpg";
    let (s, path) = (store.clone(), scratch.to_path_buf());
    blocking(move || s.put_file(big, &path)).await.unwrap();
    assert!(!scratch.exists(), "the scratch file is gone once stored");
    let s = store.clone();
    let whole = blocking(move || s.get(big).unwrap().unwrap()).await;
    assert_eq!(
        sha2::Sha256::digest(&whole)[..],
        sha2::Sha256::digest(&original)[..],
        "byte for byte"
    );

    // Opened, it reads in order and at places, as the download cleaner reads a WebP's chunks.
    let s = store.clone();
    let want = original.clone();
    blocking(move || {
        let mut file = s.open(big).unwrap().expect("opened");
        let mut head = vec![0; 1000];
        file.read_exact(&mut head).unwrap();
        assert_eq!(head, want[..1000]);
        file.seek(SeekFrom::Start(10_000_000)).unwrap();
        let mut middle = vec![0; 70_000];
        file.read_exact(&mut middle).unwrap();
        assert_eq!(middle, want[10_000_000..10_070_000]);
        file.seek(SeekFrom::Current(5)).unwrap();
        let mut next = [0u8; 3];
        file.read_exact(&mut next).unwrap();
        assert_eq!(next, want[10_070_005..10_070_008]);
        let end = file.seek(SeekFrom::End(-100)).unwrap();
        assert_eq!(end, want.len() as u64 - 100);
        let mut tail = Vec::new();
        file.read_to_end(&mut tail).unwrap();
        assert_eq!(tail, want[want.len() - 100..]);
        assert!(s.open("originals/00/nothing.jpg").unwrap().is_none());
    })
    .await;

    // The listing sees this prefix only: another site in the same bucket sees nothing of it.
    let s = store.clone();
    let mut keys = blocking(move || s.keys("").unwrap()).await;
    keys.sort();
    assert_eq!(keys, [small, big]);
    let s = store.clone();
    assert_eq!(blocking(move || s.keys("derivatives").unwrap()).await, [small]);
    let neighbour =
        S3Store::new(&S3Config { prefix: format!("{}-other", config.prefix), ..config.clone() })
            .unwrap();
    assert!(blocking(move || neighbour.keys("").unwrap()).await.is_empty());

    let s = store.clone();
    blocking(move || {
        s.delete(big).unwrap();
        s.delete(big).unwrap();
        assert!(s.get(big).unwrap().is_none(), "deleted");
        assert!(!s.exists(big).unwrap());
        assert!(s.put_bytes("../escape", b"x").is_err(), "keys are ours, never a path out");
    })
    .await;

    // A wrong secret is an error that names the bucket's trouble, never the secret.
    let wrong = S3Store::new(&S3Config {
        secret_access_key: Some(Secret::new("not-the-secret-at-all")),
        ..config.clone()
    })
    .unwrap();
    let refused = blocking(move || wrong.get(small)).await.unwrap_err().to_string();
    assert!(!refused.contains("not-the-secret-at-all"), "{refused}");
}

#[tokio::test]
async fn a_session_published_to_the_bucket_is_served_from_it_and_a_take_down_empties_it() {
    if s3_or_skip("publishing to object storage").is_none() {
        return;
    }
    let app = TestApp::builder().s3().spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("fair")
        .event_type("public")
        .image("f1.jpg", images::jpeg(1200, 800))
        .image("f2.png", images::png(800, 1200))
        .write();
    let pushed = app.push(library.path()).await;
    assert!(pushed.contains("2 images uploaded"), "{pushed}");
    assert_eq!(app.stored_keys("derivatives").len(), 8, "four sizes of each photo");
    let holds: i64 = app.with_db(|conn| {
        use diesel::{QueryDsl, RunQueryDsl};
        proofroom_server::db::schema::store_leases::table.count().get_result(conn).unwrap()
    });
    assert_eq!(holds, 0, "every writer let go of what it held");
    assert!(
        !app.config.data_dir.join("files").exists(),
        "nothing is kept on the server's own disk"
    );

    let mut visitor = Visitor::elsewhere(&app.base_url);
    let gallery = visitor.get(&app.event_path("fair")).await;
    assert_eq!(gallery.status, StatusCode::OK);
    let thumbs = gallery.links("/images/");
    assert!(!thumbs.is_empty(), "{}", gallery.body);
    for path in &thumbs {
        let (status, bytes) = visitor.fetch(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(images::decode(&bytes).width() > 0, "{path}: an image");
    }

    let taken = app.connector(library.path(), &["take-down", "fair", "--yes"]).await;
    assert!(taken.status.success(), "{}", proofroom_tests::printed(&taken));
    assert_eq!(app.stored_keys(""), Vec::<String>::new(), "the bucket holds nothing of it");
    let (status, _) = visitor.fetch(&thumbs[0]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// `proofroom storage migrate --to s3` as the studio runs it, with the bucket in its environment.
fn migrate_command(app: &TestApp, s3: &S3Config) -> std::process::Command {
    let mut command = std::process::Command::new(proofroom_tests::server_binary());
    command
        .args(["storage", "migrate", "--to", "s3"])
        .env("PROOFROOM_DATA_DIR", &app.config.data_dir)
        .env("PROOFROOM_S3_BUCKET", &s3.bucket)
        .env("PROOFROOM_S3_REGION", &s3.region)
        .env("PROOFROOM_S3_ENDPOINT", s3.endpoint.as_deref().unwrap())
        .env("PROOFROOM_S3_PATH_STYLE", "true")
        .env("PROOFROOM_S3_PREFIX", &s3.prefix)
        .env("AWS_ACCESS_KEY_ID", s3.access_key_id.as_deref().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", s3.secret_access_key.as_ref().unwrap().expose())
        .env("PROOFROOM_LOG", "warn");
    command
}

#[tokio::test]
async fn a_studio_moves_its_files_into_the_bucket_and_a_killed_copy_goes_on_where_it_stopped() {
    use std::io::BufRead;
    let Some(s3) = s3_or_skip("storage migrate") else { return };
    let app = TestApp::builder().files().spawn().await;
    let library = LibraryBuilder::new();
    library.write(
        "studio.toml",
        format!("keep_originals = true\n{}", proofroom_tests::library::STUDIO_TOML),
    );
    let mut session = library.session("big").event_type("public");
    for n in 0..12 {
        session = session.image(&format!("p{n:02}.jpg"), images::noise_jpeg(640, 400 + n));
    }
    session.write();
    app.push(library.path()).await;
    let mut held = app.stored_keys("");
    held.sort();
    assert_eq!(held.len(), 12 * 5, "four sizes and the original of each photo");

    // Killed after its first file: some are in the bucket, the run did not finish.
    let mut first = migrate_command(&app, &s3)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("proofroom storage migrate");
    let mut out = std::io::BufReader::new(first.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.starts_with("copied "), "{line}");
    first.kill().unwrap();
    first.wait().unwrap();

    let again = migrate_command(&app, &s3).output().expect("storage migrate again");
    let said = proofroom_tests::printed(&again);
    assert!(again.status.success(), "{said}");
    let summary = said.lines().find(|l| l.contains(" to s3, ")).expect(&said);
    // "copied 59 files (11.7 MB) to s3, 1 copied by an earlier run, 0 failed"
    let number_before = |words: &str| -> usize {
        let before = summary.split(words).next().unwrap();
        before.rsplit(' ').find_map(|w| w.parse().ok()).expect(summary)
    };
    let (copied, earlier, failed) =
        (number_before(" files"), number_before(" copied by"), number_before(" failed"));
    assert!(earlier >= 1, "the files the killed run checked are not copied again: {summary}");
    assert_eq!((copied + earlier, failed), (held.len(), 0), "{summary}");
    assert!(said.contains("set store = \"s3\""), "{said}");

    // The bucket holds every file, byte for byte.
    let bucket = std::sync::Arc::new(S3Store::new(&s3).unwrap());
    let b = bucket.clone();
    let mut in_bucket = blocking(move || b.keys("").unwrap()).await;
    in_bucket.sort();
    assert_eq!(in_bucket, held);
    for key in held {
        let (b, k) = (bucket.clone(), key.clone());
        let copy = blocking(move || b.get(&k).unwrap()).await.map(|b| b.to_vec());
        assert_eq!(copy, app.stored(&key), "{key}");
    }
    let third = migrate_command(&app, &s3).output().unwrap();
    assert!(
        proofroom_tests::printed(&third)
            .contains("copied 0 files (0.0 MB) to s3, 60 copied by an earlier run, 0 failed"),
        "{}",
        proofroom_tests::printed(&third)
    );
}

#[tokio::test]
async fn a_file_two_sessions_share_leaves_the_bucket_only_with_the_last_of_them() {
    if s3_or_skip("shared files in object storage").is_none() {
        return;
    }
    let app = TestApp::builder().s3().spawn().await;
    let library = LibraryBuilder::new();
    let shared = images::jpeg(900, 600);
    library.session("ann").event_type("public").image("a.jpg", shared.clone()).write();
    library
        .session("bo")
        .event_type("public")
        .image("same.jpg", shared)
        .image("own.jpg", images::png(600, 900))
        .write();
    app.push(library.path()).await;
    let mut both = app.stored_keys("derivatives");
    both.sort();
    assert_eq!(both.len(), 8, "the shared photo's four files once, and Bo's own four");

    let taken = app.connector(library.path(), &["take-down", "ann", "--yes"]).await;
    assert!(taken.status.success(), "{}", proofroom_tests::printed(&taken));
    let mut left = app.stored_keys("derivatives");
    left.sort();
    assert_eq!(left, both, "Bo's session still uses every file");
    let mut visitor = Visitor::elsewhere(&app.base_url);
    let gallery = visitor.get(&app.event_path("bo")).await;
    for path in gallery.links("/images/") {
        assert_eq!(visitor.fetch(&path).await.0, StatusCode::OK, "{path}");
    }

    let taken = app.connector(library.path(), &["take-down", "bo", "--yes"]).await;
    assert!(taken.status.success(), "{}", proofroom_tests::printed(&taken));
    assert_eq!(app.stored_keys(""), Vec::<String>::new(), "the last one takes them all");
}

/// With `[s3] signed_url_seconds`, image bytes go from the bucket: an image address is answered,
/// after the same access check, with a redirect to an address on the bucket signed for that
/// long. A withdrawn guest is refused by the server at once; the address they were sent to
/// stops working when it expires.
#[tokio::test]
async fn with_signed_addresses_images_come_from_the_bucket_and_stop_working_when_they_expire() {
    if s3_or_skip("signed image addresses").is_none() {
        return;
    }
    let app = TestApp::builder().signed_urls(4).spawn().await;
    let library = LibraryBuilder::new();
    library.session("ann").event_type("none").image("a1.jpg", images::jpeg(1200, 800)).write();
    app.push(library.path()).await;
    let event = app.event_path("ann");

    let mut ann = Visitor::new(&app.base_url);
    let signed_in = ann.sign_in("ann.smith@example.com", "smith").await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    ann.get(&format!("{event}/invites")).await;
    ann.post(&format!("{event}/invites"), &[("guest_name", "Grandma")]).await;
    let invites = ann.get(&format!("{event}/invites")).await;
    let mut grandma = Visitor::elsewhere(&app.base_url);
    grandma.get(&invites.newest_invite()).await;
    let gallery = grandma.get(&event).await;
    assert_eq!(gallery.status, StatusCode::OK, "{}", gallery.body);
    // The browser may show images from this site's folder of the bucket, and nothing else new.
    let s3 = &app.config.s3;
    let endpoint = reqwest::Url::parse(s3.endpoint.as_deref().expect("an endpoint")).unwrap();
    let folder =
        format!("{}/{}/{}/", endpoint.origin().ascii_serialization(), s3.bucket, s3.prefix);
    let policy = gallery.header("content-security-policy");
    assert!(policy.contains(&format!("img-src 'self' data: {folder};")), "{policy}");
    let thumb = gallery.links("/images/").remove(0);

    let signed_at = std::time::Instant::now();
    let sent = grandma.get(&thumb).await;
    assert_eq!(sent.status, StatusCode::TEMPORARY_REDIRECT, "{}", sent.body);
    let address = sent.location.clone().expect("an address on the bucket");
    assert!(address.starts_with(&folder), "{address}");
    // Kept by the browser while the address has half its time left (4 s less the second the
    // signing date is cut to, less 2 s).
    assert_eq!(sent.header("cache-control"), "private, max-age=1");
    let again = grandma.get(&thumb).await;
    assert_eq!(again.location.as_deref(), Some(address.as_str()), "the same address while fresh");

    // A HEAD is answered by the server itself (the address is signed for a GET).
    let (status, headers) = grandma.head(&thumb).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "image/jpeg"));

    // The bucket answers it without cookies, with the thumbnail's bytes and headers.
    let fetched = reqwest::get(&address).await.unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    let headers = fetched.headers().clone();
    let bytes = fetched.bytes().await.unwrap();
    assert_eq!(headers.get("content-type").unwrap(), "image/jpeg");
    assert_eq!(headers.get("cache-control").unwrap(), "private, max-age=4");
    let url_hash = thumb.rsplit('/').next().unwrap().trim_end_matches(".jpg");
    assert!(hex::encode(sha2::Sha256::digest(&bytes)).starts_with(url_hash), "the thumbnail");
    assert!(images::decode(&bytes).width() > 0);

    // Nobody else is sent there; a withdrawn guest no longer is either.
    let mut stranger = Visitor::elsewhere(&app.base_url);
    let refused = stranger.get(&thumb).await;
    assert_eq!((refused.status, refused.location), (StatusCode::NOT_FOUND, None));
    ann.get(&format!("{event}/invites")).await;
    let withdrawn = ann.post(&invites.newest_revoke(), &[]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{}", withdrawn.body);
    let refused = grandma.get(&thumb).await;
    assert_eq!((refused.status, refused.location), (StatusCode::NOT_FOUND, None));

    // The address she was given works until it expires, and not after.
    tokio::time::sleep(std::time::Duration::from_secs(6).saturating_sub(signed_at.elapsed())).await;
    let expired = reqwest::get(&address).await.unwrap().status();
    // AWS answers 403 ("Request has expired"), Garage 400 ("Date is too old").
    assert!(
        matches!(expired, StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST),
        "{address} still works: {expired}"
    );
}

/// In Chromium, the gallery's thumbnails load from their signed addresses on the bucket: the
/// page's content security policy lets them in.
#[tokio::test]
async fn a_browser_shows_the_gallery_from_signed_addresses_on_the_bucket() {
    if s3_or_skip("signed addresses in a browser").is_none() {
        return;
    }
    let app = TestApp::builder().signed_urls(300).spawn().await;
    let library = LibraryBuilder::new();
    library
        .session("fair")
        .event_type("public")
        .image("f1.jpg", images::jpeg(1200, 800))
        .image("f2.jpg", images::jpeg(800, 1200))
        .write();
    app.push(library.path()).await;
    let event = app.event_path("fair");
    let thumb = Visitor::new(&app.base_url).get(&event).await.links("/images/").remove(0);
    let sent = Visitor::new(&app.base_url).get(&thumb).await;
    assert_eq!(sent.status, StatusCode::TEMPORARY_REDIRECT, "the bytes come from the bucket");
    story("signed_addresses", &app.base_url, Screen::Desktop, |page| async move {
        page.goto(&event).await?;
        page.thumbnails_loaded(2).await
    })
    .await;
}
