//! Deleting an application's or an endpoint's messages, deliveries and attempts, as
//! their foreign keys' `ON DELETE CASCADE` did before PostgreSQL dropped those keys
//! (`migration/src/m20261206_000009_no_hot_foreign_keys.rs`). On SQLite the keys
//! still cascade, and these deletes find the same rows first.
//!
//! Deliveries go first: a recording in flight holds its delivery row, so the
//! delete waits for it to commit, and the attempts' delete — a statement later, with
//! a fresh snapshot — then sees the attempt it wrote. Nothing is left behind.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::StoreError;
use crate::domain::TenantId;
use crate::entities::{attempt, delivery, endpoint, message};

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
    let endpoints: Vec<String> = endpoint::Entity::find()
        .select_only()
        .column(endpoint::Column::Id)
        .filter(endpoint::Column::TenantId.eq(tenant.as_str()))
        .filter(endpoint::Column::AppId.eq(app_id))
        .into_tuple()
        .all(db)
        .await?;
    // By endpoint, on the index deliveries have for it (none is by application).
    delivery::Entity::delete_many()
        .filter(delivery::Column::TenantId.eq(tenant.as_str()))
        .filter(delivery::Column::EndpointId.is_in(endpoints))
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
