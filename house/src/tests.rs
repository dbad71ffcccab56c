//! The checks on small source trees written to a temporary folder.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::{fs, process};

use super::*;

/// A crate's `src` written to a folder of its own under the system's temp dir, removed on drop.
struct SourceTree {
    root: PathBuf,
}

impl SourceTree {
    fn new(files: &[(&str, &str)]) -> SourceTree {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique =
            format!("proofroom-house-{}-{}", process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let root = std::env::temp_dir().join(unique);
        for (path, text) in files {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        SourceTree { root }
    }

    fn read(&self) -> Crate {
        read_crate(&self.root).unwrap()
    }
}

impl Drop for SourceTree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// Each edge as `from -> to: file: name` lines.
fn edges(files: &[(&str, &str)]) -> Vec<String> {
    let krate = SourceTree::new(files).read();
    module_edges(&krate)
        .iter()
        .flat_map(|edge| {
            edge.imports
                .iter()
                .map(move |i| format!("{} -> {}: {}: {}", edge.from, edge.to, i.file, i.name))
        })
        .collect()
}

const SCHEMA: &str = "
    diesel::table! {
        images (id) { id -> Text, event_id -> Text, }
    }
    diesel::table! {
        events (id) { id -> Text, name -> Text, }
    }
    diesel::table! {
        orders (id) { id -> Text, status -> Text, }
    }
";

/// The table report for a crate of `files` against [`SCHEMA`].
fn tables(files: &[(&str, &str)], shared: &[(&str, &str)]) -> TableReport {
    let krate = SourceTree::new(files).read();
    check_tables(&krate, SCHEMA, shared)
}

fn mentions_of<'r>(report: &'r TableReport, table: &str) -> &'r [(String, usize)] {
    &report.uses.iter().find(|u| u.table == table).unwrap().mentions
}

fn mentions(pairs: &[(&str, usize)]) -> Vec<(String, usize)> {
    pairs.iter().map(|(module, n)| (module.to_string(), *n)).collect()
}

#[test]
fn a_two_module_cycle_is_found_with_its_imports() {
    let krate = SourceTree::new(&[
        ("lib.rs", "mod a; mod b; mod c; use crate::a::Top;"),
        ("a.rs", "use crate::b::Thing;\npub struct Top;"),
        ("b.rs", "use crate::c::Leaf;\npub fn f() { crate::a::g() }"),
        ("c.rs", "pub struct Leaf;"),
    ])
    .read();
    let cycles = find_cycles(&module_edges(&krate));
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].modules, ["a", "b"]);
    let shown: Vec<String> = cycles[0].edges.iter().map(|edge| edge.to_string()).collect();
    assert_eq!(shown, ["a -> b: a.rs: b::Thing", "b -> a: b.rs: a::g"]);
}

#[test]
fn no_cycle_when_imports_point_one_way() {
    let krate = SourceTree::new(&[
        ("a.rs", "use crate::b::X;"),
        ("b/mod.rs", "mod inner; use crate::c::Y; use super::Z;"),
        ("b/inner.rs", "use super::super::Q;"),
        ("c.rs", "pub struct Y;"),
    ])
    .read();
    assert_eq!(find_cycles(&module_edges(&krate)), []);
}

#[test]
fn grouped_and_nested_use_trees_give_an_edge_per_module() {
    let found = edges(&[
        ("a.rs", "use crate::{b::x, c::{self, d::{E, F as G}}, Root};\nuse crate::b::{y, z::*};"),
        ("b.rs", ""),
        ("c.rs", ""),
    ]);
    assert_eq!(
        found,
        [
            "a -> b: a.rs: b::x",
            "a -> b: a.rs: b::y",
            "a -> b: a.rs: b::z::*",
            "a -> c: a.rs: c",
            "a -> c: a.rs: c::d::E",
            "a -> c: a.rs: c::d::F",
        ]
    );
}

#[test]
fn paths_in_code_are_imports_too() {
    let found = edges(&[
        ("a.rs", "fn f() { let n = crate::b::count::<u8>() as u32; crate::b::X { y: 1 }; }"),
        ("b.rs", ""),
    ]);
    assert_eq!(found, ["a -> b: a.rs: b::X", "a -> b: a.rs: b::count"]);
}

#[test]
fn comments_and_strings_are_not_imports() {
    let found = edges(&[
        (
            "a.rs",
            r###"//! Unlike crate::b, this is
/// about crate::c::x
/* and crate::b::y /* nested crate::c */ */
fn f() { println!("crate::b::z {}", r#"crate::c"#); let q = '"'; }
// crate::b
"###,
        ),
        ("b.rs", ""),
        ("c.rs", ""),
    ]);
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn test_code_counts_for_cycles() {
    let krate = SourceTree::new(&[
        ("a.rs", "use crate::b::X;\n#[cfg(test)]\nmod tests {\n    use crate::c::helper;\n}"),
        ("b/mod.rs", "#[cfg(test)]\nmod tests;"),
        ("b/tests.rs", "use crate::a::Y;"),
        ("c.rs", "use crate::a::Z;"),
    ])
    .read();
    let cycles = find_cycles(&module_edges(&krate));
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].modules, ["a", "b", "c"]);
}

#[test]
fn a_file_included_by_path_belongs_to_its_module() {
    let krate = SourceTree::new(&[
        ("lib.rs", "mod a; mod b;"),
        ("a.rs", "#[cfg(test)]\n#[path = \"a_tests.rs\"]\nmod tests;"),
        ("a_tests.rs", "use crate::b::X;"),
        ("b.rs", ""),
    ])
    .read();
    assert_eq!(krate.modules.iter().collect::<Vec<_>>(), ["a", "b"]);
    assert!(krate.files.iter().any(|file| file.path == "a_tests.rs" && file.is_test));
    let found: Vec<String> = module_edges(&krate).iter().map(|e| e.to_string()).collect();
    assert_eq!(found, ["a -> b: a_tests.rs: b::X"]);
}

#[test]
fn names_the_crate_root_imports_lead_to_their_module() {
    let found = edges(&[
        ("lib.rs", "mod a; mod b; pub use b::{Thing, other as renamed};"),
        ("a.rs", "use crate::{Thing, renamed};"),
        ("b.rs", ""),
    ]);
    assert_eq!(found, ["a -> b: a.rs: Thing (= b::Thing)", "a -> b: a.rs: renamed (= b::other)"]);
}

#[test]
fn a_floor_may_import_only_floors() {
    let krate = SourceTree::new(&[
        ("web.rs", "use crate::db::Pool; use crate::events::Cache;"),
        ("db.rs", ""),
        ("events.rs", "use crate::web::State;"),
    ])
    .read();
    let report = check_imports(&krate, "src", &["web", "db"]);
    let shown: Vec<String> = report.floor_violations.iter().map(|e| e.to_string()).collect();
    assert_eq!(shown, ["web -> events: web.rs: events::Cache"]);
}

#[test]
fn every_way_of_naming_a_table_counts() {
    let report = tables(
        &[
            (
                "gallery.rs",
                "use crate::db::schema::{images, events as ev};\nfn f() { images::table.filter(images::event_id.eq(1)).select(images::all_columns); ev::table; }",
            ),
            (
                "checkout/mod.rs",
                "use crate::db::schema::orders as orders_table;\nfn f() { orders_table::table.filter(orders_table::status.eq(1)); }",
            ),
            (
                "checkout/place.rs",
                "use crate::db::{self, schema::{images::{self}, orders::dsl::*}};",
            ),
            (
                "feed.rs",
                "use crate::db::schema;\nfn f() { schema::images::table; crate::db::schema::events::id; }",
            ),
            ("db/schema.rs", SCHEMA),
        ],
        &[],
    );
    assert_eq!(
        mentions_of(&report, "images"),
        mentions(&[("gallery", 4), ("checkout", 1), ("feed", 1)])
    );
    assert_eq!(mentions_of(&report, "orders"), mentions(&[("checkout", 4)]));
    assert_eq!(mentions_of(&report, "events"), mentions(&[("gallery", 2), ("feed", 1)]));
}

#[test]
fn test_code_does_not_name_tables() {
    let report = tables(
        &[
            (
                "gallery.rs",
                "use crate::db::schema::images;\nfn f() { images::table; }\n#[cfg(test)]\nmod tests {\n    use crate::db::schema::events;\n    fn t() { events::table; images::id; }\n}",
            ),
            (
                "events/mod.rs",
                "#[cfg(test)]\nmod tests;\n#[cfg(test)]\nuse crate::db::schema::images;",
            ),
            ("events/tests.rs", "use crate::db::schema::images;\nfn t() { images::table; }"),
            ("events/tests/helpers.rs", "use crate::db::schema::images;"),
        ],
        &[],
    );
    assert_eq!(mentions_of(&report, "images"), mentions(&[("gallery", 2)]));
    assert_eq!(mentions_of(&report, "events"), []);
}

#[test]
fn a_module_named_like_a_table_is_not_the_table() {
    let report = tables(
        &[
            // Imports the table `events` and also reaches the module `events` by its full path.
            (
                "gallery.rs",
                "use crate::db::schema::events;\nfn f() { events::table; events::pages::event_page(); crate::events::id(); }",
            ),
            // Knows only the module `events`: `events::id` is its function, not the column.
            (
                "checkout.rs",
                "use crate::events;\nfn f() { events::id(); events::name(); events::pages::event_page(); }",
            ),
            ("events/mod.rs", "pub mod pages; pub fn id() {} pub fn name() {}"),
        ],
        &[],
    );
    assert_eq!(mentions_of(&report, "events"), mentions(&[("gallery", 2)]));
}

#[test]
fn a_table_named_by_two_modules_is_reported() {
    let files = [
        ("gallery.rs", "use crate::db::schema::images;\nfn f() { images::table; images::id; }"),
        (
            "events.rs",
            "use crate::db::schema::{images, events};\nfn f() { images::event_id; events::table; }",
        ),
    ];
    let report = tables(&files, &[]);
    assert_eq!(mentions_of(&report, "images"), mentions(&[("gallery", 3), ("events", 2)]));
    assert_eq!(
        report.findings,
        [TableFinding { table: "images".into(), problem: TableProblem::Shared }]
    );
    assert!(report.to_string().contains("images: named by several modules"));
}

#[test]
fn a_listed_shared_table_needs_its_reason_in_the_owners_doc() {
    let silent_owner = "//! The gallery: ingest and serving.\nuse crate::db::schema::images;\nfn f() { images::table; images::id; }";
    let telling_owner = "//! The gallery: ingest and serving. It owns `images`, which events\n//! also reads for the page's cards.\nuse crate::db::schema::images;\nfn f() { images::table; images::id; }";
    let reader = ("events.rs", "use crate::db::schema::images;\nfn f() { images::event_id; }");
    let shared = [("images", "gallery")];

    let report = tables(&[("gallery/mod.rs", silent_owner), reader], &shared);
    assert_eq!(
        report.findings,
        [TableFinding {
            table: "images".into(),
            problem: TableProblem::ReasonNotWritten { owner: "gallery".into() }
        }]
    );

    let report = tables(&[("gallery/mod.rs", telling_owner), reader], &shared);
    assert_eq!(report.findings, []);
}

#[test]
fn a_listed_owner_must_name_the_table_most() {
    let files = [
        ("gallery.rs", "//! Shares images.\nuse crate::db::schema::images;"),
        ("events.rs", "use crate::db::schema::images;\nfn f() { images::table; }"),
    ];
    let report = tables(&files, &[("images", "gallery"), ("orders", "checkout"), ("nope", "x")]);
    let problems: Vec<(&str, &TableProblem)> =
        report.findings.iter().map(|f| (f.table.as_str(), &f.problem)).collect();
    assert_eq!(
        problems,
        [
            ("images", &TableProblem::NotTheOwner { listed: "gallery".into() }),
            ("orders", &TableProblem::NotShared),
            ("nope", &TableProblem::NoSuchTable),
        ]
    );
}

#[test]
fn the_data_floor_names_no_table() {
    let report = tables(
        &[
            ("db/mod.rs", "pub mod schema;\nuse schema::events;\nfn f() { events::table; }"),
            ("db/schema.rs", SCHEMA),
        ],
        &[],
    );
    assert_eq!(mentions_of(&report, "events"), mentions(&[("db", 2)]));
    assert_eq!(mentions_of(&report, "images"), []);
    assert_eq!(
        report.findings,
        [TableFinding {
            table: "events".into(),
            problem: TableProblem::NamedByDataFloor { module: "db".into() }
        }]
    );
}

#[test]
fn a_clean_report_says_so() {
    let krate = SourceTree::new(&[("a.rs", "use crate::b::X;"), ("b.rs", "")]).read();
    let report = Report {
        crates: vec![check_imports(&krate, "src", &[])],
        tables: check_tables(&krate, SCHEMA, &[]),
        errors: Vec::new(),
    };
    assert!(report.is_clean(), "{report}");
    assert!(report.to_string().ends_with("the house is in order\n"));
}

/// The error rule's findings for a crate of `files`, with `actions` allowed.
fn error_rule(files: &[(&str, &str)], actions: &[(&str, &str, &str)]) -> Vec<ErrorFinding> {
    let krate = SourceTree::new(files).read();
    error_findings(&krate, &module_edges(&krate), "db", actions)
}

#[test]
fn a_query_function_answering_with_the_http_error_is_found() {
    let findings = error_rule(
        &[
            ("lib.rs", "mod db; mod error; mod events;"),
            ("db/mod.rs", "pub type Result<T> = std::result::Result<T, Error>;"),
            ("error.rs", "pub struct AppError;"),
            (
                "events/mod.rs",
                "use crate::error::AppError;\n\
                 pub fn load(conn: &mut DbConn, id: &str) -> Result<Option<Row>, AppError> { Ok(None) }\n\
                 pub fn find(conn: &mut DbConn) -> db::Result<Row> { Ok(Row) }\n\
                 pub fn handler(state: State) -> Result<HttpResponse, AppError> { Ok(page()) }\n\
                 pub fn run<F: Fn(&mut DbConn) -> db::Result<()>>(work: F) -> Result<(), AppError> { Ok(()) }",
            ),
        ],
        &[],
    );
    assert_eq!(
        findings,
        vec![
            ErrorFinding::AnswersHttp { file: "events/mod.rs".into(), function: "load".into() },
            ErrorFinding::AnswersHttp { file: "events/mod.rs".into(), function: "run".into() },
        ]
    );
}

#[test]
fn listed_actions_pass_and_a_stale_entry_is_named() {
    let findings = error_rule(
        &[
            ("lib.rs", "mod checkout;"),
            (
                "checkout/place.rs",
                "pub fn place(conn: &mut DbConn) -> Result<Placed, AppError> { Ok(Placed) }\n\
                 #[cfg(test)]\nmod tests { fn helper(conn: &mut DbConn) -> Result<(), AppError> { Ok(()) } }",
            ),
            ("checkout/mod.rs", "pub mod place;"),
        ],
        &[("checkout/place.rs", "place", "why"), ("checkout/place.rs", "gone", "why")],
    );
    assert_eq!(
        findings,
        vec![ErrorFinding::StaleAction {
            file: "checkout/place.rs".into(),
            function: "gone".into()
        }]
    );
}

#[test]
fn the_data_floor_importing_the_http_error_is_found() {
    let findings = error_rule(
        &[
            ("lib.rs", "mod db; mod error;"),
            ("db/mod.rs", "use crate::error::AppError;\npub fn now() {}"),
            ("error.rs", "pub struct AppError;"),
        ],
        &[],
    );
    assert!(
        matches!(&findings[..], [ErrorFinding::DataFloorImportsError(edge)] if edge.from == "db"),
        "{findings:?}"
    );
}
