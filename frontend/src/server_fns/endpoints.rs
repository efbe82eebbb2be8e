//! An application's endpoints and one endpoint's page: register, enable/disable,
//! delete, reveal and rotate the secret, send a test event, recover.

use leptos::prelude::*;

use crate::backend::{AppRow, EndpointDetail, EndpointRow};

#[server(prefix = "/dash")]
pub async fn get_app(app: String) -> Result<AppRow, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?
        .app(session, app)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn list_endpoints(app: String) -> Result<Vec<EndpointRow>, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?
        .endpoints(session, app)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn create_endpoint(
    csrf: String,
    app: String,
    url: String,
    description: String,
    event_types: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .create_endpoint(session, app, url, description, event_types)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn edit_endpoint(
    csrf: String,
    app: String,
    endpoint: String,
    url: String,
    description: String,
    event_types: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .edit_endpoint(session, app, endpoint, url, description, event_types)
        .await
        .map_err(super::refuse)
}

/// `disabled`: "true" or "false" (a hidden field).
#[server(prefix = "/dash")]
pub async fn set_endpoint_disabled(
    csrf: String,
    app: String,
    endpoint: String,
    disabled: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .set_endpoint_disabled(session, app, endpoint, disabled == "true")
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn delete_endpoint(
    csrf: String,
    app: String,
    endpoint: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    let backend = super::backend()?;
    backend
        .delete_endpoint(session, app.clone(), endpoint)
        .await
        .map_err(super::refuse)?;
    leptos_actix::redirect(&format!("/apps/{app}"));
    Ok(())
}

#[server(prefix = "/dash")]
pub async fn get_endpoint(
    app: String,
    endpoint: String,
    reveal: bool,
) -> Result<EndpointDetail, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?
        .endpoint(session, app, endpoint, reveal)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn rotate_secret(
    csrf: String,
    app: String,
    endpoint: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .rotate_secret(session, app, endpoint)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn send_test(
    csrf: String,
    app: String,
    endpoint: String,
    event_type: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .send_test(session, app, endpoint, event_type)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn recover(
    csrf: String,
    app: String,
    endpoint: String,
    hours: i64,
) -> Result<u64, ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .recover(session, app, endpoint, hours)
        .await
        .map_err(super::refuse)
}
