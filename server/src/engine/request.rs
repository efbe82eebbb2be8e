//! The headers of one attempt (SPEC §5): Standard Webhooks, the `svix-*` aliases when
//! the tenant turned them on, then the endpoint's custom headers.

use chrono::Utc;

use super::signature;
use crate::{
    domain::WebhookSecret,
    entities::{endpoint, message},
    store::from_text,
};

pub(super) fn request_headers(
    msg: &message::Model,
    ep: &endpoint::Model,
    secrets: &[WebhookSecret],
    body: &[u8],
    svix_aliases: bool,
) -> Vec<(String, String)> {
    let timestamp = Utc::now().timestamp();
    let signature = signature::signature_header(secrets, &msg.id, timestamp, body);
    let mut headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        (
            "user-agent".to_string(),
            format!("hookrelay/{}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    let prefixes: &[&str] = if svix_aliases {
        &["webhook", "svix"]
    } else {
        &["webhook"]
    };
    for prefix in prefixes {
        headers.push((format!("{prefix}-id"), msg.id.clone()));
        headers.push((format!("{prefix}-timestamp"), timestamp.to_string()));
        headers.push((format!("{prefix}-signature"), signature.clone()));
    }
    let custom: std::collections::BTreeMap<String, String> = from_text(Some(&ep.headers));
    headers.extend(custom);
    headers
}
