//! Group commit for `POST /msg`: concurrent accepts share one transaction.
//!
//! A handler hands its message and delivery rows to the committer and waits; the
//! committer takes everything queued (up to [`MAX_BATCH`] messages), writes it with
//! one multi-row `INSERT` per table and one `NOTIFY`, commits, and only then answers
//! each waiting handler. **A 202 still means committed**: no handler is answered before
//! the transaction holding its rows is durable, and a failed transaction fails every
//! request in it (each client sees an error and may retry; nothing is half-written).
//!
//! While [`CONCURRENT`] batches are committing, new requests queue up, so the batch
//! size grows with the load by itself: one fsync serves many requests. A duplicate
//! `eventId` only skips its own row (`ON CONFLICT DO NOTHING … RETURNING id`), so one
//! request's 409 never fails its neighbours.

use std::{collections::HashSet, sync::Arc};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityName, TransactionTrait,
    sea_query::{Expr, OnConflict, Query, SimpleExpr},
};
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::{StoreError, messages::notify_workers};
use crate::entities::{delivery, message};

/// Messages in one transaction at most.
const MAX_BATCH: usize = 256;
/// Delivery rows per statement (13 parameters each: under both databases' limits).
const DELIVERY_CHUNK: usize = 1_000;

/// A message and its deliveries, ready to write.
pub struct Rows {
    pub message: message::Model,
    pub deliveries: Vec<delivery::Model>,
}

struct Job {
    rows: Rows,
    /// `true` once committed; `false` when its eventId was taken.
    reply: oneshot::Sender<Result<bool, String>>,
}

/// The committer's inbox; cheap to clone.
#[derive(Clone)]
pub struct GroupCommit {
    tx: mpsc::UnboundedSender<Job>,
}

impl GroupCommit {
    /// Starts the committer on the current runtime.
    pub fn spawn(db: DatabaseConnection) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        // SQLite has one writer: concurrent transactions would only queue for its lock.
        let concurrent = match db.get_database_backend() {
            DbBackend::Sqlite => 1,
            _ => 4,
        };
        tokio::spawn(run(db, rx, concurrent));
        Self { tx }
    }

    /// Writes `rows` in the next batch; `Ok(true)` once committed, `Ok(false)` when
    /// the message's eventId is taken (nothing was written for it).
    pub async fn write(&self, rows: Rows) -> Result<bool, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Db(DbErr::Custom("the message committer stopped".into()));
        self.tx.send(Job { rows, reply }).map_err(|_| stopped())?;
        answer
            .await
            .map_err(|_| stopped())?
            .map_err(|e| StoreError::Db(DbErr::Custom(format!("group commit failed: {e}"))))
    }
}

async fn run(db: DatabaseConnection, mut rx: mpsc::UnboundedReceiver<Job>, concurrent: usize) {
    let slots = Arc::new(Semaphore::new(concurrent));
    while let Some(first) = rx.recv().await {
        // Wait for a free transaction *before* collecting: while all are busy,
        // requests pile up and the next batch takes them all.
        let permit = slots.clone().acquire_owned().await.expect("never closed");
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let db = db.clone();
        tokio::spawn(async move {
            let result = commit(&db, &jobs).await.map_err(|e| e.to_string());
            for job in jobs {
                let answer = match &result {
                    Ok(inserted) => Ok(inserted.contains(&job.rows.message.id)),
                    Err(e) => Err(e.clone()),
                };
                let _ = job.reply.send(answer);
            }
            drop(permit);
        });
    }
}

/// One transaction: the messages (skipping taken eventIds), the deliveries of those
/// written, the wake-up. Returns the ids of the messages written.
async fn commit(db: &DatabaseConnection, jobs: &[Job]) -> Result<HashSet<String>, DbErr> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let mut insert = Query::insert()
        .into_table(message::Entity.table_ref())
        .columns([
            message::Column::Id,
            message::Column::TenantId,
            message::Column::AppId,
            message::Column::EventType,
            message::Column::EventId,
            message::Column::Channels,
            message::Column::Tags,
            message::Column::Payload,
            message::Column::CreatedAt,
        ])
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .returning_col(message::Column::Id)
        .to_owned();
    for job in jobs {
        let m = &job.rows.message;
        insert.values_panic([
            val(m.id.clone()),
            val(m.tenant_id.clone()),
            val(m.app_id.clone()),
            val(m.event_type.clone()),
            val(m.event_id.clone()),
            val(m.channels.clone()),
            val(m.tags.clone()),
            val(m.payload.clone()),
            val(m.created_at),
        ]);
    }
    let mut written = HashSet::with_capacity(jobs.len());
    for row in txn.query_all_raw(backend.build(&insert)).await? {
        written.insert(row.try_get::<String>("", "id")?);
    }
    let deliveries: Vec<&delivery::Model> = jobs
        .iter()
        .filter(|j| written.contains(&j.rows.message.id))
        .flat_map(|j| j.rows.deliveries.iter())
        .collect();
    for chunk in deliveries.chunks(DELIVERY_CHUNK) {
        let mut insert = Query::insert()
            .into_table(delivery::Entity.table_ref())
            .columns([
                delivery::Column::Id,
                delivery::Column::TenantId,
                delivery::Column::AppId,
                delivery::Column::MessageId,
                delivery::Column::EndpointId,
                delivery::Column::Status,
                delivery::Column::Trigger,
                delivery::Column::AttemptCount,
                delivery::Column::NextAttemptAt,
                delivery::Column::LeaseOwner,
                delivery::Column::LeaseUntil,
                delivery::Column::CreatedAt,
                delivery::Column::UpdatedAt,
            ])
            .to_owned();
        for d in chunk {
            insert.values_panic([
                val(d.id.clone()),
                val(d.tenant_id.clone()),
                val(d.app_id.clone()),
                val(d.message_id.clone()),
                val(d.endpoint_id.clone()),
                val(d.status),
                val(d.trigger),
                val(d.attempt_count),
                val(d.next_attempt_at),
                val(d.lease_owner.clone()),
                val(d.lease_until),
                val(d.created_at),
                val(d.updated_at),
            ]);
        }
        txn.execute_raw(backend.build(&insert)).await?;
    }
    if !deliveries.is_empty() {
        notify_workers(&txn)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
    }
    txn.commit().await?;
    Ok(written)
}

fn val(v: impl Into<sea_orm::Value>) -> SimpleExpr {
    Expr::val(v)
}
