//! PostgreSQL: a batch of plain successes recorded as **one statement committed on its
//! own** — the deliveries' outcomes (each only if its lease is still ours), the attempt
//! rows of those, their endpoints' health and the "recovered" alerts it ends in — as
//! data-modifying CTEs, the way `group_commit.rs` writes an accept. One round trip
//! instead of `BEGIN`, the outcome `UPDATE`, the attempts' `INSERT`, the health
//! `SELECT` (and its `UPDATE` once a second) and `COMMIT`; just as atomic.
//!
//! Same decisions as the transaction (`record.rs`, `record_health.rs`): only the
//! endpoints whose row would change are locked (`FOR NO KEY UPDATE`, in byte order
//! of their ids, like every other writer of endpoint rows in a batch), and the
//! "recovered" alert is decided on the locked row, so it is written exactly once.

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, Statement, Value};

use super::{FAILING_THRESHOLD, MAX_PARAMETERS, placeholders, quoted, record::Item};
use crate::domain::{DeliveryStatus, StateChangeId};

/// Columns of the statement's `VALUES` list, one row per attempt: its position in
/// the batch (the last success of an endpoint speaks for it in an alert), the lease
/// it must still hold, the alert it would write, then the attempt row.
const COLUMNS: [&str; 19] = [
    "n",
    "lease",
    "change_id",
    "change_detail",
    "id",
    "tenant_id",
    "app_id",
    "message_id",
    "endpoint_id",
    "delivery_id",
    "url",
    "status",
    "trigger",
    "attempt_number",
    "response_status_code",
    "response_body",
    "error",
    "duration_ms",
    "created_at",
];
/// The attempt table's columns: the tail of [`COLUMNS`].
const ATTEMPT_COLUMNS: &[&str] = COLUMNS.split_at(4).1;

/// The statement recording `jobs` (plain successes, sorted by endpoint), or `None`
/// when it would take more parameters than a statement does.
pub(super) fn plain_successes(jobs: &[&Item], now: DateTime<Utc>) -> Option<Statement> {
    if jobs.len() * COLUMNS.len() + 2 > MAX_PARAMETERS {
        return None;
    }
    let mut values: Vec<Value> = vec![now.into(), (now - chrono::Duration::seconds(1)).into()];
    let rows: Vec<String> = jobs
        .iter()
        .enumerate()
        .map(|(n, item)| placeholders(&mut values, row(n, item, now)))
        .collect();
    let columns = quoted(&COLUMNS);
    let attempt_columns = quoted(ATTEMPT_COLUMNS);
    let sql = format!(
        "WITH v ({columns}) AS (VALUES {rows}), \
         done AS (UPDATE delivery d SET status = {success}, \
             attempt_count = d.attempt_count + 1, lease_owner = NULL, lease_until = NULL, \
             updated_at = $1 \
             FROM v WHERE d.id = v.delivery_id AND d.lease_owner = v.lease RETURNING d.id), \
         a AS (INSERT INTO attempt ({attempt_columns}) \
             SELECT {attempt_columns} FROM v WHERE v.delivery_id IN (SELECT id FROM done)), \
         last AS (SELECT DISTINCT ON (tenant_id, endpoint_id) * FROM v \
             WHERE v.delivery_id IN (SELECT id FROM done) \
             ORDER BY tenant_id, endpoint_id, n DESC), \
         stale AS (SELECT e.tenant_id, e.id, e.consecutive_failures FROM endpoint e \
             WHERE (e.tenant_id, e.id) IN (SELECT tenant_id, endpoint_id FROM last) \
             AND (e.consecutive_failures <> 0 OR e.failing_since IS NOT NULL \
                  OR e.last_success_at IS NULL OR e.last_success_at < $2) \
             ORDER BY e.id COLLATE \"C\" FOR NO KEY UPDATE), \
         h AS (UPDATE endpoint e SET consecutive_failures = 0, failing_since = NULL, \
             last_success_at = $1 FROM stale s WHERE e.tenant_id = s.tenant_id AND e.id = s.id), \
         r AS (INSERT INTO state_change (id, tenant_id, app_id, endpoint_id, message_id, \
                 kind, detail, created_at, processed_at) \
             SELECT l.change_id, l.tenant_id, l.app_id, l.endpoint_id, l.message_id, \
                 'endpoint.recovered', l.change_detail, $1, NULL \
             FROM last l JOIN stale s ON s.tenant_id = l.tenant_id AND s.id = l.endpoint_id \
             WHERE s.consecutive_failures >= {FAILING_THRESHOLD}) \
         SELECT id FROM done",
        rows = rows.join(", "),
        success = DeliveryStatus::Success.as_i16(),
    );
    Some(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        values,
    ))
}

/// One attempt's values, in [`COLUMNS`] order.
fn row(n: usize, item: &Item, now: DateTime<Utc>) -> [Value; 19] {
    let attempt = super::record::attempt_row(&item.job, &item.record, now);
    let detail = serde_json::json!({"last": item.record.last}).to_string();
    [
        (n as i32).into(),
        item.job.lease.clone().into(),
        StateChangeId::generate().to_string().into(),
        detail.into(),
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
