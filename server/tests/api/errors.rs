use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, error_code};

both_backends!(every_bad_credential_is_a_401, |app: TestApp| async move {
    let (_, _key) = app.signup("auth@example.com").await;
    let well_formed_unknown = format!("hr_{}", "A".repeat(43));
    let cases: [Option<&str>; 5] = [
        None,
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer"),
        Some("Bearer not-a-key"),
        Some(&format!("Bearer {well_formed_unknown}")),
    ];
    for header in cases {
        let mut req = app.client.get(app.url("/api/v1/api-keys"));
        if let Some(h) = header {
            req = req.header("authorization", h);
        }
        let res = req.send().await.unwrap();
        let (status, code, _) = error_code(res).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{header:?}"
        );
    }
});

both_backends!(
    bodies_that_are_not_json_are_refused_cleanly,
    |app: TestApp| async move {
        // Malformed JSON: 400 with a code.
        let res = app
            .client
            .post(app.url("/api/v1/signup"))
            .header("content-type", "application/json")
            .body("{\"organization\": ")
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_code(res).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_json")
        );

        // Another content type on a JSON route: 415.
        let res = app
        .client
        .post(app.url("/api/v1/signup"))
        .header("content-type", "text/plain")
        .body(json!({"organization": "Acme", "email": "t@example.com", "password": "correct horse battery"}).to_string())
        .send()
        .await
        .unwrap();
        let (status, code, _) = error_code(res).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
        );

        // Over HOOKRELAY_MAX_BODY (1 MiB by default): 413.
        let huge = json!({"organization": "x".repeat(2 << 20), "email": "t@example.com", "password": "correct horse battery"});
        let (status, code, _) =
            error_code(app.post_json("/api/v1/signup", None, &huge).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        );

        // None of it created the account.
        app.signup("t@example.com").await;
    }
);

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("HOOKRELAY_MAX_BODY", "2KiB")]).await;
    let body = json!({"organization": "x".repeat(4096), "email": "t@example.com", "password": "correct horse battery"});
    let (status, _, _) = error_code(app.post_json("/api/v1/signup", None, &body).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

both_backends!(unknown_api_paths_are_json_404s, |app: TestApp| async move {
    let (_, key) = app.signup("paths@example.com").await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v2/app",
        "/api/v1/api-keys/key_unknown/extra",
    ] {
        let (status, code, _) = error_code(app.get(path, Some(&key)).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
    let (status, code, _) =
        error_code(app.delete("/api/v1/api-keys/%00%27%3B--", Some(&key)).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
});

both_backends!(responses_carry_a_request_id, |app: TestApp| async move {
    let res = app.get("/health", None).await;
    let id = res
        .headers()
        .get("x-request-id")
        .expect("x-request-id header")
        .to_str()
        .unwrap();
    assert!(id.len() >= 16, "{id}");
});
