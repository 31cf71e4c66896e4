//! The paths a Rust source file really names, for the layering checks: every `use` tree
//! expanded (groups, `self`, `as`), and every `a::b` path in the code, with names the
//! file imported replaced by what they stand for, and `crate`/`self`/`super` made
//! absolute. Comments and string literals are blanked first, so a doc line or a message
//! that spells `std::fs` is no import.
//!
//! Not a Rust parser: a path inside an inline `mod { }` resolves `super` as if it were
//! at the file's level, and macro-generated paths are invisible. Both are rare in this
//! crate and err towards reporting.

use std::collections::BTreeMap;

use regex::Regex;

/// A path named by a file, with the line it is on.
#[derive(Debug)]
pub struct NamedPath {
    /// 1-based line number.
    pub line: usize,
    /// The path, absolute (`crate::…`) when it starts in this crate.
    pub path: String,
}

/// Every path `text` names; `module` is the file's module path under the crate root
/// (`["core", "plan", "engine"]` for `src/core/plan/engine.rs`, `["core", "plan"]` for
/// its `mod.rs`).
pub fn named_paths(text: &str, module: &[String]) -> Vec<NamedPath> {
    let mut code = blank_comments_and_strings(text);
    let use_decl = Regex::new(r"\buse\s+([^;]+);").expect("valid regex");
    let mut named = Vec::new();
    let mut aliases = BTreeMap::new();
    let mut spans = Vec::new();
    for found in use_decl.captures_iter(&code) {
        let whole = found.get(0).expect("whole match");
        let line = line_of(&code, whole.start());
        let tree: String = found[1].split_whitespace().collect::<Vec<_>>().join(" ");
        for (path, alias) in expand(&tree, "") {
            let path = absolute(&path, module);
            if let Some(alias) = alias {
                aliases.insert(alias, path.clone());
            }
            named.push(NamedPath { line, path });
        }
        spans.push(whole.range());
    }
    for span in spans {
        code.replace_range(span.clone(), &" ".repeat(span.len()));
    }
    let path =
        Regex::new(r"\b[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+").expect("valid regex");
    for found in path.find_iter(&code) {
        let before = &code[..found.start()];
        // `a::<T>::b`, `<T as U>::b`: the tail of a path already seen. A `::` after
        // anything else starts a path at the root (`::std::fs::read`).
        if let Some(head) = before.strip_suffix("::")
            && head
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '>')
        {
            continue;
        }
        let text = found.as_str();
        let (head, rest) = text.split_once("::").expect("a path has `::`");
        let resolved = match aliases.get(head) {
            Some(target) => format!("{target}::{rest}"),
            None => absolute(text, module),
        };
        named.push(NamedPath {
            line: line_of(&code, found.start()),
            path: resolved,
        });
    }
    named
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// `crate::…` for a path starting with `crate`, `self` or `super` in `module`; other
/// paths (external crates, local names) unchanged.
fn absolute(path: &str, module: &[String]) -> String {
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = module.iter().map(String::as_str).collect();
    match segments.first() {
        Some(&"crate") => return path.to_string(),
        Some(&"self") => {
            segments.remove(0);
        }
        Some(&"super") => {
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
        }
        _ => return path.to_string(),
    }
    let mut out = vec!["crate"];
    out.extend(base);
    out.extend(segments);
    out.join("::")
}

/// The leaf paths of a `use` tree (`a::{b, c::{self, d as e}}`), each with the local
/// name it binds when that differs from the last segment's meaning (every leaf binds
/// its last segment or its alias; `*` binds none).
fn expand(tree: &str, prefix: &str) -> Vec<(String, Option<String>)> {
    let tree = tree.trim().trim_start_matches("::");
    let join = |tail: &str| {
        if prefix.is_empty() {
            tail.to_string()
        } else if tail.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}::{tail}")
        }
    };
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let prefix = join(head);
        return split_top_level(inner)
            .into_iter()
            .filter(|part| !part.trim().is_empty())
            .flat_map(|part| expand(part, &prefix))
            .collect();
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path.trim(), Some(alias.trim().to_string())),
        None => (tree, None),
    };
    let full = if path == "self" {
        prefix.to_string()
    } else {
        join(path)
    };
    let bound =
        alias.or_else(|| (path != "*").then(|| full.rsplit("::").next().unwrap_or("").to_string()));
    vec![(full, bound.filter(|name| name != "_"))]
}

fn split_top_level(group: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&group[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&group[start..]);
    parts
}

/// `text` with comments, string literals and char literals replaced by spaces
/// (newlines kept, so line numbers hold).
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ident_before(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let mut j = i + 2 + hashes;
            while j < chars.len() && !chars[j..].starts_with(&close) {
                j += 1;
            }
            let end = (j + close.len()).min(chars.len());
            out.extend(chars[i..end].iter().map(|&c| blank(c)));
            i = end;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && char_literal_len(&chars[i..]).is_some() {
            let len = char_literal_len(&chars[i..]).expect("checked");
            out.extend(std::iter::repeat_n(' ', len));
            i += len;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], at: usize) -> bool {
    at > 0 && (chars[at - 1].is_alphanumeric() || chars[at - 1] == '_')
}

/// The length of a char literal starting at `chars[0] == '\''` (`'a'`, `'\n'`,
/// `'\u{1F600}'`), or `None` for a lifetime.
fn char_literal_len(chars: &[char]) -> Option<usize> {
    if chars.get(1) == Some(&'\\') {
        let close = chars.iter().skip(2).position(|&c| c == '\'')?;
        return Some(close + 3);
    }
    (chars.get(2) == Some(&'\'')).then_some(3)
}

/// `use` trees expand to their leaves and imported names resolve in later paths.
#[test]
fn paths_resolve_through_groups_and_aliases() {
    let text = "use crate::{api, sim::{self, x as y}};\nuse super::super::http;\n\
                use std::time as t;\n// use tokio::spawn;\nfn f() { let _ = \"std::fs\"; t::SystemTime::now(); }\n";
    let module = ["core".to_string(), "plan".to_string(), "engine".to_string()];
    let paths: Vec<String> = named_paths(text, &module)
        .into_iter()
        .map(|p| format!("{}:{}", p.line, p.path))
        .collect();
    assert_eq!(
        paths,
        [
            "1:crate::api",
            "1:crate::sim",
            "1:crate::sim::x",
            "2:crate::core::http",
            "3:std::time",
            "5:std::time::SystemTime::now",
        ]
    );
}
