//! Applications, endpoints and their secrets, event types, messages, the delivery queue
//! and its attempts, and idempotency records.
//!
//! Statuses are small integers with Svix's numbering (0 success, 1 pending, 2 fail,
//! 3 sending, 4 canceled); triggers 0 scheduled, 1 manual. JSON documents (metadata,
//! headers, lists) are text: portable between SQLite and PostgreSQL, and a message's
//! payload is kept byte for byte as it was received.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(Alias::new(*col));
    }
    index.to_owned()
}

fn unique(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut statement = index(name, table, cols);
    statement.unique();
    statement
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Application::Table)
                    .col(string(Application::Id).primary_key())
                    .col(string(Application::TenantId))
                    .col(string_null(Application::Uid))
                    .col(string(Application::Name))
                    .col(integer_null(Application::ThrottleRate))
                    .col(text(Application::Metadata))
                    .col(timestamp_with_time_zone(Application::CreatedAt))
                    .col(timestamp_with_time_zone(Application::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_application_tenant_id",
                Application::Table,
                &["tenant_id", "id"],
            ))
            .await?;
        manager
            .create_index(unique(
                "idx_application_tenant_uid",
                Application::Table,
                &["tenant_id", "uid"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Endpoint::Table)
                    .col(string(Endpoint::Id).primary_key())
                    .col(string(Endpoint::TenantId))
                    .col(string(Endpoint::AppId))
                    .col(string_null(Endpoint::Uid))
                    .col(text(Endpoint::Url))
                    .col(text(Endpoint::Description))
                    .col(text_null(Endpoint::EventTypes))
                    .col(text_null(Endpoint::Channels))
                    .col(integer_null(Endpoint::ThrottleRate))
                    .col(boolean(Endpoint::Disabled))
                    .col(text(Endpoint::Headers))
                    .col(text(Endpoint::Metadata))
                    .col(text_null(Endpoint::RetrySchedule))
                    .col(timestamp_with_time_zone_null(Endpoint::FailingSince))
                    .col(timestamp_with_time_zone_null(Endpoint::LastSuccessAt))
                    .col(timestamp_with_time_zone(Endpoint::CreatedAt))
                    .col(timestamp_with_time_zone(Endpoint::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Endpoint::Table, Endpoint::AppId)
                            .to(Application::Table, Application::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_endpoint_app_id",
                Endpoint::Table,
                &["tenant_id", "app_id", "id"],
            ))
            .await?;
        manager
            .create_index(unique(
                "idx_endpoint_app_uid",
                Endpoint::Table,
                &["app_id", "uid"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EndpointSecret::Table)
                    .col(string(EndpointSecret::Id).primary_key())
                    .col(string(EndpointSecret::TenantId))
                    .col(string(EndpointSecret::EndpointId))
                    // base64(nonce ‖ XChaCha20-Poly1305 ciphertext) under the main key.
                    .col(text(EndpointSecret::Ciphertext))
                    .col(timestamp_with_time_zone(EndpointSecret::CreatedAt))
                    // Null: the current secret. Set: an old one, valid until then.
                    .col(timestamp_with_time_zone_null(EndpointSecret::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EndpointSecret::Table, EndpointSecret::EndpointId)
                            .to(Endpoint::Table, Endpoint::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_endpoint_secret_endpoint",
                EndpointSecret::Table,
                &["endpoint_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventType::Table)
                    .col(string(EventType::Id).primary_key())
                    .col(string(EventType::TenantId))
                    .col(string(EventType::Name))
                    .col(text(EventType::Description))
                    .col(text_null(EventType::Schemas))
                    .col(boolean(EventType::Archived))
                    .col(boolean(EventType::Deprecated))
                    .col(text_null(EventType::FeatureFlags))
                    .col(string_null(EventType::GroupName))
                    .col(timestamp_with_time_zone(EventType::CreatedAt))
                    .col(timestamp_with_time_zone(EventType::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "idx_event_type_tenant_name",
                EventType::Table,
                &["tenant_id", "name"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Message::Table)
                    .col(string(Message::Id).primary_key())
                    .col(string(Message::TenantId))
                    .col(string(Message::AppId))
                    .col(string(Message::EventType))
                    .col(string_null(Message::EventId))
                    .col(text_null(Message::Channels))
                    .col(text_null(Message::Tags))
                    // Null once the retention period purged it.
                    .col(text_null(Message::Payload))
                    .col(timestamp_with_time_zone(Message::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Message::Table, Message::AppId)
                            .to(Application::Table, Application::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_message_app_id",
                Message::Table,
                &["tenant_id", "app_id", "id"],
            ))
            .await?;
        manager
            .create_index(unique(
                "idx_message_app_event_id",
                Message::Table,
                &["app_id", "event_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Delivery::Table)
                    .col(string(Delivery::Id).primary_key())
                    .col(string(Delivery::TenantId))
                    .col(string(Delivery::AppId))
                    .col(string(Delivery::MessageId))
                    .col(string(Delivery::EndpointId))
                    .col(small_integer(Delivery::Status))
                    .col(small_integer(Delivery::Trigger))
                    .col(integer(Delivery::AttemptCount))
                    .col(timestamp_with_time_zone(Delivery::NextAttemptAt))
                    .col(string_null(Delivery::LeaseOwner))
                    .col(timestamp_with_time_zone_null(Delivery::LeaseUntil))
                    .col(timestamp_with_time_zone(Delivery::CreatedAt))
                    .col(timestamp_with_time_zone(Delivery::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Delivery::Table, Delivery::MessageId)
                            .to(Message::Table, Message::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Delivery::Table, Delivery::EndpointId)
                            .to(Endpoint::Table, Endpoint::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The claim query: due rows by time.
        manager
            .create_index(index(
                "idx_delivery_due",
                Delivery::Table,
                &["status", "next_attempt_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_delivery_endpoint",
                Delivery::Table,
                &["endpoint_id", "status", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_delivery_message",
                Delivery::Table,
                &["message_id", "endpoint_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Attempt::Table)
                    .col(string(Attempt::Id).primary_key())
                    .col(string(Attempt::TenantId))
                    .col(string(Attempt::AppId))
                    .col(string(Attempt::MessageId))
                    .col(string(Attempt::EndpointId))
                    .col(string(Attempt::DeliveryId))
                    .col(text(Attempt::Url))
                    .col(small_integer(Attempt::Status))
                    .col(small_integer(Attempt::Trigger))
                    .col(integer(Attempt::AttemptNumber))
                    .col(integer(Attempt::ResponseStatusCode))
                    .col(text(Attempt::ResponseBody))
                    .col(text_null(Attempt::Error))
                    .col(big_integer(Attempt::DurationMs))
                    .col(timestamp_with_time_zone(Attempt::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attempt::Table, Attempt::MessageId)
                            .to(Message::Table, Message::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attempt::Table, Attempt::EndpointId)
                            .to(Endpoint::Table, Endpoint::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_attempt_endpoint",
                Attempt::Table,
                &["app_id", "endpoint_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_attempt_message",
                Attempt::Table,
                &["app_id", "message_id", "id"],
            ))
            .await?;
        // The delivery log of a whole application (dashboard).
        manager
            .create_index(index("idx_attempt_app", Attempt::Table, &["app_id", "id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    // The tenant id, or "public" for unauthenticated routes.
                    .col(string(IdempotencyKey::Scope))
                    .col(string(IdempotencyKey::Key))
                    .col(string(IdempotencyKey::RequestHash))
                    .col(small_integer_null(IdempotencyKey::ResponseStatus))
                    .col(text_null(IdempotencyKey::ResponseBody))
                    .col(string_null(IdempotencyKey::ContentType))
                    .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKey::Scope)
                            .col(IdempotencyKey::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_idempotency_created",
                IdempotencyKey::Table,
                &["created_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKey::Table.into_iden(),
            Attempt::Table.into_iden(),
            Delivery::Table.into_iden(),
            Message::Table.into_iden(),
            EventType::Table.into_iden(),
            EndpointSecret::Table.into_iden(),
            Endpoint::Table.into_iden(),
            Application::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Application {
    Table,
    Id,
    TenantId,
    Uid,
    Name,
    ThrottleRate,
    Metadata,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Endpoint {
    Table,
    Id,
    TenantId,
    AppId,
    Uid,
    Url,
    Description,
    EventTypes,
    Channels,
    ThrottleRate,
    Disabled,
    Headers,
    Metadata,
    RetrySchedule,
    FailingSince,
    LastSuccessAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EndpointSecret {
    Table,
    Id,
    TenantId,
    EndpointId,
    Ciphertext,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum EventType {
    Table,
    Id,
    TenantId,
    Name,
    Description,
    Schemas,
    Archived,
    Deprecated,
    FeatureFlags,
    GroupName,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Id,
    TenantId,
    AppId,
    EventType,
    EventId,
    Channels,
    Tags,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Delivery {
    Table,
    Id,
    TenantId,
    AppId,
    MessageId,
    EndpointId,
    Status,
    Trigger,
    AttemptCount,
    NextAttemptAt,
    LeaseOwner,
    LeaseUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // `AttemptNumber` is the column's name
enum Attempt {
    Table,
    Id,
    TenantId,
    AppId,
    MessageId,
    EndpointId,
    DeliveryId,
    Url,
    Status,
    Trigger,
    AttemptNumber,
    ResponseStatusCode,
    ResponseBody,
    Error,
    DurationMs,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    Scope,
    Key,
    RequestHash,
    ResponseStatus,
    ResponseBody,
    ContentType,
    CreatedAt,
}
