//! The event type catalogue in the dashboard: the REST API's rules for names and
//! descriptions; archiving keeps a type listed but marked.

use frontend::backend::{EventTypeRow, FieldError, Session};

use super::backend::{DashboardBackend, listing, store_error};
use crate::{
    domain::{parse_event_type_name, parse_text},
    store::{EventTypeFields, EventTypePatch, StoreError},
};

impl DashboardBackend {
    pub(super) async fn catalogue(
        &self,
        session: Session,
    ) -> Result<Vec<EventTypeRow>, FieldError> {
        let tenant = Self::tenant(&session);
        let page = self
            .store
            .tenant(&tenant)
            .list_event_types(&listing(), true)
            .await
            .map_err(store_error)?;
        Ok(page
            .items
            .into_iter()
            .map(|et| EventTypeRow {
                name: et.name,
                description: et.description,
                archived: et.archived,
            })
            .collect())
    }

    pub(super) async fn add_event_type(
        &self,
        session: Session,
        name: String,
        description: String,
    ) -> Result<(), FieldError> {
        let name = parse_event_type_name(name.trim())
            .map_err(|m| FieldError::on("name", format!("Name {m}")))?;
        let description = parse_text(&description, 4096)
            .map_err(|m| FieldError::on("description", format!("Description {m}")))?;
        let tenant = Self::tenant(&session);
        self.store
            .tenant(&tenant)
            .create_event_type(
                name,
                EventTypeFields {
                    description,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => FieldError::on("name", m),
                e => store_error(e),
            })?;
        Ok(())
    }

    pub(super) async fn archive_event_type(
        &self,
        session: Session,
        name: String,
        archived: bool,
    ) -> Result<(), FieldError> {
        let tenant = Self::tenant(&session);
        self.store
            .tenant(&tenant)
            .patch_event_type(
                &name,
                EventTypePatch {
                    archived: Some(archived),
                    ..Default::default()
                },
            )
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
