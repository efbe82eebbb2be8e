//! The per-API-key rate limit: a token bucket per key (governor), refilled at
//! `HOOKRELAY_RATE_LIMIT` requests per second with bursts of twice that. Over it, a
//! request gets 429 with `Retry-After`. Per process for now; the Redis issue shares it
//! across processes.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};

#[derive(Clone)]
pub struct ApiRateLimiter(Arc<RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>>);

impl ApiRateLimiter {
    pub fn new(per_second: NonZeroU32) -> Self {
        let burst = per_second.saturating_mul(NonZeroU32::new(2).expect("2 is not zero"));
        Self(Arc::new(RateLimiter::keyed(
            Quota::per_second(per_second).allow_burst(burst),
        )))
    }

    /// `Err(wait)` when `key` is over its limit.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.0
            .check_key(&key.to_string())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}
