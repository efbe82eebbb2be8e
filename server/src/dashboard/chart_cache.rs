//! Endpoint charts, kept up to date incrementally, in this process.
//!
//! The 24 h chart reads every attempt of the endpoint's last day (tens of
//! milliseconds at a million attempts). Instead, each entry holds the hourly counts of
//! the attempts up to a *settled* id — older than [`SETTLE`], so no attempt with a
//! smaller id can still commit — and a page view reads only the attempts after it: the
//! ones settled since (added to the entry) and the last few seconds (added to this
//! view only). The chart is as exact as reading everything, at the cost of two small
//! range reads.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use crate::store::HourlyStat;

/// Attempts are written in batches that commit within this: ids older than it are
/// final.
pub const SETTLE: Duration = Duration::from_secs(10);

/// (tenant id, endpoint id).
type Key = (String, String);

/// Entries kept at most (the oldest half is dropped beyond it).
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone)]
pub struct Settled {
    /// The largest attempt id counted in `hours` (or the window's lower id bound).
    pub upto: String,
    pub hours: Vec<HourlyStat>,
}

#[derive(Default)]
pub struct ChartCache {
    entries: Mutex<HashMap<Key, Settled>>,
}

impl ChartCache {
    pub fn get(&self, key: &Key) -> Option<Settled> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).cloned()
    }

    pub fn put(&self, key: Key, settled: Settled) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let drop: Vec<Key> = entries.keys().take(MAX_ENTRIES / 2).cloned().collect();
            for k in drop {
                entries.remove(&k);
            }
        }
        entries.insert(key, settled);
    }
}

/// `into` with `more` added hour by hour, hours before `first_hour` dropped, sorted.
pub fn merge(into: &mut Vec<HourlyStat>, more: &[HourlyStat], first_hour: &str) {
    for stat in more {
        match into.iter_mut().find(|s| s.hour == stat.hour) {
            Some(existing) => existing.absorb(stat),
            None => into.push(stat.clone()),
        }
    }
    into.retain(|s| s.hour.as_str() >= first_hour);
    into.sort_by(|a, b| a.hour.cmp(&b.hour));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(hour: &str, succeeded: i64, failed: i64, mean_ms: f64) -> HourlyStat {
        HourlyStat {
            hour: hour.to_string(),
            succeeded,
            failed,
            mean_ms,
        }
    }

    #[test]
    fn merging_adds_counts_weights_means_and_drops_hours_before_the_window() {
        let mut hours = vec![
            stat("2026-11-24T09:00:00Z", 5, 0, 10.0),
            stat("2026-11-24T10:00:00Z", 1, 1, 20.0),
        ];
        merge(
            &mut hours,
            &[
                stat("2026-11-24T11:00:00Z", 1, 0, 5.0),
                stat("2026-11-24T10:00:00Z", 2, 0, 50.0),
            ],
            "2026-11-24T10:00:00Z",
        );
        assert_eq!(
            hours,
            vec![
                // 2 attempts at 20 ms and 2 at 50 ms: 35 ms.
                stat("2026-11-24T10:00:00Z", 3, 1, 35.0),
                stat("2026-11-24T11:00:00Z", 1, 0, 5.0),
            ]
        );
    }
}
