//! The cache shared through Redis.
//!
//! Layout (every key under `hookrelay:`): `epoch` (flushes everything when bumped),
//! `gen:<key>` (a fresh random value set by each invalidation of `<key>`: never a value
//! it had before, even after the key expired), and `v:<key>` = `{"e": epoch,
//! "g": generation, "v": value}` with a TTL. A lookup is one `MGET epoch gen:<key>
//! v:<key>` (or, prefetched, one `MGET` of the epoch and several keys' pairs:
//! `prefetch.rs`): a hit only when the value was stored under the current epoch and
//! generation. A fill stores what the database said under the epoch and generation
//! read *before* the database was asked, so a fill overtaken by an invalidation is
//! stored under a stale generation and never served.
//!
//! Values are configuration (endpoint filters, app ids, which tenant a key hash
//! belongs to): never a signing secret, an API key or a password.

use std::{sync::Arc, time::Duration};

use redis::{
    AsyncCommands, Client,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use serde::{Deserialize, Serialize};

use super::{Cacheable, breaker::Breaker, prefetch};
use crate::metrics::Metrics;

/// The longest any request waits on Redis before going to the database.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(150);
const VALUE_TTL_SECS: u64 = 300;
/// Longer than a value's TTL: a generation that expires reads as 0 again, and any
/// value stored under 0 predates the invalidation that set it, so it has expired.
const GENERATION_TTL_SECS: i64 = 600;
/// How often the prober tries a Redis that failed.
const PROBE_EVERY: Duration = Duration::from_millis(100);
const PREFIX: &str = "hookrelay:";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisState {
    Ok,
    Unavailable,
}

/// The connection and its breaker, shared with other users of Redis.
#[derive(Clone)]
pub struct SharedRedis {
    pub conn: ConnectionManager,
    breaker: Arc<Breaker>,
    metrics: Arc<Metrics>,
}

impl SharedRedis {
    /// Runs one Redis call with the timeout, if the breaker lets it; a failure opens
    /// the breaker. `None` = use the fallback.
    pub async fn call<T, F, Fut>(&self, f: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if self.breaker.is_open() {
            return None;
        }
        match tokio::time::timeout(CALL_TIMEOUT, f(self.conn.clone())).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                self.failed(&e.to_string());
                None
            }
            Err(_) => {
                self.failed("timed out");
                None
            }
        }
    }

    fn failed(&self, why: &str) {
        use std::sync::atomic::Ordering::Relaxed;
        self.metrics.redis_errors.fetch_add(1, Relaxed);
        if !self.breaker.is_open() {
            tracing::warn!(
                error = why,
                "Redis call failed; using the database until it answers again"
            );
        }
        self.breaker.trip();
    }
}

#[derive(Clone)]
pub struct RedisCache {
    redis: SharedRedis,
}

/// The epoch and generation a lookup saw, for the fill that follows a miss.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    epoch: i64,
    generation: i64,
}

pub enum Lookup<T> {
    Hit(T),
    Miss(Stamp),
    /// Redis unusable: go to the database, and do not fill.
    Unavailable,
}

#[derive(Serialize, Deserialize)]
struct Stored<V> {
    e: i64,
    g: i64,
    v: V,
}

impl Stamp {
    #[cfg(test)]
    pub(super) fn zero() -> Self {
        Self {
            epoch: 0,
            generation: 0,
        }
    }
}

impl RedisCache {
    pub fn new(url: &str, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(100));
        let conn = ConnectionManager::new_lazy_with_config(client, config)?;
        let cache = Self {
            redis: SharedRedis {
                conn,
                breaker: Arc::new(Breaker::default()),
                metrics,
            },
        };
        tokio::spawn(cache.clone().probe());
        Ok(cache)
    }

    pub fn shared(&self) -> SharedRedis {
        self.redis.clone()
    }

    pub fn state(&self) -> RedisState {
        if self.redis.breaker.usable() {
            RedisState::Ok
        } else {
            RedisState::Unavailable
        }
    }

    /// `key`'s entry: the one this request prefetched, if any, else one `MGET`.
    pub async fn get<T: Cacheable>(&self, key: &str) -> Lookup<T> {
        if !self.redis.breaker.usable() {
            return Lookup::Unavailable;
        }
        let fetched = match prefetch::take(key) {
            Some(fetched) => fetched,
            None => match self.fetch(&[key]).await {
                Some(mut found) => found.remove(0),
                None => return Lookup::Unavailable,
            },
        };
        match fetched
            .text
            .and_then(|text| serde_json::from_str::<Stored<T>>(&text).ok())
        {
            Some(stored)
                if stored.e == fetched.stamp.epoch && stored.g == fetched.stamp.generation =>
            {
                Lookup::Hit(stored.v)
            }
            _ => Lookup::Miss(fetched.stamp),
        }
    }

    /// Fetches `keys` in one `MGET` and keeps them for this request's lookups
    /// (`prefetch.rs`).
    pub async fn prefetch(&self, keys: &[String]) {
        if !self.redis.breaker.usable() {
            return;
        }
        let wanted: Vec<&str> = keys.iter().map(String::as_str).collect();
        if let Some(found) = self.fetch(&wanted).await {
            prefetch::keep(keys.iter().cloned().zip(found));
        }
    }

    /// The entries of `keys` and the stamp each is to be judged by, in one atomic
    /// `MGET epoch gen:<k1> v:<k1> gen:<k2> v:<k2> …`; `None` when Redis fails.
    async fn fetch(&self, keys: &[&str]) -> Option<Vec<prefetch::Fetched>> {
        let mut names = Vec::with_capacity(1 + 2 * keys.len());
        names.push(format!("{PREFIX}epoch"));
        for key in keys {
            names.push(format!("{PREFIX}gen:{key}"));
            names.push(format!("{PREFIX}v:{key}"));
        }
        let expected = names.len();
        let mut replies: Vec<redis::Value> = self
            .redis
            .call(|mut c| async move { c.mget(&names).await })
            .await?;
        if replies.len() != expected {
            return None;
        }
        // A counter that is there but not a number is not ours to read as 0: no lookup.
        let int = |v: redis::Value| redis::from_redis_value::<Option<i64>>(v).ok();
        let mut replies = replies.drain(..);
        let epoch = int(replies.next()?)?.unwrap_or(0);
        let fetched_at = std::time::Instant::now();
        let mut found = Vec::with_capacity(keys.len());
        while let (Some(generation), Some(text)) = (replies.next(), replies.next()) {
            found.push(prefetch::Fetched {
                text: redis::from_redis_value::<Option<String>>(text)
                    .ok()
                    .flatten(),
                stamp: Stamp {
                    epoch,
                    generation: int(generation)?.unwrap_or(0),
                },
                fetched_at,
            });
        }
        Some(found)
    }

    /// Stores what the database said, off the request's path.
    pub fn fill<T: Cacheable>(&self, key: &str, value: &T, stamp: Stamp) {
        let Ok(text) = serde_json::to_string(&Stored {
            e: stamp.epoch,
            g: stamp.generation,
            v: value,
        }) else {
            return;
        };
        let redis = self.redis.clone();
        let key = format!("{PREFIX}v:{key}");
        tokio::spawn(async move {
            redis
                .call(|mut c| async move { c.set_ex::<_, _, ()>(key, text, VALUE_TTL_SECS).await })
                .await;
        });
    }

    /// Bumps each key's generation. If Redis cannot be told, the breaker owes a flush
    /// and keeps every lookup on the database until it is paid.
    pub async fn invalidate(&self, keys: &[String]) {
        let mut pipe = redis::pipe();
        for key in keys {
            // Random, not incremented: a counter that expired and restarted could
            // reach a value an old entry was stored under.
            let fresh = (rand::random::<u64>() >> 1).max(1) as i64;
            pipe.set_ex(
                format!("{PREFIX}gen:{key}"),
                fresh,
                GENERATION_TTL_SECS as u64,
            )
            .ignore();
        }
        prefetch::forget(keys);
        let done = self
            .redis
            .call(|mut c| async move { pipe.query_async::<()>(&mut c).await })
            .await;
        if done.is_none() {
            tracing::warn!(
                "a cache invalidation did not reach Redis; the cache will be flushed when Redis answers"
            );
            self.redis.breaker.owe_flush();
        }
    }

    /// Closes the breaker once Redis answers, flushing first if a flush is owed.
    async fn probe(self) {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            let breaker = &self.redis.breaker;
            if breaker.usable() {
                continue;
            }
            let conn = self.redis.conn.clone();
            let owed = breaker.debt();
            let answered = tokio::time::timeout(CALL_TIMEOUT, async move {
                let mut c = conn;
                if owed > 0 {
                    c.incr::<_, _, i64>(format!("{PREFIX}epoch"), 1)
                        .await
                        .map(|_| ())
                } else {
                    redis::cmd("PING")
                        .query_async::<String>(&mut c)
                        .await
                        .map(|_| ())
                }
            })
            .await;
            if let Ok(Ok(())) = answered {
                breaker.close(owed);
                tracing::info!(flushed = owed > 0, "Redis answers again; cache back in use");
            }
        }
    }

    /// A live check for `/health/ready`.
    pub async fn ping(&self) -> bool {
        let conn = self.redis.conn.clone();
        matches!(
            tokio::time::timeout(CALL_TIMEOUT, async move {
                let mut c = conn;
                redis::cmd("PING").query_async::<String>(&mut c).await
            })
            .await,
            Ok(Ok(_))
        )
    }
}
