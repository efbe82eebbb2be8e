//! Applications: created, read by id and by uid, listed, upserted, patched and deleted;
//! a taken uid is a 409 and bad input a 422 naming the field, creating nothing.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    TestApp, assert_invalid, assert_not_found, error_code, expect_status, field_of_each, id_of,
};

async fn assert_conflict(res: Response) {
    let (status, code, body) = error_code(res).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "conflict"),
        "{body}"
    );
}

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    expect_status(
        app.post_json("/api/v1/app", Some(key), &body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn list(app: &TestApp, key: &str) -> Value {
    expect_status(app.get("/api/v1/app", Some(key)).await, StatusCode::OK).await
}

both_backends!(
    applications_are_created_read_listed_and_deleted,
    |app: TestApp| async move {
        let (_, key) = app.signup("apps@example.com").await;
        let created = create(
            &app,
            &key,
            json!({"name": "Acme Corp", "uid": "acme", "throttleRate": 10, "metadata": {"tier": "gold"}}),
        )
        .await;
        let id = id_of(&created);
        assert!(id.starts_with("app_") && id.len() == 30, "{id}");
        assert_eq!(created["uid"], "acme");
        assert_eq!(created["name"], "Acme Corp");
        assert_eq!(created["throttleRate"], json!(10));
        assert_eq!(created["metadata"], json!({"tier": "gold"}));
        assert!(created["createdAt"].is_string() && created["updatedAt"].is_string());

        // Read back by id and by uid: the same application.
        for path in [format!("/api/v1/app/{id}"), "/api/v1/app/acme".to_string()] {
            let got = expect_status(app.get(&path, Some(&key)).await, StatusCode::OK).await;
            assert_eq!(got["id"], json!(id), "{path}");
            assert_eq!(got["uid"], "acme", "{path}");
            assert_eq!(got["name"], "Acme Corp", "{path}");
            assert_eq!(got["throttleRate"], json!(10), "{path}");
            assert_eq!(got["metadata"], json!({"tier": "gold"}), "{path}");
        }

        // Optional fields default: no uid, no rate, empty metadata.
        let bare = create(&app, &key, json!({"name": "Bare"})).await;
        let bare_id = id_of(&bare);
        assert!(bare["uid"].is_null(), "{bare}");
        assert!(bare["throttleRate"].is_null(), "{bare}");
        assert_eq!(bare["metadata"], json!({}));

        let listed = list(&app, &key).await;
        assert_eq!(field_of_each(&listed, "id"), [bare_id.clone(), id.clone()]);
        assert_eq!(field_of_each(&listed, "name"), ["Bare", "Acme Corp"]);
        assert_eq!(listed["done"], true);

        // Deleted by uid: gone by id and by uid, the other one stays.
        assert_eq!(
            app.delete("/api/v1/app/acme", Some(&key)).await.status(),
            StatusCode::NO_CONTENT
        );
        assert_not_found(app.get(&format!("/api/v1/app/{id}"), Some(&key)).await).await;
        assert_not_found(app.get("/api/v1/app/acme", Some(&key)).await).await;
        assert_eq!(
            field_of_each(&list(&app, &key).await, "id"),
            std::slice::from_ref(&bare_id)
        );
        assert_not_found(app.delete(&format!("/api/v1/app/{id}"), Some(&key)).await).await;

        // Deleted by id.
        assert_eq!(
            app.delete(&format!("/api/v1/app/{bare_id}"), Some(&key))
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
        assert!(
            list(&app, &key).await["data"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
);

both_backends!(
    get_if_exists_answers_the_existing_application,
    |app: TestApp| async move {
        let (_, key) = app.signup("gie@example.com").await;
        let first = create(&app, &key, json!({"name": "Once", "uid": "once"})).await;
        let again = expect_status(
            app.post_json(
                "/api/v1/app?get_if_exists=true",
                Some(&key),
                &json!({"name": "Twice", "uid": "once"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(again["id"], first["id"]);
        assert_eq!(again["name"], "Once", "the existing one, unchanged");
        assert_eq!(list(&app, &key).await["data"].as_array().unwrap().len(), 1);
    }
);

both_backends!(
    put_creates_by_uid_then_replaces,
    |app: TestApp| async move {
        let (_, key) = app.signup("put@example.com").await;
        let created = expect_status(
            app.put_json(
                "/api/v1/app/cust-1",
                Some(&key),
                &json!({"name": "First", "throttleRate": 5, "metadata": {"a": "1"}}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let id = id_of(&created);
        assert!(id.starts_with("app_"), "{id}");
        assert_eq!(created["uid"], "cust-1", "the path's uid names the new app");
        assert_eq!(created["name"], "First");
        assert_eq!(created["throttleRate"], json!(5));

        // Replaced as a whole: what the body leaves out is cleared.
        let replaced = expect_status(
            app.put_json(
                "/api/v1/app/cust-1",
                Some(&key),
                &json!({"name": "Second", "uid": "cust-1"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(replaced["id"], json!(id));
        assert_eq!(replaced["uid"], "cust-1");
        assert_eq!(replaced["name"], "Second");
        assert!(replaced["throttleRate"].is_null(), "{replaced}");
        assert_eq!(replaced["metadata"], json!({}));

        // By id too.
        let by_id = expect_status(
            app.put_json(
                &format!("/api/v1/app/{id}"),
                Some(&key),
                &json!({"name": "Third", "uid": "cust-1", "metadata": {"b": "2"}}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(by_id["id"], json!(id));
        assert_eq!(by_id["name"], "Third");

        let got = expect_status(
            app.get("/api/v1/app/cust-1", Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(got["id"], json!(id));
        assert_eq!(got["name"], "Third");
        assert_eq!(got["metadata"], json!({"b": "2"}));
        assert_eq!(list(&app, &key).await["data"].as_array().unwrap().len(), 1);
    }
);

both_backends!(put_by_uid_is_idempotent, |app: TestApp| async move {
    let (_, key) = app.signup("idem@example.com").await;
    let body = json!({"name": "Same"});
    let first = expect_status(
        app.put_json("/api/v1/app/same-uid", Some(&key), &body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    // The same PUT again changes nothing: in particular the app keeps the uid it is
    // addressed by, so a third PUT still finds it instead of creating another app.
    for round in 2..=3 {
        let again = expect_status(
            app.put_json("/api/v1/app/same-uid", Some(&key), &body)
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(again["id"], first["id"], "round {round}");
        assert_eq!(
            again["uid"], "same-uid",
            "round {round}: a PUT by uid whose body leaves uid out must not clear it"
        );
    }
    assert_eq!(list(&app, &key).await["data"].as_array().unwrap().len(), 1);
});

both_backends!(patch_changes_only_what_is_sent, |app: TestApp| async move {
    let (_, key) = app.signup("patch@example.com").await;
    let created = create(
        &app,
        &key,
        json!({"name": "Before", "uid": "patch-me", "throttleRate": 10, "metadata": {"k": "v"}}),
    )
    .await;
    let id = id_of(&created);
    let by_id = format!("/api/v1/app/{id}");

    let patched = expect_status(
        app.patch_json(
            "/api/v1/app/patch-me",
            Some(&key),
            &json!({"name": "After"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["id"], json!(id));
    assert_eq!(patched["name"], "After");
    assert_eq!(patched["uid"], "patch-me");
    assert_eq!(patched["throttleRate"], json!(10));
    assert_eq!(patched["metadata"], json!({"k": "v"}));

    let patched = expect_status(
        app.patch_json(
            &by_id,
            Some(&key),
            &json!({"metadata": {"k2": "v2"}, "throttleRate": 20}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["metadata"], json!({"k2": "v2"}));
    assert_eq!(patched["throttleRate"], json!(20));
    assert_eq!(patched["name"], "After");

    // `null` clears; absent keeps.
    let patched = expect_status(
        app.patch_json(&by_id, Some(&key), &json!({"uid": null}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(patched["uid"].is_null(), "{patched}");
    assert_eq!(patched["throttleRate"], json!(20));
    assert_not_found(app.get("/api/v1/app/patch-me", Some(&key)).await).await;
    let got = expect_status(app.get(&by_id, Some(&key)).await, StatusCode::OK).await;
    assert!(got["uid"].is_null(), "{got}");
    assert_eq!(got["name"], "After");

    let patched = expect_status(
        app.patch_json(&by_id, Some(&key), &json!({"throttleRate": null}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(patched["throttleRate"].is_null(), "{patched}");

    let patched = expect_status(
        app.patch_json(&by_id, Some(&key), &json!({"uid": "new-uid"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(patched["uid"], "new-uid");
    let got = expect_status(
        app.get("/api/v1/app/new-uid", Some(&key)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(got["id"], json!(id));

    // Bad values: 422 naming the field, nothing changed.
    assert_invalid(
        app.patch_json(&by_id, Some(&key), &json!({"throttleRate": 0}))
            .await,
        "throttleRate",
    )
    .await;
    assert_invalid(
        app.patch_json(&by_id, Some(&key), &json!({"name": ""}))
            .await,
        "name",
    )
    .await;
    assert_invalid(
        app.patch_json(&by_id, Some(&key), &json!({"uid": "has space"}))
            .await,
        "uid",
    )
    .await;
    let got = expect_status(app.get(&by_id, Some(&key)).await, StatusCode::OK).await;
    assert_eq!(got["name"], "After");
    assert_eq!(got["uid"], "new-uid");
    assert!(got["throttleRate"].is_null(), "{got}");

    assert_not_found(
        app.patch_json("/api/v1/app/nobody", Some(&key), &json!({"name": "x"}))
            .await,
    )
    .await;
});

both_backends!(a_taken_uid_is_a_conflict, |app: TestApp| async move {
    let (_, key) = app.signup("dup@example.com").await;
    let one = create(&app, &key, json!({"name": "One", "uid": "dup"})).await;
    assert_conflict(
        app.post_json(
            "/api/v1/app",
            Some(&key),
            &json!({"name": "Two", "uid": "dup"}),
        )
        .await,
    )
    .await;
    let listed = list(&app, &key).await;
    assert_eq!(field_of_each(&listed, "name"), ["One"]);

    // Taking it by PATCH or PUT of another application is refused the same way.
    let other = create(&app, &key, json!({"name": "Other", "uid": "other"})).await;
    let other_path = format!("/api/v1/app/{}", id_of(&other));
    assert_conflict(
        app.patch_json(&other_path, Some(&key), &json!({"uid": "dup"}))
            .await,
    )
    .await;
    assert_conflict(
        app.put_json(
            &other_path,
            Some(&key),
            &json!({"name": "Other", "uid": "dup"}),
        )
        .await,
    )
    .await;
    let got = expect_status(app.get("/api/v1/app/dup", Some(&key)).await, StatusCode::OK).await;
    assert_eq!(got["id"], one["id"]);
    assert_eq!(got["name"], "One");
    let got = expect_status(app.get(&other_path, Some(&key)).await, StatusCode::OK).await;
    assert_eq!(got["uid"], "other");

    // Uids are per tenant: another tenant may use the same one.
    let (_, other_key) = app.signup("dup-other@example.com").await;
    let theirs = create(&app, &other_key, json!({"name": "Theirs", "uid": "dup"})).await;
    assert_ne!(theirs["id"], one["id"]);
});

both_backends!(
    invalid_applications_are_refused_and_create_nothing,
    |app: TestApp| async move {
        let (_, key) = app.signup("invalid-apps@example.com").await;
        create(&app, &key, json!({"name": "Valid"})).await;
        let cases = [
            (json!({"name": ""}), "name"),
            (json!({"name": "   "}), "name"),
            (json!({"name": "x".repeat(257)}), "name"),
            (json!({"name": 42}), "name"),
            (json!({}), "name"),
            (json!({"name": "ok", "uid": "has space"}), "uid"),
            (json!({"name": "ok", "uid": ""}), "uid"),
            (json!({"name": "ok", "uid": "a/b"}), "uid"),
            (json!({"name": "ok", "throttleRate": 0}), "throttleRate"),
            (json!({"name": "ok", "throttleRate": -5}), "throttleRate"),
        ];
        for (body, field) in &cases {
            assert_invalid(app.post_json("/api/v1/app", Some(&key), body).await, field).await;
            assert_invalid(
                app.put_json("/api/v1/app/fresh-uid", Some(&key), body)
                    .await,
                field,
            )
            .await;
        }
        let listed = list(&app, &key).await;
        assert_eq!(
            field_of_each(&listed, "name"),
            ["Valid"],
            "nothing was created"
        );
        assert_not_found(app.get("/api/v1/app/fresh-uid", Some(&key)).await).await;
    }
);
