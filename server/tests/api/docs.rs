//! The API describes itself: `/api/v1/openapi.json` (public) and `/docs`, a page that
//! needs nothing from the internet.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn the_openapi_document_is_served_without_a_key() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/app",
        "/api/v1/app/{app_id}/msg",
        "/api/v1/event-type/{event_type_name}",
        "/api/v1/signup",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn the_docs_page_works_offline() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = app.get("/docs", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("/api/v1/openapi.json"));
    for external in ["src=\"http", "href=\"http", "src='http", "@import"] {
        assert!(
            !html.contains(external),
            "the page loads nothing from elsewhere ({external})"
        );
    }
}

#[tokio::test]
async fn a_known_path_with_another_method_is_a_405() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, key) = app.signup("methods@example.com").await;
    let res = app
        .client
        .put(app.url("/api/v1/app"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = res.headers()["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}
