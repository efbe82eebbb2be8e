//! Retention (SPEC §5): payloads and attempt response bodies older than
//! `HOOKRELAY_RETENTION` are emptied, and idempotency keys past their 24 h window
//! deleted, in small batches so delivery never waits behind a long statement.
//!
//! Rows are found by id: ids are time-sortable, so "older than the cutoff" is a range
//! on the primary key, and each pass starts where the last one stopped (`Watermark`)
//! instead of walking the already-purged rows again.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};

use super::{Store, StoreError, id_bound, idempotency::IDEMPOTENCY_WINDOW};
use crate::entities::{attempt, idempotency_key, message};

/// Where the previous batches stopped, per table.
#[derive(Debug, Default, Clone)]
pub struct Watermark {
    message: String,
    attempt: String,
}

/// What one batch purged.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub payloads: u64,
    pub response_bodies: u64,
    pub idempotency_keys: u64,
}

impl Purged {
    pub fn is_empty(&self) -> bool {
        *self == Purged::default()
    }
}

impl Store {
    /// Purges at most `batch` rows of each kind created before `cutoff`.
    pub async fn purge_batch(
        &self,
        cutoff: DateTime<Utc>,
        batch: u64,
        mark: &mut Watermark,
    ) -> Result<Purged, StoreError> {
        let messages: Vec<String> = message::Entity::find()
            .select_only()
            .column(message::Column::Id)
            .filter(message::Column::Id.gt(mark.message.as_str()))
            .filter(message::Column::Id.lt(id_bound("msg_", cutoff, false)))
            .filter(message::Column::Payload.is_not_null())
            .order_by_asc(message::Column::Id)
            .limit(batch)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut purged = Purged::default();
        if let Some(last) = messages.last() {
            purged.payloads = message::Entity::update_many()
                .col_expr(
                    message::Column::Payload,
                    Expr::value(Option::<String>::None),
                )
                .filter(message::Column::Id.is_in(messages.iter().map(String::as_str)))
                .exec(&self.db)
                .await?
                .rows_affected;
            mark.message = last.clone();
        }
        let attempts: Vec<String> = attempt::Entity::find()
            .select_only()
            .column(attempt::Column::Id)
            .filter(attempt::Column::Id.gt(mark.attempt.as_str()))
            .filter(attempt::Column::Id.lt(id_bound("atmpt_", cutoff, false)))
            .filter(attempt::Column::ResponseBody.ne(""))
            .order_by_asc(attempt::Column::Id)
            .limit(batch)
            .into_tuple()
            .all(&self.db)
            .await?;
        if let Some(last) = attempts.last() {
            purged.response_bodies = attempt::Entity::update_many()
                .col_expr(attempt::Column::ResponseBody, Expr::value(""))
                .filter(attempt::Column::Id.is_in(attempts.iter().map(String::as_str)))
                .exec(&self.db)
                .await?
                .rows_affected;
            mark.attempt = last.clone();
        }
        // Bounded like the others: up to the `batch`-th oldest expired key's time.
        let expired = Utc::now() - IDEMPOTENCY_WINDOW;
        let oldest: Vec<DateTime<Utc>> = idempotency_key::Entity::find()
            .select_only()
            .column(idempotency_key::Column::CreatedAt)
            .filter(idempotency_key::Column::CreatedAt.lt(expired))
            .order_by_asc(idempotency_key::Column::CreatedAt)
            .limit(batch)
            .into_tuple()
            .all(&self.db)
            .await?;
        if let Some(upto) = oldest.last() {
            purged.idempotency_keys = idempotency_key::Entity::delete_many()
                .filter(idempotency_key::Column::CreatedAt.lt(expired))
                .filter(idempotency_key::Column::CreatedAt.lte(*upto))
                .exec(&self.db)
                .await?
                .rows_affected;
        }
        Ok(purged)
    }
}
