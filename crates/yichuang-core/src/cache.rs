//! A small time-bounded cache for data every request reads and that rarely changes (calendars,
//! matter versions, windows). Local writes invalidate at once. On PostgreSQL a write also tells
//! every other instance (NOTIFY on [`Channel::Changes`]) to drop its entries, so the TTL there
//! only bounds the damage of a lost notification; a single-process store keeps the short TTL.
//! Deadlines stored in the database never depend on it: they are re-projected in the store's
//! own transaction.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use yichuang_store::Channel;

use crate::Core;

/// How long a cached entry is trusted when other processes cannot announce their writes.
pub const CACHE_TTL: Duration = Duration::from_secs(2);

/// How long a cached entry is trusted when every instance announces its writes.
pub const SHARED_CACHE_TTL: Duration = Duration::from_secs(60);

/// A change of the working-day calendar (only calendars are dropped).
pub(crate) const CHANGED_CALENDAR: &str = "calendar";
/// A catalog import (matters, windows and the search index are dropped too).
pub(crate) const CHANGED_CATALOG: &str = "catalog";

/// A map whose entries expire after a TTL ([`CACHE_TTL`] unless changed).
#[derive(Debug)]
pub(crate) struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
    ttl_ms: AtomicU64,
    /// Bumped by every clear, so that a value read from the store before a clear is not put
    /// back after it (it could be older than the write that caused the clear).
    generation: AtomicU64,
}

impl<K, V> Default for TtlCache<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl_ms: AtomicU64::new(CACHE_TTL.as_millis() as u64),
            generation: AtomicU64::new(0),
        }
    }
}

/// The cache generation a read started in (see [`TtlCache::put`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp(u64);

impl<K: Eq + Hash, V> TtlCache<K, V> {
    /// A fresh entry, if any.
    pub(crate) fn get(&self, key: &K) -> Option<Arc<V>> {
        let ttl = Duration::from_millis(self.ttl_ms.load(Ordering::Relaxed));
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < ttl)
            .map(|(_, v)| Arc::clone(v))
    }

    /// Taken before reading the value from the store.
    pub(crate) fn stamp(&self) -> Stamp {
        Stamp(self.generation.load(Ordering::Acquire))
    }

    /// Returns the value, and keeps it unless the cache was cleared since `stamp`.
    pub(crate) fn put(&self, stamp: Stamp, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == stamp.0 {
            entries.insert(key, (Instant::now(), Arc::clone(&value)));
        }
        value
    }

    /// Forgets every entry (after a write here or on another instance).
    pub(crate) fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    fn set_ttl(&self, ttl: Duration) {
        self.ttl_ms.store(ttl.as_millis() as u64, Ordering::Relaxed);
    }
}

impl Core {
    /// Drops this instance's cached reference data after a write and tells the other instances
    /// on the database to do the same. `what` is [`CHANGED_CALENDAR`] or [`CHANGED_CATALOG`].
    pub(crate) async fn reference_data_changed(&self, what: &str) {
        self.forget_reference_data(what).await;
        let msg = serde_json::json!({ "changed": what });
        if let Err(e) = self.store().notify(Channel::Changes, &msg).await {
            // The other instances catch up within SHARED_CACHE_TTL.
            tracing::warn!(error = %e, what, "could not announce a reference data change");
        }
    }

    async fn forget_reference_data(&self, what: &str) {
        self.calendars.clear();
        if what != CHANGED_CALENDAR {
            self.matters.clear();
            self.windows.clear();
            self.reset_search().await;
        }
    }

    /// Listens for other instances' reference data changes, where the backend carries them;
    /// the caches then trust entries for [`SHARED_CACHE_TTL`].
    pub(crate) async fn start_change_listener(&self) -> crate::Result<()> {
        let core = self.clone();
        let sink: yichuang_store::HallSink = Arc::new(move |v| {
            let core = core.clone();
            let what = v["changed"].as_str().unwrap_or(CHANGED_CATALOG).to_owned();
            tracing::debug!(%what, "reference data changed on an instance");
            tokio::spawn(async move { core.forget_reference_data(&what).await });
        });
        if self.store().listen(Channel::Changes, sink).await? {
            self.calendars.set_ttl(SHARED_CACHE_TTL);
            self.matters.set_ttl(SHARED_CACHE_TTL);
            self.windows.set_ttl(SHARED_CACHE_TTL);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_returned_until_cleared() {
        let c: TtlCache<u8, &str> = TtlCache::default();
        assert!(c.get(&1).is_none());
        c.put(c.stamp(), 1, "a");
        assert_eq!(c.get(&1).as_deref(), Some(&"a"));
        c.clear();
        assert!(c.get(&1).is_none());
    }

    #[test]
    fn a_value_read_before_a_clear_is_not_kept_after_it() {
        let c: TtlCache<u8, &str> = TtlCache::default();
        let stamp = c.stamp();
        c.clear();
        assert_eq!(*c.put(stamp, 1, "old"), "old");
        assert!(c.get(&1).is_none());
        c.put(c.stamp(), 1, "new");
        assert_eq!(c.get(&1).as_deref(), Some(&"new"));
    }
}
