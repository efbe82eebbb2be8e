//! A tenant's own delivery settings (`/api/v1/settings`).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
};

use super::{StoreError, TenantScope};
use crate::entities::{application, tenant};

/// What a tenant chose about how its webhooks are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantSettings {
    /// Send `svix-id`, `svix-timestamp`, `svix-signature` beside the `webhook-*`
    /// headers, for receivers written against Svix's libraries.
    pub svix_headers: bool,
}

impl From<&tenant::Model> for TenantSettings {
    fn from(m: &tenant::Model) -> Self {
        Self {
            svix_headers: m.svix_headers,
        }
    }
}

impl TenantScope<'_> {
    pub async fn settings(&self) -> Result<TenantSettings, StoreError> {
        let tenant = tenant::Entity::find_by_id(self.tenant_id.as_str())
            .one(self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(TenantSettings::from(&tenant))
    }

    pub async fn set_settings(&self, new: TenantSettings) -> Result<TenantSettings, StoreError> {
        // Every delivery reads the setting with its endpoint, which the hand-off keeps
        // under its app's fan-out view (`context_cache.rs`): every app's view is dropped
        // once the write commits (listed first, so a failed listing changes nothing).
        let apps: Vec<String> = application::Entity::find()
            .select_only()
            .column(application::Column::Id)
            .filter(application::Column::TenantId.eq(self.tenant_id.as_str()))
            .into_tuple()
            .all(self.db)
            .await?;
        let keys: Vec<String> = apps
            .iter()
            .map(|app| crate::cache::keys::fanout(self.tenant_id.as_str(), app))
            .collect();
        let updated = tenant::ActiveModel {
            id: Set(self.tenant_id.to_string()),
            svix_headers: Set(new.svix_headers),
            ..Default::default()
        }
        .update(self.db)
        .await
        .map_err(|e| match e {
            sea_orm::DbErr::RecordNotUpdated => StoreError::NotFound,
            e => StoreError::Db(e),
        })?;
        self.cache.invalidate(&keys).await;
        Ok(TenantSettings::from(&updated))
    }
}
