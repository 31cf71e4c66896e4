//! The Alation fields metaform does not manage, kept with the current objects
//! ([`Object::unmanaged`]) and carried unchanged through complete writes. Pure.
//!
//! A POST is a full-replace upsert: every field it leaves out is reset (reference §5).
//! So a POST that changes a column's type must also carry what a steward or an
//! extraction put there that metaform never reads into a plan. These values are read
//! from the GET answers (§6) and never compared, planned or shown:
//! - schema: `db_comment`, `custom_fields`;
//! - table: `table_comment`, `table_type_name`, `owner`, `base_table_key`,
//!   `partition_definition`, `partition_columns`, `custom_fields` (GET may not return
//!   `owner` and `table_type_name`, UNVERIFIED; they are kept when it does);
//! - column: `column_comment`, `custom_fields`, and the fields of the `index` object
//!   other than the key flags (`isOtherIndex`).
//!
//! Only values a POST would not give anyway are kept: `null`, `""`, `[]`, `{}` and
//! `false` are what a POST that omits the field leaves (§6.2: `table_comment` "Defaults
//! to empty text"; the rest null or false), so they are dropped, and an object without
//! other values costs one word. Custom field values are kept in their POST form
//! `{"field_id", "value"}` (a GET adds `field_name`, §5); a value that is `null` is
//! dropped.
//!
//! A Virtual Data Source upload line (§9) has a place for a table's `table_comment`
//! and owner (`db_owner`) and a column's `column_comment`; the upload carries them.
//! It has none for the other fields. What the upload does with a field it cannot carry
//! is UNVERIFIED: metaform assumes it leaves it alone (custom fields are catalog
//! metadata, not the technical metadata an upload replaces; `set_title_descs=false`
//! only keeps titles and descriptions), as the sandbox does. The index object is the
//! exception: the upload may reset it, so the writer PATCHes key flags and
//! `isOtherIndex` again after an upload (`write`).

use serde_json::Value as Json;

use crate::api::alation::wire::{ColumnItem, SchemaItem, TableItem};
use crate::core::objects::{Object, Unmanaged};

/// The name under which the unmanaged fields of a column's `index` object are kept.
const INDEX: &str = "index";
/// The unmanaged field of a column's `index` object.
const OTHER_INDEX: &str = "isOtherIndex";

/// A schema's unmanaged fields, `None` when it has none.
pub fn schema(item: &SchemaItem) -> Option<Box<Unmanaged>> {
    kept([
        ("db_comment", item.db_comment.as_deref()),
        ("custom_fields", item.custom_fields.as_deref()),
    ])
}

/// A table's unmanaged fields, `None` when it has none.
pub fn table(item: &TableItem) -> Option<Box<Unmanaged>> {
    kept([
        ("table_comment", item.table_comment.as_deref()),
        ("table_type_name", item.table_type_name.as_deref()),
        ("owner", item.owner.as_deref()),
        ("base_table_key", item.base_table_key.as_deref()),
        ("partition_definition", item.partition_definition.as_deref()),
        ("partition_columns", item.partition_columns.as_deref()),
        ("custom_fields", item.custom_fields.as_deref()),
    ])
}

/// A column's unmanaged fields, `None` when it has none.
pub fn column(item: &ColumnItem) -> Option<Box<Unmanaged>> {
    let index = item
        .index
        .as_ref()
        .and_then(|i| i.is_other_index)
        .map(|other| serde_json::json!({ OTHER_INDEX: other }));
    kept([
        ("column_comment", item.column_comment.as_deref()),
        ("custom_fields", item.custom_fields.as_deref()),
        (INDEX, index.as_ref()),
    ])
}

/// The unmanaged fields a POST carries beside the managed ones: all but the `index`
/// fields, which go into the index object ([`is_other_index`]); `None` when none.
pub fn post_fields(object: &Object) -> Option<Box<Unmanaged>> {
    let kept = object.unmanaged.as_deref()?;
    if !kept.contains_key(INDEX) {
        return Some(Box::new(kept.clone()));
    }
    let mut fields = kept.clone();
    fields.remove(INDEX);
    (!fields.is_empty()).then(|| Box::new(fields))
}

/// A column's `isOtherIndex` as read (`None` when false or unknown).
pub fn is_other_index(object: &Object) -> Option<bool> {
    object
        .unmanaged
        .as_deref()?
        .get(INDEX)?
        .get(OTHER_INDEX)?
        .as_bool()
}

/// An unmanaged text field, for an upload line.
pub fn text(object: &Object, name: &str) -> Option<String> {
    match object.unmanaged.as_deref()?.get(name)? {
        Json::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn kept<'a>(
    fields: impl IntoIterator<Item = (&'a str, Option<&'a Json>)>,
) -> Option<Box<Unmanaged>> {
    let mut map = Unmanaged::new();
    for (name, value) in fields {
        let Some(value) = value else { continue };
        let value = if name == "custom_fields" {
            post_form(value)
        } else {
            strip(value)
        };
        if let Some(value) = value {
            map.insert(name.to_string(), value);
        }
    }
    (!map.is_empty()).then(|| Box::new(map))
}

/// Custom field values as a POST takes them: without `field_name`, without `null`s.
fn post_form(value: &Json) -> Option<Json> {
    let Json::Array(values) = value else {
        return strip(value);
    };
    let values: Vec<Json> = values
        .iter()
        .filter_map(|v| match v {
            Json::Object(entry) => {
                let mut entry = entry.clone();
                entry.remove("field_name");
                (!entry.get("value").is_none_or(Json::is_null)).then_some(Json::Object(entry))
            }
            other => strip(other),
        })
        .collect();
    (!values.is_empty()).then_some(Json::Array(values))
}

/// `value` unless it is what a POST that omits it leaves (null, "", [], {}, false); an
/// object loses such members first.
fn strip(value: &Json) -> Option<Json> {
    match value {
        Json::Null | Json::Bool(false) => None,
        Json::String(s) if s.is_empty() => None,
        Json::Array(a) if a.is_empty() => None,
        Json::Object(members) => {
            let members: Unmanaged = members
                .iter()
                .filter_map(|(k, v)| strip(v).map(|v| (k.clone(), v)))
                .collect();
            (!members.is_empty()).then_some(Json::Object(members))
        }
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::alation::wire::ColumnIndex;
    use serde_json::json;

    fn column_item(other: bool, comment: Json, custom: Json) -> ColumnItem {
        let index = ColumnIndex {
            is_primary_key: Some(true),
            is_other_index: Some(other),
            ..ColumnIndex::default()
        };
        ColumnItem {
            id: 1,
            name: "c".into(),
            title: None,
            description: None,
            column_type: Some("int".into()),
            nullable: Some(true),
            position: None,
            index: Some(index),
            table_id: 2,
            column_comment: Some(Box::new(comment)),
            custom_fields: Some(Box::new(custom)),
        }
    }

    /// A column keeps its comment, custom fields in POST form and other-index flag; the
    /// defaults are dropped.
    #[test]
    fn columns_keep_what_a_post_would_reset() {
        let custom = json!([
            {"value": "PII", "field_id": 10087, "field_name": "PII"},
            {"value": null, "field_id": 8, "field_name": "Steward"}
        ]);
        let kept = column(&column_item(true, json!("from the database"), custom));
        assert_eq!(
            kept.map(|k| Json::Object(*k)),
            Some(json!({"column_comment": "from the database",
                "custom_fields": [{"value": "PII", "field_id": 10087}],
                "index": {"isOtherIndex": true}}))
        );
    }

    /// A column with only defaults keeps nothing.
    #[test]
    fn defaults_are_not_kept() {
        assert_eq!(column(&column_item(false, Json::Null, json!([]))), None);
    }
}
