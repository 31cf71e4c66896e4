//! The stored lineage edges, indexed by their upstream and their downstream end, so that
//! answering for one table costs O(its edges), whatever the size of the catalog
//! (shared/reference/openmetadata-target-and-lineage.md §5).
//!
//! The server keeps one edge per ordered pair of entities (an upsert replaces its
//! details, §5.2 step 5); so does [`Lineage::upsert`]. Removing an entity for good drops
//! the edges at either end, as the server drops an entity's relationships.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::model::LineageEdge;

/// Which way to walk from an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the sources: edges into the entity.
    Upstream,
    /// Towards the consumers: edges out of the entity.
    Downstream,
}

/// Every lineage edge, with its indexes.
#[derive(Debug, Default)]
pub struct Lineage {
    edges: Vec<Option<LineageEdge>>,
    by_pair: HashMap<(Uuid, Uuid), u32>,
    by_to: HashMap<Uuid, Vec<u32>>,
    by_from: HashMap<Uuid, Vec<u32>>,
}

impl Lineage {
    /// Stores `edge`, replacing the details of an edge between the same two entities.
    pub fn upsert(&mut self, edge: LineageEdge) -> Result<(), String> {
        let pair = (edge.from_entity, edge.to_entity);
        if let Some(slot) = self.by_pair.get(&pair) {
            self.edges[*slot as usize] = Some(edge);
            return Ok(());
        }
        let slot = u32::try_from(self.edges.len()).map_err(|_| "too many lineage edges")?;
        self.by_pair.insert(pair, slot);
        self.by_from.entry(pair.0).or_default().push(slot);
        self.by_to.entry(pair.1).or_default().push(slot);
        self.edges.push(Some(edge));
        Ok(())
    }

    /// Drops every edge into or out of the entity `id`.
    pub fn remove_entity(&mut self, id: &Uuid) {
        let slots: Vec<u32> = [self.by_to.remove(id), self.by_from.remove(id)]
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        for slot in slots {
            let Some(edge) = self.edges.get_mut(slot as usize).and_then(Option::take) else {
                continue;
            };
            self.by_pair.remove(&(edge.from_entity, edge.to_entity));
            for (index, end) in [
                (&mut self.by_from, edge.from_entity),
                (&mut self.by_to, edge.to_entity),
            ] {
                if let Some(list) = index.get_mut(&end) {
                    list.retain(|s| *s != slot);
                    if list.is_empty() {
                        index.remove(&end);
                    }
                }
            }
        }
    }

    /// Every stored edge, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &LineageEdge> {
        self.edges.iter().flatten()
    }

    /// Number of stored edges.
    pub fn len(&self) -> usize {
        self.by_pair.len()
    }

    /// Whether no edge is stored.
    pub fn is_empty(&self) -> bool {
        self.by_pair.is_empty()
    }

    /// The edges reached from `root` walking `direction` up to `depth` edges away, each
    /// once, nearest first; with the entities they reach (never `root`), each once.
    pub fn walk(&self, root: Uuid, direction: Direction, depth: u8) -> Walk<'_> {
        let index = match direction {
            Direction::Upstream => &self.by_to,
            Direction::Downstream => &self.by_from,
        };
        let mut walk = Walk::default();
        let mut expanded = HashSet::from([root]);
        let mut frontier = vec![root];
        for _ in 0..depth {
            let mut next = Vec::new();
            for id in frontier {
                for slot in index.get(&id).into_iter().flatten() {
                    let Some(edge) = self.edges.get(*slot as usize).and_then(Option::as_ref) else {
                        continue;
                    };
                    walk.edges.push(edge);
                    let far = match direction {
                        Direction::Upstream => edge.from_entity,
                        Direction::Downstream => edge.to_entity,
                    };
                    if expanded.insert(far) {
                        walk.nodes.push(far);
                        next.push(far);
                    }
                }
            }
            frontier = next;
        }
        walk
    }
}

/// What [`Lineage::walk`] reached.
#[derive(Debug, Default)]
pub struct Walk<'a> {
    /// The edges, each once.
    pub edges: Vec<&'a LineageEdge>,
    /// The entities at their far ends, each once, without the root.
    pub nodes: Vec<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::openmetadata::model::LineageDetails;

    fn edge(from: u128, to: u128, sql: &str) -> LineageEdge {
        LineageEdge {
            from_entity: Uuid::from_u128(from),
            to_entity: Uuid::from_u128(to),
            lineage_details: LineageDetails::initial(Some(sql.into()), Vec::new(), None, 0),
        }
    }

    /// One edge per ordered pair: a second upsert replaces the details.
    #[test]
    fn upsert_keeps_one_edge_per_pair() {
        let mut lineage = Lineage::default();
        lineage.upsert(edge(1, 2, "a")).unwrap();
        lineage.upsert(edge(1, 2, "b")).unwrap();
        lineage.upsert(edge(2, 1, "c")).unwrap();
        assert_eq!(lineage.len(), 2);
        let walk = lineage.walk(Uuid::from_u128(2), Direction::Upstream, 1);
        assert_eq!(walk.edges.len(), 1);
        assert_eq!(
            walk.edges[0].lineage_details.sql_query.as_deref(),
            Some("b")
        );
    }

    /// A walk visits each edge once, cycles included, and stops at the depth.
    #[test]
    fn walk_follows_chains_to_the_depth_once() {
        let mut lineage = Lineage::default();
        for (from, to) in [(1, 2), (2, 3), (3, 1), (4, 3)] {
            lineage.upsert(edge(from, to, "")).unwrap();
        }
        let root = Uuid::from_u128(3);
        let count = |depth| lineage.walk(root, Direction::Upstream, depth).edges.len();
        assert_eq!([count(0), count(1), count(2), count(3)], [0, 2, 3, 4]);
        let walk = lineage.walk(root, Direction::Upstream, 3);
        assert_eq!(walk.nodes, [2, 4, 1].map(Uuid::from_u128));
        let down = lineage.walk(root, Direction::Downstream, 1);
        assert_eq!(down.nodes, [Uuid::from_u128(1)]);
    }

    /// Removing an entity drops the edges at both of its ends and nothing else.
    #[test]
    fn remove_entity_drops_its_edges() {
        let mut lineage = Lineage::default();
        for (from, to) in [(1, 2), (2, 3), (4, 3)] {
            lineage.upsert(edge(from, to, "")).unwrap();
        }
        lineage.remove_entity(&Uuid::from_u128(2));
        assert_eq!(lineage.len(), 1);
        let walk = lineage.walk(Uuid::from_u128(3), Direction::Upstream, 3);
        assert_eq!(walk.nodes, [Uuid::from_u128(4)]);
        assert!(
            lineage
                .walk(Uuid::from_u128(1), Direction::Downstream, 3)
                .edges
                .is_empty()
        );
        lineage.upsert(edge(1, 2, "")).unwrap();
        assert_eq!(lineage.len(), 2);
    }
}
