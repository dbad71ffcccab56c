//! A newcomer's first minute: `proofroom demo` starts, publishes its library through the real
//! studio API, and the home page lists the public event.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_demo_starts_publishes_and_lists_its_public_event() {
    let data = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_proofroom"))
            .args(["demo", "--port", "0", "--data"])
            .arg(data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("demo starts"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let started = Instant::now();
    let mut printed = Vec::new();
    let url = loop {
        let line = rx.recv_timeout(Duration::from_secs(180)).unwrap_or_else(|_| {
            panic!("the demo printed no URL within 3 minutes:\n{}", printed.join("\n"))
        });
        printed.push(line.clone());
        if let Some(url) = line.split("running at ").nth(1) {
            break url.trim().to_string();
        }
        assert!(started.elapsed() < Duration::from_secs(180));
    };
    // It prints the logins too.
    let mut rest = String::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        rest.push_str(&line);
        rest.push('\n');
        if line.contains("Ctrl-C") {
            break;
        }
    }
    assert!(rest.contains("ann.smith@example.com"), "{rest}");
    assert!(rest.contains("GALA26"), "{rest}");

    let home = http_get(&format!("{url}/"));
    assert!(home.contains("Maple Lane Photography"), "studio name");
    assert!(home.contains("Maple Lane Summer Fair"), "the public event is listed");
    assert!(!home.contains("Riverside School Spring Gala"), "the private event is not");
    assert!(home.contains("/branding/logo/"), "the logo is shown");
    let event = home.split("href=\"/events/").nth(1).unwrap().split('"').next().unwrap();
    let page = http_get(&format!("{url}/events/{event}"));
    assert_eq!(page.matches("<img src=\"/images/").count(), 8, "eight photos in the grid");
}

/// A minimal HTTP/1.1 GET over a TCP socket, so this test needs no HTTP client.
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) =
        rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "GET {url}: {}",
        response.lines().next().unwrap_or("")
    );
    response
}
