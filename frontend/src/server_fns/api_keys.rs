//! API keys: list, create (the key is returned once), revoke.

use leptos::prelude::*;

use crate::backend::ApiKeyRow;

#[server(prefix = "/dash")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyRow>, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?
        .api_keys(session)
        .await
        .map_err(super::refuse)
}

/// The new key in plain, the only time it is shown.
#[server(prefix = "/dash")]
pub async fn create_api_key(csrf: String, name: String) -> Result<String, ServerFnError> {
    let session = super::authorized(&csrf).await?;
    let backend = super::backend()?;
    let key = backend
        .create_api_key(session, name)
        .await
        .map_err(super::refuse)?;
    // HttpOnly, two minutes: the page reads it once (`take_new_api_key`), with or
    // without JavaScript.
    super::set_cookie(NEW_KEY_COOKIE, Some(&key), 120, backend.secure_cookies());
    Ok(key)
}

#[server(prefix = "/dash")]
pub async fn revoke_api_key(csrf: String, id: String) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .revoke_api_key(session, id)
        .await
        .map_err(super::refuse)
}

/// The cookie a just-created key waits in for the page that shows it once.
pub const NEW_KEY_COOKIE: &str = "hr_new_key";

/// The key just created in this browser, once: reading it clears it.
#[server(prefix = "/dash")]
pub async fn take_new_api_key() -> Result<Option<String>, ServerFnError> {
    let req = super::request().await?;
    let Some(cookie) = req.cookie(NEW_KEY_COOKIE) else {
        return Ok(None);
    };
    super::set_cookie(NEW_KEY_COOKIE, None, 0, super::backend()?.secure_cookies());
    Ok(Some(cookie.value().to_string()).filter(|v| !v.is_empty()))
}
