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

/// CPU time (user and system) one process has taken so far, from `/proc/<pid>/stat`:
/// what the server itself costs, apart from PostgreSQL, Redis and the harness — the
/// figure a change to hookrelay's own code moves, and less noisy than the machine's.
#[derive(Clone, Copy)]
pub struct ProcessClock {
    pid: u32,
    ticks: u64,
}

impl ProcessClock {
    /// `None` where the process's `/proc` entry cannot be read.
    pub fn now(pid: Option<u32>) -> Option<Self> {
        let pid = pid?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        process_ticks(&stat).map(|ticks| Self { pid, ticks })
    }

    /// The process's CPU since `started`, in µs per each of `items`.
    pub fn micros_per(started: Option<Self>, items: u64) -> Option<f64> {
        let started = started?;
        let now = Self::now(Some(started.pid))?;
        let spent = now.ticks.saturating_sub(started.ticks) * 10_000;
        Some(spent as f64 / items.max(1) as f64)
    }
}

/// utime + stime of a `/proc/<pid>/stat` line. The command name (field 2) is in
/// parentheses and may hold spaces, so fields are counted after its closing one.
fn process_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // Fields 3.. follow the name: utime and stime are the 14th and 15th of the line.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
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
    use super::{busy_ticks, process_ticks};

    #[test]
    fn busy_time_leaves_out_idle_io_wait_and_steal() {
        let line = "cpu  100 5 30 9000 40 2 3 700 0 0";
        assert_eq!(busy_ticks(line), Some(140));
        assert_eq!(busy_ticks("cpu0 1 2 3 4"), None);
    }

    #[test]
    fn a_process_cpu_is_its_user_and_system_time() {
        // pid (comm with a space) state ppid pgrp session tty tpgid flags minflt
        // cminflt majflt cmajflt utime stime …
        let line = "42 (tokio rt) S 1 42 42 0 -1 4194560 10 0 0 0 250 31 0 0 20 0";
        assert_eq!(process_ticks(line), Some(281));
        assert_eq!(process_ticks("42 (x) S 1"), None);
    }
}
