//! Types that are valid by construction: input is parsed into them at the boundary
//! (`Email::parse`, `Password::parse`, …) and everything past it can rely on them.

mod api_key;
mod email;
mod endpoint_url;
mod ids;
mod names;
mod password;
mod status;
mod uid;
mod webhook_secret;

pub use api_key::ApiKeyToken;
pub use email::Email;
pub use endpoint_url::{MAX_URL_LEN, URL_PATTERN, parse_endpoint_url};
pub use ids::{
    AlertEmailId, ApiKeyId, AppId, AttemptId, DeliveryId, EndpointId, EndpointSecretId,
    EventTypeId, MessageId, StateChangeId, TenantId, UserId,
};
pub use names::{ApiKeyName, OrganizationName, parse_display_name};
pub use password::{Password, PasswordHash};
pub use status::{DeliveryStatus, Trigger};
pub use uid::{parse_channels, parse_event_type_name, parse_text, parse_uid};
pub use webhook_secret::{SECRET_PATTERN, WebhookSecret};
