//! Event types: the catalogue of `resource.event` names a tenant sends.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

use super::{Page, PageRequest, StoreError, TenantScope, json_text, paginate};
use crate::domain::EventTypeId;
use crate::entities::event_type::{self, Column, Entity};

#[derive(Debug, Clone, Default)]
pub struct EventTypeFields {
    pub description: String,
    pub archived: bool,
    pub deprecated: bool,
    pub schemas: Option<serde_json::Value>,
    pub feature_flags: Option<Vec<String>>,
    pub group_name: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EventTypePatch {
    pub description: Option<String>,
    pub archived: Option<bool>,
    pub deprecated: Option<bool>,
    pub schemas: Option<Option<serde_json::Value>>,
    pub feature_flags: Option<Option<Vec<String>>>,
    pub group_name: Option<Option<String>>,
}

const NAME_TAKEN: &str = "an event type with this name already exists";

impl TenantScope<'_> {
    pub async fn find_event_type(&self, name: &str) -> Result<event_type::Model, StoreError> {
        Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::Name.eq(name))
            .one(self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_event_type(
        &self,
        name: String,
        fields: EventTypeFields,
    ) -> Result<event_type::Model, StoreError> {
        let now = Utc::now();
        event_type::ActiveModel {
            id: Set(EventTypeId::generate().to_string()),
            tenant_id: Set(self.tenant_id.to_string()),
            name: Set(name),
            description: Set(fields.description),
            schemas: Set(json_text::to_text_opt(&fields.schemas)),
            archived: Set(fields.archived),
            deprecated: Set(fields.deprecated),
            feature_flags: Set(json_text::to_text_opt(&fields.feature_flags)),
            group_name: Set(fields.group_name),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(self.db)
        .await
        .map_err(|e| StoreError::from_write(e, NAME_TAKEN))
    }

    pub async fn list_event_types(
        &self,
        page: &PageRequest,
        include_archived: bool,
    ) -> Result<Page<event_type::Model>, StoreError> {
        let mut query = Entity::find().filter(Column::TenantId.eq(self.tenant_id.as_str()));
        if !include_archived {
            query = query.filter(Column::Archived.eq(false));
        }
        paginate(self.db, query, Column::Id, page).await
    }

    /// PUT: replaces or creates. Returns whether it was created.
    pub async fn upsert_event_type(
        &self,
        name: &str,
        fields: EventTypeFields,
    ) -> Result<(event_type::Model, bool), StoreError> {
        match self.find_event_type(name).await {
            Ok(existing) => {
                let mut active = existing.into_active_model();
                active.description = Set(fields.description);
                active.archived = Set(fields.archived);
                active.deprecated = Set(fields.deprecated);
                active.schemas = Set(json_text::to_text_opt(&fields.schemas));
                active.feature_flags = Set(json_text::to_text_opt(&fields.feature_flags));
                active.group_name = Set(fields.group_name);
                active.updated_at = Set(Utc::now());
                Ok((active.update(self.db).await?, false))
            }
            Err(StoreError::NotFound) => Ok((
                self.create_event_type(name.to_string(), fields).await?,
                true,
            )),
            Err(e) => Err(e),
        }
    }

    pub async fn patch_event_type(
        &self,
        name: &str,
        patch: EventTypePatch,
    ) -> Result<event_type::Model, StoreError> {
        let mut active = self.find_event_type(name).await?.into_active_model();
        if let Some(v) = patch.description {
            active.description = Set(v);
        }
        if let Some(v) = patch.archived {
            active.archived = Set(v);
        }
        if let Some(v) = patch.deprecated {
            active.deprecated = Set(v);
        }
        if let Some(v) = patch.schemas {
            active.schemas = Set(json_text::to_text_opt(&v));
        }
        if let Some(v) = patch.feature_flags {
            active.feature_flags = Set(json_text::to_text_opt(&v));
        }
        if let Some(v) = patch.group_name {
            active.group_name = Set(v);
        }
        active.updated_at = Set(Utc::now());
        Ok(active.update(self.db).await?)
    }

    /// Deletes the event type. (Messages keep its name; archiving is a PATCH.)
    pub async fn delete_event_type(&self, name: &str) -> Result<(), StoreError> {
        let existing = self.find_event_type(name).await?;
        Entity::delete_many()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::Id.eq(existing.id))
            .exec(self.db)
            .await?;
        Ok(())
    }
}
