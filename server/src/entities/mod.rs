//! sea-orm entities: one file per table. Only `store/` queries them, so every query
//! can be seen to be scoped by tenant.

pub mod alert_email;
pub mod alert_setting;
pub mod alert_throttle;
pub mod api_key;
pub mod application;
pub mod attempt;
pub mod dashboard_session;
pub mod delivery;
pub mod endpoint;
pub mod endpoint_secret;
pub mod event_type;
pub mod idempotency_key;
pub mod message;
pub mod state_change;
pub mod tenant;
pub mod tenant_user;
