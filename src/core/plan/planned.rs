//! A finished plan: its items in a deterministic order, grouped by data source, and counts.

use serde::{Deserialize, Serialize};

use crate::core::objects::ObjectKind;

use super::datasource::belongs_to;
use super::item::{Action, DatasourceBinding, PlanItem};

/// The outcome of [`plan`](super::plan): what would change, and why.
///
/// Items are in tree order: by data source, then by path with parents before their
/// children (a table is followed by its columns), so a reviewer reads each object next
/// to its parts. Execution order is a different thing; see [`Plan::apply_order`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Data sources in scope (desired, or holding planned items), by address.
    pub datasources: Vec<DatasourceBinding>,
    /// Every create, update, delete, orphan and missing object, in tree order.
    pub items: Vec<PlanItem>,
    /// What the desired state holds that the target does not reconcile, said once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// Counts of a plan, the numbers of `Plan: X to add, Y to change, Z to destroy.`
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Objects to create.
    pub add: usize,
    /// Objects to update.
    pub change: usize,
    /// Objects to delete.
    pub destroy: usize,
    /// Objects no longer desired that will not be deleted (not a change).
    pub orphan: usize,
    /// Desired objects the target lacks and cannot create (not a change).
    #[serde(default)]
    pub missing: usize,
}

impl Summary {
    /// Counts the actions of `items`.
    pub fn of<'a>(items: impl IntoIterator<Item = &'a PlanItem>) -> Summary {
        let mut summary = Summary::default();
        for item in items {
            match item.action {
                Action::Create => summary.add += 1,
                Action::Update => summary.change += 1,
                Action::Delete => summary.destroy += 1,
                Action::Orphan => summary.orphan += 1,
                Action::Missing => summary.missing += 1,
            }
        }
        summary
    }

    /// Whether anything would be written (orphans are reported, never written).
    pub fn has_changes(&self) -> bool {
        self.add + self.change + self.destroy > 0
    }
}

/// One data source's part of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasourceGroup<'a> {
    /// The data source and its ownership.
    pub binding: &'a DatasourceBinding,
    /// Its items, in plan order.
    pub items: Vec<&'a PlanItem>,
}

impl Plan {
    /// Counts of the whole plan.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.items)
    }

    /// Whether applying the plan would write anything (`--detailed-exitcode` 2).
    pub fn has_changes(&self) -> bool {
        self.summary().has_changes()
    }

    /// The data sources that have items, each with its items, in address order.
    pub fn groups(&self) -> Vec<DatasourceGroup<'_>> {
        self.datasources
            .iter()
            .map(|binding| DatasourceGroup {
                binding,
                items: self
                    .items
                    .iter()
                    .filter(|item| belongs_to(&item.address, &binding.address))
                    .collect(),
            })
            .filter(|group| !group.items.is_empty())
            .collect()
    }

    /// Items in the order a target executes them (SPEC §6): creates and updates by kind
    /// (data sources, schemas, tables, columns), then deletes in reverse kind order;
    /// orphans and missing objects are left out. Within a kind the plan order holds.
    pub fn apply_order(&self) -> Vec<&PlanItem> {
        let mut ordered: Vec<&PlanItem> = self
            .items
            .iter()
            .filter(|item| item.action.writes())
            .collect();
        ordered.sort_by_key(|item| apply_rank(item));
        ordered
    }

    /// The items of [`apply_order`](Self::apply_order), taken out of the plan instead of
    /// borrowed (a first apply of a large catalog would otherwise hold them twice).
    pub fn into_apply_order(self) -> Vec<PlanItem> {
        let mut ordered: Vec<PlanItem> = self
            .items
            .into_iter()
            .filter(|item| item.action.writes())
            .collect();
        ordered.sort_by_key(apply_rank);
        ordered
    }
}

/// Where an item stands in the apply order: creates and updates by kind, parents
/// first, then deletes children first.
fn apply_rank(item: &PlanItem) -> (u8, u8) {
    let kind = match item.address.kind {
        ObjectKind::Datasource => 0,
        ObjectKind::Schema => 1,
        ObjectKind::Table => 2,
        ObjectKind::Column => 3,
    };
    match item.action {
        Action::Create | Action::Update => (0, kind),
        Action::Delete | Action::Orphan | Action::Missing => (1, 3 - kind),
    }
}
