//! Deleting an endpoint or an application deletes what was sent to it — deliveries
//! and attempts, and an application's messages — and nothing of anyone else's. On
//! PostgreSQL the store does it (those tables have no foreign keys to cascade:
//! `migration/src/m20261206_000009_no_hot_foreign_keys.rs`); on SQLite the keys
//! cascade too.

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};

use crate::delivery_support::{add_endpoint, attempts, send, setup};
use crate::engine_test;
use crate::helpers::TestApp;
use crate::receiver::TestReceiver;

const EVENT: &str = r#"{"eventType":"a.b","payload":{}}"#;

/// Rows of `table` where `column` is `value`.
async fn count(app: &TestApp, table: &str, column: &str, value: &str) -> i64 {
    let db = app.store.connection();
    let backend = db.get_database_backend();
    let param = match backend {
        sea_orm::DbBackend::Postgres => "$1",
        _ => "?",
    };
    db.query_one_raw(Statement::from_sql_and_values(
        backend,
        format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = {param}"),
        [value.into()],
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

/// (deliveries, attempts) of an endpoint.
async fn endpoint_rows(app: &TestApp, endpoint_id: &str) -> (i64, i64) {
    (
        count(app, "delivery", "endpoint_id", endpoint_id).await,
        count(app, "attempt", "endpoint_id", endpoint_id).await,
    )
}

/// (messages, deliveries, attempts) of an application.
async fn app_rows(app: &TestApp, app_id: &str) -> (i64, i64, i64) {
    (
        count(app, "message", "app_id", app_id).await,
        count(app, "delivery", "app_id", app_id).await,
        count(app, "attempt", "app_id", app_id).await,
    )
}

/// PostgreSQL: the foreign keys left on the hot tables (none: migration 9).
async fn hot_foreign_keys(app: &TestApp) -> i64 {
    crate::helpers::count_n(
        app.store.connection(),
        "SELECT COUNT(*) AS n FROM pg_constraint WHERE contype = 'f' \
         AND conrelid IN ('message'::regclass, 'delivery'::regclass, 'attempt'::regclass)",
    )
    .await
}

engine_test!(
    deleting_an_endpoint_or_an_app_deletes_what_was_sent_to_it,
    |app: TestApp| async move {
        if app.store.connection().get_database_backend() == sea_orm::DbBackend::Postgres {
            assert_eq!(hot_foreign_keys(&app).await, 0);
        }
        let receiver = TestReceiver::start().await;
        let (key, app_id, gone) = setup(&app, "deletes@example.com", &receiver.url).await;
        // A second tenant's app, delivered to as well: it keeps everything.
        let (other_key, other_app, other_ep) =
            setup(&app, "keeps@example.com", &receiver.url).await;
        send(&app, &key, &app_id, EVENT).await;
        send(&app, &other_key, &other_app, EVENT).await;
        attempts(&app, &key, &app_id, &gone, 1).await;
        attempts(&app, &other_key, &other_app, &other_ep, 1).await;
        assert_eq!(endpoint_rows(&app, &gone).await, (1, 1));

        let res = app
            .delete(&format!("/api/v1/app/{app_id}/endpoint/{gone}"), Some(&key))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(endpoint_rows(&app, &gone).await, (0, 0));
        // The message stays with its application (it may have other endpoints).
        assert_eq!(app_rows(&app, &app_id).await, (1, 0, 0));

        // A new endpoint of the same app, sent to, then the whole app deleted.
        let kept_until_app_goes = add_endpoint(&app, &key, &app_id, &receiver.url).await;
        send(&app, &key, &app_id, EVENT).await;
        attempts(&app, &key, &app_id, &kept_until_app_goes, 1).await;
        assert_eq!(app_rows(&app, &app_id).await, (2, 1, 1));

        let res = app
            .delete(&format!("/api/v1/app/{app_id}"), Some(&key))
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(app_rows(&app, &app_id).await, (0, 0, 0));
        assert_eq!(endpoint_rows(&app, &kept_until_app_goes).await, (0, 0));

        // The other tenant's rows are untouched.
        assert_eq!(app_rows(&app, &other_app).await, (1, 1, 1));
    }
);
