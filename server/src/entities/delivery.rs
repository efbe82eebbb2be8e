//! The delivery queue: one row per (message, endpoint) still to be, or already,
//! delivered. The delivery engine claims due rows with a lease (ARCHITECTURE.md).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub message_id: String,
    pub endpoint_id: String,
    /// `domain::DeliveryStatus` as its Svix number.
    pub status: i16,
    /// 0 scheduled, 1 manual.
    pub trigger: i16,
    pub attempt_count: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
