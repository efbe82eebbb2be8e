//! sea-orm entities: one file per table. Only `store/` queries them, so every query
//! can be seen to be scoped by tenant.

pub mod api_key;
pub mod tenant;
pub mod tenant_user;
