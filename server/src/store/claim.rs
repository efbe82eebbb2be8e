//! Claiming due deliveries, fairly across tenants.
//!
//! **A claim writes one row, not one per delivery** (`hold.rs`): a `delivery_claim`
//! row per claim statement lists the ids it took, and every pick leaves out the ids of
//! live claims. The delivery rows stay pending until their outcome is recorded; a
//! lease on the row (`status = 3`) cost an `UPDATE` of each (BENCHMARKS.md, "The
//! drain's floor"). Claims are serialized: on PostgreSQL each takes one advisory
//! transaction lock ([`CLAIM_LOCK`]) before its picks, so a pick sees every claim
//! committed before it — which `FOR UPDATE SKIP LOCKED` used to do, at the price of a
//! row lock (a page write) per delivery; on SQLite the claim's first statement takes
//! the write lock (one process owns the file). The claim transaction first deletes
//! claims that expired or whose worker is done with them.
//!
//! One claim runs up to three picks:
//!
//! 1. **expired leases** (a crashed or stalled worker's handed-off rows, still leased
//!    on the row), leased again, so they are retried even while the queue is busy;
//!    an expired *claim* needs no pass: once deleted, its rows are pending like any;
//! 2. **fair pass**: at most `per_tenant` of each tenant's earliest due rows, walking
//!    the pending rows' `(tenant_id, next_attempt_at)` index once per tenant, so a tenant
//!    that floods the queue takes a bounded share of every claim and a quiet tenant's
//!    message is claimed by the next claim, not after the flood;
//! 3. **fill pass**: when a tenant had more than its share and slots are left, the
//!    earliest due rows of anyone, so a single busy tenant still gets full throughput.
//!
//! Endpoints at their concurrency cap (`busy`) are skipped by every pass. When there
//! are some, passes 2 and 3 are one statement that asks every other endpoint for its
//! earliest due rows (`idx_delivery_endpoint_pending`) and ranks them as the two passes
//! would: walking a tenant's rows in due order and filtering the busy endpoints out
//! would read the whole backlog of a busy endpoint on every claim — the very endpoint
//! that has one, being at its cap.
//!
//! Statuses are literals in the SQL (`status = 1` pending, `status = 3` sending): the
//! indexes the passes walk are partial (`WHERE status = 1`, `WHERE status = 3`: they
//! hold only the queue, not every delivery ever made), and a planner matches a
//! partial index only against a literal.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TransactionTrait, Value};

use super::{ClaimedDelivery, Store, StoreError};
use crate::domain::{EndpointId, TenantId};

/// The advisory lock every claim transaction takes on PostgreSQL ("hookclai").
pub const CLAIM_LOCK: i64 = 0x686f_6f6b_636c_6169;

const COLUMNS: &str = "id, tenant_id, app_id, message_id, endpoint_id, attempt_count, \"trigger\"";

/// A claim's token, times and the rows it may take.
struct Claim<'a> {
    token: &'a str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    /// `AND endpoint_id NOT IN (…)`, empty when no endpoint is busy.
    not_busy: &'a str,
}

impl Store {
    /// Claims up to `limit` due deliveries (pending and due, and, when
    /// `rescue_expired`, sending with an expired lease) for `worker` until
    /// `now + lease`, each with what its attempt reads (`context.rs`).
    ///
    /// The engine asks for expired leases about once a second rather than in every
    /// claim: leases expire only when a worker died or stalled, and on PostgreSQL that
    /// pass reads every row version its index still holds for rows leased and since
    /// finished.
    pub async fn claim_deliveries(
        &self,
        worker: &str,
        lease: Duration,
        limit: u64,
        busy_endpoints: &[String],
        rescue_expired: bool,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let now = Utc::now();
        // A token per claim, not per worker: the same process claiming the row again
        // after a claim ran out holds a different token.
        let token = format!("{worker}.{}", ulid::Ulid::generate());
        let busy = busy_list(busy_endpoints);
        let not_busy = busy
            .as_ref()
            .map(|ids| format!("AND endpoint_id NOT IN ({ids})"))
            .unwrap_or_default();
        let claim = Claim {
            token: &token,
            now,
            until: now + lease,
            not_busy: &not_busy,
        };
        let mut claimed = if rescue_expired {
            self.lease_expired(&claim, limit).await?
        } else {
            Vec::new()
        };
        let left = limit.saturating_sub(claimed.len() as u64);
        if left > 0 {
            claimed.extend(self.claim_due(&claim, left, busy.as_deref()).await?);
        }
        self.load_contexts(&mut claimed).await?;
        Ok(claimed)
    }

    /// Leases rows whose lease ran out (a handed-off delivery whose worker died) to
    /// this claim's token, on the row as before.
    async fn lease_expired(
        &self,
        claim: &Claim<'_>,
        limit: u64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let db = self.claim_connection();
        let backend = db.get_database_backend();
        let pick = expired_pick(backend, claim.not_busy, limit);
        let values: Vec<Value> = vec![
            claim.token.to_string().into(),
            claim.until.into(),
            claim.now.into(),
        ];
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                lease_sql(backend, &pick),
                values,
            ))
            .await?;
        claimed_rows(&rows, claim.token)
    }

    /// The fair and fill passes (or the one pass around busy endpoints), each holding
    /// what it picks with a claim row, in one transaction that first deletes the
    /// claims that are over.
    async fn claim_due(
        &self,
        claim: &Claim<'_>,
        limit: u64,
        busy: Option<&str>,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let txn = self.claim_connection().begin().await?;
        let backend = txn.get_database_backend();
        if backend == DbBackend::Postgres {
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CLAIM_LOCK})"))
                .await?;
        }
        // Taken now: if this claim fails, the finished claims it would have deleted
        // stay until they expire. Their ids are recorded or freed, but for those of a
        // recording transaction that failed, which wait until then.
        let finished = self.held.take_finished();
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            super::hold::sweep_sql(backend),
            [
                claim.now.into(),
                super::json_text::to_text(&finished).into(),
            ],
        ))
        .await?;
        // A quarter of a claim each: a flood takes at most that of the fair pass.
        let per_tenant = (limit / 4).max(1);
        let mut opened: Vec<(String, Vec<ClaimedDelivery>)> = Vec::new();
        let (pick, pass) = match busy {
            Some(busy) => (around_busy_pick(backend, busy, limit, per_tenant), "b"),
            None => (fair_pick(backend, limit, per_tenant), "f"),
        };
        let token = format!("{}.{pass}", claim.token);
        let first = hold_rows(&txn, &token, claim, &pick).await?;
        let left = limit.saturating_sub(first.len() as u64);
        let fill = busy.is_none() && left > 0 && tenants_at_share(&first, per_tenant);
        opened.push((token, first));
        if fill {
            let token = format!("{}.e", claim.token);
            let rows = hold_rows(&txn, &token, claim, &earliest_pick(backend, left)).await?;
            opened.push((token, rows));
        }
        txn.commit().await?;
        let mut claimed = Vec::new();
        for (token, rows) in opened {
            self.held.opened(&token, rows.iter().map(|r| r.id.clone()));
            claimed.extend(rows);
        }
        Ok(claimed)
    }
}

/// Holds the rows `pick` selects with a claim row of `token`, and returns them.
async fn hold_rows(
    txn: &sea_orm::DatabaseTransaction,
    token: &str,
    claim: &Claim<'_>,
    pick: &str,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let backend = txn.get_database_backend();
    let values = || -> Vec<Value> {
        vec![
            token.to_string().into(),
            claim.until.into(),
            claim.now.into(),
        ]
    };
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            hold_sql(backend, pick),
            values(),
        ))
        .await?;
    let claimed = claimed_rows(&rows, token)?;
    if backend != DbBackend::Postgres && !claimed.is_empty() {
        // SQLite has no data-modifying CTE: the claim row is a statement of its own.
        let ids: Vec<&str> = claimed.iter().map(|c| c.id.as_str()).collect();
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO delivery_claim (token, held_until, ids) VALUES (?1, ?2, ?3)",
            [
                token.to_string().into(),
                claim.until.into(),
                super::json_text::to_text(&ids).into(),
            ],
        ))
        .await?;
    }
    Ok(claimed)
}

fn claimed_rows(rows: &[QueryResult], token: &str) -> Result<Vec<ClaimedDelivery>, StoreError> {
    rows.iter()
        .map(|row| {
            Ok(ClaimedDelivery {
                id: row.try_get("", "id")?,
                tenant_id: TenantId(row.try_get("", "tenant_id")?),
                app_id: row.try_get("", "app_id")?,
                message_id: row.try_get("", "message_id")?,
                endpoint_id: row.try_get("", "endpoint_id")?,
                attempt_count: row.try_get("", "attempt_count")?,
                trigger: row.try_get("", "trigger")?,
                lease: token.to_string(),
                context: None,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(StoreError::from)
}

/// The statement that returns the rows `pick` selects and, on PostgreSQL, holds them
/// with a claim row (parameters 1–3: token, until, now; `pick` reads now as 3).
///
/// On PostgreSQL the picked ids are handed over as one array (`id = ANY(ARRAY(…))`)
/// and looked up on the primary key. Written `id IN (…)`, the planner joins the pick
/// to the table, and once a pick is large beside the table (1,024 rows of 100,000) it
/// chooses a hash join over a sequential scan of every delivery — estimated cheaper,
/// measured twice as slow (`EXPLAIN ANALYZE`: 60 ms against 28 for a fill pass of
/// 768); the array costs less per row at every claim size (`bench/sql/claim_lab.sql`).
pub fn hold_sql(backend: DbBackend, pick: &str) -> String {
    match backend {
        DbBackend::Postgres => format!(
            "WITH picked AS (SELECT {COLUMNS} FROM delivery WHERE id = ANY(ARRAY({pick}))), \
             held AS (INSERT INTO delivery_claim (token, held_until, ids) \
                 SELECT $1, $2, array_agg(id) FROM picked HAVING count(*) > 0) \
             SELECT {COLUMNS} FROM picked"
        ),
        // SQLite looks each id of an `IN` list up on the primary key; `hold_rows` writes
        // the claim row. Parameters 1 and 2 are bound and unused.
        _ => format!(
            "SELECT {COLUMNS} FROM delivery WHERE id IN ({pick}) AND ?1 IS NOT NULL \
             AND ?2 IS NOT NULL"
        ),
    }
}

/// The statement that leases the rows `pick` selects on the row (parameters 1–3:
/// owner, until, now): the expired-lease pass.
pub fn lease_sql(backend: DbBackend, pick: &str) -> String {
    let picked = match backend {
        DbBackend::Postgres => format!("id = ANY(ARRAY({pick}))"),
        _ => format!("id IN ({pick})"),
    };
    format!(
        "UPDATE delivery SET status = 3, lease_owner = {}, lease_until = {}, updated_at = {} \
         WHERE {picked} RETURNING {COLUMNS}",
        super::param(backend, 1),
        super::param(backend, 2),
        super::param(backend, 3),
    )
}

/// `AND id NOT IN (…)`: the ids live claims hold (parameter 3, now). One hashed
/// lookup per row a pick walks past.
fn not_claimed(backend: DbBackend) -> String {
    format!(
        "AND id NOT IN ({})",
        super::hold::live_claim_ids(backend, 3)
    )
}

/// The passes' picks as a claim of `limit` runs them: expired leases, fair and fill
/// with no endpoint busy, and fair and fill in one with `busy_endpoint` at its cap.
/// Their one parameter is `now`, numbered 4. For query-plan tests: the SQL the engine
/// runs, not a copy.
pub fn claim_picks(backend: DbBackend, busy_endpoint: &str, limit: u64) -> [String; 4] {
    let busy = busy_list(&[busy_endpoint.to_string()]).expect("a well-formed endpoint id");
    let per_tenant = (limit / 4).max(1);
    [
        expired_pick(backend, "", limit),
        fair_pick(backend, limit, per_tenant),
        earliest_pick(backend, limit - per_tenant),
        around_busy_pick(backend, &busy, limit, per_tenant),
    ]
}

/// Leased rows whose lease ran out. They are leased again with `UPDATE`, outside the
/// claim transaction, so PostgreSQL skips rows another worker is taking.
fn expired_pick(backend: DbBackend, not_busy: &str, limit: u64) -> String {
    let skip_locked = match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    format!(
        "SELECT id FROM delivery WHERE status = 3 AND lease_until < {now} {not_busy} \
         ORDER BY next_attempt_at LIMIT {limit}{skip_locked}",
        now = super::param(backend, 3),
    )
}

fn fair_pick(backend: DbBackend, limit: u64, per_tenant: u64) -> String {
    let due = format!(
        "SELECT id, next_attempt_at FROM delivery \
         WHERE tenant_id = t.id AND status = 1 AND next_attempt_at <= {now} {not_claimed} \
         ORDER BY next_attempt_at LIMIT {per_tenant}",
        now = super::param(backend, 3),
        not_claimed = not_claimed(backend),
    );
    match backend {
        DbBackend::Postgres => format!(
            "SELECT d.id FROM tenant t CROSS JOIN LATERAL ({due}) d \
             ORDER BY d.next_attempt_at LIMIT {limit}"
        ),
        // No LATERAL: the same per-tenant subquery, correlated in the join.
        _ => format!(
            "SELECT d.id FROM tenant t JOIN delivery d ON d.id IN \
             (SELECT id FROM ({due})) ORDER BY d.next_attempt_at LIMIT {limit}"
        ),
    }
}

fn earliest_pick(backend: DbBackend, limit: u64) -> String {
    format!(
        "SELECT id FROM delivery WHERE status = 1 AND next_attempt_at <= {now} {not_claimed} \
         ORDER BY next_attempt_at LIMIT {limit}",
        now = super::param(backend, 3),
        not_claimed = not_claimed(backend),
    )
}

/// The fair and fill passes in one, for a claim that skips `busy` endpoints: each other
/// endpoint's earliest `limit` due rows, ranked within their tenant; first every
/// tenant's `per_tenant` earliest (the fair pass), then the earliest of the rest (the
/// fill). A busy endpoint's rows are never read: endpoints are skipped by id, before
/// their rows are looked up.
///
/// Per claim this reads one index probe per endpoint and at most `limit` rows per
/// endpoint with due rows — like the tenant-by-tenant fair pass, it grows with what is
/// configured, not with what has been delivered.
fn around_busy_pick(backend: DbBackend, busy: &str, limit: u64, per_tenant: u64) -> String {
    let due = format!(
        "SELECT id, tenant_id, next_attempt_at FROM delivery \
         WHERE endpoint_id = e.id AND status = 1 AND next_attempt_at <= {now} {not_claimed} \
         ORDER BY next_attempt_at LIMIT {limit}",
        now = super::param(backend, 3),
        not_claimed = not_claimed(backend),
    );
    let candidates = match backend {
        DbBackend::Postgres => format!("endpoint e CROSS JOIN LATERAL ({due}) c"),
        // No LATERAL: the same per-endpoint subquery, correlated in the join.
        _ => format!("endpoint e JOIN delivery c ON c.id IN (SELECT id FROM ({due}))"),
    };
    format!(
        "SELECT id FROM (SELECT c.id, c.next_attempt_at, row_number() OVER \
         (PARTITION BY c.tenant_id ORDER BY c.next_attempt_at) AS n \
         FROM {candidates} WHERE e.id NOT IN ({busy})) r \
         ORDER BY n > {per_tenant}, next_attempt_at LIMIT {limit}"
    )
}

/// The quoted ids of endpoints at their cap, for `NOT IN (…)`; `None` when there are
/// none. Ids are ours and checked to be well-formed before they are written into the
/// statement.
fn busy_list(busy: &[String]) -> Option<String> {
    let ids: Vec<String> = busy
        .iter()
        .filter(|id| EndpointId::parse(id).is_some())
        .map(|id| format!("'{id}'"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(","))
}

/// Whether some tenant got its whole share (it may have more waiting).
fn tenants_at_share(claimed: &[ClaimedDelivery], per_tenant: u64) -> bool {
    let mut counts = std::collections::HashMap::<&str, u64>::new();
    for job in claimed {
        *counts.entry(job.tenant_id.as_str()).or_default() += 1;
    }
    counts.values().any(|&n| n >= per_tenant)
}
