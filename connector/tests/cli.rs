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
    write(
        root,
        "price-lists/portrait-2026.toml",
        PRICE_LIST.as_bytes(),
    );
    write(
        root,
        "sessions/good/session.toml",
        session(true, "").as_bytes(),
    );
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
        stderr.contains(&format!(
            "cannot reach the Proofroom server at http://127.0.0.1:{port}"
        )),
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
    let out = run(
        &[
            "push",
            "--library",
            lib_arg(lib.path()),
            "--server",
            "http://127.0.0.1:9",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no token"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&["push", "--library", "/nonexistent/library"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent/library does not exist"),
        "{}",
        text(&out.stderr)
    );

    for args in [
        &["push"][..],
        &["push", "--library", ".", "--jobs", "0"],
        &["pull"],
    ] {
        assert_eq!(run(args, None).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn push_prints_lines_and_a_summary() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let lib = library_with_bad_session("http://127.0.0.1:9");
    // The token from the environment, the server from the flag.
    let args = [
        "push",
        "--library",
        lib_arg(lib.path()),
        "--server",
        &server.url,
        "--progress",
        "plain",
    ];
    std::fs::remove_file(lib.path().join("studio.token")).unwrap();
    let out = run(&args, Some(TOKEN));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "stderr: {stderr}");
    assert!(
        stderr.contains("uploaded sessions/good/IMG 1.jpg (3 B)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: sessions/2026-0412/session.toml:6: event_code"),
        "{stderr}"
    );
    assert_eq!(
        stdout,
        "pushed 1 sessions: 1 images uploaded, 0 unchanged, 0 removed, 1 errors\n"
    );

    // Fixed: everything goes, exit 0; the flag's token beats a wrong one in the environment.
    write(
        lib.path(),
        "sessions/2026-0412/session.toml",
        session(true, "event_type = \"private\"\nevent_code = \"SMITH26\"").as_bytes(),
    );
    let flagged = [&args[..], &["--token", TOKEN]].concat();
    let out = run(&flagged, Some("wrong"));
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "pushed 2 sessions: 1 images uploaded, 1 unchanged, 0 removed, 0 errors\n"
    );

    // A wrong token: nothing could be pushed.
    let out = run(&args, Some("wrong"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("refused the token"),
        "{}",
        text(&out.stderr)
    );
}
