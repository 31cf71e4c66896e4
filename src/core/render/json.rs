//! `--format json`: the plan for machines, versioned like terraform's `format_version`.
//!
//! Keys come in a fixed order (serde_json keeps insertion order in this crate), values
//! are plain JSON (text and rich text as strings, full length; sets as sorted arrays of
//! strings), and additions within format version 1 only ever add keys.

use serde_json::{Value as Json, json};

use crate::core::objects::Value;
use crate::core::plan::{Action, DatasourceBinding, Ownership, Plan, PlanItem};

use super::values::kind_name;

/// The version of the JSON plan document.
pub const JSON_FORMAT_VERSION: &str = "1";

/// Renders `plan` as a JSON document with a trailing newline.
pub fn render_json(plan: &Plan) -> String {
    let summary = plan.summary();
    let mut document = json!({
        "format_version": JSON_FORMAT_VERSION,
        "summary": {
            "add": summary.add,
            "change": summary.change,
            "destroy": summary.destroy,
            "orphan": summary.orphan,
            "missing": summary.missing,
            "has_changes": summary.has_changes(),
        },
        "datasources": plan.datasources.iter().map(datasource).collect::<Vec<_>>(),
        "items": plan.items.iter().map(item).collect::<Vec<_>>(),
    });
    if !plan.notices.is_empty() {
        document["notices"] = json!(plan.notices);
    }
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| unreachable!("a JSON value always serialises: {e}"));
    text.push('\n');
    text
}

fn datasource(binding: &DatasourceBinding) -> Json {
    let ownership = match binding.ownership {
        Ownership::Owned => "owned",
        Ownership::Linked => "linked",
    };
    let deletable = binding.deletes_owned();
    json!({
        "address": binding.address.to_string(),
        "path": binding.address.path,
        "target_id": binding.target_id,
        "ownership": ownership,
        "deletable": deletable,
    })
}

fn item(item: &PlanItem) -> Json {
    let action = match item.action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::Orphan => "orphan",
        Action::Missing => "missing",
    };
    json!({
        "address": item.address.to_string(),
        "kind": kind_name(item.address.kind),
        "path": item.address.path,
        "action": action,
        "reason": item.reason,
        "changes": item.changes.iter().map(|change| json!({
            "field": change.field,
            "before": plain(change.before.as_ref()),
            "after": plain(change.after.as_ref()),
        })).collect::<Vec<_>>(),
    })
}

fn plain(value: Option<&Value>) -> Json {
    match value {
        None => Json::Null,
        Some(Value::Text(text) | Value::Html(text)) => Json::String(text.clone()),
        Some(Value::Bool(b)) => Json::Bool(*b),
        Some(Value::Int(i)) => Json::from(*i),
        Some(Value::Set(items)) => items.iter().cloned().collect(),
    }
}
