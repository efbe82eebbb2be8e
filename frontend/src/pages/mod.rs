//! One module per page.

pub mod alerts;
pub mod api_keys;
pub mod apps;
pub mod delivery_log;
pub mod endpoint;
pub mod endpoints;
pub mod event_types;
pub mod home;
pub mod login;
pub mod message;
pub mod not_found;
pub mod signup;
