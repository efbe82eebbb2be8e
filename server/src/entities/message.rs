use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub event_type: String,
    pub event_id: Option<String>,
    /// JSON array of strings.
    pub channels: Option<String>,
    /// JSON array of strings.
    pub tags: Option<String>,
    /// The payload's JSON text exactly as received; null once purged by retention.
    pub payload: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
