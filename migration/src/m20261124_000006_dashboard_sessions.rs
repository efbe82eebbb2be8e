//! Dashboard sessions: the cookie's SHA-256 (never the cookie), whose session it is,
//! the CSRF token its forms carry, and when it ends.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DashboardSession::Table)
                    .col(string(DashboardSession::TokenHash).primary_key())
                    .col(string(DashboardSession::UserId))
                    .col(string(DashboardSession::TenantId))
                    .col(string(DashboardSession::CsrfToken))
                    .col(timestamp_with_time_zone(DashboardSession::CreatedAt))
                    .col(timestamp_with_time_zone(DashboardSession::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dashboard_session_expires")
                    .table(DashboardSession::Table)
                    .col(DashboardSession::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DashboardSession::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DashboardSession {
    Table,
    TokenHash,
    UserId,
    TenantId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}
