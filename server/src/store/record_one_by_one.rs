//! The recording transaction's writes for one attempt that is not a plain success
//! (`record.rs` writes those a batch at a time): the delivery's next state, the
//! attempt row, the endpoint's failure count and whether it is disabled, and the
//! alerts' outbox rows — all decided on rows this transaction holds, so concurrent
//! attempts report "failing", "recovered" and "disabled" exactly once.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::record::{Written, attempt_row};
use super::record_health::mark_healthy;
use super::{
    AttemptRecord, ClaimedDelivery, FAILING_THRESHOLD, NextStep, StateChangeRecord, StoreError,
};
use crate::domain::{DeliveryStatus, StateChangeId};
use crate::entities::{attempt, delivery, endpoint, state_change};

/// One attempt's writes within `txn`.
pub(super) async fn write_attempt(
    txn: &DatabaseTransaction,
    job: &ClaimedDelivery,
    record: AttemptRecord,
    now: DateTime<Utc>,
) -> Result<Written, StoreError> {
    let (status, next_at) = match record.next {
        NextStep::Done => (DeliveryStatus::Success, None),
        NextStep::RetryAt(at) => (DeliveryStatus::Pending, Some(at)),
        NextStep::GiveUp => (DeliveryStatus::Fail, None),
    };
    let mut update = super::queue::end_lease(status, now)
        .col_expr(
            delivery::Column::AttemptCount,
            Expr::value(job.attempt_count + 1),
        )
        .filter(delivery::Column::Id.eq(job.id.as_str()))
        .filter(super::hold::still_held(job));
    if let Some(at) = next_at {
        update = update.col_expr(delivery::Column::NextAttemptAt, Expr::value(at));
    }
    if update.exec(txn).await?.rows_affected == 0 {
        return Ok(Written::default());
    }
    attempt::ActiveModel::from(attempt_row(job, &record, now))
        .insert(txn)
        .await?;
    // The endpoint's health, and the alerts it causes, decided on the row itself
    // (locked by our update until commit), so concurrent attempts to one endpoint
    // report "failing", "recovered" and "disabled" exactly once.
    let last = record.last();
    let mut changes = record.state_changes;
    let scoped = || {
        endpoint::Entity::update_many()
            .filter(endpoint::Column::TenantId.eq(job.tenant_id.as_str()))
            .filter(endpoint::Column::Id.eq(job.endpoint_id.as_str()))
    };
    if record.succeeded {
        changes.extend(mark_healthy(txn, job, &last, now).await?);
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
            .exec(txn)
            .await?;
        let failures: Option<i32> = endpoint::Entity::find()
            .select_only()
            .column(endpoint::Column::ConsecutiveFailures)
            .filter(endpoint::Column::TenantId.eq(job.tenant_id.as_str()))
            .filter(endpoint::Column::Id.eq(job.endpoint_id.as_str()))
            .into_tuple()
            .one(txn)
            .await?;
        if failures == Some(FAILING_THRESHOLD) {
            changes.push(StateChangeRecord {
                kind: "endpoint.failing",
                detail: serde_json::json!({"consecutiveFailures": FAILING_THRESHOLD, "last": last}),
            });
        }
    }
    let mut disabled = false;
    if let Some(reason) = record.disable_reason {
        let newly = scoped()
            .col_expr(endpoint::Column::Disabled, Expr::value(true))
            .filter(endpoint::Column::Disabled.eq(false))
            .exec(txn)
            .await?
            .rows_affected;
        if newly > 0 {
            disabled = true;
            changes.push(StateChangeRecord {
                kind: "endpoint.disabled",
                detail: serde_json::json!({"reason": reason, "last": last}),
            });
        }
    }
    insert_state_changes(txn, job, changes, now).await?;
    Ok(Written { disabled })
}

/// The alerts' outbox rows for `job`'s endpoint.
pub(super) async fn insert_state_changes(
    txn: &DatabaseTransaction,
    job: &ClaimedDelivery,
    changes: Vec<StateChangeRecord>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
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
        .insert(txn)
        .await?;
    }
    Ok(())
}
