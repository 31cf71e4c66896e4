//! Object ids by canonical key (§2.2: keys are case-insensitive), one index per kind.
//!
//! The index holds a 128-bit digest of each canonical key, not the key: every object
//! already stores its key text, and a second, lower-cased copy of two million keys in a
//! `BTreeMap` costs more than the columns' own names and types. The digest is two
//! SipHash-1-3 values of the key under different prefixes; two of ten million keys share
//! one with a probability near 10⁻²⁵, so a lookup trusts it. Digests are not persisted
//! (std's hasher may change between Rust releases): the index is rebuilt from the
//! stored keys when a state is loaded.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::keys::ObjectKey;

/// The digest of a canonical key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Digest(u64, u64);

impl Digest {
    fn of(key: &ObjectKey) -> Digest {
        let canonical = key.canonical();
        let half = |prefix: u8| {
            let mut hasher = DefaultHasher::new();
            prefix.hash(&mut hasher);
            canonical.hash(&mut hasher);
            hasher.finish()
        };
        Digest(half(1), half(2))
    }
}

/// Ids by canonical key, for one kind of object.
#[derive(Debug, Default)]
pub(super) struct KeyIndex(HashMap<Digest, u64>);

impl KeyIndex {
    /// The id of the object with `key` (in any case).
    pub(super) fn get(&self, key: &ObjectKey) -> Option<u64> {
        self.0.get(&Digest::of(key)).copied()
    }

    /// Records that `key` names object `id`.
    pub(super) fn insert(&mut self, key: &ObjectKey, id: u64) {
        self.0.insert(Digest::of(key), id);
    }

    /// Forgets `key`.
    pub(super) fn remove(&mut self, key: &ObjectKey) {
        self.0.remove(&Digest::of(key));
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::sim::alation::keys::Kind;

    fn key(parts: &[String]) -> ObjectKey {
        ObjectKey {
            ds_id: 3,
            parts: parts.to_vec(),
        }
    }

    proptest! {
        /// Keys that differ only in case find the same id; any other key finds nothing,
        /// and a removed key is gone.
        #[test]
        fn finds_by_canonical_key(
            names in proptest::collection::btree_set("[a-zA-Z0-9 ._\"]{1,6}", 3..12),
        ) {
            let names: Vec<String> = names.into_iter().collect();
            let mut index = KeyIndex::default();
            let mut canonical = std::collections::BTreeMap::new();
            for (id, window) in (0u64..).zip(names.windows(3)) {
                let k = key(window);
                canonical.entry(k.canonical()).or_insert_with(|| {
                    index.insert(&k, id);
                    id
                });
            }
            for window in names.windows(3) {
                let upper: Vec<String> = window.iter().map(|n| n.to_uppercase()).collect();
                let expected = canonical.get(&key(&upper).canonical()).copied();
                prop_assert_eq!(index.get(&key(&upper)), expected);
            }
            let first = key(&names[..3]);
            index.remove(&first);
            prop_assert_eq!(index.get(&first), None);
            let parsed = ObjectKey::parse(&first.to_string().to_uppercase(), Kind::Column, 3);
            prop_assert_eq!(parsed.ok().and_then(|k| index.get(&k)), None);
        }
    }
}
