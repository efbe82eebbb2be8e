//! Hand-off at accept: a new message's delivery starts the moment it commits when its
//! endpoint has a free slot, waits in the endpoint's line in the process when it has
//! none, and goes through the queue only when that line is full.

use std::time::{Duration, Instant};

use crate::delivery_support::{attempts, engine_app, send, setup};
use crate::engine_test;
use crate::helpers::{Backend, TestApp};
use crate::metrics::{sample, scrape};
use crate::receiver::{Reply, TestReceiver};

const AT_ACCEPT: &str = "hookrelay_deliveries_started_total{via=\"accept\"}";
const FROM_QUEUE: &str = "hookrelay_deliveries_started_total{via=\"queue\"}";
const DUE: &str = "hookrelay_queue_depth{state=\"due\"}";

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

/// An endpoint at its cap of 16 takes its further new deliveries at accept too: they
/// wait in its line in this process (no pending row, no claim), and every one arrives.
async fn an_endpoint_at_its_cap_lines_up_the_rest(backend: Backend) {
    let app = engine_app(backend, &[("HOOKRELAY_ATTEMPT_TIMEOUT", "10s")]).await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::delayed(204, Duration::from_secs(2)));
    let (key, app_id, _) = setup(&app, "capped@example.com", &receiver.url).await;
    for n in 0..16 {
        send_n(&app, &key, &app_id, n).await;
    }
    // All 16 are at the receiver (it answers after 2 s): the endpoint is at its cap.
    receiver.wait_for(16).await;
    for n in 16..20 {
        send_n(&app, &key, &app_id, n).await;
    }
    let got = receiver.wait_for(20).await;
    assert_eq!(got.len(), 20);
    let text = scrape(&app).await;
    assert_eq!(sample(&text, AT_ACCEPT), 20.0, "all at accept: {text}");
    assert_eq!(
        sample(&text, FROM_QUEUE),
        0.0,
        "none from the queue: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_at_its_cap_lines_up_the_rest_sqlite() {
    an_endpoint_at_its_cap_lines_up_the_rest(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_at_its_cap_lines_up_the_rest_postgres() {
    an_endpoint_at_its_cap_lines_up_the_rest(Backend::Postgres).await;
}

/// With every global slot taken (`HOOKRELAY_MAX_IN_FLIGHT=2`, both to one slow
/// endpoint), that endpoint's new deliveries still start at their accept: they join
/// its line in the process behind the running ones instead of going through the queue.
async fn with_no_global_slot_free_new_deliveries_join_the_line(backend: Backend) {
    let app = engine_app(
        backend,
        &[
            ("HOOKRELAY_ATTEMPT_TIMEOUT", "10s"),
            ("HOOKRELAY_MAX_IN_FLIGHT", "2"),
        ],
    )
    .await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::delayed(204, Duration::from_millis(500)));
    let (key, app_id, _) = setup(&app, "no-slot@example.com", &receiver.url).await;
    for n in 0..2 {
        send_n(&app, &key, &app_id, n).await;
    }
    // Both slots are taken (the receiver answers after 500 ms).
    receiver.wait_for(2).await;
    for n in 2..6 {
        send_n(&app, &key, &app_id, n).await;
    }
    assert_eq!(receiver.wait_for(6).await.len(), 6);
    let text = scrape(&app).await;
    assert_eq!(sample(&text, AT_ACCEPT), 6.0, "all at accept: {text}");
    assert_eq!(
        sample(&text, FROM_QUEUE),
        0.0,
        "none from the queue: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_global_slot_free_new_deliveries_join_the_line_sqlite() {
    with_no_global_slot_free_new_deliveries_join_the_line(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_global_slot_free_new_deliveries_join_the_line_postgres() {
    with_no_global_slot_free_new_deliveries_join_the_line(Backend::Postgres).await;
}

/// A hanging endpoint holds at most its cap and a line of 128 in the process; what it
/// is sent beyond that waits in the database as pending rows, not in memory.
async fn a_hanging_endpoints_line_is_bounded(backend: Backend) {
    let app = engine_app(
        backend,
        &[
            ("HOOKRELAY_ATTEMPT_TIMEOUT", "30s"),
            ("HOOKRELAY_TENANT_MESSAGE_RATE", "0"),
        ],
    )
    .await;
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::delayed(204, Duration::from_secs(60)));
    let (key, app_id, _) = setup(&app, "hanging@example.com", &receiver.url).await;
    const SENT: f64 = 200.0;
    // Its cap and its line, and past them the few hand-offs decided while the previous
    // accept's delivery was still joining the line (sent one by one here).
    const TAKEN_AT_MOST: f64 = 16.0 + 128.0 + 8.0;
    for n in 0..SENT as usize {
        send_n(&app, &key, &app_id, n).await;
    }
    receiver.wait_for(16).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let text = scrape(&app).await;
        let (started, due) = (
            sample(&text, AT_ACCEPT) + sample(&text, FROM_QUEUE),
            sample(&text, DUE),
        );
        if started + due == SENT {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries unaccounted for:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let started = sample(&text, AT_ACCEPT) + sample(&text, FROM_QUEUE);
    assert!(
        (16.0 + 128.0..=TAKEN_AT_MOST).contains(&started),
        "{started} deliveries taken into the process:\n{text}"
    );
    assert!(sample(&text, DUE) >= SENT - TAKEN_AT_MOST, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_endpoints_line_is_bounded_sqlite() {
    a_hanging_endpoints_line_is_bounded(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_endpoints_line_is_bounded_postgres() {
    a_hanging_endpoints_line_is_bounded(Backend::Postgres).await;
}

async fn send_n(app: &TestApp, key: &str, app_id: &str, n: usize) -> String {
    let body = format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#);
    send(app, key, app_id, &body).await
}
