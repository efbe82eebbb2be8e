//! The Redis breaker. One failed or slow call opens it; while open, nothing waits on
//! Redis (lookups go to the database, invalidations are owed). A prober closes it
//! once Redis answers again, after paying what is owed: if an invalidation could not
//! be delivered, the whole cache is flushed first (see `redis.rs`), so nothing
//! written before or during the outage is served afterwards.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};

#[derive(Debug, Default)]
pub struct Breaker {
    open: AtomicBool,
    /// Invalidations that did not reach Redis since the last flush. A counter, not a
    /// flag: one missed while a flush is in progress is not paid by that flush.
    debt: AtomicU64,
}

impl Breaker {
    /// May lookups use Redis? Not while open, nor while an invalidation is owed.
    pub fn usable(&self) -> bool {
        !self.open.load(SeqCst) && self.debt.load(SeqCst) == 0
    }

    pub fn is_open(&self) -> bool {
        self.open.load(SeqCst)
    }

    pub fn trip(&self) {
        self.open.store(true, SeqCst);
    }

    /// An invalidation did not reach Redis.
    pub fn owe_flush(&self) {
        self.debt.fetch_add(1, SeqCst);
        self.open.store(true, SeqCst);
    }

    /// What is owed now; pass it to [`close`](Self::close) after flushing.
    pub fn debt(&self) -> u64 {
        self.debt.load(SeqCst)
    }

    /// Redis answered, after a flush that paid `paid` (read before flushing). A debt
    /// that grew meanwhile keeps the breaker open for the next flush.
    pub fn close(&self, paid: u64) {
        if paid > 0 {
            let _ = self.debt.compare_exchange(paid, 0, SeqCst, SeqCst);
        }
        if self.debt.load(SeqCst) == 0 {
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
        b.close(0);
        assert!(!b.usable(), "answering is not enough while a flush is owed");
        let paid = b.debt();
        b.owe_flush(); // missed while the flush was running
        b.close(paid);
        assert!(!b.usable(), "the newer debt is still owed");
        b.close(b.debt());
        assert!(b.usable());
        b.trip();
        assert!(!b.usable());
        b.close(0);
        assert!(b.usable());
    }
}
