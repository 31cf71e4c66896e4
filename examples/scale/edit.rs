//! The change of the one-change plan: one table's description, edited in the first
//! schema file of the state directory (in path order), as a person would by hand.

use std::path::{Path, PathBuf};

/// The description the edited table gets.
const EDITED: &str = "Edited by the scale benchmark.";

/// Replaces the first table description of the first schema file under `state` (or
/// gives the first table one) and returns the file's path.
pub fn edit_one_table_description(state: &Path) -> Result<PathBuf, String> {
    let file = first_schema_file(state)?
        .ok_or_else(|| format!("no schema file under `{}`", state.display()))?;
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
    let edited = edit(&text).ok_or_else(|| format!("no table in `{}`", file.display()))?;
    std::fs::write(&file, edited).map_err(|e| format!("cannot write `{}`: {e}", file.display()))?;
    Ok(file)
}

/// `text` with its first table description replaced; tables are list items at two
/// spaces (`  - name:`), their fields at four, so a table's description is the line
/// `    description: …` (a block scalar's lines below it are indented further, or blank).
fn edit(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let replacement = format!("    description: {EDITED}");
    let mut out: Vec<String> = Vec::with_capacity(lines.len() + 1);
    if let Some(at) = lines
        .iter()
        .position(|l| l.starts_with("    description: "))
    {
        let block_end = lines[at + 1..]
            .iter()
            .position(|l| !(l.trim().is_empty() || l.starts_with("     ")))
            .map_or(lines.len(), |n| at + 1 + n);
        out.extend(lines[..at].iter().map(|l| (*l).to_owned()));
        out.push(replacement);
        out.extend(lines[block_end..].iter().map(|l| (*l).to_owned()));
    } else {
        let at = lines.iter().position(|l| l.starts_with("  - name: "))?;
        out.extend(lines[..=at].iter().map(|l| (*l).to_owned()));
        out.push(replacement);
        out.extend(lines[at + 1..].iter().map(|l| (*l).to_owned()));
    }
    Some(out.join("\n") + "\n")
}

/// The first `*.yaml` file not named `_…` under `dir`, in path order.
fn first_schema_file(dir: &Path) -> Result<Option<PathBuf>, String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if let Some(found) = first_schema_file(&path)? {
                return Ok(Some(found));
            }
        } else if path.extension().is_some_and(|ext| ext == "yaml")
            && !path
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with('_'))
        {
            return Ok(Some(path));
        }
    }
    Ok(None)
}
