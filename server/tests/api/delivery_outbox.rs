//! The alerts' outbox: state changes written with the attempts that cause them.

use std::time::Duration;

use serde_json::Value;

use crate::delivery_support::{add_endpoint, engine_app, send, setup, success_record};
use crate::helpers::{Backend, TestApp};
use crate::receiver::{Reply, TestReceiver};

/// The alert outbox: (kind, endpoint id) of every unprocessed state change.
async fn outbox(app: &TestApp) -> Vec<(String, String, Value)> {
    app.store
        .state_changes(100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| {
            (
                c.kind,
                c.endpoint_id,
                serde_json::from_str(&c.detail).unwrap(),
            )
        })
        .collect()
}

async fn wait_for_outbox(app: &TestApp, n: usize) -> Vec<(String, String, Value)> {
    for _ in 0..250 {
        let changes = outbox(app).await;
        if changes.len() >= n {
            return changes;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    panic!("fewer than {n} state changes: {:?}", outbox(app).await);
}

async fn failing_recovered_and_disabled_are_recorded(backend: Backend) {
    let app = engine_app(
        backend,
        &[("HOOKRELAY_RETRY_SCHEDULE", "50ms,50ms,50ms,50ms,50ms,50ms")],
    )
    .await;
    let receiver = TestReceiver::start().await;
    receiver.script((0..5).map(|_| Reply::status(500)));
    let (key, app_id, ep_id) = setup(&app, "outbox@example.com", &receiver.url).await;
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    // Five failures in a row, then a success.
    let changes = wait_for_outbox(&app, 2).await;
    let kinds: Vec<&str> = changes.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        kinds,
        ["endpoint.failing", "endpoint.recovered"],
        "{changes:?}"
    );
    assert_eq!(changes[0].1, ep_id);
    assert_eq!(changes[0].2["consecutiveFailures"], 5);
    assert_eq!(changes[0].2["last"]["statusCode"], 500);
    // The recovery quotes the success that ended the streak (on PostgreSQL the
    // recording statement builds it from that attempt's row).
    assert_eq!(changes[1].1, ep_id);
    assert_eq!(changes[1].2["last"]["statusCode"], 204, "{changes:?}");
    let url = changes[1].2["last"]["url"].as_str().unwrap_or_default();
    assert!(url.starts_with(&receiver.url), "{changes:?}");
    assert!(changes[1].2["last"]["error"].is_null(), "{changes:?}");

    // 410: disabled at once, and said so.
    receiver.script([Reply::status(410)]);
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let changes = wait_for_outbox(&app, 3).await;
    assert_eq!(changes[2].0, "endpoint.disabled");
    assert_eq!(changes[2].2["reason"], "410 Gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_are_written_for_the_alerts_sqlite() {
    failing_recovered_and_disabled_are_recorded(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_are_written_for_the_alerts_postgres() {
    failing_recovered_and_disabled_are_recorded(Backend::Postgres).await;
}

#[tokio::test]
async fn an_exhausted_message_is_recorded_for_the_alerts() {
    let app = engine_app(Backend::Sqlite, &[("HOOKRELAY_RETRY_SCHEDULE", "50ms")]).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(503));
    let (key, app_id, _) = setup(&app, "exhausted@example.com", &receiver.url).await;
    let msg = send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let changes = wait_for_outbox(&app, 1).await;
    assert_eq!(changes[0].0, "message.exhausted", "{changes:?}");
    assert_eq!(changes[0].2["attempts"], 2);
    let rows = app.store.state_changes(10).await.unwrap();
    assert_eq!(rows[0].message_id.as_deref(), Some(msg.as_str()));
}

/// Several attempts to one endpoint fail at the same time: "failing" is reported once,
/// by the attempt that makes the streak reach the threshold.
async fn concurrent_failures_report_failing_once(backend: Backend) {
    let app = engine_app(backend, &[("HOOKRELAY_RETRY_SCHEDULE", "")]).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::delayed(500, Duration::from_millis(300)));
    let (key, app_id, ep_id) = setup(&app, "together@example.com", &receiver.url).await;
    for n in 0..12 {
        send(
            &app,
            &key,
            &app_id,
            &format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#),
        )
        .await;
    }
    receiver.wait_for(12).await;
    // Twelve exhausted messages, and the endpoint reported failing exactly once.
    let changes = wait_for_outbox(&app, 13).await;
    let failing = changes.iter().filter(|c| c.0 == "endpoint.failing").count();
    let exhausted = changes
        .iter()
        .filter(|c| c.0 == "message.exhausted")
        .count();
    assert_eq!((failing, exhausted), (1, 12), "{changes:?}");
    assert!(changes.iter().all(|c| c.1 == ep_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failures_report_failing_once_sqlite() {
    concurrent_failures_report_failing_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failures_report_failing_once_postgres() {
    concurrent_failures_report_failing_once(Backend::Postgres).await;
}

/// A batch of successes to several failing endpoints (as a fan-out records them):
/// every endpoint's streak ends and each is reported recovered once — not again for
/// the next successes.
async fn one_batch_recovers_every_endpoint_once(backend: Backend) {
    use sea_orm::ConnectionTrait;
    // No workers: this test claims and records itself.
    let app = engine_app(backend, &[("HOOKRELAY_ROLE", "api")]).await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, first) = setup(&app, "batch@example.com", &receiver.url).await;
    let mut endpoints = vec![first];
    for _ in 0..2 {
        endpoints.push(add_endpoint(&app, &key, &app_id, &receiver.url).await);
    }
    let db = app.store.connection();
    db.execute_unprepared("UPDATE endpoint SET consecutive_failures = 7")
        .await
        .unwrap();
    let success = success_record(&receiver.url, 204);
    for _ in 0..2 {
        send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
        let lease = chrono::Duration::seconds(60);
        let jobs = app
            .store
            .claim_deliveries("worker_batch", lease, 10, &[], true)
            .await
            .unwrap();
        assert_eq!(jobs.len(), 3, "one delivery per endpoint");
        assert!(
            jobs.iter().all(|j| j.context.is_some()),
            "claimed with context"
        );
        // Submitted together, so they share the recorder's transaction.
        let (a, b, c) = tokio::join!(
            app.store.record_attempt(&jobs[0], success.clone()),
            app.store.record_attempt(&jobs[1], success.clone()),
            app.store.record_attempt(&jobs[2], success.clone()),
        );
        for recorded in [a, b, c] {
            recorded.unwrap();
        }
    }
    let changes = outbox(&app).await;
    let mut recovered: Vec<&str> = changes
        .iter()
        .filter(|c| c.0 == "endpoint.recovered")
        .map(|c| c.1.as_str())
        .collect();
    recovered.sort_unstable();
    let mut expected: Vec<&str> = endpoints.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(recovered, expected, "{changes:?}");
    assert_eq!(changes[0].2["last"]["statusCode"], 204);
    let still_failing = crate::helpers::count_n(
        db,
        "SELECT COUNT(*) AS n FROM endpoint WHERE consecutive_failures <> 0 \
         OR last_success_at IS NULL",
    )
    .await;
    assert_eq!(still_failing, 0);
}

#[tokio::test]
async fn one_batch_recovers_every_endpoint_once_sqlite() {
    one_batch_recovers_every_endpoint_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn one_batch_recovers_every_endpoint_once_postgres() {
    one_batch_recovers_every_endpoint_once(Backend::Postgres).await;
}

/// A batch where an endpoint's later success lost its lease (it ran out and another
/// worker holds the row now) still records the earlier one and reports the endpoint
/// recovered from it: the row that speaks for the endpoint is chosen among those
/// whose lease held, and every row can carry the alert.
async fn a_lost_lease_in_a_batch_leaves_the_recovery_to_the_success_that_held(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = engine_app(backend, &[("HOOKRELAY_ROLE", "api")]).await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, endpoint) = setup(&app, "lost@example.com", &receiver.url).await;
    let db = app.store.connection();
    db.execute_unprepared("UPDATE endpoint SET consecutive_failures = 7")
        .await
        .unwrap();
    for _ in 0..2 {
        send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    }
    let mut jobs = app
        .store
        .claim_deliveries("worker_lost", chrono::Duration::seconds(60), 10, &[], true)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2, "both messages' deliveries");
    jobs.sort_by(|a, b| a.id.cmp(&b.id));
    db.execute_unprepared(&format!(
        "UPDATE delivery SET lease_owner = 'someone else' WHERE id = '{}'",
        jobs[1].id
    ))
    .await
    .unwrap();
    let success = success_record(&receiver.url, 204);
    // Submitted together, so they share the recorder's batch, the stolen one last.
    let (held, lost) = tokio::join!(
        app.store.record_attempt(&jobs[0], success.clone()),
        app.store.record_attempt(&jobs[1], success.clone()),
    );
    held.unwrap();
    lost.unwrap();
    let recovered: Vec<String> = outbox(&app)
        .await
        .into_iter()
        .filter(|c| c.0 == "endpoint.recovered")
        .map(|c| c.1)
        .collect();
    assert_eq!(recovered, vec![endpoint]);
    let attempts = crate::helpers::count_n(
        db,
        format!(
            "SELECT COUNT(*) AS n FROM attempt WHERE delivery_id = '{}'",
            jobs[0].id
        ),
    )
    .await;
    assert_eq!(attempts, 1, "the success whose lease held is recorded");
}

#[tokio::test]
async fn a_lost_lease_in_a_batch_leaves_the_recovery_to_the_success_that_held_sqlite() {
    a_lost_lease_in_a_batch_leaves_the_recovery_to_the_success_that_held(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_lost_lease_in_a_batch_leaves_the_recovery_to_the_success_that_held_postgres() {
    a_lost_lease_in_a_batch_leaves_the_recovery_to_the_success_that_held(Backend::Postgres).await;
}
