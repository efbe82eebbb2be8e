//! `GET /metrics`: Prometheus text with attempts by outcome, the delivery latency
//! histogram, queue depth and in-flight count.

use crate::delivery_support::{attempts, send, setup};
use crate::engine_test;
use crate::helpers::TestApp;
use crate::receiver::{Reply, TestReceiver};

/// The value of one series (`name{labels}` exactly as rendered).
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

pub async fn scrape(app: &TestApp) -> String {
    let res = app.get("/metrics", None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    res.text().await.unwrap()
}

engine_test!(counts_deliveries_by_outcome, |app: TestApp| async move {
    let receiver = TestReceiver::start().await;
    // One message fails once then succeeds; another fails all three attempts.
    receiver.script([Reply::status(500)]);
    receiver.always(Reply::status(200));
    let (key, app_id, ep_id) = setup(&app, "metrics@example.com", &receiver.url).await;
    let before = scrape(&app).await;
    assert_eq!(
        sample(&before, "hookrelay_attempts_total{outcome=\"delivered\"}"),
        0.0
    );
    assert_eq!(sample(&before, "hookrelay_queue_depth{state=\"due\"}"), 0.0);

    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    attempts(&app, &key, &app_id, &ep_id, 2).await;
    receiver.always(Reply::status(503));
    send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    attempts(&app, &key, &app_id, &ep_id, 5).await;

    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, "hookrelay_attempts_total{outcome=\"delivered\"}"),
        1.0
    );
    assert_eq!(
        sample(&text, "hookrelay_attempts_total{outcome=\"retrying\"}"),
        3.0
    );
    assert_eq!(
        sample(&text, "hookrelay_attempts_total{outcome=\"failed\"}"),
        1.0
    );
    assert_eq!(
        sample(&text, "hookrelay_delivery_latency_seconds_count"),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            "hookrelay_delivery_latency_seconds_bucket{le=\"+Inf\"}"
        ),
        1.0
    );
    assert!(
        sample(&text, "hookrelay_delivery_latency_seconds_sum") > 0.05,
        "includes the retry wait"
    );
    assert_eq!(
        sample(&text, "hookrelay_attempt_duration_seconds_count"),
        5.0
    );
    assert_eq!(sample(&text, "hookrelay_deliveries_in_flight"), 0.0);
    assert_eq!(
        sample(&text, "hookrelay_queue_depth{state=\"sending\"}"),
        0.0
    );
    assert!(text.contains("# TYPE hookrelay_delivery_latency_seconds histogram"));
});

/// Queue depth is the shared queue's, seen from a process without workers.
#[tokio::test]
async fn queue_depth_counts_waiting_deliveries() {
    let app = crate::delivery_support::engine_app(
        crate::helpers::Backend::Postgres,
        &[("HOOKRELAY_ROLE", "api")],
    )
    .await;
    let receiver = TestReceiver::start().await;
    let (key, app_id, _) = setup(&app, "depth@example.com", &receiver.url).await;
    for _ in 0..3 {
        send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
    }
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "hookrelay_queue_depth{state=\"due\"}"), 3.0);
    assert_eq!(
        sample(&text, "hookrelay_attempts_total{outcome=\"delivered\"}"),
        0.0
    );
}
