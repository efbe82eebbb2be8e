//! The delivery engine's claims: one row per claim statement, listing the deliveries
//! it took, instead of a lease written on every delivery row it takes.
//!
//! A lease on the row (`status = 3`, `lease_owner`, `lease_until`) cost an `UPDATE` of
//! each delivery when it was claimed, on top of the one that records its outcome:
//! 10 µs of PostgreSQL's time a delivery out of 26 (BENCHMARKS.md, "The drain's
//! floor"). A claim row costs one insert a claim. While a claim row is live
//! (`held_until` in the future, or its worker has not finished with it) no other claim
//! takes the ids it lists, and a delivery is recorded by its claim only while that
//! row exists (`store/hold.rs`).
//!
//! The table holds no tenant data and carries no `tenant_id`: only the engine reads
//! it, beside the delivery rows that carry their tenant. `token` is the claim's
//! (worker name and a ULID); `ids` is a `text[]` on PostgreSQL and a JSON array of
//! strings on SQLite.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "CREATE TABLE delivery_claim (token text COLLATE \"C\" PRIMARY KEY, \
                 held_until timestamptz NOT NULL, ids text[] COLLATE \"C\" NOT NULL)"
            }
            _ => {
                "CREATE TABLE delivery_claim (token text PRIMARY KEY NOT NULL, \
                 held_until text NOT NULL, ids text NOT NULL)"
            }
        };
        let db = manager.get_connection();
        db.execute_unprepared(table).await?;
        // Expired claims are found and swept by their time.
        db.execute_unprepared(
            "CREATE INDEX idx_delivery_claim_until ON delivery_claim (held_until)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE delivery_claim")
            .await?;
        Ok(())
    }
}
