//! The alerts' outbox: `state_change` rows that attempts write (see `queue.rs`) and
//! the alert mailer consumes.

use sea_orm::{EntityTrait, QueryOrder, QuerySelect};

use super::{Store, StoreError};
use crate::entities::state_change;

/// Consecutive failed attempts after which an endpoint is reported failing.
pub const FAILING_THRESHOLD: i32 = 5;

/// One row of the alerts' outbox.
#[derive(Debug, Clone)]
pub struct StateChangeRecord {
    /// `endpoint.failing`, `message.exhausted`, `endpoint.disabled`, `endpoint.recovered`.
    pub kind: &'static str,
    pub detail: serde_json::Value,
}

impl Store {
    /// The first `limit` state changes, handled by the alerter or not, oldest first
    /// (what the outbox holds; the alerter reads unhandled ones itself).
    pub async fn state_changes(&self, limit: u64) -> Result<Vec<state_change::Model>, StoreError> {
        Ok(state_change::Entity::find()
            .order_by_asc(state_change::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }
}
