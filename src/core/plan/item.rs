//! What a plan is made of: items with an action, an address, field changes and a reason.

use serde::{Deserialize, Serialize};

use crate::core::objects::{Address, Field, Object, Value};

/// What an item does to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create the object (`+`).
    Create,
    /// Change some of its fields (`~`).
    Update,
    /// Delete it (`-`).
    Delete,
    /// It is no longer desired but will not be deleted (`!`): not owned, or the
    /// target cannot delete it; the reason says which.
    Orphan,
    /// It is desired but the target lacks it and cannot create it (`?`); the reason says
    /// why. Reported, never written.
    Missing,
}

impl Action {
    /// Whether applying an item of this action writes to the target.
    pub fn writes(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Delete)
    }
}

/// One field's change: `before` is the current value, `after` the desired one
/// (`None`: no value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name, as the target calls it (e.g. `description`, `column_type`).
    pub field: Field,
    /// Current value.
    pub before: Option<Value>,
    /// Desired value.
    pub after: Option<Value>,
}

/// One planned change to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// What to do.
    pub action: Action,
    /// Which object.
    pub address: Address,
    /// For a create every desired field, for an update the changed fields, for a
    /// delete or orphan every current field (as `before`).
    pub changes: Vec<FieldChange>,
    /// Why, in words a reviewer understands.
    pub reason: String,
}

/// How metaform relates to a target data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ownership {
    /// Created by metaform: its objects are owned, and deleted when no longer desired
    /// (with `prune: owned`) unless the binding says the target cannot.
    Owned,
    /// Linked by configuration (`datasourceLinks`): managed, never deleted.
    Linked,
}

/// A desired data source and where it stands in the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasourceBinding {
    /// The data source's address (`[service, database]`).
    pub address: Address,
    /// Its id in the target; `None` when it does not exist yet and will be created.
    pub target_id: Option<String>,
    /// Whether its objects are owned.
    pub ownership: Ownership,
    /// Why the target cannot delete objects of this data source, in the target's words;
    /// `None` when it can.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cannot_delete: Option<String>,
}

impl DatasourceBinding {
    /// Whether undesired objects here are deleted under `prune: owned`.
    pub fn deletes_owned(&self) -> bool {
        self.ownership == Ownership::Owned && self.cannot_delete.is_none()
    }
}

/// What the target holds now, for the data sources in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentState {
    /// Every data source in scope, bound or to be created.
    pub datasources: Vec<DatasourceBinding>,
    /// Every schema, table and column found under those data sources.
    pub objects: Vec<Object>,
}
