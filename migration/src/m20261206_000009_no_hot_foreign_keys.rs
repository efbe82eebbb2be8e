//! PostgreSQL: no foreign keys on the rows written per message and per attempt.
//!
//! Each foreign key is checked per inserted row by a trigger that looks the parent up
//! and locks it (`FOR KEY SHARE`): every accepted message locked its application's
//! row, every delivery its endpoint's and message's, every attempt its endpoint's and
//! message's. The application and endpoint rows are the same for every message of a
//! busy endpoint, locked by the accept's and the recorder's concurrent transactions at
//! once, which makes PostgreSQL create a multixact for each. Measured on the ingest
//! benchmark (`pg_stat_statements`, 2026-12-06, BENCHMARKS.md): the accept's executor
//! time 97–115 µs a message with the checks, 65–68 without; the recorder's 100–120 µs
//! an attempt, 76–97 without.
//!
//! They also tied tenants together: an accept batch (`store/group_commit.rs`) holds
//! many tenants' messages, and one message whose endpoint or application was deleted
//! a moment before failed the whole statement, and every request in it.
//!
//! **What the keys did is now the store's job** (`store/cascade.rs`): deleting an
//! application deletes its messages, deliveries and attempts, deleting an endpoint
//! its deliveries and attempts, in the transaction that deletes it. An accept racing
//! the deletion may leave its rows behind (where the key would have failed it, and
//! every other request in its batch); such a delivery is never sent: it is skipped
//! once its endpoint or message is found gone (`engine/mod.rs`). The other foreign
//! keys (users and API keys to their tenant, endpoints to their application, secrets
//! to their endpoint) are on rows written rarely, and stay.
//!
//! SQLite keeps its keys: one writer, no row locks, nothing to contend on.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column, parent table) of each key dropped. Its name is PostgreSQL's default
/// for an unnamed key, `<table>_<column>_fkey` (the schema never named them).
const KEYS: [(&str, &str, &str); 5] = [
    ("message", "app_id", "application"),
    ("delivery", "message_id", "message"),
    ("delivery", "endpoint_id", "endpoint"),
    ("attempt", "message_id", "message"),
    ("attempt", "endpoint_id", "endpoint"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for_each_key(manager, |table, column, _| {
            format!("ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey")
        })
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // NOT VALID: rows written meanwhile are not checked, new ones are.
        for_each_key(manager, |table, column, parent| {
            format!(
                "ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fkey FOREIGN KEY ({column}) \
                 REFERENCES {parent} (id) ON DELETE CASCADE NOT VALID"
            )
        })
        .await
    }
}

/// PostgreSQL: runs the statement `sql` makes for each of [`KEYS`]. Nothing on SQLite.
async fn for_each_key(
    manager: &SchemaManager<'_>,
    sql: impl Fn(&str, &str, &str) -> String,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for (table, column, parent) in KEYS {
        manager
            .get_connection()
            .execute_unprepared(&sql(table, column, parent))
            .await?;
    }
    Ok(())
}
