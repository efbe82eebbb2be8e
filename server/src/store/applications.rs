//! Applications: a tenant's customers, each with its endpoints and messages.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionTrait,
};

use super::{Page, PageRequest, StoreError, TenantScope, json_text, paginate};
use crate::cache::keys;
use crate::domain::AppId;
use crate::entities::application::{self, Column, Entity};

/// Validated fields of an application, as created or fully replaced.
#[derive(Debug, Clone, Default)]
pub struct AppFields {
    pub uid: Option<String>,
    pub name: String,
    pub throttle_rate: Option<i32>,
    pub metadata: BTreeMap<String, String>,
}

/// Fields a PATCH may change; `None` leaves a field as it is (`Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct AppPatch {
    pub uid: Option<Option<String>>,
    pub name: Option<String>,
    pub throttle_rate: Option<Option<i32>>,
    pub metadata: Option<BTreeMap<String, String>>,
}

const UID_TAKEN: &str = "an application with this uid already exists";

impl TenantScope<'_> {
    /// An application of this tenant by id or uid.
    pub async fn find_app(&self, id_or_uid: &str) -> Result<application::Model, StoreError> {
        let query = Entity::find().filter(Column::TenantId.eq(self.tenant_id.as_str()));
        let query = if AppId::parse(id_or_uid).is_some() {
            query.filter(Column::Id.eq(id_or_uid))
        } else if crate::domain::parse_uid(id_or_uid).is_ok() {
            query.filter(Column::Uid.eq(id_or_uid))
        } else {
            return Err(StoreError::NotFound);
        };
        let key = keys::app(self.tenant_id.as_str(), id_or_uid);
        let app: application::Model = self
            .cache
            .get_or_load(&key, || async {
                query.one(self.db).await?.ok_or(StoreError::NotFound)
            })
            .await?;
        self.cache
            .learn_app_path(self.tenant_id.as_str(), id_or_uid, &app.id);
        Ok(app)
    }

    /// Drops what the cache holds about `app` (by id, by its uid before and after the
    /// write, by the path it was addressed with) and its fan-out view.
    async fn forget_app(&self, before: &application::Model, after_uid: Option<&str>, path: &str) {
        let tenant = self.tenant_id.as_str();
        let mut stale = vec![
            keys::app(tenant, &before.id),
            keys::app(tenant, path),
            keys::fanout(tenant, &before.id),
        ];
        stale.extend(before.uid.iter().map(|uid| keys::app(tenant, uid)));
        if let Some(uid) = after_uid {
            stale.push(keys::app(tenant, uid));
        }
        self.cache.invalidate(&stale).await;
    }

    pub async fn create_app(&self, fields: AppFields) -> Result<application::Model, StoreError> {
        let id = AppId::generate();
        let now = Utc::now();
        let model = application::ActiveModel {
            id: Set(id.to_string()),
            tenant_id: Set(self.tenant_id.to_string()),
            uid: Set(fields.uid),
            name: Set(fields.name),
            throttle_rate: Set(fields.throttle_rate),
            metadata: Set(json_text::to_text(&fields.metadata)),
            created_at: Set(now),
            updated_at: Set(now),
        };
        model
            .insert(self.db)
            .await
            .map_err(|e| StoreError::from_write(e, UID_TAKEN))
    }

    pub async fn list_apps(
        &self,
        page: &PageRequest,
    ) -> Result<Page<application::Model>, StoreError> {
        let query = Entity::find().filter(Column::TenantId.eq(self.tenant_id.as_str()));
        paginate(self.db, query, Column::Id, page).await
    }

    /// PUT: replaces an existing application's fields, or creates one (with the path's
    /// uid when the path is not an id). Returns whether it was created.
    pub async fn upsert_app(
        &self,
        id_or_uid: &str,
        mut fields: AppFields,
    ) -> Result<(application::Model, bool), StoreError> {
        match self.find_app(id_or_uid).await {
            Ok(existing) => {
                let before = existing.clone();
                // A PUT addressed by uid without one in the body keeps it (so the same
                // PUT twice is one application).
                let uid = fields.uid.or(existing.uid.clone());
                let mut active = existing.into_active_model();
                active.uid = Set(uid);
                active.name = Set(fields.name);
                active.throttle_rate = Set(fields.throttle_rate);
                active.metadata = Set(json_text::to_text(&fields.metadata));
                active.updated_at = Set(Utc::now());
                let model = active
                    .update(self.db)
                    .await
                    .map_err(|e| StoreError::from_write(e, UID_TAKEN))?;
                self.forget_app(&before, model.uid.as_deref(), id_or_uid)
                    .await;
                Ok((model, false))
            }
            // Ids are ours to make: an unknown id is a 404 (it may be another
            // tenant's), an unknown uid creates the application with that uid.
            Err(StoreError::NotFound) if AppId::parse(id_or_uid).is_none() => {
                fields.uid.get_or_insert_with(|| id_or_uid.to_string());
                Ok((self.create_app(fields).await?, true))
            }
            Err(e) => Err(e),
        }
    }

    pub async fn patch_app(
        &self,
        id_or_uid: &str,
        patch: AppPatch,
    ) -> Result<application::Model, StoreError> {
        let before = self.find_app(id_or_uid).await?;
        let mut active = before.clone().into_active_model();
        if let Some(uid) = patch.uid {
            active.uid = Set(uid);
        }
        if let Some(name) = patch.name {
            active.name = Set(name);
        }
        if let Some(rate) = patch.throttle_rate {
            active.throttle_rate = Set(rate);
        }
        if let Some(metadata) = patch.metadata {
            active.metadata = Set(json_text::to_text(&metadata));
        }
        active.updated_at = Set(Utc::now());
        let model = active
            .update(self.db)
            .await
            .map_err(|e| StoreError::from_write(e, UID_TAKEN))?;
        self.forget_app(&before, model.uid.as_deref(), id_or_uid)
            .await;
        Ok(model)
    }

    /// Deletes the application with its endpoints, messages and attempts, at once.
    pub async fn delete_app(&self, id_or_uid: &str) -> Result<(), StoreError> {
        let app = self.find_app(id_or_uid).await?;
        let txn = self.db.begin().await?;
        super::cascade::app_rows(&txn, self.tenant_id, &app.id).await?;
        Entity::delete_many()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::Id.eq(app.id.as_str()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.forget_app(&app, None, id_or_uid).await;
        Ok(())
    }
}
