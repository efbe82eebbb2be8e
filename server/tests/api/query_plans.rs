//! Lists are keyset queries served by an index in the list's order: a page costs the
//! same at any depth and any table size. Proven on the plans the databases choose for
//! the exact SQL the store runs (first page and a page deep in the list), for messages
//! and attempts, the two lists that grow without bound. Likewise the statements that
//! find and record work: the claim's, and the attempt recorder's cached plan.

use hookrelay::store::{
    AttemptFilter, Cursor, MessageFilter, Order, PageRequest, claim_picks, page_query,
};
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
async fn explain(app: &TestApp, sql: String) -> String {
    let db = app.store.connection();
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SET enable_seqscan = off")
            .await
            .unwrap();
    }
    explain_as_is(app, sql).await
}

/// The plan the database chooses for `sql` with the statistics it has, as text.
async fn explain_as_is(app: &TestApp, sql: String) -> String {
    let db = app.store.connection();
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

// The statements that find work: the claim's passes (`store::claim_picks`, with and
// without an endpoint at its cap) and the queue-depth counts. Each walks a partial index
// holding only pending or only leased rows, not every delivery ever made — so a claim
// costs the same after a hundred million deliveries as after ten.
both_backends!(
    the_queue_is_found_on_partial_indexes_of_pending_and_leased_rows,
    |app: TestApp| async move {
        let db = app.store.connection();
        let backend = db.get_database_backend();
        if backend != DbBackend::Postgres {
            // SQLite's planner, without statistics on empty tables, does not choose
            // between indexes the same way from run to run: here the indexes must exist.
            let names: Vec<String> = db
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT name FROM sqlite_master WHERE type = 'index'",
                ))
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String>("", "name").unwrap())
                .collect();
            for index in [
                "idx_delivery_tenant_pending",
                "idx_delivery_endpoint_pending",
                "idx_delivery_pending",
                "idx_delivery_leased",
            ] {
                assert!(names.iter().any(|n| n == index), "{index} in {names:?}");
            }
            return;
        }
        let now = "'2026-01-01 00:00:00+00'";
        // The claim's own SQL, its `now` parameter written in.
        let [expired, fair, fill, around_busy] =
            claim_picks(backend, "ep_01M86VM62EW5X8WQ9TMQ5E4KVM", 256)
                .map(|sql| sql.replace("$4", now).replace("?4", now));
        let cases = vec![
            (fair, "idx_delivery_tenant_pending"),
            // A busy endpoint's backlog is not read: each other endpoint is looked up
            // on its own pending rows.
            (around_busy, "idx_delivery_endpoint_pending"),
            (fill, "idx_delivery_pending"),
            (expired, "idx_delivery_leased"),
            (
                format!(
                    "SELECT COUNT(*) FROM delivery WHERE status = 1 AND next_attempt_at > {now}"
                ),
                // Either index of pending rows (equal cost on an empty table).
                "_pending",
            ),
            (
                "SELECT COUNT(*) FROM delivery WHERE status = 3".to_string(),
                "idx_delivery_leased",
            ),
        ];
        for (sql, index) in cases {
            let plan = explain(&app, sql.clone()).await;
            assert!(plan.contains(index), "{sql}\nuses {index}:\n{plan}");
        }
    }
);

// A claim leases the rows its pick chose by their primary key, whatever the sizes of
// the claim and the table: with the ids joined to the table (`id IN (…)`), PostgreSQL's
// planner chose a hash join over a sequential scan of every delivery once a pick was
// large beside the table, as a claim of 1,024 is beside 50,000 rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_leases_its_rows_by_primary_key_at_any_table_size() {
    let app = TestApp::spawn(crate::helpers::Backend::Postgres).await;
    let key = crate::messages::tenant_with_app(&app, "lease-plan@example.com").await;
    crate::messages::endpoint(&app, &key, json!({"url": "https://lease.example.com/h"})).await;
    crate::messages::send(&app, &key, json!({"eventType": "a.b", "payload": {}})).await;
    let db = app.store.connection();
    // A table that has seen deliveries, with statistics, as in production.
    db.execute_unprepared(
        "INSERT INTO delivery SELECT id || '_' || g, tenant_id, app_id, message_id, \
         endpoint_id, status, \"trigger\", attempt_count, next_attempt_at, lease_owner, \
         lease_until, created_at, updated_at \
         FROM delivery CROSS JOIN generate_series(1, 50000) g",
    )
    .await
    .unwrap();
    db.execute_unprepared("ANALYZE delivery").await.unwrap();
    let now = "now()";
    let [expired, fair, fill, around_busy] =
        claim_picks(DbBackend::Postgres, "ep_01M86VM62EW5X8WQ9TMQ5E4KVM", 1024);
    for pick in [expired, fair, fill, around_busy] {
        let sql = hookrelay::store::lease_sql(DbBackend::Postgres, &pick)
            .replace("$1", "'lease'")
            .replace("$2", now)
            .replace("$3", now)
            .replace("$4", now);
        // Sequential scans allowed: the point is that the planner never wants one.
        let plan = explain_as_is(&app, sql.clone()).await;
        assert!(
            !plan.contains("Seq Scan on delivery"),
            "{sql}\nreads the whole table:\n{plan}"
        );
        assert!(
            plan.contains("delivery_pkey"),
            "{sql}\nleases by primary key:\n{plan}"
        );
    }
}

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
fn looks_up(plan: &str, index: &str, column: &str) -> bool {
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

/// `EXPLAIN` of `sql` on `db` (a connection with settings of its own).
async fn explain_on(db: &sea_orm::DatabaseConnection, sql: &str) -> String {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("EXPLAIN {sql}"),
        ))
        .await
        .unwrap();
    let lines: Vec<String> = rows
        .iter()
        .map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap())
        .collect();
    lines.join("\n")
}

// A backlog builds up faster than autovacuum analyzes the table. On a table never
// analyzed, PostgreSQL takes a hundred thousand pending rows for a few hundred and, on
// an ordinary connection, plans the fill pass as a bitmap scan and a sort of every
// pending row, the lease around a busy endpoint as a bitmap of the whole pending
// index, and a claim's message read as a sequential scan (checked by hand when this
// test was written, 2026-12-07: "Sort", "Bitmap Index Scan on idx_delivery_pending").
// On the claim loop's own connections each is an ordered index walk or key lookups.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_walks_the_queue_in_order_on_a_table_never_analyzed() {
    let app = TestApp::spawn(crate::helpers::Backend::Postgres).await;
    let db = app.store.connection();
    // Never analyzed, and not while this test runs.
    for table in ["delivery", "message"] {
        db.execute_unprepared(&format!(
            "ALTER TABLE {table} SET (autovacuum_enabled = false)"
        ))
        .await
        .unwrap();
    }
    let key = crate::messages::tenant_with_app(&app, "stale-plan@example.com").await;
    crate::messages::endpoint(&app, &key, json!({"url": "https://stale.example.com/h"})).await;
    crate::messages::send(&app, &key, json!({"eventType": "a.b", "payload": {}})).await;
    // A backlog of 20,000 pending deliveries, each of its own message.
    db.execute_unprepared(
        "INSERT INTO message SELECT id || '_' || g, tenant_id, app_id, event_type, NULL, \
         channels, tags, payload, created_at FROM message CROSS JOIN generate_series(1, 20000) g; \
         INSERT INTO delivery SELECT id || '_' || g, tenant_id, app_id, message_id || '_' || g, \
         endpoint_id, 1, \"trigger\", 0, now() - interval '1 hour', NULL, NULL, created_at, \
         updated_at FROM delivery CROSS JOIN generate_series(1, 20000) g",
    )
    .await
    .unwrap();
    let never_analyzed = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM pg_stat_user_tables \
             WHERE relname IN ('delivery', 'message') \
             AND last_analyze IS NULL AND last_autoanalyze IS NULL",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(never_analyzed, 2, "the test's tables have no statistics");

    let claims = hookrelay::store::claim_connection(db, 1);
    let now = "now()";
    let [_, _, fill, around_busy] =
        claim_picks(DbBackend::Postgres, "ep_01M86VM62EW5X8WQ9TMQ5E4KVM", 1024);
    let lease = |pick: &str| {
        hookrelay::store::lease_sql(DbBackend::Postgres, pick)
            .replace("$1", "'lease'")
            .replace("$2", now)
            .replace("$3", now)
            .replace("$4", now)
    };
    let fill = explain_on(&claims, &lease(&fill)).await;
    assert!(
        fill.contains("Index Scan using idx_delivery_pending"),
        "the fill pass walks the pending rows in due order:\n{fill}"
    );
    for bad in ["Sort", "Bitmap", "Seq Scan"] {
        assert!(!fill.contains(bad), "no {bad:?} in the fill pass:\n{fill}");
    }
    let around_busy = explain_on(&claims, &lease(&around_busy)).await;
    for bad in ["Bitmap", "Seq Scan on delivery"] {
        assert!(
            !around_busy.contains(bad),
            "no {bad:?} in a claim around a busy endpoint:\n{around_busy}"
        );
    }
    // A claim of 1,000 messages, each of its own.
    let pairs: Vec<String> = (1..=1000)
        .map(|n| format!("('org_x', 'msg_x_{n}')"))
        .collect();
    let read = hookrelay::store::messages_by_key_sql(&pairs.join(", "));
    let read = explain_on(&claims, &read).await;
    assert!(
        looks_up(&read, "message_pkey", "id"),
        "each message by its key:\n{read}"
    );
    assert!(!read.contains("Seq Scan on message"), "{read}");
}
