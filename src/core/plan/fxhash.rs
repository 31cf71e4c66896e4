//! A fast hasher for the engine's address maps.
//!
//! The plan indexes millions of addresses per side; the standard library's SipHash is
//! built to resist hash flooding, which costs several times more per key than these
//! short names need. This is the multiply-rotate hash of rustc (FxHash): keys come from
//! the desired state and from the target being planned against, and a target able to
//! craft colliding names could only slow its own plan down.

use std::hash::{BuildHasherDefault, Hasher};

/// Builds [`FxHasher`]s, for `HashMap::with_hasher`.
pub type BuildFxHasher = BuildHasherDefault<FxHasher>;

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// The FxHash hasher: a word at a time, rotate, xor, multiply.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn equal_keys_hash_equal_and_near_keys_apart() {
        let build = BuildFxHasher::default();
        let a = vec!["svc".to_string(), "db".to_string(), "t1".to_string()];
        let b = a.clone();
        let c = vec!["svc".to_string(), "db".to_string(), "t2".to_string()];
        assert_eq!(build.hash_one(&a), build.hash_one(&b));
        assert_ne!(build.hash_one(&a), build.hash_one(&c));
        // Segments are length-prefixed by `Hash for str`, so moving a boundary changes it.
        let d = vec!["svcd".to_string(), "b".to_string(), "t1".to_string()];
        assert_ne!(build.hash_one(&a), build.hash_one(&d));
    }

    #[test]
    fn a_map_with_it_finds_every_key() {
        let mut map: HashMap<String, usize, BuildFxHasher> = HashMap::default();
        for i in 0..10_000 {
            map.insert(format!("column_{i}"), i);
        }
        assert!((0..10_000).all(|i| map[&format!("column_{i}")] == i));
    }
}
