//! What Alation holds once plan items are applied: the current values read before
//! planning, with the items' changes on top. Pure.
//!
//! Every complete write is built from this state, never from the desired object alone,
//! because a write must not change a field the plan does not show as changing. A POST
//! resets what it leaves out and a Virtual Data Source upload rewrites every object it
//! lists (reference §5, §9), so each carries the current value of every field the plan
//! leaves alone: one that `policy.ignore` covers (a curated title or description), one
//! whose desired value compares equal to the current one, or one metaform does not
//! manage at all ([`super::unmanaged`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::core::objects::{Address, Object, ObjectKind};
use crate::core::plan::{Action, PlanItem};

/// The object `item` leaves behind: `current` (none for a create) with every change
/// of the item applied, a change to "no value" removing the field. The fields metaform
/// does not manage stay as they were.
pub fn item_after(current: Option<&Object>, item: &PlanItem) -> Object {
    let mut fields = current.map(|o| o.fields.clone()).unwrap_or_default();
    for change in &item.changes {
        match &change.after {
            Some(value) => {
                fields.insert(change.field.clone(), value.clone());
            }
            None => {
                fields.remove(&change.field);
            }
        }
    }
    Object {
        address: item.address.clone(),
        fields,
        unmanaged: current.and_then(|o| o.unmanaged.clone()),
    }
}

/// The schemas, tables and columns of the data source at `ds_path` once `applied`
/// (creates and updates that Alation confirmed) and `deleted` (deletes about to be made)
/// are in, parents before children.
///
/// Starts from `current`; drops every deleted object and everything under it; applies
/// the updates; adds the created objects. Objects whose create failed or was skipped
/// are not in it, and neither are objects the plan does not mention but Alation does
/// not hold: only what the plan shows changes.
pub fn datasource_after(
    ds_path: &[String],
    current: &[Object],
    applied: &[&PlanItem],
    deleted: &[&Address],
) -> Vec<Object> {
    let in_datasource = |address: &Address| {
        address.kind != ObjectKind::Datasource && address.path.starts_with(ds_path)
    };
    let removed: BTreeSet<&[String]> = deleted
        .iter()
        .filter(|a| in_datasource(a))
        .map(|a| a.path.as_slice())
        .collect();
    let is_removed =
        |address: &Address| (1..=address.path.len()).any(|n| removed.contains(&address.path[..n]));
    let mut objects: BTreeMap<(Vec<String>, ObjectKind), Object> = current
        .iter()
        .filter(|o| in_datasource(&o.address) && !is_removed(&o.address))
        .map(|o| ((o.address.path.clone(), o.address.kind), o.clone()))
        .collect();
    for item in applied {
        if !in_datasource(&item.address) || is_removed(&item.address) {
            continue;
        }
        let key = (item.address.path.clone(), item.address.kind);
        match item.action {
            Action::Create | Action::Update => {
                let after = item_after(objects.get(&key), item);
                objects.insert(key, after);
            }
            Action::Delete | Action::Orphan | Action::Missing => {}
        }
    }
    // A path sorts before every path it is a prefix of: parents come first.
    objects.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::objects::Value;
    use crate::core::plan::FieldChange;

    fn address(kind: ObjectKind, path: &[&str]) -> Address {
        Address {
            kind,
            path: path.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn object(kind: ObjectKind, path: &[&str], fields: &[(&str, &str)]) -> Object {
        Object {
            address: address(kind, path),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), Value::Text(v.to_string())))
                .collect(),
            unmanaged: None,
        }
    }

    fn item(action: Action, object: &Object, changes: &[(&str, Option<&str>)]) -> PlanItem {
        PlanItem {
            action,
            address: object.address.clone(),
            changes: changes
                .iter()
                .map(|(field, after)| FieldChange {
                    field: (*field).into(),
                    before: None,
                    after: after.map(|a| Value::Text(a.to_string())),
                })
                .collect(),
            reason: "test".into(),
        }
    }

    /// An update keeps every field it does not change, curated and unmanaged ones
    /// included.
    #[test]
    fn updates_keep_unchanged_fields() {
        let mut current = object(
            ObjectKind::Column,
            &["s", "d", "sc", "t", "c"],
            &[
                ("title", "Curated"),
                ("description", "<p>curated</p>"),
                ("column_type", "int"),
                ("position", "2"),
            ],
        );
        let kept = serde_json::json!({"column_comment": "from the database"});
        current.unmanaged = kept.as_object().cloned().map(Box::new);
        let update = item(
            Action::Update,
            &current,
            &[("column_type", Some("bigint")), ("position", None)],
        );
        let after = item_after(Some(&current), &update);
        let mut expected = object(
            ObjectKind::Column,
            &["s", "d", "sc", "t", "c"],
            &[
                ("title", "Curated"),
                ("description", "<p>curated</p>"),
                ("column_type", "bigint"),
            ],
        );
        expected.unmanaged = current.unmanaged.clone();
        assert_eq!(after, expected);
    }

    /// A data source's content after an apply: deletes (with what is under them) gone,
    /// updates and creates in, objects the plan leaves alone unchanged.
    #[test]
    fn datasource_content_follows_the_applied_items() {
        let schema = object(ObjectKind::Schema, &["s", "d", "sc"], &[("title", "S")]);
        let kept = object(ObjectKind::Table, &["s", "d", "sc", "a"], &[("title", "A")]);
        let gone = object(ObjectKind::Table, &["s", "d", "sc", "b"], &[("title", "B")]);
        let gone_column = object(ObjectKind::Column, &["s", "d", "sc", "b", "x"], &[]);
        let other = object(ObjectKind::Table, &["s", "e", "sc", "z"], &[]);
        let current = vec![
            schema.clone(),
            kept.clone(),
            gone.clone(),
            gone_column,
            other,
        ];
        let new = object(ObjectKind::Table, &["s", "d", "sc", "c"], &[]);
        let create = item(Action::Create, &new, &[("title", Some("C"))]);
        let update = item(Action::Update, &kept, &[("description", Some("<p>a</p>"))]);
        let objects = datasource_after(
            &["s".to_string(), "d".to_string()],
            &current,
            &[&create, &update],
            &[&gone.address],
        );
        let expected = vec![
            schema,
            object(
                ObjectKind::Table,
                &["s", "d", "sc", "a"],
                &[("title", "A"), ("description", "<p>a</p>")],
            ),
            object(ObjectKind::Table, &["s", "d", "sc", "c"], &[("title", "C")]),
        ];
        assert_eq!(objects, expected);
    }
}
