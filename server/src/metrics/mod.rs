//! Process metrics for `GET /metrics` (Prometheus text format 0.0.4): plain atomics
//! updated on the hot paths (no lock, no allocation), rendered on scrape. Queue depth
//! is read from the database at scrape time, since the queue is shared by every
//! process.

mod histogram;
mod render;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

pub use histogram::Histogram;
pub use render::render;

/// What became of one attempt, for `hookrelay_attempts_total{outcome}`.
#[derive(Debug, Clone, Copy)]
pub enum AttemptOutcome {
    /// 2xx: delivered.
    Delivered,
    /// Failed; another attempt is scheduled.
    Retrying,
    /// Failed and no attempt follows (retries exhausted, 410, manual attempt).
    Failed,
}

#[derive(Debug)]
pub struct Metrics {
    delivered: AtomicU64,
    retrying: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicI64,
    /// From a message's acceptance to its successful delivery.
    pub delivery_latency: Histogram,
    /// One HTTP attempt, request to response.
    pub attempt_duration: Histogram,
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
    pub redis_errors: AtomicU64,
    /// Deliveries this engine started straight from their accept (hand-off)…
    pub started_at_accept: AtomicU64,
    /// … and from a claim of the queue (retries, backlog, endpoints that had no room).
    pub started_from_queue: AtomicU64,
    /// Claims of the queue this engine made (each one statement or two).
    pub claims: AtomicU64,
    /// Endpoint contexts the hand-off took from memory (`store/context_cache.rs`)…
    pub endpoint_contexts_kept: AtomicU64,
    /// … and read from the database.
    pub endpoint_contexts_read: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            delivered: AtomicU64::new(0),
            retrying: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            in_flight: AtomicI64::new(0),
            delivery_latency: Histogram::new(),
            attempt_duration: Histogram::new(),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            redis_errors: AtomicU64::new(0),
            started_at_accept: AtomicU64::new(0),
            started_from_queue: AtomicU64::new(0),
            claims: AtomicU64::new(0),
            endpoint_contexts_kept: AtomicU64::new(0),
            endpoint_contexts_read: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub fn attempt(&self, outcome: AttemptOutcome) {
        match outcome {
            AttemptOutcome::Delivered => &self.delivered,
            AttemptOutcome::Retrying => &self.retrying,
            AttemptOutcome::Failed => &self.failed,
        }
        .fetch_add(1, Relaxed);
    }

    /// Counts an attempt in flight until the guard drops.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(&self.in_flight)
    }
}

pub struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}
