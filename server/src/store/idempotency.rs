//! Idempotency records: the first request with a key claims it, its response is
//! stored, and later requests with the same key (and body) get that response back for
//! 24 h. The claim is an insert on the primary key, so two concurrent requests with one
//! key can never both run.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr,
};

use super::{Store, StoreError};
use crate::entities::idempotency_key::{self, Column, Entity};

/// How long a key's response is replayed.
pub const IDEMPOTENCY_WINDOW: Duration = Duration::hours(24);
/// A claim with no response after this long belongs to a request that will never
/// finish; a retry may take the key over.
const ABANDONED_AFTER: Duration = Duration::seconds(60);

#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: u16,
    /// The response body, sealed with the main key (see `idempotency.rs`).
    pub body: String,
    pub content_type: Option<String>,
}

#[derive(Debug)]
pub enum IdempotencyClaim {
    /// First use: run the request, then `complete` (or `release` on failure).
    Claimed,
    /// Seen before with the same request: answer this.
    Replay(StoredResponse),
    /// Seen before with a different request.
    Mismatch,
    /// The first request with this key has not finished yet.
    InProgress,
}

impl Store {
    pub async fn claim_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        request_hash: &str,
    ) -> Result<IdempotencyClaim, StoreError> {
        for _ in 0..2 {
            let inserted = idempotency_key::ActiveModel {
                scope: Set(scope.to_string()),
                key: Set(key.to_string()),
                request_hash: Set(request_hash.to_string()),
                response_status: Set(None),
                response_body: Set(None),
                content_type: Set(None),
                created_at: Set(Utc::now()),
            }
            .insert(&self.db)
            .await;
            match inserted {
                Ok(_) => return Ok(IdempotencyClaim::Claimed),
                Err(e)
                    if matches!(
                        e.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) => {}
                Err(e) => return Err(e.into()),
            }
            let Some(existing) = Entity::find_by_id((scope.to_string(), key.to_string()))
                .one(&self.db)
                .await?
            else {
                continue; // released meanwhile: try to claim again
            };
            // Expired, or claimed by a request that never finished (its client went
            // away, or its process died): take the key over. The delete is conditional
            // on the row being the one we looked at, so two takers cannot both win.
            let abandoned = existing.response_status.is_none()
                && existing.created_at < Utc::now() - ABANDONED_AFTER;
            if existing.created_at < Utc::now() - IDEMPOTENCY_WINDOW || abandoned {
                Entity::delete_many()
                    .filter(Column::Scope.eq(scope))
                    .filter(Column::Key.eq(key))
                    .filter(Column::CreatedAt.eq(existing.created_at))
                    .exec(&self.db)
                    .await?;
                continue;
            }
            if existing.request_hash != request_hash {
                return Ok(IdempotencyClaim::Mismatch);
            }
            return Ok(match (existing.response_status, existing.response_body) {
                (Some(status), Some(body)) => IdempotencyClaim::Replay(StoredResponse {
                    status: status as u16,
                    body,
                    content_type: existing.content_type,
                }),
                _ => IdempotencyClaim::InProgress,
            });
        }
        Ok(IdempotencyClaim::InProgress)
    }

    pub async fn complete_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        Entity::update_many()
            .col_expr(Column::ResponseStatus, Expr::value(response.status as i16))
            .col_expr(Column::ResponseBody, Expr::value(response.body.clone()))
            .col_expr(
                Column::ContentType,
                Expr::value(response.content_type.clone()),
            )
            .filter(Column::Scope.eq(scope))
            .filter(Column::Key.eq(key))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Forgets a key (its request failed on our side, or it expired), so it can run again.
    pub async fn release_idempotency_key(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        Entity::delete_many()
            .filter(Column::Scope.eq(scope))
            .filter(Column::Key.eq(key))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
