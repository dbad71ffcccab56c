//! A crate's source as the checks see it: every `.rs` file under `src`, the top-level module it
//! belongs to, which of it is test code, and every path it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::{fs, io};

use crate::lex::{Token, lex};
use crate::tree::{Segment, leaves, parse_tree};

/// The crate roots: the top floor, whose own imports no rule looks at.
const CRATE_ROOTS: &[&str] = &["lib.rs", "main.rs"];

/// Files that hold only tests, by name, whether or not their `mod` says `#[cfg(test)]`.
const TEST_FILE: &str = "tests.rs";
const TEST_FOLDER: &str = "tests";

/// A crate's `src` folder, read.
#[derive(Debug)]
pub struct Crate {
    /// Top-level modules: each file `foo.rs` or folder `foo/` under `src` that is not a crate
    /// root. A file pulled in by `#[path]` belongs to the module that declares it.
    pub modules: BTreeSet<String>,
    pub files: Vec<SourceFile>,
    /// What the crate root imports from a top-level module, by the name it is known as:
    /// `pub use sync::SyncReport` makes `crate::SyncReport` a use of `sync`.
    pub root_imports: BTreeMap<String, Vec<String>>,
}

/// One `.rs` file.
#[derive(Debug)]
pub struct SourceFile {
    /// Its path under `src`, `/`-separated: `events/pages.rs`.
    pub path: String,
    /// The top-level module it belongs to; `None` for a crate root.
    pub module: Option<String>,
    /// Whether the whole file is test code (`tests.rs`, under `tests/`, or a `#[cfg(test)] mod`).
    pub is_test: bool,
    /// Its leading `//!` lines, without the `//!`.
    pub doc: String,
    pub paths: Vec<FoundPath>,
    /// Its functions' signatures, outside test code.
    pub functions: Vec<Signature>,
}

/// A function's name and the identifiers of its parameters and its return type: enough to
/// tell what a function takes and what it fails with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub params: Vec<String>,
    pub returns: Vec<String>,
}

/// A path or use tree of more than one segment, or any `use` tree.
#[derive(Debug)]
pub struct FoundPath {
    pub trees: Vec<Segment>,
    /// Whether it is the tree of a `use` declaration.
    pub in_use: bool,
    /// Whether it is inside an item marked `#[cfg(test)]`.
    pub in_test: bool,
}

impl Crate {
    /// The top doc of a top-level module: the `//!` lines of `foo.rs` or `foo/mod.rs`.
    pub fn module_doc(&self, module: &str) -> Option<&str> {
        let candidates = [format!("{module}.rs"), format!("{module}/mod.rs")];
        self.files.iter().find(|file| candidates.contains(&file.path)).map(|file| file.doc.as_str())
    }
}

/// A `mod name;` declaration, which pulls in another file.
#[derive(Debug, PartialEq, Eq)]
struct ModDecl {
    name: String,
    /// `#[path = "…"]`, relative to the declaring file's folder.
    path_attr: Option<String>,
    is_test: bool,
}

/// What one file says about itself before the crate puts the files together.
struct ScannedFile {
    path: String,
    doc: String,
    paths: Vec<FoundPath>,
    functions: Vec<Signature>,
    mod_decls: Vec<ModDecl>,
    /// `#![cfg(test)]` at the top.
    is_test: bool,
}

/// Reads every `.rs` file under `src`.
pub fn read_crate(src: &Path) -> io::Result<Crate> {
    let mut relative_paths = Vec::new();
    collect_rs_files(src, "", &mut relative_paths)?;
    relative_paths.sort();
    let scanned = relative_paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(src.join(&path))?;
            Ok(scan_file(path, &text))
        })
        .collect::<io::Result<Vec<_>>>()?;

    let declared_by = declarations(&scanned);
    let facts: Vec<(Option<String>, bool)> = scanned
        .iter()
        .map(|file| {
            (module_of(&file.path, &declared_by), is_test_file(&file.path, &scanned, &declared_by))
        })
        .collect();
    let files: Vec<SourceFile> = scanned
        .into_iter()
        .zip(facts)
        .map(|(file, (module, is_test))| SourceFile {
            path: file.path,
            module,
            is_test,
            doc: file.doc,
            paths: file.paths,
            functions: file.functions,
        })
        .collect();
    let modules: BTreeSet<String> = files.iter().filter_map(|file| file.module.clone()).collect();
    let root_imports = root_imports(&files, &modules);
    Ok(Crate { modules, files, root_imports })
}

fn collect_rs_files(src: &Path, under: &str, found: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(src.join(under))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if under.is_empty() { name.clone() } else { format!("{under}/{name}") };
        if entry.file_type()?.is_dir() {
            collect_rs_files(src, &relative, found)?;
        } else if name.ends_with(".rs") {
            found.push(relative);
        }
    }
    Ok(())
}

fn scan_file(path: String, text: &str) -> ScannedFile {
    let tokens = lex(text);
    let items = scan_items(&tokens);
    let paths = find_paths(&tokens, &items.test_mask);
    let functions = find_signatures(&tokens, &items.test_mask);
    ScannedFile {
        path,
        doc: top_doc(text),
        paths,
        functions,
        mod_decls: items.mod_decls,
        is_test: items.whole_file_is_test,
    }
}

/// Every `fn` outside test code: its name, parameters and return type. Generics and `where`
/// clauses are passed over; the return type ends at the body or the `;`.
fn find_signatures(tokens: &[Token], test_mask: &[bool]) -> Vec<Signature> {
    let mut found = Vec::new();
    for i in 0..tokens.len() {
        if !tokens[i].is_ident("fn") || test_mask.get(i).copied().unwrap_or(false) {
            continue;
        }
        let Some(Token::Ident(name)) = tokens.get(i + 1) else { continue };
        let Some(open) = (i + 2..tokens.len()).find(|&j| tokens[j].is_punct('(')) else {
            continue;
        };
        let mut depth = 0usize;
        let mut close = open;
        for (j, token) in tokens.iter().enumerate().skip(open) {
            match token {
                Token::Punct('(') => depth += 1,
                Token::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        close = j;
                        break;
                    }
                }
                _ => {}
            }
        }
        let idents = |range: &[Token]| -> Vec<String> {
            range
                .iter()
                .filter_map(|t| match t {
                    Token::Ident(ident) => Some(ident.clone()),
                    _ => None,
                })
                .collect()
        };
        let params = idents(&tokens[open + 1..close]);
        let mut returns = Vec::new();
        if tokens.get(close + 1) == Some(&Token::Arrow) {
            let end = (close + 2..tokens.len())
                .find(|&j| {
                    tokens[j].is_punct('{')
                        || tokens[j].is_punct(';')
                        || tokens[j].is_ident("where")
                })
                .unwrap_or(tokens.len());
            returns = idents(&tokens[close + 2..end]);
        }
        found.push(Signature { name: name.clone(), params, returns });
    }
    found
}

/// The `//!` lines a file starts with.
fn top_doc(text: &str) -> String {
    let mut doc = String::new();
    for line in text.lines().map(str::trim_start).skip_while(|line| line.is_empty()) {
        let Some(rest) = line.strip_prefix("//!") else { break };
        doc.push_str(rest.trim());
        doc.push('\n');
    }
    doc
}

/// Every path that starts at an identifier not preceded by `::`.
fn find_paths(tokens: &[Token], test_mask: &[bool]) -> Vec<FoundPath> {
    let mut paths = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let starts_path =
            matches!(tokens[i], Token::Ident(_)) && (i == 0 || tokens[i - 1] != Token::PathSep);
        if !starts_path {
            i += 1;
            continue;
        }
        let in_use = i > 0 && tokens[i - 1].is_ident("use");
        let (trees, end) = parse_tree(tokens, i, in_use);
        if in_use || trees.iter().any(|tree| !tree.children.is_empty()) {
            paths.push(FoundPath { trees, in_use, in_test: test_mask[i] });
        }
        i = end.max(i + 1);
    }
    paths
}

/// What the attributes of a file's items say.
struct Items {
    /// For each token, whether it is inside an item marked `#[cfg(test)]`.
    test_mask: Vec<bool>,
    mod_decls: Vec<ModDecl>,
    whole_file_is_test: bool,
}

/// Finds the items under `#[cfg(test)]` and the `mod name;` declarations (with their
/// `#[cfg(test)]` and `#[path]`).
fn scan_items(tokens: &[Token]) -> Items {
    let mut items = Items {
        test_mask: vec![false; tokens.len()],
        mod_decls: Vec::new(),
        whole_file_is_test: false,
    };
    let mut attributed = false;
    let mut seen_item = false;
    let mut is_test = false;
    let mut path_attr = None;
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].is_punct('#') {
            let inner = tokens.get(i + 1).is_some_and(|t| t.is_punct('!'));
            let open = if inner { i + 2 } else { i + 1 };
            if tokens.get(open).is_some_and(|t| t.is_punct('[')) {
                let close = matching_close(tokens, open);
                let attribute = &tokens[open + 1..close.min(tokens.len())];
                let cfg_test = is_cfg_test(attribute);
                if inner {
                    // Only before the first item: inside an inline `mod` it is that module's.
                    items.whole_file_is_test |= cfg_test && !seen_item;
                } else {
                    attributed = true;
                    is_test |= cfg_test;
                    path_attr = path_attr.or_else(|| path_attribute(attribute));
                }
                i = close + 1;
                continue;
            }
        }
        seen_item = true;
        let decl = mod_decl_at(tokens, i, attributed);
        if attributed {
            let end = item_end(tokens, i);
            if is_test {
                items.test_mask[i..end].fill(true);
            }
            attributed = false;
            if let Some(name) = decl {
                items.mod_decls.push(ModDecl { name, path_attr: path_attr.take(), is_test });
                is_test = false;
                i = end;
                continue;
            }
            is_test = false;
            path_attr = None;
        } else if let Some(name) = decl {
            items.mod_decls.push(ModDecl { name, path_attr: None, is_test: false });
        }
        i += 1;
    }
    items
}

/// The name in `mod name;` when the item at `start` is one; with attributes the item may start
/// with a visibility (`pub(crate) mod name;`), without them the declaration is found at `mod`.
fn mod_decl_at(tokens: &[Token], start: usize, skip_visibility: bool) -> Option<String> {
    let mut i = start;
    if skip_visibility && tokens[i].is_ident("pub") {
        i += 1;
        if tokens.get(i).is_some_and(|t| t.is_punct('(')) {
            i = matching_close(tokens, i) + 1;
        }
    }
    match (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2)) {
        (Some(keyword), Some(Token::Ident(name)), Some(end))
            if keyword.is_ident("mod") && end.is_punct(';') =>
        {
            Some(name.clone())
        }
        _ => None,
    }
}

/// `cfg(test)`
fn is_cfg_test(attribute: &[Token]) -> bool {
    matches!(attribute, [cfg, open, test, close]
        if cfg.is_ident("cfg") && open.is_punct('(') && test.is_ident("test") && close.is_punct(')'))
}

/// `path = "…"`
fn path_attribute(attribute: &[Token]) -> Option<String> {
    match attribute {
        [path, equals, Token::Str(value)] if path.is_ident("path") && equals.is_punct('=') => {
            Some(value.clone())
        }
        _ => None,
    }
}

/// The index of the bracket closing the one at `open` (or the end of the tokens).
fn matching_close(tokens: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The index after the item starting at `start`: after its `;` or its closing `}`, or before
/// the bracket that closes what holds it (a field, a match arm).
fn item_end(tokens: &[Token], start: usize) -> usize {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(start) {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') if depth == 0 => return i,
            Token::Punct('}') if depth == 1 => return i + 1,
            Token::Punct(')' | ']' | '}') => depth -= 1,
            Token::Punct(';') if depth == 0 => return i + 1,
            _ => {}
        }
    }
    tokens.len()
}

/// For each file pulled in by a `mod name;`, the file declaring it and whether the declaration
/// is `#[cfg(test)]`.
fn declarations(files: &[ScannedFile]) -> BTreeMap<String, (String, bool)> {
    let existing: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    let mut declared_by = BTreeMap::new();
    for file in files {
        let (folder, file_name) = match file.path.rsplit_once('/') {
            Some((folder, name)) => (format!("{folder}/"), name),
            None => (String::new(), file.path.as_str()),
        };
        // `foo/mod.rs` and the crate roots hold their children beside them, `foo.rs` in `foo/`.
        let children_folder = if file_name == "mod.rs" || CRATE_ROOTS.contains(&file_name) {
            folder.clone()
        } else {
            format!("{folder}{}/", file_name.trim_end_matches(".rs"))
        };
        for decl in &file.mod_decls {
            let candidates = match &decl.path_attr {
                Some(path) => vec![format!("{folder}{path}")],
                None => vec![
                    format!("{children_folder}{}.rs", decl.name),
                    format!("{children_folder}{}/mod.rs", decl.name),
                ],
            };
            if let Some(child) = candidates.into_iter().find(|c| existing.contains(c.as_str())) {
                declared_by.insert(child, (file.path.clone(), decl.is_test));
            }
        }
    }
    declared_by
}

fn is_crate_root(path: &str) -> bool {
    CRATE_ROOTS.contains(&path)
}

/// The top-level module a file belongs to: the module of the file declaring it, up to the crate
/// root, or else the first part of its path.
fn module_of(path: &str, declared_by: &BTreeMap<String, (String, bool)>) -> Option<String> {
    if is_crate_root(path) {
        return None;
    }
    let mut current = path;
    // A bound on the walk up, against a `#[path]` loop.
    for _ in 0..64 {
        match declared_by.get(current) {
            Some((parent, _)) if !is_crate_root(parent) => current = parent,
            _ => break,
        }
    }
    let first = current.split('/').next().unwrap_or(current);
    Some(first.trim_end_matches(".rs").to_string())
}

/// Whether a whole file is test code: by its name, its own `#![cfg(test)]`, or a
/// `#[cfg(test)]` on the `mod` that declares it or on any declaration above.
fn is_test_file(
    path: &str,
    files: &[ScannedFile],
    declared_by: &BTreeMap<String, (String, bool)>,
) -> bool {
    let mut current = path;
    for _ in 0..64 {
        let parts: Vec<&str> = current.split('/').collect();
        let (file_name, folders) = parts.split_last().expect("split gives one part at least");
        let said_by_itself = files.iter().any(|file| file.path == current && file.is_test);
        if *file_name == TEST_FILE || folders.contains(&TEST_FOLDER) || said_by_itself {
            return true;
        }
        match declared_by.get(current) {
            Some((_, true)) => return true,
            Some((parent, false)) => current = parent,
            None => return false,
        }
    }
    false
}

/// The names a crate root's `use` declarations bring in from its top-level modules.
fn root_imports(files: &[SourceFile], modules: &BTreeSet<String>) -> BTreeMap<String, Vec<String>> {
    let mut imports = BTreeMap::new();
    let roots = files.iter().filter(|file| file.path == "lib.rs");
    for path in roots.flat_map(|file| &file.paths).filter(|path| path.in_use) {
        for leaf in leaves(&path.trees) {
            let mut segments = leaf.segments;
            if matches!(segments.first().map(String::as_str), Some("crate" | "self")) {
                segments.remove(0);
            }
            let from_module = segments.first().is_some_and(|first| modules.contains(first));
            let name = leaf.alias.or_else(|| segments.last().cloned());
            if let Some(name) = name.filter(|name| from_module && name != "*") {
                imports.insert(name, segments);
            }
        }
    }
    imports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfg_test_marks_the_next_item_only() {
        let source = "fn a() {} #[cfg(test)] #[allow(x)] mod tests { fn b() {} } fn c() {}";
        let tokens = lex(source);
        let mask = scan_items(&tokens).test_mask;
        let marked: Vec<&Token> =
            tokens.iter().zip(&mask).filter(|(_, test)| **test).map(|(t, _)| t).collect();
        assert_eq!(marked.first(), Some(&&Token::Ident("mod".into())));
        assert_eq!(marked.last(), Some(&&Token::Punct('}')));
        assert!(!mask[tokens.len() - 1], "fn c stays outside");
        assert_eq!(marked.len(), 10);
    }

    #[test]
    fn mod_declarations_carry_their_attributes() {
        let tokens =
            lex("pub mod a; #[cfg(test)] #[path = \"a_tests.rs\"] mod tests; pub(crate) mod b { }");
        assert_eq!(
            scan_items(&tokens).mod_decls,
            [
                ModDecl { name: "a".into(), path_attr: None, is_test: false },
                ModDecl {
                    name: "tests".into(),
                    path_attr: Some("a_tests.rs".into()),
                    is_test: true
                },
            ]
        );
    }

    #[test]
    fn an_inner_cfg_test_makes_a_test_file_only_at_the_top() {
        assert!(scan_items(&lex("//! Helpers.\n#![cfg(test)]\nuse x;")).whole_file_is_test);
        assert!(!scan_items(&lex("use x; mod a { #![cfg(test)] }")).whole_file_is_test);
    }

    #[test]
    fn top_doc_stops_at_the_first_other_line() {
        assert_eq!(top_doc("\n//! One.\n//!  Two.\nuse x;\n//! Not."), "One.\nTwo.\n");
    }
}
