//! A small time-bounded cache for data every request reads and that rarely changes (calendars,
//! matter versions, windows). Local writes invalidate at once; writes by another process are
//! seen after the TTL. Deadlines stored in the database never depend on it: they are re-projected
//! in the store's own transaction.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a cached entry is trusted.
pub const CACHE_TTL: Duration = Duration::from_secs(2);

/// A map whose entries expire after [`CACHE_TTL`].
#[derive(Debug)]
pub(crate) struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
}

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V> TtlCache<K, V> {
    /// A fresh entry, if any.
    pub(crate) fn get(&self, key: &K) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, v)| Arc::clone(v))
    }

    /// Stores an entry and returns it.
    pub(crate) fn put(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, (Instant::now(), Arc::clone(&value)));
        value
    }

    /// Forgets every entry (after a local write).
    pub(crate) fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_returned_until_cleared() {
        let c: TtlCache<u8, &str> = TtlCache::default();
        assert!(c.get(&1).is_none());
        c.put(1, "a");
        assert_eq!(c.get(&1).as_deref(), Some(&"a"));
        c.clear();
        assert!(c.get(&1).is_none());
    }
}
