//! Tenants, their dashboard users and their API keys.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenant::Table)
                    .col(string(Tenant::Id).primary_key())
                    .col(string(Tenant::Name))
                    .col(timestamp_with_time_zone(Tenant::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TenantUser::Table)
                    .col(string(TenantUser::Id).primary_key())
                    .col(string(TenantUser::TenantId))
                    // Stored lower-cased: one account per address, whatever its case.
                    .col(string_uniq(TenantUser::Email))
                    .col(string(TenantUser::PasswordHash))
                    .col(timestamp_with_time_zone(TenantUser::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TenantUser::Table, TenantUser::TenantId)
                            .to(Tenant::Table, Tenant::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tenant_user_tenant")
                    .table(TenantUser::Table)
                    .col(TenantUser::TenantId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKey::Table)
                    .col(string(ApiKey::Id).primary_key())
                    .col(string(ApiKey::TenantId))
                    .col(string(ApiKey::Name))
                    // SHA-256 of the whole key, hex: the key itself is never stored.
                    .col(string_uniq(ApiKey::KeyHash))
                    // The first characters of the key, so a person can tell keys apart.
                    .col(string(ApiKey::KeyPrefix))
                    .col(timestamp_with_time_zone(ApiKey::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKey::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKey::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiKey::Table, ApiKey::TenantId)
                            .to(Tenant::Table, Tenant::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_key_tenant_id")
                    .table(ApiKey::Table)
                    .col(ApiKey::TenantId)
                    .col(ApiKey::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiKey::Table.into_iden(),
            TenantUser::Table.into_iden(),
            Tenant::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tenant {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TenantUser {
    Table,
    Id,
    TenantId,
    Email,
    PasswordHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKey {
    Table,
    Id,
    TenantId,
    Name,
    KeyHash,
    KeyPrefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}
