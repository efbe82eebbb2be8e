//! The machine's CPU spent, from `/proc/stat`: a scenario's cost per delivery that the
//! machine's neighbours do not move. A rate on a shared 2-core VM swings with CPU
//! steal (10–20 % some sessions); the CPU time this machine's own processes took for
//! the same work does not, so an A/B of two binaries compares that.
//!
//! It counts every process on the machine — hookrelay, PostgreSQL, Redis, the
//! receiver — which is what a delivery costs here; the harness's own load generator
//! is idle while a backlog drains.

use std::time::Duration;

/// Busy CPU time of all cores so far (user, nice, system, irq, softirq; not idle,
/// I/O wait or steal).
#[derive(Clone, Copy)]
pub struct CpuClock(u64);

impl CpuClock {
    /// `None` where `/proc/stat` cannot be read (not Linux).
    pub fn now() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        busy_ticks(stat.lines().next()?).map(Self)
    }

    /// Busy CPU time between `self` and now.
    pub fn elapsed(self) -> Option<Duration> {
        let now = Self::now()?;
        // USER_HZ: 100 on every Linux architecture this runs on.
        Some(Duration::from_millis(now.0.saturating_sub(self.0) * 10))
    }

    /// Busy CPU since `started`, in µs per each of `items`; `None` off Linux.
    pub fn micros_per(started: Option<Self>, items: u64) -> Option<f64> {
        let spent = started?.elapsed()?;
        Some(spent.as_secs_f64() * 1e6 / items.max(1) as f64)
    }
}

/// The busy ticks of the `cpu` line of `/proc/stat`.
fn busy_ticks(line: &str) -> Option<u64> {
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let ticks: Vec<u64> = fields.map(|f| f.parse().unwrap_or(0)).collect();
    // user nice system idle iowait irq softirq steal …
    let at = |i: usize| ticks.get(i).copied().unwrap_or(0);
    Some(at(0) + at(1) + at(2) + at(5) + at(6))
}

#[cfg(test)]
mod tests {
    use super::busy_ticks;

    #[test]
    fn busy_time_leaves_out_idle_io_wait_and_steal() {
        let line = "cpu  100 5 30 9000 40 2 3 700 0 0";
        assert_eq!(busy_ticks(line), Some(140));
        assert_eq!(busy_ticks("cpu0 1 2 3 4"), None);
    }
}
