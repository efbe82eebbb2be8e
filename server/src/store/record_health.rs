//! A success's effect on its endpoint: its failure streak ends ("recovered" where
//! one had been reported) and `last_success_at` moves, at most once a second. For one
//! endpoint (`mark_healthy`, beside its failures in a mixed batch), and for a batch of
//! plain successes in two statements whatever the number of endpoints
//! (`mark_healthy_many`; a fan-out batch spans many — SQLite's path: on PostgreSQL
//! such a batch is one statement, `record_one_statement.rs`).
//!
//! Only the endpoints whose row would change are selected and locked — in id order,
//! like every other writer of endpoint rows in a batch (`record.rs`), so concurrent
//! batches cannot deadlock; the rest are not touched, so an endpoint's concurrent
//! deliveries do not queue on its row.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, Statement, sea_query::Expr,
};

use super::{
    AttemptRecord, ClaimedDelivery, FAILING_THRESHOLD, StateChangeRecord, StoreError, pairs, param,
};
use crate::entities::endpoint;

/// One endpoint that had a success in the batch: its last successful job and that
/// attempt's record (the "recovered" alert quotes it).
pub(super) struct Healthy<'a> {
    pub job: &'a ClaimedDelivery,
    pub record: &'a AttemptRecord,
}

/// Marks the endpoints of `healthy` (sorted by endpoint id) healthy; returns the
/// state changes to write, each with the job it belongs to.
pub(super) async fn mark_healthy_many<'a>(
    txn: &DatabaseTransaction,
    healthy: &[Healthy<'a>],
    now: DateTime<Utc>,
) -> Result<Vec<(&'a ClaimedDelivery, StateChangeRecord)>, StoreError> {
    if healthy.is_empty() {
        return Ok(Vec::new());
    }
    let backend = txn.get_database_backend();
    let keys: Vec<(String, String)> = healthy
        .iter()
        .map(|h| (h.job.tenant_id.to_string(), h.job.endpoint_id.clone()))
        .collect();
    let (list, mut values) = pairs(backend, 2, &keys);
    values.insert(0, (now - chrono::Duration::seconds(1)).into());
    // Byte order, the order `record.rs` sorts endpoints in. The weaker lock an
    // UPDATE takes itself: `FOR UPDATE` would also wait for (and deadlock with) the
    // key-share locks that inserting attempts and deliveries take on the endpoint.
    let lock = match backend {
        DbBackend::Postgres => " COLLATE \"C\" FOR NO KEY UPDATE",
        // One writer at a time: nothing to lock against.
        _ => "",
    };
    let sql = format!(
        "SELECT tenant_id, id, consecutive_failures FROM endpoint \
         WHERE (tenant_id, id) IN (VALUES {list}) \
         AND (consecutive_failures <> 0 OR failing_since IS NOT NULL \
              OR last_success_at IS NULL OR last_success_at < {}) \
         ORDER BY id{lock}",
        param(backend, 1)
    );
    let stale = txn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut changed: Vec<(String, String)> = Vec::with_capacity(stale.len());
    let mut changes = Vec::new();
    for row in &stale {
        let key: (String, String) = (row.try_get("", "tenant_id")?, row.try_get("", "id")?);
        let failures: i32 = row.try_get("", "consecutive_failures")?;
        if failures >= FAILING_THRESHOLD
            && let Some(h) = healthy
                .iter()
                .find(|h| h.job.endpoint_id == key.1 && h.job.tenant_id.as_str() == key.0)
        {
            changes.push((
                h.job,
                StateChangeRecord {
                    kind: "endpoint.recovered",
                    detail: serde_json::json!({"last": h.record.last()}),
                },
            ));
        }
        changed.push(key);
    }
    if changed.is_empty() {
        return Ok(changes);
    }
    let (list, mut values) = pairs(backend, 2, &changed);
    values.insert(0, now.into());
    let sql = format!(
        "UPDATE endpoint SET consecutive_failures = 0, failing_since = NULL, \
         last_success_at = {} WHERE (tenant_id, id) IN (VALUES {list})",
        param(backend, 1)
    );
    txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(changes)
}

/// A success's effect on its endpoint: the failure streak ends ("recovered" when it
/// had been reported), `last_success_at` moves.
pub(super) async fn mark_healthy(
    txn: &DatabaseTransaction,
    job: &ClaimedDelivery,
    last: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Vec<StateChangeRecord>, StoreError> {
    let scoped = || {
        endpoint::Entity::update_many()
            .filter(endpoint::Column::TenantId.eq(job.tenant_id.as_str()))
            .filter(endpoint::Column::Id.eq(job.endpoint_id.as_str()))
    };
    let healthy = |update: sea_orm::UpdateMany<endpoint::Entity>| {
        update
            .col_expr(endpoint::Column::ConsecutiveFailures, Expr::value(0))
            .col_expr(endpoint::Column::LastSuccessAt, Expr::value(now))
            .col_expr(
                endpoint::Column::FailingSince,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
    };
    let mut changes = Vec::new();
    // Only the success that ends a reported streak matches this.
    let ended = healthy(scoped())
        .filter(endpoint::Column::ConsecutiveFailures.gte(FAILING_THRESHOLD))
        .exec(txn)
        .await?
        .rows_affected;
    if ended > 0 {
        changes.push(StateChangeRecord {
            kind: "endpoint.recovered",
            detail: serde_json::json!({"last": last}),
        });
    }
    // Every success would otherwise update (and lock until commit) the same endpoint
    // row, serialising an endpoint's concurrent deliveries on it: touch it only when
    // something changes, `last_success_at` at most once a second.
    healthy(scoped())
        .filter(
            Condition::any()
                .add(endpoint::Column::ConsecutiveFailures.ne(0))
                .add(endpoint::Column::FailingSince.is_not_null())
                .add(endpoint::Column::LastSuccessAt.is_null())
                .add(endpoint::Column::LastSuccessAt.lt(now - chrono::Duration::seconds(1))),
        )
        .exec(txn)
        .await?;
    Ok(changes)
}
