//! A bounded in-memory map whose entries expire, for short-lived protocol state.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

/// Entries live until `expires_at`; when the map is full, expired entries are swept and,
/// if it is still full, the insert is refused so memory stays bounded under a flood.
#[derive(Debug)]
pub struct TtlMap<K, V> {
    inner: Mutex<HashMap<K, (V, u64)>>,
    capacity: usize,
}

impl<K: Eq + Hash, V> TtlMap<K, V> {
    pub fn new(capacity: usize) -> Self {
        TtlMap {
            inner: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (V, u64)>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Inserts unless the map is full of live entries. Returns whether it was stored.
    pub fn insert(&self, key: K, value: V, expires_at: u64, now: u64) -> bool {
        let mut map = self.lock();
        if map.len() >= self.capacity {
            map.retain(|_, (_, exp)| *exp > now);
            if map.len() >= self.capacity {
                return false;
            }
        }
        map.insert(key, (value, expires_at));
        true
    }

    /// Runs `f` on the live entry for `key`; an expired entry is removed and not shown.
    pub fn with<R>(&self, key: &K, now: u64, f: impl FnOnce(&mut V) -> R) -> Option<R> {
        let mut map = self.lock();
        match map.get_mut(key) {
            Some((value, exp)) if *exp > now => Some(f(value)),
            Some(_) => {
                map.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn remove(&self, key: &K, now: u64) -> Option<V> {
        self.take(key, now).map(|(value, _)| value)
    }

    /// Removes the live entry for `key` and returns it with its expiry time.
    pub fn take(&self, key: &K, now: u64) -> Option<(V, u64)> {
        match self.lock().remove(key) {
            Some((value, exp)) if exp > now => Some((value, exp)),
            _ => None,
        }
    }

    pub fn sweep(&self, now: u64) {
        self.lock().retain(|_, (_, exp)| *exp > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_entry_is_gone() {
        let map = TtlMap::new(10);
        assert!(map.insert("a", 1, 100, 0));
        assert_eq!(map.with(&"a", 99, |v| *v), Some(1));
        assert_eq!(map.with(&"a", 100, |v| *v), None);
    }

    #[test]
    fn full_map_refuses_until_entries_expire() {
        let map = TtlMap::new(1);
        assert!(map.insert("a", 1, 100, 0));
        assert!(!map.insert("b", 2, 100, 50));
        assert!(map.insert("b", 2, 200, 100));
    }
}
