//! Imports between top-level modules: the edges, the cycles they close and the floors they
//! break. Test code counts: a test that imports upward ties the modules as firmly.

use std::collections::{BTreeMap, BTreeSet};

use crate::source::Crate;
use crate::tree::leaves;

/// One name a file takes from another module: `web.rs: events::access::AccessCache`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Import {
    /// The file, under `src`.
    pub file: String,
    /// The path after `crate::`.
    pub name: String,
}

/// Module `from` names something of module `to`, through `imports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub imports: Vec<Import>,
}

/// Modules that all reach each other, with the edges between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub modules: Vec<String>,
    pub edges: Vec<Edge>,
}

/// Every edge between two top-level modules: each `crate::b…` in a file of module `a`, in a
/// `use` tree or in code, and each name the crate root imports from `b` (`crate::SyncReport`).
/// `super::` and `self::` never leave a top-level module, so only `crate::` is read.
pub fn module_edges(krate: &Crate) -> Vec<Edge> {
    let mut edges: BTreeMap<(String, String), BTreeSet<Import>> = BTreeMap::new();
    for file in &krate.files {
        let Some(from) = &file.module else { continue };
        for leaf in file.paths.iter().flat_map(|path| leaves(&path.trees)) {
            let [first, rest @ ..] = leaf.segments.as_slice() else { continue };
            let Some(target) = rest.first().filter(|_| first == "crate") else { continue };
            let name = rest.join("::");
            let (to, name) = if krate.modules.contains(target) {
                (target.clone(), name)
            } else if let Some(origin) = krate.root_imports.get(target) {
                (origin[0].clone(), format!("{name} (= {})", origin.join("::")))
            } else {
                continue;
            };
            if &to != from {
                let import = Import { file: file.path.clone(), name };
                edges.entry((from.clone(), to)).or_default().insert(import);
            }
        }
    }
    edges
        .into_iter()
        .map(|((from, to), imports)| Edge { from, to, imports: imports.into_iter().collect() })
        .collect()
}

/// The strongly connected components of more than one module (Tarjan's algorithm), each with
/// the edges inside it.
pub fn find_cycles(edges: &[Edge]) -> Vec<Cycle> {
    let mut modules: BTreeSet<&str> = BTreeSet::new();
    for edge in edges {
        modules.insert(&edge.from);
        modules.insert(&edge.to);
    }
    let mut tarjan = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for module in modules {
        if !tarjan.index.contains_key(module) {
            tarjan.visit(module);
        }
    }
    let mut cycles: Vec<Cycle> = tarjan
        .components
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut modules: Vec<String> = component.iter().map(|m| m.to_string()).collect();
            modules.sort();
            let inside =
                |edge: &&Edge| component.contains(&&*edge.from) && component.contains(&&*edge.to);
            Cycle { modules, edges: edges.iter().filter(inside).cloned().collect() }
        })
        .collect();
    cycles.sort_by(|a, b| a.modules.cmp(&b.modules));
    cycles
}

struct Tarjan<'a> {
    edges: &'a [Edge],
    index: BTreeMap<&'a str, usize>,
    low: BTreeMap<&'a str, usize>,
    stack: Vec<&'a str>,
    on_stack: BTreeSet<&'a str>,
    components: Vec<Vec<&'a str>>,
}

impl<'a> Tarjan<'a> {
    fn visit(&mut self, module: &'a str) {
        let order = self.index.len();
        self.index.insert(module, order);
        self.low.insert(module, order);
        self.stack.push(module);
        self.on_stack.insert(module);
        let edges = self.edges;
        for next in edges.iter().filter(|edge| edge.from == module).map(|edge| edge.to.as_str()) {
            if !self.index.contains_key(next) {
                self.visit(next);
                let low = self.low[module].min(self.low[next]);
                self.low.insert(module, low);
            } else if self.on_stack.contains(next) {
                let low = self.low[module].min(self.index[next]);
                self.low.insert(module, low);
            }
        }
        if self.low[module] == self.index[module] {
            let mut component = Vec::new();
            while let Some(member) = self.stack.pop() {
                self.on_stack.remove(member);
                component.push(member);
                if member == module {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

/// The edges from a floor to a module that is not one: a shared layer importing a feature.
pub fn floor_violations(edges: &[Edge], floors: &[&str]) -> Vec<Edge> {
    let is_floor = |module: &str| floors.contains(&module);
    edges.iter().filter(|edge| is_floor(&edge.from) && !is_floor(&edge.to)).cloned().collect()
}
