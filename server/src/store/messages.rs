//! Messages: durable acceptance with fan-out, and their history.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait,
};

use super::ClaimedDelivery;
use super::group_commit::Rows;
use super::{Page, PageRequest, StoreError, TenantScope, id_bound, json_text, paginate};
use crate::domain::{DeliveryId, DeliveryStatus, MessageId, TenantId, Trigger, parse_uid};
use crate::engine::HandOff;
use crate::entities::{application, delivery, endpoint, message};

/// A validated message to accept.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub event_type: String,
    pub event_id: Option<String>,
    pub channels: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    /// The payload's JSON text exactly as received.
    pub payload: String,
}

#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub event_types: Option<Vec<String>>,
    pub channel: Option<String>,
    pub before: Option<DateTime<Utc>>,
    pub after: Option<DateTime<Utc>>,
}

/// Wakes delivery workers in other processes once the transaction commits
/// (PostgreSQL `NOTIFY`; SQLite runs in one process, woken in-process).
pub async fn notify_workers(db: &impl ConnectionTrait) -> Result<(), StoreError> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {}", crate::engine::wakeups::CHANNEL))
            .await?;
    }
    Ok(())
}

const EVENT_ID_TAKEN: &str = "a message with this eventId already exists in this application";

/// What fan-out needs of an endpoint, and all the cache keeps of it: no URL, no
/// headers (they may carry credentials), no secret.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FanoutTarget {
    pub id: String,
    pub disabled: bool,
    pub event_types: Vec<String>,
    pub channels: Vec<String>,
}

impl From<endpoint::Model> for FanoutTarget {
    fn from(ep: endpoint::Model) -> Self {
        Self {
            id: ep.id,
            disabled: ep.disabled,
            event_types: json_text::from_text(ep.event_types.as_deref()),
            channels: json_text::from_text(ep.channels.as_deref()),
        }
    }
}

/// An application's fan-out view as cached: its endpoints, and a random number drawn
/// when it was read from the database. The same number comes back for as long as the
/// cache serves this very read, and a new one after any write that invalidates it
/// (across processes with Redis), so it tells the hand-off whether the endpoint
/// contexts it keeps in memory are still current (`context_cache.rs`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FanoutView {
    pub read: u64,
    pub targets: Vec<FanoutTarget>,
}

impl FanoutTarget {
    /// Does it want a message of `event_type` on `channels`? An endpoint without an
    /// event-type filter takes every type; one with channels takes only messages on
    /// one of them. (Disabled or not: see `accept_message`.)
    pub fn wants(&self, event_type: &str, channels: Option<&[String]>) -> bool {
        if !self.event_types.is_empty() && !self.event_types.iter().any(|t| t == event_type) {
            return false;
        }
        self.channels.is_empty()
            || channels.is_some_and(|cs| cs.iter().any(|c| self.channels.contains(c)))
    }
}

/// A message accepted: it and its deliveries are committed.
pub struct Accepted {
    pub message: message::Model,
    /// The endpoints some of its deliveries wait in the queue for (the rest, if any,
    /// were handed to this process's engine): wake the workers for them.
    pub queued: Vec<String>,
}

impl TenantScope<'_> {
    /// Stores the message and one delivery per matching endpoint in **one**
    /// transaction; the caller answers 202 only once this returns. Deliveries to a
    /// disabled endpoint are stored as failed, unattempted, so that re-enabling it and
    /// recovering delivers what it missed.
    ///
    /// With `hand_off` (this process runs the engine), a delivery whose endpoint has a
    /// free slot is written already leased to the engine and started once the
    /// transaction commits (`engine/hand_off.rs`); the others are queued.
    pub async fn accept_message(
        &self,
        app: &application::Model,
        new: NewMessage,
        hand_off: Option<&HandOff>,
    ) -> Result<Accepted, StoreError> {
        // The hot read of every accept: from the cache when warm.
        let key = crate::cache::keys::fanout(self.tenant_id.as_str(), &app.id);
        let view: FanoutView = self
            .cache
            .get_or_load(&key, || async {
                Ok::<_, StoreError>(FanoutView {
                    read: rand::random(),
                    targets: endpoint::Entity::find()
                        .filter(endpoint::Column::TenantId.eq(self.tenant_id.as_str()))
                        .filter(endpoint::Column::AppId.eq(app.id.as_str()))
                        .all(self.db)
                        .await?
                        .into_iter()
                        .map(FanoutTarget::from)
                        .collect(),
                })
            })
            .await?;
        let msg = self.message_row(app, new);
        let targets: Vec<&FanoutTarget> = view
            .targets
            .iter()
            .filter(|ep| ep.wants(&msg.event_type, channels_of(&msg).as_deref()))
            .collect();
        let reservation = hand_off.map(|h| {
            h.reserve(
                targets
                    .iter()
                    .filter(|ep| !ep.disabled)
                    .map(|ep| ep.id.as_str()),
            )
        });
        let mut started = Vec::new();
        let deliveries = targets
            .iter()
            .map(|ep| {
                let lease = match &reservation {
                    Some(r) if !ep.disabled => r.lease_for(&ep.id),
                    _ => None,
                };
                let status = match lease {
                    _ if ep.disabled => DeliveryStatus::Fail,
                    Some(_) => DeliveryStatus::Sending,
                    None => DeliveryStatus::Pending,
                };
                let mut row = self.delivery_row(&msg, &ep.id, Trigger::Scheduled, status);
                if let Some((token, until)) = lease {
                    row.lease_owner = Some(token.to_string());
                    row.lease_until = Some(until);
                    started.push(started_delivery(&row, token));
                }
                row
            })
            .collect();
        // Shares a transaction with concurrent accepts (group commit); returns once
        // it committed.
        let rows = Rows {
            message: msg.clone(),
            deliveries,
        };
        let queued = rows.queued().map(str::to_string).collect();
        let written = self.commits.write(rows).await?;
        if !written {
            return Err(StoreError::Conflict(EVENT_ID_TAKEN));
        }
        if let Some(reservation) = reservation {
            reservation.start(&msg, started, view.read);
        }
        Ok(Accepted {
            message: msg,
            queued,
        })
    }

    /// A message delivered to one endpoint only (send-example).
    pub async fn accept_message_for(
        &self,
        app: &application::Model,
        ep: &endpoint::Model,
        new: NewMessage,
    ) -> Result<message::Model, StoreError> {
        let txn = self.db.begin().await?;
        let msg = self.insert_message(&txn, app, new).await?;
        notify_workers(&txn).await?;
        self.insert_delivery(&txn, &msg, &ep.id, Trigger::Manual, DeliveryStatus::Pending)
            .await?;
        txn.commit().await?;
        Ok(msg)
    }

    /// A new message row of this tenant (not yet written).
    fn message_row(&self, app: &application::Model, new: NewMessage) -> message::Model {
        message::Model {
            id: MessageId::generate().to_string(),
            tenant_id: self.tenant_id.to_string(),
            app_id: app.id.clone(),
            event_type: new.event_type,
            event_id: new.event_id,
            channels: json_text::to_text_opt(&new.channels),
            tags: json_text::to_text_opt(&new.tags),
            payload: Some(new.payload),
            created_at: Utc::now(),
        }
    }

    async fn insert_message(
        &self,
        db: &impl ConnectionTrait,
        app: &application::Model,
        new: NewMessage,
    ) -> Result<message::Model, StoreError> {
        let row: message::ActiveModel = self.message_row(app, new).into();
        row.insert(db)
            .await
            .map_err(|e| StoreError::from_write(e, EVENT_ID_TAKEN))
    }

    /// A delivery of `msg` to `endpoint_id`, due now (not yet written).
    fn delivery_row(
        &self,
        msg: &message::Model,
        endpoint_id: &str,
        trigger: Trigger,
        status: DeliveryStatus,
    ) -> delivery::Model {
        let now = Utc::now();
        delivery::Model {
            id: DeliveryId::generate().to_string(),
            tenant_id: self.tenant_id.to_string(),
            app_id: msg.app_id.clone(),
            message_id: msg.id.clone(),
            endpoint_id: endpoint_id.to_string(),
            status: status.as_i16(),
            trigger: trigger as i16,
            attempt_count: 0,
            next_attempt_at: now,
            lease_owner: None,
            lease_until: None,
            created_at: now,
            updated_at: now,
        }
    }

    async fn insert_delivery(
        &self,
        db: &impl ConnectionTrait,
        msg: &message::Model,
        endpoint_id: &str,
        trigger: Trigger,
        status: DeliveryStatus,
    ) -> Result<(), StoreError> {
        let row: delivery::ActiveModel =
            self.delivery_row(msg, endpoint_id, trigger, status).into();
        row.insert(db).await?;
        Ok(())
    }

    /// Queues one manual delivery of `msg` to `ep` (resend).
    pub async fn resend(
        &self,
        msg: &message::Model,
        ep: &endpoint::Model,
    ) -> Result<(), StoreError> {
        self.insert_delivery(
            self.db,
            msg,
            &ep.id,
            Trigger::Manual,
            DeliveryStatus::Pending,
        )
        .await?;
        notify_workers(self.db).await
    }

    /// A message of `app` by id or eventId.
    pub async fn find_message(
        &self,
        app: &application::Model,
        id_or_event_id: &str,
    ) -> Result<message::Model, StoreError> {
        use message::Column;
        let query = message::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::AppId.eq(app.id.as_str()));
        let query = if MessageId::parse(id_or_event_id).is_some() {
            query.filter(Column::Id.eq(id_or_event_id))
        } else if parse_uid(id_or_event_id).is_ok() {
            query.filter(Column::EventId.eq(id_or_event_id))
        } else {
            return Err(StoreError::NotFound);
        };
        query.one(self.db).await?.ok_or(StoreError::NotFound)
    }

    pub async fn list_messages(
        &self,
        app: &application::Model,
        filter: &MessageFilter,
        page: &PageRequest,
    ) -> Result<Page<message::Model>, StoreError> {
        paginate(
            self.db,
            self.messages_query(app, filter),
            message::Column::Id,
            page,
        )
        .await
    }

    /// The messages of `app` that pass `filter`, unordered (pagination adds the rest).
    pub fn messages_query(
        &self,
        app: &application::Model,
        filter: &MessageFilter,
    ) -> sea_orm::Select<message::Entity> {
        use message::Column;
        let mut query = message::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::AppId.eq(app.id.as_str()));
        if let Some(types) = &filter.event_types {
            query = query.filter(Column::EventType.is_in(types.clone()));
        }
        if let Some(channel) = &filter.channel {
            // Channels are a JSON array of strings: the quoted name matches one element.
            let escaped = channel
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern =
                sea_orm::sea_query::LikeExpr::new(format!("%\"{escaped}\"%")).escape('\\');
            query = query.filter(Column::Channels.like(pattern));
        }
        // Time bounds become id bounds: ids are time-sortable, so this stays on the index.
        if let Some(before) = filter.before {
            query = query.filter(Column::Id.lt(id_bound(MessageId::PREFIX, before, false)));
        }
        if let Some(after) = filter.after {
            query = query.filter(Column::Id.gt(id_bound(MessageId::PREFIX, after, true)));
        }
        query
    }
}

/// A message row's channels as a list (they are stored as JSON text).
fn channels_of(msg: &message::Model) -> Option<Vec<String>> {
    msg.channels
        .as_deref()
        .map(|text| json_text::from_text(Some(text)))
}

/// A delivery written leased to this process's engine, as the engine holds it.
fn started_delivery(row: &delivery::Model, lease: &str) -> ClaimedDelivery {
    ClaimedDelivery {
        id: row.id.clone(),
        tenant_id: TenantId(row.tenant_id.clone()),
        app_id: row.app_id.clone(),
        message_id: row.message_id.clone(),
        endpoint_id: row.endpoint_id.clone(),
        attempt_count: row.attempt_count,
        trigger: row.trigger,
        lease: lease.to_string(),
        context: None,
    }
}
