//! Recording attempts, with group commit: a delivery task hands over its attempt and
//! waits; the recorder writes every attempt queued (up to [`MAX_BATCH`]) in one
//! transaction — per attempt: the delivery's next state (conditional on still holding
//! its lease), the attempt row, the endpoint's health and the alerts' state changes —
//! and answers each task once it committed. One fsync serves many attempts.
//!
//! Attempts are written in endpoint order, so concurrent batches lock endpoint rows in
//! the same order and cannot deadlock each other. A failed transaction records none of
//! its attempts: their leases run out and they are attempted again (at least once).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QuerySelect, Statement, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::batcher::Batcher;
use super::record_health::{Healthy, mark_healthy, mark_healthy_many};
use super::{
    AttemptRecord, ClaimedDelivery, FAILING_THRESHOLD, NextStep, StateChangeRecord, Store,
    StoreError,
};
use crate::domain::{AttemptId, DeliveryStatus, StateChangeId};
use crate::entities::{attempt, delivery, endpoint, state_change};

/// Attempts in one transaction at most.
const MAX_BATCH: usize = 128;
/// Recording transactions in flight at once (PostgreSQL). Two, not the accept's
/// four: nobody waits on a recording but the delivery's global slot, and half as many
/// statements for the same attempts left PostgreSQL more of the two cores. Measured
/// A/B on PostgreSQL and Redis in two sittings, when each statement was still planned
/// afresh (it now runs on a cached plan): ingest while delivering +5 to +25 %, CPU per
/// delivery −8 to −14 % draining and −9 to −14 % fanning out (BENCHMARKS.md, "Fewer,
/// bigger recordings").
const TRANSACTIONS: usize = 2;

/// What recording one attempt did (all false when the lease was no longer ours:
/// nothing was written).
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    /// This attempt disabled its endpoint.
    pub disabled: bool,
}

/// One attempt to record.
pub struct Item {
    pub(super) job: ClaimedDelivery,
    pub(super) record: AttemptRecord,
}

/// The recorder's inbox; cheap to clone.
#[derive(Clone)]
pub struct AttemptRecorder {
    batcher: Batcher<Item, Written>,
}

impl AttemptRecorder {
    /// Starts the recorder on the current runtime.
    pub fn spawn(db: DatabaseConnection) -> Self {
        // The one-statement path's own connections (their plans are key lookups);
        // the transaction path runs on the shared pool like every other write.
        let planned = super::recorder_connection(&db, TRANSACTIONS as u32);
        let batcher = Batcher::spawn(
            db,
            "attempt recorder",
            MAX_BATCH,
            TRANSACTIONS,
            move |db, items: Vec<Item>| {
                let planned = planned.clone();
                async move {
                    // Endpoint order (see the module comment); answers in the callers'
                    // order.
                    let mut order: Vec<usize> = (0..items.len()).collect();
                    order.sort_by(|&a, &b| items[a].job.endpoint_id.cmp(&items[b].job.endpoint_id));
                    let sorted: Vec<&Item> = order.iter().map(|&i| &items[i]).collect();
                    let written = commit(&db, &planned, &sorted).await?;
                    let mut answers = vec![Written::default(); items.len()];
                    for (k, &i) in order.iter().enumerate() {
                        answers[i] = written[k];
                    }
                    Ok(answers)
                }
            },
        );
        Self { batcher }
    }
}

impl Store {
    /// Writes the attempt, the delivery's next state and the endpoint's health (in a
    /// transaction shared with concurrent attempts). If this worker lost the lease
    /// meanwhile, nothing is written (the holder of the lease records its own attempt).
    pub async fn record_attempt(
        &self,
        job: &ClaimedDelivery,
        record: AttemptRecord,
    ) -> Result<(), StoreError> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.record_attempt_then(job.clone(), record, move |written| {
            let _ = done.send(written);
        });
        result.await.map_err(|_| {
            StoreError::Db(sea_orm::DbErr::Custom(
                "the attempt recorder stopped".into(),
            ))
        })?
    }

    /// [`record_attempt`](Self::record_attempt) without waiting: `done` runs once the
    /// attempt's transaction is over. The engine records every attempt this way, so a
    /// recording costs no task of its own.
    pub fn record_attempt_then(
        &self,
        job: ClaimedDelivery,
        record: AttemptRecord,
        done: impl FnOnce(Result<(), StoreError>) + Send + 'static,
    ) {
        let (cache, tenant_id, app_id) = (
            self.cache.clone(),
            job.tenant_id.to_string(),
            job.app_id.clone(),
        );
        self.recorder
            .batcher
            .submit_then(Item { job, record }, move |written| match written {
                Ok(written) if written.disabled => {
                    // Fan-out reads `disabled`: new messages must stop going to it at
                    // once. Rare (an endpoint is disabled), so a task of its own.
                    tokio::spawn(async move {
                        let key = crate::cache::keys::fanout(&tenant_id, &app_id);
                        cache.invalidate(&[key]).await;
                        done(Ok(()));
                    });
                }
                written => done(written.map(|_| ())),
            });
    }
}

/// Records `jobs` (sorted by endpoint): on PostgreSQL a batch of nothing but plain
/// successes is one statement on `planned` (`recorder_connection`), anything else a
/// transaction on `db`.
async fn commit(
    db: &DatabaseConnection,
    planned: &DatabaseConnection,
    jobs: &[&Item],
) -> Result<Vec<Written>, StoreError> {
    let now = Utc::now();
    // Nothing but plain successes (the common case) on PostgreSQL: one statement.
    if db.get_database_backend() == DbBackend::Postgres
        && jobs.iter().all(|j| is_plain_success(&j.record))
    {
        super::record_one_statement::plain_successes(jobs, now)
            .execute(planned.get_postgres_connection_pool())
            .await
            .map_err(super::array_rows::db_err)?;
        return Ok(vec![Written::default(); jobs.len()]);
    }
    let txn = db.begin().await?;
    // The common case first, for the whole batch at once: plain successes (their
    // deliveries and attempt rows in one statement each).
    let plain: Vec<usize> = (0..jobs.len())
        .filter(|&i| is_plain_success(&jobs[i].record))
        .collect();
    let owned = finish_successes(&txn, jobs, &plain, now).await?;
    if plain.len() == jobs.len() {
        // Nothing but successes (the common case): every endpoint's health at once.
        let mut healthy: Vec<Healthy> = Vec::new();
        for i in (0..jobs.len()).filter(|i| owned.contains(i)) {
            let h = Healthy {
                job: &jobs[i].job,
                record: &jobs[i].record,
            };
            match healthy.last_mut() {
                Some(prev) if prev.job.endpoint_id == h.job.endpoint_id => *prev = h,
                _ => healthy.push(h),
            }
        }
        for (job, change) in mark_healthy_many(&txn, &healthy, now).await? {
            insert_state_changes(&txn, job, vec![change], now).await?;
        }
        txn.commit().await?;
        return Ok(vec![Written::default(); jobs.len()]);
    }
    // Otherwise endpoint by endpoint (jobs are sorted by endpoint): the health its
    // successes restore, and every other attempt one by one.
    let mut written = vec![Written::default(); jobs.len()];
    let mut start = 0;
    while start < jobs.len() {
        let endpoint = &jobs[start].job.endpoint_id;
        let end = start
            + jobs[start..]
                .iter()
                .take_while(|j| &j.job.endpoint_id == endpoint)
                .count();
        if let Some(&last) = (start..end).rev().find(|i| owned.contains(i)).as_ref() {
            let job = &jobs[last];
            let changes = mark_healthy(&txn, &job.job, &job.record.last(), now).await?;
            insert_state_changes(&txn, &job.job, changes, now).await?;
        }
        for i in start..end {
            if !plain.contains(&i) {
                written[i] = write_attempt(&txn, &jobs[i].job, jobs[i].record.clone(), now).await?;
            }
        }
        start = end;
    }
    txn.commit().await?;
    Ok(written)
}

/// Delivered, and nothing else to say: no state change, nothing to disable.
fn is_plain_success(record: &AttemptRecord) -> bool {
    record.succeeded
        && matches!(record.next, NextStep::Done)
        && record.disable_reason.is_none()
        && record.state_changes.is_empty()
}

/// Marks the `which` deliveries done — each only if its lease is still ours — and
/// writes their attempts. Returns the indices (into `jobs`) that were ours.
async fn finish_successes(
    txn: &DatabaseTransaction,
    jobs: &[&Item],
    which: &[usize],
    now: DateTime<Utc>,
) -> Result<HashSet<usize>, StoreError> {
    if which.is_empty() {
        return Ok(HashSet::new());
    }
    let backend = txn.get_database_backend();
    let leases: Vec<(String, String)> = which
        .iter()
        .map(|&i| (jobs[i].job.id.clone(), jobs[i].job.lease.clone()))
        .collect();
    let (list, mut values) = super::pairs(backend, 2, &leases);
    values.insert(0, now.into());
    let sql = format!(
        "UPDATE delivery SET status = {}, attempt_count = attempt_count + 1, \
         lease_owner = NULL, lease_until = NULL, updated_at = {} \
         WHERE (id, lease_owner) IN (VALUES {list}) RETURNING id",
        DeliveryStatus::Success.as_i16(),
        super::param(backend, 1),
    );
    let done: HashSet<String> = txn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "id"))
        .collect::<Result<_, DbErr>>()?;
    let owned: HashSet<usize> = which
        .iter()
        .copied()
        .filter(|&i| done.contains(&jobs[i].job.id))
        .collect();
    if !owned.is_empty() {
        let rows = owned
            .iter()
            .map(|&i| attempt::ActiveModel::from(attempt_row(&jobs[i].job, &jobs[i].record, now)));
        attempt::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(owned)
}

/// The attempt row recording `record`.
pub(super) fn attempt_row(
    job: &ClaimedDelivery,
    record: &AttemptRecord,
    now: DateTime<Utc>,
) -> attempt::Model {
    attempt::Model {
        id: AttemptId::generate().to_string(),
        tenant_id: job.tenant_id.to_string(),
        app_id: job.app_id.clone(),
        message_id: job.message_id.clone(),
        endpoint_id: job.endpoint_id.clone(),
        delivery_id: job.id.clone(),
        url: record.url.clone(),
        status: if record.succeeded {
            DeliveryStatus::Success
        } else {
            DeliveryStatus::Fail
        }
        .as_i16(),
        trigger: job.trigger,
        attempt_number: job.attempt_count + 1,
        response_status_code: record.response_status_code,
        response_body: record.response_body.clone(),
        error: record.error.clone(),
        duration_ms: record.duration_ms,
        created_at: now,
    }
}

/// One attempt's writes within `txn`.
async fn write_attempt(
    txn: &DatabaseTransaction,
    job: &ClaimedDelivery,
    record: AttemptRecord,
    now: DateTime<Utc>,
) -> Result<Written, StoreError> {
    let (status, next_at) = match record.next {
        NextStep::Done => (DeliveryStatus::Success, None),
        NextStep::RetryAt(at) => (DeliveryStatus::Pending, Some(at)),
        NextStep::GiveUp => (DeliveryStatus::Fail, None),
    };
    let mut update = super::queue::end_lease(status, now)
        .col_expr(
            delivery::Column::AttemptCount,
            Expr::value(job.attempt_count + 1),
        )
        .filter(delivery::Column::Id.eq(job.id.as_str()))
        .filter(delivery::Column::LeaseOwner.eq(job.lease.as_str()));
    if let Some(at) = next_at {
        update = update.col_expr(delivery::Column::NextAttemptAt, Expr::value(at));
    }
    if update.exec(txn).await?.rows_affected == 0 {
        return Ok(Written::default());
    }
    attempt::ActiveModel::from(attempt_row(job, &record, now))
        .insert(txn)
        .await?;
    // The endpoint's health, and the alerts it causes, decided on the row itself
    // (locked by our update until commit), so concurrent attempts to one endpoint
    // report "failing", "recovered" and "disabled" exactly once.
    let last = record.last();
    let mut changes = record.state_changes;
    let scoped = || {
        endpoint::Entity::update_many()
            .filter(endpoint::Column::TenantId.eq(job.tenant_id.as_str()))
            .filter(endpoint::Column::Id.eq(job.endpoint_id.as_str()))
    };
    if record.succeeded {
        changes.extend(mark_healthy(txn, job, &last, now).await?);
    } else {
        scoped()
            .col_expr(
                endpoint::Column::ConsecutiveFailures,
                Expr::col(endpoint::Column::ConsecutiveFailures).add(1),
            )
            // The start of the current failure streak, kept from its first failure.
            .col_expr(
                endpoint::Column::FailingSince,
                Expr::col(endpoint::Column::FailingSince).if_null(now),
            )
            .exec(txn)
            .await?;
        let failures: Option<i32> = endpoint::Entity::find()
            .select_only()
            .column(endpoint::Column::ConsecutiveFailures)
            .filter(endpoint::Column::TenantId.eq(job.tenant_id.as_str()))
            .filter(endpoint::Column::Id.eq(job.endpoint_id.as_str()))
            .into_tuple()
            .one(txn)
            .await?;
        if failures == Some(FAILING_THRESHOLD) {
            changes.push(StateChangeRecord {
                kind: "endpoint.failing",
                detail: serde_json::json!({"consecutiveFailures": FAILING_THRESHOLD, "last": last}),
            });
        }
    }
    let mut disabled = false;
    if let Some(reason) = record.disable_reason {
        let newly = scoped()
            .col_expr(endpoint::Column::Disabled, Expr::value(true))
            .filter(endpoint::Column::Disabled.eq(false))
            .exec(txn)
            .await?
            .rows_affected;
        if newly > 0 {
            disabled = true;
            changes.push(StateChangeRecord {
                kind: "endpoint.disabled",
                detail: serde_json::json!({"reason": reason, "last": last}),
            });
        }
    }
    insert_state_changes(txn, job, changes, now).await?;
    Ok(Written { disabled })
}

/// The alerts' outbox rows for `job`'s endpoint.
async fn insert_state_changes(
    txn: &DatabaseTransaction,
    job: &ClaimedDelivery,
    changes: Vec<StateChangeRecord>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for change in changes {
        state_change::ActiveModel {
            id: Set(StateChangeId::generate().to_string()),
            tenant_id: Set(job.tenant_id.to_string()),
            app_id: Set(job.app_id.clone()),
            endpoint_id: Set(job.endpoint_id.clone()),
            message_id: Set(Some(job.message_id.clone())),
            kind: Set(change.kind.to_string()),
            detail: Set(change.detail.to_string()),
            created_at: Set(now),
            processed_at: Set(None),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
