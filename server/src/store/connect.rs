//! Opening the database and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use secrecy::ExposeSecret;

use crate::config::{DatabaseKind, Settings};

/// Connects with pool settings fit for the backend and runs pending migrations.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(settings.database_url.expose_secret().to_string());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // sqlx logs every statement at info; our own spans say what matters.
        .sqlx_logging(false);
    match settings.database_kind {
        DatabaseKind::Sqlite => {
            std::fs::create_dir_all(&settings.data_dir)?;
            options.max_connections(8).map_sqlx_sqlite_opts(|o| {
                // WAL so readers never block the writer; FULL so a 2xx means the
                // commit is on disk (SPEC §5: durable acceptance).
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    // LIKE (the channel filter) compares exactly, as on PostgreSQL.
                    .pragma("case_sensitive_like", "ON")
            });
        }
        DatabaseKind::Postgres => {
            options.max_connections(32).min_connections(1);
        }
    }
    let db = Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    Migrator::up(&db, None)
        .await
        .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    Ok(db)
}
