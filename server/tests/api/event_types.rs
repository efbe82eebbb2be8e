//! Event types: created, read, replaced and patched by name; DELETE archives (hidden
//! unless `include_archived=true`), DELETE removes; bad names are 422s and a
//! taken name a 409.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    TestApp, assert_invalid, assert_not_found, error_code, expect_status, field_of_each,
};

const ETS: &str = "/api/v1/event-type";

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    expect_status(
        app.post_json(ETS, Some(key), &body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn get_type(app: &TestApp, key: &str, name: &str) -> Value {
    expect_status(
        app.get(&format!("{ETS}/{name}"), Some(key)).await,
        StatusCode::OK,
    )
    .await
}

/// Names in the list, newest first.
async fn listed_names(app: &TestApp, key: &str, query: &str) -> Vec<String> {
    let list = expect_status(
        app.get(&format!("{ETS}{query}"), Some(key)).await,
        StatusCode::OK,
    )
    .await;
    field_of_each(&list, "name")
}

both_backends!(
    event_types_are_created_read_replaced_and_patched,
    |app: TestApp| async move {
        let (_, key) = app.signup("et-crud@example.com").await;
        let schemas =
            json!({"1": {"type": "object", "properties": {"amount": {"type": "integer"}}}});
        let created = create(
            &app,
            &key,
            json!({
                "name": "invoice.paid",
                "description": "An invoice was paid",
                "schemas": schemas,
                "featureFlags": ["beta"],
                "groupName": "invoices"
            }),
        )
        .await;
        assert!(
            created["id"].as_str().unwrap().starts_with("et_"),
            "{created}"
        );
        assert_eq!(created["name"], "invoice.paid");
        assert_eq!(created["description"], "An invoice was paid");
        assert_eq!(created["archived"], false);
        assert_eq!(created["deprecated"], false);
        assert_eq!(created["schemas"], schemas);
        assert_eq!(created["featureFlags"], json!(["beta"]));
        assert_eq!(created["groupName"], "invoices");

        let got = get_type(&app, &key, "invoice.paid").await;
        assert_eq!(got["id"], created["id"]);
        assert_eq!(got["description"], "An invoice was paid");
        assert_eq!(got["schemas"], schemas);
        assert_eq!(got["featureFlags"], json!(["beta"]));
        assert_eq!(got["groupName"], "invoices");

        // PUT on an existing name replaces it as a whole.
        let replaced = expect_status(
            app.put_json(
                &format!("{ETS}/invoice.paid"),
                Some(&key),
                &json!({"description": "replaced"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(replaced["id"], created["id"]);
        assert_eq!(replaced["description"], "replaced");
        assert!(replaced["schemas"].is_null(), "{replaced}");
        assert!(replaced["featureFlags"].is_null(), "{replaced}");
        assert!(replaced["groupName"].is_null(), "{replaced}");

        // PUT on a new name creates it.
        let put_created = expect_status(
            app.put_json(
                &format!("{ETS}/user.created"),
                Some(&key),
                &json!({"description": "new user", "groupName": "users"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(put_created["name"], "user.created");
        assert_eq!(put_created["description"], "new user");

        // PATCH changes what it names and keeps the rest; `null` clears.
        let patched = expect_status(
            app.patch_json(
                &format!("{ETS}/user.created"),
                Some(&key),
                &json!({"deprecated": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(patched["deprecated"], true);
        assert_eq!(patched["description"], "new user");
        assert_eq!(patched["groupName"], "users");
        let patched = expect_status(
            app.patch_json(
                &format!("{ETS}/user.created"),
                Some(&key),
                &json!({"groupName": null, "description": "a user signed up"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert!(patched["groupName"].is_null(), "{patched}");
        assert_eq!(patched["description"], "a user signed up");
        assert_eq!(patched["deprecated"], true);
        let got = get_type(&app, &key, "user.created").await;
        assert_eq!(got["description"], "a user signed up");
        assert_eq!(got["deprecated"], true);

        assert_eq!(
            listed_names(&app, &key, "").await,
            ["user.created", "invoice.paid"]
        );

        assert_not_found(app.get(&format!("{ETS}/no.such.type"), Some(&key)).await).await;
        assert_not_found(
            app.patch_json(
                &format!("{ETS}/no.such.type"),
                Some(&key),
                &json!({"description": "x"}),
            )
            .await,
        )
        .await;
    }
);

both_backends!(
    archive_hides_and_delete_removes,
    |app: TestApp| async move {
        let (_, key) = app.signup("et-delete@example.com").await;
        create(&app, &key, json!({"name": "a.one", "description": "one"})).await;
        create(&app, &key, json!({"name": "a.two", "description": "two"})).await;

        // Archived (PATCH): still readable, hidden from the list unless asked for.
        let archived = expect_status(
            app.patch_json(
                &format!("{ETS}/a.one"),
                Some(&key),
                &json!({"archived": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(archived["archived"], true);
        let got = get_type(&app, &key, "a.one").await;
        assert_eq!(got["archived"], true);
        assert_eq!(got["description"], "one");
        assert_eq!(listed_names(&app, &key, "").await, ["a.two"]);
        assert_eq!(
            listed_names(&app, &key, "?include_archived=false").await,
            ["a.two"]
        );
        assert_eq!(
            listed_names(&app, &key, "?include_archived=true").await,
            ["a.two", "a.one"]
        );
        assert_invalid(
            app.get(&format!("{ETS}?include_archived=maybe"), Some(&key))
                .await,
            "include_archived",
        )
        .await;

        // Unarchived by PATCH.
        let patched = expect_status(
            app.patch_json(
                &format!("{ETS}/a.one"),
                Some(&key),
                &json!({"archived": false}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(patched["archived"], false);
        assert_eq!(listed_names(&app, &key, "").await, ["a.two", "a.one"]);

        // Deleted: gone for good (Svix's `expunge` is accepted and changes nothing),
        // and the name is free again.
        let res = app.delete(&format!("{ETS}/a.one"), Some(&key)).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_not_found(app.get(&format!("{ETS}/a.one"), Some(&key)).await).await;
        assert_eq!(
            listed_names(&app, &key, "?include_archived=true").await,
            ["a.two"]
        );
        let res = app
            .delete(&format!("{ETS}/a.two?expunge=true"), Some(&key))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert!(
            listed_names(&app, &key, "?include_archived=true")
                .await
                .is_empty()
        );
        let again = create(&app, &key, json!({"name": "a.one", "description": "back"})).await;
        assert_eq!(again["archived"], false);
        assert_eq!(again["description"], "back");

        assert_not_found(app.delete(&format!("{ETS}/no.such.type"), Some(&key)).await).await;
        assert_invalid(
            app.delete(&format!("{ETS}/a.one?expunge=perhaps"), Some(&key))
                .await,
            "expunge",
        )
        .await;
        assert_eq!(get_type(&app, &key, "a.one").await["archived"], false);
    }
);

both_backends!(
    bad_names_are_refused_and_create_nothing,
    |app: TestApp| async move {
        let (_, key) = app.signup("et-names@example.com").await;
        let too_long = "x".repeat(257);
        for name in [
            "invoice/paid",
            "has space",
            "",
            too_long.as_str(),
            "é",
            "a*b",
        ] {
            assert_invalid(
                app.post_json(ETS, Some(&key), &json!({"name": name, "description": "x"}))
                    .await,
                "name",
            )
            .await;
        }
        // The longest name allowed, and every allowed character.
        let longest = "y".repeat(256);
        create(&app, &key, json!({"name": longest, "description": "x"})).await;
        create(&app, &key, json!({"name": "Az09-_.", "description": "x"})).await;

        // By PUT, the name is the path's.
        for name in [too_long.as_str(), "a*b"] {
            assert_invalid(
                app.put_json(
                    &format!("{ETS}/{name}"),
                    Some(&key),
                    &json!({"description": "x"}),
                )
                .await,
                "name",
            )
            .await;
        }
        // A name that cannot exist names nothing.
        assert_not_found(app.get(&format!("{ETS}/a*b"), Some(&key)).await).await;

        let names = listed_names(&app, &key, "?include_archived=true").await;
        assert_eq!(
            names,
            ["Az09-_.".to_string(), longest],
            "only the valid ones"
        );
    }
);

both_backends!(a_taken_name_is_a_conflict, |app: TestApp| async move {
    let (_, key) = app.signup("et-dup@example.com").await;
    create(
        &app,
        &key,
        json!({"name": "order.shipped", "description": "original"}),
    )
    .await;
    let (status, code, body) = error_code(
        app.post_json(
            ETS,
            Some(&key),
            &json!({"name": "order.shipped", "description": "impostor"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "conflict"),
        "{body}"
    );
    assert_eq!(listed_names(&app, &key, "").await, ["order.shipped"]);
    assert_eq!(
        get_type(&app, &key, "order.shipped").await["description"],
        "original"
    );

    // An archived one still holds its name.
    assert_eq!(
        app.patch_json(
            &format!("{ETS}/order.shipped"),
            Some(&key),
            &json!({"archived": true})
        )
        .await
        .status(),
        StatusCode::OK
    );
    let (status, _, _) = error_code(
        app.post_json(
            ETS,
            Some(&key),
            &json!({"name": "order.shipped", "description": "impostor"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Names are per tenant.
    let (_, other_key) = app.signup("et-dup-other@example.com").await;
    let theirs = create(
        &app,
        &other_key,
        json!({"name": "order.shipped", "description": "theirs"}),
    )
    .await;
    assert_eq!(theirs["description"], "theirs");
    assert_eq!(
        get_type(&app, &key, "order.shipped").await["description"],
        "original"
    );
});
