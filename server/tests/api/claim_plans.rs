//! The claim's plans: the statements that find work walk partial indexes of the queue
//! in due order, leave out live claims' rows with one hashed lookup, and take rows by
//! primary key, at any table size and whatever the statistics say (`store/claim.rs`,
//! `store/connect.rs::claim_connection`).

use hookrelay::store::claim_picks;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::query_plans::{explain, explain_as_is, explain_on, looks_up};

/// The PostgreSQL statement taking the rows `pick` selects — the claim row's (or, for
/// the expired-lease pass, the lease's) — its parameters written in: the token, and
/// `now()` for its times and the pick's.
fn taken_at_now(pick: &str) -> String {
    let take = if pick.contains("status = 3") {
        hookrelay::store::lease_sql(DbBackend::Postgres, pick)
    } else {
        hookrelay::store::hold_sql(DbBackend::Postgres, pick)
    };
    take.replace("$1", "'token'")
        .replace("$2", "now()")
        .replace("$3", "now()")
}

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
                .map(|sql| sql.replace("$3", now).replace("?3", now));
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
            if sql.contains("delivery_claim") {
                // Live claims' ids are read once per pick and looked up in a hash.
                assert!(
                    plan.contains("hashed SubPlan"),
                    "{sql}\nleaves claimed rows out by a hashed lookup:\n{plan}"
                );
            }
        }
    }
);

// A claim takes the rows its pick chose by their primary key, whatever the sizes of
// the claim and the table: with the ids joined to the table (`id IN (…)`), PostgreSQL's
// planner chose a hash join over a sequential scan of every delivery once a pick was
// large beside the table, as a claim of 1,024 is beside 50,000 rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_takes_its_rows_by_primary_key_at_any_table_size() {
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
    let [expired, fair, fill, around_busy] =
        claim_picks(DbBackend::Postgres, "ep_01M86VM62EW5X8WQ9TMQ5E4KVM", 1024);
    for pick in [expired, fair, fill, around_busy] {
        let sql = taken_at_now(&pick);
        // Sequential scans allowed: the point is that the planner never wants one.
        let plan = explain_as_is(&app, sql.clone()).await;
        assert!(
            !plan.contains("Seq Scan on delivery "),
            "{sql}\nreads the whole table:\n{plan}"
        );
        assert!(
            plan.contains("delivery_pkey"),
            "{sql}\ntakes rows by primary key:\n{plan}"
        );
    }
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
    let never_analyzed = crate::helpers::count_n(
        db,
        "SELECT count(*) AS n FROM pg_stat_user_tables \
         WHERE relname IN ('delivery', 'message') \
         AND last_analyze IS NULL AND last_autoanalyze IS NULL",
    )
    .await;
    assert_eq!(never_analyzed, 2, "the test's tables have no statistics");

    // The connection the store runs its claims on.
    let claims = app.store.claim_connection();
    let [_, _, fill, around_busy] =
        claim_picks(DbBackend::Postgres, "ep_01M86VM62EW5X8WQ9TMQ5E4KVM", 1024);
    let fill = explain_on(claims, &taken_at_now(&fill)).await;
    assert!(
        fill.contains("Index Scan using idx_delivery_pending"),
        "the fill pass walks the pending rows in due order:\n{fill}"
    );
    for bad in ["Sort", "Bitmap", "Seq Scan"] {
        assert!(!fill.contains(bad), "no {bad:?} in the fill pass:\n{fill}");
    }
    let around_busy = explain_on(claims, &taken_at_now(&around_busy)).await;
    for bad in ["Bitmap", "Seq Scan on delivery "] {
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
    let read = explain_on(claims, &read).await;
    assert!(
        looks_up(&read, "message_pkey", "id"),
        "each message by its key:\n{read}"
    );
    assert!(!read.contains("Seq Scan on message"), "{read}");
}

// The claim loop's and the recorder's connections price node types out; a plan that
// must use one anyway (here a sequential scan: no index serves the predicate) costs
// 10^10 on PostgreSQL up to 17, and PostgreSQL would compile it with JIT at every
// execution, ~90 ms (`store/connect.rs::planned_connection`). On those connections it
// is not compiled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_planned_connections_never_compile_a_statement_with_jit() {
    let app = TestApp::spawn(crate::helpers::Backend::Postgres).await;
    let priced_out = "SELECT count(*) FROM endpoint WHERE url LIKE '%jit%'";
    // The control: where this server has JIT, the same statement with a sequential
    // scan priced out is compiled on an ordinary connection.
    let shared = app.store.connection();
    let jit =
        crate::helpers::count_n(shared, "SELECT count(*) AS n WHERE pg_jit_available()").await;
    if jit == 1 {
        // In a transaction: the setting and the statement on one connection of the pool.
        let txn = shared.begin().await.unwrap();
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
        let compiled = explain_on(&txn, priced_out).await;
        txn.rollback().await.unwrap();
        assert!(
            compiled.contains("JIT"),
            "the control is compiled on an ordinary connection:\n{compiled}"
        );
    }
    let recorder = hookrelay::store::recorder_connection(shared, 1);
    for (name, db) in [
        ("claim", app.store.claim_connection()),
        ("recorder", &recorder),
    ] {
        let plan = explain_on(db, priced_out).await;
        assert!(
            plan.contains("Seq Scan on endpoint"),
            "the statement needs the priced-out node on the {name} connection:\n{plan}"
        );
        assert!(
            !plan.contains("JIT"),
            "no JIT on the {name} connection:\n{plan}"
        );
    }
}
