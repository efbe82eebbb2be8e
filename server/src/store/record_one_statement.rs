//! PostgreSQL: a batch of plain successes recorded as **one statement committed on its
//! own** — the deliveries' outcomes (each only if its claim or lease still holds it,
//! `hold.rs`), the attempt
//! rows of those, their endpoints' health and the "recovered" alerts it ends in — as
//! data-modifying CTEs, the way `group_commit.rs` writes an accept. One round trip
//! instead of `BEGIN`, the outcome `UPDATE`, the attempts' `INSERT`, the health
//! `SELECT` (and its `UPDATE` once a second) and `COMMIT`; just as atomic. Its rows
//! are one array parameter per column, so its text never changes and each of the
//! recorder's connections plans it once (`array_rows.rs`,
//! `connect.rs::recorder_connection`).
//!
//! Same decisions as the transaction (`record.rs`, `record_health.rs`): only the
//! endpoints whose row would change are locked (`FOR NO KEY UPDATE`, in byte order
//! of their ids, like every other writer of endpoint rows in a batch), and the
//! "recovered" alert is decided on the locked row, so it is written exactly once.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sea_orm::Value;

use super::{
    FAILING_THRESHOLD,
    array_rows::{self, PgQuery},
    quoted,
    record::Item,
};
use crate::domain::{AttemptId, DeliveryStatus, StateChangeId};

/// Columns of the statement's rows, one per attempt, with their SQL types: its
/// position in the batch (the last success of an endpoint speaks for it in an alert),
/// the lease it must still hold, then the attempt row. The rare "recovered" alert is
/// made in the statement from the attempt that speaks for it: its id shares the
/// attempt id's ULID (one alert per attempt at most, so it is unique), its detail is
/// that attempt's outcome — rather than an id and a JSON text made for every row.
const COLUMNS: [(&str, &str); 17] = [
    ("n", "int4"),
    ("lease", "text"),
    ("id", "text"),
    ("tenant_id", "text"),
    ("app_id", "text"),
    ("message_id", "text"),
    ("endpoint_id", "text"),
    ("delivery_id", "text"),
    ("url", "text"),
    ("status", "int2"),
    ("trigger", "int2"),
    ("attempt_number", "int4"),
    ("response_status_code", "int4"),
    ("response_body", "text"),
    ("error", "text"),
    ("duration_ms", "int8"),
    ("created_at", "timestamptz"),
];

/// The statement recording `jobs` (plain successes, sorted by endpoint). Its rows go
/// as one array parameter per column (`array_rows.rs`), so it has one text whatever
/// the batch and runs on one cached plan: the recorder's connections (`connect.rs`,
/// [`recorder_connection`](super::recorder_connection)) make that plan one of
/// primary-key lookups.
pub(super) fn plain_successes(jobs: &[&Item], now: DateTime<Utc>) -> PgQuery {
    let query = sea_orm::sqlx::query(SQL.as_str())
        .bind(now)
        .bind(now - chrono::Duration::seconds(1));
    array_rows::bind(
        query,
        &COLUMNS,
        jobs.iter().enumerate().map(|(n, item)| row(n, item, now)),
    )
}

/// How many parameters [`plain_successes_sql`] takes: two times, then one array per
/// column of its rows.
pub const PLAIN_SUCCESSES_PARAMETERS: usize = 2 + COLUMNS.len();

static SQL: LazyLock<String> = LazyLock::new(plain_successes_sql);

/// The text of [`plain_successes`]'s statement. Its parameters: `$1` now
/// (timestamptz), `$2` a second before (timestamptz), `$3…` the rows' columns
/// (arrays).
pub fn plain_successes_sql() -> String {
    let names = array_rows::names(&COLUMNS);
    let attempt_columns = quoted(names.split_at(2).1);
    // `done` returns its rows' values, so the attempts and the endpoints' last
    // successes are read from it rather than joined back to it, and `stale` carries
    // the alert's values (on these connections a join of two CTEs is a nested loop).
    // `(… = …) IS TRUE`: the tenant is checked as a filter, not as an index condition,
    // so the endpoint is found by its primary key — on an empty database, where the
    // plan is made, every index of `endpoint` costs the same and the planner could
    // take one that walks a tenant's endpoints.
    format!(
        "WITH done AS (UPDATE delivery d SET status = {success}, \
             attempt_count = d.attempt_count + 1, lease_owner = NULL, lease_until = NULL, \
             updated_at = $1 \
             FROM {recordset} WHERE d.id = v.delivery_id AND {held} \
             RETURNING v.*), \
         a AS (INSERT INTO attempt ({attempt_columns}) SELECT {attempt_columns} FROM done), \
         last AS (SELECT DISTINCT ON (tenant_id, endpoint_id) * FROM done \
             ORDER BY tenant_id, endpoint_id, n DESC), \
         stale AS (SELECT e.tenant_id, e.id, e.consecutive_failures, l.app_id, \
                 l.message_id, l.id AS attempt_id, l.response_status_code, l.error, l.url \
             FROM last l JOIN endpoint e ON e.id = l.endpoint_id \
             WHERE (e.tenant_id = l.tenant_id) IS TRUE \
             AND (e.consecutive_failures <> 0 OR e.failing_since IS NOT NULL \
                  OR e.last_success_at IS NULL OR e.last_success_at < $2) \
             ORDER BY e.id COLLATE \"C\" FOR NO KEY UPDATE OF e), \
         h AS (UPDATE endpoint e SET consecutive_failures = 0, failing_since = NULL, \
             last_success_at = $1 FROM stale s \
             WHERE e.id = s.id AND (e.tenant_id = s.tenant_id) IS TRUE), \
         r AS (INSERT INTO state_change (id, tenant_id, app_id, endpoint_id, message_id, \
                 kind, detail, created_at, processed_at) \
             SELECT '{change}' || substr(attempt_id, {ulid_from}), tenant_id, app_id, id, \
                 message_id, 'endpoint.recovered', json_build_object('last', \
                     json_build_object('statusCode', response_status_code, \
                         'error', error, 'url', url))::text, $1, NULL \
             FROM stale WHERE consecutive_failures >= {FAILING_THRESHOLD}) \
         SELECT delivery_id AS id FROM done",
        recordset = array_rows::unnest(3, "v", &COLUMNS),
        held = super::hold::still_held_sql("d.", "v.lease", "v.attempt_number - 1"),
        success = DeliveryStatus::Success.as_i16(),
        change = StateChangeId::PREFIX,
        ulid_from = AttemptId::PREFIX.len() + 1,
    )
}

/// One attempt's values, in [`COLUMNS`] order. Which row speaks for its endpoint in an
/// alert is decided in the statement, among the rows whose lease still held (`done`),
/// so each row carries what the alert is made of: its own attempt.
fn row(n: usize, item: &Item, now: DateTime<Utc>) -> [Value; 17] {
    let attempt = super::record::attempt_row(&item.job, &item.record, now);
    [
        (n as i32).into(),
        item.job.lease.clone().into(),
        attempt.id.into(),
        attempt.tenant_id.into(),
        attempt.app_id.into(),
        attempt.message_id.into(),
        attempt.endpoint_id.into(),
        attempt.delivery_id.into(),
        attempt.url.into(),
        attempt.status.into(),
        attempt.trigger.into(),
        attempt.attempt_number.into(),
        attempt.response_status_code.into(),
        attempt.response_body.into(),
        attempt.error.into(),
        attempt.duration_ms.into(),
        attempt.created_at.into(),
    ]
}
