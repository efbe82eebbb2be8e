//! The per-API-key rate limit, `HOOKRELAY_RATE_LIMIT` requests per second. Over it, a
//! request gets 429 with `Retry-After`.
//!
//! - With Redis: shared by every process, one counter per key per second
//!   (`INCR` + `EXPIRE` in one round trip); a fixed window, so a key gets at most the
//!   limit per calendar second, twice it across a second's boundary.
//! - Without Redis, or while it is unreachable: a token bucket per key in this process
//!   (governor) at the same rate with bursts of twice that.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};

use crate::cache::SharedRedis;

#[derive(Clone)]
pub struct ApiRateLimiter {
    per_second: u32,
    local: Arc<RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>>,
    redis: Option<SharedRedis>,
}

impl ApiRateLimiter {
    pub fn new(per_second: NonZeroU32, redis: Option<SharedRedis>) -> Self {
        let burst = per_second.saturating_mul(NonZeroU32::new(2).expect("2 is not zero"));
        Self {
            per_second: per_second.get(),
            local: Arc::new(RateLimiter::keyed(
                Quota::per_second(per_second).allow_burst(burst),
            )),
            redis,
        }
    }

    /// `Err(wait)` when `key` (an API key's id) is over its limit.
    pub async fn check(&self, key: &str) -> Result<(), Duration> {
        if let Some(redis) = &self.redis
            && let Some(result) = self.check_shared(redis, key).await
        {
            return result;
        }
        self.local
            .check_key(&key.to_string())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// `None` when Redis could not answer (the caller falls back to this process).
    async fn check_shared(&self, redis: &SharedRedis, key: &str) -> Option<Result<(), Duration>> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let window = format!("hookrelay:rl:{key}:{}", now.as_secs());
        let (count,): (u64,) = redis
            .call(|mut c| async move {
                redis::pipe()
                    .incr(&window, 1)
                    .expire(&window, 2)
                    .ignore()
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Some(if count <= u64::from(self.per_second) {
            Ok(())
        } else {
            Err(Duration::from_secs(1) - Duration::from_nanos(u64::from(now.subsec_nanos())))
        })
    }
}
