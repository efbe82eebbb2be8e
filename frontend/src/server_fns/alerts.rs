//! Alert settings: recipients, kinds, throttle window.

use leptos::prelude::*;

use crate::backend::AlertView;

#[server(prefix = "/dash")]
pub async fn get_alerts() -> Result<AlertView, ServerFnError> {
    let session = super::signed_in().await?;
    super::backend()?
        .alerts(session)
        .await
        .map_err(super::refuse)
}

/// `recipients`: one address per line or comma-separated. One checkbox per kind
/// (present when checked, as an HTML form sends them).
#[server(prefix = "/dash")]
pub async fn save_alerts(
    csrf: String,
    recipients: String,
    throttle_minutes: i64,
    endpoint_failing: Option<String>,
    message_exhausted: Option<String>,
    endpoint_disabled: Option<String>,
    endpoint_recovered: Option<String>,
) -> Result<(), ServerFnError> {
    let kinds = [
        ("endpoint.failing", endpoint_failing),
        ("message.exhausted", message_exhausted),
        ("endpoint.disabled", endpoint_disabled),
        ("endpoint.recovered", endpoint_recovered),
    ]
    .into_iter()
    .filter_map(|(kind, checked)| checked.map(|_| kind.to_string()))
    .collect();
    let session = super::authorized(&csrf).await?;
    let recipients = recipients
        .split([',', '\n', ';'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    super::backend()?
        .set_alerts(
            session,
            AlertView {
                recipients,
                kinds,
                throttle_minutes,
            },
        )
        .await
        .map_err(super::refuse)?;
    // Back to the page saying so, also after a plain form post.
    leptos_actix::redirect("/alerts?saved=1");
    Ok(())
}
