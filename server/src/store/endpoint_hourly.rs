//! An endpoint's attempts per hour (succeeded, failed, mean duration), for the
//! dashboard's 24 h chart: one grouped query on the `(app_id, endpoint_id, id)`
//! index, the time bound expressed as an id bound (ids are time-sortable).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

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

impl TenantScope<'_> {
    pub async fn endpoint_hourly(
        &self,
        ep: &endpoint::Model,
        since: DateTime<Utc>,
    ) -> Result<Vec<HourlyStat>, StoreError> {
        let backend = self.db.get_database_backend();
        // Hours since the epoch, an integer: cheaper to compute and group per row than
        // a formatted string (tens of thousands of rows a day); formatted below.
        let (hour, p) = match backend {
            DbBackend::Postgres => (
                "CAST(FLOOR(EXTRACT(EPOCH FROM created_at) / 3600) AS BIGINT)",
                ["$1", "$2", "$3", "$4"],
            ),
            _ => (
                "CAST(strftime('%s', created_at) AS INTEGER) / 3600",
                ["?1", "?2", "?3", "?4"],
            ),
        };
        let sql = format!(
            "SELECT {hour} AS hour, \
             CAST(SUM(CASE WHEN status = 0 THEN 1 ELSE 0 END) AS BIGINT) AS succeeded, \
             CAST(SUM(CASE WHEN status = 0 THEN 0 ELSE 1 END) AS BIGINT) AS failed, \
             CAST(AVG(duration_ms) AS DOUBLE PRECISION) AS mean_ms \
             FROM attempt WHERE tenant_id = {} AND app_id = {} AND endpoint_id = {} AND id >= {} \
             GROUP BY 1 ORDER BY 1",
            p[0], p[1], p[2], p[3]
        );
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [
                    self.tenant_id.as_str().into(),
                    ep.app_id.as_str().into(),
                    ep.id.as_str().into(),
                    id_bound("atmpt_", since, false).into(),
                ],
            ))
            .await?;
        rows.iter()
            .map(|row| {
                Ok(HourlyStat {
                    hour: hour_label(row.try_get("", "hour")?),
                    succeeded: row.try_get("", "succeeded")?,
                    failed: row.try_get("", "failed")?,
                    mean_ms: row.try_get::<Option<f64>>("", "mean_ms")?.unwrap_or(0.0),
                })
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(StoreError::from)
    }
}

/// `YYYY-MM-DDTHH:00:00Z` for an hour counted from the epoch.
fn hour_label(hours: i64) -> String {
    DateTime::<Utc>::from_timestamp(hours * 3600, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:00:00Z")
        .to_string()
}
