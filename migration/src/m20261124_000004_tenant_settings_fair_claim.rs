//! Per-tenant delivery settings (the `svix-*` header aliases), and the index the
//! engine's fair claim walks: each tenant's due deliveries in time order.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tenant::Table)
                    .add_column(boolean(Tenant::SvixHeaders).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_tenant_due")
                    .table(Delivery::Table)
                    .col(Delivery::TenantId)
                    .col(Delivery::Status)
                    .col(Delivery::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_delivery_tenant_due")
                    .table(Delivery::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tenant::Table)
                    .drop_column(Tenant::SvixHeaders)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tenant {
    Table,
    SvixHeaders,
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    TenantId,
    Status,
    NextAttemptAt,
}
