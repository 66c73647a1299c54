//! Picking a shard (or lock stripe) for a key, shared by every sharded map.

use std::hash::{Hash, Hasher};

/// A stable index in `0..n` for `key` within this process.
pub fn index<K: Hash + ?Sized>(key: &K, n: usize) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    (h.finish() as usize) % n
}
