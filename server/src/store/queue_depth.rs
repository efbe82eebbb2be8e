//! How much work the shared queue holds, for `/metrics`.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::{Store, StoreError};
use crate::domain::DeliveryStatus;
use crate::entities::delivery;

#[derive(Debug, Clone, Copy, Default)]
pub struct QueueDepth {
    /// Pending and due now.
    pub due: u64,
    /// Pending, due later (retries waiting for their time).
    pub scheduled: u64,
    /// Leased by a worker.
    pub sending: u64,
}

impl Store {
    /// Counts on the `(status, next_attempt_at)` index.
    pub async fn queue_depth(&self) -> Result<QueueDepth, StoreError> {
        let now = Utc::now();
        let pending = || {
            delivery::Entity::find()
                .filter(delivery::Column::Status.eq(DeliveryStatus::Pending.as_i16()))
        };
        let due = pending()
            .filter(delivery::Column::NextAttemptAt.lte(now))
            .count(&self.db)
            .await?;
        let scheduled = pending()
            .filter(delivery::Column::NextAttemptAt.gt(now))
            .count(&self.db)
            .await?;
        let sending = delivery::Entity::find()
            .filter(delivery::Column::Status.eq(DeliveryStatus::Sending.as_i16()))
            .count(&self.db)
            .await?;
        Ok(QueueDepth {
            due,
            scheduled,
            sending,
        })
    }
}
