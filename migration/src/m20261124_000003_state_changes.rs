//! The state-change outbox the email alerts consume, written in the same transaction
//! as the attempt that caused the change; and each endpoint's count of consecutive
//! failures (for "endpoint failing" after N in a row).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StateChange::Table)
                    .col(string(StateChange::Id).primary_key())
                    .col(string(StateChange::TenantId))
                    .col(string(StateChange::AppId))
                    .col(string(StateChange::EndpointId))
                    .col(string_null(StateChange::MessageId))
                    // endpoint.failing · message.exhausted · endpoint.disabled · endpoint.recovered
                    .col(string(StateChange::Kind))
                    // JSON: the last status code or error, counts, the reason.
                    .col(text(StateChange::Detail))
                    .col(timestamp_with_time_zone(StateChange::CreatedAt))
                    // Null until the alert mailer has handled it.
                    .col(timestamp_with_time_zone_null(StateChange::ProcessedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_state_change_unprocessed")
                    .table(StateChange::Table)
                    .col(StateChange::ProcessedAt)
                    .col(StateChange::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Endpoint::Table)
                    .add_column(integer(Endpoint::ConsecutiveFailures).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Endpoint::Table)
                    .drop_column(Endpoint::ConsecutiveFailures)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(StateChange::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StateChange {
    Table,
    Id,
    TenantId,
    AppId,
    EndpointId,
    MessageId,
    Kind,
    Detail,
    CreatedAt,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum Endpoint {
    Table,
    ConsecutiveFailures,
}
