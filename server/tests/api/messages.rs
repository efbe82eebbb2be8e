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
const APP: &str = "/api/v1/app/shop";
const UNKNOWN_MSG: &str = "msg_01ARZ3NDEKTSV4RRFFQ69G5FAV";
const UNKNOWN_EP: &str = "ep_01ARZ3NDEKTSV4RRFFQ69G5FAV";
const UNKNOWN_ATTEMPT: &str = "atmpt_01ARZ3NDEKTSV4RRFFQ69G5FAV";

/// Key order, escapes, an exponent and a number beyond f64: all must survive as sent.
const EXOTIC_PAYLOAD: &str = r#"{"z":1,"a":"caf\u00e9\n","big":123456789012345678901234567890,"f":2E10,"nested":{"b":[1.0, true,null]}}"#;

/// A fresh tenant with one application, uid `shop`; returns the API key.
async fn tenant_with_app(app: &TestApp, email: &str) -> String {
    let (_, key) = app.signup(email).await;
    create_app(app, &key, "shop").await;
    key
}

async fn create_app(app: &TestApp, key: &str, uid: &str) {
    expect_status(
        app.post_json("/api/v1/app", Some(key), &json!({"name": uid, "uid": uid}))
            .await,
        StatusCode::CREATED,
    )
    .await;
}

/// Sends a message to `shop`; expects 202.
async fn send(app: &TestApp, key: &str, body: Value) -> Value {
    expect_status(
        app.post_json(&format!("{APP}/msg"), Some(key), &body).await,
        StatusCode::ACCEPTED,
    )
    .await
}

/// Creates an endpoint of `shop`; returns its id.
async fn endpoint(app: &TestApp, key: &str, body: Value) -> String {
    let ep = expect_status(
        app.post_json(&format!("{APP}/endpoint"), Some(key), &body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    id_of(&ep)
}

async fn stats(app: &TestApp, key: &str, app_ref: &str, ep: &str) -> Value {
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
async fn pending(app: &TestApp, key: &str, ep: &str) -> u64 {
    stats(app, key, "shop", ep).await["pending"]
        .as_u64()
        .expect("a count")
}

async fn pendings(app: &TestApp, key: &str, eps: &[&str]) -> Vec<u64> {
    let mut out = Vec::new();
    for ep in eps {
        out.push(pending(app, key, ep).await);
    }
    out
}

async fn post_raw(app: &TestApp, key: &str, path: &str, body: String) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn list_messages(app: &TestApp, key: &str, query: &str) -> Value {
    expect_status(
        app.get(&format!("{APP}/msg{query}"), Some(key)).await,
        StatusCode::OK,
    )
    .await
}

async fn message_ids(app: &TestApp, key: &str, query: &str) -> Vec<String> {
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
    a_message_fans_out_to_the_endpoints_that_want_it,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "msg-fanout@example.com").await;
        let all = endpoint(&app, &key, json!({"url": "https://all.example.com/h"})).await;
        let typed = endpoint(
            &app,
            &key,
            json!({"url": "https://typed.example.com/h", "eventTypes": ["invoice.paid"]}),
        )
        .await;
        let chan = endpoint(
            &app,
            &key,
            json!({"url": "https://chan.example.com/h", "channels": ["eu"]}),
        )
        .await;
        let off = endpoint(
            &app,
            &key,
            json!({"url": "https://off.example.com/h", "disabled": true}),
        )
        .await;
        let eps = [all.as_str(), typed.as_str(), chan.as_str(), off.as_str()];
        // Another application's endpoint never gets this application's messages.
        create_app(&app, &key, "other").await;
        let elsewhere = expect_status(
            app.post_json(
                "/api/v1/app/other/endpoint",
                Some(&key),
                &json!({"url": "https://elsewhere.example.com/h"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let elsewhere = id_of(&elsewhere);

        assert_eq!(pendings(&app, &key, &eps).await, [0, 0, 0, 0]);
        send(
            &app,
            &key,
            json!({"eventType": "invoice.paid", "channels": ["eu"], "payload": {}}),
        )
        .await;
        assert_eq!(pendings(&app, &key, &eps).await, [1, 1, 1, 0], "all match");
        send(
            &app,
            &key,
            json!({"eventType": "user.created", "payload": {}}),
        )
        .await;
        assert_eq!(
            pendings(&app, &key, &eps).await,
            [2, 1, 1, 0],
            "another type, no channel"
        );
        send(
            &app,
            &key,
            json!({"eventType": "invoice.paid", "channels": ["us", "asia"], "payload": {}}),
        )
        .await;
        assert_eq!(
            pendings(&app, &key, &eps).await,
            [3, 2, 1, 0],
            "other channels"
        );
        send(
            &app,
            &key,
            json!({"eventType": "invoice.paid", "channels": ["asia", "eu"], "payload": {}}),
        )
        .await;
        assert_eq!(
            pendings(&app, &key, &eps).await,
            [4, 3, 2, 0],
            "one channel in common"
        );

        let s = stats(&app, &key, "other", &elsewhere).await;
        assert_eq!(s["pending"].as_u64(), Some(0), "{s}");
        // Accepted means pending: nothing else is counted yet.
        let s = stats(&app, &key, "shop", &all).await;
        for status in ["success", "sending", "fail", "canceled"] {
            assert_eq!(s[status].as_u64(), Some(0), "{status}: {s}");
        }

        // Enabled again: it takes messages from then on, not the ones it missed.
        let patched = expect_status(
            app.patch_json(
                &format!("{APP}/endpoint/{off}"),
                Some(&key),
                &json!({"disabled": false}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(patched["disabled"], false);
        send(
            &app,
            &key,
            json!({"eventType": "anything.else", "payload": {}}),
        )
        .await;
        assert_eq!(pendings(&app, &key, &eps).await, [5, 3, 2, 1]);

        // Disabled again: it stops taking them.
        expect_status(
            app.patch_json(
                &format!("{APP}/endpoint/{all}"),
                Some(&key),
                &json!({"disabled": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        send(
            &app,
            &key,
            json!({"eventType": "anything.else", "payload": {}}),
        )
        .await;
        assert_eq!(pendings(&app, &key, &eps).await, [5, 3, 2, 2]);
    }
);

both_backends!(resend_queues_one_more_delivery, |app: TestApp| async move {
    let key = tenant_with_app(&app, "msg-resend@example.com").await;
    let picky = endpoint(
        &app,
        &key,
        json!({"url": "https://picky.example.com/h", "uid": "picky", "eventTypes": ["only.this"]}),
    )
    .await;
    let other = endpoint(&app, &key, json!({"url": "https://other.example.com/h"})).await;
    let msg = send(
        &app,
        &key,
        json!({"eventType": "other.type", "eventId": "evt-r", "payload": {}}),
    )
    .await;
    let msg_id = id_of(&msg);
    assert_eq!(
        pendings(&app, &key, &[picky.as_str(), other.as_str()]).await,
        [0, 1]
    );

    let res = app
        .post_json(
            &format!("{APP}/msg/{msg_id}/endpoint/{picky}/resend"),
            Some(&key),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(
        pendings(&app, &key, &[picky.as_str(), other.as_str()]).await,
        [1, 1],
        "only the endpoint named"
    );

    // By eventId and endpoint uid.
    let res = app
        .post_json(
            &format!("{APP}/msg/evt-r/endpoint/picky/resend"),
            Some(&key),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(
        pendings(&app, &key, &[picky.as_str(), other.as_str()]).await,
        [2, 1]
    );

    assert_not_found(
        app.post_json(
            &format!("{APP}/msg/{UNKNOWN_MSG}/endpoint/{picky}/resend"),
            Some(&key),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_not_found(
        app.post_json(
            &format!("{APP}/msg/{msg_id}/endpoint/{UNKNOWN_EP}/resend"),
            Some(&key),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(
        pendings(&app, &key, &[picky.as_str(), other.as_str()]).await,
        [2, 1]
    );
});

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
    send_example_and_recover_touch_one_endpoint,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "msg-example@example.com").await;
        expect_status(
            app.post_json(
                "/api/v1/event-type",
                Some(&key),
                &json!({
                    "name": "invoice.paid",
                    "description": "An invoice was paid",
                    "schemas": {"1": {"type": "object", "examples": [{"invoiceId": "inv_1", "amount": 100}]}}
                }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        // Its filter does not matter: the example goes to the endpoint named.
        let target = endpoint(
            &app,
            &key,
            json!({"url": "https://target.example.com/h", "eventTypes": ["nothing.matches"]}),
        )
        .await;
        let bystander = endpoint(
            &app,
            &key,
            json!({"url": "https://bystander.example.com/h"}),
        )
        .await;
        let example_path = format!("{APP}/endpoint/{target}/send-example");

        let sent = expect_status(
            app.post_json(
                &example_path,
                Some(&key),
                &json!({"eventType": "invoice.paid"}),
            )
            .await,
            StatusCode::ACCEPTED,
        )
        .await;
        assert!(id_of(&sent).starts_with("msg_"), "{sent}");
        assert_eq!(sent["eventType"], "invoice.paid");
        assert_eq!(
            sent["payload"],
            json!({"invoiceId": "inv_1", "amount": 100}),
            "the schema's first example"
        );
        assert_eq!(
            pendings(&app, &key, &[target.as_str(), bystander.as_str()]).await,
            [1, 0]
        );

        // Without a schema example: a placeholder naming the type.
        let sent = expect_status(
            app.post_json(
                &example_path,
                Some(&key),
                &json!({"eventType": "ping.test"}),
            )
            .await,
            StatusCode::ACCEPTED,
        )
        .await;
        assert_eq!(sent["payload"]["type"], "ping.test", "{sent}");
        assert_eq!(sent["payload"]["example"], true, "{sent}");
        assert_eq!(
            pendings(&app, &key, &[target.as_str(), bystander.as_str()]).await,
            [2, 0]
        );

        assert_invalid(
            app.post_json(&example_path, Some(&key), &json!({"eventType": "a/b"}))
                .await,
            "eventType",
        )
        .await;
        assert_not_found(
            app.post_json(
                &format!("{APP}/endpoint/{UNKNOWN_EP}/send-example"),
                Some(&key),
                &json!({"eventType": "invoice.paid"}),
            )
            .await,
        )
        .await;

        // Recover: nothing has failed, so nothing is queued again.
        let recover_path = format!("{APP}/endpoint/{target}/recover");
        let recovered = expect_status(
            app.post_json(
                &recover_path,
                Some(&key),
                &json!({"since": "2020-01-01T00:00:00Z"}),
            )
            .await,
            StatusCode::ACCEPTED,
        )
        .await;
        assert_eq!(recovered["status"], "finished", "{recovered}");
        assert_eq!(recovered["recovered"], json!(0), "{recovered}");
        assert_eq!(
            pendings(&app, &key, &[target.as_str(), bystander.as_str()]).await,
            [2, 0]
        );
        assert_invalid(
            app.post_json(&recover_path, Some(&key), &json!({})).await,
            "since",
        )
        .await;
        assert_invalid(
            app.post_json(&recover_path, Some(&key), &json!({"since": "yesterday"}))
                .await,
            "since",
        )
        .await;
    }
);
