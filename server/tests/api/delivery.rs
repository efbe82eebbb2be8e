//! The delivery engine end to end: a real receiver on 127.0.0.1, signed requests,
//! retries on the schedule, 410, redirects, timeouts and the SSRF guard, with every
//! attempt recorded.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};
use crate::receiver::{Reply, TestReceiver};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// An app with delivery workers, allowed to reach 127.0.0.1, retrying fast.
async fn engine_app(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let mut env = vec![
        ("HOOKRELAY_ROLE", "all"),
        ("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8"),
        ("HOOKRELAY_RETRY_SCHEDULE", "100ms,200ms"),
        ("HOOKRELAY_ATTEMPT_TIMEOUT", "2s"),
    ];
    env.extend_from_slice(extra);
    TestApp::spawn_with(backend, &env).await
}

/// Signs up, creates an app and an endpoint at `url`; returns (key, app id, endpoint id).
async fn setup(app: &TestApp, email: &str, url: &str) -> (String, String, String) {
    let (_, key) = app.signup(email).await;
    let created: Value = app
        .post_json("/api/v1/app", Some(&key), &json!({"name": "Receiver"}))
        .await
        .json()
        .await
        .unwrap();
    let app_id = created["id"].as_str().unwrap().to_string();
    let ep: Value = app
        .post_json(
            &format!("/api/v1/app/{app_id}/endpoint"),
            Some(&key),
            &json!({"url": url, "secret": SECRET, "headers": {"x-tenant-header": "hello"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    (key, app_id, ep["id"].as_str().unwrap().to_string())
}

async fn send(app: &TestApp, key: &str, app_id: &str, body: &str) -> String {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/app/{app_id}/msg")))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits until the endpoint's attempts list has `n` entries; returns it (newest first).
async fn attempts(app: &TestApp, key: &str, app_id: &str, ep_id: &str, n: usize) -> Vec<Value> {
    for _ in 0..250 {
        let list: Value = app
            .get(
                &format!("/api/v1/app/{app_id}/attempt/endpoint/{ep_id}"),
                Some(key),
            )
            .await
            .json()
            .await
            .unwrap();
        let data = list["data"].as_array().unwrap().clone();
        if data.len() >= n {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    panic!("fewer than {n} attempts recorded");
}

/// Runs a test on SQLite and PostgreSQL with [`engine_app`].
macro_rules! engine_test {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(engine_app(Backend::Sqlite, &[]).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)(engine_app(Backend::Postgres, &[]).await).await;
            }
        }
    };
}

engine_test!(delivers_the_payload_signed, |app: TestApp| async move {
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(200));
    let (key, app_id, ep_id) = setup(
        &app,
        "signed@example.com",
        &format!("{}/hook", receiver.url),
    )
    .await;
    let body = r#"{"eventType":"invoice.paid","payload":{"b": 2,  "a": [1, 2.50]}}"#;
    let msg_id = send(&app, &key, &app_id, body).await;

    let got = receiver.wait_for(1).await.remove(0);
    assert_eq!(got.path, "/hook");
    assert_eq!(
        got.body, br#"{"b": 2,  "a": [1, 2.50]}"#,
        "the payload's bytes, as sent"
    );
    assert_eq!(got.header("webhook-id"), Some(msg_id.as_str()));
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(got.header("user-agent").unwrap().starts_with("hookrelay/"));
    assert_eq!(got.header("x-tenant-header"), Some("hello"));
    let ts: i64 = got.header("webhook-timestamp").unwrap().parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    let key_bytes = hookrelay::domain::WebhookSecret::parse(SECRET)
        .unwrap()
        .key_bytes();
    let expected = hookrelay::engine::signature::sign(&key_bytes, &msg_id, ts, &got.body);
    assert_eq!(got.header("webhook-signature"), Some(expected.as_str()));

    let list = attempts(&app, &key, &app_id, &ep_id, 1).await;
    assert_eq!(list[0]["status"], 0, "success: {list:?}");
    assert_eq!(list[0]["responseStatusCode"], 200);
    assert_eq!(
        list[0]["response"], "receiver says hi",
        "the response body is kept"
    );
    assert_eq!(list[0]["attemptNumber"], 1);
    assert_eq!(list[0]["msgId"], msg_id);
});

engine_test!(
    retries_until_the_receiver_succeeds,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.script([Reply::status(500), Reply::status(503)]);
        let (key, app_id, ep_id) = setup(&app, "retry@example.com", &receiver.url).await;
        let msg_id = send(
            &app,
            &key,
            &app_id,
            r#"{"eventType":"a.b","payload":{"n":1}}"#,
        )
        .await;
        let got = receiver.wait_for(3).await;
        assert!(
            got.iter()
                .all(|r| r.header("webhook-id") == Some(msg_id.as_str())),
            "the same webhook-id every time"
        );
        let list = attempts(&app, &key, &app_id, &ep_id, 3).await;
        let statuses: Vec<i64> = list
            .iter()
            .map(|a| a["responseStatusCode"].as_i64().unwrap())
            .collect();
        assert_eq!(statuses, [204, 503, 500], "newest first");
        let numbers: Vec<i64> = list
            .iter()
            .map(|a| a["attemptNumber"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, [3, 2, 1]);
        assert_eq!(list[1]["status"], 2);
        let stats: Value = app
            .get(
                &format!("/api/v1/app/{app_id}/endpoint/{ep_id}/stats"),
                Some(&key),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (stats["success"].as_i64(), stats["pending"].as_i64()),
            (Some(1), Some(0))
        );
    }
);

engine_test!(
    a_failing_message_is_given_up_after_the_schedule,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.always(Reply::status(500));
        let (key, app_id, ep_id) = setup(&app, "exhaust@example.com", &receiver.url).await;
        send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
        // First attempt and the schedule's two retries.
        attempts(&app, &key, &app_id, &ep_id, 3).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(
            receiver.received().len(),
            3,
            "nothing after the schedule ran out"
        );
        let stats: Value = app
            .get(
                &format!("/api/v1/app/{app_id}/endpoint/{ep_id}/stats"),
                Some(&key),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (stats["fail"].as_i64(), stats["pending"].as_i64()),
            (Some(1), Some(0))
        );
    }
);

engine_test!(
    gone_disables_the_endpoint_at_once,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.always(Reply::status(410));
        let (key, app_id, ep_id) = setup(&app, "gone@example.com", &receiver.url).await;
        send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
        attempts(&app, &key, &app_id, &ep_id, 1).await;
        let ep: Value = app
            .get(
                &format!("/api/v1/app/{app_id}/endpoint/{ep_id}"),
                Some(&key),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(ep["disabled"], true);
        send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            receiver.received().len(),
            1,
            "no retry, and nothing sent to a disabled endpoint"
        );
    }
);

engine_test!(redirects_are_not_followed, |app: TestApp| async move {
    let receiver = TestReceiver::start().await;
    receiver.always(Reply {
        status: 302,
        headers: vec![("location", format!("{}/elsewhere", receiver.url))],
        delay: Duration::ZERO,
    });
    let (key, app_id, ep_id) = setup(
        &app,
        "redirect@example.com",
        &format!("{}/hook", receiver.url),
    )
    .await;
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let list = attempts(&app, &key, &app_id, &ep_id, 1).await;
    assert_eq!(
        (
            list[0]["status"].as_i64(),
            list[0]["responseStatusCode"].as_i64()
        ),
        (Some(2), Some(302))
    );
    assert!(
        receiver.received().iter().all(|r| r.path == "/hook"),
        "never went to the redirect target"
    );
});

#[tokio::test]
async fn a_slow_receiver_times_out() {
    let app = engine_app(
        Backend::Sqlite,
        &[
            ("HOOKRELAY_ATTEMPT_TIMEOUT", "300ms"),
            ("HOOKRELAY_RETRY_SCHEDULE", ""),
        ],
    )
    .await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply {
        status: 200,
        headers: Vec::new(),
        delay: Duration::from_secs(3),
    });
    let (key, app_id, ep_id) = setup(&app, "slow@example.com", &receiver.url).await;
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let list = attempts(&app, &key, &app_id, &ep_id, 1).await;
    assert_eq!(list[0]["status"], 2);
    assert_eq!(list[0]["responseStatusCode"], 0);
    assert!(
        list[0]["error"].as_str().unwrap().contains("timed out"),
        "{list:?}"
    );
}

#[tokio::test]
async fn the_ssrf_guard_refuses_loopback_unless_allowed() {
    let app = engine_app(
        Backend::Sqlite,
        &[
            ("HOOKRELAY_ALLOW_PRIVATE_CIDRS", ""),
            ("HOOKRELAY_RETRY_SCHEDULE", ""),
        ],
    )
    .await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, ep_id) = setup(&app, "ssrf@example.com", &receiver.url).await;
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let list = attempts(&app, &key, &app_id, &ep_id, 1).await;
    assert!(
        list[0]["error"].as_str().unwrap().contains("SSRF"),
        "{list:?}"
    );
    // By name too: localhost resolves to loopback, refused after DNS.
    let ep: Value = app
        .post_json(
            &format!("/api/v1/app/{app_id}/endpoint"),
            Some(&key),
            &json!({"url": receiver.url.replace("127.0.0.1", "localhost")}),
        )
        .await
        .json()
        .await
        .unwrap();
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let list = attempts(&app, &key, &app_id, ep["id"].as_str().unwrap(), 1).await;
    assert!(
        list[0]["error"].as_str().unwrap().contains("SSRF"),
        "{list:?}"
    );
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}

engine_test!(
    a_slow_endpoint_does_not_hold_up_others,
    |app: TestApp| async move {
        let slow = TestReceiver::start().await;
        slow.always(Reply {
            status: 200,
            headers: Vec::new(),
            delay: Duration::from_millis(1500),
        });
        let fast = TestReceiver::start().await;
        let (slow_key, slow_app, _) = setup(&app, "noisy@example.com", &slow.url).await;
        let (fast_key, fast_app, _) = setup(&app, "quiet@example.com", &fast.url).await;
        for n in 0..24 {
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
            slow_done < 24,
            "the slow endpoint was still busy ({slow_done} of 24 in)"
        );
        // The slow one is capped, not starved: a few at a time.
        assert!(
            slow_done <= 8,
            "at most 4 at a time per endpoint: {slow_done} already in"
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
/// gone, the lease expired. Another worker takes it again.
async fn crashed_lease_is_taken_again(backend: Backend) {
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
    let expired = chrono::Utc::now() - chrono::Duration::seconds(5);
    use sea_orm::ConnectionTrait;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [expired.into(), msg.clone().into()],
    ))
    .await
    .unwrap();
    let worker = api_only
        .spawn_sharing(&[("HOOKRELAY_ROLE", "worker")])
        .await;
    let got = receiver.wait_for(1).await;
    assert_eq!(
        got[0].header("webhook-id"),
        Some(msg.as_str()),
        "taken again once the lease expired"
    );
    drop(worker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_workers_delivery_is_taken_again_sqlite() {
    crashed_lease_is_taken_again(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_workers_delivery_is_taken_again_postgres() {
    crashed_lease_is_taken_again(Backend::Postgres).await;
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

engine_test!(
    recovering_after_re_enabling_delivers_what_was_missed,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.script([Reply::status(410)]);
        let (key, app_id, ep_id) = setup(&app, "recover@example.com", &receiver.url).await;
        let first = send(
            &app,
            &key,
            &app_id,
            r#"{"eventType":"a.b","payload":{"n":1}}"#,
        )
        .await;
        attempts(&app, &key, &app_id, &ep_id, 1).await;
        // Disabled by the 410; a message sent meanwhile is not delivered.
        let missed = send(
            &app,
            &key,
            &app_id,
            r#"{"eventType":"a.b","payload":{"n":2}}"#,
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.received().len(), 1);

        app.patch_json(
            &format!("/api/v1/app/{app_id}/endpoint/{ep_id}"),
            Some(&key),
            &json!({"disabled": false}),
        )
        .await;
        let since = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        let res = app
            .post_json(
                &format!("/api/v1/app/{app_id}/endpoint/{ep_id}/recover"),
                Some(&key),
                &json!({"since": since}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let got = receiver.wait_for(3).await;
        let ids: Vec<&str> = got[1..]
            .iter()
            .map(|r| r.header("webhook-id").unwrap())
            .collect();
        assert!(
            ids.contains(&first.as_str()) && ids.contains(&missed.as_str()),
            "{ids:?}"
        );
        let list = attempts(&app, &key, &app_id, &ep_id, 3).await;
        assert_eq!(list[0]["triggerType"], 1, "recovered attempts are manual");
    }
);

#[tokio::test]
async fn an_endpoint_failing_for_too_long_is_disabled() {
    let app = engine_app(
        Backend::Sqlite,
        &[
            ("HOOKRELAY_DISABLE_AFTER", "1s"),
            (
                "HOOKRELAY_RETRY_SCHEDULE",
                "400ms,400ms,400ms,400ms,400ms,400ms",
            ),
        ],
    )
    .await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(500));
    let (key, app_id, ep_id) = setup(&app, "sustained@example.com", &receiver.url).await;
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    for _ in 0..100 {
        let ep: Value = app
            .get(
                &format!("/api/v1/app/{app_id}/endpoint/{ep_id}"),
                Some(&key),
            )
            .await
            .json()
            .await
            .unwrap();
        if ep["disabled"] == true {
            let n = receiver.received().len();
            tokio::time::sleep(Duration::from_millis(900)).await;
            assert_eq!(
                receiver.received().len(),
                n,
                "no more attempts once disabled"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never disabled after failing for longer than HOOKRELAY_DISABLE_AFTER");
}

/// The alert outbox: (kind, endpoint id) of every unprocessed state change.
async fn outbox(app: &TestApp) -> Vec<(String, String, Value)> {
    app.store
        .unprocessed_state_changes(100)
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
    let rows = app.store.unprocessed_state_changes(10).await.unwrap();
    assert_eq!(rows[0].message_id.as_deref(), Some(msg.as_str()));
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
