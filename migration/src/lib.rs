//! hookrelay's schema. One file per migration, applied in order at server start-up
//! and by `cargo run -p migration -- up`. The same migrations run on SQLite and
//! PostgreSQL, so they use only portable column types (text ids, timestamps with
//! time zone, booleans, JSON as text where needed).

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_tenants_users_api_keys;
mod m20261124_000002_applications_endpoints_messages;
mod m20261124_000003_state_changes;
mod m20261124_000004_tenant_settings_fair_claim;
mod m20261124_000005_alerts;
mod m20261124_000006_dashboard_sessions;
mod m20261125_000007_hot_path_indexes;
mod m20261125_000008_endpoint_pending_index;
mod m20261206_000009_no_hot_foreign_keys;
mod m20261207_000010_ids_in_byte_order;
mod m20261208_000011_delivery_claims;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_tenants_users_api_keys::Migration),
            Box::new(m20261124_000002_applications_endpoints_messages::Migration),
            Box::new(m20261124_000003_state_changes::Migration),
            Box::new(m20261124_000004_tenant_settings_fair_claim::Migration),
            Box::new(m20261124_000005_alerts::Migration),
            Box::new(m20261124_000006_dashboard_sessions::Migration),
            Box::new(m20261125_000007_hot_path_indexes::Migration),
            Box::new(m20261125_000008_endpoint_pending_index::Migration),
            Box::new(m20261206_000009_no_hot_foreign_keys::Migration),
            Box::new(m20261207_000010_ids_in_byte_order::Migration),
            Box::new(m20261208_000011_delivery_claims::Migration),
        ]
    }
}
