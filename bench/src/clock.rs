//! One monotonic clock for the whole harness: the load generator stamps payloads with
//! it and the receiver, in the same process, reads it on arrival.

use std::{sync::OnceLock, time::Instant};

static EPOCH: OnceLock<Instant> = OnceLock::new();

pub fn start() {
    EPOCH.get_or_init(Instant::now);
}

/// Microseconds since the harness started.
pub fn micros_now() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as u64
}
