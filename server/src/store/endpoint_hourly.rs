//! An endpoint's attempts per hour (succeeded, failed, mean duration), for the
//! dashboard's 24 h chart: one grouped query on the `(app_id, endpoint_id, id)`
//! index, the time bounds expressed as id bounds (ids are time-sortable).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::{StoreError, TenantScope, id_bound};
use crate::entities::endpoint;

#[derive(Debug, Clone, PartialEq)]
pub struct HourlyStat {
    /// The hour's start, `YYYY-MM-DDTHH:00:00Z`.
    pub hour: String,
    pub succeeded: i64,
    pub failed: i64,
    pub mean_ms: f64,
}

impl HourlyStat {
    /// Adds `other` (the same hour, more attempts) into this one.
    pub fn absorb(&mut self, other: &HourlyStat) {
        let (a, b) = (self.attempts() as f64, other.attempts() as f64);
        if a + b > 0.0 {
            self.mean_ms = (self.mean_ms * a + other.mean_ms * b) / (a + b);
        }
        self.succeeded += other.succeeded;
        self.failed += other.failed;
    }

    fn attempts(&self) -> i64 {
        self.succeeded + self.failed
    }
}

impl TenantScope<'_> {
    /// Attempts since `since`, per hour, oldest first.
    pub async fn endpoint_hourly(
        &self,
        ep: &endpoint::Model,
        since: DateTime<Utc>,
    ) -> Result<Vec<HourlyStat>, StoreError> {
        let after = id_bound("atmpt_", since, false);
        Ok(self.endpoint_hourly_between(ep, &after, None).await?.0)
    }

    /// Attempts with `after < id <= upto` per hour, oldest first, and the largest id
    /// counted (so a caller can continue from it).
    pub async fn endpoint_hourly_between(
        &self,
        ep: &endpoint::Model,
        after: &str,
        upto: Option<&str>,
    ) -> Result<(Vec<HourlyStat>, Option<String>), StoreError> {
        let backend = self.db.get_database_backend();
        let p = |n: usize| match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        };
        // Hours since the epoch, an integer: cheaper to compute and group per row than
        // a formatted string (tens of thousands of rows a day); formatted below.
        let hour = match backend {
            DbBackend::Postgres => "CAST(FLOOR(EXTRACT(EPOCH FROM created_at) / 3600) AS BIGINT)",
            _ => "CAST(strftime('%s', created_at) AS INTEGER) / 3600",
        };
        let mut values: Vec<Value> = vec![
            self.tenant_id.as_str().into(),
            ep.app_id.as_str().into(),
            ep.id.as_str().into(),
            after.into(),
        ];
        let until = match upto {
            Some(upto) => {
                values.push(upto.into());
                format!("AND id <= {}", p(5))
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT {hour} AS hour, \
             CAST(SUM(CASE WHEN status = 0 THEN 1 ELSE 0 END) AS BIGINT) AS succeeded, \
             CAST(SUM(CASE WHEN status = 0 THEN 0 ELSE 1 END) AS BIGINT) AS failed, \
             CAST(AVG(duration_ms) AS DOUBLE PRECISION) AS mean_ms, MAX(id) AS last_id \
             FROM attempt WHERE tenant_id = {} AND app_id = {} AND endpoint_id = {} \
             AND id > {} {until} GROUP BY 1 ORDER BY 1",
            p(1),
            p(2),
            p(3),
            p(4),
        );
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        let mut last: Option<String> = None;
        let mut stats = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("", "last_id")?;
            if last.as_ref().is_none_or(|l| *l < id) {
                last = Some(id);
            }
            stats.push(HourlyStat {
                hour: hour_label(row.try_get("", "hour")?),
                succeeded: row.try_get("", "succeeded")?,
                failed: row.try_get("", "failed")?,
                mean_ms: row.try_get::<Option<f64>>("", "mean_ms")?.unwrap_or(0.0),
            });
        }
        Ok((stats, last))
    }
}

/// `YYYY-MM-DDTHH:00:00Z` for an hour counted from the epoch.
fn hour_label(hours: i64) -> String {
    DateTime::<Utc>::from_timestamp(hours * 3600, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:00:00Z")
        .to_string()
}
