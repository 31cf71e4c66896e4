//! Builders for plan inputs, shared by the plan and renderer tests.

use crate::core::objects::{Address, Object, ObjectKind, Value};

use super::{CurrentState, DatasourceBinding, DesiredState, Ownership};

/// An address from a dotted path; the kind follows from the depth.
pub(crate) fn addr(dotted: &str) -> Address {
    let path: Vec<String> = dotted.split('.').map(str::to_string).collect();
    let kind = match path.len() {
        2 => ObjectKind::Datasource,
        3 => ObjectKind::Schema,
        4 => ObjectKind::Table,
        _ => ObjectKind::Column,
    };
    Address { kind, path }
}

/// An object with text fields.
pub(crate) fn obj(dotted: &str, fields: &[(&str, Value)]) -> Object {
    Object {
        address: addr(dotted),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<crate::core::objects::Fields>(),
        unmanaged: None,
    }
}

/// A text value.
pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// A set value.
pub(crate) fn set(items: &[&str]) -> Value {
    Value::Set(items.iter().map(|s| s.to_string()).collect())
}

/// A rich-text value.
pub(crate) fn html(s: &str) -> Value {
    Value::Html(s.to_string())
}

/// A binding of data source `dotted`.
pub(crate) fn binding(dotted: &str, target_id: Option<&str>, stance: Stance) -> DatasourceBinding {
    let (ownership, cannot_delete) = match stance {
        Stance::Owned => (Ownership::Owned, None),
        Stance::Undeletable => (Ownership::Owned, Some("OCF data source".to_string())),
        Stance::Linked => (Ownership::Linked, None),
    };
    DatasourceBinding {
        address: addr(dotted),
        target_id: target_id.map(str::to_string),
        ownership,
        cannot_delete,
    }
}

/// How a test's data source stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stance {
    /// Owned, and its objects can be deleted (a virtual data source in Alation).
    Owned,
    /// Owned, but the target cannot delete its objects ("OCF data source").
    Undeletable,
    /// Linked: managed, never deleted.
    Linked,
}

/// Owned and deletable (a virtual data source).
pub(crate) const OWNED: Stance = Stance::Owned;
/// Owned, not deletable.
pub(crate) const UNDELETABLE: Stance = Stance::Undeletable;
/// Linked.
pub(crate) const LINKED: Stance = Stance::Linked;

/// A desired state of one data source.
pub(crate) fn desired(datasource: &str, objects: Vec<Object>) -> DesiredState {
    DesiredState {
        datasources: vec![addr(datasource)],
        objects,
        ..DesiredState::default()
    }
}

/// A current state of one data source.
pub(crate) fn current(bound: DatasourceBinding, objects: Vec<Object>) -> CurrentState {
    CurrentState {
        datasources: vec![bound],
        objects,
    }
}
