//! `cargo run -p migration -- up` brings an empty database to the current schema, and
//! running it again changes nothing.

use std::process::Command;

use sea_orm_migration::sea_orm::{ConnectionTrait, Database, Statement};

fn migrate(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_migration"))
        .args(args)
        .env("DATABASE_URL", url)
        .output()
        .expect("migration binary runs")
}

#[tokio::test]
async fn up_creates_the_schema_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/fresh.db?mode=rwc", dir.path().display());
    for _ in 0..2 {
        let out = migrate(&url, &["up"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let db = Database::connect(&url).await.unwrap();
    for table in [
        "tenant",
        "tenant_user",
        "api_key",
        "application",
        "endpoint",
        "message",
        "delivery",
        "attempt",
        "state_change",
        "seaql_migrations",
    ] {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{table}'"),
            ))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "table {table} exists");
    }
    let applied = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await
        .unwrap();
    use migration::MigratorTrait;
    assert_eq!(
        applied.len(),
        migration::Migrator::migrations().len(),
        "each migration recorded once"
    );
}
