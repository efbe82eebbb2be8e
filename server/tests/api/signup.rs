use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, error_code};

both_backends!(
    signup_returns_a_tenant_and_a_working_key,
    |app: TestApp| async move {
        let (tenant_id, key) = app.signup("founder@example.com").await;
        assert!(tenant_id.starts_with("org_"), "{tenant_id}");
        assert!(key.starts_with("hr_") && key.len() >= 40, "{key}");
        let res = app.get("/api/v1/api-keys", Some(&key)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
);

both_backends!(
    bad_signups_say_which_field_and_create_nothing,
    |app: TestApp| async move {
        let cases = [
            (
                json!({"organization": "Acme", "email": "not-an-email", "password": "correct horse battery"}),
                "email",
            ),
            (
                json!({"organization": "Acme", "email": "x@example.com", "password": "short"}),
                "password",
            ),
            (
                json!({"organization": "  ", "email": "x@example.com", "password": "correct horse battery"}),
                "organization",
            ),
            (
                json!({"organization": "Acme", "password": "correct horse battery"}),
                "email",
            ),
            (
                json!({"organization": "Acme", "email": 42, "password": "correct horse battery"}),
                "email",
            ),
        ];
        for (body, field) in cases {
            let res = app.post_json("/api/v1/signup", None, &body).await;
            let (status, code, body) = error_code(res).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(code, "validation_error");
            assert_eq!(body["field"], field, "{body}");
            assert!(
                body["detail"].as_str().unwrap().starts_with(field),
                "detail names the field: {body}"
            );
            assert!(
                !body.to_string().contains("correct horse"),
                "password echoed: {body}"
            );
        }
        // None of those created the account: the address is still free.
        app.signup("x@example.com").await;
    }
);

both_backends!(
    an_email_signs_up_once_whatever_its_case,
    |app: TestApp| async move {
        app.signup("ada@example.com").await;
        let res = app
        .post_json(
            "/api/v1/signup",
            None,
            &json!({"organization": "Other", "email": "ADA@Example.com", "password": "another long one"}),
        )
        .await;
        let (status, code, _) = error_code(res).await;
        assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "conflict"));
    }
);

#[tokio::test]
async fn signup_can_be_switched_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("HOOKRELAY_SIGNUP_ENABLED", "false")]).await;
    let res = app
        .post_json(
            "/api/v1/signup",
            None,
            &json!({"organization": "Acme", "email": "a@example.com", "password": "correct horse battery"}),
        )
        .await;
    let (status, code, _) = error_code(res).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "signup_disabled")
    );
}
