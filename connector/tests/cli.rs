//! The `proofroom-connector` binary: exit codes and what it prints.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_proofroom-connector");

fn run(args: &[&str], env_token: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("PROOFROOM_TOKEN");
    if let Some(t) = env_token {
        cmd.env("PROOFROOM_TOKEN", t);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A localhost port nobody listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn library_with_bad_session(server: &str) -> tempfile::TempDir {
    let lib = tempfile::tempdir().unwrap();
    let root = lib.path();
    write(
        root,
        "connector.toml",
        format!("server = \"{server}\"\ntoken_file = \"studio.token\"\n").as_bytes(),
    );
    write(root, "studio.token", TOKEN.as_bytes());
    write(root, "studio.toml", STUDIO.as_bytes());
    write(root, "branding/logo.png", b"logo");
    write(root, "price-lists/portrait-2026.toml", PRICE_LIST.as_bytes());
    write(root, "sessions/good/session.toml", session(true, "").as_bytes());
    write(root, "sessions/good/IMG 1.jpg", b"one");
    write(
        root,
        "sessions/2026-0412/session.toml",
        session(true, "event_type = \"private\"").as_bytes(),
    );
    write(root, "sessions/2026-0412/IMG 2.jpg", b"two");
    lib
}

fn lib_arg(lib: &Path) -> &str {
    lib.to_str().unwrap()
}

#[test]
fn bad_manifest_and_no_server() {
    let port = closed_port();
    let lib = library_with_bad_session(&format!("http://127.0.0.1:{port}"));
    let out = run(&["push", "--library", lib_arg(lib.path())], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains(
            "sessions/2026-0412/session.toml:6: event_code: required when event_type = \"private\""
        ),
        "stderr: {stderr}"
    );
    assert!(
        stderr.contains(&format!("cannot reach the Proofroom server at http://127.0.0.1:{port}")),
        "stderr: {stderr}"
    );
}

#[test]
fn config_and_usage_errors_exit_2() {
    let lib = library_with_bad_session("http://127.0.0.1:9");
    std::fs::remove_file(lib.path().join("studio.token")).unwrap();
    let out = run(&["push", "--library", lib_arg(lib.path())], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("connector.toml:2: token_file: cannot read"),
        "{}",
        text(&out.stderr)
    );

    std::fs::remove_file(lib.path().join("connector.toml")).unwrap();
    let out =
        run(&["push", "--library", lib_arg(lib.path()), "--server", "http://127.0.0.1:9"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no token"), "{}", text(&out.stderr));

    let out = run(&["push", "--library", "/nonexistent/library"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent/library does not exist"),
        "{}",
        text(&out.stderr)
    );

    for args in [&["push"][..], &["push", "--library", ".", "--jobs", "0"], &["pull"]] {
        assert_eq!(run(args, None).status.code(), Some(2), "{args:?}");
    }
}
