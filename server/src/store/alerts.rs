//! From state changes to queued emails, once each, throttled (SPEC §7).
//!
//! `turn_state_changes_into_emails` takes unhandled `state_change` rows, each claimed
//! by a conditional update (so of concurrent processes one handles it), and in **one
//! transaction** marks them handled, updates the per-endpoint-and-kind throttle
//! (locked), and queues the emails: a crash before the commit leaves everything to do
//! again, after it nothing is done twice. Events inside a throttle window are counted, and the
//! count goes out as a summary once the window is over (`summarize_held_back`).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, OnConflict},
};

use super::{Store, StoreError, json_text};
use crate::domain::{AlertEmailId, TenantId};
use crate::entities::{alert_email, alert_throttle, application, endpoint, state_change, tenant};

/// Everything an alert email says.
#[derive(Debug, Clone)]
pub struct AlertEvent {
    pub kind: String,
    /// The state change's JSON detail: last status code or error, counts, reason.
    pub detail: serde_json::Value,
    pub tenant_name: String,
    pub app_id: String,
    pub app_name: String,
    pub endpoint_id: String,
    pub endpoint_url: String,
    /// How many events this email reports (1, or the held-back count of a summary).
    pub count: i64,
    /// Events of this kind that were held back since `since` and are included.
    pub held_back: i64,
    /// Start of the window the email covers.
    pub since: DateTime<Utc>,
    /// A summary of held-back events only (no new event triggered it).
    pub summary: bool,
}

/// A composed email, ready to queue.
#[derive(Debug, Clone)]
pub struct ComposedEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What the alerter needs to decide about a tenant: whether the kind is on, who gets
/// it, the throttle window.
pub struct AlertPolicy {
    pub recipients: Vec<String>,
    pub kinds: Vec<String>,
    pub window: Duration,
}

/// `last_sent_at` of a throttle that never sent: the epoch.
fn never() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

impl Store {
    /// Handles up to `limit` state changes; returns how many emails were queued.
    pub async fn turn_state_changes_into_emails(
        &self,
        limit: u64,
        default_window: Duration,
        compose: &(dyn Fn(&AlertEvent) -> ComposedEmail + Sync),
    ) -> Result<usize, StoreError> {
        let changes = state_change::Entity::find()
            .filter(state_change::Column::ProcessedAt.is_null())
            .order_by_asc(state_change::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let now = Utc::now();
        let mut queued = 0;
        for change in changes {
            // One transaction per change, opened by claiming it: a write first, so
            // SQLite takes its write lock at once, and of several processes exactly
            // one sees the row unhandled.
            let txn = self.db.begin().await?;
            let claimed = state_change::Entity::update_many()
                .col_expr(state_change::Column::ProcessedAt, Expr::value(now))
                .filter(state_change::Column::Id.eq(change.id.as_str()))
                .filter(state_change::Column::ProcessedAt.is_null())
                .exec(&txn)
                .await?
                .rows_affected;
            if claimed == 0 {
                continue;
            }
            let policy = self.alert_policy(&change.tenant_id, default_window).await?;
            if policy.recipients.is_empty() || !policy.kinds.contains(&change.kind) {
                txn.commit().await?;
                continue;
            }
            let throttle = self.lock_throttle(&txn, &change).await?;
            let key = (
                alert_throttle::Column::EndpointId.eq(change.endpoint_id.as_str()),
                alert_throttle::Column::Kind.eq(change.kind.as_str()),
            );
            if now - throttle.last_sent_at < policy.window {
                // Held back: counted (relative to the locked row) for the summary.
                alert_throttle::Entity::update_many()
                    .col_expr(
                        alert_throttle::Column::Suppressed,
                        Expr::col(alert_throttle::Column::Suppressed).add(1),
                    )
                    .col_expr(
                        alert_throttle::Column::LastDetail,
                        Expr::value(Some(change.detail.clone())),
                    )
                    .filter(key.0)
                    .filter(key.1)
                    .exec(&txn)
                    .await?;
                txn.commit().await?;
                continue;
            }
            alert_throttle::Entity::update_many()
                .col_expr(alert_throttle::Column::LastSentAt, Expr::value(now))
                .col_expr(alert_throttle::Column::Suppressed, Expr::value(0))
                .col_expr(
                    alert_throttle::Column::LastDetail,
                    Expr::value(Option::<String>::None),
                )
                .filter(key.0)
                .filter(key.1)
                .exec(&txn)
                .await?;
            let held_back = throttle.suppressed;
            let since = if throttle.last_sent_at == never() {
                change.created_at
            } else {
                throttle.last_sent_at
            };
            let event = self
                .alert_event(&txn, &change, held_back as i64, since, false)
                .await?;
            self.queue_email(&txn, &change.tenant_id, &policy.recipients, compose(&event))
                .await?;
            txn.commit().await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// Emails the count of events held back by a throttle window that has ended.
    pub async fn summarize_held_back(
        &self,
        default_window: Duration,
        compose: &(dyn Fn(&AlertEvent) -> ComposedEmail + Sync),
    ) -> Result<usize, StoreError> {
        let waiting = alert_throttle::Entity::find()
            .filter(alert_throttle::Column::Suppressed.gt(0))
            .all(&self.db)
            .await?;
        let now = Utc::now();
        let mut queued = 0;
        for throttle in waiting {
            let policy = self
                .alert_policy(&throttle.tenant_id, default_window)
                .await?;
            if now - throttle.last_sent_at < policy.window {
                continue;
            }
            let txn = self.db.begin().await?;
            // Claimed by a conditional update: of several processes, one sends it.
            let claimed = alert_throttle::Entity::update_many()
                .col_expr(alert_throttle::Column::Suppressed, Expr::value(0))
                .col_expr(alert_throttle::Column::LastSentAt, Expr::value(now))
                .filter(alert_throttle::Column::EndpointId.eq(throttle.endpoint_id.as_str()))
                .filter(alert_throttle::Column::Kind.eq(throttle.kind.as_str()))
                .filter(alert_throttle::Column::Suppressed.eq(throttle.suppressed))
                .filter(alert_throttle::Column::LastSentAt.eq(throttle.last_sent_at))
                .exec(&txn)
                .await?
                .rows_affected;
            if claimed == 0
                || policy.recipients.is_empty()
                || !policy.kinds.contains(&throttle.kind)
            {
                txn.commit().await?;
                continue;
            }
            let change = state_change::Model {
                id: String::new(),
                tenant_id: throttle.tenant_id.clone(),
                app_id: throttle.app_id.clone(),
                endpoint_id: throttle.endpoint_id.clone(),
                message_id: None,
                kind: throttle.kind.clone(),
                detail: throttle.last_detail.clone().unwrap_or_else(|| "{}".into()),
                created_at: now,
                processed_at: None,
            };
            let mut event = self
                .alert_event(&txn, &change, 0, throttle.last_sent_at, true)
                .await?;
            event.count = i64::from(throttle.suppressed);
            self.queue_email(
                &txn,
                &throttle.tenant_id,
                &policy.recipients,
                compose(&event),
            )
            .await?;
            txn.commit().await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// The throttle row of the change's endpoint and kind, created if missing and
    /// locked until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's writer
    /// lock is already held), so concurrent alerters decide one after the other.
    async fn lock_throttle(
        &self,
        txn: &DatabaseTransaction,
        change: &state_change::Model,
    ) -> Result<alert_throttle::Model, StoreError> {
        use alert_throttle::Column;
        alert_throttle::Entity::insert(alert_throttle::ActiveModel {
            endpoint_id: Set(change.endpoint_id.clone()),
            kind: Set(change.kind.clone()),
            tenant_id: Set(change.tenant_id.clone()),
            app_id: Set(change.app_id.clone()),
            last_sent_at: Set(never()),
            suppressed: Set(0),
            last_detail: Set(None),
        })
        .on_conflict(
            OnConflict::columns([Column::EndpointId, Column::Kind])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        let mut find =
            alert_throttle::Entity::find_by_id((change.endpoint_id.clone(), change.kind.clone()));
        if txn.get_database_backend() == DbBackend::Postgres {
            find = find.lock_exclusive();
        }
        find.one(txn).await?.ok_or(StoreError::NotFound)
    }

    async fn alert_policy(
        &self,
        tenant_id: &str,
        default_window: Duration,
    ) -> Result<AlertPolicy, StoreError> {
        let tenant_id = TenantId(tenant_id.to_string());
        let settings = self.tenant(&tenant_id).alert_settings().await?;
        Ok(AlertPolicy {
            recipients: settings.recipients,
            kinds: settings.kinds,
            window: settings
                .throttle_seconds
                .map(Duration::seconds)
                .unwrap_or(default_window),
        })
    }

    /// The names an email shows, read within the change's tenant.
    async fn alert_event(
        &self,
        txn: &DatabaseTransaction,
        change: &state_change::Model,
        held_back: i64,
        since: DateTime<Utc>,
        summary: bool,
    ) -> Result<AlertEvent, StoreError> {
        let tenant_name = tenant::Entity::find_by_id(change.tenant_id.as_str())
            .one(txn)
            .await?
            .map(|t| t.name)
            .unwrap_or_default();
        let app_name = application::Entity::find()
            .filter(application::Column::TenantId.eq(change.tenant_id.as_str()))
            .filter(application::Column::Id.eq(change.app_id.as_str()))
            .one(txn)
            .await?
            .map(|a| a.name)
            .unwrap_or_else(|| "(deleted application)".into());
        let endpoint_url = endpoint::Entity::find()
            .filter(endpoint::Column::TenantId.eq(change.tenant_id.as_str()))
            .filter(endpoint::Column::Id.eq(change.endpoint_id.as_str()))
            .one(txn)
            .await?
            .map(|e| e.url)
            .unwrap_or_else(|| "(deleted endpoint)".into());
        Ok(AlertEvent {
            kind: change.kind.clone(),
            detail: serde_json::from_str(&change.detail).unwrap_or_default(),
            tenant_name,
            app_id: change.app_id.clone(),
            app_name,
            endpoint_id: change.endpoint_id.clone(),
            endpoint_url,
            count: 1 + held_back,
            held_back,
            since,
            summary,
        })
    }

    async fn queue_email(
        &self,
        txn: &DatabaseTransaction,
        tenant_id: &str,
        recipients: &[String],
        email: ComposedEmail,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        alert_email::ActiveModel {
            id: Set(AlertEmailId::generate().to_string()),
            tenant_id: Set(tenant_id.to_string()),
            recipients: Set(json_text::to_text(&recipients)),
            subject: Set(email.subject),
            text_body: Set(email.text),
            html_body: Set(email.html),
            status: Set(0),
            attempts: Set(0),
            next_attempt_at: Set(now),
            lease_owner: Set(None),
            lease_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
        }
        .insert(txn)
        .await?;
        Ok(())
    }
}
