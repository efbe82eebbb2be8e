//! How much work the shared queue holds, for `/metrics`.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};

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
    /// Counts on the partial indexes of pending and of leased rows. The statuses are
    /// literals in the SQL, not parameters: only then can PostgreSQL's planner match
    /// a partial index's `WHERE status = …` in a cached generic plan.
    pub async fn queue_depth(&self) -> Result<QueueDepth, StoreError> {
        let now = Utc::now();
        let pending = || delivery::Entity::find().filter(status_is(DeliveryStatus::Pending));
        let due = pending()
            .filter(delivery::Column::NextAttemptAt.lte(now))
            .count(&self.db)
            .await?;
        let scheduled = pending()
            .filter(delivery::Column::NextAttemptAt.gt(now))
            .count(&self.db)
            .await?;
        let sending = delivery::Entity::find()
            .filter(status_is(DeliveryStatus::Sending))
            .count(&self.db)
            .await?;
        Ok(QueueDepth {
            due,
            scheduled,
            sending,
        })
    }
}

/// `status = <literal>` (see `queue_depth`).
fn status_is(status: DeliveryStatus) -> sea_orm::sea_query::SimpleExpr {
    Expr::cust(format!("status = {}", status.as_i16()))
}
