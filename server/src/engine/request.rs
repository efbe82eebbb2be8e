//! The headers of one attempt (SPEC §5): Standard Webhooks, the `svix-*` aliases when
//! the tenant turned them on, then the endpoint's custom headers.
//!
//! Built straight into the `HeaderMap` the request sends, with the fixed names as
//! constants: each attempt parses only the endpoint's own header names.

use chrono::Utc;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};

use super::signature;
use crate::{
    domain::WebhookSecret,
    entities::{endpoint, message},
    store::from_text,
};

const USER_AGENT_VALUE: &str = concat!("hookrelay/", env!("CARGO_PKG_VERSION"));

/// `(id, timestamp, signature)` header names, Standard Webhooks first.
const NAMES: [[HeaderName; 3]; 2] = [
    [
        HeaderName::from_static("webhook-id"),
        HeaderName::from_static("webhook-timestamp"),
        HeaderName::from_static("webhook-signature"),
    ],
    [
        HeaderName::from_static("svix-id"),
        HeaderName::from_static("svix-timestamp"),
        HeaderName::from_static("svix-signature"),
    ],
];

/// The request's headers, or why one of the endpoint's custom headers cannot be sent
/// (the API checks them; a value HTTP refuses still fails the attempt visibly).
pub(super) fn request_headers(
    msg: &message::Model,
    ep: &endpoint::Model,
    secrets: &[WebhookSecret],
    body: &[u8],
    svix_aliases: bool,
) -> Result<HeaderMap, String> {
    let timestamp = Utc::now().timestamp();
    let signature = signature::signature_header(secrets, &msg.id, timestamp, body);
    let custom: std::collections::BTreeMap<String, String> = from_text(Some(&ep.headers));
    let mut headers = HeaderMap::with_capacity(8 + custom.len());
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    let values = [msg.id.as_str(), &timestamp.to_string(), &signature]
        .map(|v| HeaderValue::from_str(v).expect("ids, numbers and base64 are header values"));
    let prefixes = if svix_aliases {
        &NAMES[..]
    } else {
        &NAMES[..1]
    };
    for names in prefixes {
        for (name, value) in names.iter().zip(&values) {
            headers.insert(name.clone(), value.clone());
        }
    }
    for (name, value) in custom {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) else {
            return Err(format!(
                "the custom header {name:?} is not a valid HTTP header"
            ));
        };
        headers.insert(name, value);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> message::Model {
        message::Model {
            id: "msg_1".into(),
            tenant_id: "t".into(),
            app_id: "app_1".into(),
            event_type: "user.created".into(),
            event_id: None,
            channels: None,
            tags: None,
            payload: Some("{}".into()),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn standard_webhooks_headers_then_aliases_then_the_endpoints_own() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let ep = endpoint::Model::fixture(r#"{"x-team":"billing"}"#);
        let plain = request_headers(&message(), &ep, &[], b"{}", false).unwrap();
        assert_eq!(plain["webhook-id"], "msg_1");
        assert_eq!(plain["content-type"], "application/json");
        assert!(
            plain["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("hookrelay/")
        );
        assert_eq!(plain["x-team"], "billing");
        assert!(!plain.contains_key("svix-id"));

        let aliased = request_headers(&message(), &ep, &[secret], b"{}", true).unwrap();
        for name in ["id", "timestamp", "signature"] {
            assert_eq!(
                aliased[format!("svix-{name}").as_str()],
                aliased[format!("webhook-{name}").as_str()]
            );
        }
        assert!(
            aliased["webhook-signature"]
                .to_str()
                .unwrap()
                .starts_with("v1,")
        );
    }

    #[test]
    fn a_custom_header_http_refuses_fails_the_attempt_by_name() {
        let ep = endpoint::Model::fixture(r#"{"x-bell":"ding\u0007"}"#);
        let why = request_headers(&message(), &ep, &[], b"{}", false).unwrap_err();
        assert!(why.contains("x-bell"), "{why}");
    }
}
