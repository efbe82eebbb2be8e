//! What accepting a message queues: one delivery per endpoint that wants it (event
//! types, channels; disabled endpoints get a failed one), and the routes that queue
//! more (resend, send-example, recover).

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{TestApp, assert_invalid, assert_not_found, expect_status, id_of};
use crate::messages::{
    APP, UNKNOWN_EP, UNKNOWN_MSG, create_app, endpoint, pendings, send, stats, tenant_with_app,
};

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
