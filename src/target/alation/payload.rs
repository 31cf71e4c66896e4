//! Objects and field changes -> Alation write payloads. Pure.
//!
//! A POST resets every field it leaves out (reference §5), so a complete payload (a
//! create, a column type change, an upload line) is built from the complete object the
//! item leaves behind: the current values with the item's changes on top
//! ([`super::after`]). A field the plan does not change, ignored or equal, keeps its
//! current value. An update is a PATCH carrying only the changed fields, keyed by
//! `key`; a cleared text is sent as `""`. The key flags travel together in one `index`
//! object, so a change to either sends both, as the object will have them, with the
//! index fields metaform does not manage (`isOtherIndex`) as read. Every POST also
//! carries the fields metaform does not manage at all, as read ([`super::unmanaged`]).

use crate::api::alation::wire::{ColumnIndex, ColumnWrite, SchemaWrite, TableWrite, VdsObject};
use crate::core::objects::{Object, ObjectKind, Value};
use crate::core::plan::FieldChange;

use super::mapping::field;
use super::unmanaged;

/// Resolves a foreign key's reference text to the referenced column's Alation key.
pub type ResolveReference<'a> = dyn Fn(&str) -> Result<String, String> + 'a;

/// A complete schema for POST, from the object it must become.
pub fn schema_upsert(key: String, object: &Object) -> SchemaWrite {
    SchemaWrite {
        key,
        title: text(object, field::TITLE),
        description: text(object, field::DESCRIPTION),
        unmanaged: unmanaged::post_fields(object),
    }
}

/// The changed fields of a schema for PATCH.
pub fn schema_patch(key: String, changes: &[FieldChange]) -> SchemaWrite {
    let mut item = SchemaWrite {
        key,
        ..Default::default()
    };
    for change in changes {
        match change.field.as_str() {
            field::TITLE => item.title = Some(after_text(change)),
            field::DESCRIPTION => item.description = Some(after_text(change)),
            _ => {}
        }
    }
    item
}

/// A complete table for POST, from the object it must become.
pub fn table_upsert(key: String, object: &Object) -> TableWrite {
    TableWrite {
        key,
        title: text(object, field::TITLE),
        description: text(object, field::DESCRIPTION),
        table_type: text(object, field::TABLE_TYPE),
        sql: text(object, field::SQL),
        unmanaged: unmanaged::post_fields(object),
    }
}

/// The changed fields of a table for PATCH.
pub fn table_patch(key: String, changes: &[FieldChange]) -> TableWrite {
    let mut item = TableWrite {
        key,
        ..Default::default()
    };
    for change in changes {
        match change.field.as_str() {
            field::TITLE => item.title = Some(after_text(change)),
            field::DESCRIPTION => item.description = Some(after_text(change)),
            field::TABLE_TYPE => item.table_type = Some(after_text(change)),
            field::SQL => item.sql = Some(after_text(change)),
            _ => {}
        }
    }
    item
}

/// A complete column for POST, from the object it must become; `nullable` and
/// `index` are always sent because Alation's POST defaults would make the column
/// non-null and key-less. `column_type` is required (§6.3).
pub fn column_upsert(
    key: String,
    object: &Object,
    resolve: &ResolveReference<'_>,
) -> Result<ColumnWrite, String> {
    let column_type = text(object, field::COLUMN_TYPE)
        .filter(|t| !t.is_empty())
        .ok_or("a column needs a type to be written")?;
    Ok(ColumnWrite {
        key,
        column_type: Some(column_type),
        title: text(object, field::TITLE),
        description: text(object, field::DESCRIPTION),
        nullable: Some(matches!(
            object.fields.get(field::NULLABLE),
            Some(Value::Bool(true))
        )),
        position: object.fields.get(field::POSITION).map(value_text),
        index: Some(column_index(object, resolve)?),
        unmanaged: unmanaged::post_fields(object),
    })
}

/// The changed fields of a column for PATCH (a type change goes through
/// [`column_upsert`] instead, see [`needs_upsert`]). `object` is the column it must
/// become, used for the `index` object when either key flag changed.
pub fn column_patch(
    key: String,
    changes: &[FieldChange],
    object: &Object,
    resolve: &ResolveReference<'_>,
) -> Result<ColumnWrite, String> {
    let mut item = ColumnWrite {
        key,
        ..Default::default()
    };
    for change in changes {
        match change.field.as_str() {
            field::TITLE => item.title = Some(after_text(change)),
            field::DESCRIPTION => item.description = Some(after_text(change)),
            field::NULLABLE => {
                item.nullable = Some(matches!(change.after, Some(Value::Bool(true))));
            }
            field::POSITION => item.position = change.after.as_ref().map(value_text),
            field::PRIMARY_KEY | field::FOREIGN_KEY => {
                item.index = Some(column_index(object, resolve)?);
            }
            _ => {}
        }
    }
    Ok(item)
}

/// A column's key flags alone, for PATCH.
pub fn column_key_flags(
    key: String,
    object: &Object,
    resolve: &ResolveReference<'_>,
) -> Result<ColumnWrite, String> {
    Ok(ColumnWrite {
        key,
        index: Some(column_index(object, resolve)?),
        ..Default::default()
    })
}

/// Whether an update must be sent as a complete POST: Alation's column PATCH does not
/// document `column_type` (reference §6.3), so a type change re-POSTs the column.
pub fn needs_upsert(kind: ObjectKind, changes: &[FieldChange]) -> bool {
    kind == ObjectKind::Column && changes.iter().any(|c| c.field == field::COLUMN_TYPE)
}

/// An object as a line of a Virtual Data Source upload (reference §9), from the object
/// it must be once the upload is done, with the unmanaged comments and owner a line can
/// hold ([`unmanaged`]). Key flags have no place in it; they are left to the Relational
/// Integration API.
pub fn vds_object(key: String, object: &Object) -> VdsObject {
    let mut item = VdsObject {
        key,
        title: text(object, field::TITLE),
        description: text(object, field::DESCRIPTION),
        ..Default::default()
    };
    // The kind of a line is told by `table_type` and `column_type` (§9), so both are
    // always present on their kind.
    match object.address.kind {
        ObjectKind::Table => {
            item.table_type =
                Some(text(object, field::TABLE_TYPE).unwrap_or_else(|| "TABLE".into()));
            item.view_sql = text(object, field::SQL);
            item.table_comment = unmanaged::text(object, "table_comment");
            item.db_owner = unmanaged::text(object, "owner");
        }
        ObjectKind::Column => {
            item.column_type = Some(text(object, field::COLUMN_TYPE).unwrap_or_default());
            item.position = match object.fields.get(field::POSITION) {
                Some(Value::Int(n)) => Some(*n),
                _ => None,
            };
            item.nullable = match object.fields.get(field::NULLABLE) {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            };
            item.column_comment = unmanaged::text(object, "column_comment");
        }
        ObjectKind::Datasource | ObjectKind::Schema => {}
    }
    item
}

fn column_index(object: &Object, resolve: &ResolveReference<'_>) -> Result<ColumnIndex, String> {
    let referenced = match object.fields.get(field::FOREIGN_KEY) {
        Some(value) => Some(resolve(&value_text(value))?),
        None => None,
    };
    Ok(ColumnIndex {
        is_primary_key: Some(matches!(
            object.fields.get(field::PRIMARY_KEY),
            Some(Value::Bool(true))
        )),
        is_foreign_key: Some(referenced.is_some()),
        referenced_column_id: referenced,
        is_other_index: unmanaged::is_other_index(object),
    })
}

fn text(object: &Object, name: &str) -> Option<String> {
    object.fields.get(name).map(value_text)
}

fn after_text(change: &FieldChange) -> String {
    change.after.as_ref().map(value_text).unwrap_or_default()
}

/// A value as Alation's text.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Text(s) | Value::Html(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Set(items) => items.iter().cloned().collect::<Vec<_>>().join(", "),
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::core::objects::Address;

    fn column_object(fields: &[(&str, Value)]) -> Object {
        Object {
            address: Address {
                kind: ObjectKind::Column,
                path: vec!["s".into(), "d".into(), "sc".into(), "t".into(), "c".into()],
            },
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<crate::core::objects::Fields>(),
            unmanaged: None,
        }
    }

    fn resolve(text: &str) -> Result<String, String> {
        Ok(format!("7.{text}"))
    }

    /// A created column carries every field, with nullable and the key flags explicit.
    #[test]
    fn column_creates_are_complete() {
        let object = column_object(&[
            (field::TITLE, Value::Text("c".into())),
            (field::COLUMN_TYPE, Value::Text("int".into())),
            (field::POSITION, Value::Int(3)),
            (field::NULLABLE, Value::Bool(true)),
            (field::FOREIGN_KEY, Value::Text("x.y".into())),
        ]);
        let item = column_upsert("7.sc.t.c".into(), &object, &resolve).unwrap();
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"key": "7.sc.t.c", "column_type": "int", "title": "c",
                "nullable": true, "position": "3",
                "index": {"isPrimaryKey": false, "isForeignKey": true, "referencedColumnId": "7.x.y"}})
        );
    }

    /// An update sends only the changed fields, and a removed description as "".
    #[test]
    fn updates_send_only_changed_fields() {
        let changes = vec![FieldChange {
            field: field::DESCRIPTION.into(),
            before: Some(Value::Html("<p>old</p>".into())),
            after: None,
        }];
        let item = table_patch("7.sc.t".into(), &changes);
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({"key": "7.sc.t", "description": ""})
        );
        assert!(!needs_upsert(ObjectKind::Table, &changes));
    }

    /// A column type change is re-POSTed in full, with the values the plan leaves alone.
    #[test]
    fn column_type_changes_keep_unchanged_fields() {
        let current = column_object(&[
            (field::TITLE, Value::Text("Curated".into())),
            (field::DESCRIPTION, Value::Html("<p>curated</p>".into())),
            (field::COLUMN_TYPE, Value::Text("int".into())),
            (field::NULLABLE, Value::Bool(true)),
            (field::FOREIGN_KEY, Value::Text("alation:9.o.t.c".into())),
        ]);
        let item = crate::core::plan::PlanItem {
            action: crate::core::plan::Action::Update,
            address: current.address.clone(),
            changes: vec![FieldChange {
                field: field::COLUMN_TYPE.into(),
                before: Some(Value::Text("int".into())),
                after: Some(Value::Text("bigint".into())),
            }],
            reason: "test".into(),
        };
        let after = super::super::after::item_after(Some(&current), &item);
        let kept = |text: &str| match text.strip_prefix("alation:") {
            Some(key) => Ok(key.to_string()),
            None => resolve(text),
        };
        let json =
            serde_json::to_value(column_upsert("7.sc.t.c".into(), &after, &kept).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"key": "7.sc.t.c", "column_type": "bigint", "title": "Curated",
                "description": "<p>curated</p>", "nullable": true,
                "index": {"isPrimaryKey": false, "isForeignKey": true, "referencedColumnId": "9.o.t.c"}})
        );
    }

    /// A complete column write and an upload line carry the unmanaged fields as read.
    #[test]
    fn complete_writes_carry_unmanaged_fields() {
        let mut object = column_object(&[
            (field::COLUMN_TYPE, Value::Text("int".into())),
            (field::PRIMARY_KEY, Value::Bool(true)),
        ]);
        let kept = serde_json::json!({"column_comment": "from the database",
            "custom_fields": [{"field_id": 10087, "value": "PII"}],
            "index": {"isOtherIndex": true}});
        object.unmanaged = kept.as_object().cloned().map(Box::new);
        let json =
            serde_json::to_value(column_upsert("7.sc.t.c".into(), &object, &resolve).unwrap())
                .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"key": "7.sc.t.c", "column_type": "int", "nullable": false,
                "index": {"isPrimaryKey": true, "isForeignKey": false,
                    "referencedColumnId": null, "isOtherIndex": true},
                "column_comment": "from the database",
                "custom_fields": [{"field_id": 10087, "value": "PII"}]})
        );
        let line = serde_json::to_value(vds_object("7.sc.t.c".into(), &object)).unwrap();
        assert_eq!(
            line,
            serde_json::json!({"key": "7.sc.t.c", "column_type": "int",
                "column_comment": "from the database"})
        );
    }

    /// A column type change is re-POSTed in full.
    #[test]
    fn column_type_changes_need_a_complete_write() {
        let changes = vec![FieldChange {
            field: field::COLUMN_TYPE.into(),
            before: Some(Value::Text("int".into())),
            after: Some(Value::Text("bigint".into())),
        }];
        assert!(needs_upsert(ObjectKind::Column, &changes));
    }
}
