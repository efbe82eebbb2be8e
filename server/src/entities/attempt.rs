use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub message_id: String,
    pub endpoint_id: String,
    pub delivery_id: String,
    pub url: String,
    pub status: i16,
    pub trigger: i16,
    pub attempt_number: i32,
    pub response_status_code: i32,
    /// The first 4 KiB of the response body.
    pub response_body: String,
    /// A readable reason for failures that got no HTTP response.
    pub error: Option<String>,
    pub duration_ms: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
