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
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    Statement, TransactionTrait,
};

use super::batcher::Batcher;
use super::hold::{Claims, still_held_sql};
use super::record_health::{Healthy, mark_healthy, mark_healthy_many};
use super::record_one_by_one::{insert_state_changes, write_attempt};
use super::{AttemptRecord, ClaimedDelivery, NextStep, Store, StoreError};
use crate::domain::{AttemptId, DeliveryStatus};
use crate::entities::attempt;

/// Attempts in one transaction at most. 256, not 128: under a fan-out or a drain the
/// batches were full, the recorder ran behind, and attempts waited for recording
/// seats; twice the rows per statement spread its fixed cost (parse, bind, plan,
/// commit) over twice the attempts. A/B on PostgreSQL: fan-out +14 % (its last
/// delivery's p99 ~300 → 30–110 ms), drain +6 % (BENCHMARKS.md, "Recordings of 256").
/// A lone attempt is not held back: a batch takes what is queued, however few.
const MAX_BATCH: usize = 256;
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
    /// The claims holding the deliveries recorded (`hold.rs`).
    held: Claims,
}

impl AttemptRecorder {
    /// Starts the recorder on the current runtime.
    pub fn spawn(db: DatabaseConnection, held: Claims) -> Self {
        // The one-statement path's own connections (their plans are key lookups);
        // the transaction path runs on the shared pool like every other write.
        let planned = super::recorder_connection(&db, TRANSACTIONS as u32);
        let batcher = Batcher::spawn(db, "attempt recorder", MAX_BATCH, TRANSACTIONS, {
            let held = held.clone();
            move |db, items: Vec<Item>| {
                let planned = planned.clone();
                let held = held.clone();
                async move {
                    // Endpoint order (see the module comment); answers in the callers'
                    // order.
                    let mut order: Vec<usize> = (0..items.len()).collect();
                    order.sort_by(|&a, &b| items[a].job.endpoint_id.cmp(&items[b].job.endpoint_id));
                    let sorted: Vec<&Item> = order.iter().map(|&i| &items[i]).collect();
                    let written = commit(&db, &planned, &held, &sorted).await?;
                    let mut answers = vec![Written::default(); items.len()];
                    for (k, &i) in order.iter().enumerate() {
                        answers[i] = written[k];
                    }
                    Ok(answers)
                }
            }
        });
        Self { batcher, held }
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
        let (held, token, id) = (
            self.recorder.held.clone(),
            job.lease.clone(),
            job.id.clone(),
        );
        self.recorder
            .batcher
            .submit_then(Item { job, record }, move |written| {
                // Recorded, or not and never will be by this claim: either way the
                // delivery is no longer this claim's to hold (a failed transaction
                // leaves it pending, for the next claim once this one is deleted).
                held.ended_one(&token, &id);
                match written {
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
                }
            });
    }
}

/// Records `jobs` (sorted by endpoint): on PostgreSQL a batch of nothing but plain
/// successes is one statement on `planned` (`recorder_connection`), anything else a
/// transaction on `db`.
async fn commit(
    db: &DatabaseConnection,
    planned: &DatabaseConnection,
    held: &Claims,
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
    // Retries and failures leave their claims at once, so a retry is not held back
    // until the rest of its claim is done (`hold.rs`).
    let others: Vec<&ClaimedDelivery> = (0..jobs.len())
        .filter(|i| !plain.contains(i))
        .map(|i| &jobs[i].job)
        .collect();
    super::hold::free_claimed(&txn, held, &others).await?;
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
    // (id, hold token, attempts before) per delivery, checked as `still_held_sql`.
    let mut values: Vec<sea_orm::Value> = vec![now.into()];
    let mut list = Vec::new();
    for &i in which {
        let job = &jobs[i].job;
        let n = values.len() + 1;
        list.push(format!(
            "({}, {}, {})",
            super::param(backend, n),
            super::param(backend, n + 1),
            super::param(backend, n + 2)
        ));
        values.extend([
            job.id.clone().into(),
            job.lease.clone().into(),
            job.attempt_count.into(),
        ]);
    }
    let sql = format!(
        "WITH v (id, lease, attempts) AS (VALUES {list}) \
         UPDATE delivery SET status = {}, attempt_count = attempt_count + 1, \
         lease_owner = NULL, lease_until = NULL, updated_at = {} \
         WHERE id IN (SELECT id FROM v) AND EXISTS (SELECT 1 FROM v WHERE v.id = delivery.id \
         AND {}) RETURNING id",
        DeliveryStatus::Success.as_i16(),
        super::param(backend, 1),
        still_held_sql("delivery.", "v.lease", "v.attempts"),
        list = list.join(", "),
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
