//! Paths and use trees as trees of segments, so that `use crate::{b::x, c}` and
//! `crate::b::f()` are read the same way.

use crate::lex::Token;

/// One segment of a path or use tree and what follows it: `a::{b, c::d}` is `a` with the
/// children `b` and `c`, and `c` has the child `d`. A segment without children ends a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The identifier, or `*` for a glob.
    pub name: String,
    /// `x` in `use a::b as x`.
    pub alias: Option<String>,
    pub children: Vec<Segment>,
}

/// A whole path from its first segment to one end, as `leaves` spells it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    pub segments: Vec<String>,
    pub alias: Option<String>,
}

/// Parses the path or use tree starting at `tokens[start]` and returns its first segments and
/// the index after it. `in_use` reads `as` as an alias (in code, `x as u32` is a cast).
pub fn parse_tree(tokens: &[Token], start: usize, in_use: bool) -> (Vec<Segment>, usize) {
    match tokens.get(start) {
        Some(Token::Punct('{')) => parse_group(tokens, start + 1, in_use),
        Some(Token::Punct('*')) => (vec![segment("*")], start + 1),
        Some(Token::Ident(name)) => {
            let mut first = segment(name);
            let mut end = start + 1;
            let continues =
                matches!(tokens.get(end + 1), Some(Token::Ident(_) | Token::Punct('{' | '*')));
            if tokens.get(end) == Some(&Token::PathSep) && continues {
                (first.children, end) = parse_tree(tokens, end + 1, in_use);
            } else if in_use
                && tokens.get(end).is_some_and(|t| t.is_ident("as"))
                && let Some(Token::Ident(alias)) = tokens.get(end + 1)
            {
                first.alias = Some(alias.clone());
                end += 2;
            }
            (vec![first], end)
        }
        _ => (Vec::new(), start),
    }
}

/// Parses the items of a `{…}` group whose first item is at `start`, up to and past the `}`.
fn parse_group(tokens: &[Token], start: usize, in_use: bool) -> (Vec<Segment>, usize) {
    let mut items = Vec::new();
    let mut i = start;
    loop {
        match tokens.get(i) {
            Some(Token::Punct('}')) => return (items, i + 1),
            Some(Token::Punct(',')) => i += 1,
            None => return (items, i),
            Some(_) => {
                let (item, end) = parse_tree(tokens, i, in_use);
                if end == i {
                    // Not a use tree (a macro's body, say): leave the rest to the caller.
                    return (items, i);
                }
                items.extend(item);
                i = end;
            }
        }
    }
}

fn segment(name: &str) -> Segment {
    Segment { name: name.to_string(), alias: None, children: Vec::new() }
}

/// Every path from a first segment to an end: `a::{b, c::d}` gives `a::b` and `a::c::d`, and
/// `a::{self}` gives `a`.
pub fn leaves(trees: &[Segment]) -> Vec<Leaf> {
    let mut found = Vec::new();
    let mut prefix = Vec::new();
    for tree in trees {
        collect_leaves(tree, &mut prefix, &mut found);
    }
    found
}

fn collect_leaves(tree: &Segment, prefix: &mut Vec<String>, found: &mut Vec<Leaf>) {
    if tree.children.is_empty() {
        let mut segments = prefix.clone();
        if tree.name != "self" || segments.is_empty() {
            segments.push(tree.name.clone());
        }
        found.push(Leaf { segments, alias: tree.alias.clone() });
        return;
    }
    prefix.push(tree.name.clone());
    for child in &tree.children {
        collect_leaves(child, prefix, found);
    }
    prefix.pop();
}

/// Calls `visit` once for every segment, with the segments before it: each segment of the
/// source is seen once, however many paths go through it.
pub fn visit_segments(trees: &[Segment], visit: &mut impl FnMut(&[String], &Segment)) {
    let mut prefix = Vec::new();
    for tree in trees {
        visit_with_prefix(tree, &mut prefix, visit);
    }
}

fn visit_with_prefix(
    tree: &Segment,
    prefix: &mut Vec<String>,
    visit: &mut impl FnMut(&[String], &Segment),
) {
    visit(prefix, tree);
    prefix.push(tree.name.clone());
    for child in &tree.children {
        visit_with_prefix(child, prefix, visit);
    }
    prefix.pop();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::lex;

    fn leaf_paths(source: &str, in_use: bool) -> Vec<String> {
        let tokens = lex(source);
        let (trees, _) = parse_tree(&tokens, 0, in_use);
        leaves(&trees)
            .into_iter()
            .map(|leaf| {
                let path = leaf.segments.join("::");
                match leaf.alias {
                    Some(alias) => format!("{path} as {alias}"),
                    None => path,
                }
            })
            .collect()
    }

    #[test]
    fn nested_groups_spell_out_every_path() {
        assert_eq!(
            leaf_paths("crate::{b::x, c, d::{self, e::{f as g, *}}};", true),
            ["crate::b::x", "crate::c", "crate::d", "crate::d::e::f as g", "crate::d::e::*"]
        );
    }

    #[test]
    fn a_path_in_code_stops_before_generics_and_casts() {
        assert_eq!(leaf_paths("crate::b::f::<T>()", false), ["crate::b::f"]);
        assert_eq!(leaf_paths("crate::b::N as u32", false), ["crate::b::N"]);
    }
}
