//! The configuration cache (SPEC §6): API-key lookups and, per application, what
//! fan-out reads for every message.
//!
//! **The database is the source of truth; the cache only ever saves a query.** Every
//! write that changes a cached thing invalidates it after its transaction commits
//! (`Store` does this, so no caller can forget). Two layouts:
//!
//! - no `REDIS_URL`: [`local::LocalCache`], in this process (one process, SQLite);
//! - `REDIS_URL`: [`redis::RedisCache`], shared by every process, coherent across
//!   them through per-key generations, with a breaker that falls back to the database
//!   while Redis is unreachable and a flush once it returns.

mod breaker;
mod local;
mod prefetch;
mod redis;

use std::{future::Future, sync::Arc};

use serde::{Serialize, de::DeserializeOwned};

use crate::metrics::Metrics;

pub use self::prefetch::scope as request_scope;
pub use self::redis::{RedisState, SharedRedis};

/// What can be cached: cloned out on a hit, JSON in Redis.
pub trait Cacheable: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static> Cacheable for T {}

/// Handle on the cache; cheap to clone.
#[derive(Clone)]
pub struct Cache {
    backend: Backend,
    metrics: Arc<Metrics>,
    /// What the prefetch has learnt; only with Redis (in-process lookups cost no
    /// round trip to save).
    hints: Option<prefetch::Hints>,
}

#[derive(Clone)]
enum Backend {
    Local(local::LocalCache),
    Redis(self::redis::RedisCache),
}

impl Cache {
    /// In-process only.
    pub fn local(metrics: Arc<Metrics>) -> Self {
        Self {
            backend: Backend::Local(local::LocalCache::default()),
            metrics,
            hints: None,
        }
    }

    /// Shared through Redis at `url`. Connects lazily and never fails here: an
    /// unreachable Redis only means every lookup goes to the database.
    pub fn redis(url: &str, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        Ok(Self {
            backend: Backend::Redis(self::redis::RedisCache::new(url, metrics.clone())?),
            metrics,
            hints: Some(prefetch::Hints::default()),
        })
    }

    /// The cached value of `key`, or `load`'s (from the database), cached for next
    /// time. `load`'s errors are passed through and nothing is cached.
    pub async fn get_or_load<T, E, F, Fut>(&self, key: &str, load: F) -> Result<T, E>
    where
        T: Cacheable,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        use std::sync::atomic::Ordering::Relaxed;
        match &self.backend {
            Backend::Local(local) => {
                if let Some(hit) = local.get::<T>(key) {
                    self.metrics.cache_hits.fetch_add(1, Relaxed);
                    return Ok(hit);
                }
                self.metrics.cache_misses.fetch_add(1, Relaxed);
                let since = local.generation();
                let value = load().await?;
                local.insert(key, value.clone(), since);
                Ok(value)
            }
            Backend::Redis(redis) => {
                let stamp = match redis.get::<T>(key).await {
                    self::redis::Lookup::Hit(hit) => {
                        self.metrics.cache_hits.fetch_add(1, Relaxed);
                        return Ok(hit);
                    }
                    self::redis::Lookup::Miss(stamp) => Some(stamp),
                    self::redis::Lookup::Unavailable => None,
                };
                self.metrics.cache_misses.fetch_add(1, Relaxed);
                let value = load().await?;
                if let Some(stamp) = stamp {
                    redis.fill(key, &value, stamp);
                }
                Ok(value)
            }
        }
    }

    /// Before a request's first lookup (its API key's): fetches, in one round trip,
    /// the entries it is about to look up — the key's, and those of the application
    /// `app_path` names and, if it `publishes` a message, that application's fan-out
    /// view, where this process can tell their keys (`prefetch.rs`). Only inside
    /// [`request_scope`], and only with Redis (the in-process cache has no round trip
    /// to save).
    pub async fn prefetch_request(&self, key_hash: &str, app_path: Option<&str>, publishes: bool) {
        if let (Backend::Redis(redis), Some(hints)) = (&self.backend, &self.hints) {
            redis
                .prefetch(&hints.keys(key_hash, app_path, publishes))
                .await;
        }
    }

    /// Teaches the prefetch an API key's tenant (it never changes).
    pub fn learn_key_tenant(&self, key_hash: &str, tenant: &str) {
        if let Some(hints) = &self.hints {
            hints.remember_tenant(key_hash, tenant);
        }
    }

    /// Teaches the prefetch which application an application path resolved to.
    pub fn learn_app_path(&self, tenant: &str, path: &str, app_id: &str) {
        if let Some(hints) = &self.hints {
            hints.remember_app(tenant, path, app_id);
        }
    }

    /// The process's metrics (the cache counts its hits and misses there).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Forgets `keys`, after the write that changed them committed.
    pub async fn invalidate(&self, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        match &self.backend {
            Backend::Local(local) => local.invalidate(keys),
            Backend::Redis(redis) => redis.invalidate(keys).await,
        }
    }

    /// Redis's state for `/health/ready` (`None` without Redis).
    pub fn redis_state(&self) -> Option<RedisState> {
        match &self.backend {
            Backend::Local(_) => None,
            Backend::Redis(redis) => Some(redis.state()),
        }
    }

    /// `None` without Redis; otherwise whether it answers now *and* the cache is in
    /// use (not waiting to flush after an outage).
    pub async fn redis_ping(&self) -> Option<bool> {
        match &self.backend {
            Backend::Local(_) => None,
            Backend::Redis(redis) => Some(redis.ping().await && redis.state() == RedisState::Ok),
        }
    }

    /// The shared connection, for other users of Redis (the rate limiter), or `None`.
    pub fn redis_connection(&self) -> Option<self::redis::SharedRedis> {
        match &self.backend {
            Backend::Local(_) => None,
            Backend::Redis(redis) => Some(redis.shared()),
        }
    }
}

/// Cache keys. Ids and uids are our own formats (no `:`), so keys cannot collide.
pub mod keys {
    /// An API key, by the SHA-256 of the key (never the key itself).
    pub fn api_key(hash: &str) -> String {
        format!("key:{hash}")
    }

    /// An application as addressed in a path: by id or by uid.
    pub fn app(tenant: &str, id_or_uid: &str) -> String {
        format!("app:{tenant}:{id_or_uid}")
    }

    /// The fan-out view of an application's endpoints.
    pub fn fanout(tenant: &str, app_id: &str) -> String {
        format!("fanout:{tenant}:{app_id}")
    }
}
