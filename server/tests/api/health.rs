use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TestApp};

both_backends!(health_and_readiness, |app: TestApp| async move {
    let res = app.get("/health", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get("/health/ready", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["redis"], "not_configured");
});

#[tokio::test]
async fn readiness_reports_redis_when_configured() {
    let app =
        TestApp::spawn_with(Backend::Sqlite, &[("REDIS_URL", "redis://127.0.0.1:6379")]).await;
    let body: Value = app.get("/health/ready", None).await.json().await.unwrap();
    assert_eq!(body["redis"], "ok", "{body}");

    // A Redis nobody listens on: still ready (the database serves), but degraded, and
    // it says why.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[("REDIS_URL", &format!("redis://127.0.0.1:{port}"))],
    )
    .await;
    let res = app.get("/health/ready", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (
            body["status"].as_str(),
            body["database"].as_str(),
            body["redis"].as_str()
        ),
        (Some("degraded"), Some("ok"), Some("unavailable"))
    );
}
