use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_throttle")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub endpoint_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    pub tenant_id: String,
    pub app_id: String,
    pub last_sent_at: DateTimeUtc,
    /// Events of this kind held back since `last_sent_at`.
    pub suppressed: i32,
    /// The latest held-back event's detail (JSON), for the summary.
    pub last_detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
