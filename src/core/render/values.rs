//! How actions, kinds, ownership and values read in text and Markdown output.

use crate::core::objects::{ObjectKind, Value};
use crate::core::plan::{Action, DatasourceBinding, Ownership};

/// Longest value shown inline, in characters; longer ones are cut with a count.
pub(super) const SHORT_VALUE: usize = 80;

/// The terraform-style marker of an action.
pub(super) fn symbol(action: Action) -> char {
    match action {
        Action::Create => '+',
        Action::Update => '~',
        Action::Delete => '-',
        Action::Orphan => '!',
        Action::Missing => '?',
    }
}

/// The object kind as a reviewer calls it.
pub(super) fn kind_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Datasource => "data source",
        ObjectKind::Schema => "schema",
        ObjectKind::Table => "table",
        ObjectKind::Column => "column",
    }
}

/// `target id 23, linked` / `new, owned`: where a data source stands.
pub(super) fn binding_label(binding: &DatasourceBinding) -> String {
    let id = match &binding.target_id {
        Some(id) => format!("target id {id}"),
        None => "new".to_string(),
    };
    let ownership = match binding.ownership {
        Ownership::Owned if binding.cannot_delete.is_none() => "owned",
        Ownership::Owned => "owned, not deletable",
        Ownership::Linked => "linked",
    };
    format!("{id}, {ownership}")
}

/// A value on one line: text quoted with `"` and `\\` escaped and every unsafe character
/// escaped (see [`crate::core::escape`]), cut after `max` characters.
pub(super) fn short_value(value: Option<&Value>, max: usize) -> String {
    match value {
        None => "(none)".to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Text(text) | Value::Html(text)) => {
            let count = text.chars().count();
            if count <= max {
                quoted(text)
            } else {
                let head: String = text.chars().take(max).collect();
                format!("{}… ({count} chars)", quoted(&head))
            }
        }
    }
}

fn quoted(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{}\"", printable(&escaped))
}

/// The text of a value when it spans several lines (worth a line diff), else `None`.
pub(super) fn multiline(value: Option<&Value>) -> Option<&str> {
    match value {
        Some(Value::Text(text) | Value::Html(text)) if text.trim_end().contains('\n') => {
            Some(text.as_str())
        }
        _ => None,
    }
}

/// Cuts a line to `max` characters, marking the cut.
pub(super) fn cut(line: &str, max: usize) -> String {
    if line.chars().count() <= max {
        line.to_string()
    } else {
        let head: String = line.chars().take(max).collect();
        format!("{head}…")
    }
}

/// Source names are data: control characters (newlines, terminal escapes) and
/// bidirectional overrides are shown escaped so a name can neither break a line, restyle
/// the terminal nor read in another order.
pub(super) fn printable(text: &str) -> String {
    crate::core::escape::printable(text).into_owned()
}
