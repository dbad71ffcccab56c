//! Proofroom's house rules, checked from the source so that they stay kept:
//!
//! 1. no import cycles between the top-level modules of the server or of the connector;
//! 2. the server's shared floors ([`FLOORS`]) import only each other, never a feature.
//!
//! It reads the source with a small lexer of its own and has no dependencies, so that it builds
//! in seconds and needs nothing outside the repository. `cargo run -p proofroom-house` prints
//! the report; `house/tests/house.rs` fails while it has findings.

pub mod imports;
pub mod lex;
pub mod source;
pub mod tree;

use std::fmt;
use std::io;
use std::path::Path;

pub use imports::{Cycle, Edge, Import, find_cycles, floor_violations, module_edges};
pub use source::{Crate, read_crate};

/// The server's source, under the repository root.
pub const SERVER_SRC: &str = "server/src";
/// The connector's source, under the repository root.
pub const CONNECTOR_SRC: &str = "connector/src";

/// The server's shared bottom floors. They may import only each other, never a feature, so that
/// a feature can be added, moved or removed without touching them. Add a layer here when it
/// becomes one.
pub const FLOORS: &[&str] = &["config", "db", "error", "email", "images", "storage", "web"];

/// The import rules' findings for one crate.
#[derive(Debug)]
pub struct CrateReport {
    /// The crate's `src`, relative to the repository root.
    pub src: String,
    pub module_count: usize,
    pub cycles: Vec<Cycle>,
    /// Imports from a floor to a module above the floors.
    pub floor_violations: Vec<Edge>,
    /// The floors the crate was checked against (none for the connector).
    pub floors: Vec<String>,
}

/// Everything the house check found.
#[derive(Debug)]
pub struct Report {
    pub crates: Vec<CrateReport>,
}

impl Report {
    /// Whether every rule holds.
    pub fn is_clean(&self) -> bool {
        self.finding_count() == 0
    }

    /// Cycles and floor violations, all together.
    pub fn finding_count(&self) -> usize {
        self.crates.iter().map(|c| c.cycles.len() + c.floor_violations.len()).sum()
    }
}

/// Checks the server and the connector of the repository at `root`.
pub fn check_repo(root: &Path) -> io::Result<Report> {
    let server = read_crate(&root.join(SERVER_SRC))?;
    let connector = read_crate(&root.join(CONNECTOR_SRC))?;
    Ok(Report {
        crates: vec![
            check_imports(&server, SERVER_SRC, FLOORS),
            check_imports(&connector, CONNECTOR_SRC, &[]),
        ],
    })
}

/// Cycles and floor violations in one crate.
pub fn check_imports(krate: &Crate, src: &str, floors: &[&str]) -> CrateReport {
    let edges = module_edges(krate);
    CrateReport {
        src: src.to_string(),
        module_count: krate.modules.len(),
        cycles: find_cycles(&edges),
        floor_violations: floor_violations(&edges, floors),
        floors: floors.iter().map(|floor| floor.to_string()).collect(),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for krate in &self.crates {
            write!(f, "{krate}")?;
        }
        match self.finding_count() {
            0 => writeln!(f, "the house is in order"),
            n => writeln!(f, "{}", counted(n, "finding")),
        }
    }
}

/// `1 cycle`, `2 cycles`.
fn counted(n: usize, thing: &str) -> String {
    if n == 1 { format!("1 {thing}") } else { format!("{n} {thing}s") }
}

impl fmt::Display for CrateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_cycles: usize = self.cycles.iter().map(|c| c.modules.len()).sum();
        writeln!(
            f,
            "{}: {} over {in_cycles} of {} top-level modules",
            self.src,
            counted(self.cycles.len(), "cycle"),
            self.module_count
        )?;
        for cycle in &self.cycles {
            writeln!(f, "  cycle: {}", cycle.modules.join(" <-> "))?;
            for edge in &cycle.edges {
                writeln!(f, "    {edge}")?;
            }
        }
        if !self.floors.is_empty() {
            writeln!(
                f,
                "{}: {} (floors: {})",
                self.src,
                counted(self.floor_violations.len(), "floor violation"),
                self.floors.join(", ")
            )?;
            for edge in &self.floor_violations {
                writeln!(f, "    {edge}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Edge {
    /// `web -> events: web.rs: events::access::AccessCache, events::studio_name; …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}: ", self.from, self.to)?;
        let mut files: Vec<(&str, Vec<&str>)> = Vec::new();
        for import in &self.imports {
            match files.last_mut() {
                Some((file, names)) if *file == import.file => names.push(&import.name),
                _ => files.push((&import.file, vec![&import.name])),
            }
        }
        let listed: Vec<String> =
            files.iter().map(|(file, names)| format!("{file}: {}", names.join(", "))).collect();
        write!(f, "{}", listed.join("; "))
    }
}

#[cfg(test)]
mod tests;
