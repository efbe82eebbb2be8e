//! API tests: the real application on a free port, over real HTTP, against SQLite and
//! against PostgreSQL (each test its own database, created and dropped by the test).

mod helpers;

mod alerts;
mod api_keys;
mod applications;
mod cache;
mod claim_plans;
mod claim_wakeups;
mod connection_reuse;
mod dashboard;
mod dashboard_isolation;
mod dashboard_security;
mod deletion;
mod delivery;
mod delivery_claims;
mod delivery_context_cache;
mod delivery_fairness;
mod delivery_hand_off;
mod delivery_outbox;
mod delivery_settings;
mod delivery_support;
mod delivery_timeouts;
mod delivery_workers;
mod docs;
mod endpoint_hourly;
mod endpoints;
mod errors;
mod event_types;
mod gateway;
mod health;
mod isolation_walk;
mod messages;
mod messages_fanout;
mod metrics;
mod pagination;
mod query_plans;
mod receiver;
mod retention;
mod schema;
mod signup;
mod smtp_sink;
mod tenant_isolation;
mod tenant_pace;
