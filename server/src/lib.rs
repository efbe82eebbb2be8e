//! hookrelay: a multi-tenant webhook sending service.
//!
//! The binary (`main.rs`) is a thin shell around [`startup::Application`]; everything
//! is here so integration tests can build the same application on a free port.

pub mod alerts;
pub mod auth;
pub mod cache;
pub mod config;
pub mod crypto;
pub mod dashboard;
pub mod docs;
pub mod domain;
pub mod engine;
pub mod entities;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tenant_pace;
