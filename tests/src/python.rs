//! The Python peers some stories talk to (aiosmtpd, localstripe), from PyPI: found through
//! `PYTHON` (scripts/test.sh points it at its virtualenv) or `python3`, and started on a free
//! port.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether `module` can be imported. When it cannot, the story is skipped with a warning —
/// except under `CI=true`, where that is a failure.
pub fn available(module: &str, story: &str) -> bool {
    let installed = Command::new(python())
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but {module} is missing: pip install {module}");
        }
        eprintln!("warning: skipped {story}: pip install {module} to run it");
    }
    installed
}

/// Starts `python -m <args for a port>` on a free port and waits until it accepts connections.
pub fn start_on_free_port(what: &str, args: impl Fn(u16) -> Vec<String>) -> (Child, u16) {
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(python())
            .args(args(port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{what} starts: {e}"));
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (child, port);
            }
            if child.try_wait().ok().flatten().is_some() {
                break; // the port was taken after all: try another
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("{what} did not start");
}
