//! Sign up, log in, log out, and who is signed in.

use leptos::prelude::*;

use crate::backend::User;

#[server(prefix = "/dash")]
pub async fn current_user() -> Result<Option<User>, ServerFnError> {
    Ok(super::session().await?.map(|s| s.user))
}

#[server(prefix = "/dash")]
pub async fn sign_up(
    organization: String,
    email: String,
    password: String,
) -> Result<(), ServerFnError> {
    let req = super::request().await?;
    super::same_origin(&req)?;
    let backend = super::backend()?;
    let cookie = backend
        .signup(organization, email, password)
        .await
        .map_err(super::refuse)?;
    super::set_session_cookie(Some(&cookie), backend.secure_cookies());
    leptos_actix::redirect("/apps");
    Ok(())
}

#[server(prefix = "/dash")]
pub async fn log_in(email: String, password: String) -> Result<(), ServerFnError> {
    let req = super::request().await?;
    super::same_origin(&req)?;
    let backend = super::backend()?;
    let client = super::client_address().await;
    let cookie = backend
        .login(email, password, client)
        .await
        .map_err(super::refuse)?;
    super::set_session_cookie(Some(&cookie), backend.secure_cookies());
    leptos_actix::redirect("/apps");
    Ok(())
}

#[server(prefix = "/dash")]
pub async fn log_out(csrf: String) -> Result<(), ServerFnError> {
    super::authorized(&csrf).await?;
    let req = super::request().await?;
    let backend = super::backend()?;
    if let Some(cookie) = req.cookie(super::SESSION_COOKIE) {
        backend.logout(cookie.value().to_string()).await;
    }
    super::set_session_cookie(None, backend.secure_cookies());
    leptos_actix::redirect("/login");
    Ok(())
}
