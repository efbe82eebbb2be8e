//! The queue of alert emails: claimed with a lease (so each is sent by one process),
//! marked sent, or put back with a later time after a failed send. Nothing is ever
//! dropped: an SMTP outage only delays.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use super::{Store, StoreError};
use crate::entities::alert_email::{self, Column, Entity};

const QUEUED: i16 = 0;
const SENDING: i16 = 1;
const SENT: i16 = 2;

impl Store {
    /// Leases up to `limit` due emails (or ones whose lease ran out) to `owner`.
    pub async fn claim_alert_emails(
        &self,
        owner: &str,
        lease: Duration,
        limit: u64,
    ) -> Result<Vec<alert_email::Model>, StoreError> {
        let now = Utc::now();
        let due = Entity::find()
            .filter(
                Column::Status
                    .eq(QUEUED)
                    .and(Column::NextAttemptAt.lte(now))
                    .or(Column::Status.eq(SENDING).and(Column::LeaseUntil.lt(now))),
            )
            .order_by_asc(Column::NextAttemptAt)
            .limit(limit)
            .all(&self.db)
            .await?;
        let mut claimed = Vec::new();
        for email in due {
            // Conditional on the state we read: of several processes, one wins.
            let won = Entity::update_many()
                .col_expr(Column::Status, Expr::value(SENDING))
                .col_expr(Column::LeaseOwner, Expr::value(owner))
                .col_expr(Column::LeaseUntil, Expr::value(now + lease))
                .filter(Column::Id.eq(email.id.as_str()))
                .filter(Column::Status.eq(email.status))
                .filter(match email.lease_until {
                    Some(until) => Column::LeaseUntil.eq(until),
                    None => Column::LeaseUntil.is_null(),
                })
                .exec(&self.db)
                .await?
                .rows_affected
                == 1;
            if won {
                claimed.push(email);
            }
        }
        Ok(claimed)
    }

    pub async fn alert_email_sent(&self, id: &str, owner: &str) -> Result<(), StoreError> {
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(SENT))
            .col_expr(Column::SentAt, Expr::value(Utc::now()))
            .col_expr(Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(Column::Id.eq(id))
            .filter(Column::LeaseOwner.eq(owner))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Puts a failed email back in the queue, due again at `retry_at`.
    pub async fn alert_email_failed(
        &self,
        email: &alert_email::Model,
        owner: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(QUEUED))
            .col_expr(Column::Attempts, Expr::value(email.attempts + 1))
            .col_expr(Column::NextAttemptAt, Expr::value(retry_at))
            .col_expr(Column::LastError, Expr::value(error))
            .col_expr(Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(Column::Id.eq(email.id.as_str()))
            .filter(Column::LeaseOwner.eq(owner))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
