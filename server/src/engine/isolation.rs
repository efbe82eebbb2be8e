//! Isolation between endpoints: at most [`PER_ENDPOINT_CONCURRENCY`] deliveries to one
//! endpoint at a time in this process (so a slow endpoint holds a few slots, never all
//! of them), and the endpoint's `throttleRate` (messages per second) as a token bucket.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::Duration,
};

use governor::{
    DefaultDirectRateLimiter, Quota,
    clock::{Clock, DefaultClock},
};

use crate::entities::endpoint;

/// Deliveries in flight to one endpoint at once, per process.
/// 16 keeps one fast endpoint's pipeline full (see BENCHMARKS.md) while a hanging
/// endpoint holds at most 16 of the process's 1,024 slots (`HOOKRELAY_MAX_IN_FLIGHT`).
pub const PER_ENDPOINT_CONCURRENCY: usize = 16;

/// Per endpoint: the rate its bucket was made for, and the bucket.
type Buckets = HashMap<String, (i32, Arc<DefaultDirectRateLimiter>)>;

#[derive(Clone, Default)]
pub struct Isolation {
    in_flight: Arc<Mutex<HashMap<String, usize>>>,
    buckets: Arc<Mutex<Buckets>>,
}

/// Holds one of an endpoint's slots; gives it back when dropped.
pub struct EndpointSlot {
    endpoint_id: String,
    in_flight: Arc<Mutex<HashMap<String, usize>>>,
}

impl EndpointSlot {
    pub fn endpoint_id(&self) -> &str {
        &self.endpoint_id
    }
}

impl Drop for EndpointSlot {
    fn drop(&mut self) {
        let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.endpoint_id) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.endpoint_id);
            }
        }
    }
}

impl Isolation {
    /// Endpoints at their cap: the next claim leaves their deliveries alone.
    pub fn busy_endpoints(&self) -> Vec<String> {
        let map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .filter(|(_, n)| **n >= PER_ENDPOINT_CONCURRENCY)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Whether `endpoint_id` has fewer requests in flight than its cap right now.
    pub fn has_room(&self, endpoint_id: &str) -> bool {
        let map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        map.get(endpoint_id)
            .is_none_or(|n| *n < PER_ENDPOINT_CONCURRENCY)
    }

    /// Whether a delivery to `endpoint_id` is in flight in this process.
    pub fn is_running(&self, endpoint_id: &str) -> bool {
        let map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        map.contains_key(endpoint_id)
    }

    /// Takes a slot of the endpoint, or `None` when it is at its cap.
    pub fn enter(&self, endpoint_id: &str) -> Option<EndpointSlot> {
        let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(endpoint_id.to_string()).or_insert(0);
        if *n >= PER_ENDPOINT_CONCURRENCY {
            return None;
        }
        *n += 1;
        Some(EndpointSlot {
            endpoint_id: endpoint_id.to_string(),
            in_flight: self.in_flight.clone(),
        })
    }

    /// `Err(wait)` when the endpoint is over its `throttleRate`.
    pub fn throttle(&self, ep: &endpoint::Model) -> Result<(), Duration> {
        let Some(rate) = ep.throttle_rate.filter(|r| *r > 0) else {
            return Ok(());
        };
        let limiter = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            let entry = buckets
                .entry(ep.id.clone())
                .or_insert_with(|| (rate, Arc::new(bucket(rate))));
            if entry.0 != rate {
                *entry = (rate, Arc::new(bucket(rate)));
            }
            entry.1.clone()
        };
        limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

fn bucket(per_second: i32) -> DefaultDirectRateLimiter {
    let rate = NonZeroU32::new(per_second as u32).unwrap_or(NonZeroU32::MIN);
    // A burst of one second's worth, like Svix's throttle.
    governor::RateLimiter::direct(Quota::per_second(rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_gets_at_most_its_cap_of_slots() {
        let isolation = Isolation::default();
        let slots: Vec<_> = (0..PER_ENDPOINT_CONCURRENCY)
            .map(|_| isolation.enter("ep_a").unwrap())
            .collect();
        assert!(isolation.enter("ep_a").is_none());
        assert!(
            isolation.enter("ep_b").is_some(),
            "other endpoints are not affected"
        );
        assert_eq!(isolation.busy_endpoints(), vec!["ep_a".to_string()]);
        drop(slots);
        assert!(isolation.busy_endpoints().is_empty());
        assert!(isolation.enter("ep_a").is_some());
    }
}
