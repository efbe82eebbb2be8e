//! Deleting an application's or an endpoint's messages, deliveries and attempts, as
//! their foreign keys' `ON DELETE CASCADE` did before PostgreSQL dropped those keys
//! (`migration/src/m20261206_000009_no_hot_foreign_keys.rs`). On SQLite the keys
//! still cascade, and these deletes find the same rows first.
//!
//! Deliveries go first: a recording in flight holds its delivery row, so the
//! delete waits for it to commit, and the attempts' delete — a statement later, with
//! a fresh snapshot — then sees the attempt it wrote: no recording leaves an attempt
//! behind. (An accept racing the deletion may leave its rows: skipped, never sent.)
//!
//! Each transaction starts with a write: SQLite does not wait for the lock when a
//! transaction that has read tries to write, and the delete would fail at once while
//! the engine writes.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

use super::StoreError;
use crate::domain::TenantId;
use crate::entities::{attempt, delivery, message};

/// Before an endpoint of `app_id` is deleted.
pub(super) async fn endpoint_rows(
    db: &impl ConnectionTrait,
    tenant: &TenantId,
    app_id: &str,
    endpoint_id: &str,
) -> Result<(), StoreError> {
    delivery::Entity::delete_many()
        .filter(delivery::Column::TenantId.eq(tenant.as_str()))
        .filter(delivery::Column::EndpointId.eq(endpoint_id))
        .exec(db)
        .await?;
    attempt::Entity::delete_many()
        .filter(attempt::Column::TenantId.eq(tenant.as_str()))
        .filter(attempt::Column::AppId.eq(app_id))
        .filter(attempt::Column::EndpointId.eq(endpoint_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Before the application `app_id` is deleted (its endpoints go with it, by their
/// foreign key).
pub(super) async fn app_rows(
    db: &impl ConnectionTrait,
    tenant: &TenantId,
    app_id: &str,
) -> Result<(), StoreError> {
    // By message, on the index deliveries have for it (none is by application); that
    // also finds a delivery to an endpoint deleted before (by a racing accept).
    let messages = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::TenantId.eq(tenant.as_str()))
        .filter(message::Column::AppId.eq(app_id))
        .into_query();
    delivery::Entity::delete_many()
        .filter(delivery::Column::TenantId.eq(tenant.as_str()))
        .filter(delivery::Column::MessageId.in_subquery(messages))
        .exec(db)
        .await?;
    attempt::Entity::delete_many()
        .filter(attempt::Column::TenantId.eq(tenant.as_str()))
        .filter(attempt::Column::AppId.eq(app_id))
        .exec(db)
        .await?;
    message::Entity::delete_many()
        .filter(message::Column::TenantId.eq(tenant.as_str()))
        .filter(message::Column::AppId.eq(app_id))
        .exec(db)
        .await?;
    Ok(())
}
