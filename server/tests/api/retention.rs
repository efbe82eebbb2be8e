//! Retention: old payloads and response bodies are emptied in batches, and a delivery
//! whose payload is gone fails visibly instead of sending something else.

use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};

use crate::delivery_support::{attempts, send, setup};
use crate::engine_test;
use crate::helpers::TestApp;
use crate::receiver::{Reply, TestReceiver};
use hookrelay::store::Watermark;

engine_test!(
    purges_old_payloads_and_fails_what_needed_them,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.always(Reply::status(500));
        let (key, app_id, ep_id) = setup(&app, "retention@example.com", &receiver.url).await;
        app.patch_json(
            &format!("/api/v1/app/{app_id}/endpoint/{ep_id}"),
            Some(&key),
            &json!({"retrySchedule": [2]}),
        )
        .await;
        let msg_id = send(
            &app,
            &key,
            &app_id,
            r#"{"eventType":"a.b","payload":{"secret":"data"}}"#,
        )
        .await;
        let first = attempts(&app, &key, &app_id, &ep_id, 1).await;
        assert_eq!(first[0]["response"], "receiver says hi");

        // Everything so far is "older than the retention period".
        let cutoff = Utc::now() + chrono::Duration::milliseconds(10);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut mark = Watermark::default();
        let purged = app.store.purge_batch(cutoff, 500, &mut mark).await.unwrap();
        assert_eq!((purged.payloads, purged.response_bodies), (1, 1));
        let again = app.store.purge_batch(cutoff, 500, &mut mark).await.unwrap();
        assert!(
            again.is_empty(),
            "a second pass finds nothing left: {again:?}"
        );

        let msg: Value = app
            .get(&format!("/api/v1/app/{app_id}/msg/{msg_id}"), Some(&key))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(msg["payload"], json!({}), "the payload is gone");

        // The retry (2 s later) has nothing to send: a failed attempt saying why, and
        // the receiver sees no request with an invented body.
        let list = attempts(&app, &key, &app_id, &ep_id, 2).await;
        assert_eq!(list[0]["responseStatusCode"], 0);
        let error = list[0]["error"].as_str().unwrap_or_default().to_string();
        assert!(error.contains("purged"), "{list:?}");
        assert_eq!(list[1]["response"], "", "the old response body was purged");
        assert_eq!(
            receiver.received().len(),
            1,
            "nothing sent for the purged payload"
        );
    }
);

/// Purging goes in batches of the size asked for, and resumes where it stopped.
#[tokio::test]
async fn purges_in_batches() {
    let app = crate::delivery_support::engine_app(
        crate::helpers::Backend::Sqlite,
        &[("HOOKRELAY_ROLE", "api")],
    )
    .await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, _) = setup(&app, "batches@example.com", &receiver.url).await;
    for n in 0..7 {
        send(
            &app,
            &key,
            &app_id,
            &format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    let cutoff = Utc::now();
    let mut mark = Watermark::default();
    let mut batches = Vec::new();
    loop {
        let purged = app.store.purge_batch(cutoff, 3, &mut mark).await.unwrap();
        if purged.is_empty() {
            break;
        }
        batches.push(purged.payloads);
    }
    assert_eq!(batches, [3, 3, 1]);
}
