//! Messages: accepted with their payload bytes intact, one eventId per application, fanned
//! out to exactly the endpoints that want them (seen through endpoint stats), resent,
//! sent as examples, listed with filters; attempts stay empty without a delivery engine.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    TestApp, assert_invalid, assert_not_found, error_code, expect_status, field_of_each, id_of,
};

/// The application every test here works in (created by `tenant_with_app`).
pub(crate) const APP: &str = "/api/v1/app/shop";
pub(crate) const UNKNOWN_MSG: &str = "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV";
pub(crate) const UNKNOWN_EP: &str = "ep_01ARZ3NDEKTSV4RRFFQ69G5FAV";
pub(crate) const UNKNOWN_ATTEMPT: &str = "atmpt_01ARZ3NDEKTSV4RRFFQ69G5FAV";

/// Key order, escapes, an exponent and a number beyond f64: all must survive as sent.
pub(crate) const EXOTIC_PAYLOAD: &str = r#"{"z":1,"a":"caf\u00e9\n","big":123456789012345678901234567890,"f":2E10,"nested":{"b":[1.0, true,null]}}"#;

/// A fresh tenant with one application, uid `shop`; returns the API key.
pub(crate) async fn tenant_with_app(app: &TestApp, email: &str) -> String {
    let (_, key) = app.signup(email).await;
    create_app(app, &key, "shop").await;
    key
}

pub(crate) async fn create_app(app: &TestApp, key: &str, uid: &str) {
    expect_status(
        app.post_json("/api/v1/app", Some(key), &json!({"name": uid, "uid": uid}))
            .await,
        StatusCode::CREATED,
    )
    .await;
}

/// Sends a message to `shop`; expects 202.
pub(crate) async fn send(app: &TestApp, key: &str, body: Value) -> Value {
    expect_status(
        app.post_json(&format!("{APP}/msg"), Some(key), &body).await,
        StatusCode::ACCEPTED,
    )
    .await
}

/// Creates an endpoint of `shop`; returns its id.
pub(crate) async fn endpoint(app: &TestApp, key: &str, body: Value) -> String {
    let ep = expect_status(
        app.post_json(&format!("{APP}/endpoint"), Some(key), &body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    id_of(&ep)
}

pub(crate) async fn stats(app: &TestApp, key: &str, app_ref: &str, ep: &str) -> Value {
    expect_status(
        app.get(
            &format!("/api/v1/app/{app_ref}/endpoint/{ep}/stats"),
            Some(key),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

/// Pending deliveries of an endpoint of `shop`.
pub(crate) async fn pending(app: &TestApp, key: &str, ep: &str) -> u64 {
    stats(app, key, "shop", ep).await["pending"]
        .as_u64()
        .expect("a count")
}

pub(crate) async fn pendings(app: &TestApp, key: &str, eps: &[&str]) -> Vec<u64> {
    let mut out = Vec::new();
    for ep in eps {
        out.push(pending(app, key, ep).await);
    }
    out
}

pub(crate) async fn post_raw(app: &TestApp, key: &str, path: &str, body: String) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn list_messages(app: &TestApp, key: &str, query: &str) -> Value {
    expect_status(
        app.get(&format!("{APP}/msg{query}"), Some(key)).await,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn message_ids(app: &TestApp, key: &str, query: &str) -> Vec<String> {
    field_of_each(&list_messages(app, key, query).await, "id")
}

both_backends!(
    the_payload_is_kept_byte_for_byte,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "msg-bytes@example.com").await;
        let res = post_raw(
            &app,
            &key,
            &format!("{APP}/msg"),
            r#"{"eventType":"a.b","payload":{"x":  1,"y":1.50}}"#.to_string(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let text = res.text().await.unwrap();
        assert!(text.contains(r#"{"x":  1,"y":1.50}"#), "{text}");
        let msg: Value = serde_json::from_str(&text).unwrap();
        let id = id_of(&msg);
        assert!(id.starts_with("msg_") && id.len() == 30, "{id}");
        assert_eq!(msg["eventType"], "a.b");
        assert!(msg["eventId"].is_null(), "{msg}");
        assert!(msg["channels"].is_null(), "{msg}");
        assert!(msg["timestamp"].is_string(), "{msg}");

        // Read back, alone and in the list: the same bytes.
        for path in [format!("{APP}/msg/{id}"), format!("{APP}/msg")] {
            let res = app.get(&path, Some(&key)).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let text = res.text().await.unwrap();
            assert!(text.contains(r#"{"x":  1,"y":1.50}"#), "{path}: {text}");
        }

        let res = post_raw(
            &app,
            &key,
            &format!("{APP}/msg"),
            format!(r#"{{"eventType":"a.b","eventId":"exotic","payload":{EXOTIC_PAYLOAD}}}"#),
        )
        .await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let text = res.text().await.unwrap();
        assert!(
            text.contains(&format!(r#""payload":{EXOTIC_PAYLOAD}"#)),
            "{text}"
        );
        let res = app.get(&format!("{APP}/msg/exotic"), Some(&key)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        assert!(text.contains(EXOTIC_PAYLOAD), "{text}");
    }
);

both_backends!(
    an_event_id_is_unique_per_application,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "msg-eventid@example.com").await;
        create_app(&app, &key, "other").await;
        let ep = endpoint(&app, &key, json!({"url": "https://example.com/hook"})).await;

        let first = send(
            &app,
            &key,
            json!({"eventType": "order.paid", "eventId": "evt-1", "payload": {"n": 1}}),
        )
        .await;
        assert_eq!(first["eventId"], "evt-1");
        assert_eq!(pending(&app, &key, &ep).await, 1);

        let (status, code, body) = error_code(
            app.post_json(
                &format!("{APP}/msg"),
                Some(&key),
                &json!({"eventType": "order.paid", "eventId": "evt-1", "payload": {"n": 2}}),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::CONFLICT, "conflict"),
            "{body}"
        );
        // Refused whole: no second message, no second delivery.
        assert_eq!(message_ids(&app, &key, "").await, [id_of(&first)]);
        assert_eq!(pending(&app, &key, &ep).await, 1);

        // Found by its eventId: the first one.
        let got = expect_status(
            app.get(&format!("{APP}/msg/evt-1"), Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(got["id"], first["id"]);
        assert_eq!(got["payload"], json!({"n": 1}));

        // Another application may use the same eventId.
        let other = expect_status(
            app.post_json(
                "/api/v1/app/other/msg",
                Some(&key),
                &json!({"eventType": "order.paid", "eventId": "evt-1", "payload": {"n": 3}}),
            )
            .await,
            StatusCode::ACCEPTED,
        )
        .await;
        assert_ne!(other["id"], first["id"]);
        let got = expect_status(
            app.get("/api/v1/app/other/msg/evt-1", Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(got["id"], other["id"]);
        assert_eq!(got["payload"], json!({"n": 3}));

        assert_not_found(app.get(&format!("{APP}/msg/evt-unknown"), Some(&key)).await).await;
        assert_not_found(
            app.get(&format!("{APP}/msg/{UNKNOWN_MSG}"), Some(&key))
                .await,
        )
        .await;
    }
);

both_backends!(
    invalid_messages_are_refused_and_queue_nothing,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "msg-invalid@example.com").await;
        let ep = endpoint(&app, &key, json!({"url": "https://example.com/hook"})).await;
        let cases = [
            (json!({"eventType": "a.b", "payload": [1]}), "payload"),
            (json!({"eventType": "a.b", "payload": "x"}), "payload"),
            (json!({"eventType": "a.b", "payload": 1}), "payload"),
            (json!({"eventType": "a.b", "payload": null}), "payload"),
            (json!({"eventType": "a.b"}), "payload"),
            (json!({"eventType": "a/b", "payload": {}}), "eventType"),
            (json!({"eventType": "", "payload": {}}), "eventType"),
            (json!({"payload": {}}), "eventType"),
            (
                json!({"eventType": "a.b", "payload": {}, "eventId": "has space"}),
                "eventId",
            ),
            (
                json!({"eventType": "a.b", "payload": {}, "channels": ["a b"]}),
                "channels",
            ),
        ];
        for (body, field) in &cases {
            assert_invalid(
                app.post_json(&format!("{APP}/msg"), Some(&key), body).await,
                field,
            )
            .await;
        }
        assert!(message_ids(&app, &key, "").await.is_empty());
        assert_eq!(pending(&app, &key, &ep).await, 0);

        // A valid message to an unknown application: 404.
        assert_not_found(
            app.post_json(
                "/api/v1/app/nope/msg",
                Some(&key),
                &json!({"eventType": "a.b", "payload": {}}),
            )
            .await,
        )
        .await;
    }
);

both_backends!(
    messages_are_listed_with_filters,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "msg-filters@example.com").await;
        let m1 = id_of(
            &send(
                &app,
                &key,
                json!({"eventType": "invoice.paid", "channels": ["eu"], "payload": {"n": 1}}),
            )
            .await,
        );
        let m2 = id_of(
        &send(
            &app,
            &key,
            json!({"eventType": "user.created", "channels": ["us", "eu-west"], "payload": {"n": 2}}),
        )
        .await,
    );
        tokio::time::sleep(Duration::from_millis(50)).await;
        let between = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let m3 = id_of(
            &send(
                &app,
                &key,
                json!({"eventType": "invoice.failed", "payload": {"n": 3}}),
            )
            .await,
        );

        assert_eq!(
            message_ids(&app, &key, "").await,
            [m3.clone(), m2.clone(), m1.clone()],
            "newest first"
        );
        assert_eq!(
            message_ids(&app, &key, "?event_types=invoice.paid,invoice.failed").await,
            [m3.clone(), m1.clone()]
        );
        assert_eq!(
            message_ids(&app, &key, "?event_types=user.created").await,
            std::slice::from_ref(&m2)
        );
        assert_eq!(
            message_ids(&app, &key, "?channel=eu").await,
            std::slice::from_ref(&m1),
            "a channel matches whole, not as a prefix of eu-west"
        );
        assert_eq!(
            message_ids(&app, &key, "?channel=us").await,
            std::slice::from_ref(&m2)
        );
        assert!(message_ids(&app, &key, "?channel=nowhere").await.is_empty());
        assert_eq!(
            message_ids(&app, &key, &format!("?after={between}")).await,
            std::slice::from_ref(&m3)
        );
        assert_eq!(
            message_ids(&app, &key, &format!("?before={between}")).await,
            [m2.clone(), m1.clone()]
        );
        assert_eq!(
            message_ids(
                &app,
                &key,
                &format!("?before={between}&event_types=invoice.paid,invoice.failed")
            )
            .await,
            std::slice::from_ref(&m1)
        );

        // Payloads: in full by default, left out with with_content=false.
        let payloads = |list: &Value| -> Vec<Value> {
            list["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["payload"].clone())
                .collect()
        };
        let full = list_messages(&app, &key, "").await;
        assert_eq!(
            payloads(&full),
            [json!({"n": 3}), json!({"n": 2}), json!({"n": 1})]
        );
        let bare = list_messages(&app, &key, "?with_content=false").await;
        assert_eq!(payloads(&bare), [json!({}), json!({}), json!({})]);
        assert_eq!(field_of_each(&bare, "id"), [m3, m2, m1.clone()]);
        let one = expect_status(
            app.get(&format!("{APP}/msg/{m1}?with_content=false"), Some(&key))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(one["payload"], json!({}));
        assert_eq!(one["eventType"], "invoice.paid");
        assert_eq!(one["channels"], json!(["eu"]));

        // Bad filters: 422 naming them.
        for (query, field) in [
            ("?event_types=a/b", "event_types"),
            ("?channel=a%20b", "channel"),
            ("?before=yesterday", "before"),
            ("?after=2026-13-45T00:00:00Z", "after"),
            ("?with_content=maybe", "with_content"),
        ] {
            assert_invalid(
                app.get(&format!("{APP}/msg{query}"), Some(&key)).await,
                field,
            )
            .await;
        }
    }
);

both_backends!(
    attempts_are_empty_until_something_is_delivered,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "msg-attempts@example.com").await;
        let ep = endpoint(&app, &key, json!({"url": "https://example.com/hook"})).await;
        let msg = id_of(&send(&app, &key, json!({"eventType": "a.b", "payload": {}})).await);
        assert_eq!(pending(&app, &key, &ep).await, 1, "a delivery is queued");

        for path in [
            format!("{APP}/attempt/endpoint/{ep}"),
            format!("{APP}/attempt/msg/{msg}"),
            format!("{APP}/attempt/msg/{msg}?endpoint_id={ep}"),
            format!("{APP}/attempt/endpoint/{ep}?status=1"),
            format!("{APP}/attempt/msg/{msg}?status=0&limit=5"),
        ] {
            let list = expect_status(app.get(&path, Some(&key)).await, StatusCode::OK).await;
            assert_eq!(list["data"], json!([]), "{path}");
            assert_eq!(list["done"], true, "{path}");
        }

        assert_not_found(
            app.get(
                &format!("{APP}/msg/{msg}/attempt/{UNKNOWN_ATTEMPT}"),
                Some(&key),
            )
            .await,
        )
        .await;
        assert_not_found(
            app.get(&format!("{APP}/msg/{msg}/attempt/not-an-id"), Some(&key))
                .await,
        )
        .await;
        assert_not_found(
            app.get(&format!("{APP}/attempt/msg/{UNKNOWN_MSG}"), Some(&key))
                .await,
        )
        .await;
        assert_not_found(
            app.get(&format!("{APP}/attempt/endpoint/{UNKNOWN_EP}"), Some(&key))
                .await,
        )
        .await;
        assert_not_found(
            app.get(
                &format!("{APP}/attempt/msg/{msg}?endpoint_id={UNKNOWN_EP}"),
                Some(&key),
            )
            .await,
        )
        .await;

        for path in [
            format!("{APP}/attempt/endpoint/{ep}?status=9"),
            format!("{APP}/attempt/msg/{msg}?status=9"),
            format!("{APP}/attempt/endpoint/{ep}?status=-1"),
            format!("{APP}/attempt/msg/{msg}?status=pending"),
        ] {
            assert_invalid(app.get(&path, Some(&key)).await, "status").await;
        }
    }
);

both_backends!(
    channel_filters_are_exact_and_case_sensitive,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "channels-case@example.com").await;
        let upper = id_of(
            &send(
                &app,
                &key,
                json!({"eventType": "a.b", "payload": {}, "channels": ["Orders"]}),
            )
            .await,
        );
        let lower = id_of(
            &send(
                &app,
                &key,
                json!({"eventType": "a.b", "payload": {}, "channels": ["orders"]}),
            )
            .await,
        );
        assert_eq!(message_ids(&app, &key, "?channel=Orders").await, [upper]);
        assert_eq!(message_ids(&app, &key, "?channel=orders").await, [lower]);
        assert!(message_ids(&app, &key, "?channel=order").await.is_empty());
    }
);
