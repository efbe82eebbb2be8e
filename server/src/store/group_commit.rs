//! Group commit for `POST /msg`: concurrent accepts share one transaction.
//!
//! A handler hands its message and delivery rows to the committer (`batcher.rs`) and
//! waits; a batch (up to [`MAX_BATCH`] messages) is written with one multi-row
//! `INSERT` per table and one wake-up — on PostgreSQL all of it in one statement
//! ([`one_statement`]) — and each handler is answered only once it committed. **A 202 still means committed**, and a failed transaction fails every
//! request in it (each client sees an error and may retry; nothing is half-written).
//! A duplicate
//! `eventId` only skips its own row (`ON CONFLICT DO NOTHING … RETURNING id`), so one
//! request's 409 never fails its neighbours.

use std::{collections::HashSet, sync::LazyLock};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityName, TransactionTrait, Value,
    sea_query::{Alias, Expr, OnConflict, Query},
    sqlx::Row,
};

use super::{
    StoreError,
    array_rows::{self, PgQuery},
    batcher::Batcher,
    messages::notify_workers,
    quoted,
};
use crate::{
    domain::DeliveryStatus,
    entities::{delivery, message},
};

/// Messages in one transaction at most.
const MAX_BATCH: usize = 256;
/// Accept transactions in flight at once (PostgreSQL): a message arriving while
/// they are all running waits for one to finish, which is its accept latency.
const TRANSACTIONS: usize = 4;
/// Delivery rows per statement (13 parameters each: under both databases' limits).
const DELIVERY_CHUNK: usize = 1_000;
/// Delivery rows in PostgreSQL's one-statement batch at most (as many as its
/// parameters allowed before they went as JSON).
const ONE_STATEMENT_DELIVERIES: usize = 5_000;
/// Payload bytes in PostgreSQL's one-statement batch at most.
const ONE_STATEMENT_PAYLOAD_BYTES: usize = 64 << 20;

/// A message and its deliveries, ready to write.
pub struct Rows {
    pub message: message::Model,
    pub deliveries: Vec<delivery::Model>,
}

impl Rows {
    /// The endpoints of the pending deliveries, which wake the workers of other
    /// processes (`NOTIFY`); none when every one was handed to this process's engine.
    pub fn queued(&self) -> impl Iterator<Item = &str> {
        self.deliveries
            .iter()
            .filter(|d| d.status == DeliveryStatus::Pending.as_i16())
            .map(|d| d.endpoint_id.as_str())
    }
}

/// The committer's inbox; cheap to clone.
#[derive(Clone)]
pub struct GroupCommit {
    batcher: Batcher<Rows, bool>,
}

impl GroupCommit {
    /// Starts the committer on the current runtime.
    pub fn spawn(db: DatabaseConnection) -> Self {
        let batcher = Batcher::spawn(
            db,
            "message committer",
            MAX_BATCH,
            TRANSACTIONS,
            |db, jobs| async move {
                let written = commit(&db, &jobs).await?;
                Ok(jobs
                    .iter()
                    .map(|rows| written.contains(&rows.message.id))
                    .collect())
            },
        );
        Self { batcher }
    }

    /// Writes `rows` in the next batch; `Ok(true)` once committed, `Ok(false)` when
    /// the message's eventId is taken (nothing was written for it).
    pub async fn write(&self, rows: Rows) -> Result<bool, StoreError> {
        self.batcher.submit(rows).await
    }
}

/// One transaction: the messages (skipping taken eventIds), the deliveries of those
/// written, the wake-up. Returns the ids of the messages written.
async fn commit(db: &DatabaseConnection, jobs: &[Rows]) -> Result<HashSet<String>, DbErr> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres
        && let Some(statement) = one_statement(jobs)
    {
        let mut written = HashSet::with_capacity(jobs.len());
        let rows = statement
            .fetch_all(db.get_postgres_connection_pool())
            .await
            .map_err(array_rows::db_err)?;
        for row in rows {
            written.insert(row.try_get::<String, _>("id").map_err(array_rows::db_err)?);
        }
        return Ok(written);
    }
    let txn = db.begin().await?;
    let mut insert = Query::insert()
        .into_table(message::Entity.table_ref())
        .columns(array_rows::names(&MESSAGE_COLUMNS).map(Alias::new))
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .returning_col(message::Column::Id)
        .to_owned();
    for job in jobs {
        insert.values_panic(message_values(&job.message).map(Expr::val));
    }
    let mut written = HashSet::with_capacity(jobs.len());
    for row in txn.query_all_raw(backend.build(&insert)).await? {
        written.insert(row.try_get::<String>("", "id")?);
    }
    let deliveries: Vec<&delivery::Model> = jobs
        .iter()
        .filter(|j| written.contains(&j.message.id))
        .flat_map(|j| j.deliveries.iter())
        .collect();
    for chunk in deliveries.chunks(DELIVERY_CHUNK) {
        let mut insert = Query::insert()
            .into_table(delivery::Entity.table_ref())
            .columns(array_rows::names(&DELIVERY_COLUMNS).map(Alias::new))
            .to_owned();
        for d in chunk {
            insert.values_panic(delivery_values(d).map(Expr::val));
        }
        txn.execute_raw(backend.build(&insert)).await?;
    }
    // One NOTIFY per transaction, and none when nothing waits for a claim.
    if jobs
        .iter()
        .any(|j| j.queued().next().is_some() && written.contains(&j.message.id))
    {
        notify_workers(&txn)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
    }
    txn.commit().await?;
    Ok(written)
}

/// The message table's columns, with their SQL types (for the one-statement path's
/// arrays: `array_rows.rs`).
const MESSAGE_COLUMNS: [(&str, &str); 9] = [
    ("id", "text"),
    ("tenant_id", "text"),
    ("app_id", "text"),
    ("event_type", "text"),
    ("event_id", "text"),
    ("channels", "text"),
    ("tags", "text"),
    ("payload", "text"),
    ("created_at", "timestamptz"),
];
const DELIVERY_COLUMNS: [(&str, &str); 13] = [
    ("id", "text"),
    ("tenant_id", "text"),
    ("app_id", "text"),
    ("message_id", "text"),
    ("endpoint_id", "text"),
    ("status", "int2"),
    ("trigger", "int2"),
    ("attempt_count", "int4"),
    ("next_attempt_at", "timestamptz"),
    ("lease_owner", "text"),
    ("lease_until", "timestamptz"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
];

/// PostgreSQL: the whole batch as **one statement committed on its own** — the
/// messages' `INSERT … ON CONFLICT DO NOTHING RETURNING id` and the deliveries of
/// those written, as data-modifying CTEs, and the wake-up as `pg_notify` on each
/// message written (PostgreSQL delivers identical notifications of one transaction
/// once, and only after it commits). One round trip instead of `BEGIN`, two
/// `INSERT`s, `NOTIFY` and `COMMIT`; just as atomic (a statement outside a
/// transaction is one). When only some messages need the wake-up, a batch where
/// only the others were written still wakes the workers: a claim that finds nothing
/// costs less than the round trips saved. The rows go as one array parameter per
/// column (`array_rows.rs`), so the statement has one text (two: with or without the
/// wake-up) whatever the batch holds. `None` for a batch of more than
/// [`ONE_STATEMENT_DELIVERIES`] deliveries (a wide fan-out) or
/// [`ONE_STATEMENT_PAYLOAD_BYTES`] of payloads, written by the transaction instead of
/// as parameters of tens of megabytes.
fn one_statement(jobs: &[Rows]) -> Option<PgQuery> {
    let deliveries: usize = jobs.iter().map(|j| j.deliveries.len()).sum();
    let payload_bytes: usize = jobs
        .iter()
        .map(|j| j.message.payload.as_ref().map_or(0, String::len))
        .sum();
    if deliveries > ONE_STATEMENT_DELIVERIES || payload_bytes > ONE_STATEMENT_PAYLOAD_BYTES {
        return None;
    }
    let wakes = jobs.iter().any(|j| j.queued().next().is_some());
    let sql: &'static str = if wakes {
        WITH_WAKE_UP.as_str()
    } else {
        WITHOUT_WAKE_UP.as_str()
    };
    let query = array_rows::bind(
        sea_orm::sqlx::query(sql),
        &MESSAGE_COLUMNS,
        jobs.iter().map(|j| message_values(&j.message)),
    );
    let query = array_rows::bind(
        query,
        &DELIVERY_COLUMNS,
        jobs.iter()
            .flat_map(|j| j.deliveries.iter().map(delivery_values)),
    );
    Some(if wakes {
        // The payload names the endpoints (`engine/wake.rs`), as a parameter.
        query.bind(crate::engine::wake::payload(
            jobs.iter().flat_map(Rows::queued),
        ))
    } else {
        query
    })
}

static WITH_WAKE_UP: LazyLock<String> = LazyLock::new(|| one_statement_sql(true));
static WITHOUT_WAKE_UP: LazyLock<String> = LazyLock::new(|| one_statement_sql(false));

/// The text of [`one_statement`]: the messages' columns are parameters `$1…`, the
/// deliveries' follow, then (`wake`) the wake-up's payload.
fn one_statement_sql(wake: bool) -> String {
    let message_columns = quoted(&array_rows::names(&MESSAGE_COLUMNS));
    let delivery_columns = quoted(&array_rows::names(&DELIVERY_COLUMNS));
    let mut sql = format!(
        "WITH m AS (INSERT INTO message ({message_columns}) \
         SELECT {message_columns} FROM {} \
         ON CONFLICT DO NOTHING RETURNING id), \
         d AS (INSERT INTO delivery ({delivery_columns}) \
         SELECT {delivery_columns} FROM {} \
         WHERE v.message_id IN (SELECT id FROM m))",
        array_rows::unnest(1, "r", &MESSAGE_COLUMNS),
        array_rows::unnest(1 + MESSAGE_COLUMNS.len(), "v", &DELIVERY_COLUMNS),
    );
    if wake {
        // `::text`: the void result of `pg_notify` as a column any driver decodes.
        sql.push_str(&format!(
            " SELECT id, pg_notify('{}', ${}::text)::text AS woken FROM m",
            crate::engine::wakeups::CHANNEL,
            1 + MESSAGE_COLUMNS.len() + DELIVERY_COLUMNS.len(),
        ));
    } else {
        sql.push_str(" SELECT id FROM m");
    }
    sql
}

/// A message row's values, in [`MESSAGE_COLUMNS`] order (both write paths).
fn message_values(m: &message::Model) -> [Value; 9] {
    [
        m.id.clone().into(),
        m.tenant_id.clone().into(),
        m.app_id.clone().into(),
        m.event_type.clone().into(),
        m.event_id.clone().into(),
        m.channels.clone().into(),
        m.tags.clone().into(),
        m.payload.clone().into(),
        m.created_at.into(),
    ]
}

/// A delivery row's values, in [`DELIVERY_COLUMNS`] order (both write paths).
fn delivery_values(d: &delivery::Model) -> [Value; 13] {
    [
        d.id.clone().into(),
        d.tenant_id.clone().into(),
        d.app_id.clone().into(),
        d.message_id.clone().into(),
        d.endpoint_id.clone().into(),
        d.status.into(),
        d.trigger.into(),
        d.attempt_count.into(),
        d.next_attempt_at.into(),
        d.lease_owner.clone().into(),
        d.lease_until.into(),
        d.created_at.into(),
        d.updated_at.into(),
    ]
}
