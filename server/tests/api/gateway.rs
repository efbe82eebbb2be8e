//! API-gateway duties: idempotency keys, the per-key rate limit, compression.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_rate_limited, error_code};

async fn post_with_key(
    app: &TestApp,
    api_key: &str,
    idem: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/app"))
        .bearer_auth(api_key)
        .header("idempotency-key", idem)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn app_count(app: &TestApp, key: &str) -> usize {
    let list: Value = app
        .get("/api/v1/app", Some(key))
        .await
        .json()
        .await
        .unwrap();
    list["data"].as_array().unwrap().len()
}

both_backends!(
    an_idempotency_key_replays_the_first_response,
    |app: TestApp| async move {
        let (_, key) = app.signup("idem@example.com").await;
        let body = json!({"name": "Once"});
        let first = post_with_key(&app, &key, "create-once", &body).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let first: Value = first.json().await.unwrap();

        let again = post_with_key(&app, &key, "create-once", &body).await;
        assert_eq!(
            again.status(),
            StatusCode::CREATED,
            "the first status is replayed"
        );
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let again: Value = again.json().await.unwrap();
        assert_eq!(again, first, "the first body is replayed");
        assert_eq!(app_count(&app, &key).await, 1, "the request ran once");

        // The same key with another body: refused, nothing created.
        let (status, code, _) =
            error_code(post_with_key(&app, &key, "create-once", &json!({"name": "Twice"})).await)
                .await;
        assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
        assert_eq!(app_count(&app, &key).await, 1);

        // Keys belong to a tenant: another tenant's identical key runs its own request.
        let (_, other) = app.signup("other-idem@example.com").await;
        let theirs = post_with_key(&app, &other, "create-once", &body).await;
        assert_eq!(theirs.status(), StatusCode::CREATED);
        let theirs: Value = theirs.json().await.unwrap();
        assert_ne!(theirs["id"], first["id"]);
    }
);

both_backends!(
    concurrent_requests_with_one_key_run_once,
    |app: TestApp| async move {
        let (_, key) = app.signup("race@example.com").await;
        let body = json!({"name": "Raced"});
        let requests = (0..8).map(|_| post_with_key(&app, &key, "race-key", &body));
        let responses = futures::future::join_all(requests).await;
        let mut ids = Vec::new();
        for res in responses {
            match res.status() {
                StatusCode::CREATED => ids.push(res.json::<Value>().await.unwrap()["id"].clone()),
                StatusCode::CONFLICT => assert!(res.headers().contains_key("retry-after")),
                other => panic!("unexpected {other}"),
            }
        }
        assert!(!ids.is_empty());
        assert!(
            ids.iter().all(|id| *id == ids[0]),
            "every success is the same application: {ids:?}"
        );
        assert_eq!(
            app_count(&app, &key).await,
            1,
            "one application, however many raced"
        );
    }
);

#[tokio::test]
async fn signup_is_idempotent_too() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = json!({"organization": "Acme", "email": "idem-signup@example.com", "password": "correct horse battery"});
    let send = || {
        app.client
            .post(app.url("/api/v1/signup"))
            .header("idempotency-key", "signup-1")
            .json(&body)
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed["tenantId"], first["tenantId"]);
    assert_eq!(
        replayed["apiKey"], first["apiKey"],
        "the key is replayed to the same request"
    );

    // …but never kept readable: the stored response is sealed.
    use sea_orm::ConnectionTrait;
    let db = app.store.connection();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT response_body FROM idempotency_key",
        ))
        .await
        .unwrap();
    assert!(!rows.is_empty());
    let key = first["apiKey"].as_str().unwrap();
    for row in rows {
        let stored: String = row.try_get("", "response_body").unwrap();
        assert!(
            !stored.contains(key) && !stored.contains("apiKey"),
            "stored in the clear: {stored}"
        );
    }
}

#[tokio::test]
async fn over_the_rate_limit_is_a_429_with_retry_after() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("HOOKRELAY_RATE_LIMIT", "2")]).await;
    let (_, key) = app.signup("busy@example.com").await;
    let (_, calm) = app.signup("calm@example.com").await;
    let mut limited = None;
    for _ in 0..20 {
        let res = app.get("/api/v1/app", Some(&key)).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(res);
            break;
        }
    }
    let res = limited.expect("20 requests at once exceed 2/s with bursts of 4");
    assert_rate_limited(res).await;
    // Limits are per key: another key is not slowed by this one.
    assert_eq!(
        app.get("/api/v1/app", Some(&calm)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn api_responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, key) = app.signup("gzip@example.com").await;
    for name in 0..30 {
        app.post_json(
            "/api/v1/app",
            Some(&key),
            &json!({"name": format!("app {name}")}),
        )
        .await;
    }
    for encoding in ["gzip", "br"] {
        let res = app
            .client
            .get(app.url("/api/v1/app"))
            .bearer_auth(&key)
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], encoding);
    }
}
