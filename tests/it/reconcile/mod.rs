//! `snapshot`, `plan` and `apply` end to end: the real `metaform` binary against both
//! sandboxes over HTTP, seeded from the OpenMetadata sample data, in a
//! [`Workspace`](crate::workspace::Workspace) whose secrets come from `${ENV}` references.

mod changes;
mod collisions;
mod curated;
mod datasource_identity;
mod faults;
mod lineage;
mod linked;
mod names;
mod refused_names;
mod saved_plan;
mod snapshot;
mod unmanaged;
mod virtual_sources;

use std::path::Path;

use serde_json::Value;

use crate::support;
use crate::workspace::{Workspace, WorkspaceBuilder};

/// The project of these tests: the sample data, and every command given `--config`
/// with the absolute path of `metaform.yaml`.
pub fn project() -> WorkspaceBuilder {
    Workspace::builder().explicit_config()
}

/// The count of top-level columns of the `shopify` tables in the sample data.
pub fn shopify_column_count() -> usize {
    let path = support::sample_data_dir().join("datasets/tables.json");
    let text = std::fs::read_to_string(&path).expect("the sample tables");
    let doc: Value = serde_json::from_str(&text).expect("JSON sample tables");
    doc["tables"]
        .as_array()
        .expect("a table list")
        .iter()
        .map(|t| t["columns"].as_array().map_or(0, Vec::len))
        .sum()
}

/// The lines of `text` that start, after indentation, with `prefix`, without indentation.
pub fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with(prefix))
        .collect()
}

/// The bytes of a file.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}
