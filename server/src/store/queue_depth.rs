//! How much work the shared queue holds, for `/metrics`.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement,
    sea_query::Expr,
};

use super::{Store, StoreError};
use crate::domain::DeliveryStatus;
use crate::entities::delivery;

#[derive(Debug, Clone, Copy, Default)]
pub struct QueueDepth {
    /// Pending and due now.
    pub due: u64,
    /// Pending, due later (retries waiting for their time).
    pub scheduled: u64,
    /// Held by a worker: claimed (`hold.rs`) or leased.
    pub sending: u64,
}

impl Store {
    /// Counts on the partial indexes of pending and of leased rows, and the pending
    /// rows live claims hold. The statuses are
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
        let leased = delivery::Entity::find()
            .filter(status_is(DeliveryStatus::Sending))
            .count(&self.db)
            .await?;
        // A claimed delivery stays pending on its row until its outcome is written: it
        // is counted as sending while a live claim holds it.
        let backend = self.db.get_database_backend();
        let claimed_ids = super::hold::live_claim_ids(backend, 1);
        let claimed = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT COUNT(*) AS n FROM delivery WHERE status = 1 AND id IN ({claimed_ids})"
                ),
                [now.into()],
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0) as u64;
        Ok(QueueDepth {
            due: due.saturating_sub(claimed),
            scheduled,
            sending: leased + claimed,
        })
    }
}

/// `status = <literal>` (see `queue_depth`).
fn status_is(status: DeliveryStatus) -> sea_orm::sea_query::SimpleExpr {
    Expr::cust(format!("status = {}", status.as_i16()))
}
