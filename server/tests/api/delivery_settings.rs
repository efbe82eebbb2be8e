//! What a tenant can choose about how its webhooks are sent: the `svix-*` header
//! aliases (`/api/v1/settings`) and an endpoint's own retry schedule.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::delivery_support::{attempts, send, setup};
use crate::engine_test;
use crate::helpers::{TestApp, assert_invalid, expect_status};
use crate::receiver::{Reply, TestReceiver};

engine_test!(
    svix_aliases_follow_the_tenant_setting,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.always(Reply::status(204));
        let (key, app_id, _) = setup(&app, "aliases@example.com", &receiver.url).await;
        let (_, other_key) = app.signup("other-tenant@example.com").await;

        let settings = expect_status(
            app.get("/api/v1/settings", Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(settings, json!({"svixHeaders": false}), "off by default");
        send(
            &app,
            &key,
            &app_id,
            r#"{"eventType":"a.b","payload":{"n":1}}"#,
        )
        .await;
        let first = receiver.wait_for(1).await.remove(0);
        assert!(
            first.header("svix-id").is_none(),
            "no aliases unless asked for"
        );

        let on = expect_status(
            app.put_json(
                "/api/v1/settings",
                Some(&key),
                &json!({"svixHeaders": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(on, json!({"svixHeaders": true}));
        let other = expect_status(
            app.get("/api/v1/settings", Some(&other_key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            other["svixHeaders"], false,
            "one tenant's choice is its own"
        );

        let msg_id = send(
            &app,
            &key,
            &app_id,
            r#"{"eventType":"a.b","payload":{"n":2}}"#,
        )
        .await;
        let second = receiver.wait_for(2).await.remove(1);
        for name in ["id", "timestamp", "signature"] {
            let standard = second.header(&format!("webhook-{name}"));
            assert!(standard.is_some());
            assert_eq!(
                second.header(&format!("svix-{name}")),
                standard,
                "svix-{name}"
            );
        }
        assert_eq!(second.header("svix-id"), Some(msg_id.as_str()));

        let bad = app
            .put_json(
                "/api/v1/settings",
                Some(&key),
                &json!({"svixHeaders": "yes"}),
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let unchanged = expect_status(
            app.get("/api/v1/settings", Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            unchanged["svixHeaders"], true,
            "a refused change changes nothing"
        );
    }
);

engine_test!(
    an_endpoint_retries_on_its_own_schedule,
    |app: TestApp| async move {
        let receiver = TestReceiver::start().await;
        receiver.always(Reply::status(500));
        let (key, app_id, ep_id) = setup(&app, "own-schedule@example.com", &receiver.url).await;
        let path = format!("/api/v1/app/{app_id}/endpoint/{ep_id}");
        let ep = expect_status(
            app.patch_json(&path, Some(&key), &json!({"retrySchedule": [0, 0, 0]}))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(ep["retrySchedule"], json!([0, 0, 0]));

        // The server's schedule (two retries) would stop at 3 attempts; this one makes 4.
        let msg_id = send(&app, &key, &app_id, r#"{"eventType":"a.b","payload":{}}"#).await;
        let list = attempts(&app, &key, &app_id, &ep_id, 4).await;
        assert_eq!(list[0]["attemptNumber"], 4);
        let _ = msg_id;
        let stats = wait_for_settled_stats(&app, &key, &app_id, &ep_id).await;
        assert_eq!(
            stats["fail"], 1,
            "failed once the endpoint's schedule ran out: {stats}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert_eq!(receiver.received().len(), 4, "and no further attempt");

        // Svix's SDKs do not know the field: their PUT keeps it.
        let put = expect_status(
            app.put_json(&path, Some(&key), &json!({"url": receiver.url}))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(put["retrySchedule"], json!([0, 0, 0]));
        let cleared = expect_status(
            app.patch_json(&path, Some(&key), &json!({"retrySchedule": null}))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            cleared["retrySchedule"],
            Value::Null,
            "back to the server's schedule"
        );

        for bad in [
            json!([-1]),
            json!([604_801]),
            json!([1.5]),
            json!(vec![1; 21]),
            json!(["5s"]),
        ] {
            let res = app
                .patch_json(&path, Some(&key), &json!({"retrySchedule": bad}))
                .await;
            if res.status() == StatusCode::UNPROCESSABLE_ENTITY {
                let body: Value = res.json().await.unwrap();
                assert!(
                    body["field"] == "retrySchedule"
                        || body["detail"].as_str().unwrap().contains("retrySchedule"),
                    "{bad}: {body}"
                );
            } else {
                panic!("{bad} was accepted: {}", res.status());
            }
        }
        let created = app
            .post_json(
                &format!("/api/v1/app/{app_id}/endpoint"),
                Some(&key),
                &json!({"url": receiver.url, "retrySchedule": [1, 2, 3, -4]}),
            )
            .await;
        assert_invalid(created, "retrySchedule").await;
        let ep = expect_status(app.get(&path, Some(&key)).await, StatusCode::OK).await;
        assert_eq!(
            ep["retrySchedule"],
            Value::Null,
            "refused changes changed nothing"
        );
    }
);

/// The endpoint's delivery stats once nothing is pending or sending.
pub async fn wait_for_settled_stats(app: &TestApp, key: &str, app_id: &str, ep_id: &str) -> Value {
    for _ in 0..200 {
        let stats: Value = app
            .get(
                &format!("/api/v1/app/{app_id}/endpoint/{ep_id}/stats"),
                Some(key),
            )
            .await
            .json()
            .await
            .unwrap();
        if stats["pending"] == 0 && stats["sending"] == 0 {
            return stats;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("deliveries of {ep_id} stayed pending");
}
