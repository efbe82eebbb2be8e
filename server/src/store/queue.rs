//! The delivery queue (ARCHITECTURE.md, "Delivery queue"): workers claim due rows with
//! a lease, and record each attempt together with the delivery's next state in one
//! transaction. These are the engine's entry points; each row carries its tenant id,
//! and everything read for a delivery is read within that tenant.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{DeliveryContext, StateChangeRecord, Store, StoreError};
use crate::domain::{DeliveryStatus, TenantId};
use crate::entities::delivery;

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
    /// What the attempt reads, as of the claim (`context.rs`); `None` when the
    /// message or the endpoint is gone.
    pub context: Option<DeliveryContext>,
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
    /// State changes of this delivery (`message.exhausted`); the endpoint's own
    /// (failing, recovered, disabled) are decided in `record_attempt`.
    pub state_changes: Vec<StateChangeRecord>,
}

impl AttemptRecord {
    /// The attempt's outcome as alert details quote it: status code, error, URL.
    /// Made when an alert is, not for every attempt.
    pub fn last(&self) -> serde_json::Value {
        serde_json::json!({
            "statusCode": self.response_status_code,
            "error": self.error,
            "url": self.url,
        })
    }
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
    /// Hands a claimed delivery back unattempted, due again at `at` (its endpoint is at
    /// its rate limit or concurrency cap).
    pub async fn defer_delivery(
        &self,
        job: &ClaimedDelivery,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        end_lease(DeliveryStatus::Pending, Utc::now())
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(at))
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
        end_lease(DeliveryStatus::Pending, Utc::now())
            .filter(delivery::Column::Id.is_in(ids))
            .filter(delivery::Column::LeaseOwner.is_in(leases))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Ends a claimed delivery without an attempt (its endpoint is disabled, or its
    /// message or endpoint is gone): failed, so `recover` can queue it again later.
    pub async fn skip_delivery(&self, job: &ClaimedDelivery) -> Result<(), StoreError> {
        end_lease(DeliveryStatus::Fail, Utc::now())
            .filter(delivery::Column::Id.eq(job.id.as_str()))
            .filter(delivery::Column::LeaseOwner.eq(job.lease.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

/// An update that ends a lease: the delivery's new status, no owner, no expiry.
/// (Callers add which rows, conditional on the lease still being theirs.)
pub(super) fn end_lease(
    status: DeliveryStatus,
    now: DateTime<Utc>,
) -> sea_orm::UpdateMany<delivery::Entity> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status.as_i16()))
        .col_expr(
            delivery::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
}
