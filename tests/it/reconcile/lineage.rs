//! Tags and lineage of the sample data end to end: `snapshot` writes each table's
//! upstream edges from OpenMetadata's `lineage.json` into its state file, the JSON Schema
//! that `metaform schema state` prints accepts every file written, and a plan against
//! Alation (which does not write lineage yet) says so once and still converges.

use std::path::Path;

use metaform::commands::state_dir::read_state_dir;
use serde_json::Value;

use super::{lines_starting, project};
use crate::support;

/// One table-to-table edge of the sample data's `lineage.json`.
#[derive(Debug)]
struct Edge {
    from: Vec<String>,
    to: Vec<String>,
    sql: Option<String>,
    pipeline: Option<String>,
}

/// An FQN split on the dots outside double quotes, the quotes removed.
fn split_fqn(fqn: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in fqn.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(String::new()),
            c => parts.last_mut().expect("a part").push(c),
        }
    }
    parts
}

/// The edges between two tables in `lineage.json`.
fn sample_edges() -> Vec<Edge> {
    let path = support::sample_data_dir().join("lineage/lineage.json");
    let text = std::fs::read_to_string(&path).expect("the sample lineage");
    let edges: Vec<Value> = serde_json::from_str(&text).expect("JSON lineage");
    edges
        .iter()
        .filter(|e| e["from"]["type"] == "table" && e["to"]["type"] == "table")
        .map(|e| Edge {
            from: split_fqn(e["from"]["fqn"].as_str().expect("from fqn")),
            to: split_fqn(e["to"]["fqn"].as_str().expect("to fqn")),
            sql: e["sql_query"].as_str().map(str::to_string),
            pipeline: e["edge_meta"]["fqn"].as_str().map(str::to_string),
        })
        .collect()
}

/// Every `.yaml` file under `dir`.
fn state_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).expect("a state directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }
    out
}

/// Snapshot writes every sample lineage edge whose table is in scope as an `upstream:`
/// edge of that table, with its SQL and pipeline; the JSON Schema accepts every state
/// file; the plan notes once that Alation does not write lineage, and converges.
#[tokio::test]
async fn snapshot_writes_the_sample_lineage_and_plans_converge() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;

    let shopify =
        std::fs::read_to_string(project.path("state/sample_data/ecommerce_db/shopify.yaml"))
            .expect("the shopify state file");
    assert!(shopify.contains("    upstream:\n"), "{shopify}");

    let catalog = read_state_dir(&project.path("state")).expect("the state reads back");
    let table = |path: &[String]| {
        catalog
            .databases
            .iter()
            .filter(|d| d.service == path[0] && d.name == path[1])
            .flat_map(|d| &d.schemas)
            .filter(|s| s.name == path[2])
            .flat_map(|s| &s.tables)
            .find(|t| t.name == path[3])
    };
    let expected: Vec<Edge> = sample_edges()
        .into_iter()
        .filter(|e| table(&e.to).is_some())
        .collect();
    assert!(!expected.is_empty(), "no sample edge is in scope");
    for edge in &expected {
        let to = table(&edge.to).expect("in scope");
        let found = to
            .upstream
            .iter()
            .find(|u| u.table == edge.from)
            .unwrap_or_else(|| panic!("{edge:?} is not in the state: {:?}", to.upstream));
        assert_eq!(found.sql, edge.sql, "{edge:?}");
        assert_eq!(found.pipeline, edge.pipeline, "{edge:?}");
    }
    let written: usize = catalog
        .databases
        .iter()
        .flat_map(|d| &d.schemas)
        .flat_map(|s| &s.tables)
        .map(|t| t.upstream.len())
        .sum();
    assert_eq!(written, expected.len());

    let output = assert_cmd::cargo::cargo_bin_cmd!("metaform")
        .args(["schema", "state"])
        .output()
        .expect("metaform runs");
    assert!(output.status.success(), "{output:?}");
    let schema_text = String::from_utf8(output.stdout).expect("UTF-8");
    let schema: Value = serde_json::from_str(&schema_text).expect("a JSON Schema");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let files = state_files(&project.path("state"));
    assert!(files.len() >= 4, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a state file");
        let document: Value = serde_saphyr::from_str(&text).expect("YAML");
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }

    let plan = project.run_ok(&["plan"]).await;
    let notes = lines_starting(&plan.stdout, "Note: the Alation target does not write");
    assert_eq!(notes.len(), 1, "{}", plan.stdout);
    assert!(
        notes[0].contains(&format!("{written} lineage edges")),
        "{}",
        notes[0]
    );
    project.run_ok(&["apply", "--auto-approve"]).await;
    let again = project
        .run_expect(&["plan", "--detailed-exitcode"], 0)
        .await;
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}
