//! PostgreSQL: every id column compares in byte order (`COLLATE "C"`, migration 10),
//! those of later tables included: each index on them is then compared with `memcmp`,
//! not the database's locale (BENCHMARKS.md, "Ids in byte order").

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_id_column_on_postgres_is_in_byte_order() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let rows = app
        .store
        .connection()
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT table_name::text AS t, column_name::text AS c, \
                 coalesce(collation_name::text, '') AS collation \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> 'seaql_migrations' \
             AND data_type IN ('character varying', 'text') \
             AND (column_name = 'id' OR column_name LIKE '%\\_id') \
             ORDER BY 1, 2",
        ))
        .await
        .unwrap();
    let columns: Vec<(String, String)> = rows
        .iter()
        .map(|row| {
            let name = |c: &str| row.try_get::<String>("", c).unwrap();
            (format!("{}.{}", name("t"), name("c")), name("collation"))
        })
        .collect();
    // Not vacuous: the tables written per message and attempt are there.
    for hot in [
        "delivery.id",
        "attempt.delivery_id",
        "message.app_id",
        "endpoint.id",
    ] {
        assert!(
            columns.iter().any(|(column, _)| column == hot),
            "{hot} in {columns:?}"
        );
    }
    let other: Vec<_> = columns.iter().filter(|(_, c)| c != "C").collect();
    assert!(other.is_empty(), "id columns not in byte order: {other:?}");
}
