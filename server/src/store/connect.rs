//! Opening the database and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbBackend, SqlxPostgresConnector,
    sqlx::{
        Executor,
        postgres::PgPoolOptions,
        sqlite::{SqliteJournalMode, SqliteSynchronous},
    },
};
use secrecy::ExposeSecret;

use crate::config::{DatabaseKind, Settings};

/// Connects with pool settings fit for the backend and runs pending migrations.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(settings.database_url.expose_secret().to_string());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx logs every statement at info; our own spans say what matters.
        .sqlx_logging(false);
    match settings.database_kind {
        DatabaseKind::Sqlite => {
            std::fs::create_dir_all(&settings.data_dir)?;
            options.max_connections(8).map_sqlx_sqlite_opts(|o| {
                // WAL so readers never block the writer; FULL so a 2xx means the
                // commit is on disk (SPEC §5: durable acceptance).
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    // LIKE (the channel filter) compares exactly, as on PostgreSQL.
                    .pragma("case_sensitive_like", "ON")
            });
        }
        DatabaseKind::Postgres => {
            options.max_connections(32).min_connections(1);
        }
    }
    let db = Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    Migrator::up(&db, None)
        .await
        .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    Ok(db)
}

/// PostgreSQL: the attempt recorder's own `connections`, on which **its batch
/// statement runs on one cached plan of primary-key lookups**. That statement has one
/// text whatever the batch (`record_one_statement.rs`), so PostgreSQL plans it once
/// per connection and keeps the plan; but a plan made while `delivery` is small (a
/// fresh database) joins it by a sequential scan and stays so as the table grows
/// (4.8 ms a batch instead of 1.3, measured 2026-12-02). With sequential scans, hash
/// and merge joins priced out on these connections the plan left is right at any
/// size: each row finds its delivery and endpoint by key. Planning every execution
/// instead (a new text per batch size, or `force_custom_plan`) cost ~0.5 ms a
/// statement (BENCHMARKS.md). Other backends: `db` itself.
///
/// The settings are `SET` once a connection is open rather than sent as startup
/// `options`, which connection poolers such as PgBouncer refuse. The connections are
/// opened with the shared pool's connect options (URL, TLS, statement cache), not
/// its pool-level hooks: a search path set as a hook in [`connect_and_migrate`] would
/// have to be set here too.
pub fn recorder_connection(db: &DatabaseConnection, connections: u32) -> DatabaseConnection {
    planned_connection(
        db,
        connections,
        "SET enable_seqscan = off; SET enable_hashjoin = off; \
         SET enable_mergejoin = off; SET plan_cache_mode = force_generic_plan; SET jit = off",
    )
}

/// PostgreSQL: the claim loop's own connections, on which **a claim walks the queue's
/// indexes in due order and reads its messages by key, whatever the statistics say**.
/// A backlog builds up faster than autovacuum analyzes the table: on a table never
/// analyzed (a new deployment's first outage), or one whose statistics say almost no
/// delivery is pending (millions delivered, then an endpoint goes down), PostgreSQL
/// estimates a few hundred pending rows where there are a hundred thousand. It then
/// plans the fill pass as a bitmap scan of every pending row and a sort of them all
/// (29 ms a claim of 756 rows of 100,000, spilling to disk), the lease of a claim
/// around a busy endpoint as a bitmap of the whole pending index, and the claim's
/// message read as a sequential scan of `message` — 43 µs of PostgreSQL's time per
/// drained delivery instead of a few (BENCHMARKS.md, "The claim's plans on a table
/// never analyzed"). With sequential and bitmap scans, hash and merge joins priced out
/// here, the plans left are the ones the claim is written for at any size: an ordered
/// walk of a partial index that stops at the claim's limit, and lookups by key.
/// Other backends: `db` itself.
pub fn claim_connection(db: &DatabaseConnection, connections: u32) -> DatabaseConnection {
    planned_connection(
        db,
        connections,
        "SET enable_seqscan = off; SET enable_bitmapscan = off; \
         SET enable_hashjoin = off; SET enable_mergejoin = off; SET jit = off",
    )
}

/// PostgreSQL: a pool of its own with the shared pool's connect options and planner
/// `settings` set on every connection it opens; other backends: `db` itself.
///
/// **Both callers' settings turn JIT off.** A node type priced out by `settings` is
/// still used where a plan has no other (a table with no index for the predicate), at
/// a cost of 10^10 (PostgreSQL 17 and before), far over `jit_above_cost`: PostgreSQL
/// then compiles the statement at every execution, ~90 ms (measured on the claim-row
/// lab, BENCHMARKS.md "The drain's floor"), where these statements take well under a
/// millisecond. No statement they run has such a plan today (the plan tests check the
/// claim's and the recorder's); this keeps one from becoming a cliff. Their statements
/// are short lookups and index walks, which JIT never speeds up.
fn planned_connection(
    db: &DatabaseConnection,
    connections: u32,
    settings: &'static str,
) -> DatabaseConnection {
    if db.get_database_backend() != DbBackend::Postgres {
        return db.clone();
    }
    let options = (*db.get_postgres_connection_pool().connect_options()).clone();
    let pool = PgPoolOptions::new()
        .max_connections(connections)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |connection, _| {
            Box::pin(async move { connection.execute(settings).await.map(|_| ()) })
        })
        .connect_lazy_with(options);
    SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
}
