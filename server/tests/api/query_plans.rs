//! Lists are keyset queries served by an index in the list's order: a page costs the
//! same at any depth and any table size. Proven on the plans the databases choose for
//! the exact SQL the store runs (first page and a page deep in the list), for messages
//! and attempts, the two lists that grow without bound; and the attempt recorder's
//! cached plan. The claim's plans are in `claim_plans.rs`.

use hookrelay::store::{AttemptFilter, Cursor, MessageFilter, Order, PageRequest, page_query};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryTrait, Select, Statement};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

async fn plan<E: EntityTrait>(app: &TestApp, query: Select<E>) -> String {
    let backend = app.store.connection().get_database_backend();
    explain(app, query.build(backend).to_string()).await
}

/// The plan the database chooses for `sql` at size, as text: tables of a test are
/// tiny, where a sequential scan is cheapest, so PostgreSQL is told not to use one,
/// to see the plan the index provides.
pub(crate) async fn explain(app: &TestApp, sql: String) -> String {
    let db = app.store.connection();
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SET enable_seqscan = off")
            .await
            .unwrap();
    }
    explain_as_is(app, sql).await
}

/// The plan the database chooses for `sql` with the statistics it has, as text.
pub(crate) async fn explain_as_is(app: &TestApp, sql: String) -> String {
    explain_on(app.store.connection(), &sql).await
}

/// The plan `db` chooses for `sql` (on a connection with settings of its own, the
/// plan those settings leave), as text.
pub(crate) async fn explain_on(db: &impl ConnectionTrait, sql: &str) -> String {
    let backend = db.get_database_backend();
    let (explain, col) = match backend {
        DbBackend::Postgres => (format!("EXPLAIN {sql}"), "QUERY PLAN"),
        _ => (format!("EXPLAIN QUERY PLAN {sql}"), "detail"),
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, explain))
        .await
        .unwrap();
    let text: Vec<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", col).unwrap_or_default())
        .collect();
    text.join("\n")
}

fn assert_keyset(plan: &str, index: &str) {
    assert!(plan.contains(index), "uses {index}:\n{plan}");
    for bad in ["Seq Scan", "SCAN message\n", "Sort", "TEMP B-TREE"] {
        assert!(!plan.contains(bad), "no {bad:?} in the plan:\n{plan}");
    }
}

both_backends!(
    message_and_attempt_pages_are_index_range_scans,
    |app: TestApp| async move {
        let (tenant, key) = app.signup("plans@example.com").await;
        let created: Value = app
            .post_json("/api/v1/app", Some(&key), &json!({"name": "Plans"}))
            .await
            .json()
            .await
            .unwrap();
        let tenant = hookrelay::domain::TenantId(tenant);
        let scope = app.store.tenant(&tenant);
        let model = scope
            .find_app(created["id"].as_str().unwrap())
            .await
            .unwrap();
        let deep = PageRequest {
            limit: 50,
            cursor: Some(Cursor {
                id: "msg_01M86VM62EW5X8WQ9TMQ5E4KVM".into(),
                backwards: false,
            }),
            order: Order::Descending,
        };
        let first = PageRequest {
            limit: 50,
            cursor: None,
            order: Order::Descending,
        };
        for page in [&first, &deep] {
            let q = page_query(
                scope.messages_query(&model, &MessageFilter::default()),
                hookrelay::entities::message::Column::Id,
                page,
            );
            assert_keyset(&plan(&app, q).await, "idx_message_app_id");
            // Attempts as they are listed: by endpoint, by message, and (dashboard) all.
            let by_endpoint = AttemptFilter {
                endpoint_id: Some("ep_01M86VM62EW5X8WQ9TMQ5E4KVM".into()),
                ..Default::default()
            };
            let by_message = AttemptFilter {
                message_id: Some("msg_01M86VM62EW5X8WQ9TMQ5E4KVM".into()),
                ..Default::default()
            };
            for (filter, index) in [
                (by_endpoint, "idx_attempt_endpoint"),
                (by_message, "idx_attempt_message"),
                (AttemptFilter::default(), "idx_attempt_app"),
            ] {
                let q = page_query(
                    scope.attempts_query(&model, &filter),
                    hookrelay::entities::attempt::Column::Id,
                    page,
                );
                let p = plan(&app, q).await;
                if app.store.connection().get_database_backend() == DbBackend::Postgres {
                    // On empty tables PostgreSQL may pick either attempt index (equal
                    // cost without statistics); what matters is an ordered index scan.
                    assert_keyset(&p, "Index Scan");
                } else {
                    assert_keyset(&p, index);
                }
            }
        }
    }
);

/// `EXPLAIN EXECUTE` of the attempt recorder's batch statement, prepared on `db`: the
/// plan that connection keeps for it.
async fn cached_plan_of_recording(db: &sea_orm::DatabaseConnection) -> String {
    use sea_orm::TransactionTrait;
    // One connection for the PREPARE and the EXPLAIN (a prepared statement is the
    // session's).
    let txn = db.begin().await.unwrap();
    // The parameters' types come from the statement's own casts and columns.
    txn.execute_unprepared(&format!(
        "PREPARE recording AS {}",
        hookrelay::store::plain_successes_sql()
    ))
    .await
    .unwrap();
    // Two times, then an empty array per column of the rows.
    let arguments = ["now()", "now() - interval '1 second'"]
        .into_iter()
        .chain(std::iter::repeat_n(
            "'{}'",
            hookrelay::store::PLAIN_SUCCESSES_PARAMETERS - 2,
        ))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = txn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("EXPLAIN EXECUTE recording({arguments})"),
        ))
        .await
        .unwrap();
    txn.execute_unprepared("DEALLOCATE recording")
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    let lines: Vec<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap())
        .collect();
    lines.join("\n")
}

/// Whether `plan` looks rows up in `index` by `column` (an index condition, not a
/// walk of the whole index).
pub(crate) fn looks_up(plan: &str, index: &str, column: &str) -> bool {
    let lines: Vec<&str> = plan.lines().collect();
    lines.windows(2).any(|pair| {
        pair[0].contains(&format!("Index Scan using {index}"))
            && pair[1].contains("Index Cond")
            && pair[1].contains(column)
    })
}

// The attempt recorder's batch statement has one text whatever the batch (its rows are
// one array parameter per column), so each of its connections plans it once and keeps the plan —
// maybe made on an empty database, kept after millions of deliveries. On the
// recorder's own connections that plan finds each delivery and endpoint by primary
// key. (On an ordinary connection the same empty tables get it a sequential scan of
// `delivery`: checked by hand when this test was written, 2026-12-06.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorders_one_cached_plan_finds_rows_by_key_on_an_empty_database() {
    let app = TestApp::spawn(crate::helpers::Backend::Postgres).await;
    let recorder = hookrelay::store::recorder_connection(app.store.connection(), 1);
    let plan = cached_plan_of_recording(&recorder).await;
    for scan in [
        "Seq Scan on delivery",
        "Seq Scan on endpoint",
        "idx_endpoint_app_id",
    ] {
        assert!(!plan.contains(scan), "no {scan:?}:\n{plan}");
    }
    assert!(
        looks_up(&plan, "delivery_pkey", "delivery_id"),
        "each delivery by its key:\n{plan}"
    );
    assert!(
        looks_up(&plan, "endpoint_pkey", "endpoint_id"),
        "each endpoint by its key:\n{plan}"
    );
}
