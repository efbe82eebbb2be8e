//! Every dashboard page walked with a second tenant's session: a URL holding another
//! tenant's application, endpoint or message id is the 404 page, and no page — by id
//! or a list — shows anything of theirs.

use reqwest::{StatusCode, header};
use serde_json::json;

use crate::both_backends;
use crate::dashboard_security::{action_of, post};
use crate::helpers::{TestApp, expect_status, id_of};

/// Signs in through the login form; returns the session cookie.
async fn log_in(app: &TestApp, email: &str) -> String {
    let action = action_of(app, "/login", None, "log_in").await;
    let res = post(
        app,
        &action,
        None,
        &app.address,
        &[("email", email), ("password", "correct horse battery")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FOUND, "signing in as {email}");
    res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let res = app
        .client
        .get(app.url(path))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

both_backends!(
    every_page_with_another_tenants_ids_is_a_404_and_no_page_shows_their_data,
    |app: TestApp| async move {
        let (_, alice_key) = app.signup("alice@example.com").await;
        let (_, mallory_key) = app.signup("mallory@example.com").await;
        let alice_key = Some(alice_key.as_str());

        // Alice's things, each carrying a marker that must never reach Mallory.
        let made = app
            .post_json(
                "/api/v1/app",
                alice_key,
                &json!({"name": "Alice Secret Shop", "uid": "alice-shop"}),
            )
            .await;
        let a_app = id_of(&expect_status(made, StatusCode::CREATED).await);
        let made = app
            .post_json(
                &format!("/api/v1/app/{a_app}/endpoint"),
                alice_key,
                &json!({"url": "https://alice-hooks.example/receive", "description": "alice endpoint"}),
            )
            .await;
        let a_ep = id_of(&expect_status(made, StatusCode::CREATED).await);
        let made = app
            .post_json(
                "/api/v1/event-type",
                alice_key,
                &json!({"name": "alice.private.event", "description": "d"}),
            )
            .await;
        expect_status(made, StatusCode::CREATED).await;
        let made = app
            .post_json(
                &format!("/api/v1/app/{a_app}/msg"),
                alice_key,
                &json!({"eventType": "alice.private.event", "payload": {"marker": "alice-payload-marker"}}),
            )
            .await;
        let a_msg = id_of(&expect_status(made, StatusCode::ACCEPTED).await);
        let made = app
            .post_json(
                "/api/v1/api-keys",
                alice_key,
                &json!({"name": "alice-ci-key"}),
            )
            .await;
        expect_status(made, StatusCode::CREATED).await;
        let set = app
            .put_json(
                "/api/v1/alerts",
                alice_key,
                &json!({"recipients": ["alice-ops@example.com"], "kinds": ["message.exhausted"], "throttleSeconds": 600}),
            )
            .await;
        expect_status(set, StatusCode::OK).await;
        // Mallory's own application, to pair with Alice's endpoint and message ids.
        let made = app
            .post_json(
                "/api/v1/app",
                Some(&mallory_key),
                &json!({"name": "Mallory App"}),
            )
            .await;
        let m_app = id_of(&expect_status(made, StatusCode::CREATED).await);

        let markers = [
            "Alice Secret Shop",
            "alice-hooks.example",
            "alice.private.event",
            "alice-payload-marker",
            "alice-ci-key",
            "alice-ops@example.com",
            a_app.as_str(),
            a_ep.as_str(),
            a_msg.as_str(),
        ];
        let alice = log_in(&app, "alice@example.com").await;
        let mallory = log_in(&app, "mallory@example.com").await;

        // Pages that name Alice's objects: hers to see, a 404 page for Mallory.
        let by_id = [
            format!("/apps/{a_app}"),
            "/apps/alice-shop".to_string(),
            format!("/apps/{a_app}/endpoints/{a_ep}"),
            format!("/apps/{a_app}/endpoints/{a_ep}?reveal=1"),
            format!("/apps/{a_app}/log"),
            format!("/apps/{a_app}/messages/{a_msg}"),
        ];
        for path in &by_id {
            let (status, _) = page(&app, &alice, path).await;
            assert_eq!(status, StatusCode::OK, "Alice sees {path}");
            let (status, html) = page(&app, &mallory, path).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "Mallory gets a 404 for {path}"
            );
            for marker in markers {
                assert!(!html.contains(marker), "{path} shows Mallory {marker:?}");
            }
        }
        // Alice's endpoint or message under Mallory's own application: not found either.
        for path in [
            format!("/apps/{m_app}/endpoints/{a_ep}"),
            format!("/apps/{m_app}/messages/{a_msg}"),
        ] {
            let (status, html) = page(&app, &mallory, &path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(!html.contains("alice"), "{path} shows Alice's data");
        }

        // Every list page: Alice's shows her things (so the markers are real), Mallory's
        // shows none of them, even asked to filter by Alice's endpoint.
        let lists = [
            ("/apps", "Alice Secret Shop"),
            ("/event-types", "alice.private.event"),
            ("/api-keys", "alice-ci-key"),
            ("/alerts", "alice-ops@example.com"),
        ];
        for (path, marker) in lists {
            let (status, html) = page(&app, &alice, path).await;
            assert_eq!(status, StatusCode::OK);
            assert!(html.contains(marker), "Alice's {path} shows {marker}");
        }
        let mallory_pages = [
            "/apps".to_string(),
            "/event-types".to_string(),
            "/api-keys".to_string(),
            "/alerts".to_string(),
            format!("/apps/{m_app}"),
            format!("/apps/{m_app}/log"),
            format!("/apps/{m_app}/log?endpoint={a_ep}"),
        ];
        for path in &mallory_pages {
            let (status, html) = page(&app, &mallory, path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            for marker in markers {
                assert!(!html.contains(marker), "Mallory's {path} shows {marker:?}");
            }
        }
    }
);
