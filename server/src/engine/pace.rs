//! An endpoint's pace, for the depth of its line in `waiting.rs`: a line that
//! outlasts the next claim at the pace the endpoint finishes deliveries, never below
//! the floor a slow or hanging endpoint keeps.

use std::time::{Duration, Instant};

use super::waiting::REFILL_BELOW;

/// The deepest a fast endpoint's line gets.
pub(super) const MAX_DEPTH: usize = 1024;
/// How long a line should last at its endpoint's pace: longer than a claim.
pub(super) const LINE_LASTS: Duration = Duration::from_millis(50);
/// The pace is counted over windows this long.
pub(super) const PACE_WINDOW: Duration = Duration::from_millis(100);
/// An endpoint that finished nothing for this long is forgotten (its depth is the floor).
pub(super) const PACE_FORGOTTEN: Duration = Duration::from_secs(2);

/// An endpoint's recent pace: deliveries finished in the current window, and the line
/// depth the last full window called for.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pace {
    pub(super) since: Instant,
    finished: usize,
    pub(super) depth: usize,
}

impl Pace {
    pub(super) fn new(now: Instant) -> Self {
        Self {
            since: now,
            finished: 0,
            depth: REFILL_BELOW,
        }
    }

    /// One more delivery finished at `now`; at the end of a window, the depth becomes
    /// what the endpoint finished in [`LINE_LASTS`] at that window's pace.
    pub(super) fn finished(&mut self, now: Instant) {
        self.finished += 1;
        let window = now.saturating_duration_since(self.since);
        if window >= PACE_WINDOW {
            let per_line = self.finished as f64 * LINE_LASTS.as_secs_f64() / window.as_secs_f64();
            self.depth = (per_line as usize).clamp(REFILL_BELOW, MAX_DEPTH);
            self.since = now;
            self.finished = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_endpoints_line_deepens_and_a_slow_ones_keeps_the_floor() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        // 1,000 finished in 100 ms (10,000/s): 50 ms of them is 500.
        let mut fast = Pace::new(start);
        for n in 1..=1000 {
            fast.finished(at(n / 10));
        }
        assert_eq!(fast.depth, 500);
        // 100,000/s would be 5,000: capped.
        for n in 1..=10_000 {
            fast.finished(at(100 + n / 100));
        }
        assert_eq!(fast.depth, MAX_DEPTH);
        // Then a hanging endpoint: one attempt ends at its timeout.
        fast.finished(at(30_200));
        assert_eq!(fast.depth, REFILL_BELOW, "back to the floor at once");
        // 200 a second (a fan-out's endpoints) is 10 a line: the floor.
        let mut slow = Pace::new(start);
        for n in 1..=40 {
            slow.finished(at(n * 5));
        }
        assert_eq!(slow.depth, REFILL_BELOW);
    }
}
