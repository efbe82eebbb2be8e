//! The data-access layer: the only code that queries the database.
//!
//! **Every query that reads or changes a tenant's data goes through [`TenantScope`],
//! which adds `tenant_id = ?` to it.** The few unscoped entry points are the ones that
//! cannot know the tenant yet: creating one (sign-up) and resolving an API key.

mod alert_emails;
mod alert_settings;
mod alerts;
mod api_keys;
mod applications;
mod array_rows;
mod attempts;
mod batcher;
mod cascade;
mod claim;
pub use claim::{CLAIM_LOCK, claim_picks, hold_sql, lease_sql};
mod connect;
mod context;
mod context_cache;
mod endpoint_hourly;
mod endpoint_secrets;
mod endpoints;
mod event_types;
mod group_commit;
mod hold;
pub use hold::Claims;
mod idempotency;
mod json_text;
mod messages;
mod pagination;
mod queue;
mod queue_depth;
mod record;
mod record_health;
mod record_one_by_one;
mod record_one_statement;
mod retention;
mod sessions;
mod signing_secrets;
mod signup;
mod state_changes;
mod tenant_settings;

use sea_orm::{DatabaseConnection, DbBackend, DbErr, SqlErr};

pub use alert_settings::{ALERT_KINDS, AlertSettings};
pub use alerts::{AlertEvent, ComposedEmail};
pub use api_keys::{ApiKeyAuth, NewApiKey, RequestTarget};
pub use applications::{AppFields, AppPatch};
pub use attempts::AttemptFilter;
use connect::claim_connection;
pub use connect::{connect_and_migrate, recorder_connection};
pub use context::{DeliveryContext, messages_by_key_sql};
pub use endpoint_hourly::HourlyStat;
pub use endpoint_secrets::open_secrets;
pub use endpoints::{EndpointFields, EndpointPatch, EndpointStats};
pub use event_types::{EventTypeFields, EventTypePatch};
pub use idempotency::{IdempotencyClaim, StoredResponse};
pub use json_text::from_text;
pub use messages::{Accepted, MessageFilter, NewMessage};
pub use pagination::{Cursor, Order, Page, PageRequest, id_bound, page_query};
pub use queue::{AttemptRecord, ClaimedDelivery, NextStep};
pub use queue_depth::QueueDepth;
pub use record_one_statement::{PLAIN_SUCCESSES_PARAMETERS, plain_successes_sql};
pub use retention::{Purged, Watermark};
pub use sessions::{DashboardUser, NewSession, SESSION_LIFETIME};
pub use signing_secrets::SigningSecrets;
pub use signup::NewTenant;
pub use state_changes::{FAILING_THRESHOLD, StateChangeRecord};
pub use tenant_settings::TenantSettings;

use crate::cache::Cache;
use crate::domain::TenantId;
use pagination::paginate;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; the text says which thing exists already.
    #[error("{0}")]
    Conflict(&'static str),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`, anything else to `Db`.
    fn from_write(err: DbErr, what: &'static str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(what),
            _ => StoreError::Db(err),
        }
    }
}

/// The claim loop's connections: one claim at a time, and one spare.
const CLAIM_CONNECTIONS: u32 = 2;

/// Handle on the database and the configuration cache in front of it; cheap to
/// clone (a connection pool inside). **Writes that change cached configuration
/// invalidate it here, after they commit**, so no caller can forget to.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// The claim loop's (`connect.rs::claim_connection`): claims and their contexts.
    claims: DatabaseConnection,
    cache: Cache,
    commits: group_commit::GroupCommit,
    recorder: record::AttemptRecorder,
    new_contexts: context::NewContexts,
    /// This process's open claims (`hold.rs`).
    held: hold::Claims,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// With an in-process cache.
    pub fn new(db: DatabaseConnection) -> Self {
        Self::with_cache(db, Cache::local(Default::default()))
    }

    /// Starts the group committers (accepted messages, attempts): call within the
    /// runtime.
    pub fn with_cache(db: DatabaseConnection, cache: Cache) -> Self {
        let commits = group_commit::GroupCommit::spawn(db.clone());
        let held = hold::Claims::default();
        let recorder = record::AttemptRecorder::spawn(db.clone(), held.clone());
        let new_contexts = context::spawn_new_contexts(db.clone(), cache.metrics().clone());
        // The claim loop is one per process, one claim at a time.
        let claims = claim_connection(&db, CLAIM_CONNECTIONS);
        Self {
            db,
            claims,
            cache,
            commits,
            recorder,
            new_contexts,
            held,
        }
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The data of one tenant, and only that.
    pub fn tenant<'a>(&'a self, tenant_id: &'a TenantId) -> TenantScope<'a> {
        TenantScope {
            db: &self.db,
            tenant_id,
            cache: &self.cache,
            commits: &self.commits,
        }
    }

    /// Liveness of the database, for `/health/ready`.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// What every claim statement and a claim's context reads run on
    /// (`connect.rs::claim_connection`); the plan tests explain on it too.
    pub fn claim_connection(&self) -> &DatabaseConnection {
        &self.claims
    }

    /// This process's open claims (`hold.rs`).
    pub fn open_claims(&self) -> &Claims {
        &self.held
    }
}

/// Queries scoped to one tenant: every method filters by `tenant_id`.
pub struct TenantScope<'a> {
    db: &'a DatabaseConnection,
    tenant_id: &'a TenantId,
    cache: &'a Cache,
    commits: &'a group_commit::GroupCommit,
}

/// The n-th bind parameter of a raw statement (PostgreSQL's `$n`, SQLite's `?n`).
fn param(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

/// `($n, $n+1), ($n+2, $n+3), …` for `keys` (a `VALUES` list of pairs such as
/// `(tenant_id, id)`), and their values in that order.
fn pairs(
    backend: DbBackend,
    first: usize,
    keys: &[(String, String)],
) -> (String, Vec<sea_orm::Value>) {
    let sql: Vec<String> = (0..keys.len())
        .map(|k| {
            let n = first + 2 * k;
            format!("({}, {})", param(backend, n), param(backend, n + 1))
        })
        .collect();
    let values = keys
        .iter()
        .flat_map(|(a, b)| [a.as_str().into(), b.as_str().into()])
        .collect();
    (sql.join(", "), values)
}

/// `"a", "b", …`: column names for raw SQL.
fn quoted(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
