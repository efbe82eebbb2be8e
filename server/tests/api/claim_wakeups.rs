//! Wake-ups name their endpoints (`engine/wake.rs`): messages queued only for an
//! endpoint whose pipeline in this process is full (at its cap, 128 waiting) make the
//! engine run no claim — a hanging endpoint behind a busy tenant no longer costs the
//! database a claim per accepted message.

use std::time::{Duration, Instant};

use crate::delivery_support::{engine_app, send, setup};
use crate::helpers::{Backend, TestApp};
use crate::metrics::{sample, scrape};
use crate::receiver::{Reply, TestReceiver};

async fn metric(app: &TestApp, series: &str) -> f64 {
    sample(&scrape(app).await, series)
}

async fn a_full_endpoints_new_messages_make_no_claims(backend: Backend) {
    let app = engine_app(
        backend,
        &[
            ("HOOKRELAY_ATTEMPT_TIMEOUT", "30s"),
            ("HOOKRELAY_TENANT_MESSAGE_RATE", "0"),
        ],
    )
    .await;
    let hang = TestReceiver::start().await;
    hang.always(Reply::delayed(204, Duration::from_secs(60)));
    let (key, app_id, _) = setup(&app, "hang@example.com", &hang.url).await;
    let body = r#"{"eventType":"a.b","payload":{}}"#;
    // 16 take the endpoint's slots at their accept; the next join its line in the
    // process (at accept, or by a claim) until 128 wait there.
    for _ in 0..160 {
        send(&app, &key, &app_id, body).await;
    }
    // Full: 16 running and 128 waiting, however they were taken on.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = scrape(&app).await;
        let started = sample(&text, "hookrelay_deliveries_started_total{via=\"accept\"}")
            + sample(&text, "hookrelay_deliveries_started_total{via=\"queue\"}");
        if started >= 16.0 + 128.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the backlog was never claimed:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let before = metric(&app, "hookrelay_claims_total").await;
    for _ in 0..60 {
        send(&app, &key, &app_id, body).await;
    }
    let claims = metric(&app, "hookrelay_claims_total").await - before;
    // The once-a-second poll still claims; a claim per message would be 60.
    assert!(
        claims <= 10.0,
        "{claims} claims for 60 messages to a full endpoint"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_endpoints_new_messages_make_no_claims_sqlite() {
    a_full_endpoints_new_messages_make_no_claims(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_endpoints_new_messages_make_no_claims_postgres() {
    a_full_endpoints_new_messages_make_no_claims(Backend::Postgres).await;
}
