use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "state_change")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub endpoint_id: String,
    pub message_id: Option<String>,
    /// `endpoint.failing`, `message.exhausted`, `endpoint.disabled`, `endpoint.recovered`.
    pub kind: String,
    /// JSON: the last status code or error, counts, the reason.
    pub detail: String,
    pub created_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
