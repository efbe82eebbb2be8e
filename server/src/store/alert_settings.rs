//! A tenant's alert settings (`/api/v1/alerts`): who is emailed, about what, how often.
//! Until the tenant sets them: every kind, to the address that signed up, every
//! `HOOKRELAY_ALERT_THROTTLE`.

use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::OnConflict};

use super::{StoreError, TenantScope, json_text};
use crate::entities::{alert_setting, tenant_user};

/// The alert kinds, as state changes name them.
pub const ALERT_KINDS: [&str; 4] = [
    "endpoint.failing",
    "message.exhausted",
    "endpoint.disabled",
    "endpoint.recovered",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSettings {
    pub recipients: Vec<String>,
    pub kinds: Vec<String>,
    /// `None`: the server's `HOOKRELAY_ALERT_THROTTLE`.
    pub throttle_seconds: Option<i64>,
}

impl TenantScope<'_> {
    pub async fn alert_settings(&self) -> Result<AlertSettings, StoreError> {
        let stored = alert_setting::Entity::find_by_id(self.tenant_id.as_str())
            .one(self.db)
            .await?;
        if let Some(m) = stored {
            return Ok(AlertSettings {
                recipients: json_text::from_text(Some(&m.recipients)),
                kinds: json_text::from_text(Some(&m.kinds)),
                throttle_seconds: m.throttle_seconds,
            });
        }
        let first_user = tenant_user::Entity::find()
            .filter(tenant_user::Column::TenantId.eq(self.tenant_id.as_str()))
            .order_by_asc(tenant_user::Column::Id)
            .one(self.db)
            .await?;
        Ok(AlertSettings {
            recipients: first_user.map(|u| u.email).into_iter().collect(),
            kinds: ALERT_KINDS.iter().map(|k| k.to_string()).collect(),
            throttle_seconds: None,
        })
    }

    /// Replaces the settings (validated by the caller).
    pub async fn set_alert_settings(&self, new: &AlertSettings) -> Result<(), StoreError> {
        use alert_setting::Column;
        let row = alert_setting::ActiveModel {
            tenant_id: sea_orm::ActiveValue::Set(self.tenant_id.to_string()),
            recipients: sea_orm::ActiveValue::Set(json_text::to_text(&new.recipients)),
            kinds: sea_orm::ActiveValue::Set(json_text::to_text(&new.kinds)),
            throttle_seconds: sea_orm::ActiveValue::Set(new.throttle_seconds),
            updated_at: sea_orm::ActiveValue::Set(Utc::now()),
        };
        alert_setting::Entity::insert(row)
            .on_conflict(
                OnConflict::column(Column::TenantId)
                    .update_columns([
                        Column::Recipients,
                        Column::Kinds,
                        Column::ThrottleSeconds,
                        Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(self.db)
            .await?;
        Ok(())
    }
}
