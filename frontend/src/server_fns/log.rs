//! The delivery log, a message's page, and resending it.

use leptos::prelude::*;

use crate::backend::{LogPage, LogQuery, MessageDetail};

#[server(prefix = "/dash")]
pub async fn delivery_log(app: String, query: LogQuery) -> Result<LogPage, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?
        .delivery_log(session, app, query)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn get_message(app: String, message: String) -> Result<MessageDetail, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?
        .message(session, app, message)
        .await
        .map_err(super::refuse)
}

#[server(prefix = "/dash")]
pub async fn resend(
    csrf: String,
    app: String,
    message: String,
    endpoint: String,
) -> Result<(), ServerFnError> {
    let session = super::authorized(&csrf).await?;
    super::backend()?
        .resend(session, app, message, endpoint)
        .await
        .map_err(super::refuse)
}
