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
fn a_clean_report_says_so() {
    let krate = SourceTree::new(&[("a.rs", "use crate::b::X;"), ("b.rs", "")]).read();
    let report = Report { crates: vec![check_imports(&krate, "src", &[])] };
    assert!(report.is_clean(), "{report}");
    assert!(report.to_string().ends_with("the house is in order\n"));
}
