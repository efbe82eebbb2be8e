//! Endpoints: created with a generated or given signing secret, validated (url, secret,
//! headers), read by uid, upserted, patched, rotated, given custom headers and deleted.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    TestApp, assert_invalid, assert_not_found, expect_status, field_of_each, id_of,
};

/// The application every test here works in (created by `tenant_with_app`).
const EPS: &str = "/api/v1/app/shop/endpoint";
const GIVEN_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A fresh tenant with one application, uid `shop`; returns the API key.
async fn tenant_with_app(app: &TestApp, email: &str) -> String {
    let (_, key) = app.signup(email).await;
    expect_status(
        app.post_json(
            "/api/v1/app",
            Some(&key),
            &json!({"name": "Shop", "uid": "shop"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    key
}

async fn create_endpoint(app: &TestApp, key: &str, body: Value) -> Value {
    expect_status(
        app.post_json(EPS, Some(key), &body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn secret_of(app: &TestApp, key: &str, ep: &str) -> String {
    let body = expect_status(
        app.get(&format!("{EPS}/{ep}/secret"), Some(key)).await,
        StatusCode::OK,
    )
    .await;
    body["key"].as_str().expect("a key").to_string()
}

async fn headers_of(app: &TestApp, key: &str, ep: &str) -> Value {
    let body = expect_status(
        app.get(&format!("{EPS}/{ep}/headers"), Some(key)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["sensitive"], json!([]), "{body}");
    body["headers"].clone()
}

async fn list_ids(app: &TestApp, key: &str) -> Vec<String> {
    let list = expect_status(app.get(EPS, Some(key)).await, StatusCode::OK).await;
    field_of_each(&list, "id")
}

both_backends!(
    an_endpoint_is_created_with_a_generated_secret,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "ep-create@example.com").await;
        let ep = create_endpoint(
            &app,
            &key,
            json!({
                "url": "https://example.com/hook",
                "description": "Main hook",
                "uid": "main",
                "eventTypes": ["invoice.paid", "invoice.failed"],
                "channels": ["eu"],
                "throttleRate": 100,
                "metadata": {"team": "billing"}
            }),
        )
        .await;
        let id = id_of(&ep);
        assert!(id.starts_with("ep_") && id.len() == 29, "{id}");
        assert_eq!(ep["url"], "https://example.com/hook");
        assert_eq!(ep["description"], "Main hook");
        assert_eq!(ep["uid"], "main");
        assert_eq!(ep["eventTypes"], json!(["invoice.paid", "invoice.failed"]));
        assert_eq!(
            ep["filterTypes"], ep["eventTypes"],
            "legacy name, same value"
        );
        assert_eq!(ep["channels"], json!(["eu"]));
        assert_eq!(ep["throttleRate"], json!(100));
        assert_eq!(ep["rateLimit"], json!(100));
        assert_eq!(ep["disabled"], false);
        assert_eq!(ep["metadata"], json!({"team": "billing"}));
        assert_eq!(ep["version"], json!(1));
        assert!(
            !ep.to_string().contains("whsec_"),
            "the endpoint body never carries its secret: {ep}"
        );

        let secret = secret_of(&app, &key, &id).await;
        assert!(secret.starts_with("whsec_"), "{secret}");
        assert_eq!(
            secret.len(),
            "whsec_".len() + 32,
            "24 random bytes in base64"
        );
        assert_eq!(
            secret_of(&app, &key, "main").await,
            secret,
            "by uid, and stable"
        );

        // Defaults, and a secret of its own.
        let other = create_endpoint(&app, &key, json!({"url": "https://example.com/other"})).await;
        let other_id = id_of(&other);
        assert_eq!(other["description"], "");
        assert!(other["uid"].is_null(), "{other}");
        assert!(other["eventTypes"].is_null(), "{other}");
        assert!(other["channels"].is_null(), "{other}");
        assert_eq!(other["disabled"], false);
        let other_secret = secret_of(&app, &key, &other_id).await;
        assert!(other_secret.starts_with("whsec_"));
        assert_ne!(other_secret, secret);

        assert_eq!(list_ids(&app, &key).await, [other_id, id]);
    }
);

both_backends!(a_given_secret_is_kept_exactly, |app: TestApp| async move {
    let key = tenant_with_app(&app, "ep-given@example.com").await;
    let ep = create_endpoint(
        &app,
        &key,
        json!({"url": "https://example.com/hook", "secret": GIVEN_SECRET}),
    )
    .await;
    assert!(!ep.to_string().contains(GIVEN_SECRET), "{ep}");
    assert_eq!(secret_of(&app, &key, &id_of(&ep)).await, GIVEN_SECRET);
});

both_backends!(
    invalid_endpoints_are_refused_and_create_nothing,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "ep-invalid@example.com").await;
        let base = "https://example.com/";
        let too_long = format!("{base}{}", "a".repeat(2049 - base.len()));
        assert_eq!(too_long.len(), 2049);
        for url in [
            "ftp://x",
            "not a url",
            too_long.as_str(),
            "https://",
            "https://user:pw@example.com/hook",
        ] {
            assert_invalid(
                app.post_json(EPS, Some(&key), &json!({"url": url})).await,
                "url",
            )
            .await;
        }
        assert_invalid(app.post_json(EPS, Some(&key), &json!({})).await, "url").await;

        // Bad secrets: refused, and the error does not repeat them.
        for secret in [
            "whsec_abc",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            // 16 bytes: too short a key.
            "whsec_AAAAAAAAAAAAAAAAAAAAAA==",
        ] {
            let body = assert_invalid(
                app.post_json(
                    EPS,
                    Some(&key),
                    &json!({"url": "https://example.com/hook", "secret": secret}),
                )
                .await,
                "secret",
            )
            .await;
            assert!(!body.to_string().contains(secret), "{body}");
        }

        // Other fields.
        let cases = [
            (
                json!({"url": "https://example.com/h", "eventTypes": ["a/b"]}),
                "eventTypes",
            ),
            (
                json!({"url": "https://example.com/h", "filterTypes": ["a b"]}),
                "eventTypes",
            ),
            (
                json!({"url": "https://example.com/h", "channels": ["a b"]}),
                "channels",
            ),
            (
                json!({"url": "https://example.com/h", "throttleRate": 0}),
                "throttleRate",
            ),
            (
                json!({"url": "https://example.com/h", "uid": "has space"}),
                "uid",
            ),
            (
                json!({"url": "https://example.com/h", "headers": {"webhook-id": "x"}}),
                "headers",
            ),
        ];
        for (body, field) in &cases {
            assert_invalid(app.post_json(EPS, Some(&key), body).await, field).await;
        }
        assert!(list_ids(&app, &key).await.is_empty(), "nothing was created");

        // 2,048 characters is still fine.
        let longest = format!("{base}{}", "a".repeat(2048 - base.len()));
        let ep = create_endpoint(&app, &key, json!({"url": longest})).await;
        assert_eq!(ep["url"], json!(longest));
        assert_eq!(list_ids(&app, &key).await.len(), 1);
    }
);

both_backends!(
    filter_types_is_an_alias_of_event_types,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "ep-alias@example.com").await;
        let ep = create_endpoint(
            &app,
            &key,
            json!({"url": "https://example.com/hook", "filterTypes": ["a.b", "c.d"]}),
        )
        .await;
        assert_eq!(ep["eventTypes"], json!(["a.b", "c.d"]));
        assert_eq!(ep["filterTypes"], json!(["a.b", "c.d"]));

        let patched = expect_status(
            app.patch_json(
                &format!("{EPS}/{}", id_of(&ep)),
                Some(&key),
                &json!({"filterTypes": ["x.y"]}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(patched["eventTypes"], json!(["x.y"]));
        assert_eq!(patched["filterTypes"], json!(["x.y"]));
    }
);

both_backends!(
    an_endpoint_is_read_by_uid_patched_and_deleted,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "ep-crud@example.com").await;
        let ep = create_endpoint(
            &app,
            &key,
            json!({"url": "https://example.com/hook", "uid": "ep-1", "description": "first", "channels": ["eu"]}),
        )
        .await;
        let id = id_of(&ep);

        // By uid, also under the application's id.
        let got = expect_status(
            app.get(&format!("{EPS}/ep-1"), Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(got["id"], json!(id));
        let shop = expect_status(
            app.get("/api/v1/app/shop", Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        let shop_id = id_of(&shop);
        let got = expect_status(
            app.get(&format!("/api/v1/app/{shop_id}/endpoint/ep-1"), Some(&key))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(got["id"], json!(id));
        assert_eq!(got["url"], "https://example.com/hook");

        // PATCH changes what it names and keeps the rest.
        let patched = expect_status(
            app.patch_json(
                &format!("{EPS}/ep-1"),
                Some(&key),
                &json!({"url": "https://new.example.com/h", "disabled": true, "eventTypes": ["user.created"]}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(patched["id"], json!(id));
        assert_eq!(patched["url"], "https://new.example.com/h");
        assert_eq!(patched["disabled"], true);
        assert_eq!(patched["eventTypes"], json!(["user.created"]));
        assert_eq!(patched["description"], "first");
        assert_eq!(patched["channels"], json!(["eu"]));
        assert_eq!(patched["uid"], "ep-1");
        let got = expect_status(
            app.get(&format!("{EPS}/{id}"), Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(got["url"], "https://new.example.com/h");
        assert_eq!(got["disabled"], true);
        assert_eq!(got["eventTypes"], json!(["user.created"]));

        // `null` clears a filter; `disabled: false` enables again.
        let patched = expect_status(
            app.patch_json(
                &format!("{EPS}/{id}"),
                Some(&key),
                &json!({"eventTypes": null, "channels": null, "disabled": false}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert!(patched["eventTypes"].is_null(), "{patched}");
        assert!(patched["channels"].is_null(), "{patched}");
        assert_eq!(patched["disabled"], false);

        // A bad PATCH changes nothing.
        assert_invalid(
            app.patch_json(
                &format!("{EPS}/{id}"),
                Some(&key),
                &json!({"url": "ftp://x"}),
            )
            .await,
            "url",
        )
        .await;
        let got = expect_status(
            app.get(&format!("{EPS}/{id}"), Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(got["url"], "https://new.example.com/h");

        // Deleted: gone, with its secret and headers.
        assert_eq!(
            app.delete(&format!("{EPS}/ep-1"), Some(&key))
                .await
                .status(),
            StatusCode::NO_CONTENT
        );
        assert_not_found(app.get(&format!("{EPS}/{id}"), Some(&key)).await).await;
        assert_not_found(app.get(&format!("{EPS}/ep-1"), Some(&key)).await).await;
        assert_not_found(app.get(&format!("{EPS}/{id}/secret"), Some(&key)).await).await;
        assert_not_found(app.get(&format!("{EPS}/{id}/headers"), Some(&key)).await).await;
        assert_not_found(app.delete(&format!("{EPS}/{id}"), Some(&key)).await).await;
        assert!(list_ids(&app, &key).await.is_empty());

        // Under an unknown application: 404 too.
        assert_not_found(app.get("/api/v1/app/nope/endpoint", Some(&key)).await).await;
    }
);

both_backends!(
    put_creates_then_replaces_an_endpoint,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "ep-put@example.com").await;
        let created = expect_status(
            app.put_json(
                &format!("{EPS}/ep-put"),
                Some(&key),
                &json!({"url": "https://one.example.com/h", "eventTypes": ["a.b"]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let id = id_of(&created);
        assert!(id.starts_with("ep_"), "{id}");
        assert_eq!(
            created["uid"], "ep-put",
            "the path's uid names the new endpoint"
        );
        assert!(secret_of(&app, &key, &id).await.starts_with("whsec_"));

        let replaced = expect_status(
            app.put_json(
                &format!("{EPS}/ep-put"),
                Some(&key),
                &json!({"url": "https://two.example.com/h", "uid": "ep-put", "description": "two"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(replaced["id"], json!(id));
        assert_eq!(replaced["url"], "https://two.example.com/h");
        assert_eq!(replaced["description"], "two");
        assert!(
            replaced["eventTypes"].is_null(),
            "replaced as a whole: {replaced}"
        );
        let got = expect_status(
            app.get(&format!("{EPS}/ep-put"), Some(&key)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(got["url"], "https://two.example.com/h");
        assert_eq!(list_ids(&app, &key).await, [id]);
    }
);

both_backends!(put_by_uid_is_idempotent, |app: TestApp| async move {
    let key = tenant_with_app(&app, "ep-put-twice@example.com").await;
    let body = json!({"url": "https://same.example.com/h"});
    let first = expect_status(
        app.put_json(&format!("{EPS}/same-uid"), Some(&key), &body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    // The same PUT again changes nothing: in particular the endpoint keeps the uid it is
    // addressed by, so a third PUT still finds it instead of creating another endpoint.
    for round in 2..=3 {
        let again = expect_status(
            app.put_json(&format!("{EPS}/same-uid"), Some(&key), &body)
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
    assert_eq!(list_ids(&app, &key).await.len(), 1);
});

both_backends!(secrets_rotate, |app: TestApp| async move {
    let key = tenant_with_app(&app, "ep-rotate@example.com").await;
    let id = id_of(&create_endpoint(&app, &key, json!({"url": "https://example.com/hook"})).await);
    let rotate = format!("{EPS}/{id}/secret/rotate");
    let old = secret_of(&app, &key, &id).await;

    let rotated = expect_status(
        app.post_json(&rotate, Some(&key), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let new = rotated["key"].as_str().unwrap().to_string();
    assert!(new.starts_with("whsec_"), "{new}");
    assert_ne!(new, old);
    assert_eq!(secret_of(&app, &key, &id).await, new);

    // To a given secret, without grace period.
    let rotated = expect_status(
        app.post_json(
            &rotate,
            Some(&key),
            &json!({"key": GIVEN_SECRET, "gracePeriodSeconds": 0}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rotated["key"], GIVEN_SECRET);
    assert_eq!(secret_of(&app, &key, &id).await, GIVEN_SECRET);

    // Bad rotations change nothing.
    assert_invalid(
        app.post_json(&rotate, Some(&key), &json!({"key": "whsec_abc"}))
            .await,
        "key",
    )
    .await;
    assert_invalid(
        app.post_json(&rotate, Some(&key), &json!({"gracePeriodSeconds": -1}))
            .await,
        "gracePeriodSeconds",
    )
    .await;
    assert_invalid(
        app.post_json(
            &rotate,
            Some(&key),
            &json!({"gracePeriodSeconds": 7 * 24 * 3600 + 1}),
        )
        .await,
        "gracePeriodSeconds",
    )
    .await;
    assert_eq!(secret_of(&app, &key, &id).await, GIVEN_SECRET);

    assert_not_found(
        app.post_json(
            &format!("{EPS}/ep_01ARZ3NDEKTSV4RRFFQ69G5FAV/secret/rotate"),
            Some(&key),
            &json!({}),
        )
        .await,
    )
    .await;
});

both_backends!(
    custom_headers_are_set_patched_and_read,
    |app: TestApp| async move {
        let key = tenant_with_app(&app, "ep-headers@example.com").await;
        let id = id_of(
            &create_endpoint(
                &app,
                &key,
                json!({"url": "https://example.com/hook", "headers": {"X-Tenant": "t1"}}),
            )
            .await,
        );
        let path = format!("{EPS}/{id}/headers");
        assert_eq!(headers_of(&app, &key, &id).await, json!({"x-tenant": "t1"}));

        // PUT replaces them all.
        let res = app
            .put_json(
                &path,
                Some(&key),
                &json!({"headers": {"X-A": "1", "x-b": "2"}}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            headers_of(&app, &key, &id).await,
            json!({"x-a": "1", "x-b": "2"})
        );

        // PATCH adds, overwrites and deletes.
        let res = app
            .patch_json(
                &path,
                Some(&key),
                &json!({"headers": {"x-c": "3", "X-B": "22"}, "deleteHeaders": ["X-A"]}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            headers_of(&app, &key, &id).await,
            json!({"x-b": "22", "x-c": "3"})
        );

        // Reserved or malformed headers: 422 on `headers`, nothing changed.
        for headers in [
            json!({"webhook-id": "x"}),
            json!({"Webhook-Signature": "v1,abc"}),
            json!({"Content-Type": "text/plain"}),
            json!({"bad header": "x"}),
            json!({"x-ok": "a\r\nb"}),
        ] {
            assert_invalid(
                app.put_json(&path, Some(&key), &json!({"headers": headers}))
                    .await,
                "headers",
            )
            .await;
            assert_invalid(
                app.patch_json(&path, Some(&key), &json!({"headers": headers}))
                    .await,
                "headers",
            )
            .await;
        }
        assert_eq!(
            headers_of(&app, &key, &id).await,
            json!({"x-b": "22", "x-c": "3"})
        );

        // A PUT of the endpoint without headers keeps them.
        expect_status(
            app.put_json(
                &format!("{EPS}/{id}"),
                Some(&key),
                &json!({"url": "https://example.com/hook2"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            headers_of(&app, &key, &id).await,
            json!({"x-b": "22", "x-c": "3"})
        );
    }
);

both_backends!(
    re_enabling_by_put_or_patch_ends_the_failure_streak,
    |app: TestApp| async move {
        let (tenant, key) = app.signup("reenable@example.com").await;
        let created: Value = app
            .post_json("/api/v1/app", Some(&key), &json!({"name": "R", "uid": "r"}))
            .await
            .json()
            .await
            .unwrap();
        let app_id = id_of(&created);
        for method in ["put", "patch"] {
            let ep: Value = app
                .post_json(
                    &format!("/api/v1/app/{app_id}/endpoint"),
                    Some(&key),
                    &json!({"url": "https://example.com/h", "disabled": true}),
                )
                .await
                .json()
                .await
                .unwrap();
            let ep_id = id_of(&ep);
            // As the engine leaves an endpoint it disabled after days of failing.
            use sea_orm::ConnectionTrait;
            let db = app.store.connection();
            let backend = db.get_database_backend();
            let sql = match backend {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE endpoint SET failing_since = $1, consecutive_failures = 9 WHERE id = $2"
                }
                _ => "UPDATE endpoint SET failing_since = ?, consecutive_failures = 9 WHERE id = ?",
            };
            let long_ago = chrono::Utc::now() - chrono::Duration::days(6);
            db.execute_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                sql,
                [long_ago.into(), ep_id.clone().into()],
            ))
            .await
            .unwrap();
            let path = format!("/api/v1/app/{app_id}/endpoint/{ep_id}");
            let res = if method == "put" {
                app.put_json(
                    &path,
                    Some(&key),
                    &json!({"url": "https://example.com/h", "disabled": false}),
                )
                .await
            } else {
                app.patch_json(&path, Some(&key), &json!({"disabled": false}))
                    .await
            };
            assert_eq!(res.status(), StatusCode::OK);
            let tenant_id = hookrelay::domain::TenantId(tenant.clone());
            let scope = app.store.tenant(&tenant_id);
            let model_app = scope.find_app(&app_id).await.unwrap();
            let model = scope.find_endpoint(&model_app, &ep_id).await.unwrap();
            assert!(!model.disabled);
            assert_eq!(
                (model.failing_since, model.consecutive_failures),
                (None, 0),
                "{method} resets the streak"
            );
        }
    }
);
