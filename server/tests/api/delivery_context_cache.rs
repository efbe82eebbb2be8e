//! The endpoint contexts the hand-off keeps in memory between accepts
//! (`store/context_cache.rs`): they save the database read, and every write that
//! changes what an attempt reads — the secret, the custom headers, the URL — reaches
//! the next message's delivery, from this process and (with Redis) from another.

use reqwest::StatusCode;
use serde_json::json;

use crate::delivery_support::{SECRET, engine_app, send, setup};
use crate::engine_test;
use crate::helpers::{Backend, TestApp, expect_status};
use crate::receiver::{Reply, TestReceiver};

const NEW_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const REDIS: (&str, &str) = ("REDIS_URL", "redis://127.0.0.1:6379");

/// `hookrelay_endpoint_contexts_total{source}`.
async fn contexts(app: &TestApp, source: &str) -> u64 {
    let text = app.get("/metrics", None).await.text().await.unwrap();
    let prefix = format!("hookrelay_endpoint_contexts_total{{source=\"{source}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {prefix} in /metrics"))
        .parse()
        .unwrap()
}

/// Does the request carry a `webhook-signature` made with `secret`?
fn signed_with(got: &crate::receiver::Received, secret: &str) -> bool {
    let key = hookrelay::domain::WebhookSecret::parse(secret)
        .unwrap()
        .key_bytes();
    let id = got.header("webhook-id").unwrap();
    let ts: i64 = got.header("webhook-timestamp").unwrap().parse().unwrap();
    let expected = hookrelay::engine::signature::sign(&key, id, ts, &got.body);
    got.header("webhook-signature")
        .unwrap()
        .split(' ')
        .any(|s| s == expected)
}

fn numbered(n: u32) -> String {
    format!(r#"{{"eventType":"a.b","payload":{{"n":{n}}}}}"#)
}

/// A receiver answering 204, a tenant with an endpoint there, and `count` messages
/// sent one at a time, each waited for at the receiver.
async fn delivered_one_by_one(
    app: &TestApp,
    email: &str,
    count: u32,
) -> (TestReceiver, String, String, String) {
    let receiver = TestReceiver::start().await;
    receiver.always(Reply::status(204));
    let (key, app_id, ep_id) = setup(app, email, &receiver.url).await;
    for n in 1..=count {
        send(app, &key, &app_id, &numbered(n)).await;
        receiver.wait_for(n as usize).await;
    }
    (receiver, key, app_id, ep_id)
}

engine_test!(
    an_endpoints_context_is_read_once_for_many_messages,
    read_once_for_many_messages
);

/// With the fan-out view cached in Redis: kept as well. (Not counted exactly: a Redis
/// call slower than 150 ms on a busy machine sends lookups to the database for a
/// moment, and the views read there are new ones.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoints_context_is_kept_with_redis_too() {
    let app = engine_app(Backend::Postgres, &[REDIS]).await;
    delivered_one_by_one(&app, "kept-redis@example.com", 5).await;
    assert!(contexts(&app, "memory").await >= 1);
}

async fn read_once_for_many_messages(app: TestApp) {
    delivered_one_by_one(&app, "kept@example.com", 4).await;
    // Read for the first; at most once more, if the fan-out view's first fill lost a
    // race with an unrelated invalidation (the API key's last-use refresh) and was
    // read again with a new number.
    let (read, kept) = (
        contexts(&app, "database").await,
        contexts(&app, "memory").await,
    );
    assert_eq!(read + kept, 4);
    assert!(read <= 2 && kept >= 2, "read {read}, kept {kept}");
}

engine_test!(
    the_next_delivery_follows_every_change_to_its_endpoint,
    |app: TestApp| async move {
        let moved = TestReceiver::start().await;
        moved.always(Reply::status(204));
        let (receiver, key, app_id, ep_id) =
            delivered_one_by_one(&app, "changes@example.com", 3).await;
        let ep_path = format!("/api/v1/app/{app_id}/endpoint/{ep_id}");
        let first = receiver.received().remove(0);
        assert!(signed_with(&first, SECRET));
        assert_eq!(first.header("x-tenant-header"), Some("hello"));
        assert!(contexts(&app, "memory").await >= 1, "the context is kept");

        // A new secret, the old one valid for a grace period: both sign.
        expect_status(
            app.post_json(
                &format!("{ep_path}/secret/rotate"),
                Some(&key),
                &json!({"key": NEW_SECRET}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        send(&app, &key, &app_id, &numbered(4)).await;
        let second = receiver.wait_for(4).await.remove(3);
        assert!(
            signed_with(&second, NEW_SECRET),
            "signed with the new secret"
        );
        assert!(
            signed_with(&second, SECRET),
            "and the old one, in its grace period"
        );

        // New custom headers.
        let res = app
            .put_json(
                &format!("{ep_path}/headers"),
                Some(&key),
                &json!({"headers": {"x-tenant-header": "changed"}}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        send(&app, &key, &app_id, &numbered(5)).await;
        let third = receiver.wait_for(5).await.remove(4);
        assert_eq!(third.header("x-tenant-header"), Some("changed"));

        // A new URL.
        expect_status(
            app.patch_json(&ep_path, Some(&key), &json!({"url": moved.url}))
                .await,
            StatusCode::OK,
        )
        .await;
        send(&app, &key, &app_id, &numbered(6)).await;
        assert_eq!(moved.wait_for(1).await.len(), 1);
        assert_eq!(receiver.received().len(), 5, "the old URL got nothing more");
    }
);

/// Two processes on one PostgreSQL and Redis: the one accepting keeps the endpoint's
/// context, the other rotates its secret; the next delivery is signed with the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_rotated_by_another_process_signs_the_next_delivery() {
    let app = engine_app(Backend::Postgres, &[REDIS]).await;
    let other = app.spawn_sharing(&[("HOOKRELAY_ROLE", "api")]).await;
    let (receiver, key, app_id, ep_id) =
        delivered_one_by_one(&app, "elsewhere@example.com", 3).await;
    assert!(contexts(&app, "memory").await >= 1, "the context is kept");

    expect_status(
        other
            .post_json(
                &format!("/api/v1/app/{app_id}/endpoint/{ep_id}/secret/rotate"),
                Some(&key),
                &json!({"key": NEW_SECRET, "gracePeriodSeconds": 0}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    send(&app, &key, &app_id, &numbered(4)).await;
    let fourth = receiver.wait_for(4).await.remove(3);
    assert!(signed_with(&fourth, NEW_SECRET));
    assert!(
        !signed_with(&fourth, SECRET),
        "the old secret was dropped at once"
    );
    drop(other);
}
