//! The attempt timeout: a receiver that answers too late, and one whose body never
//! ends, are both concluded at the timeout.

use std::time::Duration;

use crate::delivery_support::{attempts, engine_app, send, setup};
use crate::helpers::{Backend, TestApp};
use crate::receiver::{Reply, TestReceiver};

/// An engine with a 300 ms attempt timeout and no retries, and a receiver.
async fn timeout_app() -> (TestApp, TestReceiver) {
    let app = engine_app(
        Backend::Sqlite,
        &[
            ("HOOKRELAY_ATTEMPT_TIMEOUT", "300ms"),
            ("HOOKRELAY_RETRY_SCHEDULE", ""),
        ],
    )
    .await;
    (app, TestReceiver::start().await)
}

#[tokio::test]
async fn a_slow_receiver_times_out() {
    let (app, receiver) = timeout_app().await;
    receiver.always(Reply::delayed(200, Duration::from_secs(3)));
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

/// The attempt timeout bounds the body as well as the head: a response whose body
/// never ends is concluded at the timeout with its status and what came of its body.
#[tokio::test]
async fn a_body_that_never_ends_is_cut_at_the_timeout() {
    let (app, receiver) = timeout_app().await;
    receiver.always(Reply {
        stalls: true,
        ..Reply::status(200)
    });
    let (key, app_id, ep_id) = setup(&app, "stall@example.com", &receiver.url).await;
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    let list = attempts(&app, &key, &app_id, &ep_id, 1).await;
    assert_eq!(list[0]["status"], 0, "a 200 is a success: {list:?}");
    assert_eq!(list[0]["responseStatusCode"], 200);
    assert_eq!(list[0]["response"], "partial", "{list:?}");
    assert!(
        list[0]["responseDurationMs"].as_i64().unwrap() < 3_000,
        "{list:?}"
    );
}
