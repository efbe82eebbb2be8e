//! Delivery attempts, as the delivery engine records them: listed per endpoint or per
//! message, newest first.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{Page, PageRequest, StoreError, TenantScope, id_bound, paginate};
use crate::domain::{AttemptId, DeliveryStatus};
use crate::entities::{application, attempt, message};

#[derive(Debug, Clone, Default)]
pub struct AttemptFilter {
    pub status: Option<DeliveryStatus>,
    pub endpoint_id: Option<String>,
    pub message_id: Option<String>,
    /// Attempts of messages of these event types.
    pub event_types: Option<Vec<String>>,
    pub before: Option<DateTime<Utc>>,
    pub after: Option<DateTime<Utc>>,
}

impl TenantScope<'_> {
    pub async fn list_attempts(
        &self,
        app: &application::Model,
        filter: &AttemptFilter,
        page: &PageRequest,
    ) -> Result<Page<attempt::Model>, StoreError> {
        paginate(
            self.db,
            self.attempts_query(app, filter),
            attempt::Column::Id,
            page,
        )
        .await
    }

    /// The attempts of `app` that pass `filter`, unordered (pagination adds the rest).
    pub fn attempts_query(
        &self,
        app: &application::Model,
        filter: &AttemptFilter,
    ) -> sea_orm::Select<attempt::Entity> {
        use attempt::Column;
        let mut query = attempt::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::AppId.eq(app.id.as_str()));
        if let Some(status) = filter.status {
            query = query.filter(Column::Status.eq(status.as_i16()));
        }
        if let Some(ep) = &filter.endpoint_id {
            query = query.filter(Column::EndpointId.eq(ep.as_str()));
        }
        if let Some(msg) = &filter.message_id {
            query = query.filter(Column::MessageId.eq(msg.as_str()));
        }
        if let Some(types) = &filter.event_types {
            let messages = sea_orm::sea_query::Query::select()
                .column(message::Column::Id)
                .from(message::Entity)
                .and_where(message::Column::TenantId.eq(self.tenant_id.as_str()))
                .and_where(message::Column::AppId.eq(app.id.as_str()))
                .and_where(message::Column::EventType.is_in(types.clone()))
                .to_owned();
            query = query.filter(Column::MessageId.in_subquery(messages));
        }
        if let Some(before) = filter.before {
            query = query.filter(Column::Id.lt(id_bound(AttemptId::PREFIX, before, false)));
        }
        if let Some(after) = filter.after {
            query = query.filter(Column::Id.gt(id_bound(AttemptId::PREFIX, after, true)));
        }
        query
    }

    pub async fn find_attempt(
        &self,
        msg: &message::Model,
        id: &str,
    ) -> Result<attempt::Model, StoreError> {
        if AttemptId::parse(id).is_none() {
            return Err(StoreError::NotFound);
        }
        attempt::Entity::find()
            .filter(attempt::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(attempt::Column::MessageId.eq(msg.id.as_str()))
            .filter(attempt::Column::Id.eq(id))
            .one(self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }
}
