//! Shared by the delivery tests: an app with workers, a tenant with an endpoint,
//! sending, waiting for attempts.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// An app with delivery workers, allowed to reach 127.0.0.1, retrying fast.
pub async fn engine_app(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    let mut env = vec![
        ("HOOKRELAY_ROLE", "all"),
        ("HOOKRELAY_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8"),
        ("HOOKRELAY_RETRY_SCHEDULE", "100ms,200ms"),
        ("HOOKRELAY_ATTEMPT_TIMEOUT", "2s"),
    ];
    env.extend_from_slice(extra);
    TestApp::spawn_with(backend, &env).await
}

/// Signs up, creates an app and an endpoint at `url`; returns (key, app id, endpoint id).
pub async fn setup(app: &TestApp, email: &str, url: &str) -> (String, String, String) {
    let (_, key) = app.signup(email).await;
    let created: Value = app
        .post_json("/api/v1/app", Some(&key), &json!({"name": "Receiver"}))
        .await
        .json()
        .await
        .unwrap();
    let app_id = created["id"].as_str().unwrap().to_string();
    let ep: Value = app
        .post_json(
            &format!("/api/v1/app/{app_id}/endpoint"),
            Some(&key),
            &json!({"url": url, "secret": SECRET, "headers": {"x-tenant-header": "hello"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    (key, app_id, ep["id"].as_str().unwrap().to_string())
}

/// Adds an endpoint at `url` to the app; returns its id.
pub async fn add_endpoint(app: &TestApp, key: &str, app_id: &str, url: &str) -> String {
    let ep: Value = app
        .post_json(
            &format!("/api/v1/app/{app_id}/endpoint"),
            Some(key),
            &json!({"url": url}),
        )
        .await
        .json()
        .await
        .unwrap();
    ep["id"].as_str().unwrap().to_string()
}

pub async fn send(app: &TestApp, key: &str, app_id: &str, body: &str) -> String {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/app/{app_id}/msg")))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits until the endpoint's attempts list has `n` entries; returns it (newest first).
pub async fn attempts(app: &TestApp, key: &str, app_id: &str, ep_id: &str, n: usize) -> Vec<Value> {
    for _ in 0..250 {
        let list: Value = app
            .get(
                &format!("/api/v1/app/{app_id}/attempt/endpoint/{ep_id}"),
                Some(key),
            )
            .await
            .json()
            .await
            .unwrap();
        let data = list["data"].as_array().unwrap().clone();
        if data.len() >= n {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    panic!("fewer than {n} attempts recorded");
}

/// Runs a test on SQLite and PostgreSQL with [`engine_app`].
#[macro_export]
macro_rules! engine_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(
                    $crate::delivery_support::engine_app($crate::helpers::Backend::Sqlite, &[])
                        .await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)(
                    $crate::delivery_support::engine_app($crate::helpers::Backend::Postgres, &[])
                        .await,
                )
                .await;
            }
        }
    };
}

/// A plain success to record by hand (tests that claim and record themselves).
pub fn success_record(url: &str, status: i32) -> hookrelay::store::AttemptRecord {
    hookrelay::store::AttemptRecord {
        url: url.to_string(),
        succeeded: true,
        response_status_code: status,
        response_body: String::new(),
        error: None,
        duration_ms: 1,
        next: hookrelay::store::NextStep::Done,
        disable_reason: None,
        state_changes: Vec::new(),
    }
}
