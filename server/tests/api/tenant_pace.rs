//! The per-tenant message rate (`HOOKRELAY_TENANT_MESSAGE_RATE`): a burst over it is
//! paced into the rate, a message that would wait more than a second is refused with
//! 429 and stored nowhere, other tenants keep their own rate, and processes sharing
//! Redis share a tenant's rate.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp, assert_rate_limited, expect_status};
use crate::messages::{APP, tenant_with_app};

/// In-process pacing on SQLite; Redis's shared pacing on PostgreSQL.
async fn spawn_paced(backend: Backend, rate: &str) -> TestApp {
    let mut env = vec![("HOOKRELAY_TENANT_MESSAGE_RATE", rate)];
    if backend == Backend::Postgres {
        env.push(("REDIS_URL", "redis://127.0.0.1:6379"));
    }
    TestApp::spawn_with(backend, &env).await
}

/// Sends `n` messages at once to `shop`; the answers, in order of sending.
async fn burst(app: &TestApp, key: &str, n: usize) -> Vec<reqwest::Response> {
    let url = format!("{APP}/msg");
    let requests = (0..n).map(|i| {
        let url = &url;
        async move {
            let body = json!({"eventType": "order.paid", "payload": {"n": i}});
            app.post_json(url, Some(key), &body).await
        }
    });
    futures::future::join_all(requests).await
}

async fn stored_messages(app: &TestApp, key: &str) -> usize {
    let list = expect_status(
        app.get(&format!("{APP}/msg?limit=250"), Some(key)).await,
        StatusCode::OK,
    )
    .await;
    list["data"].as_array().unwrap().len()
}

async fn a_burst_over_the_rate_is_paced_into_it(backend: Backend) {
    // 20/s: 50 ms apart, 2 ahead of the rate. The 20th of a burst waits ~850 ms.
    let app = spawn_paced(backend, "20").await;
    let key = tenant_with_app(&app, "burst@example.com").await;
    let started = Instant::now();
    let answers = burst(&app, &key, 20).await;
    let took = started.elapsed();
    for res in answers {
        assert_eq!(res.status(), StatusCode::ACCEPTED, "paced, not refused");
    }
    assert!(
        took >= Duration::from_millis(700),
        "20 messages at 20/s went in within {took:?}"
    );
    assert_eq!(stored_messages(&app, &key).await, 20);
}

async fn past_a_second_of_waiting_messages_are_refused_and_stored_nowhere(backend: Backend) {
    // 5/s: 200 ms apart, 1 ahead; a burst fits 2 + 5 within the second of waiting.
    let app = spawn_paced(backend, "5").await;
    let key = tenant_with_app(&app, "flood@example.com").await;
    let calm = tenant_with_app(&app, "calm@example.com").await;
    let answers = burst(&app, &key, 14).await;
    let mut accepted = 0;
    let mut refused = 0;
    for res in answers {
        if res.status() == StatusCode::ACCEPTED {
            accepted += 1;
            continue;
        }
        refused += 1;
        assert_rate_limited(res).await;
    }
    assert!(
        (7..=9).contains(&accepted) && refused >= 5,
        "{accepted} accepted, {refused} refused"
    );
    assert_eq!(stored_messages(&app, &key).await, accepted);
    // Another tenant has its own rate: its burst of the same size as what fits is
    // all accepted while the first tenant is at its limit.
    for res in burst(&app, &calm, 7).await {
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
}

mod sqlite {
    use super::*;

    #[tokio::test]
    async fn a_burst_over_the_rate_is_paced_into_it() {
        super::a_burst_over_the_rate_is_paced_into_it(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn past_a_second_of_waiting_messages_are_refused_and_stored_nowhere() {
        super::past_a_second_of_waiting_messages_are_refused_and_stored_nowhere(Backend::Sqlite)
            .await;
    }
}

mod postgres_redis {
    use super::*;

    #[tokio::test]
    async fn a_burst_over_the_rate_is_paced_into_it() {
        super::a_burst_over_the_rate_is_paced_into_it(Backend::Postgres).await;
    }

    #[tokio::test]
    async fn past_a_second_of_waiting_messages_are_refused_and_stored_nowhere() {
        super::past_a_second_of_waiting_messages_are_refused_and_stored_nowhere(Backend::Postgres)
            .await;
    }

    #[tokio::test]
    async fn processes_sharing_redis_share_a_tenants_rate() {
        let first = spawn_paced(Backend::Postgres, "5").await;
        let second = first.spawn_sharing(&[]).await;
        let key = tenant_with_app(&first, "two@example.com").await;
        // 6 to each process at once: either alone fits its second of waiting (7),
        // the 12 together do not.
        let (a, b) = tokio::join!(burst(&first, &key, 6), burst(&second, &key, 6));
        let accepted = a
            .iter()
            .chain(&b)
            .filter(|r| r.status() == StatusCode::ACCEPTED)
            .count();
        assert!(
            (7..=9).contains(&accepted),
            "{accepted} of 12 accepted across two processes"
        );
        drop(second);
    }
}
