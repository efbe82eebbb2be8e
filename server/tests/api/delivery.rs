//! The delivery engine end to end: a real receiver on 127.0.0.1, signed requests,
//! retries on the schedule, 410, redirects, the SSRF guard, recovery and
//! auto-disable, with every attempt recorded.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::delivery_support::{SECRET, attempts, engine_app, send, setup};
use crate::engine_test;
use crate::helpers::{Backend, TestApp};
use crate::receiver::{Reply, TestReceiver};

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

// PostgreSQL's text holds no NUL character: a response body with one, kept as it
// came, failed the recording of every attempt in its batch, other tenants' too (and
// again at each retry). It is kept with U+FFFD in its place.
engine_test!(
    a_response_body_with_a_nul_byte_is_recorded,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.always(Reply::with_body(200, b"ok\0then"));
        let (key, app_id, ep_id) = setup(&app, "nul@example.com", &receiver.url).await;
        send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
        let list = attempts(&app, &key, &app_id, &ep_id, 1).await;
        assert_eq!(list[0]["status"], 0, "success: {list:?}");
        assert_eq!(list[0]["response"], "ok\u{FFFD}then");
    }
);

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
        headers: vec![("location", format!("{}/elsewhere", receiver.url))],
        ..Reply::status(302)
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

#[tokio::test]
async fn an_unreadable_secret_is_a_visible_failed_attempt() {
    let app = engine_app(Backend::Sqlite, &[("HOOKRELAY_RETRY_SCHEDULE", "")]).await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, ep_id) = setup(&app, "badsecret@example.com", &receiver.url).await;
    use sea_orm::ConnectionTrait;
    let db = app.store.connection();
    db.execute_unprepared("UPDATE endpoint_secret SET ciphertext = 'AAAA'")
        .await
        .unwrap();
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let list = attempts(&app, &key, &app_id, &ep_id, 1).await;
    assert_eq!(list[0]["status"], 2);
    assert!(
        list[0]["error"]
            .as_str()
            .unwrap()
            .contains("signing secret"),
        "{list:?}"
    );
    assert!(receiver.received().is_empty(), "nothing unsigned went out");
}
