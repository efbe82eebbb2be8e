//! The event type catalogue: list, create, archive (and restore).

use leptos::prelude::*;

use crate::backend::EventTypeRow;

#[server(prefix = "/dash")]
pub async fn list_event_types() -> Result<Vec<EventTypeRow>, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?
        .event_types(session)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn create_event_type(
    csrf: String,
    name: String,
    description: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .create_event_type(session, name, description)
        .await
        .map_err(super::refuse)
}

/// `archived`: "true" or "false" (a hidden field).
#[server(prefix = "/dash")]
pub async fn set_event_type_archived(
    csrf: String,
    name: String,
    archived: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .set_event_type_archived(session, name, archived == "true")
        .await
        .map_err(super::refuse)
}
