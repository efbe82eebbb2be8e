use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "endpoint")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub app_id: String,
    pub uid: Option<String>,
    pub url: String,
    pub description: String,
    /// JSON array of event type names; null = every event type.
    pub event_types: Option<String>,
    /// JSON array of channels; null = every message.
    pub channels: Option<String>,
    pub throttle_rate: Option<i32>,
    pub disabled: bool,
    /// JSON object: custom headers sent with every delivery.
    pub headers: String,
    /// JSON object of string values.
    pub metadata: String,
    /// Per-endpoint retry schedule override (e.g. "5s,1m"); null = the global one.
    pub retry_schedule: Option<String>,
    pub failing_since: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    /// Failed attempts since the last success.
    pub consecutive_failures: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

#[cfg(test)]
impl Model {
    /// Unit tests' endpoint `ep_1` of tenant `t`, app `app_1`, with custom `headers`.
    pub fn fixture(headers: &str) -> Self {
        let now = chrono::Utc::now();
        Self {
            id: "ep_1".into(),
            tenant_id: "t".into(),
            app_id: "app_1".into(),
            uid: None,
            url: "http://127.0.0.1/".into(),
            description: String::new(),
            event_types: None,
            channels: None,
            throttle_rate: None,
            disabled: false,
            headers: headers.into(),
            metadata: "{}".into(),
            retry_schedule: None,
            failing_since: None,
            last_success_at: None,
            consecutive_failures: 0,
            created_at: now,
            updated_at: now,
        }
    }
}
