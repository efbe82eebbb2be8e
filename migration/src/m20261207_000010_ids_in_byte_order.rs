//! PostgreSQL: every id column compares in byte order (`COLLATE "C"`).
//!
//! Ids are ours (a prefix and a ULID, ASCII), and every index on the tables written
//! per message and per attempt is keyed by them: a message's row enters three, a
//! delivery's four, an attempt's four, and the recorder finds each delivery and
//! endpoint by its primary key. Under a linguistic collation (ICU or glibc `en_US`,
//! the default of many servers) each comparison is locale-aware; under "C" it is a
//! `memcmp`. Measured on a database created with ICU `en-US` (BENCHMARKS.md, "Ids in
//! byte order"): ingest while delivering +14 %, fan-out +6 %. On glibc's `C.UTF-8`,
//! which compares by code point, no change beyond the noise.
//!
//! Nothing a user sees changes: our ids (a fixed prefix, then digits and capitals)
//! sort the same in byte order as under those collations, so keyset pages keep their
//! order (SQLite's `BINARY` is byte order too), and equality is the same under every
//! deterministic collation. A column that is not changed (a uid, a
//! name) keeps the database's collation; compared with an id column, the id's
//! collation wins (an implicit collation beats the default one).
//!
//! **Upgrading: stop every other hookrelay process first** (or run `cargo run -p
//! migration -- up` with them stopped). The `ALTER`s rewrite no table but rebuild
//! every index on these columns, and the migration is one transaction: every table
//! stays locked until it commits (on a large database, minutes). A process still
//! running would wait on those locks, then fail its prepared statements that return
//! an id ("cached plan must not change result type") until it reconnects. The
//! statistics of the altered columns are dropped by PostgreSQL; each table that has
//! rows is analysed again at once, so plans don't fall back to default estimates.
//!
//! SQLite: nothing to do; its default collation (`BINARY`) is byte order.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{DbBackend, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every id column: `id` and `*_id` of each table of migrations 1–9. A test
/// (`tests/api/schema.rs`) checks none is left out, including those of later tables.
const ID_COLUMNS: [(&str, &[&str]); 15] = [
    ("tenant", &["id"]),
    ("tenant_user", &["id", "tenant_id"]),
    ("api_key", &["id", "tenant_id"]),
    ("dashboard_session", &["user_id", "tenant_id"]),
    ("application", &["id", "tenant_id"]),
    ("endpoint", &["id", "tenant_id", "app_id"]),
    ("endpoint_secret", &["id", "tenant_id", "endpoint_id"]),
    ("event_type", &["id", "tenant_id"]),
    // `event_id` is the client's (`eventId`), only ever compared for equality.
    ("message", &["id", "tenant_id", "app_id", "event_id"]),
    (
        "delivery",
        &["id", "tenant_id", "app_id", "message_id", "endpoint_id"],
    ),
    (
        "attempt",
        &[
            "id",
            "tenant_id",
            "app_id",
            "message_id",
            "endpoint_id",
            "delivery_id",
        ],
    ),
    (
        "state_change",
        &["id", "tenant_id", "app_id", "endpoint_id", "message_id"],
    ),
    ("alert_setting", &["tenant_id"]),
    ("alert_throttle", &["tenant_id", "app_id", "endpoint_id"]),
    ("alert_email", &["id", "tenant_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_collation(manager, "\"C\"").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_collation(manager, "pg_catalog.\"default\"").await
    }
}

/// PostgreSQL: gives each of [`ID_COLUMNS`] `collation`, one `ALTER TABLE` a table (its
/// indexes are rebuilt once), then `ANALYZE` where it has rows (the columns'
/// statistics were dropped).
/// Nothing on SQLite.
async fn set_collation(manager: &SchemaManager<'_>, collation: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for (table, columns) in ID_COLUMNS {
        let changes: Vec<String> = columns
            .iter()
            .map(|column| format!("ALTER COLUMN {column} TYPE varchar COLLATE {collation}"))
            .collect();
        let db = manager.get_connection();
        db.execute_unprepared(&format!("ALTER TABLE {table} {}", changes.join(", ")))
            .await?;
        // Only a table with rows: on a fresh database an `ANALYZE` would record the
        // tables as empty, and plans made then (the recorder's cached one) would be
        // made for empty tables instead of the planner's default sizes.
        let has_rows = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT 1 AS one FROM {table} LIMIT 1"),
            ))
            .await?
            .is_some();
        if has_rows {
            db.execute_unprepared(&format!("ANALYZE {table}")).await?;
        }
    }
    Ok(())
}
