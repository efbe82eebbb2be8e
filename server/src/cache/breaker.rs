//! The Redis breaker. One failed or slow call opens it; while open, nothing waits on
//! Redis (lookups go to the database, invalidations are owed). A prober closes it
//! once Redis answers again, after paying what is owed: if an invalidation could not
//! be delivered (`dirty`), the whole cache is flushed first (see `redis.rs`), so
//! nothing written before or during the outage is served afterwards.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

#[derive(Debug, Default)]
pub struct Breaker {
    open: AtomicBool,
    dirty: AtomicBool,
}

impl Breaker {
    /// May lookups use Redis? Not while open, nor while an invalidation is owed.
    pub fn usable(&self) -> bool {
        !self.open.load(SeqCst) && !self.dirty.load(SeqCst)
    }

    pub fn is_open(&self) -> bool {
        self.open.load(SeqCst)
    }

    pub fn trip(&self) {
        self.open.store(true, SeqCst);
    }

    /// An invalidation did not reach Redis.
    pub fn owe_flush(&self) {
        self.dirty.store(true, SeqCst);
        self.open.store(true, SeqCst);
    }

    pub fn owes_flush(&self) -> bool {
        self.dirty.load(SeqCst)
    }

    /// Redis answered and nothing is owed any more.
    pub fn close(&self, flushed: bool) {
        if flushed {
            self.dirty.store(false, SeqCst);
        }
        if !self.dirty.load(SeqCst) {
            self.open.store(false, SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owed_flush_keeps_lookups_off_redis_until_paid() {
        let b = Breaker::default();
        assert!(b.usable());
        b.owe_flush();
        b.close(false);
        assert!(!b.usable(), "answering is not enough while a flush is owed");
        b.close(true);
        assert!(b.usable());
        b.trip();
        assert!(!b.usable());
        b.close(false);
        assert!(b.usable());
    }
}
