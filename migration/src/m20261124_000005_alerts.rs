//! Email alerts: each tenant's settings, the per-endpoint-and-kind throttle, and the
//! durable queue of emails to send (claimed with a lease, retried with backoff).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AlertSetting::Table)
                    .col(string(AlertSetting::TenantId).primary_key())
                    // JSON list of addresses.
                    .col(text(AlertSetting::Recipients))
                    // JSON list of kinds that are on.
                    .col(text(AlertSetting::Kinds))
                    // Null: HOOKRELAY_ALERT_THROTTLE.
                    .col(big_integer_null(AlertSetting::ThrottleSeconds))
                    .col(timestamp_with_time_zone(AlertSetting::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertThrottle::Table)
                    .col(string(AlertThrottle::EndpointId))
                    .col(string(AlertThrottle::Kind))
                    .col(string(AlertThrottle::TenantId))
                    .col(string(AlertThrottle::AppId))
                    .col(timestamp_with_time_zone(AlertThrottle::LastSentAt))
                    // Events held back since the last email, and the latest one's detail.
                    .col(integer(AlertThrottle::Suppressed).default(0))
                    .col(text_null(AlertThrottle::LastDetail))
                    .primary_key(
                        Index::create()
                            .col(AlertThrottle::EndpointId)
                            .col(AlertThrottle::Kind),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertEmail::Table)
                    .col(string(AlertEmail::Id).primary_key())
                    .col(string(AlertEmail::TenantId))
                    .col(text(AlertEmail::Recipients))
                    .col(text(AlertEmail::Subject))
                    .col(text(AlertEmail::TextBody))
                    .col(text(AlertEmail::HtmlBody))
                    // 0 queued, 1 sending, 2 sent.
                    .col(small_integer(AlertEmail::Status))
                    .col(integer(AlertEmail::Attempts).default(0))
                    .col(timestamp_with_time_zone(AlertEmail::NextAttemptAt))
                    .col(string_null(AlertEmail::LeaseOwner))
                    .col(timestamp_with_time_zone_null(AlertEmail::LeaseUntil))
                    .col(text_null(AlertEmail::LastError))
                    .col(timestamp_with_time_zone(AlertEmail::CreatedAt))
                    .col(timestamp_with_time_zone_null(AlertEmail::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_email_due")
                    .table(AlertEmail::Table)
                    .col(AlertEmail::Status)
                    .col(AlertEmail::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AlertEmail::Table.into_iden(),
            AlertThrottle::Table.into_iden(),
            AlertSetting::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AlertSetting {
    Table,
    TenantId,
    Recipients,
    Kinds,
    ThrottleSeconds,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AlertThrottle {
    Table,
    EndpointId,
    Kind,
    TenantId,
    AppId,
    LastSentAt,
    Suppressed,
    LastDetail,
}

#[derive(DeriveIden)]
enum AlertEmail {
    Table,
    Id,
    TenantId,
    Recipients,
    Subject,
    TextBody,
    HtmlBody,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseOwner,
    LeaseUntil,
    LastError,
    CreatedAt,
    SentAt,
}
