//! Schemas, tables or columns by id, in one vector indexed by id.
//!
//! Ids of one space are handed out in ascending order and never reused (§6), so the
//! objects of a space fill a dense range: a vector slot per id costs the object and
//! nothing more. A `BTreeMap<u64, Object>` filled in ascending order (as an upload
//! fills it) leaves its nodes about half full, nearly doubling what a 2-million-column
//! instance holds, and every lookup walks the tree. A deleted object leaves an empty
//! slot, as Alation leaves a gap in its ids.
//!
//! It is persisted as the map it replaces (`{"id": object, …}`), so state files keep
//! their shape.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Objects by id, ascending.
#[derive(Debug, Clone)]
pub(super) struct ById<T> {
    /// Slot `i` holds the object with id `i`, if any.
    slots: Vec<Option<T>>,
}

impl<T> Default for ById<T> {
    fn default() -> Self {
        Self { slots: Vec::new() }
    }
}

impl<T: PartialEq> PartialEq for ById<T> {
    /// The same objects under the same ids (empty slots do not count).
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<T> ById<T> {
    fn slot(id: u64) -> Option<usize> {
        usize::try_from(id).ok()
    }

    /// The object with `id`.
    pub(super) fn get(&self, id: &u64) -> Option<&T> {
        self.slots.get(Self::slot(*id)?)?.as_ref()
    }

    /// The object with `id`, for writing.
    pub(super) fn get_mut(&mut self, id: &u64) -> Option<&mut T> {
        self.slots.get_mut(Self::slot(*id)?)?.as_mut()
    }

    /// Whether an object has `id`.
    pub(super) fn contains_key(&self, id: &u64) -> bool {
        self.get(id).is_some()
    }

    /// Stores `object` under `id` (replacing any object there) and returns it.
    ///
    /// Ids are small counters; one beyond the address space is refused by `None`.
    pub(super) fn insert(&mut self, id: u64, object: T) -> Option<&mut T> {
        let at = Self::slot(id)?;
        if at >= self.slots.len() {
            self.slots.resize_with(at + 1, || None);
        }
        Some(self.slots[at].insert(object))
    }

    /// Removes and returns the object with `id`.
    pub(super) fn remove(&mut self, id: &u64) -> Option<T> {
        self.slots.get_mut(Self::slot(*id)?)?.take()
    }

    /// Every object, by ascending id.
    pub(super) fn values(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }

    /// Every id and object, by ascending id.
    fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        (0u64..)
            .zip(&self.slots)
            .filter_map(|(id, slot)| slot.as_ref().map(|o| (id, o)))
    }
}

impl<T: Serialize> Serialize for ById<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ById<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ByIdVisitor(PhantomData))
    }
}

struct ByIdVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ByIdVisitor<T> {
    type Value = ById<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of objects by id")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ById<T>, A::Error> {
        let mut objects = ById::default();
        while let Some((id, object)) = map.next_entry::<u64, T>()? {
            if objects.contains_key(&id) {
                return Err(serde::de::Error::custom(format!("id {id} appears twice")));
            }
            objects
                .insert(id, object)
                .ok_or_else(|| serde::de::Error::custom(format!("id {id} is out of range")))?;
        }
        Ok(objects)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u32),
        Remove(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u64..64, any::<u32>()).prop_map(|(id, v)| Op::Insert(id, v)),
            (0u64..64).prop_map(Op::Remove),
        ]
    }

    proptest! {
        /// Any sequence of inserts and removes leaves the same objects, in the same
        /// order, as a `BTreeMap` would, and it persists as that map does.
        #[test]
        fn answers_as_a_btreemap(ops in proptest::collection::vec(op(), 0..200)) {
            let mut map = BTreeMap::new();
            let mut by_id = ById::default();
            for op in ops {
                match op {
                    Op::Insert(id, v) => {
                        map.insert(id, v);
                        by_id.insert(id, v);
                    }
                    Op::Remove(id) => prop_assert_eq!(map.remove(&id), by_id.remove(&id)),
                }
            }
            prop_assert!(map.values().eq(by_id.values()));
            for id in 0..64 {
                prop_assert_eq!(map.get(&id), by_id.get(&id));
            }
            let text = serde_json::to_string(&by_id).expect("serialise");
            prop_assert_eq!(&text, &serde_json::to_string(&map).expect("serialise"));
            let back: ById<u32> = serde_json::from_str(&text).expect("load");
            prop_assert_eq!(back, by_id);
        }
    }

    /// A state file naming an id twice is refused rather than losing an object.
    #[test]
    fn duplicate_ids_are_refused() {
        let err = serde_json::from_str::<ById<u32>>(r#"{"3": 1, "3": 2}"#)
            .expect_err("duplicate refused");
        assert!(err.to_string().contains("id 3 appears twice"), "{err}");
    }
}
