//! The per-tenant message rate, `HOOKRELAY_TENANT_MESSAGE_RATE` messages per second
//! across all of a tenant's API keys and (with Redis) every process: what keeps one
//! tenant's flood from taking the machine its neighbours share.
//!
//! A message over the rate is **paced, not refused**: it waits for its turn (a GCRA
//! slot) for up to [`MAX_WAIT`], then goes in. Only a message that would wait longer
//! gets 429 with `Retry-After`, so a burst a producer sends at once is smoothed into
//! the rate instead of bounced, and a flood is held to the rate without the CPU of
//! answering it thousands of 429s a second. The wait is a sleeping future: it costs
//! no CPU and no database connection.
//!
//! - With Redis: one GCRA state per tenant in Redis, reserved by a Lua script that
//!   reads Redis's own clock (`TIME`), so every process paces against the same slots.
//! - Without Redis, or while it is unreachable: the same GCRA in this process.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::{cache::SharedRedis, domain::TenantId};

/// The longest a message waits for its turn before it is refused with 429.
pub const MAX_WAIT: Duration = Duration::from_secs(1);

/// Redis's GCRA: `KEYS[1]` holds the tenant's theoretical arrival time (µs since the
/// epoch, Redis's clock). Returns `{1, wait_µs}` for a reserved slot, `{0, retry_µs}`
/// for a refusal (nothing reserved).
const RESERVE_LUA: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local start = tat - burst
if start < now then start = now end
local wait = start - now
if wait > max_wait then return {0, wait - max_wait} end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return {1, wait}
";

#[derive(Clone)]
pub struct TenantPacer {
    /// One message's share of a second.
    interval: Duration,
    /// How far ahead of the rate a tenant may be without waiting: a tenth of a
    /// second's messages (at least one).
    burst: Duration,
    local: Arc<Mutex<HashMap<TenantId, Instant>>>,
    redis: Option<SharedRedis>,
}

impl TenantPacer {
    pub fn new(per_second: NonZeroU32, redis: Option<SharedRedis>) -> Self {
        let interval = Duration::from_secs(1) / per_second.get();
        Self {
            interval,
            burst: interval * (per_second.get() / 10).max(1),
            local: Arc::default(),
            redis,
        }
    }

    /// Waits for `tenant`'s next slot; `Err(retry_after)` when that is more than
    /// [`MAX_WAIT`] away (no slot is taken then).
    pub async fn admit(&self, tenant: &TenantId) -> Result<(), Duration> {
        let wait = self.reserve(tenant).await?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    async fn reserve(&self, tenant: &TenantId) -> Result<Duration, Duration> {
        if let Some(redis) = &self.redis
            && let Some(result) = self.reserve_shared(redis, tenant).await
        {
            return result;
        }
        self.reserve_local(tenant, Instant::now())
    }

    /// `None` when Redis could not answer (the caller paces in this process).
    async fn reserve_shared(
        &self,
        redis: &SharedRedis,
        tenant: &TenantId,
    ) -> Option<Result<Duration, Duration>> {
        let key = format!("hookrelay:pace:{tenant}");
        let micros = |d: Duration| d.as_micros() as u64;
        let (interval, burst, max_wait) =
            (micros(self.interval), micros(self.burst), micros(MAX_WAIT));
        let (admitted, us): (u8, u64) = redis
            .call(|mut c| async move {
                redis::cmd("EVAL")
                    .arg(RESERVE_LUA)
                    .arg(1)
                    .arg(&key)
                    .arg(interval)
                    .arg(burst)
                    .arg(max_wait)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        let duration = Duration::from_micros(us);
        Some(if admitted == 1 {
            Ok(duration)
        } else {
            Err(duration)
        })
    }

    fn reserve_local(&self, tenant: &TenantId, now: Instant) -> Result<Duration, Duration> {
        let mut slots = self.local.lock().expect("pacer lock");
        // Tenants that have been quiet for a while need no state: their next message
        // starts afresh.
        if slots.len() > 10_000 {
            slots.retain(|_, tat| *tat > now);
        }
        let tat = slots.get(tenant).copied().unwrap_or(now).max(now);
        let start = tat.checked_sub(self.burst).unwrap_or(now).max(now);
        let wait = start - now;
        if wait > MAX_WAIT {
            return Err(wait - MAX_WAIT);
        }
        slots.insert(tenant.clone(), tat + self.interval);
        Ok(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(rate: u32) -> TenantPacer {
        TenantPacer::new(NonZeroU32::new(rate).unwrap(), None)
    }

    #[test]
    fn a_burst_goes_in_at_once_then_each_message_waits_one_interval_more() {
        let p = pacer(100); // 10 ms apart, 10 ahead of the rate
        let t = TenantId::generate();
        let now = Instant::now();
        let waits: Vec<_> = (0..13).map(|_| p.reserve_local(&t, now).unwrap()).collect();
        assert!(waits[..11].iter().all(Duration::is_zero), "{waits:?}");
        assert_eq!(waits[11], Duration::from_millis(10));
        assert_eq!(waits[12], Duration::from_millis(20));
    }

    #[test]
    fn past_the_longest_wait_a_message_is_refused_and_takes_no_slot() {
        let p = pacer(10); // 100 ms apart, a burst of 1
        let t = TenantId::generate();
        let now = Instant::now();
        // 2 at once, then 10 more each 100 ms later: the 12th would wait 1.1 s.
        for _ in 0..12 {
            p.reserve_local(&t, now).unwrap();
        }
        let refused = p.reserve_local(&t, now).unwrap_err();
        assert_eq!(refused, Duration::from_millis(100));
        // The refusal reserved nothing: the same answer again.
        assert_eq!(p.reserve_local(&t, now).unwrap_err(), refused);
        // A second later, ten slots have passed: the next waits 100 ms again.
        let later = now + Duration::from_secs(1);
        assert_eq!(
            p.reserve_local(&t, later).unwrap(),
            Duration::from_millis(100)
        );
    }

    #[test]
    fn tenants_are_paced_apart() {
        let p = pacer(10);
        let (a, b) = (TenantId::generate(), TenantId::generate());
        let now = Instant::now();
        while p.reserve_local(&a, now).is_ok() {}
        assert_eq!(p.reserve_local(&b, now), Ok(Duration::ZERO));
    }
}
