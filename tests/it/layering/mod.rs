//! The architecture holds: the pure core does no I/O and imports no adapter, the
//! sandboxes import no client, and no two sibling modules import each other. The checks
//! read the paths each file really names (`rust_paths`), not the text of its lines.

mod rust_paths;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rust_paths::{NamedPath, named_paths};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("source directory is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/` (`src/core/plan/mod.rs` -> `core::plan`).
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src()).expect("under src");
    let mut module: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if module.last().is_some_and(|last| last == "mod") {
        module.pop();
    }
    module
}

/// Whether `path` is `prefix` or lies under it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

/// What `src/core` may not name: the adapters, the async runtime and HTTP client, the
/// file system, the environment, the clock, and the rest of the OS (threads, processes,
/// sockets).
const CORE_FORBIDDEN: &[&str] = &[
    "crate::api",
    "crate::source",
    "crate::target",
    "crate::http",
    "crate::sim",
    "crate::commands",
    "tokio",
    "reqwest",
    "std::fs",
    "std::env",
    "std::time::SystemTime",
    "std::time::Instant",
    "std::time::UNIX_EPOCH",
    "std::thread",
    "std::process",
    "std::net",
];

/// Whether a path named by a file reaches into `prefix`: lies under it, or is a glob
/// import (`std::time::*`) that brings it in. A glob of the crate root is the
/// `use super::*` of an inline `mod tests` that `rust_paths` resolves one level too high;
/// it is not counted.
fn reaches(path: &str, prefix: &str) -> bool {
    under(path, prefix)
        || path
            .strip_suffix("::*")
            .is_some_and(|glob| glob != "crate" && under(prefix, glob))
}

/// `line: path` for every path `text` (a file of module `module`) names that reaches
/// one of `forbidden` (`crate::api`, `tokio`, `std::fs`, …).
fn offences_in(text: &str, module: &[String], forbidden: &[&str]) -> Vec<String> {
    named_paths(text, module)
        .into_iter()
        .filter(|named| forbidden.iter().any(|prefix| reaches(&named.path, prefix)))
        .map(|NamedPath { line, path }| format!("{line}: {path}"))
        .collect()
}

/// `file:line: path` for every path named under `src/<dir>` that reaches one of
/// `forbidden`.
fn offending_paths(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&src().join(dir), &mut files);
    let mut offences = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("source file is UTF-8");
        let shown = file
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&file)
            .display()
            .to_string();
        for offence in offences_in(&text, &module_of(&file), forbidden) {
            offences.push(format!("{shown}:{offence}"));
        }
    }
    offences.sort();
    offences.dedup();
    offences
}

/// `src/core` is pure: no adapter (api, source, target, http, sim, commands), no async
/// runtime or HTTP client, no file system, environment or clock.
#[test]
fn core_imports_no_adapter_and_does_no_io() {
    let offences = offending_paths("core", CORE_FORBIDDEN);
    assert!(offences.is_empty(), "{offences:#?}");
}

/// The core rule catches every way a file can reach a forbidden item: plain and grouped
/// `use`, aliases, `super` climbing out of `core`, glob imports, and fully qualified
/// paths in expressions (also from the root, `::std::fs`), while strings and comments
/// that spell them are no import.
#[test]
fn core_rule_sees_every_spelling_of_a_forbidden_path() {
    let module = ["core".to_string(), "plan".to_string(), "engine".to_string()];
    let caught = [
        "use std::fs;",
        "use std::{collections::BTreeMap, fs, io};",
        "use std::{\n    env::var,\n    fmt,\n};",
        "use std::time::{Duration, SystemTime};",
        "use std::time::Instant as Clock;",
        "use std::time::*;",
        "use std as s;\nfn f() { s::fs::read(\"x\"); }",
        "use std::time;\nfn f() { time::Instant::now(); }",
        "fn f() { let _ = std::fs::read(\"x\"); }",
        "fn f() { let _ = ::std::fs::read(\"x\"); }",
        "fn f() { let _ = std::env::var(\"HOME\"); }",
        "fn f() { std::thread::sleep(d); }",
        "use crate::target::alation::mapping;",
        "use crate::{core::model, api};",
        "use super::super::super::http::HttpClient;",
        "fn f() { crate::sim::Sandbox::start(o); }",
        "pub use crate::commands::run;",
        "use tokio::sync::Mutex;",
        "#[tokio::test]\nasync fn t() {}",
        "fn f() -> reqwest::Client { todo!() }",
    ];
    let missed: Vec<&str> = caught
        .iter()
        .copied()
        .filter(|text| offences_in(text, &module, CORE_FORBIDDEN).is_empty())
        .collect();
    assert!(missed.is_empty(), "not reported: {missed:#?}");
    let clean = "use std::time::Duration;\nuse std::collections::BTreeMap;\n\
                 use crate::core::objects::Object;\nuse super::item::Action;\n\
                 // std::fs::read is done by the commands\n\
                 fn f() { let _ = \"std::env::var\"; let _ = BTreeMap::<u8, u8>::new(); }\n";
    assert_eq!(
        offences_in(clean, &module, CORE_FORBIDDEN),
        Vec::<String>::new()
    );
}

/// What names one system: its client, its adapters, the HTTP layer under them.
const SYSTEMS: &[&str] = &[
    "crate::api",
    "crate::http",
    "crate::target::alation",
    "crate::source::openmetadata",
];

/// The commands reach a system only through the seams (`AnySource`, `AnyTarget`), so
/// that adding a system touches no command. `login` is exempt: it is `metaform login
/// alation`, Alation's own token exchange.
#[test]
fn commands_reach_systems_only_through_the_seams() {
    let offences: Vec<String> = offending_paths("commands", SYSTEMS)
        .into_iter()
        .filter(|o| !o.starts_with("src/commands/login.rs:"))
        .collect();
    assert!(offences.is_empty(), "{offences:#?}");
}

/// The apply engine is the same for every target: it names no system, only the
/// `Target` seam.
#[test]
fn the_apply_engine_names_no_system() {
    let mut forbidden = SYSTEMS.to_vec();
    forbidden.push("crate::sim");
    let offences = offending_paths("apply", &forbidden);
    assert!(offences.is_empty(), "{offences:#?}");
}

/// The sandboxes never share the clients' types: `src/sim` imports no api, source,
/// target, http, core or commands.
#[test]
fn sandboxes_import_no_client() {
    let offences = offending_paths(
        "sim",
        &[
            "crate::api",
            "crate::source",
            "crate::target",
            "crate::http",
            "crate::core",
            "crate::commands",
        ],
    );
    assert!(offences.is_empty(), "{offences:#?}");
}

/// A chain of imports that comes back to its start among the modules of `graph`.
fn find_cycle(graph: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, Vec<String>>,
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.iter().any(|n| n == node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.push(node.to_string());
        None
    }
    let mut done = Vec::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// No two modules of one directory under `src/` import each other, directly or round a
/// longer circle (`core/plan`: `engine` -> `planned` -> `engine`, and
/// `sim/openmetadata`: `routes` -> `write` -> `routes` were two): shared items live in a
/// module of their own that both import. Test code (after `#[cfg(test)]`) is not counted.
#[test]
fn import_circles_between_sibling_modules() {
    let mut dirs = vec![src()];
    let mut circles = Vec::new();
    while let Some(dir) = dirs.pop() {
        let mut files = Vec::new();
        let mut siblings = Vec::new();
        for entry in fs::read_dir(&dir).expect("source directory is readable") {
            let path = entry.expect("directory entry").path();
            let stem = path
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                dirs.push(path);
                siblings.push(stem);
            } else if path.extension().is_some_and(|e| e == "rs") && stem != "mod" {
                files.push((stem.clone(), path));
                siblings.push(stem);
            }
        }
        if dir == src() || !dir.join("mod.rs").exists() {
            continue;
        }
        let module = module_of(&dir.join("mod.rs")).join("::");
        let prefix = format!("crate::{module}::");
        let mut graph = BTreeMap::new();
        for (stem, path) in files {
            let text = fs::read_to_string(&path).expect("source file is UTF-8");
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let mut uses: Vec<String> = named_paths(code, &module_of(&path))
                .into_iter()
                .filter_map(|named| {
                    let rest = named.path.strip_prefix(&prefix)?;
                    let head = rest.split("::").next()?;
                    (head != stem && siblings.iter().any(|s| s == head)).then(|| head.to_string())
                })
                .collect();
            uses.sort();
            uses.dedup();
            graph.insert(stem, uses);
        }
        if let Some(cycle) = find_cycle(&graph) {
            circles.push(format!(
                "src/{}: {}",
                module.replace("::", "/"),
                cycle.join(" -> ")
            ));
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}
