//! Which top-level module names each table in a query, so that every table has one owner and
//! everyone else goes through the owner's functions.

use std::collections::{BTreeMap, BTreeSet};

use crate::lex::{Token, lex};
use crate::source::{Crate, SourceFile};
use crate::tree::{leaves, visit_segments};

/// A table of `diesel::table!` and its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: BTreeSet<String>,
}

/// The modules that name one table, most mentions first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableUse {
    pub table: String,
    pub mentions: Vec<(String, usize)>,
}

/// A table that breaks the one-owner rule, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFinding {
    pub table: String,
    pub problem: TableProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableProblem {
    /// Named by more than one module, and not listed as shared.
    Shared,
    /// Listed as shared, but the owner's top doc does not name the table (nor say why).
    ReasonNotWritten { owner: String },
    /// Listed as shared with an owner that is not the module naming it most.
    NotTheOwner { listed: String },
    /// Listed as shared, but only one module (or none) names it: the entry is stale.
    NotShared,
    /// Listed as shared, but `schema.rs` has no such table.
    NoSuchTable,
    /// Named by the data floor, which must know no domain table.
    NamedByDataFloor { module: String },
}

/// Names after `table::` that name the table itself rather than a column.
const WHOLE_TABLE: &[&str] = &["table", "all_columns", "star", "dsl"];

/// The tables of a `schema.rs`: each `table! { name (key) { column -> Type, … } }`, with any
/// attributes, several to a file or to one `table!`.
pub fn parse_schema(text: &str) -> Vec<Table> {
    let tokens = lex(text);
    let mut tables = Vec::new();
    let mut i = 0;
    while i + 2 < tokens.len() {
        let is_table_macro = tokens[i].is_ident("table")
            && tokens[i + 1].is_punct('!')
            && tokens[i + 2].is_punct('{');
        if !is_table_macro {
            i += 1;
            continue;
        }
        i += 3;
        // Inside the macro: `#[…]`s, then `name (key) { columns }`, as often as it says.
        let mut depth = 1;
        let mut pending_name: Option<String> = None;
        while i < tokens.len() && depth > 0 {
            match &tokens[i] {
                Token::Punct('{') if depth == 1 => {
                    let (columns, end) = read_columns(&tokens, i);
                    if let Some(name) = pending_name.take() {
                        tables.push(Table { name, columns });
                    }
                    i = end;
                    continue;
                }
                Token::Punct('(' | '[' | '{') => depth += 1,
                Token::Punct(')' | ']' | '}') => depth -= 1,
                Token::Ident(name) if depth == 1 => pending_name = Some(name.clone()),
                _ => {}
            }
            i += 1;
        }
    }
    tables
}

/// The column names in the `{…}` starting at `open` (each an identifier before `->`), and the
/// index after the `}`.
fn read_columns(tokens: &[Token], open: usize) -> (BTreeSet<String>, usize) {
    let mut columns = BTreeSet::new();
    let mut depth = 0;
    for i in open..tokens.len() {
        match &tokens[i] {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return (columns, i + 1);
                }
            }
            Token::Ident(name) if depth == 1 && tokens.get(i + 1) == Some(&Token::Arrow) => {
                columns.insert(name.clone());
            }
            _ => {}
        }
    }
    (columns, tokens.len())
}

/// For each table, the modules naming it outside tests and outside `schema_file`: each
/// `schema::table` (in a `use` tree too) and each `table::column`, `table::table`,
/// `table::all_columns`, `table::star` or `table::dsl` where the file imports `table` from the
/// schema (`use …::schema::{table, …}`, `schema::table as alias`, `schema::*`). So a module
/// `events` in `crate::events::pages` or `events::pages::f` is not the table `events`.
pub fn table_uses(krate: &Crate, tables: &[Table], schema_file: &str) -> Vec<TableUse> {
    let by_name: BTreeMap<&str, &Table> = tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut counts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for file in &krate.files {
        let Some(module) = &file.module else { continue };
        if file.is_test || file.path == schema_file {
            continue;
        }
        for table in mentions_in(file, &by_name) {
            *counts.entry(table).or_default().entry(module).or_default() += 1;
        }
    }
    tables
        .iter()
        .map(|table| {
            let mut mentions: Vec<(String, usize)> = counts
                .get(table.name.as_str())
                .into_iter()
                .flatten()
                .map(|(module, count)| (module.to_string(), *count))
                .collect();
            mentions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            TableUse { table: table.name.clone(), mentions }
        })
        .collect()
}

/// One table name for each place the file's non-test code names a table.
fn mentions_in<'t>(file: &SourceFile, tables: &BTreeMap<&str, &'t Table>) -> Vec<&'t str> {
    let paths: Vec<_> = file.paths.iter().filter(|path| !path.in_test).collect();

    // What the file calls the schema module and each table it imports.
    let mut schema_names: BTreeSet<String> = BTreeSet::from(["schema".to_string()]);
    let use_leaves: Vec<_> =
        paths.iter().filter(|path| path.in_use).flat_map(|path| leaves(&path.trees)).collect();
    for leaf in &use_leaves {
        if leaf.segments.last().is_some_and(|last| last == "schema") {
            schema_names.extend(leaf.alias.clone());
        }
    }
    let mut imported: BTreeMap<String, &Table> = BTreeMap::new();
    for leaf in &use_leaves {
        let Some(at) = leaf.segments.iter().position(|s| schema_names.contains(s)) else {
            continue;
        };
        match &leaf.segments[at + 1..] {
            [glob] if glob == "*" => {
                imported.extend(tables.iter().map(|(name, table)| (name.to_string(), *table)));
            }
            [name] => {
                if let Some(table) = tables.get(name.as_str()) {
                    imported.insert(leaf.alias.clone().unwrap_or_else(|| name.clone()), table);
                }
            }
            _ => {}
        }
    }

    let mut found = Vec::new();
    for path in &paths {
        visit_segments(&path.trees, &mut |before, segment| {
            let after_schema = before.last().is_some_and(|last| schema_names.contains(last));
            if after_schema && let Some(table) = tables.get(segment.name.as_str()) {
                found.push(table.name.as_str());
            } else if before.is_empty()
                && let Some(table) = imported.get(&segment.name)
            {
                let names_it =
                    |name: &str| WHOLE_TABLE.contains(&name) || table.columns.contains(name);
                let named = segment.children.iter().filter(|child| names_it(&child.name));
                found.extend(named.map(|_| table.name.as_str()));
            }
        });
    }
    found
}

/// Checks the one-owner rule on `uses`: a table named by several modules must be in `shared`
/// with the module naming it most as its owner, whose top doc names the table; and
/// `data_floor` (the module reaching the database) names no table at all.
pub fn table_findings(
    uses: &[TableUse],
    krate: &Crate,
    shared: &[(&str, &str)],
    data_floor: &str,
) -> Vec<TableFinding> {
    let mut findings = Vec::new();
    let mut found = |table: &str, problem| {
        findings.push(TableFinding { table: table.to_string(), problem });
    };
    for table_use in uses {
        let table = table_use.table.as_str();
        if table_use.mentions.iter().any(|(module, _)| module == data_floor) {
            found(table, TableProblem::NamedByDataFloor { module: data_floor.to_string() });
        }
        let listed = shared.iter().find(|(name, _)| *name == table).map(|(_, owner)| *owner);
        let is_shared = table_use.mentions.len() > 1;
        match listed {
            None if is_shared => found(table, TableProblem::Shared),
            None => {}
            Some(_) if !is_shared => found(table, TableProblem::NotShared),
            Some(owner) => {
                let most = table_use.mentions.first().map_or(0, |(_, count)| *count);
                let owner_count = table_use
                    .mentions
                    .iter()
                    .find(|(module, _)| module == owner)
                    .map_or(0, |(_, count)| *count);
                if owner_count < most {
                    found(table, TableProblem::NotTheOwner { listed: owner.to_string() });
                }
                if !krate.module_doc(owner).is_some_and(|doc| names_word(doc, table)) {
                    found(table, TableProblem::ReasonNotWritten { owner: owner.to_string() });
                }
            }
        }
    }
    for (table, _) in shared {
        if !uses.iter().any(|table_use| table_use.table == *table) {
            found(table, TableProblem::NoSuchTable);
        }
    }
    findings
}

/// Whether `text` holds `word` as a whole word (`images`, not `images_old`).
fn names_word(text: &str, word: &str) -> bool {
    let is_word_char = |c: char| c == '_' || c.is_alphanumeric();
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_tables_with_attributes_and_several_per_macro() {
        let schema = r#"
            diesel::table! {
                /// The one studio.
                #[sql_name = "studios"]
                studio (id) {
                    id -> Text,
                    #[sql_name = "type"]
                    kind -> Nullable<Text>,
                }
                other (a, b) { a -> Integer, b -> Integer, }
            }
            table! { images (id) { id -> Text, event_id -> Text, } }
            diesel::joinable!(images -> studio (event_id));
            diesel::allow_tables_to_appear_in_same_query!(studio, other, images);
        "#;
        let tables = parse_schema(schema);
        let summary: Vec<(String, Vec<String>)> =
            tables.into_iter().map(|t| (t.name, t.columns.into_iter().collect())).collect();
        assert_eq!(
            summary,
            [
                ("studio".into(), vec!["id".into(), "kind".into()]),
                ("other".into(), vec!["a".into(), "b".into()]),
                ("images".into(), vec!["event_id".into(), "id".into()]),
            ]
        );
    }

    #[test]
    fn whole_words_only() {
        assert!(names_word("Shares `images` with the gallery.", "images"));
        assert!(!names_word("Shares image_derivatives.", "images"));
        assert!(!names_word("old_images", "images"));
    }
}
