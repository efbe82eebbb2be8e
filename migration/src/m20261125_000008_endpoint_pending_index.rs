//! Each endpoint's pending rows in due order, so a claim can skip an endpoint at its
//! concurrency cap without reading that endpoint's backlog.
//!
//! The claim's fair pass walks a tenant's pending rows in due order
//! (`idx_delivery_tenant_pending`) and, with an endpoint excluded because it is at its
//! cap, read every pending row of that endpoint to reach the others: ~30 ms per claim
//! with 100,000 waiting for one endpoint, and it grows with the backlog of a hanging
//! endpoint. With this index a claim that excludes endpoints asks each other endpoint
//! for its earliest due rows instead (`store/claim.rs`, `around_busy_pick`): the
//! excluded ones cost nothing, however long their queue.
//!
//! Partial like the other queue indexes: it holds the backlog, not every delivery ever
//! made.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_delivery_endpoint_pending ON delivery \
                 (endpoint_id, next_attempt_at) WHERE status = 1",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_delivery_endpoint_pending")
            .await
            .map(|_| ())
    }
}
