//! The endpoint page's 24 h chart: hourly attempt counts, from the chart cache
//! brought up to date (`chart_cache.rs`), as the page's 24 buckets.

use chrono::{Duration, Utc};
use frontend::backend::{FieldError, Session};

use super::backend::{DashboardBackend, store_error};
use crate::{
    domain::AttemptId,
    entities::endpoint,
    store::{HourlyStat, id_bound},
};

/// The start of the hour 23 hours before this one: the chart's first bucket.
fn day_start() -> chrono::DateTime<Utc> {
    use chrono::{DurationRound, TimeDelta};
    Utc::now()
        .duration_trunc(TimeDelta::hours(1))
        .unwrap_or_else(|_| Utc::now())
        - Duration::hours(23)
}

/// 24 hourly buckets, oldest first, empty hours included.
pub(super) fn hourly_buckets(
    stats: &[crate::store::HourlyStat],
) -> Vec<frontend::backend::HourBucket> {
    let start = day_start();
    (0..24)
        .map(|i| {
            let hour = start + Duration::hours(i);
            let key = hour.format("%Y-%m-%dT%H:00:00Z").to_string();
            let stat = stats.iter().find(|s| s.hour == key);
            frontend::backend::HourBucket {
                label: hour.format("%H:00").to_string(),
                succeeded: stat.map_or(0, |s| s.succeeded),
                failed: stat.map_or(0, |s| s.failed),
                mean_ms: stat.map_or(0, |s| s.mean_ms.round() as i64),
            }
        })
        .collect()
}

impl DashboardBackend {
    /// The endpoint's hourly attempts since `day_start()`: the settled part from the
    /// chart cache, brought up to date, plus the last few seconds.
    pub(super) async fn hourly(
        &self,
        session: &Session,
        ep: &endpoint::Model,
    ) -> Result<Vec<HourlyStat>, FieldError> {
        use super::chart_cache::{SETTLE, Settled, merge};
        let key = (session.tenant.clone(), ep.id.clone());
        let start = day_start();
        let first_hour = start.format("%Y-%m-%dT%H:00:00Z").to_string();
        let window_start = id_bound(AttemptId::PREFIX, start, false);
        let mut settled = self
            .charts
            .get(&key)
            .filter(|s| s.upto >= window_start)
            .unwrap_or(Settled {
                upto: window_start,
                hours: Vec::new(),
            });
        let settle_at = Utc::now() - Duration::from_std(SETTLE).unwrap_or_default();
        let settled_bound = id_bound(AttemptId::PREFIX, settle_at, true);
        let tenant = Self::tenant(session);
        let scope = self.store.tenant(&tenant);
        let (newly, last) = scope
            .endpoint_hourly_between(ep, &settled.upto, Some(&settled_bound))
            .await
            .map_err(store_error)?;
        merge(&mut settled.hours, &newly, &first_hour);
        if let Some(last) = last {
            settled.upto = last;
        }
        let (recent, _) = scope
            .endpoint_hourly_between(ep, &settled.upto, None)
            .await
            .map_err(store_error)?;
        let mut hours = settled.hours.clone();
        merge(&mut hours, &recent, &first_hour);
        self.charts.put(key, settled);
        Ok(hours)
    }
}
