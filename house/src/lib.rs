//! Proofroom's house rules, checked from the source so that they stay kept:
//!
//! 1. no import cycles between the top-level modules of the server or of the connector;
//! 2. the server's shared floors ([`FLOORS`]) import only each other, never a feature;
//! 3. every table is named in queries by one module, its owner, apart from at most
//!    [`MAX_SHARED_TABLES`] listed in [`SHARED_TABLES`] with the reason in the owner's doc;
//! 4. the data layer fails with its own error: a server function taking a `DbConn` returns no
//!    `AppError` (but the few [`ACTIONS`] listed with their reason), and `db` imports no `error`.
//!
//! It reads the source with a small lexer of its own and has no dependencies, so that it builds
//! in seconds and needs nothing outside the repository. `cargo run -p proofroom-house` prints
//! the report; `house/tests/house.rs` fails while it has findings.

pub mod errors;
pub mod imports;
pub mod lex;
pub mod source;
pub mod tables;
pub mod tree;

use std::fmt;
use std::io;
use std::path::Path;

pub use errors::{ACTIONS, ErrorFinding, error_findings};
pub use imports::{Cycle, Edge, Import, find_cycles, floor_violations, module_edges};
pub use source::{Crate, read_crate};
pub use tables::{
    Table, TableFinding, TableProblem, TableUse, parse_schema, table_findings, table_uses,
};

/// The server's source, under the repository root.
pub const SERVER_SRC: &str = "server/src";
/// The connector's source, under the repository root.
pub const CONNECTOR_SRC: &str = "connector/src";
/// The server's diesel schema, under [`SERVER_SRC`].
pub const SCHEMA_FILE: &str = "db/schema.rs";

/// The server's shared bottom floors. They may import only each other, never a feature, so that
/// a feature can be added, moved or removed without touching them. Add a layer here when it
/// becomes one.
pub const FLOORS: &[&str] =
    &["config", "db", "error", "email", "images", "jobs", "storage", "throttle", "web"];

/// The floor that reaches the database. It keeps the pool, migrations and schema but names no
/// domain table: each table's queries live with its owner.
pub const DATA_FLOOR: &str = "db";

/// Tables more than one module may name in queries, each as `(table, owner module)`. The
/// owner is the module naming it most, and its top doc (`//!`) must name the table and say why
/// the others may touch it. Keep it short: every entry is a knot.
pub const SHARED_TABLES: &[(&str, &str)] = &[];

/// How many tables may be shared at most.
pub const MAX_SHARED_TABLES: usize = 2;

const _: () = assert!(SHARED_TABLES.len() <= MAX_SHARED_TABLES, "too many shared tables");

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

/// The one-owner rule's findings for the server's tables.
#[derive(Debug)]
pub struct TableReport {
    /// The schema, relative to the repository root.
    pub schema: String,
    pub uses: Vec<TableUse>,
    pub findings: Vec<TableFinding>,
}

/// Everything the house check found.
#[derive(Debug)]
pub struct Report {
    pub crates: Vec<CrateReport>,
    pub tables: TableReport,
    /// Data-layer functions that answer with the HTTP error (rule 4).
    pub errors: Vec<ErrorFinding>,
}

impl Report {
    /// Whether every rule holds.
    pub fn is_clean(&self) -> bool {
        self.finding_count() == 0
    }

    /// Cycles, floor violations and table findings, all together.
    pub fn finding_count(&self) -> usize {
        let in_crates: usize =
            self.crates.iter().map(|c| c.cycles.len() + c.floor_violations.len()).sum();
        in_crates + self.tables.findings.len() + self.errors.len()
    }
}

/// Checks the server and the connector of the repository at `root`.
pub fn check_repo(root: &Path) -> io::Result<Report> {
    let server = read_crate(&root.join(SERVER_SRC))?;
    let connector = read_crate(&root.join(CONNECTOR_SRC))?;
    let schema = std::fs::read_to_string(root.join(SERVER_SRC).join(SCHEMA_FILE))?;
    let errors = error_findings(&server, &module_edges(&server), DATA_FLOOR, ACTIONS);
    Ok(Report {
        crates: vec![
            check_imports(&server, SERVER_SRC, FLOORS),
            check_imports(&connector, CONNECTOR_SRC, &[]),
        ],
        tables: check_tables(&server, &schema, SHARED_TABLES),
        errors,
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

/// The owners of the tables in `schema` (the text of the server's [`SCHEMA_FILE`]).
pub fn check_tables(server: &Crate, schema: &str, shared: &[(&str, &str)]) -> TableReport {
    let tables = parse_schema(schema);
    let uses = table_uses(server, &tables, SCHEMA_FILE);
    let findings = table_findings(&uses, server, shared, DATA_FLOOR);
    TableReport { schema: format!("{SERVER_SRC}/{SCHEMA_FILE}"), uses, findings }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for krate in &self.crates {
            write!(f, "{krate}")?;
        }
        write!(f, "{}", self.tables)?;
        writeln!(
            f,
            "{SERVER_SRC}: {} (data-layer functions answering with the HTTP error; {} listed actions)",
            counted(self.errors.len(), "error finding"),
            ACTIONS.len()
        )?;
        for finding in &self.errors {
            writeln!(f, "  {finding}")?;
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

impl fmt::Display for TableReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.uses.iter().filter(|u| u.mentions.len() > 1).count();
        writeln!(
            f,
            "{}: {shared} of {} tables named by more than one module, {}",
            self.schema,
            self.uses.len(),
            counted(self.findings.len(), "table finding")
        )?;
        let mut uses: Vec<&TableUse> = self.uses.iter().collect();
        uses.sort_by(|a, b| b.mentions.len().cmp(&a.mentions.len()).then(a.table.cmp(&b.table)));
        for table_use in uses {
            let mentions: Vec<String> =
                table_use.mentions.iter().map(|(module, n)| format!("{module} ({n})")).collect();
            let mentions =
                if mentions.is_empty() { "no module".into() } else { mentions.join(", ") };
            writeln!(f, "  {:<24} {mentions}", table_use.table)?;
        }
        for finding in &self.findings {
            writeln!(f, "  {finding}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TableFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = &self.table;
        match &self.problem {
            TableProblem::Shared => {
                write!(f, "{table}: named by several modules; give it one owner")
            }
            TableProblem::ReasonNotWritten { owner } => {
                write!(f, "{table}: shared, but {owner}'s module doc does not name it")
            }
            TableProblem::NotTheOwner { listed } => {
                write!(f, "{table}: listed as owned by {listed}, which does not name it most")
            }
            TableProblem::NotShared => {
                write!(f, "{table}: listed in SHARED_TABLES but named by one module at most")
            }
            TableProblem::NoSuchTable => {
                write!(f, "{table}: listed in SHARED_TABLES but not in {SCHEMA_FILE}")
            }
            TableProblem::NamedByDataFloor { module } => {
                write!(f, "{table}: named in {module}, which must name no domain table")
            }
        }
    }
}

impl fmt::Display for ErrorFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorFinding::AnswersHttp { file, function } => write!(
                f,
                "{file}: {function} takes a connection and answers with {}; return db::Result \
                 and let the handler turn it into an answer",
                errors::HTTP_ERROR
            ),
            ErrorFinding::StaleAction { file, function } => {
                write!(f, "{file}: {function} is listed in ACTIONS but no longer answers HTTP")
            }
            ErrorFinding::DataFloorImportsError(edge) => {
                write!(f, "the data floor imports the HTTP error: {edge}")
            }
        }
    }
}

#[cfg(test)]
mod tests;
