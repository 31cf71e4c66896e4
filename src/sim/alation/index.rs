//! The ids of schemas, tables and columns by parent, so that a listing costs O(page)
//! whatever the size of the instance (a full read of a large catalog page by page is
//! otherwise quadratic).
//!
//! Each list holds ids in ascending order: a listing in id order (the default) takes its
//! `skip`/`limit` window straight out of the list of the narrowest parent it filters on.
//! New objects get the largest id of their space, so an insert is a push; deletions come
//! in batches (a table with its columns, an upload's unseen objects, a data source) and
//! cost one pass over each list they touch. The indexes are not persisted: they are
//! rebuilt when a state is loaded, and every write to the object maps goes through
//! [`Children::add`] and [`Children::remove`].

use std::collections::{BTreeSet, HashMap};

use super::keys::Kind;

/// Ascending ids.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct IdList(Vec<u64>);

impl IdList {
    /// The ids, ascending.
    pub(super) fn as_slice(&self) -> &[u64] {
        &self.0
    }

    fn add(&mut self, id: u64) {
        match self.0.last() {
            Some(last) if *last >= id => {
                if let Err(at) = self.0.binary_search(&id) {
                    self.0.insert(at, id);
                }
            }
            _ => self.0.push(id),
        }
    }

    fn remove_all(&mut self, ids: &BTreeSet<u64>) {
        self.0.retain(|id| !ids.contains(id));
    }
}

/// Which parent an index groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Parent {
    /// A data source id.
    DataSource,
    /// A schema id.
    Schema,
    /// A table id.
    Table,
}

/// Where an object sits: its kind, id and parents.
#[derive(Debug, Clone, Copy)]
pub(super) struct Place {
    pub(super) kind: Kind,
    pub(super) id: u64,
    pub(super) ds_id: u64,
    pub(super) schema_id: Option<u64>,
    pub(super) table_id: Option<u64>,
}

impl Place {
    fn parents(&self) -> impl Iterator<Item = (Parent, u64)> {
        [
            Some((Parent::DataSource, self.ds_id)),
            self.schema_id.map(|id| (Parent::Schema, id)),
            self.table_id.map(|id| (Parent::Table, id)),
        ]
        .into_iter()
        .flatten()
    }
}

/// Every object's id by kind, and by kind and parent.
#[derive(Debug, Default)]
pub(super) struct Children {
    all: HashMap<Kind, IdList>,
    by_parent: HashMap<(Kind, Parent, u64), IdList>,
}

/// The empty list, for parents with no children.
static EMPTY: IdList = IdList(Vec::new());

impl Children {
    /// Every id of `kind`, ascending.
    pub(super) fn all(&self, kind: Kind) -> &[u64] {
        self.all.get(&kind).unwrap_or(&EMPTY).as_slice()
    }

    /// The ids of `kind` under `parent` number `id`, ascending.
    pub(super) fn under(&self, kind: Kind, parent: Parent, id: u64) -> &[u64] {
        self.by_parent
            .get(&(kind, parent, id))
            .unwrap_or(&EMPTY)
            .as_slice()
    }

    /// Records a new object.
    pub(super) fn add(&mut self, place: Place) {
        self.all.entry(place.kind).or_default().add(place.id);
        for (parent, id) in place.parents() {
            self.by_parent
                .entry((place.kind, parent, id))
                .or_default()
                .add(place.id);
        }
    }

    /// Forgets removed objects of one kind, given where they were.
    pub(super) fn remove(&mut self, kind: Kind, places: &[Place]) {
        if places.is_empty() {
            return;
        }
        let ids: BTreeSet<u64> = places.iter().map(|p| p.id).collect();
        if let Some(all) = self.all.get_mut(&kind) {
            all.remove_all(&ids);
        }
        let parents: BTreeSet<(Parent, u64)> = places.iter().flat_map(Place::parents).collect();
        for (parent, id) in parents {
            let key = (kind, parent, id);
            if let Some(list) = self.by_parent.get_mut(&key) {
                list.remove_all(&ids);
                if list.0.is_empty() {
                    self.by_parent.remove(&key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(id: u64, table_id: u64) -> Place {
        Place {
            kind: Kind::Column,
            id,
            ds_id: 1,
            schema_id: Some(1),
            table_id: Some(table_id),
        }
    }

    /// Lists stay ascending whatever the insertion order, and removals empty them.
    #[test]
    fn lists_stay_ordered() {
        let mut children = Children::default();
        for (id, table) in [(5, 1), (2, 2), (9, 1), (2, 2)] {
            children.add(column(id, table));
        }
        assert_eq!(children.all(Kind::Column), &[2, 5, 9]);
        assert_eq!(children.under(Kind::Column, Parent::Table, 1), &[5, 9]);
        children.remove(Kind::Column, &[column(2, 2), column(9, 1)]);
        assert_eq!(children.under(Kind::Column, Parent::DataSource, 1), &[5]);
        assert!(children.under(Kind::Column, Parent::Table, 2).is_empty());
    }
}
