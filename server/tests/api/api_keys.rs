use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, error_code, field_of_each};

both_backends!(
    keys_are_created_listed_and_revoked,
    |app: TestApp| async move {
        let (_, first) = app.signup("owner@example.com").await;

        let res = app
            .post_json("/api/v1/api-keys", Some(&first), &json!({"name": "CI"}))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let created: Value = res.json().await.unwrap();
        let second = created["key"].as_str().unwrap().to_string();
        let second_id = created["id"].as_str().unwrap().to_string();
        assert!(second_id.starts_with("key_"));
        assert_eq!(created["name"], "CI");
        assert!(second.starts_with(created["prefix"].as_str().unwrap()));

        // The new key works, and the list shows both keys without their secret.
        let res = app.get("/api/v1/api-keys", Some(&second)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let list: Value = res.json().await.unwrap();
        let names = field_of_each(&list, "name");
        assert_eq!(names, ["CI", "default"], "newest first");
        assert_eq!(list["done"], true);
        let text = list.to_string();
        assert!(
            !text.contains(&second) && !text.contains(&first),
            "a listing leaked a key"
        );
        assert!(list["data"][0].get("key").is_none());

        // Revoked: refused on the very next request, gone from the list, not revocable twice.
        let res = app
            .delete(&format!("/api/v1/api-keys/{second_id}"), Some(&first))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let (status, code, _) = error_code(app.get("/api/v1/api-keys", Some(&second)).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "unauthorized")
        );
        let list: Value = app
            .get("/api/v1/api-keys", Some(&first))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
        let res = app
            .delete(&format!("/api/v1/api-keys/{second_id}"), Some(&first))
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
);

both_backends!(a_key_can_revoke_itself, |app: TestApp| async move {
    let (_, key) = app.signup("solo@example.com").await;
    let list: Value = app
        .get("/api/v1/api-keys", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    let id = list["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.delete(&format!("/api/v1/api-keys/{id}"), Some(&key))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/api-keys", Some(&key)).await.status(),
        StatusCode::UNAUTHORIZED
    );
});

both_backends!(key_names_are_validated, |app: TestApp| async move {
    let (_, key) = app.signup("names@example.com").await;
    for body in [
        json!({"name": ""}),
        json!({"name": "x".repeat(101)}),
        json!({}),
    ] {
        let (status, code, body) =
            error_code(app.post_json("/api/v1/api-keys", Some(&key), &body).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "validation_error")
        );
        assert_eq!(body["field"], "name");
    }
    let list: Value = app
        .get("/api/v1/api-keys", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        1,
        "no key was created"
    );
});

both_backends!(last_use_is_recorded, |app: TestApp| async move {
    let (_, key) = app.signup("used@example.com").await;
    app.get("/api/v1/api-keys", Some(&key)).await;
    // Recorded off the response path: allow it a moment.
    for _ in 0..50 {
        let list: Value = app
            .get("/api/v1/api-keys", Some(&key))
            .await
            .json()
            .await
            .unwrap();
        if list["data"][0]["lastUsedAt"].is_string() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("lastUsedAt never set");
});

both_backends!(
    keys_are_listed_a_page_at_a_time,
    |app: TestApp| async move {
        let (_, key) = app.signup("pages@example.com").await;
        for name in ["one", "two", "three"] {
            app.post_json("/api/v1/api-keys", Some(&key), &json!({"name": name}))
                .await;
        }
        let page: Value = app
            .get("/api/v1/api-keys?limit=3", Some(&key))
            .await
            .json()
            .await
            .unwrap();
        let names = field_of_each(&page, "name");
        assert_eq!(names, ["three", "two", "one"]);
        assert_eq!(page["done"], false);
        let next = page["iterator"].as_str().unwrap();
        let rest: Value = app
            .get(
                &format!("/api/v1/api-keys?limit=3&iterator={next}"),
                Some(&key),
            )
            .await
            .json()
            .await
            .unwrap();
        let names = field_of_each(&rest, "name");
        assert_eq!(names, ["default"]);
        assert_eq!(rest["done"], true);

        for bad in ["0", "251", "-1", "many"] {
            let (status, code, body) = error_code(
                app.get(&format!("/api/v1/api-keys?limit={bad}"), Some(&key))
                    .await,
            )
            .await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, "validation_error"),
                "limit={bad}"
            );
            assert_eq!(body["field"], "limit", "{body}");
        }
    }
);
