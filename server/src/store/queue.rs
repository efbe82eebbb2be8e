//! The delivery queue (ARCHITECTURE.md, "Delivery queue"): workers claim due rows with
//! a lease, and record each attempt together with the delivery's next state in one
//! transaction. These are the engine's entry points; each row carries its tenant id,
//! and everything read for a delivery is read within that tenant.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{FAILING_THRESHOLD, StateChangeRecord, Store, StoreError};
use crate::domain::{AttemptId, DeliveryStatus, StateChangeId, TenantId};
use crate::entities::{attempt, delivery, endpoint, message, state_change};

/// A delivery this worker holds the lease of.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: String,
    pub tenant_id: TenantId,
    pub app_id: String,
    pub message_id: String,
    pub endpoint_id: String,
    /// Attempts made before this one.
    pub attempt_count: i32,
    /// 0 scheduled, 1 manual.
    pub trigger: i16,
    /// This claim's token (`lease_owner`): recording needs it, so a claim that
    /// outlived its lease cannot overwrite what a later claim of the row does.
    pub lease: String,
}

/// Everything an attempt reads besides the delivery row itself.
#[derive(Debug, Clone)]
pub struct DeliveryContext {
    pub message: message::Model,
    pub endpoint: endpoint::Model,
    pub svix_headers: bool,
}

/// What became of one attempt, and of the delivery after it.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub url: String,
    pub succeeded: bool,
    /// 0 when no HTTP response came back.
    pub response_status_code: i32,
    pub response_body: String,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub next: NextStep,
    /// Disable the endpoint, and why (410 Gone, or failing for longer than allowed).
    pub disable_reason: Option<&'static str>,
    /// The attempt's outcome for alert details: status code, error, URL.
    pub last: serde_json::Value,
    /// State changes of this delivery (`message.exhausted`); the endpoint's own
    /// (failing, recovered, disabled) are decided in `record_attempt`.
    pub state_changes: Vec<StateChangeRecord>,
}

#[derive(Debug, Clone, Copy)]
pub enum NextStep {
    /// Delivered.
    Done,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// No more attempts: the delivery failed.
    GiveUp,
}

impl Store {
    /// The message, endpoint and tenant settings of a claimed delivery (within its
    /// tenant), or `None` when the message or endpoint is gone.
    pub async fn delivery_context(
        &self,
        job: &ClaimedDelivery,
    ) -> Result<Option<DeliveryContext>, StoreError> {
        let msg = message::Entity::find()
            .filter(message::Column::TenantId.eq(job.tenant_id.as_str()))
            .filter(message::Column::Id.eq(job.message_id.as_str()))
            .one(&self.db)
            .await?;
        let ep = endpoint::Entity::find()
            .filter(endpoint::Column::TenantId.eq(job.tenant_id.as_str()))
            .filter(endpoint::Column::Id.eq(job.endpoint_id.as_str()))
            .one(&self.db)
            .await?;
        let (Some(message), Some(endpoint)) = (msg, ep) else {
            return Ok(None);
        };
        let settings = self.tenant(&job.tenant_id).settings().await?;
        Ok(Some(DeliveryContext {
            message,
            endpoint,
            svix_headers: settings.svix_headers,
        }))
    }

    /// Hands a claimed delivery back unattempted, due again at `at` (its endpoint is at
    /// its rate limit or concurrency cap).
    pub async fn defer_delivery(
        &self,
        job: &ClaimedDelivery,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::value(DeliveryStatus::Pending.as_i16()),
            )
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(at))
            .col_expr(
                delivery::Column::LeaseOwner,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(delivery::Column::Id.eq(job.id.as_str()))
            .filter(delivery::Column::LeaseOwner.eq(job.lease.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Hands claimed deliveries back unattempted, due as they were (a stopping worker,
    /// or deliveries that waited too long for their endpoint's slot). Rows whose lease
    /// is no longer ours are left alone.
    pub async fn release_deliveries(&self, jobs: &[ClaimedDelivery]) -> Result<(), StoreError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
        let mut leases: Vec<&str> = jobs.iter().map(|j| j.lease.as_str()).collect();
        leases.sort_unstable();
        leases.dedup();
        delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::value(DeliveryStatus::Pending.as_i16()),
            )
            .col_expr(
                delivery::Column::LeaseOwner,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(delivery::Column::Id.is_in(ids))
            .filter(delivery::Column::LeaseOwner.is_in(leases))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends a claimed delivery without an attempt (its endpoint is disabled, or its
    /// message or endpoint is gone): failed, so `recover` can queue it again later.
    pub async fn skip_delivery(&self, job: &ClaimedDelivery) -> Result<(), StoreError> {
        delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::value(DeliveryStatus::Fail.as_i16()),
            )
            .col_expr(
                delivery::Column::LeaseOwner,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(delivery::Column::Id.eq(job.id.as_str()))
            .filter(delivery::Column::LeaseOwner.eq(job.lease.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Writes the attempt, the delivery's next state and the endpoint's health in one
    /// transaction. If this worker lost the lease meanwhile, nothing is written (the
    /// holder of the lease records its own attempt).
    pub async fn record_attempt(
        &self,
        job: &ClaimedDelivery,
        record: AttemptRecord,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let (status, next_at) = match record.next {
            NextStep::Done => (DeliveryStatus::Success, None),
            NextStep::RetryAt(at) => (DeliveryStatus::Pending, Some(at)),
            NextStep::GiveUp => (DeliveryStatus::Fail, None),
        };
        let mut update = delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value(status.as_i16()))
            .col_expr(
                delivery::Column::AttemptCount,
                Expr::value(job.attempt_count + 1),
            )
            .col_expr(
                delivery::Column::LeaseOwner,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
            .filter(delivery::Column::Id.eq(job.id.as_str()))
            .filter(delivery::Column::LeaseOwner.eq(job.lease.as_str()));
        if let Some(at) = next_at {
            update = update.col_expr(delivery::Column::NextAttemptAt, Expr::value(at));
        }
        if update.exec(&txn).await?.rows_affected == 0 {
            txn.rollback().await?;
            return Ok(());
        }
        attempt::ActiveModel {
            id: Set(AttemptId::generate().to_string()),
            tenant_id: Set(job.tenant_id.to_string()),
            app_id: Set(job.app_id.clone()),
            message_id: Set(job.message_id.clone()),
            endpoint_id: Set(job.endpoint_id.clone()),
            delivery_id: Set(job.id.clone()),
            url: Set(record.url),
            status: Set(if record.succeeded {
                DeliveryStatus::Success
            } else {
                DeliveryStatus::Fail
            }
            .as_i16()),
            trigger: Set(job.trigger),
            attempt_number: Set(job.attempt_count + 1),
            response_status_code: Set(record.response_status_code),
            response_body: Set(record.response_body),
            error: Set(record.error),
            duration_ms: Set(record.duration_ms),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        // The endpoint's health, and the alerts it causes, decided on the row itself
        // (locked by our update until commit), so concurrent attempts to one endpoint
        // report "failing", "recovered" and "disabled" exactly once.
        let mut changes = record.state_changes;
        let scoped = || {
            endpoint::Entity::update_many()
                .filter(endpoint::Column::TenantId.eq(job.tenant_id.as_str()))
                .filter(endpoint::Column::Id.eq(job.endpoint_id.as_str()))
        };
        if record.succeeded {
            let healthy = |update: sea_orm::UpdateMany<endpoint::Entity>| {
                update
                    .col_expr(endpoint::Column::ConsecutiveFailures, Expr::value(0))
                    .col_expr(endpoint::Column::LastSuccessAt, Expr::value(now))
                    .col_expr(
                        endpoint::Column::FailingSince,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
            };
            // Only the success that ends a reported streak matches this.
            let ended = healthy(scoped())
                .filter(endpoint::Column::ConsecutiveFailures.gte(FAILING_THRESHOLD))
                .exec(&txn)
                .await?
                .rows_affected;
            if ended > 0 {
                changes.push(StateChangeRecord {
                    kind: "endpoint.recovered",
                    detail: serde_json::json!({"last": record.last}),
                });
            }
            // Every success would otherwise update (and lock until commit) the same
            // endpoint row, serialising an endpoint's concurrent deliveries on it:
            // touch it only when something changes, `last_success_at` at most once a
            // second.
            healthy(scoped())
                .filter(
                    Condition::any()
                        .add(endpoint::Column::ConsecutiveFailures.ne(0))
                        .add(endpoint::Column::FailingSince.is_not_null())
                        .add(endpoint::Column::LastSuccessAt.is_null())
                        .add(
                            endpoint::Column::LastSuccessAt.lt(now - chrono::Duration::seconds(1)),
                        ),
                )
                .exec(&txn)
                .await?;
        } else {
            scoped()
                .col_expr(
                    endpoint::Column::ConsecutiveFailures,
                    Expr::col(endpoint::Column::ConsecutiveFailures).add(1),
                )
                // The start of the current failure streak, kept from its first failure.
                .col_expr(
                    endpoint::Column::FailingSince,
                    Expr::col(endpoint::Column::FailingSince).if_null(now),
                )
                .exec(&txn)
                .await?;
            let failures: Option<i32> = endpoint::Entity::find()
                .select_only()
                .column(endpoint::Column::ConsecutiveFailures)
                .filter(endpoint::Column::TenantId.eq(job.tenant_id.as_str()))
                .filter(endpoint::Column::Id.eq(job.endpoint_id.as_str()))
                .into_tuple()
                .one(&txn)
                .await?;
            if failures == Some(FAILING_THRESHOLD) {
                changes.push(StateChangeRecord {
                    kind: "endpoint.failing",
                    detail: serde_json::json!({"consecutiveFailures": FAILING_THRESHOLD, "last": record.last}),
                });
            }
        }
        let mut disabled = false;
        if let Some(reason) = record.disable_reason {
            let newly = scoped()
                .col_expr(endpoint::Column::Disabled, Expr::value(true))
                .filter(endpoint::Column::Disabled.eq(false))
                .exec(&txn)
                .await?
                .rows_affected;
            if newly > 0 {
                disabled = true;
                changes.push(StateChangeRecord {
                    kind: "endpoint.disabled",
                    detail: serde_json::json!({"reason": reason, "last": record.last}),
                });
            }
        }
        for change in changes {
            state_change::ActiveModel {
                id: Set(StateChangeId::generate().to_string()),
                tenant_id: Set(job.tenant_id.to_string()),
                app_id: Set(job.app_id.clone()),
                endpoint_id: Set(job.endpoint_id.clone()),
                message_id: Set(Some(job.message_id.clone())),
                kind: Set(change.kind.to_string()),
                detail: Set(change.detail.to_string()),
                created_at: Set(now),
                processed_at: Set(None),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        if disabled {
            // Fan-out reads `disabled`: new messages must stop going to it at once.
            let key = crate::cache::keys::fanout(job.tenant_id.as_str(), &job.app_id);
            self.cache.invalidate(&[key]).await;
        }
        Ok(())
    }
}
