//! Applications: list, create, rename, delete.

use leptos::prelude::*;

use crate::backend::AppRow;

#[server(prefix = "/dash")]
pub async fn list_apps() -> Result<Vec<AppRow>, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?.apps(session).await.map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn create_app(csrf: String, name: String) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .create_app(session, name)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn rename_app(csrf: String, id: String, name: String) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .rename_app(session, id, name)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn delete_app(csrf: String, id: String) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .delete_app(session, id)
        .await
        .map_err(super::refuse)
}
