use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    a_tenant_never_sees_or_revokes_another_tenants_keys,
    |app: TestApp| async move {
        let (_, key_a) = app.signup("a@example.com").await;
        let (_, key_b) = app.signup("b@example.com").await;
        let created: Value = app
            .post_json(
                "/api/v1/api-keys",
                Some(&key_a),
                &json!({"name": "a-secret-service"}),
            )
            .await
            .json()
            .await
            .unwrap();
        let a_key_id = created["id"].as_str().unwrap().to_string();

        // B's listing holds only B's key.
        let list: Value = app
            .get("/api/v1/api-keys", Some(&key_b))
            .await
            .json()
            .await
            .unwrap();
        let data = list["data"].as_array().unwrap();
        assert_eq!(data.len(), 1);
        assert!(!list.to_string().contains("a-secret-service"));
        assert!(!list.to_string().contains(&a_key_id));

        // B revoking A's key: 404, as if it did not exist, and A's key still works.
        let res = app
            .delete(&format!("/api/v1/api-keys/{a_key_id}"), Some(&key_b))
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = app
            .get("/api/v1/api-keys", Some(created["key"].as_str().unwrap()))
            .await;
        assert_eq!(res.status(), StatusCode::OK);

        // B's cursor cannot page into A's keys either.
        let list: Value = app
            .get(
                "/api/v1/api-keys?iterator=key_ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
                Some(&key_b),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
        assert!(!list.to_string().contains("a-secret-service"));
    }
);
