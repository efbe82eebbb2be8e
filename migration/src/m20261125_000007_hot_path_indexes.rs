//! The queue's indexes hold only the rows the engine looks for: pending rows (the
//! claim's fair and fill passes, the due/scheduled depth) and leased rows (expired
//! leases, the sending depth). Before, `(status, next_attempt_at)` and
//! `(tenant_id, status, next_attempt_at)` indexed every delivery ever made: each
//! lease and each outcome wrote an entry into both, and delivered rows — nearly all
//! of them — sat in indexes no query reads. Now a lease writes one entry (into the
//! leased index) and an outcome none, and the claim walks indexes as small as the
//! backlog.
//!
//! Queries must state the status as a literal (`status = 1`) for a planner to match
//! a partial index in a prepared statement; `store/claim.rs` and `store/queue_depth.rs`
//! do. Both databases support partial indexes with the same syntax.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            &[
                "DROP INDEX idx_delivery_due",
                "DROP INDEX idx_delivery_tenant_due",
                "CREATE INDEX idx_delivery_pending ON delivery (next_attempt_at) \
                 WHERE status = 1",
                "CREATE INDEX idx_delivery_tenant_pending ON delivery \
                 (tenant_id, next_attempt_at) WHERE status = 1",
                "CREATE INDEX idx_delivery_leased ON delivery (lease_until) WHERE status = 3",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(
            manager,
            &[
                "DROP INDEX idx_delivery_pending",
                "DROP INDEX idx_delivery_tenant_pending",
                "DROP INDEX idx_delivery_leased",
                "CREATE INDEX idx_delivery_due ON delivery (status, next_attempt_at)",
                "CREATE INDEX idx_delivery_tenant_due ON delivery \
                 (tenant_id, status, next_attempt_at)",
            ],
        )
        .await
    }
}

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}
