//! `cargo run -p proofroom-house [REPO]`: prints the house report for the repository (this
//! one by default) and exits 1 when a rule fails, 2 when the source cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")));
    match proofroom_house::check_repo(&root) {
        Ok(report) => {
            print!("{report}");
            if report.is_clean() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Err(error) => {
            eprintln!("error: cannot read the source under {}: {error}", root.display());
            ExitCode::from(2)
        }
    }
}
