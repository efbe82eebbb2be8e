//! Claiming due deliveries with a lease, fairly across tenants.
//!
//! One claim runs up to three statements, each an `UPDATE … WHERE id IN (…)
//! RETURNING` that leases the rows it picks (PostgreSQL skips rows another worker is
//! claiming, `FOR UPDATE SKIP LOCKED`; SQLite has one writer):
//!
//! 1. **expired leases** (a crashed or stalled worker's rows), so they are retried
//!    even while the queue is busy;
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
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::{ClaimedDelivery, Store, StoreError};
use crate::domain::{EndpointId, TenantId};

const RETURNING: &str =
    "RETURNING id, tenant_id, app_id, message_id, endpoint_id, attempt_count, \"trigger\"";

/// The lease each statement sets, and the rows it may take.
struct Lease<'a> {
    token: &'a str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    /// `AND endpoint_id NOT IN (…)`, empty when no endpoint is busy.
    not_busy: &'a str,
}

impl Store {
    /// Leases up to `limit` due deliveries (pending and due, and, when
    /// `rescue_expired`, sending with an expired lease) to `worker` until
    /// `now + lease`, each with what its attempt reads (`context.rs`).
    ///
    /// The engine asks for expired leases about once a second rather than in every
    /// claim: leases expire only when a worker died or stalled, and on PostgreSQL that
    /// pass reads every row version its index still holds for rows leased and since
    /// finished — tens of milliseconds per claim during a drain, more the longer
    /// since the table was last vacuumed.
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
        // after a lease ran out holds a different token.
        let token = format!("{worker}.{}", ulid::Ulid::generate());
        let busy = busy_list(busy_endpoints);
        let not_busy = busy
            .as_ref()
            .map(|ids| format!("AND endpoint_id NOT IN ({ids})"))
            .unwrap_or_default();
        let lease = Lease {
            token: &token,
            now,
            until: now + lease,
            not_busy: &not_busy,
        };
        let mut claimed = if rescue_expired {
            self.claim_expired(&lease, limit).await?
        } else {
            Vec::new()
        };
        let left = limit.saturating_sub(claimed.len() as u64);
        if left == 0 {
            return Ok(claimed);
        }
        // A quarter of a claim each: a flood takes at most that of the fair pass.
        let per_tenant = (left / 4).max(1);
        if let Some(busy) = busy {
            let backend = self.db.get_database_backend();
            let pick = around_busy_pick(backend, &busy, left, per_tenant);
            claimed.extend(self.lease_rows(&lease, &pick, vec![now.into()]).await?);
            self.load_contexts(&mut claimed).await?;
            return Ok(claimed);
        }
        let fair = self.claim_fair(&lease, left, per_tenant).await?;
        let someone_had_more = tenants_at_share(&fair, per_tenant);
        claimed.extend(fair);
        let left = limit.saturating_sub(claimed.len() as u64);
        if someone_had_more && left > 0 {
            claimed.extend(self.claim_earliest(&lease, left).await?);
        }
        self.load_contexts(&mut claimed).await?;
        Ok(claimed)
    }

    async fn claim_expired(
        &self,
        lease: &Lease<'_>,
        limit: u64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let pick = expired_pick(self.db.get_database_backend(), lease.not_busy, limit);
        self.lease_rows(lease, &pick, vec![lease.now.into()]).await
    }

    async fn claim_fair(
        &self,
        lease: &Lease<'_>,
        limit: u64,
        per_tenant: u64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let backend = self.db.get_database_backend();
        let pick = fair_pick(backend, lease.not_busy, limit, per_tenant);
        self.lease_rows(lease, &pick, vec![lease.now.into()]).await
    }

    async fn claim_earliest(
        &self,
        lease: &Lease<'_>,
        limit: u64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let pick = earliest_pick(self.db.get_database_backend(), lease.not_busy, limit);
        self.lease_rows(lease, &pick, vec![lease.now.into()]).await
    }

    /// Leases the rows `pick` selects. Parameters 1–3 are the lease's; `pick`'s own
    /// start at 4.
    async fn lease_rows(
        &self,
        lease: &Lease<'_>,
        pick: &str,
        pick_values: Vec<Value>,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let db = self.claim_connection();
        let backend = db.get_database_backend();
        let sql = lease_sql(backend, pick);
        let mut values: Vec<Value> = vec![
            lease.token.to_string().into(),
            lease.until.into(),
            lease.now.into(),
        ];
        values.extend(pick_values);
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
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
                    lease: lease.token.to_string(),
                    context: None,
                })
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(StoreError::from)
    }
}

/// The statement that leases the rows `pick` selects (parameters 1–3: owner, until,
/// now).
///
/// On PostgreSQL the picked ids are handed over as one array (`id = ANY(ARRAY(…))`)
/// and looked up on the primary key. Written `id IN (…)`, the planner joins the pick
/// to the table, and once a pick is large beside the table (1,024 rows of 100,000) it
/// chooses a hash join over a sequential scan of every delivery — estimated cheaper,
/// measured twice as slow (`EXPLAIN ANALYZE`: 60 ms against 28 for a fill pass of
/// 768); the array costs less per row at every claim size (`bench/sql/claim_lab.sql`).
pub fn lease_sql(backend: DbBackend, pick: &str) -> String {
    let picked = match backend {
        DbBackend::Postgres => format!("id = ANY(ARRAY({pick}))"),
        // SQLite looks each id of an `IN` list up on the primary key.
        _ => format!("id IN ({pick})"),
    };
    format!(
        "UPDATE delivery SET status = 3, lease_owner = {}, lease_until = {}, updated_at = {} \
         WHERE {picked} {RETURNING}",
        super::param(backend, 1),
        super::param(backend, 2),
        super::param(backend, 3),
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
        fair_pick(backend, "", limit, per_tenant),
        earliest_pick(backend, "", limit - per_tenant),
        around_busy_pick(backend, &busy, limit, per_tenant),
    ]
}

fn expired_pick(backend: DbBackend, not_busy: &str, limit: u64) -> String {
    format!(
        "SELECT id FROM delivery WHERE status = 3 AND lease_until < {now} {not_busy} \
         ORDER BY next_attempt_at LIMIT {limit}{}",
        skip_locked(backend),
        now = super::param(backend, 4),
    )
}

fn fair_pick(backend: DbBackend, not_busy: &str, limit: u64, per_tenant: u64) -> String {
    let due = format!(
        "SELECT id, next_attempt_at FROM delivery \
         WHERE tenant_id = t.id AND status = 1 AND next_attempt_at <= {now} {not_busy} \
         ORDER BY next_attempt_at LIMIT {per_tenant}",
        now = super::param(backend, 4),
    );
    match backend {
        DbBackend::Postgres => format!(
            "SELECT d.id FROM tenant t CROSS JOIN LATERAL ({due} FOR UPDATE SKIP LOCKED) d \
             ORDER BY d.next_attempt_at LIMIT {limit}"
        ),
        // No LATERAL: the same per-tenant subquery, correlated in the join.
        _ => format!(
            "SELECT d.id FROM tenant t JOIN delivery d ON d.id IN \
             (SELECT id FROM ({due})) ORDER BY d.next_attempt_at LIMIT {limit}"
        ),
    }
}

fn earliest_pick(backend: DbBackend, not_busy: &str, limit: u64) -> String {
    format!(
        "SELECT id FROM delivery WHERE status = 1 AND next_attempt_at <= {now} {not_busy} \
         ORDER BY next_attempt_at LIMIT {limit}{}",
        skip_locked(backend),
        now = super::param(backend, 4),
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
         WHERE endpoint_id = e.id AND status = 1 AND next_attempt_at <= {now} \
         ORDER BY next_attempt_at LIMIT {limit}",
        now = super::param(backend, 4),
    );
    let candidates = match backend {
        DbBackend::Postgres => format!("endpoint e CROSS JOIN LATERAL ({due}) c"),
        // No LATERAL: the same per-endpoint subquery, correlated in the join.
        _ => format!("endpoint e JOIN delivery c ON c.id IN (SELECT id FROM ({due}))"),
    };
    let ranked = format!(
        "SELECT id FROM (SELECT c.id, c.next_attempt_at, row_number() OVER \
         (PARTITION BY c.tenant_id ORDER BY c.next_attempt_at) AS n \
         FROM {candidates} WHERE e.id NOT IN ({busy})) r \
         ORDER BY n > {per_tenant}, next_attempt_at LIMIT {limit}"
    );
    match backend {
        // Ranked without locks; the rows are locked, still pending, as they are taken.
        DbBackend::Postgres => format!(
            "SELECT id FROM delivery WHERE id = ANY(ARRAY({ranked})) AND status = 1 \
             FOR UPDATE SKIP LOCKED"
        ),
        // One writer: nothing changes between the ranking and the lease.
        _ => ranked,
    }
}

fn skip_locked(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    }
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
