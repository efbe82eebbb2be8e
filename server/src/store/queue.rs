//! The delivery queue (ARCHITECTURE.md, "Delivery queue"): workers claim due rows
//! (`claim.rs`, held as `hold.rs` says), and record each attempt together with the delivery's next state in one
//! transaction. These are the engine's entry points; each row carries its tenant id,
//! and everything read for a delivery is read within that tenant.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, TransactionTrait, sea_query::Expr,
};

use super::hold::{free_claimed, still_held};
use super::{DeliveryContext, StateChangeRecord, Store, StoreError};
use crate::domain::{DeliveryStatus, TenantId};
use crate::entities::delivery;

/// A delivery this worker holds, by a claim or a lease (`hold.rs`).
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
    /// The token of the claim (`delivery_claim.token`) or lease (`lease_owner`) that
    /// holds it: writing its outcome needs it, so a claim that outlived its hold cannot
    /// overwrite what a later claim of the row does (`hold.rs`).
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
        let txn = self.db.begin().await?;
        end_lease(DeliveryStatus::Pending, Utc::now())
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(at))
            .filter(delivery::Column::Id.eq(job.id.as_str()))
            .filter(still_held(job))
            .exec(&txn)
            .await?;
        self.end_holds(txn, &[job]).await
    }

    /// Hands claimed deliveries back unattempted, due as they were (a stopping worker,
    /// or deliveries that waited too long for their endpoint's slot). Rows no longer
    /// held by the job's claim or lease are left alone.
    pub async fn release_deliveries(&self, jobs: &[ClaimedDelivery]) -> Result<(), StoreError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await?;
        // A bounded number of statements whatever the hand-back: 100 rows each.
        for chunk in jobs.chunks(100) {
            let held = chunk.iter().fold(Condition::any(), |any, job| {
                any.add(
                    Condition::all()
                        .add(delivery::Column::Id.eq(job.id.as_str()))
                        .add(still_held(job)),
                )
            });
            end_lease(DeliveryStatus::Pending, Utc::now())
                .filter(held)
                .exec(&txn)
                .await?;
        }
        let jobs: Vec<&ClaimedDelivery> = jobs.iter().collect();
        self.end_holds(txn, &jobs).await
    }

    /// Ends a claimed delivery without an attempt (its endpoint is disabled, or its
    /// message or endpoint is gone): failed, so `recover` can queue it again later.
    pub async fn skip_delivery(&self, job: &ClaimedDelivery) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        end_lease(DeliveryStatus::Fail, Utc::now())
            .filter(delivery::Column::Id.eq(job.id.as_str()))
            .filter(still_held(job))
            .exec(&txn)
            .await?;
        self.end_holds(txn, &[job]).await
    }

    /// Takes `jobs` out of their claims within `txn` (which wrote their new state),
    /// commits, and marks them ended (`hold.rs`).
    async fn end_holds(
        &self,
        txn: sea_orm::DatabaseTransaction,
        jobs: &[&ClaimedDelivery],
    ) -> Result<(), StoreError> {
        free_claimed(&txn, &self.held, jobs).await?;
        txn.commit().await?;
        self.held.ended(jobs.iter().copied());
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
