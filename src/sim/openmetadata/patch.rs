//! JSON Patch (RFC 6902) on an entity's JSON, then validation of the result back into the
//! typed entity (shared/reference/openmetadata-connectors.md §4.6).
//!
//! The patch is applied generically to the full rendering of the entity; the fields the
//! sandbox lets a patch change are `description`, `displayName`, `tags` and, on tables,
//! `columns` (any depth), `tableConstraints`, `tableType` and `schemaDefinition`.
//! Identity and parentage (`id`, `name`, `fullyQualifiedName`, `service`, `database`,
//! `databaseSchema`) must stay as they are; changing them is refused with 400.

use serde::Deserialize;
use serde_json::Value;

use super::model::{Column, Common, TableConstraint, TableType, validate_columns};

/// One RFC 6902 operation.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Operation {
    /// Add a value (insert into arrays, set on objects).
    Add {
        /// Target pointer.
        path: String,
        /// Value to add.
        value: Value,
    },
    /// Remove the target.
    Remove {
        /// Target pointer.
        path: String,
    },
    /// Replace an existing target.
    Replace {
        /// Target pointer.
        path: String,
        /// New value.
        value: Value,
    },
    /// Move a value.
    Move {
        /// Source pointer.
        from: String,
        /// Target pointer.
        path: String,
    },
    /// Copy a value.
    Copy {
        /// Source pointer.
        from: String,
        /// Target pointer.
        path: String,
    },
    /// Check a value.
    Test {
        /// Target pointer.
        path: String,
        /// Expected value.
        value: Value,
    },
}

fn tokens(path: &str) -> Result<Vec<String>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("invalid JSON pointer `{path}`"))?;
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn parent_of<'a>(doc: &'a mut Value, path: &str) -> Result<(&'a mut Value, String), String> {
    let mut tokens = tokens(path)?;
    let last = tokens
        .pop()
        .ok_or_else(|| "the whole document cannot be patched".to_string())?;
    let mut node = doc;
    for token in &tokens {
        node = match node {
            Value::Object(map) => map.get_mut(token),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| format!("path `{path}` does not exist"))?;
    }
    Ok((node, last))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (parent, last) = parent_of(doc, path)?;
    match parent {
        Value::Object(map) => {
            map.insert(last, value);
            Ok(())
        }
        Value::Array(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|i| *i <= items.len())
                    .ok_or_else(|| format!("array index in `{path}` is out of bounds"))?
            };
            items.insert(index, value);
            Ok(())
        }
        _ => Err(format!("path `{path}` does not exist")),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, last) = parent_of(doc, path)?;
    match parent {
        Value::Object(map) => map.shift_remove(&last),
        Value::Array(items) => last
            .parse::<usize>()
            .ok()
            .filter(|i| *i < items.len())
            .map(|i| items.remove(i)),
        _ => None,
    }
    .ok_or_else(|| format!("path `{path}` does not exist"))
}

fn get(doc: &Value, path: &str) -> Result<Value, String> {
    let pointer = if path.is_empty() { "" } else { path };
    doc.pointer(pointer)
        .cloned()
        .ok_or_else(|| format!("path `{path}` does not exist"))
}

/// Applies `operations` to `doc` in order; on error `doc` may be partly changed.
pub fn apply(doc: &mut Value, operations: &[Operation]) -> Result<(), String> {
    for operation in operations {
        match operation {
            Operation::Add { path, value } => add(doc, path, value.clone())?,
            Operation::Remove { path } => {
                remove(doc, path)?;
            }
            Operation::Replace { path, value } => {
                remove(doc, path)?;
                add(doc, path, value.clone())?;
            }
            Operation::Move { from, path } => {
                let value = remove(doc, from)?;
                add(doc, path, value)?;
            }
            Operation::Copy { from, path } => {
                let value = get(doc, from)?;
                add(doc, path, value)?;
            }
            Operation::Test { path, value } => {
                if get(doc, path)? != *value {
                    return Err(format!("test failed at `{path}`"));
                }
            }
        }
    }
    Ok(())
}

const FIXED: &[&str] = &[
    "id",
    "name",
    "fullyQualifiedName",
    "service",
    "database",
    "databaseSchema",
];

/// Refuses a patched document that changes identity or parentage.
pub fn check_fixed(before: &Value, after: &Value) -> Result<(), String> {
    for key in FIXED {
        let id = |doc: &Value| match doc.get(key) {
            Some(Value::Object(reference)) => reference.get("id").cloned(),
            other => other.cloned(),
        };
        if id(before) != id(after) {
            return Err(format!("{key} cannot be changed by a patch"));
        }
    }
    Ok(())
}

fn optional_text(doc: &Value, key: &str) -> Result<Option<Box<str>>, String> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.as_str().into())),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

fn tags(doc: &Value) -> Result<Vec<Value>, String> {
    let tags = match doc.get("tags") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(tags)) => tags,
        Some(_) => return Err("tags must be an array".into()),
    };
    for tag in tags {
        if !tag.get("tagFQN").is_some_and(Value::is_string) {
            return Err("every tag label needs a string tagFQN".into());
        }
    }
    Ok(tags.clone())
}

/// Takes the patchable common fields (`description`, `displayName`, `tags`) from `doc`.
pub fn update_common(common: &mut Common, doc: &Value) -> Result<(), String> {
    common.description = optional_text(doc, "description")?;
    common.display_name = optional_text(doc, "displayName")?;
    common.tags = tags(doc)?;
    Ok(())
}

/// The table-only patchable fields, read from a patched document.
pub struct TableChanges {
    /// New columns.
    pub columns: Vec<Column>,
    /// New constraints.
    pub table_constraints: Vec<TableConstraint>,
    /// New table type.
    pub table_type: Option<TableType>,
    /// New view SQL.
    pub schema_definition: Option<Box<str>>,
}

/// Reads and validates the table-only fields of a patched document.
pub fn table_changes(doc: &Value) -> Result<TableChanges, String> {
    let columns: Vec<Column> = serde_json::from_value(
        doc.get("columns")
            .cloned()
            .unwrap_or(Value::Array(Vec::new())),
    )
    .map_err(|e| format!("invalid columns: {e}"))?;
    validate_columns(&columns)?;
    let table_constraints = match doc.get("tableConstraints") {
        None | Some(Value::Null) => Vec::new(),
        Some(value) => serde_json::from_value(value.clone())
            .map_err(|e| format!("invalid tableConstraints: {e}"))?,
    };
    let table_type = match doc.get("tableType") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            serde_json::from_value(value.clone()).map_err(|e| format!("invalid tableType: {e}"))?,
        ),
    };
    Ok(TableChanges {
        columns,
        table_constraints,
        table_type,
        schema_definition: optional_text(doc, "schemaDefinition")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ops(value: Value) -> Vec<Operation> {
        serde_json::from_value(value).expect("valid patch")
    }

    /// add/replace/remove/move/copy/test follow RFC 6902, including nested array paths.
    #[test]
    fn applies_rfc6902_operations() {
        let mut doc = json!({"columns": [{"name": "a"}, {"name": "b"}], "tags": []});
        let patch = ops(json!([
            {"op": "add", "path": "/description", "value": "new"},
            {"op": "replace", "path": "/columns/1/name", "value": "c"},
            {"op": "add", "path": "/columns/-", "value": {"name": "d"}},
            {"op": "remove", "path": "/columns/0"},
            {"op": "copy", "from": "/description", "path": "/displayName"},
            {"op": "move", "from": "/displayName", "path": "/columns/0/description"},
            {"op": "test", "path": "/columns/1/name", "value": "d"}
        ]));
        apply(&mut doc, &patch).expect("patch applies");
        assert_eq!(
            doc,
            json!({"columns": [{"name": "c", "description": "new"}, {"name": "d"}], "tags": [], "description": "new"})
        );
        let missing = ops(json!([{"op": "replace", "path": "/nothing/here", "value": 1}]));
        assert!(apply(&mut doc, &missing).is_err());
    }
}
