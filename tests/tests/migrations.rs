//! The schema applies, reverts and applies again on the backend under test.

use proofroom_server::db::{self, DbUrl};

#[test]
fn migrations_apply_revert_and_apply_again() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _database) = proofroom_tests::scratch_database(dir.path());
    let parsed = DbUrl::parse(&url).unwrap();
    db::run_migrations(&parsed).expect("apply");
    db::revert_all_migrations(&parsed).expect("revert");
    db::run_migrations(&parsed).expect("apply again");
    // The pool opens on the migrated schema and a query runs through the shared code path.
    let pool = db::open(&url, 2).expect("pool");
    let mut conn = pool.get().unwrap();
    assert!(proofroom_server::studio::load(&mut conn).unwrap().is_none());
    let token = proofroom_server::studio_api::auth::create_token(&mut conn).unwrap();
    assert!(token.starts_with("prt_") && token.len() > 60);
}

#[test]
fn a_wrong_database_url_says_what_is_wrong() {
    let err = DbUrl::parse("mysql://localhost/db").unwrap_err();
    assert!(err.contains("sqlite://") && err.contains("postgres://"), "{err}");
    let refused = DbUrl::parse("postgres://nobody@127.0.0.1:1/none").unwrap().connect();
    let message = refused.err().expect("nothing listens on port 1").to_string();
    assert!(message.to_lowercase().contains("connect"), "the real reason is kept: {message}");
}
