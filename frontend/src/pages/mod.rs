//! One module per page.

pub mod alerts;
pub mod api_keys;
pub mod apps;
pub mod endpoint;
pub mod endpoints;
pub mod home;
pub mod login;
pub mod not_found;
pub mod signup;
