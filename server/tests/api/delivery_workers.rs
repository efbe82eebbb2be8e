//! Isolation between endpoints, crashed workers' leases, two workers on one
//! database, cross-process wake-ups.

use std::time::Duration;

use serde_json::{Value, json};

use crate::delivery_support::{engine_app, send, setup, success_record};
use crate::engine_test;
use crate::helpers::{Backend, TestApp};
use crate::receiver::{Reply, TestReceiver};

engine_test!(
    a_slow_endpoint_does_not_hold_up_others,
    |app: TestApp| async move {
        let slow = TestReceiver::start().await;
        slow.always(Reply::delayed(200, Duration::from_millis(1500)));
        let fast = TestReceiver::start().await;
        let (slow_key, slow_app, _) = setup(&app, "noisy@example.com", &slow.url).await;
        let (fast_key, fast_app, _) = setup(&app, "quiet@example.com", &fast.url).await;
        // 48 deliveries of 1.5 s each: three waves at the cap of 16 per endpoint.
        for n in 0..48 {
            send(
                &app,
                &slow_key,
                &slow_app,
                &format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#),
            )
            .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let started = std::time::Instant::now();
        for n in 0..5 {
            send(
                &app,
                &fast_key,
                &fast_app,
                &format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#),
            )
            .await;
        }
        fast.wait_for(5).await;
        let fast_took = started.elapsed();
        let slow_done = slow.received().len();
        assert!(
            fast_took < Duration::from_secs(3),
            "the fast endpoint waited {fast_took:?}"
        );
        assert!(
            slow_done < 48,
            "the slow endpoint was still busy ({slow_done} of 48 in)"
        );
        // The slow one is capped, not starved: a few at a time.
        assert!(
            slow_done <= 32,
            "at most 16 at a time per endpoint: {slow_done} already in"
        );
    }
);

#[tokio::test]
async fn an_endpoints_throttle_rate_spaces_its_deliveries() {
    let app = engine_app(Backend::Sqlite, &[]).await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, ep_id) = setup(&app, "throttle@example.com", &receiver.url).await;
    app.patch_json(
        &format!("/api/v1/app/{app_id}/endpoint/{ep_id}"),
        Some(&key),
        &json!({"throttleRate": 2}),
    )
    .await;
    let started = std::time::Instant::now();
    for n in 0..6 {
        send(
            &app,
            &key,
            &app_id,
            &format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#),
        )
        .await;
    }
    receiver.wait_for(6).await;
    // A burst of 2, then 2 a second: the 6th no sooner than ~2 s in.
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "6 deliveries at 2/s took {:?}",
        started.elapsed()
    );
}

/// A worker "crashed" holding a lease: the row is `sending`, leased to a worker that is
/// gone, its lease running out `expires_in` from now (negative: already expired).
/// Another worker takes it again once it has — also when that happens while the
/// worker runs, not only at its start.
async fn crashed_lease_is_taken_again(backend: Backend, expires_in: chrono::Duration) {
    let api_only = engine_app(backend, &[("HOOKRELAY_ROLE", "api")]).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(200));
    let (key, app_id, _) = setup(&api_only, "crash@example.com", &receiver.url).await;
    let msg = send(
        &api_only,
        &key,
        &app_id,
        r#"{"eventType":"a.b","payload":{"n":1}}"#,
    )
    .await;
    let db = api_only.store.connection();
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE delivery SET status = 3, lease_owner = 'worker_dead', lease_until = $1 WHERE message_id = $2"
        }
        _ => {
            "UPDATE delivery SET status = 3, lease_owner = 'worker_dead', lease_until = ? WHERE message_id = ?"
        }
    };
    let lease_until = chrono::Utc::now() + expires_in;
    use sea_orm::ConnectionTrait;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [lease_until.into(), msg.clone().into()],
    ))
    .await
    .unwrap();
    let worker = api_only
        .spawn_sharing(&[("HOOKRELAY_ROLE", "worker")])
        .await;
    let got = receiver.wait_for(1).await;
    assert!(
        chrono::Utc::now() >= lease_until,
        "sent before the dead worker's lease ran out"
    );
    assert_eq!(
        got[0].header("webhook-id"),
        Some(msg.as_str()),
        "taken again once the lease expired"
    );
    drop(worker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_workers_delivery_is_taken_again_sqlite() {
    crashed_lease_is_taken_again(Backend::Sqlite, chrono::Duration::seconds(-5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_workers_delivery_is_taken_again_postgres() {
    crashed_lease_is_taken_again(Backend::Postgres, chrono::Duration::seconds(-5)).await;
}

/// The lease runs out while the worker is already running (its expired-lease pass
/// runs about once a second, not only when it starts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_that_runs_out_while_a_worker_runs_is_taken_sqlite() {
    crashed_lease_is_taken_again(Backend::Sqlite, chrono::Duration::seconds(3)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_that_runs_out_while_a_worker_runs_is_taken_postgres() {
    crashed_lease_is_taken_again(Backend::Postgres, chrono::Duration::seconds(3)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_postgres_never_send_a_delivery_twice() {
    let first = engine_app(Backend::Postgres, &[]).await;
    let second = first.spawn_sharing(&[]).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(200));
    let (key, app_id, _) = setup(&first, "pair@example.com", &receiver.url).await;
    // A second endpoint doubles the work each message makes.
    first
        .post_json(
            &format!("/api/v1/app/{app_id}/endpoint"),
            Some(&key),
            &json!({"url": format!("{}/second", receiver.url)}),
        )
        .await;
    let mut ids = Vec::new();
    for n in 0..60 {
        // Alternate the API process too: both accept, both deliver.
        let api = if n % 2 == 0 { &first } else { &second };
        ids.push(
            send(
                api,
                &key,
                &app_id,
                &format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#),
            )
            .await,
        );
    }
    let got = receiver.wait_for(120).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got_after = receiver.received();
    assert_eq!(
        got_after.len(),
        120,
        "each delivery sent once (got {} then {})",
        got.len(),
        got_after.len()
    );
    for id in &ids {
        for path in ["/", "/second"] {
            let n = got_after
                .iter()
                .filter(|r| r.header("webhook-id") == Some(id.as_str()) && r.path == path)
                .count();
            assert_eq!(n, 1, "{id} to {path} sent {n} times");
        }
    }
    drop(second);
}

/// One process accepts, another delivers: PostgreSQL NOTIFY wakes the worker at once,
/// rather than at its next one-second poll.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_accepted_by_one_process_wakes_workers_in_another() {
    let api = engine_app(Backend::Postgres, &[("HOOKRELAY_ROLE", "api")]).await;
    let worker = api.spawn_sharing(&[("HOOKRELAY_ROLE", "worker")]).await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, _) = setup(&api, "wake@example.com", &receiver.url).await;
    // Let the worker settle into waiting.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut slowest = Duration::ZERO;
    for n in 0..5 {
        let started = std::time::Instant::now();
        send(
            &api,
            &key,
            &app_id,
            &format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#),
        )
        .await;
        receiver.wait_for(n + 1).await;
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert!(
        slowest < Duration::from_millis(700),
        "woken, not polled: slowest {slowest:?}"
    );
    drop(worker);
}

/// A claim that outlived its lease cannot record over a newer claim of the same row,
/// even from the same worker. (On PostgreSQL a success is recorded by one statement,
/// `store/record_one_statement.rs`, which checks the lease itself.)
async fn a_stale_claim_cannot_overwrite_a_newer_one(backend: Backend) {
    let app = engine_app(backend, &[("HOOKRELAY_ROLE", "api")]).await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, _) = setup(&app, "stale@example.com", &receiver.url).await;
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let lease = chrono::Duration::milliseconds(1);
    let first = app
        .store
        .claim_deliveries("worker_x", lease, 10, &[], true)
        .await
        .unwrap()
        .remove(0);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = app
        .store
        .claim_deliveries("worker_x", chrono::Duration::seconds(60), 10, &[], true)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(first.id, second.id);
    assert_ne!(first.lease, second.lease, "each claim has its own token");
    let record = success_record(&receiver.url, 200);
    app.store
        .record_attempt(&first, record.clone())
        .await
        .unwrap();
    let stats: Value = app
        .get(
            &format!(
                "/api/v1/app/{app_id}/attempt/endpoint/{}",
                first.endpoint_id
            ),
            Some(&key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        stats["data"].as_array().unwrap().is_empty(),
        "the stale claim recorded nothing"
    );
    app.store.record_attempt(&second, record).await.unwrap();
    let list: Value = app
        .get(
            &format!(
                "/api/v1/app/{app_id}/attempt/endpoint/{}",
                first.endpoint_id
            ),
            Some(&key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        1,
        "the current claim records"
    );
}

#[tokio::test]
async fn a_stale_claim_cannot_overwrite_a_newer_one_sqlite() {
    a_stale_claim_cannot_overwrite_a_newer_one(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_stale_claim_cannot_overwrite_a_newer_one_postgres() {
    a_stale_claim_cannot_overwrite_a_newer_one(Backend::Postgres).await;
}
