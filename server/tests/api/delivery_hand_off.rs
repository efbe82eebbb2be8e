//! Hand-off at accept: a new message's delivery starts the moment it commits when its
//! endpoint has a free slot, and goes through the queue when it has none.

use std::time::Duration;

use crate::delivery_support::{attempts, engine_app, send, setup};
use crate::engine_test;
use crate::helpers::{Backend, TestApp};
use crate::metrics::{sample, scrape};
use crate::receiver::{Reply, TestReceiver};

const AT_ACCEPT: &str = "hookrelay_deliveries_started_total{via=\"accept\"}";
const FROM_QUEUE: &str = "hookrelay_deliveries_started_total{via=\"queue\"}";

engine_test!(
    a_new_message_is_delivered_without_a_claim,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.always(Reply::status(204));
        let (key, app_id, ep_id) = setup(&app, "handoff@example.com", &receiver.url).await;
        let msg = send(
            &app,
            &key,
            &app_id,
            r#"{"eventType":"a.b","payload":{"n":1}}"#,
        )
        .await;
        let got = receiver.wait_for(1).await;
        assert_eq!(got[0].header("webhook-id"), Some(msg.as_str()));
        // Recorded like any attempt: the lease it was written with is the engine's.
        let list = attempts(&app, &key, &app_id, &ep_id, 1).await;
        assert_eq!(list[0]["status"], 0, "recorded as delivered: {list:?}");
        let text = scrape(&app).await;
        assert_eq!(sample(&text, AT_ACCEPT), 1.0, "{text}");
        assert_eq!(sample(&text, FROM_QUEUE), 0.0, "{text}");
    }
);

/// An endpoint at its cap of 16 gets its further new deliveries through the queue, and
/// every one of them arrives.
async fn an_endpoint_at_its_cap_queues_the_rest(backend: Backend) {
    let app = engine_app(backend, &[("HOOKRELAY_ATTEMPT_TIMEOUT", "10s")]).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::delayed(204, Duration::from_secs(2)));
    let (key, app_id, _) = setup(&app, "capped@example.com", &receiver.url).await;
    let send_n = |n: usize| {
        let (app, key, app_id) = (&app, &key, &app_id);
        async move {
            let body = format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#);
            send(app, key, app_id, &body).await
        }
    };
    for n in 0..16 {
        send_n(n).await;
    }
    // All 16 are at the receiver (it answers after 2 s): the endpoint is at its cap.
    receiver.wait_for(16).await;
    for n in 16..20 {
        send_n(n).await;
    }
    let got = receiver.wait_for(20).await;
    assert_eq!(got.len(), 20);
    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, AT_ACCEPT),
        16.0,
        "the cap's worth at accept: {text}"
    );
    assert_eq!(
        sample(&text, FROM_QUEUE),
        4.0,
        "the rest from the queue: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_at_its_cap_queues_the_rest_sqlite() {
    an_endpoint_at_its_cap_queues_the_rest(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_at_its_cap_queues_the_rest_postgres() {
    an_endpoint_at_its_cap_queues_the_rest(Backend::Postgres).await;
}
