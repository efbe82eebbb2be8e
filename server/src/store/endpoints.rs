//! Endpoints of an application, their signing secrets (encrypted at rest) and custom
//! headers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, TransactionTrait, sea_query::Expr,
};

use super::{Page, PageRequest, StoreError, TenantScope, id_bound, json_text, paginate};
use crate::crypto::MainKey;
use crate::domain::{DeliveryId, DeliveryStatus, EndpointId, WebhookSecret, parse_uid};
use crate::entities::{application, delivery, endpoint};

/// Validated fields of an endpoint, as created or fully replaced.
#[derive(Debug, Clone, Default)]
pub struct EndpointFields {
    pub uid: Option<String>,
    pub url: String,
    pub description: String,
    pub event_types: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
    pub throttle_rate: Option<i32>,
    pub disabled: bool,
    pub headers: BTreeMap<String, String>,
    pub metadata: BTreeMap<String, String>,
    /// Stored as a duration list (`"5s,300s"`); `None` = the server's schedule (on
    /// replace: keep the current one).
    pub retry_schedule: Option<String>,
}

/// Fields a PATCH may change (`Some(None)` clears a nullable one).
#[derive(Debug, Clone, Default)]
pub struct EndpointPatch {
    pub uid: Option<Option<String>>,
    pub url: Option<String>,
    pub description: Option<String>,
    pub event_types: Option<Option<Vec<String>>>,
    pub channels: Option<Option<Vec<String>>>,
    pub throttle_rate: Option<Option<i32>>,
    pub disabled: Option<bool>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub retry_schedule: Option<Option<String>>,
}

/// Deliveries of one endpoint by status.
#[derive(Debug, Default, Clone, Copy)]
pub struct EndpointStats {
    pub success: u64,
    /// Waiting, or taken by a claim and not yet recorded: a claim is not written on
    /// the delivery row (`hold.rs`), so it reads as pending until its outcome.
    pub pending: u64,
    /// Leased on the row: handed off at accept, or taken back from an expired lease.
    pub sending: u64,
    pub fail: u64,
    pub canceled: u64,
}

const UID_TAKEN: &str = "an endpoint with this uid already exists in this application";

impl TenantScope<'_> {
    /// An endpoint of `app` by id or uid.
    pub async fn find_endpoint(
        &self,
        app: &application::Model,
        id_or_uid: &str,
    ) -> Result<endpoint::Model, StoreError> {
        use endpoint::Column;
        let query = endpoint::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::AppId.eq(app.id.as_str()));
        let query = if EndpointId::parse(id_or_uid).is_some() {
            query.filter(Column::Id.eq(id_or_uid))
        } else if parse_uid(id_or_uid).is_ok() {
            query.filter(Column::Uid.eq(id_or_uid))
        } else {
            return Err(StoreError::NotFound);
        };
        query.one(self.db).await?.ok_or(StoreError::NotFound)
    }

    /// An application and one of its endpoints, by id or uid each: what every
    /// `/app/{app}/endpoint/{ep}/…` route starts with.
    pub async fn find_app_endpoint(
        &self,
        app_id_or_uid: &str,
        endpoint_id_or_uid: &str,
    ) -> Result<(application::Model, endpoint::Model), StoreError> {
        let app = self.find_app(app_id_or_uid).await?;
        let ep = self.find_endpoint(&app, endpoint_id_or_uid).await?;
        Ok((app, ep))
    }

    pub async fn list_endpoints(
        &self,
        app: &application::Model,
        page: &PageRequest,
    ) -> Result<Page<endpoint::Model>, StoreError> {
        use endpoint::Column;
        let query = endpoint::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::AppId.eq(app.id.as_str()));
        paginate(self.db, query, Column::Id, page).await
    }

    /// Creates the endpoint and its first secret (given or generated) together.
    pub async fn create_endpoint(
        &self,
        key: &MainKey,
        app: &application::Model,
        fields: EndpointFields,
        secret: Option<WebhookSecret>,
    ) -> Result<endpoint::Model, StoreError> {
        let id = EndpointId::generate();
        let now = Utc::now();
        let secret = secret.unwrap_or_else(WebhookSecret::generate);
        let txn = self.db.begin().await?;
        let model = endpoint::ActiveModel {
            id: Set(id.to_string()),
            tenant_id: Set(self.tenant_id.to_string()),
            app_id: Set(app.id.clone()),
            uid: Set(fields.uid),
            url: Set(fields.url),
            description: Set(fields.description),
            event_types: Set(json_text::to_text_opt(&fields.event_types)),
            channels: Set(json_text::to_text_opt(&fields.channels)),
            throttle_rate: Set(fields.throttle_rate),
            disabled: Set(fields.disabled),
            headers: Set(json_text::to_text(&fields.headers)),
            metadata: Set(json_text::to_text(&fields.metadata)),
            retry_schedule: Set(fields.retry_schedule),
            failing_since: Set(None),
            last_success_at: Set(None),
            consecutive_failures: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(|e| StoreError::from_write(e, UID_TAKEN))?;
        self.insert_secret(&txn, key, &model.id, &secret, None)
            .await?;
        txn.commit().await?;
        self.forget_fanout(&app.id).await;
        Ok(model)
    }

    /// PUT: replaces an endpoint's fields, or creates it (uid from the path when the
    /// path is not an id). Returns whether it was created.
    pub async fn upsert_endpoint(
        &self,
        key: &MainKey,
        app: &application::Model,
        id_or_uid: &str,
        mut fields: EndpointFields,
    ) -> Result<(endpoint::Model, bool), StoreError> {
        match self.find_endpoint(app, id_or_uid).await {
            Ok(existing) => {
                let headers = existing.headers.clone();
                // Addressed by uid without one in the body: keep it.
                let uid = fields.uid.or(existing.uid.clone());
                let re_enabled = existing.disabled && !fields.disabled;
                let mut active = existing.into_active_model();
                active.uid = Set(uid);
                active.url = Set(fields.url);
                active.description = Set(fields.description);
                active.event_types = Set(json_text::to_text_opt(&fields.event_types));
                active.channels = Set(json_text::to_text_opt(&fields.channels));
                active.throttle_rate = Set(fields.throttle_rate);
                active.disabled = Set(fields.disabled);
                if re_enabled {
                    active.failing_since = Set(None);
                    active.consecutive_failures = Set(0);
                }
                active.metadata = Set(json_text::to_text(&fields.metadata));
                if fields.retry_schedule.is_some() {
                    active.retry_schedule = Set(fields.retry_schedule);
                }
                // Headers have their own routes; a PUT without them keeps them.
                active.headers = Set(if fields.headers.is_empty() {
                    headers
                } else {
                    json_text::to_text(&fields.headers)
                });
                active.updated_at = Set(Utc::now());
                let model = active
                    .update(self.db)
                    .await
                    .map_err(|e| StoreError::from_write(e, UID_TAKEN))?;
                self.forget_fanout(&app.id).await;
                Ok((model, false))
            }
            // Ids are ours to make: an unknown id is a 404 (it may be another
            // tenant's), an unknown uid creates the endpoint with that uid.
            Err(StoreError::NotFound) if EndpointId::parse(id_or_uid).is_none() => {
                fields.uid.get_or_insert_with(|| id_or_uid.to_string());
                Ok((self.create_endpoint(key, app, fields, None).await?, true))
            }
            Err(e) => Err(e),
        }
    }

    pub async fn patch_endpoint(
        &self,
        app: &application::Model,
        id_or_uid: &str,
        patch: EndpointPatch,
    ) -> Result<endpoint::Model, StoreError> {
        let mut active = self
            .find_endpoint(app, id_or_uid)
            .await?
            .into_active_model();
        if let Some(v) = patch.uid {
            active.uid = Set(v);
        }
        if let Some(v) = patch.url {
            active.url = Set(v);
        }
        if let Some(v) = patch.description {
            active.description = Set(v);
        }
        if let Some(v) = patch.event_types {
            active.event_types = Set(json_text::to_text_opt(&v));
        }
        if let Some(v) = patch.channels {
            active.channels = Set(json_text::to_text_opt(&v));
        }
        if let Some(v) = patch.throttle_rate {
            active.throttle_rate = Set(v);
        }
        if let Some(v) = patch.disabled {
            active.disabled = Set(v);
            if !v {
                // Re-enabled: the failure streak that disabled it is over.
                active.failing_since = Set(None);
                active.consecutive_failures = Set(0);
            }
        }
        if let Some(v) = patch.retry_schedule {
            active.retry_schedule = Set(v);
        }
        if let Some(v) = patch.metadata {
            active.metadata = Set(json_text::to_text(&v));
        }
        active.updated_at = Set(Utc::now());
        let model = active
            .update(self.db)
            .await
            .map_err(|e| StoreError::from_write(e, UID_TAKEN))?;
        self.forget_fanout(&app.id).await;
        Ok(model)
    }

    /// Fan-out reads every endpoint of the app: any change to one drops the view (and
    /// with it the endpoint contexts the hand-off keeps under it: `context_cache.rs`).
    pub(super) async fn forget_fanout(&self, app_id: &str) {
        let key = crate::cache::keys::fanout(self.tenant_id.as_str(), app_id);
        self.cache.invalidate(&[key]).await;
    }

    pub async fn delete_endpoint(
        &self,
        app: &application::Model,
        id_or_uid: &str,
    ) -> Result<(), StoreError> {
        let ep = self.find_endpoint(app, id_or_uid).await?;
        // Its deliveries and attempts with it, at once (`cascade.rs`).
        let txn = self.db.begin().await?;
        super::cascade::endpoint_rows(&txn, self.tenant_id, &app.id, &ep.id).await?;
        endpoint::Entity::delete_many()
            .filter(endpoint::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(endpoint::Column::Id.eq(ep.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.forget_fanout(&app.id).await;
        Ok(())
    }

    pub async fn set_endpoint_headers(
        &self,
        ep: &endpoint::Model,
        headers: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        let mut active = ep.clone().into_active_model();
        active.headers = Set(json_text::to_text(headers));
        active.updated_at = Set(Utc::now());
        active.update(self.db).await?;
        self.forget_fanout(&ep.app_id).await;
        Ok(())
    }

    pub async fn endpoint_stats(
        &self,
        ep: &endpoint::Model,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<EndpointStats, StoreError> {
        let mut stats = EndpointStats::default();
        for status in [
            DeliveryStatus::Success,
            DeliveryStatus::Pending,
            DeliveryStatus::Sending,
            DeliveryStatus::Fail,
            DeliveryStatus::Canceled,
        ] {
            let count = self.count_deliveries(ep, status, since, until).await?;
            match status {
                DeliveryStatus::Success => stats.success = count,
                DeliveryStatus::Pending => stats.pending = count,
                DeliveryStatus::Sending => stats.sending = count,
                DeliveryStatus::Fail => stats.fail = count,
                DeliveryStatus::Canceled => stats.canceled = count,
            }
        }
        Ok(stats)
    }

    /// How many of `ep`'s deliveries are in `status` (created within the bounds): a
    /// range of the `(endpoint_id, status, id)` index.
    pub async fn count_deliveries(
        &self,
        ep: &endpoint::Model,
        status: DeliveryStatus,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<u64, StoreError> {
        use delivery::Column;
        let mut query = delivery::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::EndpointId.eq(ep.id.as_str()))
            .filter(Column::Status.eq(status.as_i16()));
        // Time bounds as id bounds (ids are time-sortable): the count stays on the
        // index instead of reading every row.
        if let Some(since) = since {
            query = query.filter(Column::Id.gte(id_bound(DeliveryId::PREFIX, since, false)));
        }
        if let Some(until) = until {
            query = query.filter(Column::Id.lt(id_bound(DeliveryId::PREFIX, until, false)));
        }
        Ok(query.count(self.db).await?)
    }

    /// Queues a manual re-delivery of every message whose delivery to `ep` failed
    /// in the window. Returns how many.
    pub async fn recover_endpoint(
        &self,
        ep: &endpoint::Model,
        since: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
    ) -> Result<u64, StoreError> {
        use delivery::Column;
        let now = Utc::now();
        let mut update = delivery::Entity::update_many()
            .col_expr(
                Column::Status,
                Expr::value(DeliveryStatus::Pending.as_i16()),
            )
            .col_expr(
                Column::Trigger,
                Expr::value(crate::domain::Trigger::Manual as i16),
            )
            .col_expr(Column::NextAttemptAt, Expr::value(now))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::EndpointId.eq(ep.id.as_str()))
            .filter(Column::Status.eq(DeliveryStatus::Fail.as_i16()))
            .filter(Column::CreatedAt.gte(since));
        if let Some(until) = until {
            update = update.filter(Column::CreatedAt.lt(until));
        }
        let recovered = update.exec(self.db).await?.rows_affected;
        super::messages::notify_workers(self.db).await?;
        Ok(recovered)
    }
}
