//! API tests: the real application on a free port, over real HTTP, against SQLite and
//! against PostgreSQL (each test its own database, created and dropped by the test).

mod helpers;

mod api_keys;
mod dashboard;
mod errors;
mod health;
mod signup;
mod tenant_isolation;
