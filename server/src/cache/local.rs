//! The in-process cache, used without Redis. One process owns the database (the
//! embedded SQLite mode), so invalidating here is invalidating everywhere.
//!
//! A load that started before an invalidation must not put back what it read: every
//! invalidation bumps a generation, and a fill is dropped when the generation moved
//! while it was loading.

use std::{
    any::Any,
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Entries also expire, bounding what a missed invalidation could cost (e.g. another
/// process writing the same PostgreSQL without Redis, which is not a supported setup).
const TTL: Duration = Duration::from_secs(30);
/// Beyond this many entries the cache is cleared rather than grown.
const MAX_ENTRIES: usize = 100_000;

type Entry = (Instant, Arc<dyn Any + Send + Sync>);

#[derive(Clone, Default)]
pub struct LocalCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    generation: Arc<AtomicU64>,
}

impl LocalCache {
    pub fn get<T: Clone + 'static>(&self, key: &str) -> Option<T> {
        let entries = self.entries.lock().expect("cache lock");
        let (at, value) = entries.get(key)?;
        if at.elapsed() > TTL {
            return None;
        }
        value.downcast_ref::<T>().cloned()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Caches `value` unless something was invalidated since `since`.
    pub fn insert<T: Send + Sync + 'static>(&self, key: &str, value: T, since: u64) {
        let mut entries = self.entries.lock().expect("cache lock");
        if self.generation.load(Ordering::SeqCst) != since {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_string(), (Instant::now(), Arc::new(value)));
    }

    pub fn invalidate(&self, keys: &[String]) {
        let mut entries = self.entries.lock().expect("cache lock");
        self.generation.fetch_add(1, Ordering::SeqCst);
        for key in keys {
            entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_overtaken_by_an_invalidation_is_not_cached() {
        let cache = LocalCache::default();
        let since = cache.generation();
        cache.invalidate(&["k".to_string()]);
        cache.insert("k", 1u32, since);
        assert_eq!(cache.get::<u32>("k"), None);
        let since = cache.generation();
        cache.insert("k", 2u32, since);
        assert_eq!(cache.get::<u32>("k"), Some(2));
        cache.invalidate(&["k".to_string()]);
        assert_eq!(cache.get::<u32>("k"), None);
    }
}
